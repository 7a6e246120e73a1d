"""Where a TopicWriter's encoded batches go. The seed API writes straight into the topic's DoPut
stream (`FlightSink`); the recorder puts a spool in front of it (`recording.SpooledSink`)."""
from __future__ import annotations

from typing import Protocol

import pyarrow as pa
import pyarrow.flight as fl


class BatchSink(Protocol):
    def write(self, batch: pa.RecordBatch) -> None:
        """Deliver one batch, in order; raising fails the topic writer."""

    def done_writing(self) -> None:
        """No more batches (half-close)."""

    def close(self) -> None:
        """Wait until the destination has stored everything; raise if it did not."""


class FlightSink:
    """One open DoPut stream."""

    def __init__(self, stream: fl.FlightStreamWriter) -> None:
        self.stream = stream

    def write(self, batch: pa.RecordBatch) -> None:
        self.stream.write_batch(batch)

    def done_writing(self) -> None:
        self.stream.done_writing()

    def close(self) -> None:
        self.stream.close()
