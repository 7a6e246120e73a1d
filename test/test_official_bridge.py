"""On a session-dialect server our live recorder must write what the official mosaicolabs 0.7.0 ROS
bridge writes for the same messages (issue #18). The oracle is the official adapter itself: the same
CDR is decoded by `rosbags` (as the SDK's loader does), translated by the SDK's registered adapter,
and its row compared with the row our recorder's reference decoder produces — no hand-written values.
Every mapped type with its edge values (NaN, inf, unicode, extremes), plus default messages (empty
headers, zero covariances)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest
from rclpy.serialization import serialize_message

from mosaico_ros_bridge.adapters import AdapterRegistry, Received
from sdk_samples import ml  # noqa: F401  (skips without the SDK)
from test_adapters import CASES

from mosaicolabs.bridges.ros.bridge import ROSBridge  # noqa: E402
from mosaicolabs.bridges.ros.loader import _to_dict  # noqa: E402
from mosaicolabs.bridges.ros.ros_message import ROSMessage  # noqa: E402
from rosbags.typesys import Stores, get_typestore, get_types_from_msg  # noqa: E402

INTERFACES = Path(__file__).resolve().parent.parent / "interfaces"
REGISTRY = AdapterRegistry()
# Where we differ from the official bridge on purpose (README, "What each ROS type becomes").
DIFFERENT_ON_PURPOSE = {
    "sensor_msgs/msg/Image": "stored raw by default (the official injector re-encodes PNG: ~180 ms per 1080p frame)",
}


def typestore() -> Any:
    store = get_typestore(Stores.ROS2_JAZZY)
    for msg in INTERFACES.glob("*/msg/*.msg"):  # nmea_msgs is not in rosbags' Jazzy store
        name = f"{msg.parent.parent.name}/msg/{msg.stem}"
        if name not in store.types:
            store.register(get_types_from_msg(msg.read_text(), name))
    return store


STORE = typestore()


def rosbags_decode(raw: bytes, ros_type: str) -> Any:
    """rosbags wants the exact CDR size; rclpy's buffers may carry up to 7 bytes of slack after it."""
    for cut in range(8):
        try:
            return STORE.deserialize_cdr(raw[:len(raw) - cut] if cut else raw, ros_type)
        except Exception as exc:  # rosbags raises its own error types
            if "size mismatch" not in str(exc) or cut == 7:
                raise


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
