"""Batch encoders: turn buffered items into one Arrow record batch on the topic's executor.

`MessageEncoder` serves the seed API (`push(Message)`); other producers (the recorder's columnar
adapters) provide their own encoder with the same three members.
"""
from __future__ import annotations

from operator import attrgetter
from typing import Any, Protocol, Sequence

import pyarrow as pa

from mosaico_ros_bridge.ontology import Message, Serializable, message_schema
from mosaico_ros_bridge.ontology.columnar import ColumnarEncoder, Getter, Getters


class BatchEncoder(Protocol):
    schema: pa.Schema
    fixed_size: int | None  # every item's size_hint, when it does not depend on the item

    @property
    def python_batches(self) -> int:
        """Batches encoded so far by the pure-Python path instead of the C loop (for ~/status)."""

    def size_hint(self, item: Any) -> int:
        """Approximate serialized bytes of one item (decides byte-limit flushes; must be cheap)."""

    def encode(self, items: Sequence[Any]) -> pa.RecordBatch:
        """All items as one batch of `schema`."""


def _fixed_width(arrow_type: pa.DataType) -> int:
    if pa.types.is_struct(arrow_type):
        return sum(_fixed_width(f.type) for f in arrow_type) + 1
    if pa.types.is_fixed_size_list(arrow_type):
        return int(arrow_type.list_size) * _fixed_width(arrow_type.value_type)
    return 8


def _variable_width(arrow_type: pa.DataType) -> int:
    """Bytes per element of a top-level variable-size column (0 for fixed-size ones)."""
    if pa.types.is_binary(arrow_type) or pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return 1
    if pa.types.is_list(arrow_type):
        return 8 if not pa.types.is_struct(arrow_type.value_type) else 256
    return 0


def _data_getter(name: str) -> Getter:
    """Top-level data columns are read from `message.data` (the envelope is flattened into the row);
    a dotted attrgetter walks both steps in C."""
    return attrgetter(f"data.{name}")


class MessageEncoder:
    """Encodes `Message`s of one ontology type with the Message envelope schema."""

    def __init__(self, data_type: type[Serializable]) -> None:
        self.data_type = data_type
        self.schema = message_schema(data_type)
        self._fixed = sum(_fixed_width(f.type) for f in self.schema)
        self._variable = [(f.name, _variable_width(f.type)) for f in data_type.arrow_fields() if _variable_width(f.type)]
        self.fixed_size = None if self._variable else self._fixed
        data_fields: Getters = {f.name: _data_getter(f.name) for f in data_type.arrow_fields()}
        self._columnar = ColumnarEncoder(self.schema, data_fields)

    def size_hint(self, item: Message) -> int:
        if not self._variable:
            return self._fixed
        data = item.data.__dict__
        return self._fixed + sum(len(data[name] or ()) * width for name, width in self._variable)

    def encode(self, items: Sequence[Message]) -> pa.RecordBatch:
        return self._columnar.encode(items)

    @property
    def python_batches(self) -> int:
        return self._columnar.python_batches
