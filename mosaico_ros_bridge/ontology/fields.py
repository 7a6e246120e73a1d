"""Shorthands for declaring Arrow columns (nullable unless `nn`)."""
from __future__ import annotations

import pyarrow as pa


def col(name: str, arrow_type: pa.DataType, nn: bool = False) -> pa.Field:
    return pa.field(name, arrow_type, nullable=not nn)


def f64(name: str, nn: bool = False) -> pa.Field:
    return col(name, pa.float64(), nn)


def f32(name: str) -> pa.Field:
    return col(name, pa.float32())


def utf8(name: str, nn: bool = False) -> pa.Field:
    return col(name, pa.string(), nn)
