"""Where a TopicWriter's encoded batches go. The seed API writes straight into the topic's DoPut
stream (`client.TopicStream`); the recorder puts a spool in front of it (`recording.SpooledSink`)."""
from __future__ import annotations

from typing import Protocol

import pyarrow as pa


class BatchSink(Protocol):
    def write(self, batch: pa.RecordBatch) -> None:
        """Deliver one batch, in order; raising fails the topic writer."""

    def done_writing(self) -> None:
        """No more batches (half-close)."""

    def close(self) -> None:
        """Wait until the destination has stored everything; raise if it did not."""
