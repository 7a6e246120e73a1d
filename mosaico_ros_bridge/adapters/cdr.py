"""Reading little-endian CDR by offset — the one reader of the per-message and the batch decoders —
and the per-message decoders for large or high-rate messages: the fields straight from the serialized
bytes (a big data array as a zero-copy memoryview; IMU's 37 doubles in one unpack), so no Python
message is built (rclpy's deserialize_message is ~18 us per IMU, this ~3 us). Their objects carry
the message's attribute names, so adapters' getters apply unchanged. A decoder returns None when it
cannot decode (e.g. big-endian CDR): the caller then deserializes normally."""
from __future__ import annotations

import struct
from types import SimpleNamespace
from typing import Callable

RawDecoder = Callable[[bytes], "SimpleNamespace | None"]
U32 = struct.Struct("<I")
_HEAD = struct.Struct("<iII")  # stamp.sec, stamp.nanosec, frame_id length (with its NUL)
_IMU_BODY = struct.Struct("<37d")  # orientation, its covariance, angular velocity, ..., acceleration covariance
CDR_LE = 1


class Declined(Exception):
    """Not readable here (e.g. big-endian CDR, or cut short); the next decoder takes the message."""


def little_endian(raw: bytes) -> bytes:
    """The message, if it is little-endian CDR (what every ROS 2 platform sends); else Declined."""
    if len(raw) < 8 or raw[1] != CDR_LE:
        raise Declined("not little-endian CDR")
    return raw


def aligned(pos: int, size: int) -> int:
    """pos (an offset into the message, encapsulation included) moved to CDR alignment `size`,
    which counts from the payload, 4 bytes in."""
    return pos + (4 - pos) % size


def sequence_at(raw: bytes, pos: int, item_size: int = 1) -> tuple[int, int]:
    """A CDR sequence (or string) at pos, aligned to 4 here: where its items start and end."""
    pos = aligned(pos, 4)
    (count,) = U32.unpack_from(raw, pos)
    end = pos + 4 + count * item_size
    if end > len(raw):
        raise Declined("truncated sequence")
    return pos + 4, end


def string_at(raw: bytes, pos: int) -> tuple[str, int]:
    """The CDR string at pos and the offset after it (its length counts the terminating NUL)."""
    start, end = sequence_at(raw, pos)
    return raw[start:max(end - 1, start)].decode("utf-8"), end


def octets_at(raw: bytes, pos: int, item_size: int = 1) -> tuple[memoryview, int]:
    """A CDR sequence of fixed-size items at pos as a zero-copy view, and the offset after it."""
    start, end = sequence_at(raw, pos, item_size)
    return memoryview(raw)[start:end], end


def header_at(raw: bytes, pos: int) -> tuple[int, int, str, int]:
    """A std_msgs/Header at pos: stamp.sec, stamp.nanosec, frame_id, and the offset after it."""
    pos = aligned(pos, 4)
    sec, nanosec, length = _HEAD.unpack_from(raw, pos)
    end = pos + 12 + length
    if end > len(raw):
        raise Declined("truncated header")
    return sec, nanosec, raw[pos + 12:end - 1].decode("utf-8"), end


def _header(sec: int, nanosec: int, frame_id: str) -> SimpleNamespace:
    return SimpleNamespace(stamp=SimpleNamespace(sec=sec, nanosec=nanosec), frame_id=frame_id)


def decode_image(raw: bytes) -> SimpleNamespace | None:
    """sensor_msgs/msg/Image: header, height, width, encoding, is_bigendian, step, data."""
    try:
        sec, nanosec, frame, pos = header_at(little_endian(raw), 4)
        height, width = struct.unpack_from("<II", raw, aligned(pos, 4))
        encoding, pos = string_at(raw, aligned(pos, 4) + 8)
        is_bigendian = raw[pos]
        (step,) = U32.unpack_from(raw, aligned(pos + 1, 4))
        data, _ = octets_at(raw, aligned(pos + 1, 4) + 4)
    except (Declined, struct.error, IndexError):
        return None
    return SimpleNamespace(header=_header(sec, nanosec, frame), height=height, width=width, encoding=encoding,
                           is_bigendian=is_bigendian, step=step, data=data)


def _vector(values: tuple[float, ...], start: int, dims: str) -> SimpleNamespace:
    return SimpleNamespace(**{d: values[start + i] for i, d in enumerate(dims)})


def decode_imu(raw: bytes) -> SimpleNamespace | None:
    """sensor_msgs/msg/Imu: header, then 37 float64 aligned to 8 (fixed layout)."""
    try:
        sec, nanosec, frame, pos = header_at(little_endian(raw), 4)
        v = _IMU_BODY.unpack_from(raw, aligned(pos, 8))
    except (Declined, struct.error):
        return None
    return SimpleNamespace(header=_header(sec, nanosec, frame), orientation=_vector(v, 0, "xyzw"),
                           orientation_covariance=v[4:13], angular_velocity=_vector(v, 13, "xyz"),
                           angular_velocity_covariance=v[16:25], linear_acceleration=_vector(v, 25, "xyz"),
                           linear_acceleration_covariance=v[28:37])
