"""Adapters end to end: ROS message -> adapter -> TopicWriter -> local server -> read back, compared
field by field with the ROS message it came from; the fallback compared with the message's full
introspected content; the registry table; image formats; unknown-type policies."""
from __future__ import annotations

import json
import math
import zlib
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from geometry_msgs import msg as gm
from rclpy.serialization import deserialize_message, serialize_message
from nav_msgs.msg import MapMetaData, OccupancyGrid, Odometry
from sensor_msgs import msg as sm
from std_msgs import msg as stdm

import mosaico_ros_bridge as mb
from mosaico_ros_bridge.adapters import AdapterRegistry, Received, UnknownTypes, fallback_tag
from mosaico_ros_bridge.adapters.image_formats import compressed_format
from mosaico_ros_bridge.errors import UnsupportedMessageType
from mosaico_ros_bridge.ontology.images import ImageFormat
from rosmsg import assert_same, to_python
from samples import make_imu, make_tf

REGISTRY = AdapterRegistry()
BATCH_DECODED = {"nav_msgs/msg/Odometry", "tf2_msgs/msg/TFMessage", "sensor_msgs/msg/CompressedImage"}


def record(client: mb.MosaicoClient, ros_type: str, messages: list[Any], **options: Any) -> list[dict[str, Any]]:
    """Write messages (receive times 1000+i) through the recorder's path and read the rows back."""
    plan = REGISTRY.plan(ros_type, type(messages[0]), **options)
    assert plan is not None
    name = "t_" + ros_type.replace("/", "_").lower()
    with client.sequence_create(name) as seq:
        writer = seq.create_topic_writer(plan.topic("/robot/topic", {}), plan.encoder(type(messages[0]), raw=True))
        for i, message in enumerate(messages):
            raw = serialize_message(message)
            writer.push_item(Received(1000 + i, raw), len(raw))
    table = client.read_topic_table(name, "/robot/topic")
    assert table.ontology_tag == plan.ontology_tag
    rows = table.table.to_pylist()
    assert [r["timestamp_ns"] for r in rows] == [1000 + i for i in range(len(messages))]
    return rows


@pytest.fixture
def client(server: Any):  # type: ignore[no-untyped-def]
    with mb.MosaicoClient.connect("127.0.0.1", server.port) as connected:
        yield connected


def hdr(row_header: Any, ros_header: Any) -> None:
    assert row_header == {"seq": None, "stamp": {"sec": ros_header.stamp.sec, "nanosec": ros_header.stamp.nanosec},
                          "frame_id": ros_header.frame_id}


def vec3(row: Any, v: Any, dims: str = "xyz") -> None:
    assert_same([row[d] for d in dims], [float(getattr(v, d)) for d in dims])


def std_header(i: int) -> stdm.Header:
    h = stdm.Header(frame_id=f"frame_ü_{i}")
    h.stamp.sec, h.stamp.nanosec = 2**31 - 1 - i, 999_999_999 - i
    return h


def check_imu(row: Any, m: sm.Imu) -> None:
    vec3(row["acceleration"], m.linear_acceleration)
    vec3(row["angular_velocity"], m.angular_velocity)
    assert_same(row["acceleration"]["covariance"], list(m.linear_acceleration_covariance))
    assert_same(row["angular_velocity"]["covariance"], list(m.angular_velocity_covariance))
    vec3(row["orientation"], m.orientation, "xyzw")
    hdr(row["header"], m.header)
    hdr(row["message_header"], m.header)


def imu_unknown_orientation(i: int) -> sm.Imu:
    m = make_imu(i)
    m.orientation_covariance[0] = -1.0
    m.linear_acceleration_covariance = [0.0] * 9
    return m


def check_imu_unknown(row: Any, m: sm.Imu) -> None:
    assert row["orientation"] is None
    assert row["acceleration"]["covariance"] is None


def navsat(i: int) -> sm.NavSatFix:
    return sm.NavSatFix(header=std_header(i), latitude=45.46481 + i, longitude=-9.19201, altitude=math.nan,
                        position_covariance=[0.0] * 9, position_covariance_type=2,
                        status=sm.NavSatStatus(status=-1, service=8))


