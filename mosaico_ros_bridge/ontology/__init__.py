"""The seed-era Mosaico ontology: every type of mosaico-ontology.md §3-§4.6 with its exact Arrow
columns, tag and serialization format."""
from __future__ import annotations

from mosaico_ros_bridge.ontology.base import (
    CovarianceMixin, Header, HeaderMixin, Serializable, Time, ontology_tag_for, registered, registry,
)
from mosaico_ros_bridge.ontology.geometry import (
    Acceleration, ForceTorque, MotionState, Point2d, Point3d, Pose, Quaternion, Transform, Vector2d, Vector3d,
    Vector4d, Velocity,
)
from mosaico_ros_bridge.ontology.images import CompressedImage, Image, ImageFormat
from mosaico_ros_bridge.ontology.message import Message, message_schema
from mosaico_ros_bridge.ontology.primitives import (
    Boolean, Floating16, Floating32, Floating64, Integer8, Integer16, Integer32, Integer64, LargeString, String,
    Unsigned8, Unsigned16, Unsigned32, Unsigned64,
)
from mosaico_ros_bridge.ontology.ros_types import BatteryState, FrameTransform
from mosaico_ros_bridge.ontology.sensors import GPS, IMU, ROI, CameraInfo, GPSStatus, Magnetometer, NMEASentence, RobotJoint

__all__ = [
    "GPS", "IMU", "ROI", "Acceleration", "BatteryState", "Boolean", "CameraInfo", "CompressedImage",
    "CovarianceMixin", "Floating16", "Floating32", "Floating64", "ForceTorque", "FrameTransform", "GPSStatus",
    "Header", "HeaderMixin", "Image", "ImageFormat", "Integer8", "Integer16", "Integer32", "Integer64",
    "LargeString", "Magnetometer", "Message", "MotionState", "NMEASentence", "Point2d", "Point3d", "Pose",
    "Quaternion", "RobotJoint", "Serializable", "String", "Time", "Transform", "Unsigned8", "Unsigned16",
    "Unsigned32", "Unsigned64", "Vector2d", "Vector3d", "Vector4d", "Velocity", "message_schema",
    "ontology_tag_for", "registered", "registry",
]
