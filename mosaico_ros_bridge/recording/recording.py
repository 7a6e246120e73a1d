"""Recording: the recorder's data path to Mosaico that loses nothing it received — the lifecycle of its
parts (sequences). Every batch goes to the spool and, while the server is reachable, to the live
upload. A supervisor thread asks the ServerLink to reconnect after a loss, rebuilds the current part
from its spool, closes finished parts (split sequences) and uploads pending and leftover spools; its
own thread (SpoolSync) fsyncs the spools. Which thread owns what: see recording/__init__.py."""
from __future__ import annotations

import threading
import time
import uuid
from typing import Callable

import pyarrow as pa

from mosaico_ros_bridge.client import Connection
from mosaico_ros_bridge.client.pools import ExecutorPool
from mosaico_ros_bridge.config import RecorderConfig
from mosaico_ros_bridge.errors import ConnectionFailed, MosaicoBridgeError, PermissionDenied, UploadStalled
from mosaico_ros_bridge.recording.latency import LatencyReservoir
from mosaico_ros_bridge.recording.link import ServerLink
from mosaico_ros_bridge.recording.part import Part, PartHooks, TopicSpec
from mosaico_ros_bridge.recording.report import Log, StopReport
from mosaico_ros_bridge.recording.sequences import part_name
from mosaico_ros_bridge.recording.spool_sync import SpoolSync
from mosaico_ros_bridge.recording.stream_sink import SinkHooks
from mosaico_ros_bridge.recording.uplink import StallRule, Uplink
from mosaico_ros_bridge.recording.uploads import SpoolUploads
from mosaico_ros_bridge.recording.without_spool import finish_without_spool
from mosaico_ros_bridge.spool import SequenceSpool
from mosaico_ros_bridge.writers import TopicWriter, WriterConfig

EXECUTORS = 4  # encoding threads: enough that a camera never waits behind another topic's batch
STOP_PROGRESS_S = 2.0  # at stop, how often the upload backlog is logged
UPLINK_JOIN_S = 2.0  # at shutdown, how long abandoned uplinks get to end once the connection is closed
                    # (one blocked in a write to a server that stopped reading cannot be woken: left to exit)
Fatal = Callable[[BaseException], None]


