"""TopicWriter: one topic's open DoPut stream. `push` only buffers; full batches are encoded and sent on
the topic's own executor; at most MAX_PENDING_BATCHES wait there, after which `push` blocks
(back-pressure instead of unbounded memory)."""
from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

import pyarrow as pa

from mosaico_ros_bridge.errors import WriterError
from mosaico_ros_bridge.ontology import Message
from mosaico_ros_bridge.protocol import MAX_MESSAGE_SIZE
from mosaico_ros_bridge.writers.buffer import BatchBuffer
from mosaico_ros_bridge.writers.config import MAX_PENDING_BATCHES, TopicLevelErrorPolicy, WriterConfig
from mosaico_ros_bridge.writers.encoders import BatchEncoder
from mosaico_ros_bridge.writers.sinks import BatchSink

OVERFLOW_FACTOR = 4  # batches a non-blocking push may buffer before refusing...
OVERFLOW_MIN_ITEMS = 256  # ...but never fewer records: a camera batched one frame at a time would otherwise
                          # drop after 4 frames (0.13 s at 30 Hz) of lag; max_buffered_bytes still bounds memory
MESSAGE_BUDGET = MAX_MESSAGE_SIZE - 1024 * 1024  # the server's limit less room for IPC framing
Rejects = Callable[[str, str], None]  # (kind, message): a record was refused, recording goes on


@dataclass
class TopicStats:
    """Per-topic counters read by status reporting. Every thread that counts (the caller's, the topic's
    executor, an uplink) goes through `add`, which owns the lock; reads are plain attribute reads."""

    dropped: int = 0
    rejected: int = 0
    written: int = 0
    batches: int = 0
    bytes_written: int = 0
    from_spool: int = 0  # batches the server got read back from the spool (it had fallen behind, or re-sent)
    unreadable: int = 0  # spooled batches that could not be read back for the server (a damaged spool file)
    python_encoded: int = 0  # batches the compiled encoder handed to the pure-Python path
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **counts: int) -> None:
        with self._lock:
            for name, count in counts.items():
                setattr(self, name, getattr(self, name) + count)


