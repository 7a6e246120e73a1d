"""Issue #18, live: a publisher process sends every ROS type the tests know — the 63 the official 0.7
bridge maps, plus unmodeled ones and a custom package's — with edge values and a default message,
each once as little-endian CDR and once as big-endian CDR; the recorder process records them all
into our session-dialect server; SDK 0.7.0 reads every record back, and it equals what the official
0.7 adapter makes of the same CDR (decoded by rosbags, as the SDK's loader does)."""
from __future__ import annotations

import signal
from pathlib import Path
from typing import Any, Iterator

import pytest

from procs import Proc, python, wait_until
from sdk_samples import ml, session_server
from test_official_bridge import as_text, comparable, official_row
from test_recorder import StatusWatcher, params, recorder
from type_publisher import cases, cdr_of, messages_of, topic_of

from mosaico_ros_bridge.adapters import Received
from mosaicolabs.bridges.ros.bridge import ROSBridge  # noqa: E402
from mosaicolabs.bridges.ros.loader import _to_dict  # noqa: E402
from cdr_codec import rosbags_decode


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Any]:
    yield from session_server(tmp_path)


def record_everything(server: Any, tmp_path: Path, ros_context: Any) -> str:
    """Publisher and recorder processes; returns the sequence once the recorder exited 0 with every
    topic's messages received."""
    pub = Proc(python("-m", "type_publisher"))
    pub.wait_for(lambda line: line.startswith("published"), timeout=120)
    config = params(tmp_path, server.port, server={"dialect": "auto"}, topics={"regex": "^/all(_be)?/"})
    rec = recorder(config)
    watcher = StatusWatcher(ros_context)
    try:
        sequence = rec.wait_for(lambda l: "sequence created:" in l).rsplit(" ", 1)[1]
        for ros_type, make in cases():
            for big in (False, True):
                watcher.wait_received(topic_of(ros_type, big), len(messages_of(make)), timeout=120)
        rec.popen.send_signal(signal.SIGINT)
        assert rec.popen.wait(timeout=120) == 0, rec.output()
    finally:
        watcher.close()
        pub.stop()
        rec.stop()
    return sequence


def check_record(ros_type: str, read: Any, original: Any, cdr: bytes) -> None:
    """One record as SDK 0.7.0 read it against the official adapter's row of the same CDR."""
    if ros_type not in ROSBridge.get_default_adapters():  # unmodeled: the record is the message as a dict
        data, _ = _to_dict(rosbags_decode(cdr, ros_type))
        dumped = read.data.model_dump()
        assert as_text(dumped.get("raw_data", dumped)) == as_text(data), ros_type
        return
    official = official_row(ros_type, Received(read.timestamp_ns, cdr))
    if official is None:  # the official quirk we fixed: an empty CameraInfo.d
        assert ros_type == "sensor_msgs/msg/CameraInfo" and len(original.d) == 0
        assert type(read.data).__name__ == "CameraInfo" and read.data.distortion_parameters == []
        return
    ours = read._to_pa_record_batch().to_pylist()[0]
    assert as_text(comparable(ros_type, ours)) == as_text(comparable(ros_type, official)), \
        f"{ros_type}\nours:     {as_text(ours)}\nofficial: {as_text(official)}"


def test_every_type_recorded_live_reads_back_as_the_official_bridge_stores_it(
        server: Any, tmp_path: Path, ros_context: Any) -> None:
    sequence = record_everything(server, tmp_path, ros_context)
    sdk = ml.MosaicoClient.connect("127.0.0.1", server.port)
    try:
        assert len(sdk.sequence_handler(sequence).topics) == 2 * len(cases())
        for ros_type, make in cases():
            originals = messages_of(make)
            for big in (False, True):
                read = list(sdk.topic_handler(sequence, topic_of(ros_type, big)).get_data_streamer())
                assert len(read) == len(originals), (ros_type, big)
                for record, original in zip(read, originals):  # one publisher: DDS keeps its order
                    check_record(ros_type, record, original, cdr_of(ros_type, original, big))
    finally:
        sdk.close()


