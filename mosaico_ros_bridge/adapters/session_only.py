"""Mappings that exist only on session-dialect servers: ROS types the 0.7 ontology models and the
seed one did not (the seed era records them with the lossless fallback). Written like the seed
adapters (headers via `header()`), then put through session_layout like them, so the 0.7 bridge's
rules (empty header → null, covariances) apply in one place."""
from __future__ import annotations

from operator import attrgetter
from typing import Any

from mosaico_ros_bridge import ontology07 as o7
from mosaico_ros_bridge.adapters.base import NONE, Adapter, header, src
from mosaico_ros_bridge.adapters.cdr_batch_bulk import laser_scan_batch, pointcloud2_batch
from mosaico_ros_bridge.ontology.columnar import Getters

HEAD = "msg.header"
SCAN_FIELDS = ("angle_min", "angle_max", "angle_increment", "time_increment", "scan_time", "range_min", "range_max")


def _empty_to_none(path: str) -> Any:
    get = attrgetter(path)
    return lambda row: value if len(value := get(row)) else None


def _echoes(path: str, none_if_empty: bool) -> Any:
    get = attrgetter(path)

    def read(row: Any) -> Any:
        echoes = [list(e.echoes) for e in get(row)]
        return None if none_if_empty and not echoes else echoes
    return read


def _point(path: str, source: Any) -> Getters:
    """A Point3d/Vector struct (no header, no covariance) read from a ROS point/vector."""
    return {path: source, f"{path}.header": NONE, f"{path}.covariance": NONE, f"{path}.covariance_type": NONE}


def _pose(path: str, source: Any) -> Getters:
    """A 0.7 Pose struct from a ROS geometry_msgs/Pose (header and covariance null)."""
    return {path: source, f"{path}.header": NONE, f"{path}.covariance": NONE, f"{path}.covariance_type": NONE,
            **_point(f"{path}.position", attrgetter("position")),
            **_point(f"{path}.orientation", attrgetter("orientation"))}


def _time(path: str, source: Any) -> Getters:
    return {path: source, f"{path}.seconds": attrgetter("sec"), f"{path}.nanoseconds": attrgetter("nanosec")}


def _map_info(path: str, source: Any) -> Getters:
    return {path: source, **_time(f"{path}.map_load_time", attrgetter("map_load_time")),
            **_pose(f"{path}.origin", attrgetter("origin"))}


def _stamped(name: str, inner: str, ontology: type[o7.Serializable], build: Any) -> list[Adapter]:
    """A type and its Stamped variant (the payload under `inner`, the header beside it)."""
    return [Adapter(f"geometry_msgs/msg/{name}", ontology, {**build("msg"), **header("header", None)}, header_source=None),
            Adapter(f"geometry_msgs/msg/{name}Stamped", ontology, {**build(f"msg.{inner}"), **header("header", HEAD)})]


def _polygon(source: str) -> Getters:
    return {"points": src(f"{source}.points"), "points[].header": NONE, "points[].covariance": NONE,
            "points[].covariance_type": NONE}


def _inertia(source: str) -> Getters:
    return {"mass": src(f"{source}.m"), **_point("center_of_mass", src(f"{source}.com")),
            "inertia": lambda row: [getattr(attrgetter(source)(row), k) for k in ("ixx", "ixy", "ixz", "iyy", "iyz", "izz")]}


ADAPTERS = [
    Adapter("sensor_msgs/msg/LaserScan", o7.LaserScan, {
        **{name: src(f"msg.{name}") for name in SCAN_FIELDS}, "ranges": src("msg.ranges"),
        "intensities": _empty_to_none("msg.intensities"), **header("header", HEAD)}, raw_batch=laser_scan_batch),
    Adapter("sensor_msgs/msg/MultiEchoLaserScan", o7.MultiEchoLaserScan, {
        **{name: src(f"msg.{name}") for name in SCAN_FIELDS}, "ranges": _echoes("msg.ranges", False),
        "intensities": _echoes("msg.intensities", True), **header("header", HEAD)}),
    Adapter("sensor_msgs/msg/PointCloud2", o7.PointCloud2, {
        "height": src("msg.height"), "width": src("msg.width"), "fields": src("msg.fields"),
        "is_bigendian": src("msg.is_bigendian"), "point_step": src("msg.point_step"), "row_step": src("msg.row_step"),
        "data": lambda row: bytes(row.msg.data), "is_dense": src("msg.is_dense"), **header("header", HEAD)},
            raw_batch=pointcloud2_batch),
    Adapter("sensor_msgs/msg/Temperature", o7.Temperature, {
        "value": lambda row: row.msg.temperature + 273.15,
        "variance": lambda row: row.msg.variance if row.msg.variance > 0 else None,
        "variance_type": NONE, **header("header", HEAD)}),
    Adapter("sensor_msgs/msg/FluidPressure", o7.Pressure, {
        "value": src("msg.fluid_pressure"),
        "variance": lambda row: row.msg.variance if row.msg.variance > 0 else None,
        "variance_type": NONE, **header("header", HEAD)}),
    Adapter("sensor_msgs/msg/Joy", o7.Joy, {"axes": src("msg.axes"), "buttons": src("msg.buttons"),
                                            **header("header", HEAD)}),
    Adapter("nav_msgs/msg/Path", o7.RobotPath, {
        "poses": src("msg.poses"), **header("poses[].header", "header"), "poses[].covariance": NONE,
        "poses[].covariance_type": NONE, **_point("poses[].position", attrgetter("pose.position")),
        **_point("poses[].orientation", attrgetter("pose.orientation")), **header("header", HEAD)}),
    Adapter("nav_msgs/msg/GridCells", o7.GridCells, {
        "cell_width": src("msg.cell_width"), "cell_height": src("msg.cell_height"), "cells": src("msg.cells"),
        "cells[].header": NONE, "cells[].covariance": NONE, "cells[].covariance_type": NONE, **header("header", HEAD)}),
    Adapter("nav_msgs/msg/MapMetaData", o7.MapMetadata, {
        **_time("map_load_time", src("msg.map_load_time")), "resolution": src("msg.resolution"),
        "width": src("msg.width"), "height": src("msg.height"), **_pose("origin", src("msg.origin"))},
        header_source=None),
    Adapter("nav_msgs/msg/OccupancyGrid", o7.OccupancyGrid, {
        **_map_info("info", src("msg.info")), "data": src("msg.data"), **header("header", HEAD)}),
    *_stamped("Polygon", "polygon", o7.Polygon, _polygon),
    *_stamped("Inertia", "inertia", o7.Inertia, _inertia),
    Adapter("std_msgs/msg/Header", o7.Header, {
        **_time("timestamp", src("msg.stamp")), "frame_id": src("msg.frame_id"), "sample_counter": NONE},
        header_source=None),
    Adapter("builtin_interfaces/msg/Time", o7.Time, {"seconds": src("msg.sec"), "nanoseconds": src("msg.nanosec")},
            header_source=None),
    Adapter("builtin_interfaces/msg/Duration", o7.Duration, {"seconds": src("msg.sec"), "nanoseconds": src("msg.nanosec")},
            header_source=None),
]
