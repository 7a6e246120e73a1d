"""On a session-dialect server our live recorder must write what the official mosaicolabs 0.7.0 ROS
bridge writes for the same messages (issue #18). The oracle is the official adapter itself: the same
CDR is decoded by `rosbags` (as the SDK's loader does), translated by the SDK's registered adapter,
and its row compared with the row our recorder's reference decoder produces — no hand-written values.
Every mapped type with its edge values (NaN, inf, unicode, extremes), plus default messages (empty
headers, zero covariances)."""
from __future__ import annotations

import json
from typing import Any, Callable

import pytest
from rclpy.serialization import serialize_message

from mosaico_ros_bridge.adapters import AdapterRegistry, Received
from sdk_samples import ml  # noqa: F401  (skips without the SDK)
from cdr_codec import STORE, rosbags_decode
from samples import make_gadget
from test_adapters import CASES

from mosaicolabs.bridges.ros.bridge import ROSBridge  # noqa: E402
from mosaicolabs.bridges.ros.loader import _to_dict  # noqa: E402
from mosaicolabs.bridges.ros.ros_message import ROSMessage  # noqa: E402

REGISTRY = AdapterRegistry()
# Where we differ from the official bridge on purpose (README, "What each ROS type becomes").
DIFFERENT_ON_PURPOSE = {
    "sensor_msgs/msg/Image": "stored raw by default (the official injector re-encodes PNG: ~180 ms per 1080p frame)",
}


def official_row(ros_type: str, item: Received) -> dict[str, Any] | None:
    """The row the official adapter makes of the message, or None when it refuses the message."""
    data, consts = _to_dict(rosbags_decode(item.msg, ros_type))
    adapter = ROSBridge.get_default_adapters()[ros_type]
    try:
        message = adapter.translate(ROSMessage(item.t, "/topic", ros_type, data, consts))
    except Exception:
        return None
    rows: list[dict[str, Any]] = message._to_pa_record_batch().to_pylist()
    return rows[0]


def _header(i: int) -> Any:
    from std_msgs.msg import Header
    h = Header(frame_id=f"frame_ü_{i}")
    h.stamp.sec, h.stamp.nanosec = 1_700_000_000 + i, 999_999_999 - i
    return h


