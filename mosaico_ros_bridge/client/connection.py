"""Connection: one Mosaico server — its control connection, the action layer, the lane/executor pools
that writers use, and the read path. The public `MosaicoClient` adds the writing API on top of it
(mosaico_client.py), so that this package needs nothing from `writers/`."""
from __future__ import annotations

import time
from typing import Any, Callable, TypeVar

import pyarrow as pa
import pyarrow.flight as fl

from mosaico_ros_bridge.client.actions import FLIGHT_ERRORS, Notification, SeedActions, flight_error, server_text
from mosaico_ros_bridge.client.names import split_locator, topic_locator
from mosaico_ros_bridge.client.pools import ExecutorPool, LanePool
from mosaico_ros_bridge.client.reader import (
    TopicSpan, TopicTable, list_sequences, read_topic_table, scan_timestamps, sequence_topics, topic_properties,
)
from mosaico_ros_bridge.errors import ConnectionFailed
from mosaico_ros_bridge.ontology import Message
from mosaico_ros_bridge.protocol import DEFAULT_PORT

T = TypeVar("T")
PROBE_RETRY_S = 0.025
C = TypeVar("C", bound="Connection")


class Connection:
    """A connection to a Mosaico server. Use `Connection.connect(host, port)` as a context manager."""

    def __init__(self, host: str, port: int, *, pool_size: int | None = None, call_timeout: float | None = None) -> None:
        self.host, self.port = host, port
        self.location = f"grpc://{host}:{port}"
        self._control = fl.FlightClient(self.location)
        self.actions = SeedActions(self._control, f"{host}:{port}", call_timeout)
        self.lanes = LanePool(self.location, pool_size)
        self.executors = ExecutorPool(pool_size)
        self._closed = False

    @classmethod
    def connect(cls: type[C], host: str = "localhost", port: int = DEFAULT_PORT, *, timeout: float = 5.0,
                pool_size: int | None = None, call_timeout: float | None = None) -> C:
        """Connect and probe readiness; ConnectionFailed names host:port and what to check.
        call_timeout bounds every control action (None: wait as long as the server takes)."""
        client = cls(host, port, pool_size=pool_size, call_timeout=call_timeout)
        try:
            _probe(client._control, timeout)
        except FLIGHT_ERRORS as exc:
            client.close()
            raise ConnectionFailed(
                f"cannot reach a Mosaico server at {host}:{port} within {timeout:g} s ({server_text(exc)}). "
                "Check that mosaicod or `python -m mosaico_ros_bridge.server` is running there, that host and "
                "port are right, and that nothing blocks the port.") from exc
        return client

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
        return list_sequences(self._control)

    def sequence_metadata(self, sequence: str) -> Any:
        return self._read(sequence, lambda: sequence_topics(self._control, sequence)[0])

    def list_topics(self, sequence: str) -> list[str]:
        """Topic names of a sequence, with their leading '/' (e.g. '/camera/image_raw')."""
        locators = self._read(sequence, lambda: sequence_topics(self._control, sequence)[1])
        return [split_locator(loc)[1] for loc in locators]

    def read_topic_table(self, sequence: str, topic: str) -> TopicTable:
        locator = topic_locator(sequence, topic)
        return self._read(locator, lambda: read_topic_table(self._control, locator))

    def topic_properties(self, sequence: str, topic: str) -> dict[str, Any]:
        """The topic's ontology_tag and serialization_format, without reading its data."""
        locator = topic_locator(sequence, topic)
        return self._read(locator, lambda: topic_properties(self._control, locator))

    def topic_span(self, sequence: str, topic: str) -> TopicSpan:
        """Record count and time range of a topic, streamed (no full read into memory)."""
        locator = topic_locator(sequence, topic)
        return self._read(locator, lambda: scan_timestamps(self._control, locator))

    def read_topic(self, sequence: str, topic: str) -> list[Message]:
        """Every record of a topic as typed Messages, sorted by timestamp_ns."""
        return self.read_topic_table(sequence, topic).messages()

    def _read(self, what: str, call: Callable[[], T]) -> T:
        """An unreachable server is ConnectionFailed, a missing sequence or topic NotFound."""
        try:
            return call()
        except FLIGHT_ERRORS as exc:
            raise flight_error(exc, f"reading {what!r}", f"{self.host}:{self.port}", "read") from exc

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


def _probe(control: fl.FlightClient, timeout: float) -> None:
    """ListFlights until the server answers, within `timeout` in all. pyarrow's wait_for_available
    gives each attempt no deadline, so a server that accepts connections but never answers (stopped,
    a link that silently drops) held it for as long as gRPC's own connect timeout (~20 s)."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        try:
            list(control.list_flights(options=fl.FlightCallOptions(timeout=max(remaining, 0.001))))
            return
        except fl.FlightUnavailableError:
            if time.monotonic() + PROBE_RETRY_S >= deadline:
                raise
            time.sleep(PROBE_RETRY_S)  # nothing listens yet: ask again shortly
        except NotImplementedError:  # a server without ListFlights is still there
            return
