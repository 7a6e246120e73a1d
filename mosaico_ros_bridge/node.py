"""The recorder node: discovers the configured topics, subscribes to each (raw CDR, QoS adapted to its
publishers) and hands every message to its topic's TopicWriter without blocking the ROS executor;
deserialization and Arrow encoding happen on the topic's executor. Publishes ~/status.
"""
from __future__ import annotations

import inspect
import threading
import time
from typing import Any, Callable

from diagnostic_msgs.msg import DiagnosticArray
from rclpy.node import Node
from rclpy.task import Future

from mosaico_ros_bridge.adapters import AdapterRegistry, Received, TopicPlan, UnknownTypes, message_class
from mosaico_ros_bridge.adapters.ros_metadata import ROS_KEY, ros_metadata
from mosaico_ros_bridge.config import RecorderConfig, load_config
from mosaico_ros_bridge.client.names import validate_topic_name
from mosaico_ros_bridge.errors import InvalidName, MosaicoBridgeError, UnsupportedMessageType
from mosaico_ros_bridge.heap import release_surplus
from mosaico_ros_bridge.ontology.columnar import COMPILED
from mosaico_ros_bridge.ontology.images import ImageFormat
from mosaico_ros_bridge.qos import adapted_qos, describe, queue_depth
from mosaico_ros_bridge.recording import Recording, StopReport, TopicSpec
from mosaico_ros_bridge.status import TopicCounters, status_message

NODE_NAME = "mosaico_recorder"
HEAP_CHECK_S = 5.0  # how often the kept free heap is checked against its bound (heap.release_surplus)


class WithMessageInfo:
    """A subscription callback that gets the MessageInfo too. rclpy passes it to callbacks whose
    signature takes two arguments: the wait-set executors as a second argument, rclpy 7.1.6's
    EventsExecutor as one (message, info) tuple; both forms are accepted here."""

    __signature__ = inspect.Signature([inspect.Parameter("msg", inspect.Parameter.POSITIONAL_ONLY),
                                       inspect.Parameter("info", inspect.Parameter.POSITIONAL_ONLY)])

    def __init__(self, callback: Callable[[bytes, dict[str, Any]], None]) -> None:
        self._callback = callback

    def __call__(self, *args: Any) -> None:
        self._callback(*(args[0] if len(args) == 1 else args))


