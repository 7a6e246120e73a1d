"""One typed model of a ROS message definition, read once from the generated class's introspection
(`SLOT_TYPES`, rosidl's types): what the lossless fallback turns into Arrow and what the subscription
depth weighs. Which element types are bytes is decided here and nowhere else."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["basic", "string", "message", "array", "sequence"]

BINARY_ELEMENTS = frozenset({"uint8", "byte", "octet"})  # lists of these are stored as one binary value
BYTE_WIDE = BINARY_ELEMENTS | {"int8", "char"}  # one byte per element: bulk data (images, grids, clouds)
_STRINGS = ("UnboundedString", "BoundedString", "UnboundedWString", "BoundedWString")


@dataclass(frozen=True)
class FieldType:
    """A field's type: a basic type (`name` is its typename, e.g. 'float64' as 'double'), a string, a
    message (`name` is 'pkg/msg/Type'), or a fixed-size `array` / variable-size `sequence` of
    `element`."""

    kind: Kind
    name: str = ""
    element: "FieldType | None" = None
    size: int = 0  # of a fixed-size array

    @property
    def binary(self) -> bool:
        """A list of raw octets (uint8[], byte[]): one binary value, not a list of numbers."""
        return self.element is not None and self.element.kind == "basic" and self.element.name in BINARY_ELEMENTS

    @property
    def byte_wide_sequence(self) -> bool:
        """A variable-size list of one-byte elements: what makes a message heavy (frames, grids)."""
        return self.kind == "sequence" and self.element is not None and self.element.kind == "basic" \
            and self.element.name in BYTE_WIDE


def field_type(slot: Any) -> FieldType:
    """The model of one rosidl slot type."""
    kind = type(slot).__name__
    if kind == "BasicType":
        return FieldType("basic", slot.typename)
    if kind in _STRINGS:
        return FieldType("string")
    if kind == "NamespacedType":
        return FieldType("message", "/".join([*slot.namespaces, slot.name]))
    if kind in ("Array", "UnboundedSequence", "BoundedSequence"):
        return FieldType("array" if kind == "Array" else "sequence", element=field_type(slot.value_type),
                         size=int(slot.size) if kind == "Array" else 0)
    raise TypeError(f"unknown rosidl slot type {kind}")


@dataclass(frozen=True)
class MessageDefinition:
    """The top-level fields of a message class, in declaration order."""

    fields: tuple[tuple[str, FieldType], ...]

    @classmethod
    def of(cls, msg_class: type) -> "MessageDefinition":
        names = list(msg_class.get_fields_and_field_types())  # type: ignore[attr-defined]
        return cls(tuple(zip(names, map(field_type, msg_class.SLOT_TYPES))))  # type: ignore[attr-defined]

    @property
    def variable_size(self) -> bool:
        return any(t.kind == "sequence" for _, t in self.fields)

    @property
    def carries_bulk_bytes(self) -> bool:
        return any(t.byte_wide_sequence for _, t in self.fields)
