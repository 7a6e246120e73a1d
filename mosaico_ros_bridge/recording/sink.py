"""SpooledSink: a topic's batches go to its spool file first; an Uplink thread feeds them to the live
DoPut stream. Recording never waits for the network: a server slower than the data is fed from the
spool until it catches up; a failed or stalled upload is dropped (the recording goes on into the
spool) and a new Uplink first re-sends what the spool holds, so the server ends up with each batch
exactly once."""
from __future__ import annotations

import threading
import time
from collections import deque
from typing import Callable

import pyarrow as pa
import pyarrow.flight as fl

from mosaico_ros_bridge.errors import SpoolError
from mosaico_ros_bridge.spool import TopicSpool
from mosaico_ros_bridge.writers.topic import TopicStats

Broken = Callable[[str, BaseException], None]
ATTACH_WAIT_S = 30.0  # without a spool, how long a batch waits for its topic's upload to open
MAX_QUEUED = 8  # live batches waiting for the network; beyond, the uplink reads the spool


class UploadStalled(ConnectionError):
    """The server stopped taking data (no progress for server.stall_timeout_s)."""


class Uplink:
    """One DoPut stream fed from its own thread. Live, it takes batches from a short queue; when the
    server falls behind (queue full) or after a reconnect, it reads what it has not sent from the
    spool until it has caught up, then goes live again. Without a spool, a full queue makes the
    writer wait (back-pressure), bounded by the stall check."""

    def __init__(self, sink: "SpooledSink", stream: fl.FlightStreamWriter, sent: int) -> None:
        """sent: batches of the topic this stream already holds (0 for a new stream)."""
        self.sink = sink
        self._sent = sink.on_sent
        self.stream = stream
        self.sent = sent
        self.caught_up = sent == sink.batches or sink.spool is None  # nothing to read back without a spool
        self.error: BaseException | None = None
        self.progress_at = time.monotonic()
        self.resent = 0
        self._reader = sink.spool.reader() if sink.spool is not None else None
        self._queue: deque[pa.RecordBatch | None] = deque()  # None: finish the stream
        self._cond = threading.Condition()
        self._abandoned = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"uplink {sink.topic}", daemon=True)
        self._thread.start()

    def offer(self, batch: pa.RecordBatch, wait: bool) -> bool:
        """Queue a live batch; False when the queue is full or the upload was abandoned or has
        failed (with `wait`, it waits for room instead and raises UploadStalled if the upload is
        abandoned or its thread ended: a full queue would never drain)."""
        with self._cond:
            while wait and len(self._queue) >= MAX_QUEUED and not self._abandoned and not self._done.is_set():
                self._cond.wait(0.1)
            ended = self._abandoned or self._done.is_set()
            if ended and wait:
                raise UploadStalled(f"the upload of topic {self.sink.topic!r} was "
                                    + ("abandoned" if self._abandoned else f"ended ({self.error})"))
            if ended or len(self._queue) >= MAX_QUEUED:
                return False
            self._queue.append(batch)
            self._cond.notify_all()
            return True

    def fall_behind(self) -> None:
        """The caller's lock is the sink's: from now on batches are read from the spool."""
        with self._cond:
            self.caught_up = False
            self._cond.notify_all()

    def wait_caught_up(self) -> None:
        """Until everything spooled has been sent (the spool was lost while behind)."""
        with self._cond:
            while not self.caught_up and not self._abandoned and not self._done.is_set():
                self._cond.wait(0.1)
            if not self.caught_up:
                raise UploadStalled(f"the upload of topic {self.sink.topic!r} ended while catching up")

    def busy(self) -> bool:
        return not self.caught_up or bool(self._queue)

    def stalled(self, timeout: float) -> bool:
        return not self._done.is_set() and self.busy() and time.monotonic() - self.progress_at > timeout

    def finish(self, stall_timeout: float) -> None:
        """Half-close after everything the topic wrote and wait for the server to store the stream."""
        with self._cond:
            self._queue.append(None)
            self._cond.notify_all()
        while not self._done.wait(timeout=0.1):
            if self.stalled(stall_timeout):
                self.abandon()
                raise UploadStalled(f"the server made no progress on topic {self.sink.topic!r} for {stall_timeout:g} s")
        if self.error is not None:
            raise self.error

    def abandon(self) -> None:
        with self._cond:
            self._abandoned = True
            self._cond.notify_all()

    def _run(self) -> None:
        try:
            while (batch := self._next()) is not None:
                self._write(batch)
            if not self._abandoned:
                self._catch_up()  # finishing: everything the spool holds goes first
                self.stream.done_writing()
                self.stream.close()
                return
            _close_quietly(self.stream)
        except Exception as exc:
            self.error = exc
            if not self._abandoned:
                self.sink._uplink_failed(self, exc)
        finally:
            if self._reader is not None:
                self._reader.close()
            self._done.set()

    def _next(self) -> pa.RecordBatch | None:
        """The next queued batch (catching up from the spool whenever the queue ran dry while
        behind); None to finish or when abandoned."""
        while True:
            with self._cond:
                while not self._queue and self.caught_up and not self._abandoned:
                    self._cond.wait()
                if self._abandoned:
                    return None
                if self._queue:
                    batch = self._queue.popleft()
                    self._cond.notify_all()
                    return batch
            self._catch_up()

    def _write(self, batch: pa.RecordBatch) -> None:
        self.stream.write_batch(batch)
        self.sent += 1
        self.progress_at = time.monotonic()
        self._sent(batch)

    def _catch_up(self) -> None:
        if self._reader is None:  # no spool: nothing can be read back, every batch came live
            with self._cond:
                self.caught_up = True
            return
        while not self._abandoned:
            with self.sink._lock:
                target = self.sink.batches
                if self.sent >= target:
                    with self._cond:
                        self.caught_up = True
                        self._cond.notify_all()
                    return
            for batch in self._reader.read(self.sent, target - self.sent):
                self._write(batch)
                self.resent += 1
                self.sink.stats.from_spool += 1