def check_gps(row: Any, m: sm.NavSatFix) -> None:
    assert_same([row["position"][k] for k in "xyz"], [m.latitude, m.longitude, m.altitude])
    assert row["position"]["covariance"] == list(m.position_covariance)
    assert row["position"]["covariance_type"] == m.position_covariance_type
    assert row["status"] | {"header": None} == {"status": -1, "service": 8, "satellites": None, "hdop": None,
                                                 "vdop": None, "header": None}
    assert row["velocity"] is None
    hdr(row["header"], m.header)


def camera_info(i: int) -> sm.CameraInfo:
    return sm.CameraInfo(header=std_header(i), height=1080, width=1920, distortion_model="plumb_bob",
                         d=[] if i == 0 else [0.1, -0.2, 0.0, 0.0, 0.3], k=[float(v) for v in range(9)],
                         r=[1.0, 0, 0, 0, 1, 0, 0, 0, 1], p=[v / 7 for v in range(12)], binning_x=2, binning_y=4,
                         roi=sm.RegionOfInterest(x_offset=10, y_offset=20, height=300, width=400, do_rectify=True))


def check_camera_info(row: Any, m: sm.CameraInfo) -> None:
    assert (row["height"], row["width"], row["distortion_model"]) == (m.height, m.width, m.distortion_model)
    assert row["distortion_parameters"] == list(m.d)  # empty d stays an empty list (quirk fixed)
    assert (row["intrinsic_parameters"], row["rectification_parameters"], row["projection_parameters"]) == (
        list(m.k), list(m.r), list(m.p))
    assert (row["binning"]["x"], row["binning"]["y"]) == (2.0, 4.0)
    roi = row["roi"]
    assert (roi["offset"]["x"], roi["offset"]["y"], roi["height"], roi["width"], roi["do_rectify"]) == (10.0, 20.0, 300, 400, True)
    hdr(row["header"], m.header)


def image(i: int) -> sm.Image:
    width, height, step = 7, 5, 24  # padded rows: step > width * 3
    return sm.Image(header=std_header(i), height=height, width=width, encoding="rgb8", is_bigendian=i % 2, step=step,
                    data=bytes((k * 7 + i) % 256 for k in range(height * step)))


def check_image_raw(row: Any, m: sm.Image) -> None:
    assert row["data"] == bytes(m.data) and row["format"] == "raw"
    assert (row["width"], row["height"], row["stride"], row["encoding"], row["is_bigendian"]) == (
        m.width, m.height, m.step, m.encoding, bool(m.is_bigendian))
    hdr(row["header"], m.header)


