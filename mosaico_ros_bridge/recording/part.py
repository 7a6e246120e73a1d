"""One part of a recording: one sequence on the server, its spool directory and one TopicWriter per
topic. The part can lose its server upload at any time and be put live again from its spool."""
from __future__ import annotations

import threading
import time
from functools import partial
from dataclasses import dataclass, field
from typing import Any, Callable

from mosaico_ros_bridge.client import Connection, open_topic_stream
from mosaico_ros_bridge.client.pools import ExecutorPool
from mosaico_ros_bridge.errors import Locked
from mosaico_ros_bridge.recording.live_sink import LiveSink
from mosaico_ros_bridge.recording.losses import notify_losses
from mosaico_ros_bridge.recording.sequences import clear_previous, create_sequence
from mosaico_ros_bridge.recording.sink import SpooledSink
from mosaico_ros_bridge.recording.stream_sink import SinkHooks, StreamSink
from mosaico_ros_bridge.recording.uplink import StallRule, Uplink
from mosaico_ros_bridge.spool import SequenceSpool
from mosaico_ros_bridge.topic_description import TopicDescription
from mosaico_ros_bridge.writers import BatchEncoder, OnErrorPolicy, TopicStats, TopicWriter, WriterConfig, apply_on_error


@dataclass(frozen=True)
class TopicSpec:
    """A recorded topic: its description and the factory of its encoder (every part builds its own)."""

    topic: TopicDescription
    encoder: Callable[[], BatchEncoder]
    stats: TopicStats = field(default_factory=TopicStats)

    @property
    def name(self) -> str:
        return self.topic.name


@dataclass
class PartTopic:
    spec: TopicSpec
    sink: StreamSink
    writer: TopicWriter
    opened: bool = False  # created on the server sequence of the current key, stream attached


@dataclass(frozen=True)
class PartHooks:
    """Callbacks of the recording: the sinks' (a stream broke, the spool failed, a bug, a batch sent),
    a record was rejected, and an upload failed with no way to keep the data (fatal)."""

    sink: SinkHooks
    reject: Callable[[str, str, str], None]  # (topic, kind, message)
    fatal: Callable[[BaseException], None]


class Part:
    def __init__(self, name: str, metadata: dict[str, Any], spool: SequenceSpool | None, config: WriterConfig,
                 executors: ExecutorPool, hooks: PartHooks, max_buffered_bytes: int | None = None) -> None:
        self.name = name
        self.metadata = metadata
        self.spool = spool
        self.key: str | None = None
        self.started = time.monotonic()
        self.topics: dict[str, PartTopic] = {}
        self.lost: dict[str, int] = {}  # messages lost before the recorder, per topic (the node counts them)
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
            sink: StreamSink
            if self.spool is not None:
                sink = SpooledSink(spec.name, self.name, self.spool.add_topic(spec.topic), self._hooks.sink, spec.stats)
            else:
                sink = LiveSink(spec.name, self.name, self._hooks.sink, spec.stats)
            writer = TopicWriter(topic_name=spec.name, sequence_name=self.name, sink=sink, encoder=encoder,
                                 executor=self._executors.acquire(), config=self._config,
                                 on_upload_error=self._hooks.fatal, stats=spec.stats,
                                 max_buffered_bytes=self._max_buffered,
                                 on_reject=partial(self._hooks.reject, spec.name))  # not self: no cycle
            self.topics[spec.name] = PartTopic(spec, sink, writer)
            return writer

    def go_live(self, client: Connection, *, rename: bool, progress: Callable[[str], None]) -> int:
        """(Re)create the sequence (an earlier broken one is aborted first) and give every topic a
        stream, fed first from its spool. Returns the batches to re-send. Raises on any failure."""
        with self._lock:
            if self.key is not None and clear_previous(client, self.name, self.key) == "finalized":
                raise Locked(f"sequence {self.name!r} is already finalized on the server; its recording cannot "
                             "be rebuilt there", action="sequence_abort", server_message="")
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

    def open_topics(self, client: Connection) -> list[PartTopic]:
        """Create and attach the topics not yet on the live sequence; returns them."""
        with self._lock:
            if self.key is None:
                return []
            missing = [t for t in self.topics.values() if not t.opened]
            for topic in missing:
                self._open_topic(client, topic)
            for topic in missing:  # opening them one by one over a slow link took time: judge from now
                if topic.sink.uplink is not None:
                    topic.sink.uplink.restart_clock()
            return missing

    def _open_topic(self, client: Connection, topic: PartTopic) -> None:
        assert self.key is not None
        stream = open_topic_stream(client.actions, client.lanes, self.name, self.key, topic.spec.topic)
        try:
            topic.sink.attach(stream)
        except BaseException:
            stream.abandon()
            raise
        topic.opened = True

    def detach(self) -> list[Uplink]:
        """Forget the server side (after a failure); each uplink closes its stream if it still can.
        Returns the abandoned uplinks (to be joined once the connection is closed)."""
        with self._lock:
            self.keep_losses()
            return [u for u in (topic.sink.detach() for topic in self.topics.values()) if u is not None]

    def stalled(self, rule: StallRule) -> bool:
        return any(t.sink.uplink is not None and t.sink.uplink.stalled(rule) for t in self.topics.values())

    def backlog(self) -> int:
        """Batches written to this part that its server streams have not received yet."""
        return sum(t.sink.backlog() for t in list(self.topics.values()))  # no lock: finish() holds it

    def drain(self) -> None:
        """Everything buffered goes through the encoders into the spool (and the live streams)."""
        for topic in list(self.topics.values()):
            topic.writer.drain(flush=True)

    def note_lost(self, topic: str, count: int) -> None:
        """`count` more messages of `topic` were lost before the recorder (on the ROS executor)."""
        self.lost[topic] = self.lost.get(topic, 0) + count

    def keep_losses(self) -> None:
        """Put the loss counts in the spool manifest, for an upload without this recorder."""
        if self.spool is not None:
            self.spool.set_lost(dict(self.lost))

    def finish(self, client: Connection, rule: StallRule, cancelled: Callable[[], bool] = lambda: False) -> None:
        """Complete every stream, store the losses and finalize the sequence; raises if anything did
        not make it, or once `cancelled` is true (the operator stops now)."""
        with self._lock:
            assert self.key is not None
            for topic in self.topics.values():
                topic.sink.finish(rule, cancelled)
            self.keep_losses()
            notify_losses(client, self.name, self.lost)
            client.actions.sequence_finalize(self.name, self.key)

    def abandon(self, client: Connection | None, on_error: OnErrorPolicy, error: BaseException) -> str:
        """Without a spool: apply sequence.on_error; returns what was done."""
        with self._lock:
            for topic in self.topics.values():
                topic.writer.drain(flush=False)
                topic.sink.detach()
            if client is None or self.key is None:
                return "nothing on the server to apply it to"
            return apply_on_error(client.actions, on_error, self.name, self.key, error)

