"""Columnar encoding: build a record batch straight from objects, one list comprehension per leaf column,
with struct and list arrays assembled bottom-up (no per-row dicts).

A `Getters` map says how to reach each field from its parent object (default: the attribute of the
same name); adapters use it to encode ROS messages directly into an ontology schema.
"""
from __future__ import annotations

from enum import Enum
from functools import partial
from operator import attrgetter, is_
from typing import Any, Callable, Sequence

import numpy as np
import pyarrow as pa

Getter = Callable[[Any], Any]
Getters = dict[str, Getter]


_is_none = partial(is_, None)


def _has_none(values: Sequence[Any]) -> bool:
    """`None in values` without calling the objects' __eq__ (identity only, at C speed)."""
    return any(map(_is_none, values))


def _identity(value: Any) -> Any:
    return value


def _binary_from_views(values: list[Any], arrow_type: pa.DataType) -> pa.Array:
    """A binary column from memoryviews (e.g. pixels inside CDR bytes) without pa.array, which in
    pyarrow 26 never frees the memory of memoryview inputs. Each value is wrapped zero-copy; several
    are joined by Arrow's concatenation (one copy, without holding the GIL)."""
    offset_type = np.int64 if pa.types.is_large_binary(arrow_type) else np.int32
    pieces = [pa.nulls(1, arrow_type) if v is None else pa.Array.from_buffers(
        arrow_type, 1, [None, pa.py_buffer(np.array([0, memoryview(v).nbytes], offset_type)), pa.py_buffer(v)])
        for v in values]
    return pieces[0] if len(pieces) == 1 else pa.concat_arrays(pieces)


def _leaf(values: list[Any], arrow_type: pa.DataType) -> pa.Array:
    if (pa.types.is_binary(arrow_type) or pa.types.is_large_binary(arrow_type)) and \
            any(isinstance(v, memoryview) for v in values):
        return _binary_from_views(values, arrow_type)
    if pa.types.is_float16(arrow_type):
        return pa.array(np.array([np.nan if v is None else v for v in values], dtype=np.float16),
                        mask=np.array([v is None for v in values]))
    if values and isinstance(next((v for v in values if v is not None), None), Enum):
        values = [None if v is None else v.value for v in values]
    return pa.array(values, type=arrow_type)


class _Node:
    """How one field is read from its parent and turned into an Arrow array."""

    def __init__(self, field: pa.Field, path: str, getters: Getters) -> None:
        self.field = field
        self.get = getters.get(path, attrgetter(field.name))
        arrow_type = field.type
        self.children: list[_Node] = []
        self.item: _Node | None = None
        if pa.types.is_struct(arrow_type):
            self.children = [_Node(child, f"{path}.{child.name}", getters) for child in arrow_type]
        elif pa.types.is_list(arrow_type) and pa.types.is_struct(arrow_type.value_type):
            self.item = _Node(pa.field("item", arrow_type.value_type), f"{path}[]", getters)
            self.item.get = _identity

    def values(self, parents: Sequence[Any], parent_nullable: bool) -> list[Any]:
        get = self.get
        if parent_nullable:
            return [None if p is None else get(p) for p in parents]
        return list(map(get, parents))

    def build(self, objects: list[Any]) -> pa.Array:
        """objects: this field's value per row (None = null)."""
        if self.children:
            has_null = _has_none(objects)
            arrays = [c.build(c.values(objects, has_null)) for c in self.children]
            mask = pa.array([o is None for o in objects], pa.bool_()) if has_null else None
            return pa.StructArray.from_arrays(arrays, fields=list(self.field.type), mask=mask)
        if self.item is not None:
            return self._build_list_of_structs(objects)
        return _leaf(objects, self.field.type)

    def _build_list_of_structs(self, objects: list[Any]) -> pa.Array:
        assert self.item is not None
        offsets, flat = [0], []
        for items in objects:
            if items is not None:
                flat.extend(items)
            offsets.append(len(flat))
        values = self.item.build(self.item.values(flat, False))
        mask = pa.array([o is None for o in objects], pa.bool_()) if _has_none(objects) else None
        return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values, type=self.field.type, mask=mask)


class ColumnarEncoder:
    """Encodes a sequence of root objects into batches of `schema`, reading fields through getters."""

    def __init__(self, schema: pa.Schema, getters: Getters | None = None) -> None:
        self.schema = schema
        self._nodes = [_Node(field, field.name, getters or {}) for field in schema]

    def encode(self, items: Sequence[Any]) -> pa.RecordBatch:
        arrays = [node.build(node.values(items, False)) for node in self._nodes]
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)
