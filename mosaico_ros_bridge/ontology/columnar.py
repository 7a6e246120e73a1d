"""Columnar encoding: build a record batch straight from objects, one list comprehension per leaf column,
with struct and list arrays assembled bottom-up (no per-row dicts).

A `Getters` map says how to reach each field from its parent object (default: the attribute of the
same name); adapters use it to encode ROS messages directly into an ontology schema.

The inner loop runs in C (`_gather`, built with the package) when it is importable: one pass over the
items writes numbers straight into Arrow buffers. Whatever it does not handle with certainty falls back,
batch by batch, to the pure-Python path below, which defines the results and the errors.
"""
from __future__ import annotations

import sys
from enum import Enum
from functools import partial
from operator import attrgetter, is_
from typing import Any, Callable, Sequence

import numpy as np
import pyarrow as pa

try:
    from mosaico_ros_bridge.ontology import _gather
except ImportError:  # built without a C compiler: the pure-Python path does everything
    _gather = None  # type: ignore[assignment]

COMPILED = _gather is not None  # the C loop was built; without it every batch takes the Python path

Getter = Callable[[Any], Any]
Getters = dict[str, Getter]


_is_none = partial(is_, None)


def _has_none(values: Sequence[Any]) -> bool:
    """`None in values` without calling the objects' __eq__ (identity only, at C speed)."""
    return any(map(_is_none, values))


def _identity(value: Any) -> Any:
    return value


def binary_from_views(values: list[Any], arrow_type: pa.DataType) -> pa.Array:
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
        return binary_from_views(values, arrow_type)
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
        self.custom = getters.get(path)
        self.get = self.custom or attrgetter(field.name)
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


def _kind(arrow_type: pa.DataType) -> int:
    """How _gather stores a field: numbers and lists of doubles in Arrow buffers, the rest as objects."""
    if pa.types.is_struct(arrow_type):
        return int(_gather.STRUCT)
    if pa.types.is_list(arrow_type) and pa.types.is_float64(arrow_type.value_type):
        return int(_gather.LIST_F64)
    return int(_NUMERIC_KINDS.get(str(arrow_type), _gather.OBJECT))


_NUMERIC_KINDS = {} if _gather is None else {
    "double": _gather.F64, "float": _gather.F32, "int8": _gather.I8, "int16": _gather.I16, "int32": _gather.I32,
    "int64": _gather.I64, "uint8": _gather.U8, "uint16": _gather.U16, "uint32": _gather.U32}


class _Compiled:
    """The node tree flattened in pre-order for _gather, and the arrays rebuilt from its buffers."""

    def __init__(self, roots: list[_Node]) -> None:
        program: list[tuple[int, Any, int]] = []
        self.index: dict[int, int] = {}
        for root in roots:
            self._add(program, root, -1)
        self.program = tuple(program)

    def _add(self, program: list[tuple[int, Any, int]], node: _Node, parent: int) -> None:
        kind = _kind(node.field.type) if node.item is None else int(_gather.OBJECT)
        self.index[id(node)] = len(program)
        program.append((parent, _c_getter(node), kind))
        if kind == _gather.STRUCT:
            for child in node.children:
                self._add(program, child, self.index[id(node)])

    def array(self, node: _Node, columns: list[Any], rows: int) -> pa.Array:
        _, _, kind = self.program[self.index[id(node)]]
        column = columns[self.index[id(node)]]
        arrow_type = node.field.type
        if kind == _gather.OBJECT:
            return node.build(column)
        if kind == _gather.STRUCT:
            valid, nulls = column
            children = [self.array(child, columns, rows) for child in node.children]
            return pa.Array.from_buffers(arrow_type, rows, [_buffer(valid)], null_count=nulls, children=children)
        if kind == _gather.LIST_F64:
            offsets, values, valid, nulls = column
            flat = pa.Array.from_buffers(pa.float64(), len(values) // 8, [None, pa.py_buffer(values)])
            return pa.Array.from_buffers(arrow_type, rows, [_buffer(valid), pa.py_buffer(offsets)],
                                         null_count=nulls, children=[flat])
        data, valid, nulls = column
        return pa.Array.from_buffers(arrow_type, rows, [_buffer(valid), pa.py_buffer(data)], null_count=nulls)


def _c_getter(node: _Node) -> Any:
    """A name, a chain of names (an attrgetter of one dotted path, read without calling it), or the
    callable itself."""
    if node.custom is None:
        return sys.intern(node.field.name)
    if type(node.custom) is attrgetter:
        args = node.custom.__reduce__()[1]
        if len(args) == 1:
            return tuple(map(sys.intern, args[0].split(".")))
    return node.custom


def _buffer(data: bytes | None) -> pa.Buffer | None:
    return None if data is None else pa.py_buffer(data)


class ColumnarEncoder:
    """Encodes a sequence of root objects into batches of `schema`, reading fields through getters."""

    def __init__(self, schema: pa.Schema, getters: Getters | None = None) -> None:
        self.schema = schema
        self._nodes = [_Node(field, field.name, getters or {}) for field in schema]
        self._compiled = _Compiled(self._nodes) if _gather is not None else None
        self.fallbacks = 0  # batches the C loop handed to the Python path (unusual values, or errors)
        self.python_batches = 0  # batches encoded by the Python path (fallbacks, or every one without the C loop)

    def encode(self, items: Sequence[Any]) -> pa.RecordBatch:
        if self._compiled is not None:
            rows = items if isinstance(items, list) else list(items)
            try:
                columns = _gather.gather(rows, self._compiled.program)
            except Exception:
                self.fallbacks += 1
            else:
                arrays = [self._compiled.array(node, columns, len(rows)) for node in self._nodes]
                return pa.RecordBatch.from_arrays(arrays, schema=self.schema)
        self.python_batches += 1
        return self.encode_python(items)

    def encode_python(self, items: Sequence[Any]) -> pa.RecordBatch:
        """The reference path: what the C loop must reproduce exactly."""
        arrays = [node.build(node.values(items, False)) for node in self._nodes]
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)
