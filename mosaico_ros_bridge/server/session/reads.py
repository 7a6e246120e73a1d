"""Read path of the session dialect (§7): GetFlightInfo and GetSchema on a CMD JSON descriptor,
`SequenceAppMetadata`/`TopicAppMetadata` manifests, opaque tickets carrying the time window, DoGet
of the stored schema (as received) with LZ4-compressed IPC bodies, ListFlights of sequences."""
from __future__ import annotations

import json
from typing import Any, Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.flight as fl
import pyarrow.parquet as pq

from mosaico_ros_bridge.protocol import TIMESTAMP_FIELD
from mosaico_ros_bridge.records import Field
from mosaico_ros_bridge.server.bodies import BodyError, decode
from mosaico_ros_bridge.server.errors import Code, ProtocolError
from mosaico_ros_bridge.server.reads import received_schema, served_batches, window_mask
from mosaico_ros_bridge.server.session.catalog import SessionCatalog
from mosaico_ros_bridge.server.session.locators import is_sequence, is_topic
from mosaico_ros_bridge.server.session.state import SequenceRec, TopicRec
from mosaico_ros_bridge.session_protocol import INFO_FIELDS, SessionTexts as T

TICKET_PREFIX = b"msst1:"  # opaque to clients; only this server reads it back
TICKET_FIELDS = (Field("locator"), Field("start", "any"), Field("end", "any"))
Window = tuple[int | None, int | None]