class SpooledSink:
    """BatchSink of one topic of one part. `spool` None means no spool (spool.enabled false)."""

    def __init__(self, topic: str, sequence: str, spool: TopicSpool | None, on_broken: Broken,
                 on_spool_lost: Callable[[str], None],
                 on_sent: Callable[[pa.RecordBatch], None] = lambda _: None,
                 stats: TopicStats | None = None) -> None:
        self.topic = topic
        self.stats = stats if stats is not None else TopicStats()
        self.on_sent = on_sent
        self.sequence = sequence
        self.spool = spool
        self.spooling = spool is not None
        self.batches = 0
        self.bytes = 0
        self.uplink: Uplink | None = None
        self._failure: BaseException | None = None  # of the last uplink, until a new one is attached
        self._finishing: Uplink | None = None
        self._on_broken = on_broken
        self._on_spool_lost = on_spool_lost
        self._lock = threading.Lock()
        self._attached = threading.Condition(self._lock)

    @property
    def live(self) -> bool:
        return self.uplink is not None

    def write(self, batch: pa.RecordBatch) -> None:
        with self._lock:
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
        # No local copy (spool off or lost): the stream must take this very batch, so wait for it to
        # be opened and for room (outside the lock, so the uplink can catch up); a dead server is
        # caught by the stall check.
        uplink = uplink or self._wait_attached()
        uplink.wait_caught_up()
        uplink.offer(batch, wait=True)  # not under the lock: a detach must be able to abandon it
        with self._lock:
            self.batches += 1
            self.bytes += batch.nbytes

    def _wait_attached(self) -> Uplink:
        """The live uplink, once opened; raises at once if the last one failed (nothing keeps the
        batch meanwhile: waiting for a reconnection would only hold the writer up)."""
        with self._attached:
            self._attached.wait_for(lambda: self.uplink is not None or self._failure is not None, ATTACH_WAIT_S)
            if self.uplink is not None:
                return self.uplink
            where = f"topic {self.topic!r} of sequence {self.sequence!r} has no spool and its upload"
            if self._failure is not None:
                raise UploadStalled(f"{where} failed ({self._failure})")
            raise UploadStalled(f"{where} was not opened within {ATTACH_WAIT_S:g} s")

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
            self.uplink = Uplink(self, stream, sent=0)
            self._failure = None
            self._attached.notify_all()

    def _uplink_failed(self, uplink: Uplink, exc: BaseException) -> None:
        with self._lock:
            if self.uplink is not uplink:
                return
            self.uplink = None
            self._failure = exc
            self._attached.notify_all()
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
        self._finishing = uplink
        uplink.finish(stall_timeout)

    def backlog(self) -> int:
        """Batches of this topic its server stream has not received yet."""
        uplink = self.uplink or self._finishing
        return self.batches - (uplink.sent if uplink is not None else 0)

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
