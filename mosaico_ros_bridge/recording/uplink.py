"""Uplink: one topic's DoPut stream fed from its own thread. Live, it takes batches from a short queue;
when the server falls behind (queue full) or after a reconnect, it reads what it has not sent from the
spool until it has caught up, then goes live again. Without a spool every batch comes live and a full
queue makes the writer wait (back-pressure), bounded by the stall check."""
from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, Protocol

import pyarrow as pa

from mosaico_ros_bridge.client import TopicStream
from mosaico_ros_bridge.errors import MosaicoBridgeError, SpoolError, UploadStalled, forget_traceback
from mosaico_ros_bridge.spool import SpoolReader
from mosaico_ros_bridge.writers import TopicStats

MAX_QUEUED = 8  # live batches waiting for the network; beyond, the uplink reads the spool


@dataclass(frozen=True)
class StallRule:
    """When an upload counts as stalled: no batch completed for `timeout_s` plus the time the batch
    being sent needs at `min_rate` bytes/s — a slow but live link is not a dead server."""

    timeout_s: float
    min_rate: float = 125_000.0  # 1 Mbit/s

    def allowance(self, sending_bytes: int) -> float:
        return self.timeout_s + sending_bytes / self.min_rate


class UplinkOwner(Protocol):
    """The sink an uplink works for: its counters, how many batches it holds, and what to call when
    the upload fails (`failed`), the spool cannot be read back (`spool_fault`) or a bug ends it (`fatal`)."""

    topic: str
    stats: TopicStats
    lock: threading.Lock
    batches: int
    on_sent: Callable[[pa.RecordBatch], None]

    def failed(self, uplink: "Uplink", exc: MosaicoBridgeError) -> None: ...
    def spool_fault(self, exc: SpoolError) -> None: ...
    def fatal(self, exc: BaseException) -> None: ...


class Uplink:
    def __init__(self, owner: UplinkOwner, stream: TopicStream, reader: SpoolReader | None) -> None:
        """reader: the topic's spool, read back from batch 0 (None: every batch comes live)."""
        self.owner = owner
        self.stream = stream
        self.sent = 0
        self.caught_up = reader is None or owner.batches == 0
        self.error: BaseException | None = None
        self.progress_at = time.monotonic()
        self._sending = 0  # bytes of the batch being written now (0 between writes)
        self._reader = reader
        self._queue: deque[pa.RecordBatch | None] = deque()  # None: finish the stream
        self._cond = threading.Condition()
        self._abandoned = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"uplink {owner.topic}", daemon=True)
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
                raise UploadStalled(f"the upload of topic {self.owner.topic!r} was "
                                    + ("abandoned" if self._abandoned else f"ended ({self.error})"))
            if ended or len(self._queue) >= MAX_QUEUED:
                return False
            self._queue.append(batch)
            self._cond.notify_all()
            return True

    def fall_behind(self) -> None:
        """The caller holds the owner's lock: from now on batches are read from the spool."""
        with self._cond:
            self.caught_up = False
            self._cond.notify_all()

    def wait_caught_up(self) -> None:
        """Until everything spooled has been sent (the spool was lost while behind)."""
        with self._cond:
            while not self.caught_up and not self._abandoned and not self._done.is_set():
                self._cond.wait(0.1)
            if not self.caught_up:
                raise UploadStalled(f"the upload of topic {self.owner.topic!r} ended while catching up")

    def busy(self) -> bool:
        return not self.caught_up or bool(self._queue)

    def stalled(self, rule: StallRule) -> bool:
        return (not self._done.is_set() and self.busy()
                and time.monotonic() - self.progress_at > rule.allowance(self._sending))

    def restart_clock(self) -> None:
        """Progress is judged from now (the part's other topics were being opened until now)."""
        self.progress_at = time.monotonic()

    def finish(self, rule: StallRule, cancelled: Callable[[], bool]) -> None:
        """Half-close after everything the topic wrote and wait for the server to store the stream;
        `cancelled` true (the operator stops now) abandons it: UploadStalled, the spool keeps it."""
        with self._cond:
            self._queue.append(None)
            self._cond.notify_all()
        while not self._done.wait(timeout=0.1):
            if cancelled():
                self.abandon()
                raise UploadStalled(f"stopped before topic {self.owner.topic!r} was uploaded")
            if self.stalled(rule):
                self.abandon()
                raise UploadStalled(f"the server made no progress on topic {self.owner.topic!r} for "
                                    f"{time.monotonic() - self.progress_at:.0f} s")
        # raised, the error gets a traceback holding this frame: neither the uplink nor the frame may
        # keep it then, or error, frame and part form a reference cycle only a full collection frees
        error, self.error = self.error, None
        if error is not None:
            try:
                raise error
            finally:
                del error

    def abandon(self) -> None:
        with self._cond:
            self._abandoned = True
            self._cond.notify_all()

    def join(self, timeout: float) -> bool:
        """Wait for the thread to end; True if it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        try:
            while (batch := self._next()) is not None:
                self._write(batch)
            if self._abandoned:
                self.stream.abandon()
            else:
                self._catch_up()  # finishing: everything the spool holds goes first
                self.stream.finish()
        except MosaicoBridgeError as exc:
            forget_traceback(exc)
            self.error = exc
            if not self._abandoned:
                self.owner.failed(self, exc)
        except Exception as exc:  # a bug: it ends the recording with its traceback, never a reconnect
            self.error = exc
            self.owner.fatal(exc)
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
        self._sending = batch.nbytes
        self.stream.write(batch)
        self._sending = 0
        self.sent += 1
        self.progress_at = time.monotonic()
        self.owner.on_sent(batch)

    def _catch_up(self) -> None:
        """Send what the spool holds beyond `sent`; a batch that cannot be read back is skipped,
        counted and reported (a spool fault, not a lost server)."""
        while not self._abandoned:
            with self.owner.lock:  # held while deciding: a batch written meanwhile would go neither live nor here
                target = self.owner.batches
                if self._reader is None or self.sent >= target:
                    with self._cond:
                        self.caught_up = True
                        self._cond.notify_all()
                    return
            for index in range(self.sent, target):
                if self._abandoned:
                    return
                try:
                    batch = self._reader.read(index)
                except SpoolError as exc:
                    self.sent += 1
                    self.owner.stats.add(unreadable=1)
                    self.owner.spool_fault(exc)
                    continue
                self._write(batch)
                self.owner.stats.add(from_spool=1)
