"""One part of a recording: one sequence on the server, its spool directory and one TopicWriter per
topic. The part can lose its server upload at any time and be put live again from its spool."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

import pyarrow as pa

from mosaico_ros_bridge.client.names import topic_locator, validate_topic_name
from mosaico_ros_bridge.client.pools import ExecutorPool
from mosaico_ros_bridge.recording.sink import Broken, SpooledSink
from mosaico_ros_bridge.spool import SequenceSpool
from mosaico_ros_bridge.spool.upload import clear_previous, create_sequence
from mosaico_ros_bridge.writers import BatchEncoder, TopicStats, TopicWriter, WriterConfig

if TYPE_CHECKING:
    from mosaico_ros_bridge.client import MosaicoClient


@dataclass(frozen=True)
class TopicSpec:
    """What a part needs to record a topic; every part builds its own encoder from `encoder`."""

    name: str
    ontology_tag: str
    serialization_format: str
    metadata: dict[str, Any]
    encoder: Callable[[], BatchEncoder]
    stats: TopicStats = field(default_factory=TopicStats)


@dataclass
class PartTopic:
    spec: TopicSpec
    sink: SpooledSink
    writer: TopicWriter
    opened: bool = False  # created on the server sequence of the current key, stream attached


@dataclass(frozen=True)
class PartHooks:
    """Callbacks of the recording: a stream broke, the spool was lost, a record was rejected, an
    upload failed with no way to keep the data (fatal)."""

    broken: Broken
    spool_lost: Callable[[str], None]
    reject: Callable[[str, str, str], None]  # (topic, kind, message)
    fatal: Callable[[str], None]
    sent: Callable[[pa.RecordBatch], None]  # a batch reached the server's stream


class Part:
    def __init__(self, name: str, metadata: dict[str, Any], spool: SequenceSpool | None, config: WriterConfig,
                 executors: ExecutorPool, hooks: PartHooks, max_buffered_bytes: int | None = None) -> None:
        self.name = name
        self.metadata = metadata
        self.spool = spool
        self.key: str | None = None
        self.started = time.monotonic()
        self.topics: dict[str, PartTopic] = {}
        self._config = config
        self._max_buffered = max_buffered_bytes
        self._executors = executors
        self._hooks = hooks
        self._lock = threading.RLock()

    @property
    def live(self) -> bool:
        return self.key is not None and all(t.sink.live for t in self.topics.values())

    @property
    def bytes(self) -> int:
        return sum(t.sink.bytes for t in self.topics.values())

    @property
    def batches(self) -> int:
        return sum(t.sink.batches for t in self.topics.values())

    def add_topic(self, spec: TopicSpec) -> TopicWriter:
        """The topic's spool file and writer; its upload is opened by the supervisor (no network here)."""
        with self._lock:
            encoder = spec.encoder()
            spool = None
            if self.spool is not None:
                spool = self.spool.add_topic(spec.name, spec.ontology_tag, spec.serialization_format,
                                             spec.metadata, encoder.schema)
            sink = SpooledSink(spec.name, self.name, spool, self._hooks.broken, self._hooks.spool_lost,
                               self._hooks.sent, spec.stats)
            writer = TopicWriter(topic_name=spec.name, sequence_name=self.name, sink=sink, encoder=encoder,
                                 executor=self._executors.acquire(), config=self._config,
                                 on_upload_error=self._hooks.fatal, stats=spec.stats,
                                 max_buffered_bytes=self._max_buffered,
                                 on_reject=lambda kind, text: self._hooks.reject(spec.name, kind, text))
            self.topics[spec.name] = PartTopic(spec, sink, writer)
            return writer

    def go_live(self, client: "MosaicoClient", *, rename: bool, progress: Callable[[str], None]) -> int:
        """(Re)create the sequence (an earlier broken one is aborted first) and give every topic a
        stream, fed first from its spool. Returns the batches to re-send. Raises on any failure."""
        with self._lock:
            if self.key is not None and clear_previous(client, self.name, self.key) == "finalized":
                raise RuntimeError(f"sequence {self.name!r} is already finalized")
            self.key = None
            for topic in self.topics.values():
                topic.opened = False
            if rename:
                self.name, key = create_sequence(client, self.name, self.metadata, progress)
            else:
                key = client.actions.sequence_create(self.name, self.metadata)
            self.key = key
            if self.spool is not None:
                self.spool.set_key(key, self.name)
            return sum(t.sink.batches for t in self.open_topics(client))

    def open_topics(self, client: "MosaicoClient") -> list[PartTopic]:
        """Create and attach the topics not yet on the live sequence; returns them."""
        with self._lock:
            if self.key is None:
                return []
            missing = [t for t in self.topics.values() if not t.opened]
            for topic in missing:
                self._open_topic(client, topic)
            return missing

    def _open_topic(self, client: "MosaicoClient", topic: PartTopic) -> None:
        assert self.key is not None
        spec = topic.spec
        locator = topic_locator(self.name, validate_topic_name(spec.name))
        topic_key = client.actions.topic_create(locator, self.key, spec.serialization_format, spec.ontology_tag,
                                                spec.metadata)
        lane = client.lanes.acquire()
        try:
            stream, _ = lane.do_put(client.actions.put_descriptor(locator, topic_key), topic.writer.encoder.schema)
        except Exception:
            client.actions.topic_delete(locator)
            raise
        topic.sink.attach(stream)
        topic.opened = True

    def detach(self) -> None:
        """Forget the server side (after a failure); each uplink closes its stream if it still can."""
        with self._lock:
            for topic in self.topics.values():
                topic.sink.detach()

    def stalled(self, timeout: float) -> bool:
        return any(t.sink.uplink is not None and t.sink.uplink.stalled(timeout) for t in self.topics.values())

    def backlog(self) -> int:
        """Batches written to this part that its server streams have not received yet."""
        return sum(t.sink.backlog() for t in list(self.topics.values()))  # no lock: finish() holds it

    def drain(self) -> None:
        """Everything buffered goes through the encoders into the spool (and the live streams)."""
        for topic in list(self.topics.values()):
            topic.writer._drain(flush=True)

    def finish(self, client: "MosaicoClient", stall_timeout: float) -> None:
        """Complete every stream and finalize the sequence; raises if anything did not make it."""
        with self._lock:
            assert self.key is not None
            for topic in self.topics.values():
                topic.sink.finish(stall_timeout)
            client.actions.sequence_finalize(self.name, self.key)

    def abandon(self, client: "MosaicoClient | None", on_error: str, reason: str) -> None:
        """Without a spool: apply sequence.on_error (abort, or report and leave unlocked)."""
        with self._lock:
            for topic in self.topics.values():
                topic.writer._drain(flush=False)
                topic.sink.detach()
            if client is None or self.key is None:
                return
            if on_error == "delete":
                client.actions.sequence_abort(self.name, self.key)
            else:
                client.actions.notify(self.name, reason, topic=False)

