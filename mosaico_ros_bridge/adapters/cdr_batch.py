"""Batch CDR decoders of the high-rate geometry types (Imu, Odometry, TFMessage): a whole batch of
serialized messages becomes Arrow columns through numpy, with no per-message Python message (IMU:
~30 us per message through rclpy and the getters, under 2 us here). Each gives exactly the batch of
the reference path in either era's layout (tested), or declines it (e.g. big-endian CDR)."""
from __future__ import annotations

import struct
from typing import Any, Sequence

import numpy as np
import pyarrow as pa

from mosaico_ros_bridge.adapters.cdr import U32, Declined, aligned, header_at, little_endian, string_at
from mosaico_ros_bridge.adapters.cdr_columns import (
    Columns, Headers, batch_decoder, list_offsets, put_covariance, put_header, put_vector, receive_times, schema_type,
    session_layout)

IMU_DOUBLES = 37  # orientation, its covariance, angular velocity, ..., acceleration covariance
ODOMETRY_DOUBLES = 85  # pose (7), its covariance (36), twist (6), its covariance (36)
TRANSFORM_DOUBLES = 7  # translation, rotation
_TRANSFORM = struct.Struct("<7d")


def _fixed_bodies(bodies: list[bytes], doubles: int) -> np.ndarray:
    blob = b"".join(bodies)
    if len(blob) != len(bodies) * 8 * doubles:
        raise Declined("truncated message")
    return np.frombuffer(blob, "<f8").reshape(len(bodies), doubles)


def _headed(items: Sequence[Any], strings: int, doubles: int) -> tuple[Headers, list[list[str]], np.ndarray]:
    """Messages made of a header, `strings` strings, then `doubles` float64 aligned to 8: their
    headers, strings and the doubles as rows."""
    headers = Headers(len(items))
    texts: list[list[str]] = [[] for _ in range(strings)]
    bodies: list[bytes] = []
    for i, item in enumerate(items):
        raw = little_endian(item.msg)
        pos = headers.read(i, raw)
        for k in range(strings):
            text, pos = string_at(raw, pos)
            texts[k].append(text)
        start = aligned(pos, 8)
        bodies.append(raw[start:start + 8 * doubles])
    return headers, texts, _fixed_bodies(bodies, doubles)


def read_imu(items: Sequence[Any], schema: pa.Schema) -> Columns:
    """sensor_msgs/msg/Imu: orientation null when its covariance[0] is -1 (ROS: no estimate)."""
    headers, _, body = _headed(items, 0, IMU_DOUBLES)
    columns = Columns(len(items), {"timestamp_ns": receive_times(items)})
    headers.put(columns, schema)
    rule = "positive" if session_layout(schema) else "nonzero"
    for path, first, dims in (("orientation", 0, "xyzw"), ("angular_velocity", 13, "xyz"), ("acceleration", 25, "xyz")):
        put_vector(columns, path, body, first, dims)
        put_covariance(columns, f"{path}.covariance", schema_type(schema, f"{path}.covariance"),
                       body[:, first + len(dims):first + len(dims) + 9], rule)
    columns.masks["orientation"] = body[:, 4] == -1
    return columns


def read_odometry(items: Sequence[Any], schema: pa.Schema) -> Columns:
    """nav_msgs/msg/Odometry → MotionState: pose and twist with their 6x6 covariances."""
    headers, (children,), body = _headed(items, 1, ODOMETRY_DOUBLES)
    columns = Columns(len(items), {"timestamp_ns": receive_times(items), "target_frame_id": pa.array(children, pa.string())})
    headers.put(columns, schema)
    rule = "positive" if session_layout(schema) else "always"
    put_vector(columns, "pose.position", body, 0, "xyz")
    put_vector(columns, "pose.orientation", body, 3, "xyzw")
    put_covariance(columns, "pose.covariance", schema_type(schema, "pose.covariance"), body[:, 7:43], rule)
    put_vector(columns, "velocity.linear", body, 43, "xyz")
    put_vector(columns, "velocity.angular", body, 46, "xyz")
    put_covariance(columns, "velocity.covariance", schema_type(schema, "velocity.covariance"), body[:, 49:85], rule)
    return columns


def read_tf(items: Sequence[Any], schema: pa.Schema) -> Columns:
    """tf2_msgs/msg/TFMessage → FrameTransform: one list item per TransformStamped, each with its own
    header and child frame (0.7: an empty child frame is null)."""
    counts: list[int] = []
    stamps: list[tuple[int, int]] = []
    frames: list[str] = []
    children: list[str | None] = []
    values: list[tuple[float, ...]] = []
    v07 = session_layout(schema)
    for item in items:
        raw = little_endian(item.msg)
        (count,) = U32.unpack_from(raw, 4)
        pos = 8
        for _ in range(count):
            sec, nanosec, frame, pos = header_at(raw, pos)
            child, pos = string_at(raw, pos)
            pos = aligned(pos, 8)
            values.append(_TRANSFORM.unpack_from(raw, pos))
            pos += 8 * TRANSFORM_DOUBLES
            stamps.append((sec, nanosec))
            frames.append(frame)
            children.append((child or None) if v07 else child)
        counts.append(count)
    columns = Columns(len(items), {"timestamp_ns": receive_times(items)}, offsets={"transforms": list_offsets(counts)})
    body = np.array(values, np.float64).reshape(len(values), TRANSFORM_DOUBLES)
    put_header(columns, "transforms[].header", schema_type(schema, "transforms[].header"),
               np.array(stamps, np.int64).reshape(len(stamps), 2), frames)
    put_vector(columns, "transforms[].translation", body, 0, "xyz")
    put_vector(columns, "transforms[].rotation", body, 3, "xyzw")
    columns.values["transforms[].target_frame_id"] = pa.array(children, pa.string())
    return columns


imu_batch = batch_decoder(read_imu)
odometry_batch = batch_decoder(read_odometry)
tf_batch = batch_decoder(read_tf)
