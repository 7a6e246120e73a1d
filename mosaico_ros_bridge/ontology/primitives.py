"""Primitive wrappers (§4.1): a non-null `data` column plus the optional header."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
from pydantic import Field

from mosaico_ros_bridge.ontology.base import HeaderMixin, Serializable
from mosaico_ros_bridge.ontology.fields import col


class Integer8(HeaderMixin, Serializable):
    __arrow_fields__ = (col("data", pa.int8(), nn=True),)
    data: int = Field(ge=-(2**7), lt=2**7)


class Integer16(HeaderMixin, Serializable):
    __arrow_fields__ = (col("data", pa.int16(), nn=True),)
    data: int = Field(ge=-(2**15), lt=2**15)


class Integer32(HeaderMixin, Serializable):
    __arrow_fields__ = (col("data", pa.int32(), nn=True),)
    data: int = Field(ge=-(2**31), lt=2**31)


class Integer64(HeaderMixin, Serializable):
    __arrow_fields__ = (col("data", pa.int64(), nn=True),)
    data: int = Field(ge=-(2**63), lt=2**63)


class Unsigned8(HeaderMixin, Serializable):
    __arrow_fields__ = (col("data", pa.uint8(), nn=True),)
    data: int = Field(ge=0, lt=2**8)


class Unsigned16(HeaderMixin, Serializable):
    __arrow_fields__ = (col("data", pa.uint16(), nn=True),)
    data: int = Field(ge=0, lt=2**16)


class Unsigned32(HeaderMixin, Serializable):
    __arrow_fields__ = (col("data", pa.uint32(), nn=True),)
    data: int = Field(ge=0, lt=2**32)


class Unsigned64(HeaderMixin, Serializable):
    __arrow_fields__ = (col("data", pa.uint64(), nn=True),)
    data: int = Field(ge=0, lt=2**64)


class Floating16(HeaderMixin, Serializable):
    __arrow_fields__ = (col("data", pa.float16(), nn=True),)
    data: float

    def to_row(self) -> dict[str, object]:
        row = super().to_row()
        row["data"] = np.float16(self.data)  # Arrow takes half floats only as numpy float16
        return row


class Floating32(HeaderMixin, Serializable):
    __arrow_fields__ = (col("data", pa.float32(), nn=True),)
    data: float


class Floating64(HeaderMixin, Serializable):
    __arrow_fields__ = (col("data", pa.float64(), nn=True),)
    data: float


class Boolean(HeaderMixin, Serializable):
    __arrow_fields__ = (col("data", pa.bool_(), nn=True),)
    data: bool


class String(HeaderMixin, Serializable):
    __arrow_fields__ = (col("data", pa.string(), nn=True),)
    data: str


class LargeString(HeaderMixin, Serializable):
    __arrow_fields__ = (col("data", pa.large_string(), nn=True),)
    data: str
