"""Sensors (§4.4-§4.5): IMU, GPS, GPSStatus, NMEASentence, Magnetometer, RobotJoint, ROI, CameraInfo."""
from __future__ import annotations

import pyarrow as pa
from pydantic import Field

from mosaico_ros_bridge.ontology.base import HeaderMixin, Serializable
from mosaico_ros_bridge.ontology.fields import col, f64, utf8
from mosaico_ros_bridge.ontology.geometry import Quaternion, Vector2d, Vector3d, Vector4d


class IMU(HeaderMixin, Serializable):
    __arrow_fields__ = (col("acceleration", Vector3d.arrow_struct(), nn=True),
                        col("angular_velocity", Vector3d.arrow_struct(), nn=True),
                        col("orientation", Vector4d.arrow_struct()))
    acceleration: Vector3d
    angular_velocity: Vector3d
    orientation: Quaternion | None = None


class GPSStatus(HeaderMixin, Serializable):
    __arrow_fields__ = (col("status", pa.int8(), nn=True), col("service", pa.uint16(), nn=True),
                        col("satellites", pa.int8()), f64("hdop"), f64("vdop"))
    status: int = Field(ge=-128, lt=128)
    service: int = Field(ge=0, lt=2**16)
    satellites: int | None = Field(default=None, ge=-128, lt=128)
    hdop: float | None = None
    vdop: float | None = None


class GPS(HeaderMixin, Serializable):
    __arrow_fields__ = (col("position", Vector3d.arrow_struct(), nn=True), col("velocity", Vector3d.arrow_struct()),
                        col("status", GPSStatus.arrow_struct()))
    position: Vector3d
    velocity: Vector3d | None = None
    status: GPSStatus | None = None


class NMEASentence(HeaderMixin, Serializable):
    __arrow_fields__ = (utf8("sentence", nn=True),)
    sentence: str


class Magnetometer(HeaderMixin, Serializable):
    __arrow_fields__ = (col("magnetic_field", Vector3d.arrow_struct(), nn=True),)
    magnetic_field: Vector3d


class RobotJoint(HeaderMixin, Serializable):
    __arrow_fields__ = (col("names", pa.list_(pa.string()), nn=True), col("positions", pa.list_(pa.float64()), nn=True),
                        col("velocities", pa.list_(pa.float64()), nn=True), col("efforts", pa.list_(pa.float64()), nn=True))
    names: list[str]
    positions: list[float]
    velocities: list[float]
    efforts: list[float]


class ROI(HeaderMixin, Serializable):
    __arrow_fields__ = (col("offset", Vector2d.arrow_struct(), nn=True), col("height", pa.uint32(), nn=True),
                        col("width", pa.uint32(), nn=True), col("do_rectify", pa.bool_()))
    offset: Vector2d
    height: int = Field(ge=0, lt=2**32)
    width: int = Field(ge=0, lt=2**32)
    do_rectify: bool | None = None


class CameraInfo(HeaderMixin, Serializable):
    __arrow_fields__ = (
        col("height", pa.uint32(), nn=True), col("width", pa.uint32(), nn=True), utf8("distortion_model", nn=True),
        col("distortion_parameters", pa.list_(pa.float64()), nn=True),
        col("intrinsic_parameters", pa.list_(pa.float64(), 9), nn=True),
        col("rectification_parameters", pa.list_(pa.float64(), 9), nn=True),
        col("projection_parameters", pa.list_(pa.float64(), 12), nn=True),
        col("binning", Vector2d.arrow_struct()), col("roi", ROI.arrow_struct()),
    )
    height: int = Field(ge=0, lt=2**32)
    width: int = Field(ge=0, lt=2**32)
    distortion_model: str
    distortion_parameters: list[float]
    intrinsic_parameters: list[float] = Field(min_length=9, max_length=9)
    rectification_parameters: list[float] = Field(min_length=9, max_length=9)
    projection_parameters: list[float] = Field(min_length=12, max_length=12)
    binning: Vector2d | None = None
    roi: ROI | None = None
