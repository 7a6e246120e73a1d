"""Read path (§9): ListFlights, GetFlightInfo on `[sequence]`/`[sequence/topic]` and DoGet, with the
three `mosaico:` schema-metadata keys and records sorted by `timestamp_ns`.
"""
from __future__ import annotations

import base64
import json
from typing import Any, Iterator

import pyarrow as pa
import pyarrow.flight as fl
import pyarrow.parquet as pq

from mosaico_ros_bridge.protocol import TIMESTAMP_FIELD, MetadataKey, Texts, sanitize_name
from mosaico_ros_bridge.server.catalog import Catalog
from mosaico_ros_bridge.server.errors import Code, ProtocolError
from mosaico_ros_bridge.server.store import SequenceState, TopicState

VIEW_TYPES = {pa.string(): pa.string_view(), pa.large_string(): pa.string_view(),
              pa.binary(): pa.binary_view(), pa.large_binary(): pa.binary_view()}
READ_BATCH_ROWS = 4096


def _compact(value: Any, sort_keys: bool = True) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=sort_keys)


def sequence_metadata(seq: SequenceState) -> dict[str, str]:
    return {MetadataKey.CONTEXT.value: "sequence", MetadataKey.USER_METADATA.value: _compact(seq.user_metadata)}


def topic_metadata(topic: TopicState) -> dict[str, str]:
    properties = {"serialization_format": topic.serialization_format, "ontology_tag": topic.ontology_tag}
    return {MetadataKey.CONTEXT.value: "topic", MetadataKey.PROPERTIES.value: _compact(properties, sort_keys=False),
            MetadataKey.USER_METADATA.value: _compact(topic.user_metadata)}


def list_flights(catalog: Catalog, criteria: bytes) -> Iterator[fl.FlightInfo]:
    if criteria not in (b"", b"/"):
        raise ProtocolError(Texts.UNSUPPORTED_DESCRIPTOR)
    for seq in catalog.sequences():
        endpoint = fl.FlightEndpoint(seq.name.encode(), [])
        yield fl.FlightInfo(pa.schema([]), fl.FlightDescriptor.for_path(seq.name), [endpoint], -1, -1)


def _stored_topic(catalog: Catalog, name: str) -> TopicState:
    topic = catalog.topic(name)
    if topic.chunk is None or not catalog.store.data_path(topic.name).exists():
        raise ProtocolError(Texts.STORE_NOT_FOUND)
    return topic


def flight_info(catalog: Catalog, descriptor: fl.FlightDescriptor) -> fl.FlightInfo:
    if descriptor.descriptor_type != fl.DescriptorType.PATH:
        raise ProtocolError(Texts.UNSUPPORTED_DESCRIPTOR)
    if len(descriptor.path or []) != 1:
        raise ProtocolError(Texts.MULTIPLE_PATH, Code.INVALID_ARGUMENT)
    name = sanitize_name(descriptor.path[0].decode("utf-8", "replace"))
    seq = next((s for s in catalog.sequences() if s.name == name), None)
    if seq is not None:
        endpoints = [fl.FlightEndpoint(t.name.encode(), []) for t in catalog.topics_of(seq.name)]
        return fl.FlightInfo(pa.schema([], metadata=sequence_metadata(seq)), descriptor, endpoints, -1, -1)
    try:
        topic = _stored_topic(catalog, name)
    except ProtocolError:
        raise ProtocolError(Texts.STORE_NOT_FOUND) from None
    assert topic.chunk is not None
    schema = received_schema(catalog.store.data_path(topic.name)).with_metadata(topic_metadata(topic))
    endpoint = fl.FlightEndpoint(topic.name.encode(), [])
    return fl.FlightInfo(schema, descriptor, [endpoint], topic.chunk.rows, topic.chunk.size_bytes)


def received_schema(path: Any) -> pa.Schema:
    """The schema exactly as the writer sent it (names and nullability at every depth, field metadata):
    pyarrow keeps it in the file as `ARROW:schema`, while Parquet's own renames list items `element`."""
    encoded = (pq.read_metadata(path).metadata or {}).get(b"ARROW:schema")
    if encoded is None:
        return pq.read_schema(path).remove_metadata()
    return pa.ipc.read_schema(pa.py_buffer(base64.b64decode(encoded))).remove_metadata()


def _view_schema(schema: pa.Schema) -> pa.Schema:
    """Top-level strings/binaries as view types, as the real server's DataFusion reader returns them."""
    return pa.schema([f.with_type(VIEW_TYPES.get(f.type, f.type)) for f in schema])


def do_get(catalog: Catalog, ticket: bytes) -> fl.FlightDataStream:
    try:
        name = ticket.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError(Texts.BAD_TICKET, Code.INVALID_ARGUMENT) from None
    topic = _stored_topic(catalog, name)
    assert topic.chunk is not None
    path = catalog.store.data_path(topic.name)
    stored = received_schema(path)
    schema = _view_schema(stored).with_metadata(topic_metadata(topic))
    return fl.GeneratorStream(schema, _batches(path, stored, schema, topic.chunk.sorted))


def _batches(path: Any, stored: pa.Schema, schema: pa.Schema, in_order: bool) -> Iterator[pa.RecordBatch]:
    """Stream row groups when the upload was already in time order; otherwise sort the whole topic."""
    if in_order:
        source: Iterator[pa.RecordBatch] = pq.ParquetFile(path).iter_batches(batch_size=READ_BATCH_ROWS)
    else:
        table = pq.read_table(path).sort_by([(TIMESTAMP_FIELD, "ascending")])
        source = iter(table.to_batches(max_chunksize=READ_BATCH_ROWS))
    for batch in source:
        yield pa.RecordBatch.from_arrays(
            [col.cast(field.type) for col, field in zip(batch.columns, schema)], schema=schema)
