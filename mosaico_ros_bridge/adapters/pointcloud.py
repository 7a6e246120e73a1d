"""PointCloud2 as a columnar sensor type (session dialect, chosen per topic with
`topic_options.<name>.pointcloud_as`), as the official 0.7 bridge's override adapters store it: each
PointField decoded into a list named after it (count > 1: a list per point), the target class taking
the lists whose names it has (x, y, z required). The message is decoded once per batch row."""
from __future__ import annotations

import threading
from typing import Any, Callable, Literal

import numpy as np

from mosaico_ros_bridge import ontology07 as o7
from mosaico_ros_bridge.adapters.base import Adapter, header

KINDS: dict[str, type[o7.Serializable]] = {
    "lidar": o7.Lidar, "radar": o7.Radar, "rgbd_camera": o7.RGBDCamera, "tof_camera": o7.ToFCamera,
    "stereo_camera": o7.StereoCamera,
}
DTYPES = {1: np.int8, 2: np.uint8, 3: np.int16, 4: np.uint16, 5: np.int32, 6: np.uint32, 7: np.float32, 8: np.float64}


def decode(msg: Any) -> dict[str, list[Any]]:
    """Every PointField of the cloud as a list of its values (the official bridge's decode)."""
    points = msg.height * msg.width
    if points == 0:
        return {field.name: [] for field in msg.fields}
    raw = np.frombuffer(bytes(msg.data), dtype=np.uint8)[:points * msg.point_step].reshape(points, msg.point_step)
    order: Literal[">", "<"] = ">" if msg.is_bigendian else "<"
    result = {}
    for field in msg.fields:
        kind = DTYPES.get(field.datatype)
        if kind is None:
            raise ValueError(f"PointField {field.name!r} has datatype {field.datatype}, not one of 1-8")
        size = np.dtype(kind).itemsize
        values = np.ascontiguousarray(raw[:, field.offset:field.offset + size * field.count]).view(
            np.dtype(kind).newbyteorder(order))
        if field.count == 1:
            values = values.reshape(points)
        result[field.name] = values.astype(kind, copy=False).tolist()
    return result


class _Decoded:
    """The decoded fields of the rows being encoded, per thread (a topic's executor encodes a batch
    column by column: each row's cloud is decoded once, not once per column)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def of(self, row: Any) -> dict[str, list[Any]]:
        cache: dict[int, tuple[Any, dict[str, list[Any]]]] = self._local.__dict__.setdefault("cache", {})
        hit = cache.get(id(row))
        if hit is not None and hit[0] is row:
            return hit[1]
        if len(cache) > 4096:
            cache.clear()
        fields = decode(row.msg)
        cache[id(row)] = (row, fields)
        return fields


def _column(decoded: _Decoded, name: str) -> Callable[[Any], Any]:
    return lambda row: decoded.of(row).get(name)


def pointcloud_adapter(kind: str) -> Adapter:
    target = KINDS[kind]
    decoded = _Decoded()
    getters = {f.name: _column(decoded, f.name) for f in target.arrow_fields() if f.name != "header"}
    return Adapter("sensor_msgs/msg/PointCloud2", target, {**getters, **header("header", "msg.header")},
                   options={"pointcloud_as": kind})
