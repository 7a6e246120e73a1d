"""Subscription QoS adapted to the publishers, like `ros2 bag record`: reliable only when every
publisher is reliable, transient_local only when every publisher is (so latched topics such as
/tf_static are received), with per-topic overrides from the config."""
from __future__ import annotations

from typing import Any, Sequence

from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy

from mosaico_ros_bridge.adapters.definition import MessageDefinition
from mosaico_ros_bridge.config import TopicOptions, TopicsConfig


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


def queue_depth(msg_class: type, topics: TopicsConfig) -> int:
    """The subscription depth for a type, by what its messages can weigh (top-level fields): byte
    arrays (images, point clouds, compressed data; a 1080p frame is 6 MB) get `depth_large`, other
    variable-size arrays (TF lists, scans, joint states) `depth`, fixed-size messages `depth_small`.
    The reader history holds up to depth messages while the executor lags, in DDS's memory."""
    definition = MessageDefinition.of(msg_class)
    if definition.carries_bulk_bytes:
        return topics.depth_large
    return topics.depth if definition.variable_size else topics.depth_small
