"""geometry_msgs -> Vector3d, Point3d, Quaternion, Transform, ForceTorque, Pose, Velocity,
Acceleration. Stamped variants take the header; *WithCovariance* keep their covariance (also when
stamped: the snapshot SDK lost it there, deliberately not reproduced)."""
from __future__ import annotations

from typing import Callable

from mosaico_ros_bridge import ontology as o
from mosaico_ros_bridge.adapters.base import NONE, Adapter, covariance, header, src, vec
from mosaico_ros_bridge.ontology.columnar import Getters


Builder = Callable[[str, "str | None", "str | None"], Getters]


def _stamped(name: str, inner: str) -> list[tuple[str, str, str | None]]:
    """(ROS type, source path of the payload, header source) for a type and its Stamped variant."""
    return [(name, "msg", None), (f"{name}Stamped", f"msg.{inner}", "msg.header")]


def _simple(ontology: type[o.Serializable], dims: str, name: str, inner: str) -> list[Adapter]:
    return [Adapter(f"geometry_msgs/msg/{ros}", ontology, vec("", source, dims, head=head), header_source=head)
            for ros, source, head in _stamped(name, inner)]


def _transform(source: str, head: str | None, child: str | None) -> Getters:
    return {**vec("translation", f"{source}.translation"), **vec("rotation", f"{source}.rotation", "xyzw"),
            "target_frame_id": src(child) if child else NONE, "covariance": NONE, "covariance_type": NONE,
            **header("header", head)}


def _wrench(source: str, head: str | None) -> Getters:
    return {**vec("force", f"{source}.force"), **vec("torque", f"{source}.torque"),
            "covariance": NONE, "covariance_type": NONE, **header("header", head)}


def _pose(source: str, cov: str | None, head: str | None) -> Getters:
    return {**vec("position", f"{source}.position"), **vec("orientation", f"{source}.orientation", "xyzw"),
            "covariance": covariance(cov) if cov else NONE, "covariance_type": NONE, **header("header", head)}


def _twist(source: str, cov: str | None, head: str | None) -> Getters:
    return {**vec("linear", f"{source}.linear"), **vec("angular", f"{source}.angular"),
            "covariance": covariance(cov) if cov else NONE, "covariance_type": NONE, **header("header", head)}


def _covariance_family(name: str, ontology: type[o.Serializable], build: Builder, field: str) -> list[Adapter]:
    """X, XStamped, XWithCovariance, XWithCovarianceStamped for Pose/Twist/Accel."""
    variants = [
        (name, "msg", None, None),
        (f"{name}Stamped", f"msg.{field}", None, "msg.header"),
        (f"{name}WithCovariance", f"msg.{field}", "msg.covariance", None),
        (f"{name}WithCovarianceStamped", f"msg.{field}.{field}", f"msg.{field}.covariance", "msg.header"),
    ]
    return [Adapter(f"geometry_msgs/msg/{ros}", ontology, build(source, cov, head), header_source=head)
            for ros, source, cov, head in variants]


ADAPTERS = [
    *_simple(o.Vector3d, "xyz", "Vector3", "vector"),
    *_simple(o.Point3d, "xyz", "Point", "point"),
    *_simple(o.Quaternion, "xyzw", "Quaternion", "quaternion"),
    Adapter("geometry_msgs/msg/Transform", o.Transform, _transform("msg", None, None), header_source=None),
    Adapter("geometry_msgs/msg/TransformStamped", o.Transform,
            _transform("msg.transform", "msg.header", "msg.child_frame_id")),
    Adapter("geometry_msgs/msg/Wrench", o.ForceTorque, _wrench("msg", None), header_source=None),
    Adapter("geometry_msgs/msg/WrenchStamped", o.ForceTorque, _wrench("msg.wrench", "msg.header")),
    *_covariance_family("Pose", o.Pose, _pose, "pose"),
    *_covariance_family("Twist", o.Velocity, _twist, "twist"),
    *_covariance_family("Accel", o.Acceleration, _twist, "accel"),
]
