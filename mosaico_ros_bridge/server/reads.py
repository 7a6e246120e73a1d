"""Read path (§9): ListFlights, GetFlightInfo on `[sequence]`/`[sequence/topic]` and DoGet, with the
three `mosaico:` schema-metadata keys and records sorted by `timestamp_ns`.
"""
from __future__ import annotations

import base64
import json
from typing import Any, Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.flight as fl
import pyarrow.parquet as pq

from mosaico_ros_bridge.protocol import TIMESTAMP_FIELD, MetadataKey, Texts, sanitize_name
from mosaico_ros_bridge.server.catalog import Catalog
from mosaico_ros_bridge.server.errors import Code, ProtocolError
from mosaico_ros_bridge.server.store import SequenceState, TopicState

VIEW_TYPES = {pa.string(): pa.string_view(), pa.large_string(): pa.string_view(),
              pa.binary(): pa.binary_view(), pa.large_binary(): pa.binary_view()}
READ_BATCH_ROWS = 4096
READ_BATCH_BYTES = 16 * 1024 * 1024  # a camera frame is MBs: 4096 of them would pass gRPC's 2 GiB message limit


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
    return fl.GeneratorStream(schema, served_batches(path, schema, topic.chunk.sorted))


def served_batches(path: Any, schema: pa.Schema, in_order: bool,
                   window: tuple[int | None, int | None] = (None, None)) -> Iterator[pa.RecordBatch]:
    """Stream the topic in batches of at most READ_BATCH_ROWS rows and (but for a single larger row)
    READ_BATCH_BYTES: row groups as stored when the upload was in time order, else the sorted topic.
    `window` keeps rows with start <= timestamp_ns < end (either bound may be open)."""
    rows = _rows_per_batch(path)
    if in_order:
        source: Iterator[pa.RecordBatch] = pq.ParquetFile(path).iter_batches(batch_size=rows)
    else:
        table = pq.read_table(path).sort_by([(TIMESTAMP_FIELD, "ascending")])
        source = iter(table.to_batches(max_chunksize=rows))
    for batch in source:
        batch = _within(batch, window)
        if batch.num_rows == 0:
            continue
        for part in _bounded(batch):
            yield pa.RecordBatch.from_arrays([_as(col, field.type) for col, field in zip(part.columns, schema)],
                                             schema=schema)


def window_mask(ts: Any, window: tuple[int | None, int | None]) -> Any:
    """start <= timestamp_ns < end, either bound open."""
    start, end = window
    return pc.and_(pc.greater_equal(ts, start if start is not None else -(2**63)),
                   pc.less(ts, end) if end is not None else pc.is_valid(ts))


def _within(batch: pa.RecordBatch, window: tuple[int | None, int | None]) -> pa.RecordBatch:
    if window == (None, None):
        return batch
    return batch.filter(window_mask(batch.column(TIMESTAMP_FIELD), window))


def _as(column: pa.Array, served: pa.DataType) -> pa.Array:
    """The column in its served type. A view array of a slice would reference (and IPC would send) the
    whole parent buffer, so a slice of a bigger buffer is compacted before it becomes a view."""
    if served in VIEW_TYPES.values() and len(column):
        data = column.buffers()[2]
        if data is not None and (pc.sum(pc.binary_length(column)).as_py() or 0) < data.size:
            column = pa.concat_arrays([column])
    return column.cast(served)


def _rows_per_batch(path: Any) -> int:
    """Rows that fit READ_BATCH_BYTES at the topic's average row size (from the file's metadata)."""
    metadata = pq.read_metadata(path)
    size = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    average = size / metadata.num_rows if metadata.num_rows else 1
    return max(1, min(READ_BATCH_ROWS, int(READ_BATCH_BYTES // max(average, 1))))


def _bounded(batch: pa.RecordBatch) -> Iterator[pa.RecordBatch]:
    """Halve a batch until each piece is within READ_BATCH_BYTES (rows vary in size)."""
    if batch.nbytes <= READ_BATCH_BYTES or batch.num_rows <= 1:
        yield batch
        return
    half = batch.num_rows // 2
    yield from _bounded(batch.slice(0, half))
    yield from _bounded(batch.slice(half))
