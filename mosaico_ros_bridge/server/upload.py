"""DoPut: the checks of protocol §6.4 in the server's order, arrow-rs-style batch validation, and a
bounded-memory upload that streams batches into a temp Parquet file renamed into place at the end.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.flight as fl
import pyarrow.parquet as pq

from mosaico_ros_bridge.protocol import MAX_MESSAGE_SIZE, TIMESTAMP_FIELD, SerializationFormat, Texts
from mosaico_ros_bridge.records import PUT_FIELDS, PUT_VARIANT
from mosaico_ros_bridge.server.bodies import BodyError, decode_value, describe, load_json
from mosaico_ros_bridge.server.catalog import Catalog
from mosaico_ros_bridge.server.errors import Code, ProtocolError
from mosaico_ros_bridge.server.store import Chunk, TopicState

COALESCE_BYTES = 8 * 1024 * 1024


def parse_descriptor(descriptor: fl.FlightDescriptor) -> tuple[str, str]:
    """Checks #2-#4: a CMD descriptor `{"topic": {"name", "key"}}`; returns (locator, key)."""
    if descriptor.descriptor_type == fl.DescriptorType.PATH:
        raise ProtocolError(Texts.UNSUPPORTED_DESCRIPTOR)
    command = descriptor.command or b""
    if descriptor.descriptor_type != fl.DescriptorType.CMD and not command:
        raise ProtocolError(Texts.MISSING_DESCRIPTOR, Code.INVALID_ARGUMENT)
    try:
        value, text = load_json(command)
        if not isinstance(value, dict) or len(value) != 1:
            raise BodyError(f"invalid type: {describe(value)}, expected an externally tagged enum Command")
        variant, inner = next(iter(value.items()))
        if variant != PUT_VARIANT:
            raise BodyError(f"unknown variant `{variant}`, expected `{PUT_VARIANT}`")
        topic = decode_value(inner, text, PUT_FIELDS, "TopicCommand")
    except BodyError as exc:
        raise ProtocolError(Texts.BAD_COMMAND + str(exc)) from None
    return topic["name"], topic["key"]


def check_timestamp(schema: pa.Schema) -> None:
    """Checks #6-#7: a top-level `timestamp_ns` of type int64."""
    index = schema.get_field_index(TIMESTAMP_FIELD)
    if index < 0:
        raise ProtocolError(Texts.MISSING_TIMESTAMP)
    if schema.field(index).type != pa.int64():
        raise ProtocolError(Texts.WRONG_TIMESTAMP)


def dotted_field(fields: Any, prefix: str = "") -> str | None:
    """The first field path, at any depth, whose name contains '.' (breaks server statistics)."""
    for field in fields:
        path = f"{prefix}{field.name}"
        if "." in field.name:
            return path
        inner = field.type
        while pa.types.is_list(inner) or pa.types.is_large_list(inner) or pa.types.is_fixed_size_list(inner):
            inner = inner.value_type
        if pa.types.is_struct(inner):
            found = dotted_field(list(inner), path + ".")
            if found:
                return found
    return None


def check_nulls(array: pa.Array, field: pa.Field, path: str, parent_valid: pa.Array | None = None) -> None:
    """Reject nulls in non-nullable columns, as arrow-rs's IPC decoder does (nested: only where the
    parent value is valid)."""
    if not field.nullable and array.null_count:
        if parent_valid is None:
            raise ProtocolError(f"{Texts.STREAMING}Invalid argument error: Column '{path}' is declared as "
                                "non-nullable but contains null values")
        if pc.any(pc.and_(array.is_null(), parent_valid)).as_py():
            raise ProtocolError(f"{Texts.STREAMING}Invalid argument error: Found unmasked nulls for "
                                f"non-nullable StructArray field \"{field.name}\"")
    if pa.types.is_struct(field.type):
        valid = array.is_valid() if parent_valid is None else pc.and_(array.is_valid(), parent_valid)
        for index, child in enumerate(field.type):
            check_nulls(array.field(index), child, f"{path}.{child.name}", valid)
    elif pa.types.is_list(field.type) or pa.types.is_large_list(field.type) or pa.types.is_fixed_size_list(field.type):
        check_nulls(array.flatten(), field.type.value_field, f"{path}.item")


def _is_list(arrow_type: pa.DataType) -> bool:
    return bool(pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type))


def _has_required(arrow_type: pa.DataType) -> bool:
    """Whether a non-nullable field sits anywhere below this type (through structs and lists)."""
    if pa.types.is_struct(arrow_type):
        return any(not c.nullable or _has_required(c.type) for c in arrow_type)
    if _is_list(arrow_type):
        return not arrow_type.value_field.nullable or _has_required(arrow_type.value_type)
    return False


def _unmask(array: pa.Array, field: pa.Field) -> pa.Array:
    """Replace nulls hidden under a null parent (legal in arrow-rs) with defaults, since pyarrow's
    Parquet writer rejects any null in a non-nullable column. Readers see the parent's null."""
    arrow_type = field.type
    if pa.types.is_struct(arrow_type):
        if not _has_required(arrow_type):
            return array
        children = [_unmask(array.field(i), child) for i, child in enumerate(arrow_type)]
        mask = array.is_null() if array.null_count else None
        return pa.StructArray.from_arrays(children, fields=list(arrow_type), mask=mask)
    if _is_list(arrow_type):
        if field.nullable and not _has_required(arrow_type):
            return array
        values = _unmask(array.values, arrow_type.value_field)
        mask = array.is_null() if (field.nullable and array.null_count) else None
        return type(array).from_arrays(array.offsets, values, type=arrow_type, mask=mask)
    if field.nullable or array.null_count == 0:
        return array
    default = pa.scalar(b"" if pa.types.is_binary(arrow_type) else "" if pa.types.is_string(arrow_type) else
                        False if pa.types.is_boolean(arrow_type) else 0).cast(arrow_type)
    return pc.fill_null(array, default)


