"""Geometry (§4.2): vectors, points, quaternions, transforms and poses; also the nested structs
`Vec2/3/4`, `TransformS` and `PoseS` of the other types."""
from __future__ import annotations

from typing import Any

from pydantic import model_validator

from mosaico_ros_bridge.ontology.base import CovarianceMixin, HeaderMixin, Serializable
from mosaico_ros_bridge.ontology.fields import col, f64, utf8


class Vector2d(CovarianceMixin, HeaderMixin, Serializable):
    __arrow_fields__ = (f64("x"), f64("y"))
    x: float
    y: float

    @classmethod
    def from_list(cls, values: list[float], **extra: Any) -> "Vector2d":
        return cls(x=values[0], y=values[1], **extra)


class Vector3d(CovarianceMixin, HeaderMixin, Serializable):
    __arrow_fields__ = (f64("x"), f64("y"), f64("z"))
    x: float
    y: float
    z: float

    @classmethod
    def from_list(cls, values: list[float], **extra: Any) -> "Vector3d":
        return cls(x=values[0], y=values[1], z=values[2], **extra)


class Vector4d(CovarianceMixin, HeaderMixin, Serializable):
    __arrow_fields__ = (f64("x"), f64("y"), f64("z"), f64("w"))
    x: float
    y: float
    z: float
    w: float

    @classmethod
    def from_list(cls, values: list[float], **extra: Any) -> "Vector4d":
        return cls(x=values[0], y=values[1], z=values[2], w=values[3], **extra)


class Point2d(Vector2d):
    pass


class Point3d(Vector3d):
    pass


class Quaternion(Vector4d):
    pass


class Transform(CovarianceMixin, HeaderMixin, Serializable):
    __arrow_fields__ = (col("translation", Vector3d.arrow_struct(), nn=True),
                        col("rotation", Vector4d.arrow_struct(), nn=True), utf8("target_frame_id"))
    translation: Vector3d
    rotation: Quaternion
    target_frame_id: str | None = None


class Pose(CovarianceMixin, HeaderMixin, Serializable):
    __arrow_fields__ = (col("position", Vector3d.arrow_struct(), nn=True),
                        col("orientation", Vector4d.arrow_struct(), nn=True))
    position: Point3d
    orientation: Quaternion


class _LinearAngular(CovarianceMixin, HeaderMixin, Serializable):
    """Velocity and Acceleration share this layout (the SDK's TwistS)."""

    __registered__ = False
    __arrow_fields__ = (col("linear", Vector3d.arrow_struct()), col("angular", Vector3d.arrow_struct()))
    linear: Vector3d | None = None
    angular: Vector3d | None = None

    @model_validator(mode="after")
    def _one_of(self) -> "_LinearAngular":
        if self.linear is None and self.angular is None:
            raise ValueError(f"{type(self).__name__} needs at least one of linear/angular")
        return self


class Velocity(_LinearAngular):
    __registered__ = True


class Acceleration(_LinearAngular):
    __registered__ = True


class ForceTorque(CovarianceMixin, HeaderMixin, Serializable):
    __arrow_fields__ = (col("force", Vector3d.arrow_struct(), nn=True), col("torque", Vector3d.arrow_struct(), nn=True))
    force: Vector3d
    torque: Vector3d


class MotionState(CovarianceMixin, HeaderMixin, Serializable):
    __arrow_fields__ = (col("pose", Pose.arrow_struct(), nn=True), col("velocity", Velocity.arrow_struct(), nn=True),
                        utf8("target_frame_id", nn=True), col("acceleration", Velocity.arrow_struct()))
    pose: Pose
    velocity: Velocity
    target_frame_id: str
    acceleration: Acceleration | None = None