def _session_only_cases() -> list[tuple[str, Callable[[int], Any]]]:
    """The types only the session dialect models (the seed era records them with the fallback)."""
    import math

    from builtin_interfaces.msg import Duration, Time
    from geometry_msgs import msg as gm
    from nav_msgs import msg as nm
    from sensor_msgs import msg as sm
    from std_msgs.msg import Header

    def scan(i: int) -> Any:
        return sm.LaserScan(header=_header(i), angle_min=-1.5, angle_max=1.5, angle_increment=0.01 * (i + 1),
                            time_increment=1e-4, scan_time=0.1, range_min=0.1, range_max=30.0,
                            ranges=[1.0, math.inf, math.nan, 2.5][:i + 1], intensities=[7.0, 8.0][:i % 3])

    def echo(i: int) -> Any:
        return sm.MultiEchoLaserScan(header=_header(i), angle_min=-1.0, angle_max=1.0, angle_increment=0.5,
                                     ranges=[sm.LaserEcho(echoes=[1.0 * k, 2.0]) for k in range(i)],
                                     intensities=[sm.LaserEcho(echoes=[3.0])] * (i % 2))

    def cloud(i: int) -> Any:
        fields = [sm.PointField(name=n, offset=4 * k, datatype=7, count=1) for k, n in enumerate("xyz")]
        return sm.PointCloud2(header=_header(i), height=1, width=i, fields=fields, is_bigendian=False, point_step=12,
                              row_step=12 * i, data=bytes(range(12 * i)), is_dense=bool(i % 2))

    def pose(i: int) -> Any:
        return gm.Pose(position=gm.Point(x=float(i), y=-1.0, z=0.5), orientation=gm.Quaternion(w=1.0))

    def info(i: int) -> Any:
        return nm.MapMetaData(map_load_time=Time(sec=i, nanosec=7), resolution=0.05, width=4, height=2, origin=pose(i))

    return [
        ("sensor_msgs/msg/LaserScan", scan),
        ("sensor_msgs/msg/MultiEchoLaserScan", echo),
        ("sensor_msgs/msg/PointCloud2", cloud),
        ("sensor_msgs/msg/Temperature", lambda i: sm.Temperature(header=_header(i), temperature=21.5 - 30 * i,
                                                                 variance=[0.0, 0.25, -1.0][i % 3])),
        ("sensor_msgs/msg/FluidPressure", lambda i: sm.FluidPressure(header=_header(i), fluid_pressure=101325.0 + i,
                                                                     variance=[0.5, 0.0][i % 2])),
        ("sensor_msgs/msg/Joy", lambda i: sm.Joy(header=_header(i), axes=[0.5 * i, -1.0][:i + 1], buttons=[i, 0, 1][:i])),
        ("nav_msgs/msg/Path", lambda i: nm.Path(header=_header(i), poses=[gm.PoseStamped(header=_header(k), pose=pose(k))
                                                                         for k in range(i)])),
        ("nav_msgs/msg/GridCells", lambda i: nm.GridCells(header=_header(i), cell_width=0.5, cell_height=0.25,
                                                          cells=[gm.Point(x=float(k), y=1.0, z=0.0) for k in range(i)])),
        ("nav_msgs/msg/MapMetaData", info),
        ("nav_msgs/msg/OccupancyGrid", lambda i: nm.OccupancyGrid(header=_header(i), info=info(i),
                                                                  data=[-1, 0, 100, 50, 1, 2, 3, 4][:i * 2])),
        ("geometry_msgs/msg/Polygon", lambda i: gm.Polygon(points=[gm.Point32(x=0.5 * k, y=1.0, z=2.0) for k in range(i)])),
        ("geometry_msgs/msg/PolygonStamped", lambda i: gm.PolygonStamped(header=_header(i), polygon=gm.Polygon(
            points=[gm.Point32(x=0.5, y=1.0, z=2.0)] * i))),
        ("geometry_msgs/msg/Inertia", lambda i: gm.Inertia(m=1.5 + i, com=gm.Vector3(x=0.1, y=0.2, z=0.3),
                                                           ixx=1.0, ixy=0.1, ixz=0.2, iyy=2.0, iyz=0.3, izz=3.0)),
        ("geometry_msgs/msg/InertiaStamped", lambda i: gm.InertiaStamped(header=_header(i), inertia=gm.Inertia(
            m=2.0, com=gm.Vector3(x=1.0), ixx=4.0, ixy=5.0, ixz=6.0, iyy=7.0, iyz=8.0, izz=9.0))),
        ("std_msgs/msg/Header", lambda i: Header(frame_id=f"f{i}") if i else Header()),
        ("builtin_interfaces/msg/Time", lambda i: Time(sec=1_700_000_000 + i, nanosec=i)),
        ("builtin_interfaces/msg/Duration", lambda i: Duration(sec=-i, nanosec=999_999_999)),
    ]


SESSION_ONLY_CASES = _session_only_cases()


@pytest.mark.parametrize("ros_type,make", SESSION_ONLY_CASES, ids=[c[0] for c in SESSION_ONLY_CASES])
def test_types_only_the_07_ontology_models_are_the_official_bridges(ros_type: str, make: Callable[[int], Any]) -> None:
    test_our_rows_are_the_official_bridges(ros_type, make, None)


def test_every_official_adapter_is_covered() -> None:
    covered = {c[0] for c in CASES} | {c[0] for c in SESSION_ONLY_CASES}
    assert set(ROSBridge.get_default_adapters()) <= covered, sorted(set(ROSBridge.get_default_adapters()) - covered)


