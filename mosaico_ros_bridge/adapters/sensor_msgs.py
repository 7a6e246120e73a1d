"""sensor_msgs -> IMU, GPS, CameraInfo, Image, CompressedImage, RobotJoint, BatteryState,
Magnetometer, ROI (§5.2, with the snapshot's quirks fixed: empty CameraInfo.d is an empty list,
MagneticField and RegionOfInterest are mapped)."""
from __future__ import annotations

from operator import attrgetter
from typing import Any

from mosaico_ros_bridge import ontology as o
from mosaico_ros_bridge.adapters.base import NONE, SAME, Adapter, covariance, header, src, vec
from mosaico_ros_bridge.adapters.cdr import decode_image, decode_imu
from mosaico_ros_bridge.adapters.cdr_batch import imu_batch
from mosaico_ros_bridge.adapters.cdr_batch_bulk import compressed_image_batch, image_batch
from mosaico_ros_bridge.adapters.image_formats import compressed_format
from mosaico_ros_bridge.ontology.columnar import Getters
from mosaico_ros_bridge.ontology.images import ImageFormat, encode_png

HEAD = "msg.header"


def _orientation_known(row: Any) -> Any:
    """ROS convention: orientation_covariance[0] == -1 means 'no orientation estimate'."""
    return None if row.msg.orientation_covariance[0] == -1 else row


IMU = Adapter("sensor_msgs/msg/Imu", o.IMU, {
    **vec("acceleration", "msg.linear_acceleration", cov=covariance("msg.linear_acceleration_covariance", skip_zeros=True)),
    **vec("angular_velocity", "msg.angular_velocity", cov=covariance("msg.angular_velocity_covariance", skip_zeros=True)),
    **vec("orientation", "msg.orientation", "xyzw", present=_orientation_known,
          cov=covariance("msg.orientation_covariance", skip_zeros=True)),
    **header("header", HEAD),
}, raw_decoder=decode_imu, raw_batch=imu_batch)

GPS = Adapter("sensor_msgs/msg/NavSatFix", o.GPS, {
    "position": SAME, "position.x": src("msg.latitude"), "position.y": src("msg.longitude"),
    "position.z": src("msg.altitude"), "position.covariance": covariance("msg.position_covariance"),
    "position.covariance_type": src("msg.position_covariance_type"), "position.header": NONE,
    "velocity": NONE,
    "status": SAME, "status.status": src("msg.status.status"), "status.service": src("msg.status.service"),
    "status.satellites": NONE, "status.hdop": NONE, "status.vdop": NONE, "status.header": NONE,
    **header("header", HEAD),
})


def _roi_fields(prefix: str, source: str) -> Getters:
    p = f"{prefix}." if prefix else ""
    getters: Getters = {
        f"{p}offset": SAME, f"{p}offset.x": src(f"{source}.x_offset"), f"{p}offset.y": src(f"{source}.y_offset"),
        f"{p}offset.covariance": NONE, f"{p}offset.covariance_type": NONE, f"{p}offset.header": NONE,
        f"{p}height": src(f"{source}.height"), f"{p}width": src(f"{source}.width"),
        f"{p}do_rectify": src(f"{source}.do_rectify"),
    }
    if prefix:
        getters[prefix] = SAME
        getters[f"{prefix}.header"] = NONE
    return getters


CAMERA_INFO = Adapter("sensor_msgs/msg/CameraInfo", o.CameraInfo, {
    "height": src("msg.height"), "width": src("msg.width"), "distortion_model": src("msg.distortion_model"),
    "distortion_parameters": src("msg.d"), "intrinsic_parameters": src("msg.k"),
    "rectification_parameters": src("msg.r"), "projection_parameters": src("msg.p"),
    "binning": SAME, "binning.x": lambda r: float(r.msg.binning_x), "binning.y": lambda r: float(r.msg.binning_y),
    "binning.covariance": NONE, "binning.covariance_type": NONE, "binning.header": NONE,
    **_roi_fields("roi", "msg.roi"), **header("header", HEAD),
})

ROI = Adapter("sensor_msgs/msg/RegionOfInterest", o.ROI, {**_roi_fields("", "msg"), "header": NONE}, header_source=None)


def _image(image_format: ImageFormat) -> Adapter:
    def data(row: Any) -> Any:
        value = row.msg.data  # a CDR memoryview (copied once, into Arrow) or a message's array
        if image_format == ImageFormat.PNG:
            return encode_png(bytes(value), row.msg.height, row.msg.step)
        return value if isinstance(value, memoryview) else bytes(value)
    return Adapter("sensor_msgs/msg/Image", o.Image, {
        "data": data, "format": lambda _: image_format.value, "width": src("msg.width"),
        "height": src("msg.height"), "stride": src("msg.step"), "encoding": src("msg.encoding"),
        "is_bigendian": lambda r: bool(r.msg.is_bigendian), **header("header", HEAD),
    }, options={"image_format": image_format.value}, raw_decoder=decode_image,
       raw_batch=image_batch if image_format == ImageFormat.RAW else None)


IMAGE_RAW = _image(ImageFormat.RAW)
IMAGE_PNG = _image(ImageFormat.PNG)


COMPRESSED_IMAGE = Adapter("sensor_msgs/msg/CompressedImage", o.CompressedImage, {
    "data": lambda r: bytes(r.msg.data), "format": lambda r: compressed_format(r.msg.format), **header("header", HEAD),
}, raw_batch=compressed_image_batch)

JOINT_STATE = Adapter("sensor_msgs/msg/JointState", o.RobotJoint, {
    "names": src("msg.name"), "positions": src("msg.position"), "velocities": src("msg.velocity"),
    "efforts": src("msg.effort"), **header("header", HEAD),
})

_BATTERY_FIELDS = ("voltage", "temperature", "current", "charge", "capacity", "design_capacity", "percentage",
                   "power_supply_status", "power_supply_health", "power_supply_technology", "present", "location",
                   "serial_number", "cell_voltage", "cell_temperature")
BATTERY_STATE = Adapter("sensor_msgs/msg/BatteryState", o.BatteryState, {
    **{name: attrgetter(f"msg.{name}") for name in _BATTERY_FIELDS}, **header("header", HEAD),
})

MAGNETIC_FIELD = Adapter("sensor_msgs/msg/MagneticField", o.Magnetometer, {
    **vec("magnetic_field", "msg.magnetic_field", cov=covariance("msg.magnetic_field_covariance", skip_zeros=True)),
    **header("header", HEAD),
})

ADAPTERS = [IMU, GPS, CAMERA_INFO, ROI, IMAGE_RAW, COMPRESSED_IMAGE, JOINT_STATE, BATTERY_STATE, MAGNETIC_FIELD]
