"""SequenceWriter: create -> write -> finalize, or on error the OnErrorPolicy exactly as the seed SDK
(§5.8): Delete aborts the sequence, Report notifies the server and leaves it unlocked."""
from __future__ import annotations

import logging
import threading
from types import TracebackType
from typing import Any

from mosaico_ros_bridge.client.actions import Actions
from mosaico_ros_bridge.client.names import is_path_prefix, validate_topic_name
from mosaico_ros_bridge.client.pools import ExecutorPool, LanePool
from mosaico_ros_bridge.client.streams import create_topic, open_stream
from mosaico_ros_bridge.errors import InvalidName, MosaicoBridgeError, WriterError
from mosaico_ros_bridge.ontology import Serializable
from mosaico_ros_bridge.topic_description import TopicDescription
from mosaico_ros_bridge.writers.config import OnErrorPolicy, SequenceStatus, TopicLevelErrorPolicy, WriterConfig
from mosaico_ros_bridge.writers.encoders import BatchEncoder, MessageEncoder
from mosaico_ros_bridge.writers.policy import apply_on_error
from mosaico_ros_bridge.writers.topic import TopicWriter

log = logging.getLogger("mosaico_ros_bridge.writers")


class SequenceWriter:
    """Orchestrates one sequence. Obtain it from MosaicoClient.sequence_create() and use it in `with`."""

    def __init__(self, *, sequence_name: str, actions: Actions, connection_pool: LanePool,
                 executor_pool: ExecutorPool, metadata: dict[str, Any], config: WriterConfig,
                 update: bool = False) -> None:
        self.name = sequence_name
        self._update = update
        self._actions = actions
        self._lanes = connection_pool
        self._executors = executor_pool
        self.metadata = metadata
        self.config = config
        self._key: str | None = None
        self._status = SequenceStatus.Null
        self._writers: dict[str, TopicWriter] = {}
        self._lock = threading.Lock()

    # -- lifecycle ----------------------------------------------------------------------------
    def open(self) -> "SequenceWriter":
        """Create the sequence on the server, or open it for more topics when updating (what entering
        the `with` block does)."""
        if self._status != SequenceStatus.Null:
            raise WriterError(f"sequence {self.name!r} was already opened ({self._status.value})")
        self._key = (self._actions.sequence_update(self.name) if self._update
                     else self._actions.sequence_create(self.name, self.metadata))
        self._status = SequenceStatus.Pending
        return self

    def close(self, error: BaseException | None = None) -> None:
        """Finalize (error is None) or apply the on_error policy; a failed finalize applies it too."""
        if self._status != SequenceStatus.Pending:
            return
        if error is None:
            try:
                self._close_topics(flush=True)
                assert self._key is not None
                self._actions.sequence_finalize(self.name, self._key)
                self._status = SequenceStatus.Finalized
                return
            except MosaicoBridgeError as exc:
                self._apply_policy(exc)
                raise
        self._apply_policy(error)

    def __enter__(self) -> "SequenceWriter":
        return self.open()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close(exc)

    def _close_topics(self, flush: bool) -> None:
        """Drain and half-close every stream, then wait for each; raises the first failure."""
        writers = list(self._writers.values())
        for writer in writers:
            writer.drain(flush)
        failures = []
        for writer in writers:
            try:
                writer.close()
            except WriterError as exc:
                failures.append(exc)
        if failures:
            raise failures[0]

    def _apply_policy(self, error: BaseException) -> None:
        self._status = SequenceStatus.Error
        try:
            self._close_topics(flush=False)
        except WriterError as exc:
            log.warning("while closing topics of failed sequence %r: %s", self.name, exc)
        assert self._key is not None
        try:
            outcome = apply_on_error(self._actions, self.config.on_error, self.name, self._key, error)
            log.warning("sequence %r %s: %s", self.name, outcome, error)
        except MosaicoBridgeError as exc:
            log.error("could not apply on_error=%s to sequence %r: %s", self.config.on_error.value, self.name, exc)

    # -- topics -------------------------------------------------------------------------------
    def topic_create(self, topic_name: str, metadata: dict[str, Any] | None = None,
                     ontology_type: type[Serializable] | None = None,
                     on_error: TopicLevelErrorPolicy = TopicLevelErrorPolicy.Raise) -> TopicWriter:
        """A TopicWriter with its own lane and executor for records of ontology_type; `on_error`
        applies to exceptions inside `with topic_writer:` (SDK 0.7.0's TopicLevelErrorPolicy)."""
        if ontology_type is None:
            raise WriterError(f"topic_create({topic_name!r}) needs ontology_type (e.g. IMU)")
        encoder = MessageEncoder(ontology_type)
        topic = TopicDescription(topic_name, ontology_type.ontology_tag(), ontology_type.serialization_format().value,
                                 encoder.schema, metadata or {})
        return self.create_topic_writer(topic, encoder, on_error)

    def create_topic_writer(self, topic: TopicDescription, encoder: BatchEncoder,
                            on_error: TopicLevelErrorPolicy = TopicLevelErrorPolicy.Raise) -> TopicWriter:
        """topic_create with an explicit description and encoder (the recorder's columnar path)."""
        topic_name = topic.name
        if self._status != SequenceStatus.Pending:
            raise WriterError(f"topic_create({topic_name!r}) outside the `with` block of sequence {self.name!r}")
        clean = validate_topic_name(topic_name)
        with self._lock:
            self._check_unique(topic_name, clean)
            assert self._key is not None
            locator, topic_key = create_topic(self._actions, self.name, self._key, topic)  # refusals propagate
            try:
                stream = open_stream(self._actions, self._lanes, locator, topic_key, topic.schema)
            except MosaicoBridgeError as exc:
                raise WriterError(f"cannot open the upload stream of topic {topic_name!r} in sequence {self.name!r}: "
                                  f"{exc}") from exc
            report = None
            if self.config.on_error == OnErrorPolicy.Report:
                report = lambda error: self._report_topic(locator, f"upload of topic {topic_name!r} failed: {error}")  # noqa: E731
            writer = TopicWriter(topic_name=topic_name, sequence_name=self.name, sink=stream, encoder=encoder,
                                 executor=self._executors.acquire(), config=self.config, on_upload_error=report,
                                 on_error=on_error, report=lambda msg: self._report_topic(locator, msg))
            self._writers[clean] = writer
            return writer

    def _check_unique(self, topic_name: str, clean: str) -> None:
        for existing in self._writers:
            if existing == clean:
                raise InvalidName(f"topic {topic_name!r} already exists in sequence {self.name!r}; "
                                  "use get_topic_writer() to reuse it")
            if is_path_prefix(existing, clean):
                raise InvalidName(f"topic {topic_name!r} and '/{existing}' of sequence {self.name!r} are path "
                                  "prefixes of each other; deleting one would delete the other's files on the server")

    def _report_topic(self, locator: str, msg: str) -> None:
        try:
            self._actions.notify(locator, msg, topic=True)
        except MosaicoBridgeError as exc:
            log.error("could not report the failure of %r: %s", locator, exc)

    def get_topic_writer(self, topic_name: str) -> TopicWriter | None:
        return self._writers.get(topic_name[1:] if topic_name.startswith("/") else topic_name)

    def topic_writer_exists(self, topic_name: str) -> bool:
        return self.get_topic_writer(topic_name) is not None

    def list_topic_writers(self) -> list[str]:
        return [w.name for w in self._writers.values()]

    @property
    def sequence_status(self) -> SequenceStatus:
        return self._status
