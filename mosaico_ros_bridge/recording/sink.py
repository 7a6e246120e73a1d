"""SpooledSink: a topic's batches go to its spool file first, then to the live DoPut stream when
there is one. A failed stream is dropped (the recording goes on into the spool); `attach` hands a new
stream every spooled batch and then makes it live, so the server ends up with each batch once."""
from __future__ import annotations

import threading
from typing import Callable

import pyarrow as pa
import pyarrow.flight as fl

from mosaico_ros_bridge.errors import SpoolError
from mosaico_ros_bridge.spool import TopicSpool

Broken = Callable[[str, BaseException], None]


class SpooledSink:
    """BatchSink of one topic of one part. `spool` None means no spool (spool.enabled false)."""

    def __init__(self, topic: str, sequence: str, spool: TopicSpool | None, on_broken: Broken,
                 on_spool_lost: Callable[[str], None]) -> None:
        self.topic = topic
        self.sequence = sequence
        self.spool = spool
        self.spooling = spool is not None
        self.batches = 0
        self.bytes = 0
        self._stream: fl.FlightStreamWriter | None = None
        self._on_broken = on_broken
        self._on_spool_lost = on_spool_lost
        self._lock = threading.Lock()

    @property
    def live(self) -> bool:
        return self._stream is not None

    def write(self, batch: pa.RecordBatch) -> None:
        with self._lock:
            if self.spool is not None:
                try:
                    self.spool.append(batch)
                except (OSError, pa.ArrowException) as exc:
                    self._lose_spool(exc)
            self.batches += 1
            self.bytes += batch.nbytes
            if self._stream is None:
                return
            try:
                self._stream.write_batch(batch)
            except Exception as exc:
                self._stream = None
                if self.spool is None:
                    raise
                self._on_broken(self.topic, exc)

    def _lose_spool(self, exc: BaseException) -> None:
        """Disk full (or failing): go on live if the server takes the data, else nothing can keep it."""
        self.spool = None
        where = f"topic {self.topic!r} of sequence {self.sequence!r}"
        if self._stream is None:
            raise SpoolError(f"{where}: the spool cannot be written ({exc}) and the server is not reachable, so "
                             "new data cannot be kept; free space on the spool disk (spool.dir) — what was "
                             "spooled before is intact and will be uploaded") from exc
        self._on_spool_lost(f"{where}: the spool cannot be written ({exc}); recording goes on to the server "
                            "only, without a local copy — free space on the spool disk (spool.dir)")

    def attach(self, stream: fl.FlightStreamWriter) -> int:
        """Send every batch spooled so far into `stream`, then make it live; returns batches re-sent.

        Bulk reading happens outside the lock, so recording continues while the topic catches up."""
        if self.spooling and self.spool is None:
            raise SpoolError(f"topic {self.topic!r} of sequence {self.sequence!r} cannot be re-uploaded: its spool "
                             "stopped (disk full) while the server was unreachable")
        if self.spool is None:
            with self._lock:
                self._stream = stream
            return 0
        reader = self.spool.reader()
        sent = 0
        while True:
            with self._lock:
                target = self.batches
                if sent == target:
                    self._stream = stream
                    return sent
            for batch in reader.read(target - sent):
                stream.write_batch(batch)
            sent = target

    def detach(self) -> fl.FlightStreamWriter | None:
        with self._lock:
            stream, self._stream = self._stream, None
            return stream

    def finish(self) -> None:
        """Half-close the live stream and wait for the server to store it (raises if it did not)."""
        stream = self.detach()
        if stream is None:
            raise SpoolError(f"topic {self.topic!r} of sequence {self.sequence!r} has no live upload")
        stream.done_writing()
        stream.close()

    # BatchSink: the part ends streams itself (finish), the writer's drain only ends the spool file.
    def done_writing(self) -> None:
        if self.spool is not None:
            self.spool.close()

    def close(self) -> None:
        pass
