"""mosaico-ontology.md §2-§4.6 transcribed as data (independent of the implementation): for each class,
its tag, serialization format and the columns after the envelope (name, Arrow type, nullable)."""
from __future__ import annotations

import pyarrow as pa


def f(name: str, arrow_type: pa.DataType, nullable: bool = True) -> pa.Field:
    return pa.field(name, arrow_type, nullable)


TIME = pa.struct([f("sec", pa.int64()), f("nanosec", pa.uint32())])
HEADER = pa.struct([f("seq", pa.uint32()), f("stamp", TIME), f("frame_id", pa.string())])
COV = [f("covariance", pa.list_(pa.float64())), f("covariance_type", pa.int16())]
HDR = [f("header", HEADER)]
VEC2 = pa.struct([f("x", pa.float64()), f("y", pa.float64()), *COV, *HDR])
VEC3 = pa.struct([f("x", pa.float64()), f("y", pa.float64()), f("z", pa.float64()), *COV, *HDR])
VEC4 = pa.struct([f("x", pa.float64()), f("y", pa.float64()), f("z", pa.float64()), f("w", pa.float64()), *COV, *HDR])
GPS_STATUS = [f("status", pa.int8(), False), f("service", pa.uint16(), False), f("satellites", pa.int8()),
              f("hdop", pa.float64()), f("vdop", pa.float64()), *HDR]
ROI = [f("offset", VEC2, False), f("height", pa.uint32(), False), f("width", pa.uint32(), False),
       f("do_rectify", pa.bool_()), *HDR]
POSE = [f("position", VEC3, False), f("orientation", VEC4, False), *COV, *HDR]
TWIST = [f("linear", VEC3), f("angular", VEC3), *COV, *HDR]
TRANSFORM = [f("translation", VEC3, False), f("rotation", VEC4, False), f("target_frame_id", pa.string()), *COV, *HDR]
ENVELOPE = [f("timestamp_ns", pa.int64(), False), f("message_header", HEADER)]


def primitive(arrow_type: pa.DataType) -> list[pa.Field]:
    return [f("data", arrow_type, False), *HDR]


# class name -> (tag, serialization_format, columns after the envelope)
CATALOGUE: dict[str, tuple[str, str, list[pa.Field]]] = {
    "Integer8": ("integer8", "default", primitive(pa.int8())),
    "Integer16": ("integer16", "default", primitive(pa.int16())),
    "Integer32": ("integer32", "default", primitive(pa.int32())),
    "Integer64": ("integer64", "default", primitive(pa.int64())),
    "Unsigned8": ("unsigned8", "default", primitive(pa.uint8())),
    "Unsigned16": ("unsigned16", "default", primitive(pa.uint16())),
    "Unsigned32": ("unsigned32", "default", primitive(pa.uint32())),
    "Unsigned64": ("unsigned64", "default", primitive(pa.uint64())),
    "Floating16": ("floating16", "default", primitive(pa.float16())),
    "Floating32": ("floating32", "default", primitive(pa.float32())),
    "Floating64": ("floating64", "default", primitive(pa.float64())),
    "Boolean": ("boolean", "default", primitive(pa.bool_())),
    "String": ("string", "default", primitive(pa.string())),
    "LargeString": ("large_string", "default", primitive(pa.large_string())),
    "Vector2d": ("vector_2_d", "default", list(VEC2)),
    "Vector3d": ("vector_3_d", "default", list(VEC3)),
    "Vector4d": ("vector_4_d", "default", list(VEC4)),
    "Point2d": ("point_2_d", "default", list(VEC2)),
    "Point3d": ("point_3_d", "default", list(VEC3)),
    "Quaternion": ("quaternion", "default", list(VEC4)),
    "Transform": ("transform", "default", TRANSFORM),
    "Pose": ("pose", "default", POSE),
    "ForceTorque": ("force_torque", "default", [f("force", VEC3, False), f("torque", VEC3, False), *COV, *HDR]),
    "Velocity": ("velocity", "default", TWIST),
    "Acceleration": ("acceleration", "default", TWIST),
    "MotionState": ("motion_state", "default", [
        f("pose", pa.struct(POSE), False), f("velocity", pa.struct(TWIST), False),
        f("target_frame_id", pa.string(), False), f("acceleration", pa.struct(TWIST)), *COV, *HDR]),
    "ROI": ("roi", "default", ROI),
    "IMU": ("imu", "default", [f("acceleration", VEC3, False), f("angular_velocity", VEC3, False),
                               f("orientation", VEC4), *HDR]),
    "GPS": ("gps", "default", [f("position", VEC3, False), f("velocity", VEC3),
                               f("status", pa.struct(GPS_STATUS)), *HDR]),
    "GPSStatus": ("gps_status", "default", GPS_STATUS),
    "NMEASentence": ("nmea_sentence", "default", [f("sentence", pa.string(), False), *HDR]),
    "Magnetometer": ("magnetometer", "default", [f("magnetic_field", VEC3, False), *HDR]),
    "RobotJoint": ("robot_joint", "default", [
        f("names", pa.list_(pa.string()), False), f("positions", pa.list_(pa.float64()), False),
        f("velocities", pa.list_(pa.float64()), False), f("efforts", pa.list_(pa.float64()), False), *HDR]),
    "CameraInfo": ("camera_info", "default", [
        f("height", pa.uint32(), False), f("width", pa.uint32(), False), f("distortion_model", pa.string(), False),
        f("distortion_parameters", pa.list_(pa.float64()), False),
        f("intrinsic_parameters", pa.list_(pa.float64(), 9), False),
        f("rectification_parameters", pa.list_(pa.float64(), 9), False),
        f("projection_parameters", pa.list_(pa.float64(), 12), False),
        f("binning", VEC2), f("roi", pa.struct(ROI)), *HDR]),
    "Image": ("image", "image", [
        f("data", pa.binary(), False), f("format", pa.string(), False), f("width", pa.int32(), False),
        f("height", pa.int32(), False), f("stride", pa.int32(), False), f("encoding", pa.string(), False),
        f("is_bigendian", pa.bool_()), *HDR]),
    "CompressedImage": ("compressed_image", "image", [f("data", pa.binary(), False), f("format", pa.string(), False), *HDR]),
    "BatteryState": ("battery_state", "default", [
        *[f(n, pa.float32()) for n in ("voltage", "temperature", "current", "charge", "capacity", "design_capacity",
                                       "percentage")],
        f("power_supply_status", pa.uint8()), f("power_supply_health", pa.uint8()),
        f("power_supply_technology", pa.uint8()), f("present", pa.bool_()), f("location", pa.string()),
        f("serial_number", pa.string()), f("cell_voltage", pa.list_(pa.float32())),
        f("cell_temperature", pa.list_(pa.float32())), *HDR]),
    "FrameTransform": ("frame_transform", "default", [f("transforms", pa.list_(pa.struct(TRANSFORM)), False), *HDR]),
}


def expected_schema(class_name: str) -> pa.Schema:
    return pa.schema([*ENVELOPE, *CATALOGUE[class_name][2]])
