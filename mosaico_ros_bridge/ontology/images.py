"""Images (§4.5): Image and CompressedImage, both stored with serialization format `image`."""
from __future__ import annotations

import struct
import zlib
from enum import Enum

import numpy as np

import pyarrow as pa

from mosaico_ros_bridge.ontology.base import HeaderMixin, Serializable
from mosaico_ros_bridge.ontology.fields import col, utf8
from mosaico_ros_bridge.protocol import SerializationFormat


class ImageFormat(str, Enum):
    """Container of Image/CompressedImage `data`, stored as its string value."""

    RAW = "raw"
    PNG = "png"
    JPEG = "jpeg"
    TIFF = "tiff"
    H264 = "h264"
    HEVC = "hevc"


class Image(HeaderMixin, Serializable):
    """`data` in the container `format`: `raw` = height x stride bytes as given; `png` = the raw buffer
    as an 8-bit grayscale PNG of height rows x stride columns (lossless for any encoding)."""

    __serialization_format__ = SerializationFormat.IMAGE
    __arrow_fields__ = (col("data", pa.binary(), nn=True), utf8("format", nn=True), col("width", pa.int32(), nn=True),
                        col("height", pa.int32(), nn=True), col("stride", pa.int32(), nn=True),
                        utf8("encoding", nn=True), col("is_bigendian", pa.bool_()))
    data: bytes
    format: ImageFormat
    width: int
    height: int
    stride: int
    encoding: str
    is_bigendian: bool | None = None


class CompressedImage(HeaderMixin, Serializable):
    __serialization_format__ = SerializationFormat.IMAGE
    __arrow_fields__ = (col("data", pa.binary(), nn=True), utf8("format", nn=True))
    data: bytes
    format: ImageFormat


def encode_png(raw: bytes, height: int, stride: int, level: int = 6) -> bytes:
    """The `png` container of Image: raw as an 8-bit grayscale PNG of height rows x stride columns
    (lossless for any pixel encoding; decoding and flattening gives raw back)."""
    if height * stride != len(raw) or height <= 0 or stride <= 0:
        raise ValueError(f"image buffer of {len(raw)} bytes is not height {height} x stride {stride}")
    rows = np.zeros((height, stride + 1), dtype=np.uint8)  # a leading 0 per row: PNG filter type None
    rows[:, 1:] = np.frombuffer(raw, dtype=np.uint8).reshape(height, stride)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", stride, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows.tobytes(), level)) + chunk(b"IEND", b"")
