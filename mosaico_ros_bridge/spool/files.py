"""One topic's spool file: an append-only Arrow IPC stream. Appends go straight to the OS (a reader
sees them at once); `sync` makes them survive a power cut. A crash leaves at most a truncated last
batch, which readers skip."""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Iterator

import pyarrow as pa


class TopicSpool:
    """Appends batches of one schema to `path`; thread-safe between the writer and a syncing thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.batches = 0
        self.offsets: list[int] = []  # where each batch's IPC message starts (random access for uplinks)
        self.schema: pa.Schema | None = None
        self._file: pa.NativeFile | None = None
        self._writer: pa.ipc.RecordBatchStreamWriter | None = None
        self._dirty = False
        self._closed = False
        self._lock = threading.Lock()  # appends and close
        self._sync_lock = threading.Lock()  # sync and close: an fsync must not hold appends up

    def append(self, batch: pa.RecordBatch) -> None:
        """Raises OSError/ArrowException when the disk refuses (e.g. ENOSPC)."""
        with self._lock:
            if self._writer is None:
                self._file = pa.OSFile(str(self.path), "wb")
                self._writer = pa.ipc.new_stream(self._file, batch.schema)
                self.schema = batch.schema
            assert self._file is not None
            start = self._file.tell()
            self._writer.write_batch(batch)
            self.offsets.append(start)
            self.batches += 1
            self._dirty = True

    def sync(self) -> None:
        """Make every append so far durable, then drop those pages from the page cache: a spool is
        read back only after a failure, and recycling its own pages keeps appends cheap (fresh page
        cache memory cost ~2.5 ms/MB to touch on the measured VMs, recycled pages ~0.2 ms/MB)."""
        with self._sync_lock:
            with self._lock:
                if not self._dirty or self._file is None or self._closed:
                    return
                self._dirty = False
                fd = self._file.fileno()
                end = self._file.tell()
            os.fsync(fd)  # the file cannot be closed meanwhile: close takes _sync_lock
            os.posix_fadvise(fd, 0, end, os.POSIX_FADV_DONTNEED)

    def close(self) -> None:
        """End the stream, sync and close; idempotent. A full disk only loses the end-of-stream
        marker, which readers do not need."""
        with self._sync_lock, self._lock:
            if self._closed:
                return
            self._closed = True
            if self._writer is not None and self._file is not None:
                try:
                    self._writer.close()
                    os.fsync(self._file.fileno())
                    os.posix_fadvise(self._file.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
                except (OSError, pa.ArrowException):
                    pass
                finally:
                    self._file.close()

    def reader(self) -> "SpoolReader":
        return SpoolReader(self)


class SpoolReader:
    """Reads batches of a spool file that may still be growing, from any batch index (only batches
    the caller knows were appended completely)."""

    def __init__(self, spool: TopicSpool) -> None:
        self._spool = spool
        self._file: pa.NativeFile | None = None
        self._next = -1  # index of the batch at the file position

    def read(self, start: int, count: int) -> Iterator[pa.RecordBatch]:
        """Batches start .. start+count-1, in order."""
        if count <= 0:
            return
        schema = self._spool.schema
        assert schema is not None
        if self._file is None:
            self._file = pa.OSFile(str(self._spool.path))
        if start != self._next:
            self._file.seek(self._spool.offsets[start])
        for index in range(start, start + count):
            message = pa.ipc.read_message(self._file)
            while message.type != "record batch":  # the stream's schema precedes the first batch
                message = pa.ipc.read_message(self._file)
            yield pa.ipc.read_record_batch(message, schema)
            self._next = index + 1

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def read_complete(path: Path) -> Iterator[pa.RecordBatch]:
    """Every complete batch of a spool file left by a finished or crashed writer (a torn tail is
    where the data ends; a missing or empty file has none)."""
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        reader = pa.ipc.open_stream(pa.OSFile(str(path)))
    except (OSError, pa.ArrowException):
        return
    while True:
        try:
            yield reader.read_next_batch()
        except StopIteration:
            return
        except (OSError, pa.ArrowException):
            return
