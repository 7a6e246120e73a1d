"""A ROS type without an adapter on a session-dialect server, as the official 0.7 bridge stores it
(§11.4): tag = the type's last segment, ROS field names, `byte`/`char`/`uint8` → uint8, float32 →
float, nested messages → structs (a header stays ROS style), sequences → `list<T>`, fixed arrays →
`fixed_size_list<T>[n]`, a list of messages has its item field named after the field; every field
nullable, no field metadata. SDK 0.7.0 reads it as its `Unmodeled` records, without our code."""
from __future__ import annotations

from operator import attrgetter
from typing import Any

import pyarrow as pa

from mosaico_ros_bridge.adapters.definition import FieldType
from mosaico_ros_bridge.adapters.fallback import FallbackPlan, message_class, struct_fields
from mosaico_ros_bridge.errors import UnsupportedMessageType
from mosaico_ros_bridge.ontology.columnar import Getters
from mosaico_ros_bridge.protocol import TIMESTAMP_FIELD

BASIC: dict[str, pa.DataType] = {
    "boolean": pa.bool_(), "float": pa.float32(), "double": pa.float64(), "long double": pa.float64(),
    "int8": pa.int8(), "uint8": pa.uint8(), "int16": pa.int16(), "uint16": pa.uint16(), "int32": pa.int32(),
    "uint32": pa.uint32(), "int64": pa.int64(), "uint64": pa.uint64(), "char": pa.uint8(), "byte": pa.uint8(),
    "octet": pa.uint8(),
}
OCTETS = ("byte", "octet")  # rclpy hands these out as bytes objects; Arrow wants their numbers


def unmodeled_tag(ros_type: str) -> str:
    return ros_type.rsplit("/", 1)[-1]


def _octet(value: Any) -> int:
    return value[0] if isinstance(value, (bytes, bytearray)) else int(value)


def _octet_getter(name: str, many: bool) -> Any:
    get = attrgetter(name)
    if many:
        return lambda parent: [_octet(v) for v in get(parent)]
    return lambda parent: _octet(get(parent))


def _arrow(kind: FieldType, name: str, path: str, getters: Getters, seen: tuple[str, ...]) -> pa.DataType:
    if kind.kind == "basic":
        if kind.name in OCTETS:
            getters[path] = _octet_getter(name, many=False)
        return BASIC[kind.name]
    if kind.kind == "string":
        return pa.string()
    if kind.kind == "message":
        return pa.struct(fields_of(message_class(kind.name), path, getters, seen))
    element = kind.element
    assert element is not None
    if element.kind == "basic" and element.name in OCTETS:
        getters[path] = _octet_getter(name, many=True)
    item_type = _arrow(element, name, f"{path}[]", getters, seen) if element.kind != "basic" else BASIC[element.name]
    item: pa.DataType | pa.Field = pa.field(name, item_type) if element.kind == "message" else item_type
    return pa.list_(item, kind.size) if kind.kind == "array" else pa.list_(item)


def fields_of(cls: type, prefix: str, getters: Getters, seen: tuple[str, ...] = ()) -> list[pa.Field]:
    return struct_fields(cls, prefix, getters, seen, element=_arrow, nullable=True)


def unmodeled_plan(ros_type: str, cls: type) -> FallbackPlan:
    """Schema and getters (rows are Received items: top-level fields read from row.msg)."""
    getters: Getters = {}
    fields = fields_of(cls, "", getters)
    if any(f.name == TIMESTAMP_FIELD for f in fields):
        raise UnsupportedMessageType(f"{ros_type} has a field named {TIMESTAMP_FIELD!r} like the Mosaico envelope; "
                                     "register an adapter for it (adapters.extra)")
    row_getters: Getters = {}
    for path, getter in getters.items():
        row_getters[path] = (lambda g: lambda row: g(row.msg))(getter) if "." not in path and "[]" not in path else getter
    for f in fields:
        row_getters.setdefault(f.name, attrgetter(f"msg.{f.name}"))
    schema = pa.schema([pa.field(TIMESTAMP_FIELD, pa.int64(), nullable=False,
                                 metadata={"description": "Ingestion timestamp in nanoseconds (record time)."}), *fields])
    return FallbackPlan(ros_type, unmodeled_tag(ros_type), schema, row_getters, None)
