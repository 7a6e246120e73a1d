"""The recorder's mappings in the 0.7 layout (session-dialect servers): every ROS type the seed era
maps goes to the 0.7 class of the same concept; each decoder of the chain equals the reference; what
is recorded through our session server is read back by SDK 0.7.0 as that class, field by field
against the reference encoding, with the ROS header in the 0.7 `header`."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from rclpy.serialization import serialize_message

from mosaico_ros_bridge import ontology07
from mosaico_ros_bridge.adapters import AdapterRegistry, Received
from mosaico_ros_bridge.ontology import message_schema
from sdk_samples import session_server, write_and_read_back
from test_adapters import BATCH_DECODED, CASES

REGISTRY = AdapterRegistry()
IDS = [c[0] for c in CASES]


def session_plan(ros_type: str, message: Any) -> Any:
    plan = REGISTRY.plan(ros_type, type(message), layout="session")
    assert plan is not None
    return plan


@pytest.mark.parametrize("ros_type,make,check", CASES, ids=IDS)
def test_each_mapping_writes_the_07_class_of_its_concept(ros_type: str, make: Callable[[int], Any],
                                                         check: Any) -> None:
    seed = REGISTRY.plan(ros_type, type(make(0)))
    plan = session_plan(ros_type, make(0))
    assert seed is not None
    target = ontology07.registered(plan.ontology_tag)
    assert target is not None and target.__name__ == {"LargeString": "String"}.get(seed.ontology_tag, target.__name__)
    assert plan.schema.equals(message_schema(target), check_metadata=True)
    assert "message_header" not in plan.schema.names


@pytest.mark.parametrize("ros_type,make,check", CASES, ids=IDS)
def test_every_decoder_equals_the_reference_in_the_07_layout(ros_type: str, make: Callable[[int], Any],
                                                             check: Any) -> None:
    messages = [make(i) for i in range(4)]
    encoder = session_plan(ros_type, messages[0]).encoder(type(messages[0]), raw=True)
    items = [Received(1000 + i, serialize_message(m)) for i, m in enumerate(messages)]
    *fast, reference = encoder.decoders
    expected = reference.decode(items)
    assert expected is not None
    for decoder in fast:
        batch = decoder.decode(items)
        assert batch is not None, f"{decoder.name} declined little-endian CDR of {ros_type}"
        assert batch.schema == expected.schema
        assert json.dumps(batch.to_pylist(), default=repr) == json.dumps(expected.to_pylist(), default=repr)
    assert [d.name for d in encoder.decoders] == {
        "sensor_msgs/msg/Imu": ["cdr_batch", "cdr_messages", "deserialize"],
        "sensor_msgs/msg/Image": ["cdr_batch", "cdr_messages", "deserialize"]}.get(
            ros_type, ["cdr_batch", "deserialize"] if ros_type in BATCH_DECODED else ["deserialize"])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from session_server(tmp_path_factory.mktemp("session"))


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=repr))


@pytest.mark.parametrize("ros_type,make,check", CASES, ids=IDS)
def test_recorded_rows_are_read_back_by_the_sdk_as_the_07_class(server: Any, ros_type: str,
                                                               make: Callable[[int], Any], check: Any) -> None:
    messages = [make(i) for i in range(3)]
    plan = session_plan(ros_type, messages[0])
    encoder = plan.encoder(type(messages[0]), raw=True)
    items = [Received(1000 + i, serialize_message(m)) for i, m in enumerate(messages)]
    reference = encoder.decoders[-1].decode(items)
    read = write_and_read_back(server.port, "s_" + ros_type.replace("/", "_").lower(), plan.topic("/robot/topic", {}),
                               encoder, items)
    assert [m.timestamp_ns for m in read] == [1000, 1001, 1002]
    for message, ros, row in zip(read, messages, reference.to_pylist()):
        assert type(message.data).__name__ == plan.ontology_tag, f"{ros_type} read back as {type(message.data)}"
        ours = ontology07.registered(plan.ontology_tag)
        assert ours is not None
        assert _plain(message.data.model_dump()) == _plain(ours.from_row(row).model_dump())
        header = getattr(ros, "header", None)
        if header is not None and "header" in plan.schema.names:
            got = message.data.header
            assert (got.timestamp.seconds, got.timestamp.nanoseconds, got.frame_id) == (
                header.stamp.sec, header.stamp.nanosec, header.frame_id)
