"""The recorder node: discovers the configured topics, subscribes to each (raw CDR, QoS adapted to its
publishers) and hands every message to its topic's TopicWriter without blocking the ROS executor;
deserialization and Arrow encoding happen on the topic's executor. Publishes ~/status.
"""
from __future__ import annotations

import time
from typing import Any

from diagnostic_msgs.msg import DiagnosticArray
from rclpy.node import Node
from rclpy.task import Future

from mosaico_ros_bridge.adapters import AdapterRegistry, Received, TopicPlan, UnknownTypes, message_class
from mosaico_ros_bridge.client import MosaicoClient
from mosaico_ros_bridge.config import RecorderConfig, load_config
from mosaico_ros_bridge.errors import MosaicoBridgeError, UnsupportedMessageType
from mosaico_ros_bridge.ontology.images import ImageFormat
from mosaico_ros_bridge.qos import adapted_qos, describe
from mosaico_ros_bridge.status import TopicCounters, status_message
from mosaico_ros_bridge.writers import OnErrorPolicy, SequenceWriter

NODE_NAME = "mosaico_recorder"


class RecorderNode(Node):  # type: ignore[misc]
    """Records live topics into one Mosaico sequence. `fatal` completes when recording must stop."""

    def __init__(self, node_name: str = NODE_NAME, **kwargs: Any) -> None:
        super().__init__(node_name, allow_undeclared_parameters=True,
                         automatically_declare_parameters_from_overrides=True, **kwargs)
        by_name: dict[str, Any] = self.get_parameters_by_prefix("")  # rclpy annotates values; returns Parameters
        parameters = {name: p.value for name, p in by_name.items()}
        self.config: RecorderConfig = load_config(parameters)
        self.registry = AdapterRegistry(self.config.adapters.extra)
        self.fatal: Future = Future()
        self.topics: dict[str, TopicCounters] = {}
        self._ignored: set[str] = set()
        self._sequence: SequenceWriter | None = None
        self._status = self.create_publisher(DiagnosticArray, "~/status", 10)

    @property
    def sequence_name(self) -> str:
        return self._sequence.name if self._sequence else ""

    def start(self, client: MosaicoClient) -> None:
        """Create the sequence and start discovery, periodic flushes and status."""
        config = self.config
        self._sequence = client.sequence_create(
            config.sequence.resolved_name(), config.sequence.metadata, on_error=OnErrorPolicy(config.sequence.on_error),
            max_batch_size_bytes=config.writer.max_batch_size_bytes,
            max_batch_size_records=config.writer.max_batch_size_records)
        self._sequence.open()
        self.get_logger().info(f"sequence created: {self._sequence.name}")
        self.create_timer(config.topics.discovery_period_s, self._guarded(self.discover))
        self.create_timer(config.writer.flush_period_s, self._guarded(self._flush))
        self.create_timer(config.status.period_s, self._guarded(self._publish_status))
        self.discover()

    def _guarded(self, callback: Any) -> Any:
        """Timer callbacks report failures through `fatal` (the events executor does not re-raise)."""
        def run() -> None:
            try:
                callback()
            except Exception as exc:  # every failure must end the recording with its reason
                self._fail(exc)
        return run

    def _fail(self, exc: BaseException) -> None:
        if not self.fatal.done():
            self.fatal.set_result(exc)

    def discover(self) -> None:
        """Subscribe to selected topics that appeared since the last look."""
        own_status = self._status.topic_name
        for name, types in self.get_topic_names_and_types():
            if name in self.topics and len(types) > 1 and name not in self._ignored:
                self.get_logger().warning(f"topic {name} has several types {types}; recording only "
                                          f"{self.topics[name].ros_type} messages")
                self._ignored.add(name)
            if name in self.topics or name in self._ignored or name == own_status:
                continue
            if not self.config.topics.selects(name):
                continue
            if len(types) != 1:
                self.get_logger().warning(f"topic {name} has several types {types}; not recorded")
                self._ignored.add(name)
                continue
            publishers = self.get_publishers_info_by_topic(name)
            if publishers:
                self._add_topic(name, types[0], publishers)

    def _add_topic(self, name: str, ros_type: str, publishers: list[Any]) -> None:
        options = self.config.options_for(name)
        try:
            msg_class = message_class(ros_type)
            plan = self.registry.plan(ros_type, msg_class, topic=name,
                                      image_format=ImageFormat(options.image_format if options else "raw"),
                                      unknown=UnknownTypes(self.config.topics.unknown_types))
        except UnsupportedMessageType as exc:
            if self.config.topics.unknown_types == "error":
                raise
            self.get_logger().error(f"{exc}; topic {name} not recorded")
            self._ignored.add(name)
            return
        if plan is None:
            self.get_logger().warning(f"topic {name} ({ros_type}) has no adapter and unknown_types is 'skip'; not recorded")
            self._ignored.add(name)
            return
        self._subscribe(name, plan, msg_class, adapted_qos(publishers, options, self.config.topics.depth))

    def _subscribe(self, name: str, plan: TopicPlan, msg_class: type, qos: Any) -> None:
        assert self._sequence is not None
        metadata = {**self.config.sequence.metadata, "ros:type": plan.ros_type}
        writer = self._sequence.create_topic_writer(name, metadata, plan.ontology_tag, plan.serialization_format,
                                                    plan.encoder(msg_class, raw=True))
        counters = TopicCounters(name, plan.ros_type, writer)
        self.topics[name] = counters
        push = writer.push_item

        def on_message(raw: bytes) -> None:
            counters.received += 1
            try:
                push(Received(time.time_ns(), raw), len(raw), False)
            except MosaicoBridgeError as exc:
                self._fail(exc)

        self.create_subscription(msg_class, name, on_message, qos, raw=True)
        kind = plan.ontology_tag if plan.mapped else f"{plan.ontology_tag} (lossless fallback)"
        self.get_logger().info(f"topic added: {name} [{plan.ros_type} -> {kind}, {describe(qos)}]")

    def _flush(self) -> None:
        for counters in self.topics.values():
            counters.writer.flush(block=False)

    def _publish_status(self) -> None:
        stamp = self.get_clock().now().to_msg()
        self._status.publish(status_message(stamp, self.sequence_name, list(self.topics.values())))

    def finish(self, error: BaseException | None) -> str:
        """Finalize (error None) or apply on_error; returns the one-line summary that was logged."""
        if self._sequence is None:
            return "no sequence was created"
        try:
            self._sequence.close(error)
        except MosaicoBridgeError as exc:
            error = exc
        counts = self.totals()
        status = self._sequence.sequence_status.value
        verb = "finalized" if error is None else f"{status} (on_error={self.config.sequence.on_error}: {error})"
        summary = (f"sequence {self._sequence.name} {verb}: {len(self.topics)} topic(s), {counts['written']} record(s), "
                   f"{counts['bytes'] / 1e6:.1f} MB, {counts['dropped']} dropped of {counts['received']} received")
        (self.get_logger().info if error is None else self.get_logger().error)(summary)
        return summary

    def totals(self) -> dict[str, int]:
        stats = [t.writer.stats for t in self.topics.values()]
        return {"received": sum(t.received for t in self.topics.values()), "written": sum(s.written for s in stats),
                "bytes": sum(s.bytes_written for s in stats), "dropped": sum(s.dropped for s in stats)}
