"""Read path (§9): list sequences and topics, read a topic back as an Arrow table or as typed
`Message`s chosen by the `mosaico:properties` ontology tag."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.flight as fl

from mosaico_ros_bridge.errors import MosaicoBridgeError
from mosaico_ros_bridge import ontology07
from mosaico_ros_bridge.ontology import Message, registered
from mosaico_ros_bridge.protocol import MetadataKey


@dataclass(frozen=True)
class TopicTable:
    """A topic as stored: its rows sorted by timestamp_ns, ontology tag, format and user metadata."""

    locator: str
    ontology_tag: str
    serialization_format: str
    user_metadata: Any
    table: pa.Table

    def messages(self) -> list[Message]:
        """Rows as typed Messages (the SDK reader's rules); needs the tag to be a registered type."""
        data_type = registered(self.ontology_tag) or ontology07.registered(self.ontology_tag)
        if data_type is None:
            raise MosaicoBridgeError(f"topic {self.locator!r} has ontology tag {self.ontology_tag!r}, which no "
                                     "registered type has; read it with read_topic_table() instead")
        return [Message.from_row(row, data_type) for row in self.table.to_pylist()]


def _metadata(schema: pa.Schema, key: MetadataKey) -> Any:
    raw = (schema.metadata or {}).get(key.value.encode())
    return json.loads(raw) if raw else None


def list_sequences(client: fl.FlightClient) -> list[str]:
    return sorted(info.descriptor.path[0].decode() for info in client.list_flights())


def sequence_topics(client: fl.FlightClient, sequence: str) -> tuple[Any, list[str]]:
    """(user metadata, topic locators) of a sequence."""
    info = client.get_flight_info(fl.FlightDescriptor.for_path(sequence))
    return _metadata(info.schema, MetadataKey.USER_METADATA), sorted(e.ticket.ticket.decode() for e in info.endpoints)


def read_topic_table(client: fl.FlightClient, locator: str) -> TopicTable:
    table = client.do_get(fl.Ticket(locator.encode())).read_all()
    properties = _metadata(table.schema, MetadataKey.PROPERTIES) or {}
    return TopicTable(locator, properties.get("ontology_tag", ""), properties.get("serialization_format", ""),
                      _metadata(table.schema, MetadataKey.USER_METADATA), table)


@dataclass(frozen=True)
class TopicSpan:
    """Record count and first/last timestamp_ns of a topic (None/0 when empty)."""

    records: int
    first_ns: int | None
    last_ns: int | None


def scan_timestamps(client: fl.FlightClient, locator: str | fl.Ticket) -> TopicSpan:
    """Stream a topic once (by locator, or by a ticket a server handed out), keeping only its
    timestamps' count and range (bounded memory)."""
    reader = client.do_get(locator if isinstance(locator, fl.Ticket) else fl.Ticket(locator.encode()))
    records, first, last = 0, None, None
    for chunk in reader:
        column = chunk.data.column("timestamp_ns")
        if len(column) == 0:
            continue
        records += len(column)
        low, high = pc.min_max(column).values()
        first = low.as_py() if first is None else min(first, low.as_py())
        last = high.as_py() if last is None else max(last, high.as_py())
    return TopicSpan(records, first, last)


def topic_properties(client: fl.FlightClient, locator: str) -> dict[str, Any]:
    """`mosaico:properties` of a topic (ontology_tag, serialization_format) without reading its data."""
    info = client.get_flight_info(fl.FlightDescriptor.for_path(locator))
    return _metadata(info.schema, MetadataKey.PROPERTIES) or {}


@dataclass(frozen=True)
class ReadPath:
    """One dialect's read functions (seed: below; session: session_reader.SESSION_READS)."""

    list_sequences: Callable[[fl.FlightClient], list[str]]
    sequence_topics: Callable[[fl.FlightClient, str], tuple[Any, list[str]]]
    read_topic_table: Callable[[fl.FlightClient, str], TopicTable]
    topic_properties: Callable[[fl.FlightClient, str], dict[str, Any]]
    topic_span: Callable[[fl.FlightClient, str], TopicSpan]
    open_topic: Callable[[fl.FlightClient, str], fl.FlightStreamReader]


def open_topic(client: fl.FlightClient, locator: str) -> fl.FlightStreamReader:
    return client.do_get(fl.Ticket(locator.encode()))


SEED_READS = ReadPath(list_sequences, sequence_topics, read_topic_table, topic_properties, scan_timestamps, open_topic)
