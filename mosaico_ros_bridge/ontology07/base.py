"""Serializable of the 0.7 ontology: the tag is the class name, the Arrow fields are declared whole
(header first, mixin columns in the SDK's order, `description` metadata), and the Message envelope
is `timestamp_ns` alone. Shares the seed base's row conversion; keeps its own tag registry."""
from __future__ import annotations

from typing import ClassVar

import pyarrow as pa

from mosaico_ros_bridge.errors import MosaicoBridgeError
from mosaico_ros_bridge.ontology.base import Serializable as SeedSerializable
from mosaico_ros_bridge.protocol import TIMESTAMP_FIELD, SerializationFormat

_REGISTRY: dict[str, type[SeedSerializable]] = {}
TIMESTAMP_DESCRIPTION = "Ingestion timestamp in nanoseconds (record time)."

__all__ = ["Serializable", "SerializationFormat", "col", "registered", "registry"]


def col(name: str, arrow_type: pa.DataType, description: str | None = None, nn: bool = False) -> pa.Field:
    """A column, nullable unless nn, with the SDK's `description` field metadata."""
    return pa.field(name, arrow_type, nullable=not nn,
                    metadata={"description": description} if description is not None else None)


class Serializable(SeedSerializable):
    """Base of every 0.7 ontology type; `__arrow_fields__` lists all columns in order."""

    __registered__: ClassVar[bool] = False

    @classmethod
    def ontology_tag(cls) -> str:
        return cls.__dict__.get("__ontology_tag__") or cls.__name__

    @classmethod
    def _registry(cls) -> dict[str, type[SeedSerializable]]:
        return _REGISTRY

    @classmethod
    def arrow_fields(cls) -> list[pa.Field]:
        fields = list(cls.__arrow_fields__)
        if any(f.name == TIMESTAMP_FIELD for f in fields):
            raise MosaicoBridgeError(f"{cls.__name__}: a field named {TIMESTAMP_FIELD!r} collides with the Message "
                                     "envelope; rename it")
        return fields

    @classmethod
    def envelope_fields(cls) -> list[pa.Field]:
        return [col(TIMESTAMP_FIELD, pa.int64(), TIMESTAMP_DESCRIPTION, nn=True)]


def registered(tag: str) -> type[SeedSerializable] | None:
    return _REGISTRY.get(tag)


def registry() -> dict[str, type[SeedSerializable]]:
    return dict(_REGISTRY)