def as_text(row: Any) -> str:
    return json.dumps(row, default=repr, sort_keys=True)  # NaN equals NaN, -0.0 stays distinct


@pytest.mark.parametrize("ros_type,make,check", CASES, ids=[c[0] for c in CASES])
def test_our_rows_are_the_official_bridges(ros_type: str, make: Callable[[int], Any], check: Any) -> None:
    if ros_type in DIFFERENT_ON_PURPOSE:
        pytest.skip(DIFFERENT_ON_PURPOSE[ros_type])
    messages = [make(i) for i in range(4)] + [type(make(0))()]  # edge values, then a default message
    plan = REGISTRY.plan(ros_type, type(messages[0]), layout="session")
    assert plan is not None
    items = [Received(1000 + i, serialize_message(m)) for i, m in enumerate(messages)]
    ours = plan.encoder(type(messages[0]), raw=True).decoders[-1].decode(items)
    assert ours is not None
    assert plan.ontology_tag == ROSBridge.get_default_adapters()[ros_type].ontology_data_type().__ontology_tag__
    for item, message, row in zip(items, messages, ours.to_pylist()):
        expected = official_row(ros_type, item)
        if expected is None:  # the official bridge cannot convert it: only its known quirk may do that
            assert ros_type == "sensor_msgs/msg/CameraInfo" and len(message.d) == 0, (ros_type, message)
            continue
        assert as_text(row) == as_text(expected), f"{ros_type}\nours:     {as_text(row)}\nofficial: {as_text(expected)}"


def _unmodeled_cases() -> list[tuple[str, Callable[[int], Any]]]:
    """Types no adapter maps (the official bridge's Unmodeled path): nested lists of messages, byte
    fields and byte[] lists, float32, strings, a ROS header."""
    from diagnostic_msgs import msg as dm
    from sensor_msgs import msg as sm
    from std_msgs import msg as stdm

    def status(i: int) -> Any:
        return dm.DiagnosticStatus(level=bytes([i % 3]), name=f"motor_{i}", message="ok ü", hardware_id="hw",
                                   values=[dm.KeyValue(key=f"k{k}", value=str(k)) for k in range(i)])
    return [
        ("diagnostic_msgs/msg/KeyValue", lambda i: dm.KeyValue(key=f"key_{i}", value=f"valüe {i}")),
        ("diagnostic_msgs/msg/DiagnosticArray", lambda i: dm.DiagnosticArray(header=_header(i), status=[status(k) for k in range(i)])),
        ("sensor_msgs/msg/Range", lambda i: sm.Range(header=_header(i), radiation_type=1, field_of_view=0.5,
                                                     min_range=0.1, max_range=4.0, range=1.5 + i)),
        ("std_msgs/msg/ByteMultiArray", lambda i: stdm.ByteMultiArray(
            layout=stdm.MultiArrayLayout(dim=[stdm.MultiArrayDimension(label="x", size=i, stride=1)]),
            data=[bytes([k]) for k in range(i)])),
        ("std_msgs/msg/ColorRGBA", lambda i: stdm.ColorRGBA(r=0.25 * i, g=1.0, b=0.0, a=0.5)),
        ("sensor_msgs/msg/NavSatStatus", lambda i: sm.NavSatStatus(status=i - 1, service=1)),
        ("mosaico_bridge_test_msgs/msg/Gadget", make_gadget),  # a custom package (test/interfaces)
    ]


UNMODELED_CASES = _unmodeled_cases()


