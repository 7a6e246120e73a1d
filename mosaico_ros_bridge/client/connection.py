"""Connection: one Mosaico server — its control connection, the action layer of the dialect it speaks
(found at connect), the lane/executor pools that writers use, and the read path. The public
`MosaicoClient` adds the writing API on top of it (mosaico_client.py), so that this package needs
nothing from `writers/`."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

import pyarrow as pa
import pyarrow.flight as fl

from mosaico_ros_bridge.client.actions import FLIGHT_ERRORS, Actions, Notification, SeedActions, flight_error
from mosaico_ros_bridge.client.dialect import ServerInfo, probe
from mosaico_ros_bridge.client.endpoint import Endpoint
from mosaico_ros_bridge.client.names import split_locator, topic_locator
from mosaico_ros_bridge.client.pools import ExecutorPool, LanePool
from mosaico_ros_bridge.client.reader import SEED_READS, TopicSpan, TopicTable
from mosaico_ros_bridge.client.session_actions import SessionActions
from mosaico_ros_bridge.client.session_reader import SESSION_READS
from mosaico_ros_bridge.errors import ConfigError
from mosaico_ros_bridge.ontology import Message
from mosaico_ros_bridge.protocol import DEFAULT_PORT

log = logging.getLogger("mosaico_ros_bridge.client")
T = TypeVar("T")
C = TypeVar("C", bound="Connection")
SEED = ServerInfo("seed", "seed era", None)


class Connection:
    """A connection to a Mosaico server. Use `Connection.connect(host, port)` as a context manager."""

    def __init__(self, endpoint: Endpoint, *, pool_size: int | None = None, call_timeout: float | None = None,
                 server: ServerInfo = SEED, control: fl.FlightClient | None = None) -> None:
        self.endpoint = endpoint
        self.host, self.port = endpoint.host, endpoint.port
        self.location = endpoint.location
        self.server = server
        self._control = control or endpoint.flight_client()
        kind = SessionActions if server.dialect == "session" else SeedActions
        self.actions: Actions = kind(self._control, endpoint.target, call_timeout)
        self._reads = SESSION_READS if server.dialect == "session" else SEED_READS
        self.lanes = LanePool(endpoint, pool_size)
        self.executors = ExecutorPool(pool_size)
        self._closed = False

    @property
    def dialect(self) -> str:
        return self.server.dialect

    @classmethod
    def connect(cls: type[C], host: str = "localhost", port: int = DEFAULT_PORT, *, timeout: float = 5.0,
                pool_size: int | None = None, call_timeout: float | None = None, dialect: str = "auto",
                tls: bool = False, tls_cert_path: str | Path | None = None, api_key: str | None = None) -> C:
        """Connect, wait for the server (within timeout) and find the dialect it speaks (`dialect`
        other than auto must match). ConnectionFailed names host:port and what to check; a refused
        API key is PermissionDenied. call_timeout bounds every control action (None: no bound)."""
        endpoint = Endpoint(host, port, tls or tls_cert_path is not None, _read_ca(tls_cert_path), api_key or None)
        control = endpoint.flight_client()  # the probe's connection stays the control connection
        try:
            server = probe(control, endpoint.target, timeout, dialect)
            if server.dialect == "seed" and (endpoint.tls or endpoint.api_key):
                raise ConfigError(f"the server at {endpoint.target} speaks the seed dialect, which has no TLS or API "
                                  "keys; remove them from the connection settings")
        except BaseException:
            control.close()
            raise
        log.info("connected to %s at %s (%s dialect)", "mosaicod " + server.version if server.dialect == "session"
                 else "a seed-era server", endpoint.target, server.dialect)
        return cls(endpoint, pool_size=pool_size, call_timeout=call_timeout, server=server, control=control)

    def __enter__(self: C) -> C:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.executors.close()
        self.lanes.close()
        self._control.close()

    # -- reading ------------------------------------------------------------------------------
    def list_sequences(self) -> list[str]:
        return self._reads.list_sequences(self._control)

    def sequence_metadata(self, sequence: str) -> Any:
        return self._read(sequence, lambda: self._reads.sequence_topics(self._control, sequence)[0])

    def list_topics(self, sequence: str) -> list[str]:
        """Topic names of a sequence, with their leading '/' (e.g. '/camera/image_raw')."""
        locators = self._read(sequence, lambda: self._reads.sequence_topics(self._control, sequence)[1])
        return [split_locator(loc)[1] for loc in locators]

    def read_topic_table(self, sequence: str, topic: str) -> TopicTable:
        locator = topic_locator(sequence, topic)
        return self._read(locator, lambda: self._reads.read_topic_table(self._control, locator))

    def topic_properties(self, sequence: str, topic: str) -> dict[str, Any]:
        """The topic's ontology_tag and serialization_format, without reading its data."""
        locator = topic_locator(sequence, topic)
        return self._read(locator, lambda: self._reads.topic_properties(self._control, locator))

    def topic_span(self, sequence: str, topic: str) -> TopicSpan:
        """Record count and time range of a topic, streamed (no full read into memory)."""
        locator = topic_locator(sequence, topic)
        return self._read(locator, lambda: self._reads.topic_span(self._control, locator))

    def stream_topic(self, sequence: str, topic: str) -> Iterator[pa.RecordBatch]:
        """A topic's record batches as the server streams them (bounded memory, sorted by timestamp_ns)."""
        locator = topic_locator(sequence, topic)
        reader = self._read(locator, lambda: self._reads.open_topic(self._control, locator))
        try:
            for chunk in reader:
                yield chunk.data
        except FLIGHT_ERRORS as exc:
            raise flight_error(exc, f"reading {locator!r}", self.endpoint.target, "read") from exc

    def read_topic(self, sequence: str, topic: str) -> list[Message]:
        """Every record of a topic as typed Messages, sorted by timestamp_ns."""
        return self.read_topic_table(sequence, topic).messages()

    def _read(self, what: str, call: Callable[[], T]) -> T:
        """An unreachable server is ConnectionFailed, a missing sequence or topic NotFound."""
        try:
            return call()
        except FLIGHT_ERRORS as exc:
            raise flight_error(exc, f"reading {what!r}", self.endpoint.target, "read") from exc

    def sequence_system_info(self, sequence: str) -> dict[str, Any]:
        return self.actions.system_info(sequence, topic=False)

    def topic_system_info(self, sequence: str, topic: str) -> dict[str, Any]:
        return self.actions.system_info(topic_locator(sequence, topic), topic=True)

    def sequence_notifications(self, sequence: str) -> list[Notification]:
        return self.actions.notifications(sequence, topic=False)

    def topic_notifications(self, sequence: str, topic: str) -> list[Notification]:
        return self.actions.notifications(topic_locator(sequence, topic), topic=True)

    def sequence_delete(self, sequence: str) -> None:
        """Delete an unlocked (not finalized) sequence, e.g. one left by OnErrorPolicy.Report."""
        self.actions.sequence_delete(sequence)

    def query(self, **filters: Any) -> list[dict[str, Any]]:
        """The `query` action (keys `sequence`, `topic`, `ontology`); items of {sequence, topics}."""
        return self.actions.query(filters)



def _read_ca(path: str | Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the TLS CA file {str(path)!r}: {exc.strerror}; give the PEM file of the "
                          "CA that signed the server's certificate") from exc
