"""What the batch CDR decoders share (they read CDR with adapters/cdr.py's offset readers): turning
the columns a decoder read into the ontology's record batch. A decoder names each column by its schema path
(`pose.position.x`, `transforms[].header`); `assemble` builds the nested structs and lists from the
schema (what no decoder names is null), in either era's layout. The eras' rules (which header and
covariance are "unknown") are applied here in vectorized form; the getters hold the row form."""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import pyarrow as pa

from mosaico_ros_bridge.adapters.cdr import Declined, header_at
from mosaico_ros_bridge.ontology.columnar import binary_from_views
from mosaico_ros_bridge.protocol import MESSAGE_HEADER_FIELD

BatchDecoder = Callable[[Sequence[Any], pa.Schema], "pa.RecordBatch | None"]


def session_layout(schema: pa.Schema) -> bool:
    """The 0.7 layout (session dialect) has no message_header envelope column."""
    return MESSAGE_HEADER_FIELD not in schema.names


@dataclass
class Columns:
    """What a decoder read from a batch of `rows` messages, by schema path: leaf values (numpy arrays,
    lists or ready Arrow arrays), struct null masks, and list offsets (their items under `path[]`)."""

    rows: int
    values: dict[str, Any] = field(default_factory=dict)
    masks: dict[str, np.ndarray] = field(default_factory=dict)
    offsets: dict[str, np.ndarray] = field(default_factory=dict)
    list_masks: dict[str, np.ndarray] = field(default_factory=dict)

    def named_under(self) -> set[str]:
        """Every struct or list path that has something named beneath it."""
        found: set[str] = set()
        for path in [*self.values, *self.offsets, *self.masks]:
            for cut in range(len(path)):
                if path[cut] == "." or path.startswith("[]", cut):
                    found.add(path[:cut])
        return found


def _mask(values: np.ndarray | None) -> pa.Array | None:
    return pa.array(values) if values is not None and values.any() else None


def _build(arrow_type: pa.DataType, path: str, columns: Columns, rows: int, under: set[str]) -> pa.Array:
    value = columns.values.get(path)
    if value is not None:
        return value if isinstance(value, pa.Array) else pa.array(value, type=arrow_type)
    if pa.types.is_struct(arrow_type) and path in under:
        children = [_build(f.type, f"{path}.{f.name}", columns, rows, under) for f in arrow_type]
        return pa.StructArray.from_arrays(children, fields=list(arrow_type), mask=_mask(columns.masks.get(path)))
    if pa.types.is_list(arrow_type) and path in columns.offsets:
        offsets = columns.offsets[path]
        items = _build(arrow_type.value_type, f"{path}[]", columns, int(offsets[-1]), under)
        return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), items, type=arrow_type,
                                        mask=_mask(columns.list_masks.get(path)))
    return pa.nulls(rows, arrow_type)


def assemble(schema: pa.Schema, columns: Columns) -> pa.RecordBatch:
    """The record batch of `schema` from what the decoder read."""
    under = columns.named_under()
    return pa.RecordBatch.from_arrays([_build(f.type, f.name, columns, columns.rows, under) for f in schema],
                                      schema=schema)


def batch_decoder(read: Callable[[Sequence[Any], pa.Schema], Columns]) -> BatchDecoder:
    """A BatchDecoder from a column reader: a batch it cannot read (Declined, or CDR it cannot parse:
    truncated, not UTF-8, out of the column's range) goes to the next decoder, which reports it."""
    def decode(items: Sequence[Any], schema: pa.Schema) -> pa.RecordBatch | None:
        try:
            return assemble(schema, read(items, schema))
        except (Declined, struct.error, IndexError, UnicodeDecodeError, pa.ArrowInvalid):
            return None
    decode.__name__ = read.__name__
    decode.__doc__ = read.__doc__
    return decode


def receive_times(items: Sequence[Any]) -> np.ndarray:
    return np.fromiter((item.t for item in items), np.int64, len(items))