def _compact(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def parse_command(descriptor: fl.FlightDescriptor) -> tuple[str, Window]:
    """The CMD JSON `{"resource_locator", "timestamp_ns_start"?, "timestamp_ns_end"?}`."""
    if descriptor.descriptor_type != fl.DescriptorType.CMD:
        raise ProtocolError(T.UNSUPPORTED_DESCRIPTOR, Code.INVALID_ARGUMENT)
    try:
        command = decode(descriptor.command or b"", INFO_FIELDS, "GetFlightInfoCmd")
    except BodyError as exc:
        raise ProtocolError(T.BAD_REQUEST.format(detail=exc), Code.INVALID_ARGUMENT) from None
    window: Window = (command.get("timestamp_ns_start"), command.get("timestamp_ns_end"))
    if any(v is not None and (not isinstance(v, int) or isinstance(v, bool)) for v in window):
        raise ProtocolError(T.BAD_REQUEST.format(detail="timestamps must be integers"), Code.INVALID_ARGUMENT)
    if window[0] is not None and window[1] is not None and window[0] >= window[1]:
        raise ProtocolError(T.BAD_RANGE, Code.INVALID_ARGUMENT)
    return str(command["resource_locator"]), window


def _timestamps(catalog: SessionCatalog, topic: TopicRec) -> pa.Array | None:
    if topic.chunk is None:
        return None
    return pq.read_table(catalog.store.data_path(topic.name), columns=[TIMESTAMP_FIELD]).column(0)


def _interval(ts: Any) -> dict[str, int] | None:
    if ts is None or len(ts) == 0:
        return None
    bounds = pc.min_max(ts).as_py()
    return {"start_ns": bounds["min"], "end_ns": bounds["max"]}


def topic_manifest(catalog: SessionCatalog, topic: TopicRec, window: Window) -> dict[str, Any]:
    ts = _timestamps(catalog, topic)
    manifest: dict[str, Any] = {
        "created_at_ns": topic.created_ns, "completed_at_ns": topic.completed_ns,
        "locked": topic.completed_ns is not None, "resource_locator": topic.name,
        "ontology_tag": topic.ontology_tag, "serialization_format": topic.serialization_format,
        "user_metadata": topic.user_metadata if topic.user_metadata is not None else {},
        "data_info": {"interval": _interval(ts), "total_row_count": topic.chunk.rows if topic.chunk else 0,
                      "total_bytes": topic.chunk.size_bytes if topic.chunk else 0,
                      "total_chunks_count": 1 if topic.chunk else 0},
        "time_window_info": None,
    }
    if window != (None, None):
        inside = ts.filter(window_mask(ts, window)) if ts is not None else None
        manifest["time_window_info"] = {"interval": _interval(inside), "row_count": len(inside) if inside is not None else 0}
    return manifest


def _endpoint(catalog: SessionCatalog, topic: TopicRec, window: Window) -> fl.FlightEndpoint:
    ticket = TICKET_PREFIX + _compact({"locator": topic.name, "start": window[0], "end": window[1]})
    return fl.FlightEndpoint(ticket, [], app_metadata=_compact(topic_manifest(catalog, topic, window)))


def sequence_manifest(catalog: SessionCatalog, seq: SequenceRec) -> dict[str, Any]:
    topics = catalog.topics_of(seq.name)
    return {"resource_locator": seq.name, "created_at_ns": seq.created_ns,
            "user_metadata": seq.user_metadata if seq.user_metadata is not None else {},
            "sessions": [{"locator": s.locator, "created_at_ns": s.created_ns, "completed_at_ns": s.completed_ns,
                          "locked": s.completed_ns is not None,
                          "topics": [t.name for t in topics if t.session_uuid == s.uuid]} for s in seq.sessions]}


def flight_info(catalog: SessionCatalog, descriptor: fl.FlightDescriptor) -> fl.FlightInfo:
    locator, window = parse_command(descriptor)
    if is_sequence(locator):
        seq = catalog.sequence(locator)
        endpoints = [_endpoint(catalog, t, window) for t in catalog.topics_of(seq.name)]
        return fl.FlightInfo(pa.schema([]), descriptor, endpoints, -1, -1,
                             app_metadata=_compact(sequence_manifest(catalog, seq)))
    if is_topic(locator):
        topic = catalog.topic(locator)
        schema = received_schema(catalog.store.data_path(topic.name)) if topic.chunk else pa.schema([])
        rows = topic.chunk.rows if topic.chunk else 0
        return fl.FlightInfo(schema, descriptor, [_endpoint(catalog, topic, window)], rows, -1)
    if ":" in locator:
        raise ProtocolError(T.UNSUPPORTED_LOCATOR.format(value=locator), Code.INVALID_ARGUMENT)
    raise ProtocolError(T.BAD_LOCATOR.format(value=locator), Code.INVALID_ARGUMENT)


def schema_of(catalog: SessionCatalog, descriptor: fl.FlightDescriptor) -> pa.Schema:
    """GetSchema: the schema of the topic's first upload, exactly as the writer sent it."""
    locator, _ = parse_command(descriptor)
    if not is_topic(locator):
        raise ProtocolError(T.BAD_TOPIC_LOCATOR.format(value=locator), Code.INVALID_ARGUMENT)
    topic = catalog.topic(locator)
    if topic.chunk is None:
        raise ProtocolError(T.NO_DATA.format(locator=locator), Code.NOT_FOUND)
    return received_schema(catalog.store.data_path(topic.name))


def do_get(catalog: SessionCatalog, ticket: bytes) -> fl.FlightDataStream:
    if not ticket.startswith(TICKET_PREFIX):
        raise ProtocolError(T.BAD_REQUEST.format(detail="malformed ticket"), Code.INVALID_ARGUMENT)
    try:
        fields = decode(ticket[len(TICKET_PREFIX):], TICKET_FIELDS, "Ticket")
    except BodyError as exc:
        raise ProtocolError(T.BAD_REQUEST.format(detail=exc), Code.INVALID_ARGUMENT) from None
    topic = catalog.topic(str(fields["locator"]))
    if topic.chunk is None:
        raise ProtocolError(T.NO_DATA.format(locator=topic.name), Code.NOT_FOUND)
    path = catalog.store.data_path(topic.name)
    schema = received_schema(path)
    batches = served_batches(path, schema, topic.chunk.sorted, (fields["start"], fields["end"]))
    return fl.GeneratorStream(schema, batches, options=pa.ipc.IpcWriteOptions(compression="lz4"))


def list_flights(catalog: SessionCatalog, criteria: bytes) -> Iterator[fl.FlightInfo]:
    if criteria not in (b"", b"/"):
        raise ProtocolError(T.UNSUPPORTED_DESCRIPTOR, Code.INVALID_ARGUMENT)
    for seq in catalog.sequences():
        endpoint = fl.FlightEndpoint(seq.name.encode(), [])
        yield fl.FlightInfo(pa.schema([]), fl.FlightDescriptor.for_path(seq.name), [endpoint], -1, -1)