class Recording:
    def __init__(self, config: RecorderConfig, log: Log, fatal: Fatal) -> None:
        self.config = config
        self.log = log
        self.recording_id = uuid.uuid4().hex
        self.base_name = config.sequence.resolved_name()
        self.link = ServerLink(config.server, config.spool.retry_max_s)
        self.target = self.link.target
        self.layout: str = self.link.dialect  # the batches' layout; settled in start()
        self.finalized: list[str] = []
        self._fatal = fatal
        self._writer_config = WriterConfig(on_error=config.sequence.on_error,
                                           max_batch_size_bytes=config.writer.max_batch_size_bytes,
                                           max_batch_size_records=config.writer.max_batch_size_records)
        self._executors = ExecutorPool(EXECUTORS, name="mosaico-topic")
        self.stall = StallRule(config.server.stall_timeout_s, config.server.min_link_mbit_s * 125_000)
        self.latency = LatencyReservoir()
        sink_hooks = SinkHooks(broken=self._on_broken, spool_fault=self._once, fatal=fatal, sent=self._sent)
        self._hooks = PartHooks(sink=sink_hooks, reject=self._on_reject, fatal=self._on_upload_failed)
        self._specs: dict[str, TopicSpec] = {}
        self._index = 0
        self.part: Part | None = None
        self._closing: list[Part] = []
        self._abandoned: list[Uplink] = []
        self._uploads = SpoolUploads(log, self._on_broken, config.spool.keep)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._idle = threading.Event()
        self._exit = threading.Event()
        self._said: set[str] = set()
        self._thread = threading.Thread(target=self._supervise, name="mosaico-recording", daemon=True)
        self._sync = SpoolSync(config.spool.fsync_period_s, self._spools, self._once, fatal)

    @property
    def spooling(self) -> bool:
        return self.config.spool.enabled

    @property
    def live(self) -> bool:
        return self.link.live

    # -- start / topics / split (ROS executor thread) ---------------------------------------------
    def start(self) -> Part:
        """Connect (or, if allowed, start offline into the spool), create the first part, supervise."""
        try:
            self.link.client = self.link.connect(self.config.server.timeout_s)
        except ConnectionFailed as exc:
            if not self.spooling or not self.config.spool.start_without_server:
                raise
            self.log.warning(f"{exc} Recording into the spool {self.config.spool.root()} until it is reachable.")
        self.layout = self.link.settle_dialect(self.log.warning)
        if self.link.client is not None:
            server = self.link.client.server
            self.log.info(f"server {self.target}: {'mosaicod ' + server.version if server.dialect == 'session' else 'seed era'}"
                          f" ({server.dialect} dialect)")
        if self.spooling and self.config.spool.upload_leftovers:
            self._uploads.find_leftovers(self.config.spool.root(), self.target, self.layout)
        self.part = part = self._new_part()
        if self.link.client is not None:
            try:
                part.go_live(self.link.client, rename=False, progress=self.log.info)
            except PermissionDenied as exc:
                if part.spool is not None:
                    part.spool.remove()
                self.link.close()
                raise self.link.explain(exc) from exc
            except BaseException:
                if part.spool is not None:
                    part.spool.remove()
                self.link.close()
                raise
            self.log.info(f"sequence created: {part.name}")
        else:
            self.log.info(f"sequence {part.name} recording into the spool {part.spool and part.spool.directory}")
        self._thread.start()
        if self.spooling:
            self._sync.start()
        return part

    def _new_part(self) -> Part:
        split = self.config.sequence.split
        index, self._index = self._index, self._index + 1
        name = part_name(self.base_name, index)
        metadata = {**self.config.sequence.metadata, "recording_id": self.recording_id}
        if split.enabled:
            metadata["part"] = index
        spool = None
        if self.spooling:
            spool = SequenceSpool.create(self.config.spool.root(), name, metadata, self.target,
                                         self.config.spool.direct_io, self.layout)
        return Part(name, metadata, spool, self._writer_config, self._executors, self._hooks,
                    self.config.writer.max_buffered_bytes)

    def add_topic(self, spec: TopicSpec) -> TopicWriter:
        """The topic's writer; the supervisor opens its upload (the caller's thread never waits on the network)."""
        assert self.part is not None
        with self._lock:
            self._specs[spec.name] = spec
        writer = self.part.add_topic(spec)
        if not self.spooling:  # without a spool nothing may be written before the stream exists
            self._open_now(self.part)
        self._wake.set()
        return writer

    def _open_now(self, part: Part) -> None:
        client = self.link.client
        if client is None:
            raise ConnectionFailed(f"Mosaico server {self.target} is not connected and there is no spool")
        if part.key is None:
            part.go_live(client, rename=False, progress=self.log.info)
        part.open_topics(client)

    def note_lost(self, topic: str, count: int) -> None:
        """Messages of `topic` lost before the recorder (ROS executor): the current part stores them."""
        part = self.part
        if part is not None:
            part.note_lost(topic, count)

    def split_due(self) -> bool:
        split, part = self.config.sequence.split, self.part
        if not split.enabled or part is None:
            return False
        return ((split.max_duration_s > 0 and time.monotonic() - part.started >= split.max_duration_s)
                or (split.max_bytes > 0 and part.bytes >= split.max_bytes))

    def split(self) -> dict[str, TopicWriter]:
        """Start the next part with every topic; the old one is drained and finalized in the background.
        Returns the new writers (the caller swaps them in on the thread that pushes)."""
        old, new = self.part, self._new_part()
        assert old is not None
        with self._lock:
            specs = list(self._specs.values())
        writers = {spec.name: new.add_topic(spec) for spec in specs}
        if not self.spooling:
            self._open_now(new)
        with self._lock:
            self.part = new
            self._closing.append(old)
        self.log.info(f"sequence split: {old.name} closing, recording into {new.name}")
        self._wake.set()
        return writers

    # -- callbacks from writers and uplinks (any thread) --------------------------------------------
    def _on_broken(self, what: str, exc: MosaicoBridgeError) -> None:
        if not self.spooling:  # nothing else keeps the data: the recording must stop
            self._fatal(exc)
        elif self.link.report_broken(what, exc):
            self._wake.set()

    def _on_upload_failed(self, exc: BaseException) -> None:
        """A topic writer could not hand a batch on: with a spool, only a bug gets here."""
        self._fatal(exc)

    def _on_reject(self, topic: str, kind: str, text: str) -> None:
        self._once(text, key=f"{topic}\0{kind}")

    def _once(self, text: str, key: str | None = None) -> None:
        if (key or text) not in self._said:
            self._said.add(key or text)
            self.log.error(text)

    def _sent(self, batch: pa.RecordBatch) -> None:
        self.latency.batch_sent(batch)

    # -- supervisor thread ------------------------------------------------------------------------
    def _supervise(self) -> None:
        """The loop's one boundary: anything but the project's handled failures is a bug, and a bug
        ends the recording with its traceback (never a reconnect)."""
        try:
            while not self._exit.is_set():
                self._wake.wait(timeout=0.1)
                self._wake.clear()
                self._step()
        except Exception as exc:
            self._fatal(exc)
            self._idle.set()

    def _step(self) -> None:
        self._check_stall()
        if self.link.broken:
            self._lose_server()
        if self.link.reconnect_due():
            self._reconnect()
        self._open_current()
        self._close_parts()
        client = self.link.client
        if client is not None:
            self._uploads.upload_pending(client, self._done, self._exit.is_set)
        if self._stopping.is_set() and not self._closing and not self._uploads.pending:
            self._idle.set()
        elif self.link.client is not None:
            self._uploads.upload_leftovers(self.link.client, self._stopping.is_set)

    def _parts(self) -> list[Part]:
        with self._lock:
            return [p for p in (self.part, *self._closing) if p is not None]

    def _spools(self) -> list[SequenceSpool]:
        return [part.spool for part in self._parts() if part.spool is not None]

    def _open_current(self) -> None:
        """Put the current part (new after a split) and its new topics on the live server."""
        part, client = self.part, self.link.client
        if part is None or client is None:
            return
        try:
            if part.key is None:
                part.go_live(client, rename=True, progress=self.log.info)
                self.log.info(f"sequence created: {part.name}")
            part.open_topics(client)
        except MosaicoBridgeError as exc:
            self._on_broken(part.name, exc)

    def _check_stall(self) -> None:
        for part in self._parts():
            if self.link.client is not None and part.stalled(self.stall):
                self._on_broken(part.name, UploadStalled(f"no upload progress for {self.stall.timeout_s:g} s (plus "
                                                         "the time the batch in flight needs at min_link_mbit_s)"))

    def _lose_server(self) -> None:
        with self._lock:
            client, self.link.client = self.link.client, None
        for part in self._parts():
            self._abandoned_by(part.detach())
        self.link.clear_broken()  # only now: callbacks of the detached streams are absorbed
        if client is not None:
            client.close()
            self.log.warning(f"Mosaico server {self.target} lost ({self.link.reason}); recording goes on into the "
                             f"spool, retrying every <= {self.config.spool.retry_max_s:g} s")

    def _reconnect(self) -> None:
        """Connect and rebuild the current part from its spool (quietly retried while it fails). While
        stopping there is no current part: the closing ones are finished by _close_parts."""
        client = self.link.try_connect()
        if client is None:
            return
        part = self.part
        if part is None:
            with self._lock:
                self.link.client = client
            self.log.info(f"Mosaico server {self.target} reachable again")
            return
        try:
            resent = part.go_live(client, rename=True, progress=self.log.info)
        except MosaicoBridgeError as exc:
            self._abandoned_by(part.detach())
            client.close()
            self.link.clear_broken()
            self.link.retry_later()
            self._once(f"cannot rebuild sequence {part.name} on {self.target} yet: {exc}")
            return
        with self._lock:
            self.link.client = client
        self.log.info(f"sequence created: {part.name} on {self.target}; re-sending {resent} spooled batch(es), "
                      "then recording live")

    def _close_parts(self) -> None:
        """Finalize parts that ended (split or stop); what cannot be finalized now is uploaded later."""
        while self._closing:
            part = self._closing[0]
            part.drain()
            client = self.link.client
            try:
                if client is None or not part.live:
                    self._keep_for_later(part, None)
                else:
                    part.finish(client, self.stall, self._exit.is_set)  # a stop-now gives up waiting
                    self._done(part.name, part.spool)
            except MosaicoBridgeError as exc:
                if not isinstance(exc, ConnectionFailed):
                    self._on_broken(part.name, exc)
                self._keep_for_later(part, exc)
            with self._lock:
                self._closing.pop(0)

    def _keep_for_later(self, part: Part, exc: MosaicoBridgeError | None) -> None:
        self._abandoned_by(part.detach())
        if part.spool is not None:
            self._uploads.queue(part.spool)
        else:
            self._fatal(exc or ConnectionFailed(f"sequence {part.name!r} could not be finalized: the server "
                                                "is not reachable and there is no spool"))

    def _done(self, name: str, spool: SequenceSpool | None) -> None:
        self.finalized.append(name)
        if spool is not None:
            spool.done(self.config.spool.keep)
        self.log.info(f"sequence finalized: {name}")

    # -- stop (main thread) -----------------------------------------------------------------------
    def stop(self, error: BaseException | None, now: threading.Event | None = None) -> StopReport:
        """Flush everything; finalize (or upload from the spool) — within spool.stop_timeout_s while the
        server is unreachable, and only until `now` is set (the operator signalled again); what is left
        stays in the spool and is named in the report."""
        part = self.part
        if part is None:
            return StopReport(error=str(error) if error else None)
        if not self.spooling:
            return self._stop_without_spool(part, error)
        part.drain()
        with self._lock:
            self._closing.append(part)
            self.part = None
        self._stopping.set()
        self._wake.set()
        if self.link.client is None:
            self.log.info(f"stopping: Mosaico server {self.target} is unreachable; waiting up to "
                          f"{self.config.spool.stop_timeout_s:g} s for it, then the data stays in the spool")
        started = reported = time.monotonic()
        while not self._idle.wait(timeout=0.1):
            if now is not None and now.is_set():
                self.log.warning("stopping now (signalled again): what is not uploaded yet stays in the spool")
                break
            if self.link.client is None and time.monotonic() - started > self.config.spool.stop_timeout_s:
                break
            if self.link.client is not None and time.monotonic() - reported > STOP_PROGRESS_S:
                reported = time.monotonic()
                self._report_backlog(hint=now is not None and reported - started < 2 * STOP_PROGRESS_S)
        self._exit.set()  # the supervisor gives up what it waits for (a part's finish, a queued upload)
        self._thread.join(timeout=30)
        self._sync.stop()
        for part in self._closing:
            self._abandoned_by(part.detach())
        closing = [p.spool for p in self._closing if p.spool is not None]
        for spool in closing:
            spool.release()
        self._shutdown()
        kept = [s.directory for s in closing] + self._uploads.pending + self._uploads.failed
        return StopReport(self.finalized, kept, str(error) if error else None)

    def _report_backlog(self, hint: bool) -> None:
        with self._lock:
            closing = list(self._closing)
        backlog, queued = sum(p.backlog() for p in closing), len(self._uploads.pending)
        if backlog or queued:
            parts = f" and {queued} queued part(s)" if queued else ""
            again = " (signal again to stop now: the rest stays in the spool)" if hint else ""
            self.log.info(f"stopping: {backlog} batch(es){parts} still to upload to {self.target}{again}")

    def _stop_without_spool(self, part: Part, error: BaseException | None) -> StopReport:
        self._exit.set()
        self._thread.join(timeout=30)
        outcome = finish_without_spool(part, self.link.client, self.target, self.config.sequence.on_error,
                                       self.stall, error)
        if outcome.finalized:
            self.finalized.append(part.name)
        self._shutdown()
        return StopReport(self.finalized, error=outcome.error, stored=outcome.stored)

    def _shutdown(self) -> None:
        """Close the pools and the connection, then wait for the abandoned uplinks (one inside a write
        ends when the connection closes): no thread of ours runs into the interpreter's exit."""
        self._executors.close()
        self.link.close()
        deadline = time.monotonic() + UPLINK_JOIN_S
        for uplink in list(self._abandoned):
            uplink.join(max(0.0, deadline - time.monotonic()))

    def _abandoned_by(self, uplinks: list[Uplink]) -> None:
        """Remember uplinks a detach abandoned until their threads end (joined at shutdown)."""
        self._abandoned = [u for u in (*self._abandoned, *uplinks) if not u.join(0)]
