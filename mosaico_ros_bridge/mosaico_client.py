"""MosaicoClient: the entry point of the seed's writing API (`MosaicoClient.connect`, `sequence_create`)
and of the read path — a client.Connection that also creates SequenceWriters, on either dialect."""
from __future__ import annotations

from typing import Any

from mosaico_ros_bridge.client.connection import Connection
from mosaico_ros_bridge.client.names import validate_sequence_name
from mosaico_ros_bridge.session_protocol import BATCH_SHARE
from mosaico_ros_bridge.writers.config import OnErrorPolicy, WriterConfig
from mosaico_ros_bridge.writers.sequence import SequenceWriter


class MosaicoClient(Connection):
    """A connection to a Mosaico server. Use `MosaicoClient.connect(host, port)` as a context manager."""

    def sequence_create(self, sequence_name: str, metadata: dict[str, Any] | None = None,
                        on_error: OnErrorPolicy = OnErrorPolicy.Delete, max_batch_size_bytes: int | None = None,
                        max_batch_size_records: int | None = None) -> SequenceWriter:
        """A SequenceWriter for a new sequence; the sequence is created when its `with` block starts."""
        return self._writer(sequence_name, metadata, on_error, max_batch_size_bytes, max_batch_size_records, False)

    def sequence_update(self, sequence_name: str, on_error: OnErrorPolicy = OnErrorPolicy.Delete,
                        max_batch_size_bytes: int | None = None) -> SequenceWriter:
        """A SequenceWriter adding topics to an existing sequence in a new session (session dialect,
        as SDK 0.7.0's `sequence_update`); Delete then removes only this session's topics."""
        return self._writer(sequence_name, None, on_error, max_batch_size_bytes, None, True)

    def _writer(self, sequence_name: str, metadata: dict[str, Any] | None, on_error: OnErrorPolicy,
                max_bytes: int | None, max_records: int | None, update: bool) -> SequenceWriter:
        config = WriterConfig(on_error=on_error)
        if max_bytes is not None:
            config = config.replace(max_batch_size_bytes=max_bytes)
        if max_records is not None:
            config = config.replace(max_batch_size_records=max_records)
        if self.server.decode_limit:  # batches stay within 90 % of the server's message-size limit
            config = config.replace(max_batch_size_bytes=min(config.max_batch_size_bytes,
                                                             int(self.server.decode_limit * BATCH_SHARE)))
        return SequenceWriter(sequence_name=validate_sequence_name(sequence_name), actions=self.actions,
                              connection_pool=self.lanes, executor_pool=self.executors,
                              metadata=metadata if metadata is not None else {}, config=config, update=update)