@pytest.mark.parametrize("ros_type,make", UNMODELED_CASES, ids=[c[0] for c in UNMODELED_CASES])
def test_unmodeled_types_are_stored_as_the_official_bridge_stores_them(ros_type: str, make: Callable[[int], Any]) -> None:
    """Same tag and schema as the official loader synthesizes from the message definition (via
    rosbags), and the same rows as its UnmodeledAdapter produces."""
    from mosaicolabs.bridges.protocols.mcap.converters.ros_converter import RosMsgSchemaConverter
    from mosaicolabs.bridges.ros.adapters.unmodeled import UnmodeledAdapter
    from mosaicolabs.models.core.helpers import resolve_ontology_class
    messages = [make(i) for i in range(3)] + [type(make(0))()]
    plan = REGISTRY.plan(ros_type, type(messages[0]), layout="session")
    assert plan is not None and not plan.mapped
    struct = RosMsgSchemaConverter._typesdict_to_schema(STORE.fielddefs, ros_type)
    official = resolve_ontology_class(ontology_tag=ros_type.rsplit("/", 1)[-1], schema=struct,
                                      serialization_format=ml.SerializationFormat.Default)
    assert plan.ontology_tag == official.__ontology_tag__
    assert plan.schema.equals(ml.Message._get_schema(official), check_metadata=True), \
        f"\nours:     {plan.schema}\nofficial: {ml.Message._get_schema(official)}"
    adapter = UnmodeledAdapter.get_or_create(ontology_type=official, msgtype=ros_type)
    items = [Received(1000 + i, serialize_message(m)) for i, m in enumerate(messages)]
    ours = plan.encoder(type(messages[0]), raw=True).decoders[-1].decode(items)
    assert ours is not None
    for item, row in zip(items, ours.to_pylist()):
        data, consts = _to_dict(rosbags_decode(item.msg, ros_type))
        expected = adapter.translate(ROSMessage(item.t, "/topic", ros_type, data, consts))._to_pa_record_batch().to_pylist()[0]
        assert as_text(row) == as_text(expected), f"{ros_type}\nours:     {as_text(row)}\nofficial: {as_text(expected)}"


LIVE_CASES = [(t, m) for t, m, _ in CASES if t not in DIFFERENT_ON_PURPOSE] + SESSION_ONLY_CASES + UNMODELED_CASES


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from sdk_samples import session_server
    yield from session_server(tmp_path_factory.mktemp("official"))


@pytest.mark.parametrize("ros_type,make", LIVE_CASES, ids=[c[0] for c in LIVE_CASES])
def test_what_we_store_the_sdk_reads_back_as_the_official_row(server: Any, ros_type: str,
                                                             make: Callable[[int], Any]) -> None:
    """Through the recorder's writer path into our session server; SDK 0.7.0 reads each record back
    (as its own class, or Unmodeled) and it equals the official adapter's row for the same CDR."""
    from mosaico_ros_bridge import MosaicoClient
    messages = [make(i) for i in range(3)]
    plan = REGISTRY.plan(ros_type, type(messages[0]), layout="session")
    assert plan is not None
    items = [Received(1000 + i, serialize_message(m)) for i, m in enumerate(messages)]
    name = "o_" + ros_type.replace("/", "_").lower()
    with MosaicoClient.connect("127.0.0.1", server.port) as client:
        with client.sequence_create(name) as seq:
            writer = seq.create_topic_writer(plan.topic("/robot/topic", {}), plan.encoder(type(messages[0]), raw=True))
            for item in items:
                writer.push_item(item, len(item.msg))
    sdk = ml.MosaicoClient.connect("127.0.0.1", server.port)
    try:
        read = list(sdk.topic_handler(name, "/robot/topic").get_data_streamer())
    finally:
        sdk.close()
    assert [m.timestamp_ns for m in read] == [item.t for item in items]
    for message, original, item in zip(read, messages, items):
        if ros_type not in ROSBridge.get_default_adapters():  # unmodeled: the row is the message as a dict
            data, _ = _to_dict(rosbags_decode(item.msg, ros_type))
            assert as_text(message.data.model_dump().get("raw_data", message.data.model_dump())) == as_text(data)
            continue
        official = official_row(ros_type, item)
        if official is None:  # the official quirk we fixed: an empty CameraInfo.d
            assert ros_type == "sensor_msgs/msg/CameraInfo" and len(original.d) == 0
            assert type(message.data).__name__ == "CameraInfo" and message.data.distortion_parameters == []
            continue
        assert as_text(message._to_pa_record_batch().to_pylist()[0]) == as_text(official), ros_type


