"""The 0.7 ontology (session dialect; SDK `mosaicolabs` 0.7.0): every class with its exact Arrow
schema and tag. Naming rule: the seed-era classes keep their names at the package root; the 0.7
classes have the SDK's names here (`from mosaico_ros_bridge.ontology07 import IMU`)."""
from __future__ import annotations

from mosaico_ros_bridge.ontology07.base import Serializable, col, registered, registry
from mosaico_ros_bridge.ontology07.primitives import (
    Boolean, Floating16, Floating32, Floating64, Integer16, Integer32, Integer64, Integer8, String,
    Unsigned16, Unsigned32, Unsigned64, Unsigned8,
)
from mosaico_ros_bridge.ontology07.geometry import (
    Acceleration, Duration, ForceTorque, Header, Inertia, MotionState, Point2d, Point3d, Polygon, Pose,
    Quaternion, ROI, RobotPath, Time, Transform, Vector2d, Vector3d, Vector4d, Velocity,
)
from mosaico_ros_bridge.ontology07.sensors import (
    CameraInfo, CompressedImage, GPS, GPSStatus, IMU, Image, Joy, Magnetometer, NMEASentence, Pressure, Range,
    RobotJoint, Temperature,
)
from mosaico_ros_bridge.ontology07.futures import (
    GridCells, LaserScan, Lidar, MapMetadata, MultiEchoLaserScan, OccupancyGrid, RGBDCamera, Radar,
    StereoCamera, ToFCamera,
)
from mosaico_ros_bridge.ontology07.ros_types import (
    BatteryState, FrameTransform, PointCloud2, PointField,
)

__all__ = ['Acceleration', 'BatteryState', 'Boolean', 'CameraInfo', 'CompressedImage', 'Duration',
    'Floating16', 'Floating32', 'Floating64', 'ForceTorque', 'FrameTransform', 'GPS', 'GPSStatus',
    'GridCells', 'Header', 'IMU', 'Image', 'Inertia', 'Integer16', 'Integer32', 'Integer64', 'Integer8',
    'Joy', 'LaserScan', 'Lidar', 'Magnetometer', 'MapMetadata', 'MotionState', 'MultiEchoLaserScan',
    'NMEASentence', 'OccupancyGrid', 'Point2d', 'Point3d', 'PointCloud2', 'PointField', 'Polygon', 'Pose',
    'Pressure', 'Quaternion', 'RGBDCamera', 'ROI', 'Radar', 'Range', 'RobotJoint', 'RobotPath',
    'Serializable', 'StereoCamera', 'String', 'Temperature', 'Time', 'ToFCamera', 'Transform', 'Unsigned16',
    'Unsigned32', 'Unsigned64', 'Unsigned8', 'Vector2d', 'Vector3d', 'Vector4d', 'Velocity', 'col',
    'registered', 'registry']