def put_header(columns: Columns, path: str, schema_type: pa.DataType, stamps: np.ndarray, frames: list[str]) -> None:
    """The ROS headers (stamps: rows of sec, nanosec) at path, in the era's Header struct: the seed
    {seq, stamp{sec, nanosec}, frame_id} or the 0.7 {timestamp{seconds, nanoseconds}, frame_id,
    sample_counter}, where an empty ROS header (no frame, zero stamp) is null (valid_header)."""
    if schema_type.get_field_index("timestamp") >= 0:
        columns.values[f"{path}.timestamp.seconds"] = stamps[:, 0].astype(np.int32)
        columns.values[f"{path}.timestamp.nanoseconds"] = stamps[:, 1].astype(np.uint32)
        empty = np.fromiter((not f for f in frames), bool, len(frames)) & ~stamps.any(axis=1)
        columns.masks[path] = empty
    else:
        columns.values[f"{path}.stamp.sec"] = stamps[:, 0]
        columns.values[f"{path}.stamp.nanosec"] = stamps[:, 1].astype(np.uint32)
    columns.values[f"{path}.frame_id"] = pa.array(frames, pa.string())


class Headers:
    """The ROS headers of a batch, collected message by message."""

    def __init__(self, rows: int) -> None:
        self.stamps = np.empty((rows, 2), np.int64)
        self.frames: list[str] = []

    def read(self, row: int, raw: bytes) -> int:
        sec, nanosec, frame, pos = header_at(raw, 4)
        self.stamps[row] = sec, nanosec
        self.frames.append(frame)
        return pos

    def put(self, columns: Columns, schema: pa.Schema) -> None:
        """`header`, and on seed servers the message_header envelope too."""
        put_header(columns, "header", schema.field("header").type, self.stamps, self.frames)
        if not session_layout(schema):
            put_header(columns, MESSAGE_HEADER_FIELD, schema.field(MESSAGE_HEADER_FIELD).type, self.stamps, self.frames)


def put_covariance(columns: Columns, path: str, schema_type: pa.DataType, values: np.ndarray, rule: str) -> None:
    """Rows of a covariance matrix as the list at path, null where unknown by the rule:
    "positive" (0.7 bridge: known when some element is > 0, valid_covariance), "nonzero" (seed IMU:
    all zeros is unknown), "always" (seed: kept as sent)."""
    rows, size = values.shape
    if rule == "positive":
        unknown = np.asarray(~(values > 0).any(axis=1))
    elif rule == "nonzero":
        unknown = np.asarray(~values.any(axis=1))
    else:
        unknown = np.zeros(rows, bool)
    offsets = pa.array(np.arange(0, size * (rows + 1), size, dtype=np.int32))
    columns.values[path] = pa.ListArray.from_arrays(offsets, pa.array(values.ravel()), type=schema_type,
                                                    mask=_mask(unknown))


def put_vector(columns: Columns, path: str, body: np.ndarray, first: int, dims: str) -> None:
    """Vector components `dims` from consecutive columns of body, starting at `first`."""
    for i, dim in enumerate(dims):
        columns.values[f"{path}.{dim}"] = body[:, first + i]


def put_binary(columns: Columns, path: str, schema_type: pa.DataType, views: list[memoryview]) -> None:
    columns.values[path] = binary_from_views(views, schema_type)


def list_offsets(lengths: Sequence[int]) -> np.ndarray:
    offsets = np.zeros(len(lengths) + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return offsets


def schema_type(schema: pa.Schema, path: str) -> pa.DataType:
    """The Arrow type at a column path (`a.b`, `a[].b`)."""
    first, *rest = path.replace("[]", ".[]").split(".")
    arrow_type = schema.field(first).type
    for part in rest:
        arrow_type = arrow_type.value_type if part == "[]" else arrow_type.field(part).type
    return arrow_type
