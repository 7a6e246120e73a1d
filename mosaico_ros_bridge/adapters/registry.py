"""The adapter registry, keyed by ROS type string (`sensor_msgs/msg/Imu`), and the plan it gives the
recorder for one topic: tag, format, schema and encoder. Users add adapters with `module:NAME`
entries (NAME: an Adapter or a list of them), e.g. the `adapters.extra` config key."""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from enum import Enum
from typing import Any, Iterable

import pyarrow as pa

from mosaico_ros_bridge.adapters import geometry_msgs, nav_msgs, nmea_msgs, sensor_msgs, session_only, std_msgs, tf2_msgs
from mosaico_ros_bridge.adapters.base import Adapter, RosEncoder, envelope
from mosaico_ros_bridge.adapters.cdr import RawDecoder
from mosaico_ros_bridge.adapters.cdr_columns import BatchDecoder
from mosaico_ros_bridge.adapters.fallback import fallback_plan
from mosaico_ros_bridge.adapters.pointcloud import pointcloud_adapter
from mosaico_ros_bridge.adapters.session_layout import in_session_layout
from mosaico_ros_bridge.adapters.unmodeled import unmodeled_plan
from mosaico_ros_bridge.errors import ConfigError, UnsupportedMessageType
from mosaico_ros_bridge.ontology.columnar import Getters
from mosaico_ros_bridge.ontology.images import ImageFormat
from mosaico_ros_bridge.topic_description import TopicDescription

BUILT_IN = [*std_msgs.ADAPTERS, *geometry_msgs.ADAPTERS, *sensor_msgs.ADAPTERS, *nav_msgs.ADAPTERS,
            *tf2_msgs.ADAPTERS, *nmea_msgs.ADAPTERS]
SESSION_ONLY = {a.ros_type: a for a in session_only.ADAPTERS}  # 0.7 classes the seed ontology lacks


class UnknownTypes(str, Enum):
    """What to do with a ROS type that has no adapter."""

    FALLBACK = "fallback"
    SKIP = "skip"
    ERROR = "error"


@dataclass(frozen=True)
class TopicPlan:
    """How one topic is recorded: `mapped` is False for the fallback."""

    ros_type: str
    ontology_tag: str
    serialization_format: str
    schema: pa.Schema
    getters: Getters
    mapped: bool
    raw_decoder: RawDecoder | None = None
    raw_batch: BatchDecoder | None = None

    def encoder(self, msg_class: type, raw: bool) -> RosEncoder:
        return RosEncoder(self.schema, self.getters, msg_class, raw, self.raw_decoder, self.raw_batch)

    def topic(self, name: str, metadata: dict[str, Any]) -> TopicDescription:
        """The topic `name` as this plan writes it."""
        return TopicDescription(name, self.ontology_tag, self.serialization_format, self.schema, metadata)


def plan_for_adapter(adapter: Adapter) -> TopicPlan:
    return TopicPlan(adapter.ros_type, adapter.ontology_tag, adapter.serialization_format, adapter.schema(),
                     {**envelope(adapter.header_source), **adapter.getters}, mapped=True,
                     raw_decoder=adapter.raw_decoder, raw_batch=adapter.raw_batch)


class AdapterRegistry:
    """Built-in adapters plus user ones; later registrations replace earlier ones for a type."""

    def __init__(self, extra: Iterable[str] = ()) -> None:
        self._adapters: dict[str, Adapter] = {a.ros_type: a for a in BUILT_IN}
        for spec in extra:
            for adapter in load_adapters(spec):
                self.register(adapter)

    def register(self, adapter: Adapter) -> None:
        self._adapters[adapter.ros_type] = adapter

    def adapter(self, ros_type: str) -> Adapter | None:
        return self._adapters.get(ros_type)

    def types(self) -> list[str]:
        return sorted(self._adapters)

    def plan(self, ros_type: str, msg_class: type, *, image_format: ImageFormat = ImageFormat.RAW,
             unknown: UnknownTypes = UnknownTypes.FALLBACK, topic: str = "?", layout: str = "seed",
             pointcloud_as: str = "") -> TopicPlan | None:
        """The plan for a topic of ros_type in the server dialect's layout ("seed" or "session");
        `pointcloud_as` stores a session-dialect PointCloud2 topic as Lidar, Radar, ... None when
        unknown types are skipped."""
        if pointcloud_as and layout == "session" and ros_type == "sensor_msgs/msg/PointCloud2":
            return plan_for_adapter(in_session_layout(pointcloud_adapter(pointcloud_as)))
        adapter = self._adapters.get(ros_type)
        if adapter is None and layout == "session":
            adapter = SESSION_ONLY.get(ros_type)
        if ros_type == "sensor_msgs/msg/Image" and adapter is sensor_msgs.IMAGE_RAW:
            adapter = sensor_msgs.IMAGE_PNG if image_format == ImageFormat.PNG else sensor_msgs.IMAGE_RAW
        if adapter is not None:
            return plan_for_adapter(in_session_layout(adapter) if layout == "session" else adapter)
        if unknown == UnknownTypes.SKIP:
            return None
        if unknown == UnknownTypes.ERROR:
            raise UnsupportedMessageType(
                f"topic {topic!r}: no adapter for {ros_type}; set unknown_types to 'fallback' to record it "
                "losslessly, 'skip' to ignore it, or register one with adapters.extra ('module:NAME')")
        if layout == "session":  # the official 0.7 bridge's Unmodeled representation
            unmodeled = unmodeled_plan(ros_type, msg_class)
            return TopicPlan(ros_type, unmodeled.ontology_tag, "default", unmodeled.schema,
                             {**envelope(None), **unmodeled.getters}, mapped=False)
        fallback = fallback_plan(ros_type, msg_class)
        return TopicPlan(ros_type, fallback.ontology_tag, "default", fallback.schema,
                         {**envelope(fallback.header_source), **fallback.getters}, mapped=False)


def load_adapters(spec: str) -> list[Adapter]:
    """Adapters named by `module:NAME` (an Adapter or an iterable of Adapters)."""
    module_name, _, attribute = spec.partition(":")
    try:
        value = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ConfigError(f"adapters.extra entry {spec!r} cannot be loaded ({exc}); write it as 'module:NAME' "
                          "where NAME is an Adapter or a list of Adapters") from exc
    adapters = [value] if isinstance(value, Adapter) else list(value)
    if not all(isinstance(a, Adapter) for a in adapters):
        raise ConfigError(f"adapters.extra entry {spec!r} is not an Adapter or a list of Adapters")
    return adapters
