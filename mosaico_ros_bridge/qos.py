"""Subscription QoS adapted to the publishers, like `ros2 bag record`: reliable only when every
publisher is reliable, transient_local only when every publisher is (so latched topics such as
/tf_static are received), with per-topic overrides from the config."""
from __future__ import annotations

from typing import Any, Sequence

from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy

from mosaico_ros_bridge.config import TopicOptions


def adapted_qos(publishers: Sequence[Any], options: TopicOptions | None, depth: int) -> QoSProfile:
    """The profile to subscribe with, given get_publishers_info_by_topic() results."""
    profiles = [p.qos_profile for p in publishers]
    reliable = bool(profiles) and all(p.reliability == ReliabilityPolicy.RELIABLE for p in profiles)
    latched = bool(profiles) and all(p.durability == DurabilityPolicy.TRANSIENT_LOCAL for p in profiles)
    if options is not None and options.reliability != "auto":
        reliable = options.reliability == "reliable"
    if options is not None and options.durability != "auto":
        latched = options.durability == "transient_local"
    return QoSProfile(
        history=HistoryPolicy.KEEP_LAST,
        depth=(options.depth if options is not None and options.depth else depth),
        reliability=ReliabilityPolicy.RELIABLE if reliable else ReliabilityPolicy.BEST_EFFORT,
        durability=DurabilityPolicy.TRANSIENT_LOCAL if latched else DurabilityPolicy.VOLATILE,
    )


def describe(qos: QoSProfile) -> str:
    reliability = "reliable" if qos.reliability == ReliabilityPolicy.RELIABLE else "best_effort"
    durability = "transient_local" if qos.durability == DurabilityPolicy.TRANSIENT_LOCAL else "volatile"
    return f"{reliability}/{durability}/depth {qos.depth}"


def has_variable_arrays(msg_class: type) -> bool:
    """True when the message has a top-level unbounded sequence (images, clouds, scans, TF lists):
    such messages can be large, so they get the smaller queue depth."""
    return any(type(t).__name__ in ("UnboundedSequence", "BoundedSequence") for t in getattr(msg_class, "SLOT_TYPES", ()))
