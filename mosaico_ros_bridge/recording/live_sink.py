"""LiveSink: a topic's batches straight to its live stream when the recorder runs without a spool
(spool.enabled false). Nothing else keeps them, so a batch waits for the stream to be opened and for
room (back-pressure), the supervisor's stall check bounds the wait, and a failed upload is fatal."""
from __future__ import annotations

import threading

import pyarrow as pa

from mosaico_ros_bridge.client import TopicStream
from mosaico_ros_bridge.errors import MosaicoBridgeError, UploadStalled
from mosaico_ros_bridge.recording.stream_sink import SinkHooks, StreamSink
from mosaico_ros_bridge.recording.uplink import Uplink
from mosaico_ros_bridge.writers import TopicStats

ATTACH_WAIT_S = 30.0  # how long a batch waits for its topic's upload to open


class LiveSink(StreamSink):
    def __init__(self, topic: str, sequence: str, hooks: SinkHooks, stats: TopicStats) -> None:
        super().__init__(topic, sequence, hooks, stats)
        self._failure: MosaicoBridgeError | None = None  # of the last uplink
        self._attached = threading.Condition(self.lock)

    def write(self, batch: pa.RecordBatch) -> None:
        uplink = self.uplink or self._wait_attached()
        uplink.offer(batch, wait=True)  # not under the lock: a detach must be able to abandon it
        with self.lock:
            self.batches += 1
            self.bytes += batch.nbytes

    def _wait_attached(self) -> Uplink:
        """The live uplink, once opened; raises at once if the last one failed (nothing keeps the
        batch meanwhile: waiting for a reconnection would only hold the writer up)."""
        with self._attached:
            self._attached.wait_for(lambda: self.uplink is not None or self._failure is not None, ATTACH_WAIT_S)
            if self.uplink is not None:
                return self.uplink
            where = f"{self.where()} has no spool and its upload"
            if self._failure is not None:
                raise UploadStalled(f"{where} failed ({self._failure})")
            raise UploadStalled(f"{where} was not opened within {ATTACH_WAIT_S:g} s")

    def attach(self, stream: TopicStream) -> None:
        with self.lock:
            self.uplink = Uplink(self, stream, None)
            self._failure = None
            self._attached.notify_all()

    def _note_failure(self, exc: MosaicoBridgeError) -> None:
        self._failure = exc
        self._attached.notify_all()
