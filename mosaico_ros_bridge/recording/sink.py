"""SpooledSink: a topic's batches go to its spool file first; an Uplink feeds them to the live DoPut
stream. Recording never waits for the network: a server slower than the data is fed from the spool
until it catches up; a failed or stalled upload is dropped (the recording goes on into the spool) and
a new Uplink first re-sends what the spool holds, so the server ends up with each batch exactly once.
`spool` becomes None only when the spool disk refused a write: from then on the live stream is the
only copy."""
from __future__ import annotations

import pyarrow as pa

from mosaico_ros_bridge.client import TopicStream
from mosaico_ros_bridge.errors import SpoolError
from mosaico_ros_bridge.recording.stream_sink import SinkHooks, StreamSink
from mosaico_ros_bridge.recording.uplink import Uplink
from mosaico_ros_bridge.spool import TopicSpool
from mosaico_ros_bridge.writers import TopicStats


class SpooledSink(StreamSink):
    def __init__(self, topic: str, sequence: str, spool: TopicSpool, hooks: SinkHooks, stats: TopicStats) -> None:
        super().__init__(topic, sequence, hooks, stats)
        self.spool: TopicSpool | None = spool

    def write(self, batch: pa.RecordBatch) -> None:
        with self.lock:
            if self.spool is not None:
                try:
                    self.spool.append(batch)
                except (OSError, pa.ArrowException) as exc:
                    self._lose_spool(exc)
            uplink = self.uplink
            if self.spool is not None:
                self.batches += 1
                self.bytes += batch.nbytes
                if uplink is not None and uplink.caught_up and not uplink.offer(batch, wait=False):
                    uplink.fall_behind()  # the server is slower than the data: it reads the spool
                return
        if uplink is None:  # the spool was lost while the server was away: nothing can keep the batch
            raise SpoolError(f"{self.where()}: the spool stopped (disk full) and the server is not reachable; "
                             "new data cannot be kept — free space on the spool disk (spool.dir)")
        uplink.wait_caught_up()  # outside the lock, so the uplink can catch up
        uplink.offer(batch, wait=True)  # not under the lock: a detach must be able to abandon it
        with self.lock:
            self.batches += 1
            self.bytes += batch.nbytes

    def _lose_spool(self, exc: BaseException) -> None:
        """Disk full (or failing): go on live if the server takes the data, else nothing can keep it."""
        self.spool = None
        if self.uplink is None:
            raise SpoolError(f"{self.where()}: the spool cannot be written ({exc}) and the server is not reachable, "
                             "so new data cannot be kept; free space on the spool disk (spool.dir) — what was "
                             "spooled before is intact and will be uploaded") from exc
        self.hooks.spool_fault(f"{self.where()}: the spool cannot be written ({exc}); recording goes on to the "
                               "server only, without a local copy — free space on the spool disk (spool.dir)")

    def attach(self, stream: TopicStream) -> None:
        """Feed a new stream: every batch spooled so far (re-sent by the uplink), then the live ones."""
        if self.spool is None:
            raise SpoolError(f"{self.where()} cannot be re-uploaded: its spool stopped (disk full) while the "
                             "server was unreachable")
        with self.lock:
            self.uplink = Uplink(self, stream, self.spool.reader())

    def done_writing(self) -> None:
        """The writer's drain ends the spool file; the part ends the stream (finish)."""
        if self.spool is not None:
            self.spool.close()
