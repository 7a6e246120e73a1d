"""The recorder's status on `~/status` as a diagnostic_msgs/DiagnosticArray: one DiagnosticStatus per
topic with received, lost before the recorder (DDS), written, dropped, bytes, rate and queue depth (standard tooling such as
rqt_runtime_monitor or `ros2 topic echo` shows it)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue

from mosaico_ros_bridge.dds_loss import PublicationGaps
from mosaico_ros_bridge.writers.topic import TopicWriter


@dataclass
class TopicCounters:
    """Per-topic counters owned by the node; `received` is bumped on the ROS executor only."""

    name: str
    ros_type: str
    writer: TopicWriter
    received: int = 0
    gaps: PublicationGaps = field(default_factory=PublicationGaps)  # counted on the ROS executor only
    _last_count: int = 0
    _last_time: float = field(default_factory=time.monotonic)
    rate_hz: float = 0.0

    def sample_rate(self) -> float:
        now = time.monotonic()
        elapsed = now - self._last_time
        if elapsed > 0:
            self.rate_hz = (self.received - self._last_count) / elapsed
        self._last_count, self._last_time = self.received, now
        return self.rate_hz

    @property
    def lost(self) -> int:
        """Messages lost before the recorder: gaps in the publishers' sequence numbers."""
        return self.gaps.lost

    @property
    def dropped(self) -> int:
        return self.writer.stats.dropped

    @property
    def queue_depth(self) -> int:
        """Records received but not yet handed to the server (buffered, not yet encoded)."""
        return self.writer.buffered


def status_message(stamp: object, sequence: str, topics: list[TopicCounters], live: bool = True) -> DiagnosticArray:
    """One DiagnosticStatus per topic; `upload` says whether data reaches the server now or only the spool."""
    array = DiagnosticArray()
    array.header.stamp = stamp
    for topic in topics:
        stats = topic.writer.stats
        values = {"ros_type": topic.ros_type, "received": topic.received, "lost": topic.lost, "written": stats.written,
                  "dropped": topic.dropped, "rejected": stats.rejected, "bytes": stats.bytes_written, "rate_hz": f"{topic.sample_rate():.2f}",
                  "queue_depth": topic.queue_depth, "pending_batches": topic.writer.pending_batches,
                  "from_spool": stats.from_spool, "unreadable": stats.unreadable,
                  "python_encoded": stats.python_encoded,
                  "upload": "live" if live else "spool only (server unreachable)"}
        healthy = topic.dropped == 0 and topic.lost == 0 and stats.rejected == 0 and topic.writer.is_active() and live
        level = DiagnosticStatus.OK if healthy else DiagnosticStatus.WARN
        array.status.append(DiagnosticStatus(
            level=level, name=f"mosaico_recorder: {topic.name}", hardware_id=sequence,
            message=f"{topic.rate_hz:.1f} Hz, {stats.written} written, {topic.dropped} dropped, {topic.lost} lost before",
            values=[KeyValue(key=k, value=str(v)) for k, v in values.items()]))
    return array