def decode_wide_png(data: bytes) -> tuple[int, int, bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    start = data.index(b"IDAT") + 4
    length = int.from_bytes(data[start - 8:start - 4], "big")
    rows = np.frombuffer(zlib.decompress(data[start:start + length]), np.uint8).reshape(height, width + 1)
    assert not rows[:, 0].any()
    return width, height, rows[:, 1:].tobytes()


def check_image_png(row: Any, m: sm.Image) -> None:
    assert row["format"] == "png"
    assert decode_wide_png(row["data"]) == (m.step, m.height, bytes(m.data))


def check_compressed(row: Any, m: sm.CompressedImage) -> None:
    assert row["data"] == bytes(m.data) and row["format"] == "jpeg"
    hdr(row["header"], m.header)


def check_joint(row: Any, m: sm.JointState) -> None:
    assert row["names"] == list(m.name)
    assert_same([row["positions"], row["velocities"], row["efforts"]], [list(m.position), list(m.velocity), list(m.effort)])


def battery(i: int) -> sm.BatteryState:
    return sm.BatteryState(header=std_header(i), voltage=12.5, temperature=math.nan, current=-1.5, charge=3.0,
                           capacity=10.0, design_capacity=12.0, percentage=0.75, power_supply_status=2,
                           power_supply_health=1, power_supply_technology=3, present=True, cell_voltage=[3.5, 3.25],
                           cell_temperature=[], location="slot_ü", serial_number=f"SN{i}")


def check_battery(row: Any, m: sm.BatteryState) -> None:
    for name in ("voltage", "temperature", "current", "charge", "capacity", "design_capacity", "percentage",
                 "power_supply_status", "power_supply_health", "power_supply_technology", "present", "location",
                 "serial_number"):
        assert_same(row[name], getattr(m, name) if not isinstance(getattr(m, name), float) else float(np.float32(getattr(m, name))))
    assert row["cell_voltage"] == [3.5, 3.25] and row["cell_temperature"] == []


def check_magnetic(row: Any, m: sm.MagneticField) -> None:
    vec3(row["magnetic_field"], m.magnetic_field)
    assert row["magnetic_field"]["covariance"] == list(m.magnetic_field_covariance)


def check_roi(row: Any, m: sm.RegionOfInterest) -> None:
    assert (row["offset"]["x"], row["offset"]["y"], row["height"], row["width"], row["do_rectify"]) == (
        float(m.x_offset), float(m.y_offset), m.height, m.width, m.do_rectify)
    assert row["message_header"] is None


def odometry(i: int) -> Odometry:
    m = Odometry(header=std_header(i), child_frame_id="base_link")
    m.pose.pose.position.x, m.pose.pose.orientation.w = float(i), 1.0
    m.pose.covariance = [float(k) for k in range(36)]
    m.twist.twist.linear.x, m.twist.twist.angular.z = 0.5, -math.inf
    m.twist.covariance = [float(-k) for k in range(36)]
    return m


def check_odometry(row: Any, m: Odometry) -> None:
    vec3(row["pose"]["position"], m.pose.pose.position)
    vec3(row["pose"]["orientation"], m.pose.pose.orientation, "xyzw")
    assert row["pose"]["covariance"] == list(m.pose.covariance)
    vec3(row["velocity"]["linear"], m.twist.twist.linear)
    vec3(row["velocity"]["angular"], m.twist.twist.angular)
    assert row["velocity"]["covariance"] == list(m.twist.covariance)
    assert row["target_frame_id"] == "base_link" and row["acceleration"] is None
    hdr(row["header"], m.header)


def check_tf(row: Any, m: Any) -> None:
    assert len(row["transforms"]) == len(m.transforms)
    for got, t in zip(row["transforms"], m.transforms):
        vec3(got["translation"], t.transform.translation)
        vec3(got["rotation"], t.transform.rotation, "xyzw")
        assert got["target_frame_id"] == t.child_frame_id
        hdr(got["header"], t.header)
    assert row["header"] is None and row["message_header"] is None


def nmea(i: int) -> Any:
    from nmea_msgs.msg import Sentence

    return Sentence(header=std_header(i), sentence=f"$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M*4{i}")


def _geometry_cases() -> list[tuple[str, Callable[[int], Any], Callable[[Any, Any], None]]]:
    cases: list[tuple[str, Callable[[int], Any], Callable[[Any, Any], None]]] = []

    def pose(i: int) -> gm.Pose:
        return gm.Pose(position=gm.Point(x=float(i), y=-1.0, z=math.nan), orientation=gm.Quaternion(x=0.0, y=0.0, z=0.6, w=0.8))

    def check_pose(row: Any, p: gm.Pose) -> None:
        vec3(row["position"], p.position)
        vec3(row["orientation"], p.orientation, "xyzw")

    def twist(i: int) -> gm.Twist:
        return gm.Twist(linear=gm.Vector3(x=float(i), y=math.inf, z=0.0), angular=gm.Vector3(x=-1.0, y=0.0, z=2.0))

    def check_twist(row: Any, t: Any) -> None:
        vec3(row["linear"], t.linear)
        vec3(row["angular"], t.angular)

    cov = [float(k) * 0.5 for k in range(36)]
    for name, make, check, inner in (("Pose", pose, check_pose, "pose"), ("Twist", twist, check_twist, "twist"),
                                     ("Accel", lambda i: gm.Accel(linear=twist(i).linear, angular=twist(i).angular),
                                      check_twist, "accel")):
        stamped = getattr(gm, f"{name}Stamped")
        with_cov = getattr(gm, f"{name}WithCovariance")
        with_cov_stamped = getattr(gm, f"{name}WithCovarianceStamped")
        cases += [
            (f"geometry_msgs/msg/{name}", make, check),
            (f"geometry_msgs/msg/{name}Stamped", lambda i, s=stamped, mk=make, f=inner: s(header=std_header(i), **{f: mk(i)}),
             lambda r, m, c=check, f=inner: (c(r, getattr(m, f)), hdr(r["header"], m.header))),
            (f"geometry_msgs/msg/{name}WithCovariance", lambda i, w=with_cov, mk=make, f=inner: w(**{f: mk(i), "covariance": cov}),
             lambda r, m, c=check, f=inner: (c(r, getattr(m, f)), assert_same(r["covariance"], cov))),
            (f"geometry_msgs/msg/{name}WithCovarianceStamped",
             lambda i, ws=with_cov_stamped, w=with_cov, mk=make, f=inner: ws(header=std_header(i), **{f: w(**{f: mk(i), "covariance": cov})}),
             lambda r, m, c=check, f=inner: (c(r, getattr(getattr(m, f), f)), assert_same(r["covariance"], cov),
                                             hdr(r["header"], m.header))),
        ]
    vector = lambda i: gm.Vector3(x=float(i), y=-0.0, z=1e-300)  # noqa: E731
    cases += [
        ("geometry_msgs/msg/Vector3", vector, lambda r, m: vec3(r, m)),
        ("geometry_msgs/msg/Vector3Stamped", lambda i: gm.Vector3Stamped(header=std_header(i), vector=vector(i)),
         lambda r, m: (vec3(r, m.vector), hdr(r["header"], m.header))),
        ("geometry_msgs/msg/Point", lambda i: gm.Point(x=1.0, y=float(i), z=-2.0), lambda r, m: vec3(r, m)),
        ("geometry_msgs/msg/PointStamped", lambda i: gm.PointStamped(header=std_header(i), point=gm.Point(x=float(i))),
         lambda r, m: (vec3(r, m.point), hdr(r["header"], m.header))),
        ("geometry_msgs/msg/Quaternion", lambda i: gm.Quaternion(x=0.1, y=0.2, z=0.3, w=float(i)), lambda r, m: vec3(r, m, "xyzw")),
        ("geometry_msgs/msg/QuaternionStamped", lambda i: gm.QuaternionStamped(header=std_header(i), quaternion=gm.Quaternion(w=float(i))),
         lambda r, m: (vec3(r, m.quaternion, "xyzw"), hdr(r["header"], m.header))),
        ("geometry_msgs/msg/Transform", lambda i: gm.Transform(translation=vector(i), rotation=gm.Quaternion(w=1.0)),
         lambda r, m: (vec3(r["translation"], m.translation), vec3(r["rotation"], m.rotation, "xyzw"))),
        ("geometry_msgs/msg/TransformStamped", lambda i: make_tf(0).transforms[0],
         lambda r, m: (vec3(r["translation"], m.transform.translation), assert_same(r["target_frame_id"], m.child_frame_id),
                       hdr(r["header"], m.header))),
        ("geometry_msgs/msg/Wrench", lambda i: gm.Wrench(force=vector(i), torque=vector(-i)),
         lambda r, m: (vec3(r["force"], m.force), vec3(r["torque"], m.torque))),
        ("geometry_msgs/msg/WrenchStamped", lambda i: gm.WrenchStamped(header=std_header(i), wrench=gm.Wrench(force=vector(i))),
         lambda r, m: (vec3(r["force"], m.wrench.force), hdr(r["header"], m.header))),
    ]
    return cases


PRIMITIVES = [("String", stdm.String, lambda i: f"ünïcode {i}" if i else ""), ("Bool", stdm.Bool, lambda i: i % 2 == 0),
              ("Float32", stdm.Float32, lambda i: 0.25 * i), ("Float64", stdm.Float64, lambda i: [math.nan, math.inf, -math.inf][i % 3]),
              ("Int8", stdm.Int8, lambda i: -128 + i), ("Int16", stdm.Int16, lambda i: 32767 - i),
              ("Int32", stdm.Int32, lambda i: -(2**31) + i), ("Int64", stdm.Int64, lambda i: 2**63 - 1 - i),
              ("UInt8", stdm.UInt8, lambda i: 255 - i), ("UInt16", stdm.UInt16, lambda i: 65535 - i),
              ("UInt32", stdm.UInt32, lambda i: 2**32 - 1 - i), ("UInt64", stdm.UInt64, lambda i: 2**64 - 1 - i)]

CASES: list[tuple[str, Callable[[int], Any], Callable[[Any, Any], None]]] = [
    ("sensor_msgs/msg/Imu", make_imu, check_imu),
    ("sensor_msgs/msg/NavSatFix", navsat, check_gps),
    ("sensor_msgs/msg/CameraInfo", camera_info, check_camera_info),
    ("sensor_msgs/msg/Image", image, check_image_raw),
    ("sensor_msgs/msg/CompressedImage", lambda i: sm.CompressedImage(header=std_header(i), format="rgb8; jpeg compressed bgr8",
                                                                     data=b"\xff\xd8" + bytes([i]) * 10), check_compressed),
    ("sensor_msgs/msg/JointState", lambda i: sm.JointState(header=std_header(i), name=["a", "ß"][:i % 3], position=[math.nan, 1.0][:i % 3],
                                                           velocity=[], effort=[2.0, 3.0][:i % 3]), check_joint),
    ("sensor_msgs/msg/BatteryState", battery, check_battery),
    ("sensor_msgs/msg/MagneticField", lambda i: sm.MagneticField(header=std_header(i), magnetic_field=gm.Vector3(x=1e-5, y=float(i), z=-4e-5),
                                                                 magnetic_field_covariance=[1.0] * 9), check_magnetic),
    ("sensor_msgs/msg/RegionOfInterest", lambda i: sm.RegionOfInterest(x_offset=i, y_offset=2**32 - 1, height=5, width=6, do_rectify=bool(i % 2)), check_roi),
    ("nav_msgs/msg/Odometry", odometry, check_odometry),
    ("tf2_msgs/msg/TFMessage", make_tf, check_tf),
    ("nmea_msgs/msg/Sentence", nmea, lambda r, m: (assert_same(r["sentence"], m.sentence), hdr(r["header"], m.header))),
    *[(f"std_msgs/msg/{name}", lambda i, c=cls, v=val: c(data=v(i)), lambda r, m: assert_same(r["data"], m.data if not isinstance(m.data, float) or isinstance(m, stdm.Float64) else float(np.float32(m.data))))
      for name, cls, val in PRIMITIVES],
    *_geometry_cases(),
]


@pytest.mark.parametrize("ros_type,make,check", CASES, ids=[c[0] for c in CASES])
def test_mapped_type_round_trips_field_by_field(client: mb.MosaicoClient, ros_type: str, make: Callable[[int], Any],
                                                check: Callable[[Any, Any], None]) -> None:
    messages = [make(i) for i in range(3)]
    rows = record(client, ros_type, messages)
    for row, message in zip(rows, messages):
        check(row, message)


def test_every_registered_adapter_is_covered() -> None:
    assert set(REGISTRY.types()) == {c[0] for c in CASES}


def test_imu_orientation_unknown_and_zero_covariance(client: mb.MosaicoClient) -> None:
    messages = [imu_unknown_orientation(i) for i in range(2)]
    for row, message in zip(record(client, "sensor_msgs/msg/Imu", messages), messages):
        check_imu_unknown(row, message)


def test_image_png_format_is_lossless(client: mb.MosaicoClient) -> None:
    messages = [image(i) for i in range(3)]
    rows = record(client, "sensor_msgs/msg/Image", messages, image_format=ImageFormat.PNG)
    for row, message in zip(rows, messages):
        check_image_png(row, message)


@pytest.mark.parametrize("text,container", [("jpeg", "jpeg"), ("png", "png"), ("rgb8; jpeg compressed bgr8", "jpeg"),
                                            ("16UC1; compressedDepth png", "png"), ("JPG", "jpeg"), ("h264", "h264")])
def test_compressed_image_format_names(text: str, container: str) -> None:
    assert compressed_format(text) == container


TAGS = {"sensor_msgs/msg/Imu": "imu", "sensor_msgs/msg/NavSatFix": "gps", "sensor_msgs/msg/Image": "image",
        "sensor_msgs/msg/CameraInfo": "camera_info", "sensor_msgs/msg/CompressedImage": "compressed_image",
        "sensor_msgs/msg/JointState": "robot_joint", "sensor_msgs/msg/BatteryState": "battery_state",
        "sensor_msgs/msg/MagneticField": "magnetometer", "sensor_msgs/msg/RegionOfInterest": "roi",
        "nav_msgs/msg/Odometry": "motion_state", "tf2_msgs/msg/TFMessage": "frame_transform",
        "nmea_msgs/msg/Sentence": "nmea_sentence", "geometry_msgs/msg/PoseWithCovarianceStamped": "pose",
        "geometry_msgs/msg/TwistStamped": "velocity", "geometry_msgs/msg/Accel": "acceleration",
        "geometry_msgs/msg/TransformStamped": "transform", "geometry_msgs/msg/WrenchStamped": "force_torque",
        "geometry_msgs/msg/Vector3": "vector_3_d", "geometry_msgs/msg/PointStamped": "point_3_d",
        "geometry_msgs/msg/Quaternion": "quaternion", "std_msgs/msg/UInt64": "unsigned64", "std_msgs/msg/String": "string",
        "sensor_msgs/msg/LaserScan": "ros_sensor_msgs_laser_scan", "sensor_msgs/msg/PointCloud2": "ros_sensor_msgs_point_cloud2"}


@pytest.mark.parametrize("ros_type,tag", sorted(TAGS.items()))
def test_type_to_tag_table(ros_type: str, tag: str) -> None:
    from mosaico_ros_bridge.adapters import message_class

    plan = REGISTRY.plan(ros_type, message_class(ros_type))
    assert plan is not None and plan.ontology_tag == tag
    assert plan.serialization_format == ("image" if tag in ("image", "compressed_image") else "default")


def laser_scan(i: int) -> sm.LaserScan:
    return sm.LaserScan(header=std_header(i), angle_min=-1.5, angle_max=1.5, angle_increment=0.01, range_max=30.0,
                        ranges=[math.inf, 1.0, math.nan, float(i)], intensities=[])


def point_cloud(i: int) -> sm.PointCloud2:
    fields = [sm.PointField(name=n, offset=4 * k, datatype=7, count=1) for k, n in enumerate("xyz")]
    return sm.PointCloud2(header=std_header(i), height=1, width=100, fields=fields, is_bigendian=False, point_step=16,
                          row_step=1600, data=bytes((k + i) % 256 for k in range(1600)), is_dense=True)


def diagnostics(i: int) -> DiagnosticArray:
    status = DiagnosticStatus(level=b"\x02", name=f"motor_{i}", message="hot ü", hardware_id="hw",
                              values=[KeyValue(key="temp", value=str(80 + i)), KeyValue(key="rpm", value="1200")])
    return DiagnosticArray(header=std_header(i), status=[status, DiagnosticStatus(name="empty")][: i % 3])


FALLBACK = [("sensor_msgs/msg/LaserScan", laser_scan), ("sensor_msgs/msg/PointCloud2", point_cloud),
            ("sensor_msgs/msg/Range", lambda i: sm.Range(header=std_header(i), radiation_type=1, range=float(i), max_range=math.inf)),
            ("sensor_msgs/msg/Temperature", lambda i: sm.Temperature(header=std_header(i), temperature=-40.5, variance=0.0)),
            ("nav_msgs/msg/OccupancyGrid", lambda i: OccupancyGrid(header=std_header(i), info=MapMetaData(width=3, height=2, resolution=0.05),
                                                                    data=[-1, 0, 100, 50, -1, i])),
            ("diagnostic_msgs/msg/DiagnosticArray", diagnostics)]


def _as_recorded(value: Any) -> Any:
    """The message as plain values, with uint8/byte arrays as bytes (how the fallback stores them)."""
    if hasattr(value, "get_fields_and_field_types"):
        types = value.get_fields_and_field_types()
        return {n: bytes(getattr(value, n)) if types[n] in ("sequence<uint8>", "octet", "byte") or types[n].startswith("uint8[")
                else _as_recorded(getattr(value, n)) for n in types}
    return to_python(value) if not isinstance(value, (list, tuple)) else [_as_recorded(v) for v in value]


@pytest.mark.parametrize("ros_type,make", FALLBACK, ids=[f[0] for f in FALLBACK])
def test_unknown_types_are_recorded_losslessly(client: mb.MosaicoClient, ros_type: str, make: Callable[[int], Any]) -> None:
    messages = [make(i) for i in range(3)]
    rows = record(client, ros_type, messages)
    for row, message in zip(rows, messages):
        received = deserialize_message(serialize_message(message), type(message))  # float32 fields as DDS gives them
        got = {k: v for k, v in row.items() if k not in ("timestamp_ns", "message_header")}
        assert_same(got, _as_recorded(received))
        hdr(row["message_header"], message.header)


def test_unknown_type_policies() -> None:
    assert REGISTRY.plan("sensor_msgs/msg/LaserScan", sm.LaserScan, unknown=UnknownTypes.SKIP) is None
    with pytest.raises(UnsupportedMessageType, match="topic '/scan': no adapter for sensor_msgs/msg/LaserScan; set unknown_types"):
        REGISTRY.plan("sensor_msgs/msg/LaserScan", sm.LaserScan, unknown=UnknownTypes.ERROR, topic="/scan")
    assert fallback_tag("my_pkg/msg/WheelTicks2") == "ros_my_pkg_wheel_ticks2"


def test_user_adapters_extend_the_registry() -> None:
    registry = AdapterRegistry(extra=["mosaico_ros_bridge.adapters.std_msgs:ADAPTERS"])
    assert registry.adapter("std_msgs/msg/String") is not None
    with pytest.raises(mb.ConfigError, match="'nope:X' cannot be loaded"):
        AdapterRegistry(extra=["nope:X"])


@pytest.mark.parametrize("make_image", [
    lambda: image(3),
    lambda: sm.Image(),  # empty strings and data
    lambda: sm.Image(header=std_header(1), height=1, width=3, encoding="", step=3, data=b"\x01\x02\x03"),
    lambda: sm.Image(header=stdm.Header(frame_id="ü" * 7), height=2, width=1, encoding="mono16", is_bigendian=1, step=2,
                     data=b"\x00\x01\x02\x03"),
], ids=["padded", "empty", "no-encoding", "odd-lengths"])
def test_image_cdr_decoder_agrees_with_deserialize(make_image: Callable[[], sm.Image]) -> None:
    from mosaico_ros_bridge.adapters.cdr import decode_image

    message = make_image()
    decoded = decode_image(serialize_message(message))
    assert decoded is not None
    expected = deserialize_message(serialize_message(message), sm.Image)
    assert (decoded.header.stamp.sec, decoded.header.stamp.nanosec, decoded.header.frame_id) == (
        expected.header.stamp.sec, expected.header.stamp.nanosec, expected.header.frame_id)
    assert (decoded.height, decoded.width, decoded.encoding, decoded.is_bigendian, decoded.step) == (
        expected.height, expected.width, expected.encoding, expected.is_bigendian, expected.step)
    assert bytes(decoded.data) == bytes(expected.data)


def test_image_cdr_decoder_declines_big_endian_cdr() -> None:
    from mosaico_ros_bridge.adapters.cdr import decode_image

    raw = bytearray(serialize_message(image(1)))
    raw[1] = 0  # CDR_BE representation id
    assert decode_image(bytes(raw)) is None


def _rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(next(l for l in status.splitlines() if l.startswith("VmRSS")).split()[1]) / 1024


def test_raw_image_encoding_frees_every_frame() -> None:
    """pyarrow 26's pa.array leaks memoryview inputs; the raw Image path must not (it grew by one
    frame per message in the recorder: 180 MB/s for one 1080p camera)."""
    encoder = AdapterRegistry().plan("sensor_msgs/msg/Image", sm.Image).encoder(sm.Image, raw=True)
    message = sm.Image(height=1080, width=1920, encoding="rgb8", step=1920 * 3, data=bytes(1920 * 1080 * 3))
    batches = []
    for i in range(3):  # warm up the allocator
        message.header.stamp.sec = i
        batches.append(encoder.encode([Received(i, serialize_message(message)), Received(i, serialize_message(message))]))
    assert batches[-1].column("data")[1].as_py() == bytes(message.data)
    before = _rss_mb()
    for i in range(40):  # 40 distinct 6 MB frames: a leak would add ~250 MB
        message.header.stamp.sec = 100 + i
        batch = encoder.encode([Received(i, serialize_message(message))])
        assert batch.column("data")[0].as_py()[:4] == b"\x00" * 4
        del batch
    assert _rss_mb() - before < 60


@pytest.mark.parametrize("frame_id", ["", "a", "imu", "imu_lnk", "ü" * 5], ids=["0", "1", "3", "7", "unicode"])
def test_imu_cdr_decoder_agrees_with_deserialize(frame_id: str) -> None:
    """Every alignment of the 37 doubles after the frame_id string, with NaN, infinities and -1."""
    from mosaico_ros_bridge.adapters.cdr import decode_imu

    message = imu_unknown_orientation(5)
    message.header.frame_id = frame_id
    message.angular_velocity.y, message.linear_acceleration.x = math.nan, -math.inf
    message.angular_velocity_covariance = [float(i) for i in range(9)]
    decoded = decode_imu(serialize_message(message))
    assert decoded is not None
    expected = deserialize_message(serialize_message(message), sm.Imu)
    assert (decoded.header.stamp.sec, decoded.header.stamp.nanosec, decoded.header.frame_id) == (
        expected.header.stamp.sec, expected.header.stamp.nanosec, expected.header.frame_id)
    for name, dims in (("orientation", "xyzw"), ("angular_velocity", "xyz"), ("linear_acceleration", "xyz")):
        assert_same([getattr(getattr(decoded, name), d) for d in dims], [getattr(getattr(expected, name), d) for d in dims])
        assert_same(list(getattr(decoded, f"{name}_covariance")), list(getattr(expected, f"{name}_covariance")))
    raw = bytearray(serialize_message(message))
    raw[1] = 0
    assert decode_imu(bytes(raw)) is None


def test_imu_raw_and_deserialized_paths_encode_the_same_batch() -> None:
    """The vectorized raw batch (adapters/cdr_batch.py) against the getters on deserialized messages:
    frame_ids of every length mod 8 in one batch, NaN/inf, unknown orientation, all-zero covariances."""
    plan = AdapterRegistry().plan("sensor_msgs/msg/Imu", sm.Imu)
    messages = [make_imu(3), imu_unknown_orientation(4), sm.Imu()]
    for length in range(9):
        extra = make_imu(10 + length)
        extra.header.frame_id = "f" * length
        messages.append(extra)
    from_raw = plan.encoder(sm.Imu, raw=True).encode([Received(i, serialize_message(m)) for i, m in enumerate(messages)])
    from_msg = plan.encoder(sm.Imu, raw=False).encode([Received(i, m) for i, m in enumerate(messages)])
    assert from_raw.schema == from_msg.schema
    assert_same(from_raw.to_pylist(), from_msg.to_pylist())  # NaN-aware, field by field
    assert from_raw.column("orientation")[1].as_py() is None  # the -1 convention survives the raw path


def _reference_equal(batch: Any, reference: Any) -> None:
    """Same schema and rows; compared as text, so NaN equals NaN and -0.0 stays distinct from 0.0."""
    assert batch.schema == reference.schema
    assert json.dumps(batch.to_pylist(), default=repr) == json.dumps(reference.to_pylist(), default=repr)


@pytest.mark.parametrize("ros_type,make,check", CASES, ids=[c[0] for c in CASES])
def test_every_decoder_of_the_chain_equals_the_reference_or_declines(
        ros_type: str, make: Callable[[int], Any], check: Callable[[Any, Any], None]) -> None:
    """RosEncoder's decoders, fastest first; the last (deserialize_message + getters) is the reference."""
    messages = [make(i) for i in range(4)]
    plan = REGISTRY.plan(ros_type, type(messages[0]))
    assert plan is not None
    encoder = plan.encoder(type(messages[0]), raw=True)
    items = [Received(1000 + i, serialize_message(m)) for i, m in enumerate(messages)]
    *fast, reference = encoder.decoders
    assert reference.name == "deserialize"
    expected = reference.decode(items)
    assert expected is not None
    for decoder in fast:
        batch = decoder.decode(items)
        assert batch is not None, f"{decoder.name} declined little-endian CDR of {ros_type}"
        _reference_equal(batch, expected)
        swapped = [Received(r.t, r.msg[:1] + b"\x00" + r.msg[2:]) for r in items]  # CDR_BE: must decline
        assert decoder.decode(swapped) is None, f"{decoder.name} took big-endian CDR it cannot read"
    assert [d.name for d in encoder.decoders] == {
        "sensor_msgs/msg/Imu": ["cdr_batch", "cdr_messages", "deserialize"],
        "sensor_msgs/msg/Image": ["cdr_batch", "cdr_messages", "deserialize"]}.get(
            ros_type, ["cdr_batch", "deserialize"] if ros_type in BATCH_DECODED else ["deserialize"])


def test_one_definition_model_decides_what_is_bytes_for_storage_and_for_queue_depth() -> None:
    from mosaico_ros_bridge.adapters.definition import MessageDefinition
    from mosaico_ros_bridge.adapters.fallback import fallback_plan

    image, grid, joints = (dict(MessageDefinition.of(c).fields) for c in (sm.Image, OccupancyGrid, sm.JointState))
    assert image["data"].binary and image["data"].byte_wide_sequence  # uint8[]: raw octets, bulk
    assert not grid["data"].binary and grid["data"].byte_wide_sequence  # int8[]: numbers, but bulk
    assert not joints["position"].binary and not joints["position"].byte_wide_sequence
    assert image["header"].kind == "message" and image["header"].name == "std_msgs/msg/Header"
    assert fallback_plan("sensor_msgs/msg/Image", sm.Image).schema.field("data").type == "binary"
    assert str(fallback_plan("nav_msgs/msg/OccupancyGrid", OccupancyGrid).schema.field("data").type) == "list<item: int8>"
