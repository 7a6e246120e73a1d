"""Batch CDR decoders of the bulk-data types (Image, CompressedImage, PointCloud2, LaserScan): the
bulk bytes go from the CDR buffers into one Arrow buffer with a single copy, and the few small fields
are read by offset, so no rclpy message (a second copy of every frame) is built. Each gives exactly
the batch of the reference path in either era's layout (tested), or declines it."""
from __future__ import annotations

import struct
from typing import Any, Callable, Sequence

import numpy as np
import pyarrow as pa

from mosaico_ros_bridge.adapters.cdr import U32, Declined, aligned, little_endian, octets_at, string_at
from mosaico_ros_bridge.adapters.cdr_columns import (
    Columns, Headers, batch_decoder, list_offsets, put_binary, receive_times, schema_type, session_layout)
from mosaico_ros_bridge.adapters.image_formats import compressed_format, compressed_format07

_SCAN = struct.Struct("<7f")  # angle_min ... range_max
_FIELD = struct.Struct("<IBxxxI")  # PointField offset, datatype, (padding), count


def read_image(items: Sequence[Any], schema: pa.Schema) -> Columns:
    """sensor_msgs/msg/Image, stored raw (the PNG option re-encodes each frame: no batch path)."""
    headers, rows = Headers(len(items)), len(items)
    sizes = np.empty((rows, 3), np.uint32)  # width, height, step
    flags = np.empty(rows, bool)
    encodings: list[str] = []
    data: list[memoryview] = []
    for i, item in enumerate(items):
        raw = little_endian(item.msg)
        pos = aligned(headers.read(i, raw), 4)
        height, width = struct.unpack_from("<II", raw, pos)
        encoding, pos = string_at(raw, pos + 8)
        flags[i] = raw[pos] != 0
        pos = aligned(pos + 1, 4)
        (step,) = U32.unpack_from(raw, pos)
        pixels, _ = octets_at(raw, pos + 4)
        sizes[i] = width, height, step
        encodings.append(encoding)
        data.append(pixels)
    columns = Columns(rows, {"timestamp_ns": receive_times(items), "format": pa.array(["raw"] * rows, pa.string()),
                             "width": sizes[:, 0], "height": sizes[:, 1], "stride": sizes[:, 2],
                             "encoding": pa.array(encodings, pa.string()), "is_bigendian": flags})
    put_binary(columns, "data", schema.field("data").type, data)
    headers.put(columns, schema)
    return columns


def _format_rule(schema: pa.Schema) -> Callable[[str], str]:
    return compressed_format07 if session_layout(schema) else compressed_format


def read_compressed_image(items: Sequence[Any], schema: pa.Schema) -> Columns:
    """sensor_msgs/msg/CompressedImage: the codec read from `format` by the era's rule; a format the
    rule refuses declines the batch (the reference path reports that message)."""
    headers, rows, rule = Headers(len(items)), len(items), _format_rule(schema)
    formats: list[str] = []
    data: list[memoryview] = []
    for i, item in enumerate(items):
        raw = little_endian(item.msg)
        text, pos = string_at(raw, headers.read(i, raw))
        try:
            formats.append(rule(text))
        except ValueError as exc:
            raise Declined(str(exc)) from exc
        data.append(octets_at(raw, pos)[0])
    columns = Columns(rows, {"timestamp_ns": receive_times(items), "format": pa.array(formats, pa.string())})
    put_binary(columns, "data", schema.field("data").type, data)
    headers.put(columns, schema)
    return columns


def read_pointcloud2(items: Sequence[Any], schema: pa.Schema) -> Columns:
    """sensor_msgs/msg/PointCloud2 as the 0.7 PointCloud2 class (fields as a list, data as bytes)."""
    headers, rows = Headers(len(items)), len(items)
    sizes = np.empty((rows, 4), np.uint32)  # height, width, point_step, row_step
    flags = np.empty((rows, 2), bool)  # is_bigendian, is_dense
    counts: list[int] = []
    names: list[str] = []
    layout: list[tuple[int, int, int]] = []
    data: list[memoryview] = []
    for i, item in enumerate(items):
        raw = little_endian(item.msg)
        pos = aligned(headers.read(i, raw), 4)
        height, width, count = struct.unpack_from("<III", raw, pos)
        pos += 12
        for _ in range(count):
            name, pos = string_at(raw, pos)
            pos = aligned(pos, 4)
            layout.append(_FIELD.unpack_from(raw, pos))
            names.append(name)
            pos += _FIELD.size
        flags[i, 0] = raw[pos] != 0
        pos = aligned(pos + 1, 4)
        point_step, row_step = struct.unpack_from("<II", raw, pos)
        points, pos = octets_at(raw, pos + 8)
        flags[i, 1] = raw[pos] != 0
        sizes[i] = height, width, point_step, row_step
        counts.append(count)
        data.append(points)
    fields = np.array(layout, np.uint32).reshape(len(layout), 3)
    columns = Columns(rows, {
        "timestamp_ns": receive_times(items), "height": sizes[:, 0], "width": sizes[:, 1],
        "point_step": sizes[:, 2], "row_step": sizes[:, 3], "is_bigendian": flags[:, 0], "is_dense": flags[:, 1],
        "fields[].name": pa.array(names, pa.string()), "fields[].offset": fields[:, 0],
        "fields[].datatype": fields[:, 1], "fields[].count": fields[:, 2]}, offsets={"fields": list_offsets(counts)})
    put_binary(columns, "data", schema.field("data").type, data)
    headers.put(columns, schema)
    return columns


def _float32_lists(columns: Columns, path: str, schema: pa.Schema, pieces: list[memoryview], empty_is_null: bool) -> None:
    lengths = [len(p) // 4 for p in pieces]
    columns.offsets[path] = list_offsets(lengths)
    columns.values[f"{path}[]"] = pa.array(np.frombuffer(b"".join(pieces), "<f4"),
                                           type=schema_type(schema, f"{path}[]"))
    if empty_is_null:
        columns.list_masks[path] = np.array(lengths) == 0


def read_laser_scan(items: Sequence[Any], schema: pa.Schema) -> Columns:
    """sensor_msgs/msg/LaserScan as the 0.7 LaserScan class (empty intensities are null)."""
    headers, rows = Headers(len(items)), len(items)
    scalars = np.empty((rows, 7), np.float32)
    ranges: list[memoryview] = []
    intensities: list[memoryview] = []
    for i, item in enumerate(items):
        raw = little_endian(item.msg)
        pos = aligned(headers.read(i, raw), 4)
        scalars[i] = _SCAN.unpack_from(raw, pos)
        values, pos = octets_at(raw, pos + _SCAN.size, 4)
        ranges.append(values)
        intensities.append(octets_at(raw, pos, 4)[0])
    names = ("angle_min", "angle_max", "angle_increment", "time_increment", "scan_time", "range_min", "range_max")
    columns = Columns(rows, {"timestamp_ns": receive_times(items), **{n: scalars[:, k] for k, n in enumerate(names)}})
    _float32_lists(columns, "ranges", schema, ranges, empty_is_null=False)
    _float32_lists(columns, "intensities", schema, intensities, empty_is_null=True)
    headers.put(columns, schema)
    return columns


image_batch = batch_decoder(read_image)
compressed_image_batch = batch_decoder(read_compressed_image)
pointcloud2_batch = batch_decoder(read_pointcloud2)
laser_scan_batch = batch_decoder(read_laser_scan)
