"""A distinctive value of every ontology type (extremes, NaN, +-inf, unicode, empty lists, nested
headers), varied by an index so rows differ."""
from __future__ import annotations

import math
from typing import Any, Callable

import mosaico_ros_bridge as mb


def header(i: int) -> mb.Header:
    return mb.Header(seq=i, stamp=mb.Time(sec=-(2**62) + i, nanosec=999_999_999 - i), frame_id=f"frame_ü_{i}")


def v2(i: int, **kw: Any) -> mb.Vector2d:
    return mb.Vector2d(x=float(i), y=-1e-300, **kw)


def v3(i: int, **kw: Any) -> mb.Vector3d:
    return mb.Vector3d(x=float(i), y=math.inf, z=-math.inf, **kw)


def q(i: int, **kw: Any) -> mb.Quaternion:
    return mb.Quaternion(x=0.0, y=0.0, z=math.sin(i), w=math.cos(i), **kw)


def transform(i: int) -> mb.Transform:
    return mb.Transform(translation=v3(i, covariance=[math.nan, 1.0]), rotation=q(i), target_frame_id=f"child_{i}",
                        header=header(i))


def pose(i: int) -> mb.Pose:
    return mb.Pose(position=mb.Point3d(x=1.0, y=2.0, z=float(i)), orientation=q(i), covariance=[float(k) for k in range(36)],
                   covariance_type=3, header=header(i))


SAMPLES: dict[str, Callable[[int], mb.Serializable]] = {
    "Integer8": lambda i: mb.Integer8(data=-128 + i),
    "Integer16": lambda i: mb.Integer16(data=32767 - i, header=header(i)),
    "Integer32": lambda i: mb.Integer32(data=-(2**31) + i),
    "Integer64": lambda i: mb.Integer64(data=2**63 - 1 - i),
    "Unsigned8": lambda i: mb.Unsigned8(data=255 - i),
    "Unsigned16": lambda i: mb.Unsigned16(data=65535 - i),
    "Unsigned32": lambda i: mb.Unsigned32(data=2**32 - 1 - i),
    "Unsigned64": lambda i: mb.Unsigned64(data=2**64 - 1 - i),
    "Floating16": lambda i: mb.Floating16(data=1.5 + i),
    "Floating32": lambda i: mb.Floating32(data=0.25 * i),
    "Floating64": lambda i: mb.Floating64(data=[math.nan, math.inf, -math.inf][i % 3]),
    "Boolean": lambda i: mb.Boolean(data=i % 2 == 0),
    "String": lambda i: mb.String(data=f"héllo ✓ {i}" if i else ""),
    "LargeString": lambda i: mb.LargeString(data="x" * (1000 + i)),
    "Vector2d": lambda i: v2(i, header=header(i)),
    "Vector3d": lambda i: v3(i, covariance=[0.0] * 9, covariance_type=1),
    "Vector4d": lambda i: mb.Vector4d(x=1.0, y=2.0, z=3.0, w=float(i)),
    "Point2d": lambda i: mb.Point2d(x=-float(i), y=0.5),
    "Point3d": lambda i: mb.Point3d(x=1e308, y=-1e308, z=float(i)),
    "Quaternion": lambda i: q(i, header=header(i)),
    "Transform": transform,
    "Pose": pose,
    "ForceTorque": lambda i: mb.ForceTorque(force=v3(i), torque=v3(-i), header=header(i)),
    "Velocity": lambda i: mb.Velocity(linear=v3(i), angular=None if i % 2 else v3(i + 1)),
    "Acceleration": lambda i: mb.Acceleration(angular=v3(i), covariance=[1.0] * 36),
    "MotionState": lambda i: mb.MotionState(pose=pose(i), velocity=mb.Velocity(linear=v3(i)), target_frame_id="base_ß",
                                            acceleration=mb.Acceleration(angular=v3(i)) if i % 2 else None),
    "ROI": lambda i: mb.ROI(offset=v2(i), height=2**32 - 1, width=i, do_rectify=True),
    "IMU": lambda i: mb.IMU(acceleration=v3(i, covariance=[0.1] * 9), angular_velocity=v3(i),
                            orientation=q(i) if i % 2 else None, header=header(i)),
    "GPS": lambda i: mb.GPS(position=mb.Vector3d(x=45.46481, y=9.19201, z=120.5 + i, covariance=[0.0] * 9,
                                                 covariance_type=2),
                            status=mb.GPSStatus(status=-1, service=1, satellites=None), header=header(i)),
    "GPSStatus": lambda i: mb.GPSStatus(status=2, service=65535, satellites=12, hdop=0.9, vdop=math.nan),
    "NMEASentence": lambda i: mb.NMEASentence(sentence=f"$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M*{i:02d}"),
    "Magnetometer": lambda i: mb.Magnetometer(magnetic_field=v3(i), header=header(i)),
    "RobotJoint": lambda i: mb.RobotJoint(names=["shoulder", "elbow_ü"][: i % 3], positions=[0.1, math.nan][: i % 3],
                                          velocities=[0.0, 1.0][: i % 3], efforts=[-1.0, 2.0][: i % 3]),
    "CameraInfo": lambda i: mb.CameraInfo(
        height=1080, width=1920, distortion_model="plumb_bob", distortion_parameters=[] if i % 2 else [0.1, -0.2],
        intrinsic_parameters=[float(k) for k in range(9)], rectification_parameters=[1.0, 0, 0, 0, 1, 0, 0, 0, 1],
        projection_parameters=[float(k) / 3 for k in range(12)], binning=mb.Vector2d(x=2.0, y=2.0),
        roi=mb.ROI(offset=mb.Vector2d(x=10.0, y=20.0), height=100, width=200, do_rectify=False), header=header(i)),
    "Image": lambda i: mb.Image(data=bytes(range(256)) * (i + 1), format=mb.ImageFormat.RAW, width=16, height=16 * (i + 1),
                                stride=16, encoding="mono8", is_bigendian=False, header=header(i)),
    "CompressedImage": lambda i: mb.CompressedImage(data=b"\xff\xd8\xff\xe0" + bytes([i]) * 50, format=mb.ImageFormat.JPEG),
    "BatteryState": lambda i: mb.BatteryState(
        voltage=12.5, temperature=None, current=-1.5, charge=math.nan, capacity=10.0, design_capacity=12.0,
        percentage=0.75, power_supply_status=2, power_supply_health=1, power_supply_technology=3, present=True,
        location="slot_ü", serial_number=f"SN{i}", cell_voltage=[3.5, 3.25] if i % 2 else []),
    "FrameTransform": lambda i: mb.FrameTransform(transforms=[transform(i), transform(i + 1)][: i % 3]),
}
