"""Serializable: a pydantic model that declares its Arrow struct explicitly, with the seed SDK's tag
rule, serialization format and mixin field order (own fields, covariance, covariance_type, header).
"""
from __future__ import annotations

import re
from enum import Enum
from typing import Any, ClassVar

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, field_validator

from mosaico_ros_bridge.errors import MosaicoBridgeError
from mosaico_ros_bridge.protocol import MESSAGE_HEADER_FIELD, TIMESTAMP_FIELD, SerializationFormat

_REGISTRY: dict[str, type["Serializable"]] = {}
ENVELOPE_FIELDS = (TIMESTAMP_FIELD, MESSAGE_HEADER_FIELD)


def ontology_tag_for(class_name: str) -> str:
    """The seed SDK's snake_case rule: IMU->imu, GPSStatus->gps_status, Vector3d->vector_3_d."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", class_name)
    name = re.sub(r"([A-z]+)([0-9]+)([A-z]+)", r"\1_\2_\3", name)
    return name.lower()


class Serializable(BaseModel):
    """Base of every ontology type. Subclasses set `__arrow_fields__` (their own columns, in order);
    a class is registered under its tag unless `__registered__ = False` (struct-only helpers)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False, arbitrary_types_allowed=True)

    __arrow_fields__: ClassVar[tuple[pa.Field, ...]] = ()
    __serialization_format__: ClassVar[SerializationFormat] = SerializationFormat.DEFAULT
    __ontology_tag__: ClassVar[str | None] = None
    __registered__: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("__registered__", True) or cls.__name__.endswith("Mixin"):
            return
        tag = cls.ontology_tag()
        if "." in tag:
            raise MosaicoBridgeError(f"ontology tag {tag!r} of {cls.__name__} contains '.'; choose another __ontology_tag__")
        registry = cls._registry()
        clash = registry.get(tag)
        if clash is not None and clash.__qualname__ != cls.__qualname__:
            raise MosaicoBridgeError(f"ontology tag {tag!r} of {cls.__name__} is already used by {clash.__name__}")
        registry[tag] = cls

    @classmethod
    def _registry(cls) -> dict[str, type["Serializable"]]:
        """The era's tag registry (the 0.7 ontology keeps its own)."""
        return _REGISTRY

    @classmethod
    def envelope_fields(cls) -> list[pa.Field]:
        """The Message columns before the data's: seed era `timestamp_ns`, `message_header`."""
        return [pa.field(TIMESTAMP_FIELD, pa.int64(), nullable=False), pa.field(MESSAGE_HEADER_FIELD, Header.arrow_struct())]

    @classmethod
    def ontology_tag(cls) -> str:
        return cls.__dict__.get("__ontology_tag__") or ontology_tag_for(cls.__name__)

    @classmethod
    def serialization_format(cls) -> SerializationFormat:
        return cls.__serialization_format__

    @classmethod
    def arrow_fields(cls) -> list[pa.Field]:
        """Own fields, then the covariance mixin's, then the header mixin's (the SDK's order)."""
        fields = list(cls.__arrow_fields__)
        for base in (CovarianceMixin, HeaderMixin):
            if issubclass(cls, base):
                fields += base.__mixin_fields__()
        clash = {f.name for f in fields} & set(ENVELOPE_FIELDS)
        if clash:
            raise MosaicoBridgeError(f"{cls.__name__}: field(s) {sorted(clash)} collide with the Message envelope; rename them")
        return fields

    @classmethod
    def arrow_struct(cls) -> pa.StructType:
        return pa.struct(cls.arrow_fields())

    def to_row(self) -> dict[str, Any]:
        """This value as an Arrow row: every declared column present, absent models as null structs."""
        return {f.name: _plain(getattr(self, f.name)) for f in self.arrow_fields()}

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Serializable":
        """Build from a row read back (extra columns ignored; all-null structs are None)."""
        names = {f.name for f in cls.arrow_fields()}
        return cls.model_validate({k: _nulls_to_none(v) for k, v in row.items() if k in names})


def _plain(value: Any) -> Any:
    if isinstance(value, Serializable):
        return value.to_row()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    return value


def _nulls_to_none(value: Any) -> Any:
    """The SDK reader's rule: a struct whose fields are all null is None (not applied inside lists)."""
    if isinstance(value, dict):
        inner = {k: _nulls_to_none(v) for k, v in value.items()}
        return None if all(v is None for v in inner.values()) else inner
    if isinstance(value, list):
        return [_list_item(v) for v in value]
    return value


def _list_item(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _nulls_to_none(v) for k, v in value.items()}
    return value


def registered(tag: str) -> type[Serializable] | None:
    return _REGISTRY.get(tag)


def registry() -> dict[str, type[Serializable]]:
    return dict(_REGISTRY)


class CovarianceMixin(BaseModel):
    """Adds `covariance` (row-major, flattened) and `covariance_type`, both optional."""

    covariance: list[float] | None = None
    covariance_type: int | None = None

    @classmethod
    def __mixin_fields__(cls) -> list[pa.Field]:
        return [pa.field("covariance", pa.list_(pa.float64())), pa.field("covariance_type", pa.int16())]


class HeaderMixin(BaseModel):
    """Adds the optional `header` (seq, stamp, frame_id)."""

    header: "Header | None" = None

    @classmethod
    def __mixin_fields__(cls) -> list[pa.Field]:
        return [pa.field("header", Header.arrow_struct())]


class Time(Serializable):
    """ROS-style time: seconds (int64) and nanoseconds in [0, 1e9)."""

    __registered__ = False
    __arrow_fields__ = (pa.field("sec", pa.int64()), pa.field("nanosec", pa.uint32()))
    sec: int
    nanosec: int

    @field_validator("nanosec")
    @classmethod
    def _nanosec_range(cls, value: int) -> int:
        if not 0 <= value < 1_000_000_000:
            raise ValueError(f"nanosec must be in [0, 1_000_000_000), got {value}")
        return value


class Header(Serializable):
    """Per-record header: optional seq, required stamp and frame_id."""

    __registered__ = False
    __arrow_fields__ = (pa.field("seq", pa.uint32()), pa.field("stamp", Time.arrow_struct()),
                        pa.field("frame_id", pa.string()))
    seq: int | None = None
    stamp: Time
    frame_id: str


HeaderMixin.model_rebuild()
