"""The lossless fallback for every ROS type without an adapter (LaserScan, PointCloud2, custom ones).

The Arrow schema comes from the message class's own introspection (SLOT_TYPES): every field becomes a
column of the same name, nested messages structs, arrays/sequences lists, `uint8[]`/`byte[]`
binary (one buffer, no per-element loop). Tag: `ros_<package>_<snake type>` (e.g.
`ros_sensor_msgs_laser_scan`), format `default`; the ROS type is in the topic metadata (`ros:type`).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Callable

import pyarrow as pa

from mosaico_ros_bridge.adapters.definition import FieldType, MessageDefinition
from mosaico_ros_bridge.errors import UnsupportedMessageType
from mosaico_ros_bridge.ontology import Header, ontology_tag_for
from mosaico_ros_bridge.ontology.columnar import Getter, Getters
from mosaico_ros_bridge.protocol import MESSAGE_HEADER_FIELD, TIMESTAMP_FIELD

BASIC: dict[str, pa.DataType] = {
    "boolean": pa.bool_(), "float": pa.float32(), "double": pa.float64(), "long double": pa.float64(),
    "int8": pa.int8(), "uint8": pa.uint8(), "int16": pa.int16(), "uint16": pa.uint16(), "int32": pa.int32(),
    "uint32": pa.uint32(), "int64": pa.int64(), "uint64": pa.uint64(), "char": pa.string(),
    "byte": pa.binary(), "octet": pa.binary(),
}


def message_class(ros_type: str) -> type:
    """The Python class of `pkg/msg/Type`; a clear error when its package is not installed."""
    try:
        package, kind, name = ros_type.split("/")
        return getattr(importlib.import_module(f"{package}.{kind}"), name)  # type: ignore[no-any-return]
    except (ValueError, ImportError, AttributeError) as exc:
        raise UnsupportedMessageType(
            f"cannot load ROS message type {ros_type!r} ({exc}); source the workspace that provides it, or put its "
            "interface package under interfaces/ and run `make env`") from exc


def fallback_tag(ros_type: str) -> str:
    package, _, name = ros_type.split("/")
    return f"ros_{package}_{ontology_tag_for(name)}"


def _element(kind: FieldType, path: str, getters: Getters, seen: tuple[str, ...]) -> pa.DataType:
    if kind.kind == "basic":
        if kind.name in ("byte", "octet"):
            getters[path] = _bytes_getter(path)
        return BASIC[kind.name]
    if kind.kind == "string":
        return pa.string()
    if kind.kind == "message":
        return pa.struct(struct_fields(message_class(kind.name), path, getters, seen))
    if kind.binary:
        getters[path] = _bytes_getter(path)
        return pa.binary()
    assert kind.element is not None
    return pa.list_(_element(kind.element, f"{path}[]", getters, seen))


def _on_msg(getter: Getter) -> Getter:
    """A getter of the message, applied to a Received row."""
    return lambda row: getter(row.msg)


def _bytes_getter(path: str) -> Any:
    name = path.rsplit(".", 1)[-1].removesuffix("[]")
    return lambda parent: bytes(getattr(parent, name))


Element = Callable[[FieldType, str, str, Getters, tuple[str, ...]], pa.DataType]  # (kind, name, path, ...)


def struct_fields(cls: type, prefix: str, getters: Getters, seen: tuple[str, ...] = (), *,
                  element: Element | None = None, nullable: bool = False) -> list[pa.Field]:
    """Arrow fields of a ROS message class (`element` turns each field's type into Arrow: the
    fallback's by default); conversions needed on the way are added to getters."""
    name = f"{cls.__module__}.{cls.__name__}"
    if name in seen:
        raise UnsupportedMessageType(f"recursive message definition {name} cannot be flattened into Arrow")
    convert = element or (lambda kind, _, path, got, inner: _element(kind, path, got, inner))
    fields = []
    for field_name, kind in MessageDefinition.of(cls).fields:
        path = f"{prefix}.{field_name}" if prefix else field_name
        fields.append(pa.field(field_name, convert(kind, field_name, path, getters, seen + (name,)), nullable=nullable))
    return fields


@dataclass(frozen=True)
class FallbackPlan:
    """Schema and getters of a fallback topic (rows are Received items)."""

    ros_type: str
    ontology_tag: str
    schema: pa.Schema
    getters: Getters
    header_source: str | None


def fallback_plan(ros_type: str, cls: type) -> FallbackPlan:
    getters: Getters = {}
    fields = struct_fields(cls, "", getters)
    clash = {f.name for f in fields} & {TIMESTAMP_FIELD, MESSAGE_HEADER_FIELD}
    if clash:
        raise UnsupportedMessageType(f"{ros_type} has field(s) {sorted(clash)} named like the Mosaico envelope; "
                                     "register an adapter for it (adapters.extra)")
    # Rows are Received(t, msg): top-level fields are read from row.msg.
    data_getters: Getters = {path: getter if "." in path else _on_msg(getter) for path, getter in getters.items()}
    for f in fields:
        data_getters.setdefault(f.name, attrgetter(f"msg.{f.name}"))
    types = cls.get_fields_and_field_types()  # type: ignore[attr-defined]
    header_source = "msg.header" if types.get("header") == "std_msgs/Header" else None
    schema = pa.schema([pa.field(TIMESTAMP_FIELD, pa.int64(), nullable=False),
                        pa.field(MESSAGE_HEADER_FIELD, Header.arrow_struct()), *fields])
    return FallbackPlan(ros_type, fallback_tag(ros_type), schema, data_getters, header_source)