class RecorderNode(Node):
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
        self.recording = Recording(self.config, self.get_logger(), self._fail)
        self._status = self.create_publisher(DiagnosticArray, "~/status", 10)

    @property
    def sequence_name(self) -> str:
        part = self.recording.part
        return part.name if part else ""

    def start(self) -> None:
        """Create the sequence (or start into the spool) and start discovery, flushes and status."""
        config = self.config
        if not COMPILED:
            self.get_logger().warning("the encoder's C loop (ontology/_gather) is not built: encoding uses the "
                                      "pure-Python path (~4x the CPU per record); rebuild with a C compiler "
                                      "(make env, pip install or colcon build)")
        self.recording.start()
        self.create_timer(config.topics.discovery_period_s, self._guarded(self.discover))
        self.create_timer(config.writer.flush_period_s, self._guarded(self._flush))
        self.create_timer(config.status.period_s, self._guarded(self._publish_status))
        self.create_timer(HEAP_CHECK_S, self._guarded(release_surplus))  # bounded RSS through reconnect storms
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
            validate_topic_name(name)
        except InvalidName as exc:  # e.g. hidden topics ('/_x'): the server's read path cannot serve them
            self.get_logger().error(f"{exc}; topic not recorded (exclude it with topics.exclude_regex)")
            self._ignored.add(name)
            return
        try:
            msg_class = message_class(ros_type)
            plan = self.registry.plan(ros_type, msg_class, topic=name,
                                      image_format=ImageFormat(options.image_format if options else "raw"),
                                      unknown=UnknownTypes(self.config.topics.unknown_types),
                                      layout=self.recording.layout, pointcloud_as=options.pointcloud_as if options else "")
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
        depth = queue_depth(msg_class, self.config.topics)
        self._subscribe(name, plan, msg_class, adapted_qos(publishers, options, depth))

    def _topic_metadata(self, ros_type: str) -> dict[str, Any]:
        """Seed servers: `ros:type`. Session servers: the official bridge's `_ros_` (type, constants,
        definition), so live recordings and ingested bags describe their topics alike."""
        if self.recording.layout != "session":
            return {**self.config.sequence.metadata, "ros:type": ros_type}
        try:
            ros = ros_metadata(ros_type)
        except UnsupportedMessageType as exc:
            self.get_logger().warning(f"{exc}; its topics carry only the type name in _ros_")
            ros = {"msgtype": ros_type}
        return {**self.config.sequence.metadata, ROS_KEY: ros}

    def _subscribe(self, name: str, plan: TopicPlan, msg_class: type, qos: Any) -> None:
        metadata = self._topic_metadata(plan.ros_type)
        spec = TopicSpec(plan.topic(name, metadata), lambda: plan.encoder(msg_class, raw=True))
        counters = TopicCounters(name, plan.ros_type, self.recording.add_topic(spec))
        self.topics[name] = counters

        gaps = counters.gaps

        def on_message(raw: bytes, info: dict[str, Any]) -> None:
            counters.received += 1
            lost = gaps.observe(info["publication_sequence_number"], subscription.get_publisher_count)
            if lost:
                self.recording.note_lost(name, lost)
            try:  # counters.writer changes when the sequence is split (on this same thread)
                counters.writer.push_item(Received(time.time_ns(), raw), len(raw), False)
            except MosaicoBridgeError as exc:
                self._fail(exc)

        subscription = self.create_subscription(msg_class, name, WithMessageInfo(on_message), qos, raw=True)
        kind = plan.ontology_tag if plan.mapped else f"{plan.ontology_tag} (lossless fallback)"
        self.get_logger().info(f"topic added: {name} [{plan.ros_type} -> {kind}, {describe(qos)}]")

    def _flush(self) -> None:
        if self.recording.split_due():
            for name, writer in self.recording.split().items():
                self.topics[name].writer = writer
        for counters in self.topics.values():
            counters.writer.flush(block=False)

    def _publish_status(self) -> None:
        stamp = self.get_clock().now().to_msg()
        self._status.publish(status_message(stamp, self.sequence_name, list(self.topics.values()), self.recording.live))

    def finish(self, error: BaseException | None, now: threading.Event | None = None) -> StopReport:
        """Flush and finalize everything (or leave it in the spool, at once when `now` is set); logs
        one summary line."""
        report = self.recording.stop(error, now)
        counts = self.totals()
        done = ", ".join(report.finalized) or "none"
        records = f"{counts['written']} record(s) sent, {report.stored}" if report.stored else f"{counts['written']} record(s)"
        summary = (f"recording stopped: finalized {done}; {len(self.topics)} topic(s), {records}, "
                   f"{counts['bytes'] / 1e6:.1f} MB, {counts['dropped']} dropped and {counts['rejected']} rejected "
                   f"of {counts['received']} received, {counts['lost']} lost before the recorder")
        latency = self.recording.latency.percentiles_ms()
        if latency:
            summary += f"; receive->server latency p50 {latency[0]:.1f} ms, p99 {latency[1]:.1f} ms"
        if report.error:
            summary += f"; error: {report.error}"
        for directory in report.kept:
            summary += (f"; not uploaded yet, kept in the spool {directory} (it is uploaded at the next start, or "
                        f"run `python -m mosaico_ros_bridge.upload {directory}`)")
        (self.get_logger().info if not (report.error or report.kept) else self.get_logger().error)(summary)
        return report

    def totals(self) -> dict[str, int]:
        stats = [t.writer.stats for t in self.topics.values()]
        return {"received": sum(t.received for t in self.topics.values()), "written": sum(s.written for s in stats),
                "bytes": sum(s.bytes_written for s in stats), "dropped": sum(s.dropped for s in stats),
                "rejected": sum(s.rejected for s in stats), "lost": sum(t.lost for t in self.topics.values())}
