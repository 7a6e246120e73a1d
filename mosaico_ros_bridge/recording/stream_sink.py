"""What the recorder's two sinks share: a topic's batch counts, its current Uplink (None while the
server is away), and the hooks through which it reports to its recording. `SpooledSink` puts the
spool in front of the stream; `LiveSink` (no spool) writes to the stream only."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable

import pyarrow as pa

from mosaico_ros_bridge.client import TopicStream
from mosaico_ros_bridge.errors import MosaicoBridgeError, SpoolError, UploadStalled
from mosaico_ros_bridge.recording.uplink import StallRule, Uplink
from mosaico_ros_bridge.writers import TopicStats

Broken = Callable[[str, MosaicoBridgeError], None]  # (what, why): a stream failed; the server is taken as lost


@dataclass(frozen=True)
class SinkHooks:
    """What a sink reports to its recording: a lost server, a spool it cannot use, a bug, a batch sent."""

    broken: Broken
    spool_fault: Callable[[str], None]
    fatal: Callable[[BaseException], None]
    sent: Callable[[pa.RecordBatch], None]


class StreamSink:
    """Base of the recorder's BatchSinks (one topic of one part); also the UplinkOwner of its uplinks."""

    def __init__(self, topic: str, sequence: str, hooks: SinkHooks, stats: TopicStats) -> None:
        self.topic = topic
        self.sequence = sequence
        self.stats = stats
        self.hooks = hooks
        self.on_sent = hooks.sent
        self.batches = 0
        self.bytes = 0
        self.uplink: Uplink | None = None
        self._finishing: Uplink | None = None  # while finish() waits; then only its count stays (no cycle)
        self._finished_sent = 0
        self.lock = threading.Lock()

    @property
    def live(self) -> bool:
        return self.uplink is not None

    def write(self, batch: pa.RecordBatch) -> None:
        raise NotImplementedError

    def attach(self, stream: TopicStream) -> None:
        """Feed a newly opened stream of the topic."""
        raise NotImplementedError

    def where(self) -> str:
        return f"topic {self.topic!r} of sequence {self.sequence!r}"

    def failed(self, uplink: Uplink, exc: MosaicoBridgeError) -> None:
        with self.lock:
            if self.uplink is not uplink:
                return
            self.uplink = None
            self._note_failure(exc)
        self.hooks.broken(self.topic, exc)

    def _note_failure(self, exc: MosaicoBridgeError) -> None:
        """Called under the lock when the current uplink failed."""

    def spool_fault(self, exc: SpoolError) -> None:
        self.hooks.spool_fault(f"{exc}; {self.where()} goes on without it (counted as unreadable on ~/status)")

    def fatal(self, exc: BaseException) -> None:
        self.hooks.fatal(exc)

    def detach(self) -> Uplink | None:
        """Abandon the live upload; returns its uplink (its thread ends at its next step, or when the
        connection closes if it is inside a write)."""
        with self.lock:
            uplink, self.uplink = self.uplink, None
        if uplink is not None:
            uplink.abandon()
        return uplink

    def finish(self, rule: StallRule, cancelled: Callable[[], bool]) -> None:
        """Complete the live stream (everything queued first); raises if the server did not store it
        or `cancelled` became true first."""
        with self.lock:
            uplink, self.uplink = self.uplink, None
        if uplink is None:
            raise UploadStalled(f"{self.where()} has no live upload")
        self._finishing = uplink
        try:
            uplink.finish(rule, cancelled)
        finally:
            self._finished_sent, self._finishing = uplink.sent, None

    def backlog(self) -> int:
        """Batches of this topic its server stream has not received yet."""
        uplink = self.uplink or self._finishing
        return self.batches - (uplink.sent if uplink is not None else self._finished_sent)

    def done_writing(self) -> None:
        """BatchSink: the part ends streams itself (finish)."""

    def close(self) -> None:
        pass