class TopicWriter:
    """Buffered, batched writer for one topic. Obtain it from SequenceWriter.topic_create()."""

    def __init__(self, *, topic_name: str, sequence_name: str, sink: BatchSink,
                 encoder: BatchEncoder, executor: ThreadPoolExecutor, config: WriterConfig,
                 on_upload_error: Callable[[BaseException], None] | None = None, on_reject: Rejects | None = None,
                 stats: TopicStats | None = None, max_buffered_bytes: int | None = None,
                 on_error: TopicLevelErrorPolicy = TopicLevelErrorPolicy.Raise,
                 report: Callable[[str], None] | None = None) -> None:
        """on_reject=None: a record that cannot be encoded or stored fails the topic (the seed API);
        otherwise it is skipped, counted in stats.rejected and passed to on_reject (the recorder).
        max_buffered_bytes bounds what a non-blocking push buffers (default OVERFLOW_FACTOR batches)."""
        self._name = topic_name
        self._sequence = sequence_name
        self._sink = sink
        self._on_reject = on_reject
        self._max_buffered = max_buffered_bytes or OVERFLOW_FACTOR * config.max_batch_size_bytes
        self.encoder = encoder
        self._executor = executor
        self._config = config
        self._on_upload_error = on_upload_error
        self._buffer = BatchBuffer(config.max_batch_size_records, config.max_batch_size_bytes, encoder.fixed_size)
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(MAX_PENDING_BATCHES)
        self._futures: list[Future[None]] = []
        self._error: BaseException | None = None
        self._active = True
        self._drained = False
        self.on_error = on_error
        self._report = report  # notifies the server of an error of this topic
        self.stats = stats if stats is not None else TopicStats()

    def __enter__(self) -> "TopicWriter":
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> bool:
        """Apply `on_error` to an exception raised in the block; True suppresses it."""
        if exc is None or self.on_error == TopicLevelErrorPolicy.Raise:
            return False
        if self._report is not None:
            self._report(f"{type(exc).__name__}: {exc}")
        if self.on_error == TopicLevelErrorPolicy.Finalize:
            self.drain(flush=True)
        return True

    @property
    def name(self) -> str:
        return self._name

    def is_active(self) -> bool:
        return self._active and self._error is None

    @property
    def pending_batches(self) -> int:
        return sum(not f.done() for f in self._futures)

    def push(self, message: Message) -> None:
        """Buffer one Message; a full buffer (records OR bytes limit) is sent in the background.

        Raises WriterError when the writer is closed or an earlier upload of this topic failed.
        (push_item with block=True, written out: this is the per-record cost of the seed API.)"""
        if not self._active or self._error is not None:
            self.push_item(message, 0)  # raises, and counts the record as dropped
        if self._buffer.per_batch:
            full = self._buffer.append(message)  # fixed-size records: no lock (see BatchBuffer)
        else:
            size = self.encoder.size_hint(message)
            with self._lock:
                full = self._buffer.add(message, size)
        if full:
            self._flush(True, everything=False)

    def push_item(self, item: Any, size_hint: int, block: bool = True) -> bool:
        """push() for any item the topic's encoder understands (the recorder's raw path).

        With block=False it never waits: when uploads lag so far that OVERFLOW_FACTOR batches are
        buffered, the item is refused, counted in stats.dropped, and False is returned. An item
        refused because the writer is closed or failed (WriterError) is counted as dropped too."""
        try:
            self._check_open()
        except WriterError:
            self.stats.add(dropped=1)
            raise
        with self._lock:
            if not block and (self._buffer.nbytes >= self._max_buffered or len(self._buffer) >= max(
                    OVERFLOW_FACTOR * self._config.max_batch_size_records, OVERFLOW_MIN_ITEMS)):
                self.stats.add(dropped=1)
                return False
            full = self._buffer.add(item, size_hint)
        if full:
            self._flush(block, everything=False)
        return True

    def flush(self, block: bool = True) -> None:
        """Send what is buffered now (without waiting for it to reach the server). With block=False
        and all upload slots busy, the records stay buffered for a later flush."""
        self._flush(block, everything=True)

    def _flush(self, block: bool, everything: bool) -> None:
        if not self._slots.acquire(blocking=block):
            return
        with self._lock:
            batches = self._buffer.take(everything)
        if not batches:
            self._slots.release()
            return
        future = self._executor.submit(self._send, batches)
        slots = self._slots  # the callback must not hold the writer: a Future keeps its callbacks
        future.add_done_callback(lambda _: slots.release())
        self._futures = [f for f in self._futures if not f.done()] + [future]

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def _check_open(self) -> None:
        if not self._active:
            raise WriterError(f"topic {self._name!r} of sequence {self._sequence!r} is closed: its sequence block "
                              "has ended; push inside `with client.sequence_create(...)`")
        if self._error is not None:
            raise WriterError(f"topic {self._name!r} of sequence {self._sequence!r}: an earlier upload failed "
                              f"({self._error}); the sequence will be handled by its on_error policy") from self._error

    def _send(self, batches: list[list[Any]]) -> None:
        """Encode and deliver; records lost to a failure are counted in stats.dropped."""
        total = sum(map(len, batches))
        if self._error is not None:
            self.stats.add(dropped=total)
            return
        done, rejected = 0, self.stats.rejected
        try:
            for items in batches:
                for batch in self._fit(self._encode(items)):
                    self._sink.write(batch)
                    done += batch.num_rows
                    self.stats.add(written=batch.num_rows, batches=1, bytes_written=batch.nbytes)
        except Exception as exc:
            self.stats.add(dropped=total - done - (self.stats.rejected - rejected))
            self._error = exc
            if self._on_upload_error is not None:
                self._on_upload_error(exc)

    def _encode(self, items: list[Any]) -> pa.RecordBatch | None:
        """The items as one batch, counting batches the Python path encoded."""
        before = self.encoder.python_batches
        try:
            return self._encode_all(items)
        finally:
            if self.encoder.python_batches != before:
                self.stats.add(python_encoded=self.encoder.python_batches - before)

    def _encode_all(self, items: list[Any]) -> pa.RecordBatch | None:
        """With on_reject, items that cannot be converted are left out."""
        try:
            return self.encoder.encode(items)
        except Exception:
            if self._on_reject is None:
                raise
        good: list[pa.RecordBatch] = []
        for item in items:
            try:
                good.append(self.encoder.encode([item]))
            except Exception as exc:
                self._reject("conversion", f"a message could not be converted ({type(exc).__name__}: {exc}); "
                                           "it was skipped, recording goes on")
        return pa.concat_batches(good) if good else None

    def _fit(self, batch: pa.RecordBatch | None) -> list[pa.RecordBatch]:
        """Split a batch over the server's message limit; a single record over it cannot be stored."""
        if batch is None or batch.num_rows == 0:
            return []
        if batch.nbytes <= MESSAGE_BUDGET:
            return [batch]
        if batch.num_rows > 1:
            half = batch.num_rows // 2
            return self._fit(batch.slice(0, half)) + self._fit(batch.slice(half))
        text = (f"a record of {batch.nbytes} bytes is over the server's 50 MiB message limit; it cannot be stored "
                "(compress or downscale it at the source, e.g. image_format: png)")
        if self._on_reject is None:
            raise WriterError(f"topic {self._name!r} of sequence {self._sequence!r}: {text}")
        self._reject("too_large", text + "; it was skipped, recording goes on")
        return []

    def _reject(self, kind: str, text: str) -> None:
        self.stats.add(rejected=1)
        assert self._on_reject is not None
        self._on_reject(kind, f"topic {self._name!r} of sequence {self._sequence!r}: {text}")

    def drain(self, flush: bool) -> None:
        """Stop accepting pushes, send (or drop) the buffer, wait for uploads, half-close the stream
        (once: a topic finalized early by its TopicLevelErrorPolicy is drained already)."""
        if self._drained:
            return
        self._drained = True
        self._active = False
        if flush:
            self.flush()
        else:
            with self._lock:
                self.stats.add(dropped=sum(map(len, self._buffer.take(everything=True))))
        for future in list(self._futures):
            future.result()
        try:
            self._sink.done_writing()
        except Exception as exc:
            self._error = self._error or exc

    def close(self) -> None:
        """Wait for the server to store the stream; raises WriterError if this topic's upload failed."""
        try:
            self._sink.close()
        except Exception as exc:
            self._error = self._error or exc
        if self._error is not None:
            raise WriterError(f"topic {self._name!r} of sequence {self._sequence!r} was not stored: {self._error}") from self._error