def storable(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """The batch with masked nulls filled, for the Parquet writer."""
    columns = [_unmask(col, field) if _has_required(field.type) else col for col, field in zip(batch.columns, schema)]
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


Guard = Callable[[Callable[[], pq.ParquetWriter]], pq.ParquetWriter]


class TopicUpload:
    """One DoPut stream into a temp Parquet file; memory is bounded by COALESCE_BYTES. `guard` runs the
    file's creation atomically with deletes of the topic (each dialect's catalogue provides it)."""

    def __init__(self, guard: Guard, partial: Path, serialization_format: str, schema: pa.Schema,
                 limit: int = MAX_MESSAGE_SIZE) -> None:
        self.schema = schema.remove_metadata()
        self.limit = limit
        self._guard = guard
        self.partial = partial
        self.rows = 0
        self.batches = 0
        self.sorted = True
        self._last_ts: int | None = None
        self._pending: list[pa.RecordBatch] = []
        self._pending_bytes = 0
        self._writer: pq.ParquetWriter | None = None
        plain = serialization_format == SerializationFormat.DEFAULT
        # The real server uses ZSTD 5 (ragged) / 22 (image); level 22 cannot keep up with cameras on a
        # robot's two cores, so images use a fast level here. Storage only: reads are identical.
        level = 5 if serialization_format == SerializationFormat.RAGGED else 1
        self._options: dict[str, Any] = {
            "compression": "none" if plain else "zstd", "compression_level": None if plain else level,
            "use_dictionary": plain, "write_statistics": plain,
        }

    def add(self, batch: pa.RecordBatch) -> None:
        if self._writer is None:
            dotted = dotted_field(list(self.schema))
            if dotted:
                raise ProtocolError(f"rw error :: arrow error :: can't find column `{dotted}`")
        if batch.nbytes > self.limit:
            raise ProtocolError(f"{Texts.STREAMING}Status {{ code: OutOfRange, message: \"Error, decoded message "
                                f"length too large: found {batch.nbytes} bytes, the limit is: {self.limit} bytes\" }}")
        for column, field in zip(batch.columns, self.schema):
            check_nulls(column, field, field.name)
        self._track_order(batch.column(TIMESTAMP_FIELD))
        if self._writer is None:
            self._writer = self._guard(
                lambda: pq.ParquetWriter(self.partial, self.schema, version="2.6", **self._options))
        self._pending.append(storable(batch, self.schema))
        self._pending_bytes += batch.nbytes
        self.rows += batch.num_rows
        self.batches += 1
        if self._pending_bytes >= COALESCE_BYTES:
            self._flush()

    def _track_order(self, ts: pa.Array) -> None:
        if not self.sorted or len(ts) == 0:
            return
        if self._last_ts is not None and ts[0].as_py() < self._last_ts:
            self.sorted = False
        elif len(ts) > 1 and not pc.all(pc.greater_equal(ts[1:], ts[:-1])).as_py():
            self.sorted = False
        self._last_ts = ts[-1].as_py()

    def _flush(self) -> None:
        if self._pending and self._writer is not None:
            self._writer.write_table(pa.Table.from_batches(self._pending, self.schema))
        self._pending, self._pending_bytes = [], 0

    def finish(self) -> tuple[Path | None, Chunk | None]:
        """Close the file durably; (None, None) for a stream without batches."""
        if self._writer is None:
            return None, None
        self._flush()
        self._writer.close()
        self._writer = None
        if not self.partial.exists():  # the topic was deleted/aborted while streaming
            raise ProtocolError(Texts.ROW_NOT_FOUND)
        fsync_file(self.partial)
        return self.partial, Chunk(self.rows, self.partial.stat().st_size, self.sorted, self.batches)

    def stream(self, next_batch: Callable[[], pa.RecordBatch | None],
               complete: Callable[[Path | None, Chunk | None], None]) -> None:
        """Store every batch of a DoPut, then hand the finished file to `complete`; nothing is left
        behind when anything fails."""
        try:
            while (batch := next_batch()) is not None:
                self.add(batch)
            complete(*self.finish())
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self.partial.unlink(missing_ok=True)


def _next_batch(reader: fl.MetadataRecordBatchReader) -> pa.RecordBatch | None:
    try:
        chunk = reader.read_chunk()
    except StopIteration:
        return None
    except pa.ArrowException as exc:
        text = str(exc)
        raise ProtocolError(Texts.DUPLICATE_SCHEMA if "schema" in text.lower() else Texts.STREAMING + text) from None
    if chunk.data is None:
        raise ProtocolError(Texts.NO_DATA)
    return chunk.data


def handle_put(catalog: Catalog, descriptor: fl.FlightDescriptor, reader: fl.MetadataRecordBatchReader) -> None:
    locator, key = parse_descriptor(descriptor)
    schema = reader.schema
    check_timestamp(schema)
    topic = catalog.topic_for_upload(locator, key)
    upload = TopicUpload(lambda make: catalog.while_current(topic, make), catalog.store.partial_data_path(topic.name),
                         topic.serialization_format, schema)
    upload.stream(lambda: _next_batch(reader), lambda partial, chunk: catalog.complete_upload(topic, partial, chunk))