ROBOT = {"/imu": "sensor_msgs/msg/Imu", "/camera/image_raw": "sensor_msgs/msg/Image", "/odom": "nav_msgs/msg/Odometry",
         "/tf": "tf2_msgs/msg/TFMessage", "/gps/fix": "sensor_msgs/msg/NavSatFix", "/scan": "sensor_msgs/msg/LaserScan",
         "/tf_static": "tf2_msgs/msg/TFMessage"}


class Capture:
    """Raw CDR of the demo robot's topics as a second subscriber got it, keyed by header stamp (TF: the
    first transform's), spun on its own thread."""

    def __init__(self, ros_context: Any) -> None:
        import threading

        import rclpy
        from rclpy.executors import SingleThreadedExecutor
        from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy

        from mosaico_ros_bridge.adapters.fallback import message_class
        self.cdr: dict[str, list[bytes]] = {topic: [] for topic in ROBOT}
        self.node = rclpy.create_node("demo_capture", context=ros_context)
        for topic, ros_type in ROBOT.items():
            durability = DurabilityPolicy.TRANSIENT_LOCAL if topic == "/tf_static" else DurabilityPolicy.VOLATILE
            qos = QoSProfile(depth=1000, reliability=ReliabilityPolicy.RELIABLE, durability=durability)
            self.node.create_subscription(message_class(ros_type), topic, self.cdr[topic].append, qos, raw=True)
        self.executor = SingleThreadedExecutor(context=ros_context)
        self.executor.add_node(self.node)
        self.thread = threading.Thread(target=self.executor.spin, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.executor.shutdown(timeout_sec=10)
        self.thread.join(timeout=10)
        self.node.destroy_node()

    def by_stamp(self, topic: str) -> dict[tuple[int, int], bytes]:
        from rclpy.serialization import deserialize_message

        from mosaico_ros_bridge.adapters.fallback import message_class
        found = {}
        for raw in list(self.cdr[topic]):
            message = deserialize_message(raw, message_class(ROBOT[topic]))
            stamp = (message.transforms[0] if hasattr(message, "transforms") else message).header.stamp
            found[(stamp.sec, stamp.nanosec)] = raw
        return found


def test_the_demo_robot_lands_as_the_official_bridge_stores_it(server: Any, tmp_path: Path, ros_context: Any) -> None:
    """The demo's recorder parameters and robot (`make demo`), into our session server: every record of
    every topic equals the official adapter's row of the CDR a second subscriber got for it."""
    from mosaico_ros_bridge.demo.__main__ import recorder_params
    capture = Capture(ros_context)
    recorder_params(tmp_path / "record.yaml", server.port)
    rec = recorder(tmp_path / "record.yaml")
    watcher = StatusWatcher(ros_context)
    robot = Proc(python("-m", "mosaico_ros_bridge.demo.robot", "--wait-for-subscribers"))
    try:
        sequence = rec.wait_for(lambda l: "sequence created:" in l).rsplit(" ", 1)[1]
        for topic in ROBOT:
            least = 1 if topic == "/tf_static" else 10
            watcher.wait_received(topic, least, timeout=90)
            wait_until(lambda: len(capture.cdr[topic]) >= least, 90, f"the second subscriber to get {least} on {topic}")
        rec.popen.send_signal(signal.SIGINT)
        assert rec.popen.wait(timeout=120) == 0, rec.output()
    finally:
        watcher.close()
        robot.stop()
        rec.stop()
        capture.close()
    sdk = ml.MosaicoClient.connect("127.0.0.1", server.port)
    try:
        for topic, ros_type in ROBOT.items():
            captured = capture.by_stamp(topic)
            handler = sdk.topic_handler(sequence, topic)
            assert handler.ontology_tag == ROSBridge.get_default_adapters()[ros_type].ontology_data_type().__ontology_tag__
            compared = 0
            for record in handler.get_data_streamer():
                data = record.data.transforms[0] if topic.startswith("/tf") else record.data
                stamp = (data.header.timestamp.seconds, data.header.timestamp.nanoseconds)
                if stamp < min(captured):  # sent before the second subscriber matched (reliable, not latched)
                    continue
                assert stamp in captured, f"{topic}: a record stamped {stamp} the second subscriber never got"
                check_record(ros_type, record, None, captured[stamp])
                compared += 1
            assert compared >= (1 if topic == "/tf_static" else 10), topic
    finally:
        sdk.close()
