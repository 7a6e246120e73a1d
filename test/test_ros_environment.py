"""The ROS environment the project builds: isolation, DDS exchange, raw CDR and built interfaces."""
from __future__ import annotations

import os
from typing import Any

import pytest
from rclpy.executors import SingleThreadedExecutor
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
from rclpy.serialization import deserialize_message

from procs import Proc, python, wait_until
from rosmsg import assert_messages_equal
from samples import MAKERS, make_imu

COUNT = 20
LATCHED = QoSProfile(
    history=HistoryPolicy.KEEP_LAST, depth=COUNT,
    reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.TRANSIENT_LOCAL,
)
JAZZY_TFMESSAGE_HASH = "RIHS01_e369d0f05a23ae52508854b66f6aa0437f3449d652e8cbf22d5abe85d020f087"


def test_session_has_private_domain_on_loopback() -> None:
    assert 1 <= int(os.environ["ROS_DOMAIN_ID"]) <= 101
    assert os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] == "LOCALHOST"


def _receive(ros_context: Any, kind: str, topic: str, raw: bool) -> list[Any]:
    import rclpy

    publisher = Proc(python("-m", "ros_publisher", kind, topic, "--count", str(COUNT)))
    node = rclpy.create_node(f"test_sub_{kind}_{int(raw)}", context=ros_context)
    executor = SingleThreadedExecutor(context=ros_context)
    executor.add_node(node)
    received: list[Any] = []
    try:
        node.create_subscription(type(MAKERS[kind](0)), topic, received.append, LATCHED, raw=raw)
        wait_until(lambda: len(received) >= COUNT, 30, f"{COUNT} {kind} messages on {topic}",
                   step=lambda: executor.spin_once(timeout_sec=0.05))
    finally:
        assert publisher.stop() == 0, publisher.output()
        executor.shutdown()
        node.destroy_node()
    return received


@pytest.mark.parametrize("kind", ["imu", "tf"])
def test_publisher_process_to_subscriber_field_by_field(ros_context: Any, kind: str) -> None:
    received = _receive(ros_context, kind, f"/env_test/{kind}", raw=False)
    assert len(received) == COUNT
    for i, msg in enumerate(received):
        assert_messages_equal(msg, MAKERS[kind](i))


def test_raw_subscription_receives_cdr_that_deserializes_to_the_message(ros_context: Any) -> None:
    received = _receive(ros_context, "imu", "/env_test/imu_raw", raw=True)
    for i, payload in enumerate(received):
        assert isinstance(payload, bytes)
        assert_messages_equal(deserialize_message(payload, type(make_imu(0))), make_imu(i))


def test_built_tf2_msgs_has_the_type_hash_of_jazzy(ros_context: Any) -> None:
    import rclpy
    from tf2_msgs.msg import TFMessage

    node = rclpy.create_node("test_type_hash", context=ros_context)
    try:
        node.create_publisher(TFMessage, "/env_test/tf_hash", 1)
        infos = node.get_publishers_info_by_topic("/env_test/tf_hash")
        assert [str(info.topic_type_hash) for info in infos] == [JAZZY_TFMESSAGE_HASH]
    finally:
        node.destroy_node()


def test_nmea_msgs_sentence_is_built_with_its_definition() -> None:
    from nmea_msgs.msg import Sentence

    assert Sentence.get_fields_and_field_types() == {"header": "std_msgs/Header", "sentence": "string"}
