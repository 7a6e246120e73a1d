"""What an adapter is: a ROS type, the ontology type it becomes, and getters that read each ontology
column straight from the ROS message (rules of mosaico-ontology.md §5.1). Encoding goes through the
columnar engine, so no per-message ontology objects are built on the recorder's hot path.

Getter paths are ontology column paths (`acceleration.x`, `transforms[].rotation.w`). A struct whose
getter is `SAME` passes its parent object on, so its children can read anything from it (e.g. a
vector's covariance stored beside the vector in ROS).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from operator import attrgetter
from typing import Any, Callable, Sequence

import pyarrow as pa
from rclpy.serialization import deserialize_message

from mosaico_ros_bridge.adapters.cdr import RawDecoder
from mosaico_ros_bridge.adapters.cdr_columns import BatchDecoder
from mosaico_ros_bridge.ontology import Serializable, message_schema
from mosaico_ros_bridge.ontology.columnar import ColumnarEncoder, Getter, Getters
from mosaico_ros_bridge.protocol import MESSAGE_HEADER_FIELD, TIMESTAMP_FIELD


class Received:
    """One message as the recorder got it: receive time (ns since epoch) and CDR bytes or a message."""

    __slots__ = ("t", "msg")

    def __init__(self, t: int, msg: Any) -> None:
        self.t = t
        self.msg = msg


def NONE(_: Any) -> None:
    return None


def SAME(value: Any) -> Any:
    return value


def src(path: str) -> Getter:
    """Read a dotted attribute path from the row (`msg.linear_acceleration.x`), at C speed."""
    return attrgetter(path)


def join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def header(path: str, source: str | None) -> Getters:
    """The Header struct at path from a ROS std_msgs/Header at `source` (None = null header)."""
    if source is None:
        return {path: NONE}
    return {path: src(source), f"{path}.seq": NONE}  # stamp.sec/nanosec and frame_id read by name


def vec(path: str, source: str, dims: str = "xyz", *, present: Getter | None = None, cov: Getter = NONE,
        cov_type: Getter = NONE, head: str | None = None) -> Getters:
    """A Vec2/3/4 struct at path (path '' = top-level columns) from the ROS vector at `source`."""
    getters: Getters = {join(path, d): src(f"{source}.{d}") for d in dims}
    getters[join(path, "covariance")] = cov
    getters[join(path, "covariance_type")] = cov_type
    getters.update(header(join(path, "header"), head))
    if path:
        getters[path] = present or SAME
    return getters


def covariance(source: str, *, skip_zeros: bool = False) -> Getter:
    """A covariance array as a list column; with skip_zeros an all-zero matrix is null (IMU rule)."""
    get = attrgetter(source)
    if not skip_zeros:
        return get

    def nonzero(row: Any) -> Any:
        value = get(row)
        return value if any(value) else None

    return nonzero


@dataclass(frozen=True)
class Adapter:
    """Maps one ROS type onto an ontology type. `getters` cover the data columns; `header_source` is
    the ROS header used for the envelope's message_header (None when the message has none)."""

    ros_type: str
    ontology: type[Serializable]
    getters: Getters
    header_source: str | None = "msg.header"
    options: dict[str, Any] = field(default_factory=dict)
    raw_decoder: RawDecoder | None = None  # reads CDR directly (large messages); None = deserialize
    raw_batch: BatchDecoder | None = None  # CDR of a whole batch straight to columns (high-rate types)

    @property
    def ontology_tag(self) -> str:
        return self.ontology.ontology_tag()

    @property
    def serialization_format(self) -> str:
        return self.ontology.serialization_format().value

    def schema(self) -> pa.Schema:
        return message_schema(self.ontology)


def envelope(header_source: str | None) -> Getters:
    return {TIMESTAMP_FIELD: attrgetter("t"), **header(MESSAGE_HEADER_FIELD, header_source)}


@dataclass(frozen=True)
class Decoder:
    """One way from a batch of received messages to Arrow columns; `decode` returns None to decline
    the batch (the next decoder of the chain takes it)."""

    name: str
    decode: Callable[[Sequence[Received]], "pa.RecordBatch | None"]


class RosEncoder:
    """BatchEncoder for Received items, on the topic's executor thread, never on the ROS executor.

    Raw CDR goes through `decoders`, fastest first: the batch CDR decoder (whole batch to columns),
    the per-message CDR decoder (no rclpy message built), then rclpy's deserialize_message with the
    adapter's getters — the reference, which never declines. Each faster one gives the same batch or
    declines (tested against the reference)."""

    def __init__(self, schema: pa.Schema, getters: Getters, msg_class: type, raw: bool,
                 raw_decoder: RawDecoder | None = None, raw_batch: BatchDecoder | None = None) -> None:
        self.schema = schema
        self.fixed_size: int | None = None  # raw CDR items are sized by their bytes
        self._columnar = columnar = ColumnarEncoder(schema, getters)
        self._raw = raw
        # the decoders hold the columnar encoder, never self: an encoder is built for every part of
        # a split recording, and a cycle through self would outlive the part until a full gc
        self.decoders: tuple[Decoder, ...] = (Decoder("messages", columnar.encode),)
        if raw:
            chain = [Decoder("deserialize", partial(_deserialized, columnar, msg_class))]
            if raw_decoder is not None:
                chain.insert(0, Decoder("cdr_messages", partial(_cdr_messages, columnar, raw_decoder)))
            if raw_batch is not None:
                chain.insert(0, Decoder("cdr_batch", lambda items: raw_batch(items, schema)))
            self.decoders = tuple(chain)

    def size_hint(self, item: Received) -> int:
        return len(item.msg) + 64 if self._raw else 256

    def encode(self, items: Sequence[Received]) -> pa.RecordBatch:
        for decoder in self.decoders:
            batch = decoder.decode(items)
            if batch is not None:
                return batch
        raise AssertionError("the reference decoder declined a batch")  # it never does

    @property
    def python_batches(self) -> int:
        return self._columnar.python_batches


def _deserialized(columnar: ColumnarEncoder, cls: type, items: Sequence[Received]) -> pa.RecordBatch:
    return columnar.encode([Received(r.t, deserialize_message(r.msg, cls)) for r in items])


def _cdr_messages(columnar: ColumnarEncoder, decode: RawDecoder, items: Sequence[Received]) -> pa.RecordBatch | None:
    """Every message read from its CDR; declines the batch if any message cannot be."""
    rows = []
    for r in items:
        decoded = decode(r.msg)
        if decoded is None:
            return None
        rows.append(Received(r.t, decoded))
    return columnar.encode(rows)
