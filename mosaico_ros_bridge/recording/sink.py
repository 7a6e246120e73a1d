"""SpooledSink: a topic's batches go to its spool file first; an Uplink thread feeds them to the live
DoPut stream. Recording never waits for the network: a failed or stalled upload is dropped (the
recording goes on into the spool) and a new Uplink first re-sends what the spool holds that its
stream has not seen, so the server ends up with each batch exactly once."""
from __future__ import annotations

import threading
import time
from collections import deque
from typing import Callable

import pyarrow as pa
import pyarrow.flight as fl

from mosaico_ros_bridge.errors import SpoolError
from mosaico_ros_bridge.spool import SpoolReader, TopicSpool

Broken = Callable[[str, BaseException], None]
MAX_QUEUED = 8  # batches waiting for the network before the upload counts as stalled


class UploadStalled(ConnectionError):
    """The server stopped taking data (no progress, or too many batches waiting)."""


class Uplink:
    """One DoPut stream fed from its own thread: catch-up from the spool, then the queue."""

    def __init__(self, sink: "SpooledSink", stream: fl.FlightStreamWriter, reader: SpoolReader | None) -> None:
        self.sink = sink
        self._sent = sink.on_sent
        self.stream = stream
        self.caught_up = reader is None
        self.error: BaseException | None = None
        self.progress_at = time.monotonic()
        self.resent = 0
        self._reader = reader
        self._queue: deque[pa.RecordBatch | None] = deque()  # None: finish the stream
        self._cond = threading.Condition()
        self._abandoned = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"uplink {sink.topic}", daemon=True)
        self._thread.start()

    def offer(self, batch: pa.RecordBatch) -> bool:
        with self._cond:
            if len(self._queue) >= MAX_QUEUED:
                return False
            self._queue.append(batch)
            self._cond.notify()
            return True

    def busy(self) -> bool:
        return not self.caught_up or bool(self._queue)

    def stalled(self, timeout: float) -> bool:
        return not self._done.is_set() and self.busy() and time.monotonic() - self.progress_at > timeout

    def finish(self, stall_timeout: float) -> None:
        """Half-close after the queued batches and wait for the server to store the stream."""
        with self._cond:
            self._queue.append(None)
            self._cond.notify()
        while not self._done.wait(timeout=0.1):
            if self.stalled(stall_timeout):
                self.abandon()
                raise UploadStalled(f"the server made no progress on topic {self.sink.topic!r} for {stall_timeout:g} s")
        if self.error is not None:
            raise self.error

    def abandon(self) -> None:
        with self._cond:
            self._abandoned = True
            self._cond.notify()

    def _run(self) -> None:
        try:
            self._catch_up()
            while True:
                with self._cond:
                    while not self._queue and not self._abandoned:
                        self._cond.wait()
                    if self._abandoned:
                        break
                    batch = self._queue.popleft()
                if batch is None:
                    self.stream.done_writing()
                    self.stream.close()
                    return
                self.stream.write_batch(batch)
                self.progress_at = time.monotonic()
                self._sent(batch)
            _close_quietly(self.stream)
        except Exception as exc:
            self.error = exc
            if not self._abandoned:
                self.sink._uplink_failed(self, exc)
        finally:
            self._done.set()

    def _catch_up(self) -> None:
        if self._reader is None:
            return
        sent = 0
        while not self._abandoned:
            with self.sink._lock:
                target = self.sink.batches
                if sent == target:
                    self.caught_up = True
                    return
            for batch in self._reader.read(target - sent):
                self.stream.write_batch(batch)
                self.progress_at = time.monotonic()
                self._sent(batch)
            self.resent += target - sent
            sent = target


class SpooledSink:
    """BatchSink of one topic of one part. `spool` None means no spool (spool.enabled false)."""

    def __init__(self, topic: str, sequence: str, spool: TopicSpool | None, on_broken: Broken,
                 on_spool_lost: Callable[[str], None],
                 on_sent: Callable[[pa.RecordBatch], None] = lambda _: None) -> None:
        self.topic = topic
        self.on_sent = on_sent
        self.sequence = sequence
        self.spool = spool
        self.spooling = spool is not None
        self.batches = 0
        self.bytes = 0
        self.uplink: Uplink | None = None
        self._on_broken = on_broken
        self._on_spool_lost = on_spool_lost
        self._lock = threading.Lock()

    @property
    def live(self) -> bool:
        uplink = self.uplink
        return uplink is not None and uplink.caught_up

    def write(self, batch: pa.RecordBatch) -> None:
        with self._lock:
            if self.spool is not None:
                try:
                    self.spool.append(batch)
                except (OSError, pa.ArrowException) as exc:
                    self._lose_spool(exc)
            self.batches += 1
            self.bytes += batch.nbytes
            uplink = self.uplink
            if uplink is None or not uplink.caught_up:  # a catching-up uplink reads it from the spool
                return
            if not uplink.offer(batch):
                self.uplink = None
                uplink.abandon()
                stalled = UploadStalled(f"{MAX_QUEUED} batches of topic {self.topic!r} are waiting for the server")
                if self.spool is None:
                    raise stalled
                self._on_broken(self.topic, stalled)

    def _lose_spool(self, exc: BaseException) -> None:
        """Disk full (or failing): go on live if the server takes the data, else nothing can keep it."""
        self.spool = None
        where = f"topic {self.topic!r} of sequence {self.sequence!r}"
        if self.uplink is None:
            raise SpoolError(f"{where}: the spool cannot be written ({exc}) and the server is not reachable, so "
                             "new data cannot be kept; free space on the spool disk (spool.dir) — what was "
                             "spooled before is intact and will be uploaded") from exc
        self._on_spool_lost(f"{where}: the spool cannot be written ({exc}); recording goes on to the server "
                            "only, without a local copy — free space on the spool disk (spool.dir)")

    def attach(self, stream: fl.FlightStreamWriter) -> None:
        """Feed a new stream: every batch spooled so far (re-sent by the uplink), then the live ones."""
        if self.spooling and self.spool is None:
            raise SpoolError(f"topic {self.topic!r} of sequence {self.sequence!r} cannot be re-uploaded: its spool "
                             "stopped (disk full) while the server was unreachable")
        with self._lock:
            reader = self.spool.reader() if self.spool is not None and self.batches else None
            self.uplink = Uplink(self, stream, reader)

    def _uplink_failed(self, uplink: Uplink, exc: BaseException) -> None:
        with self._lock:
            if self.uplink is not uplink:
                return
            self.uplink = None
        self._on_broken(self.topic, exc)

    def detach(self) -> None:
        with self._lock:
            uplink, self.uplink = self.uplink, None
        if uplink is not None:
            uplink.abandon()

    def finish(self, stall_timeout: float) -> None:
        """Complete the live stream (everything queued first); raises if the server did not store it."""
        with self._lock:
            uplink, self.uplink = self.uplink, None
        if uplink is None:
            raise SpoolError(f"topic {self.topic!r} of sequence {self.sequence!r} has no live upload")
        uplink.finish(stall_timeout)

    # BatchSink: the part ends streams itself (finish); the writer's drain only ends the spool file.
    def done_writing(self) -> None:
        if self.spool is not None:
            self.spool.close()

    def close(self) -> None:
        pass


def _close_quietly(stream: fl.FlightStreamWriter) -> None:
    try:
        stream.done_writing()
        stream.close()
    except Exception:
        pass