def _cloud(i: int, fields: list[tuple[str, int, int]], big_endian: bool = False) -> Any:
    """A PointCloud2 of i points with the given (name, datatype, count) fields, packed in order."""
    import numpy as np
    from sensor_msgs import msg as sm
    kinds = {1: "i1", 2: "u1", 3: "i2", 4: "u2", 5: "i4", 6: "u4", 7: "f4", 8: "f8"}
    points, offset, layout = [], 0, []
    for name, datatype, count in fields:
        points.append(sm.PointField(name=name, offset=offset, datatype=datatype, count=count))
        layout.append((name, (">" if big_endian else "<") + kinds[datatype], (count,) if count > 1 else ()))
        offset += np.dtype(kinds[datatype]).itemsize * count
    array = np.zeros(i, dtype=np.dtype(layout))
    for k, (name, _, count) in enumerate(fields):
        array[name] = (np.arange(i * count).reshape((i, count) if count > 1 else (i,)) * (k + 1.5)).astype(array[name].dtype)
    return sm.PointCloud2(header=_header(i), height=1, width=i, fields=points, is_bigendian=big_endian,
                          point_step=offset, row_step=offset * i, data=array.tobytes(), is_dense=True)


POINTCLOUD_KINDS = {
    "lidar": ("LidarAdapter", [("x", 7, 1), ("y", 7, 1), ("z", 7, 1), ("intensity", 7, 1), ("ring", 4, 1),
                               ("beam_id", 4, 1)]),
    "radar": ("RadarAdapter", [("x", 7, 1), ("y", 7, 1), ("z", 7, 1), ("rcs", 7, 1), ("doppler_velocity", 8, 1)]),
    "rgbd_camera": ("RGBDCameraAdapter", [("x", 7, 1), ("y", 7, 1), ("z", 7, 1), ("rgb", 6, 1)]),
    "tof_camera": ("ToFCameraAdapter", [("x", 7, 1), ("y", 7, 1), ("z", 7, 1), ("intensity", 7, 1), ("noise", 7, 1)]),
    "stereo_camera": ("StereoCameraAdapter", [("x", 7, 1), ("y", 7, 1), ("z", 7, 1), ("luma", 2, 1)]),
}


@pytest.mark.parametrize("kind", sorted(POINTCLOUD_KINDS))
def test_pointcloud_overrides_are_the_official_override_adapters(kind: str) -> None:
    from mosaicolabs.bridges.ros.adapters import override_msgs
    adapter_name, fields = POINTCLOUD_KINDS[kind]
    official = getattr(override_msgs, adapter_name)
    messages = [_cloud(i, fields) for i in range(4)] + [_cloud(3, fields, big_endian=True)]
    plan = REGISTRY.plan("sensor_msgs/msg/PointCloud2", type(messages[0]), layout="session", pointcloud_as=kind)
    assert plan is not None and plan.ontology_tag == official.ontology_data_type().__ontology_tag__
    items = [Received(1000 + i, serialize_message(m)) for i, m in enumerate(messages)]
    ours = plan.encoder(type(messages[0]), raw=True).decoders[-1].decode(items)
    assert ours is not None
    for item, row in zip(items, ours.to_pylist()):
        data, consts = _to_dict(rosbags_decode(item.msg, "sensor_msgs/msg/PointCloud2"))
        expected = official.translate(ROSMessage(item.t, "/cloud", "sensor_msgs/msg/PointCloud2", data, consts))
        assert as_text(row) == as_text(expected._to_pa_record_batch().to_pylist()[0]), kind
