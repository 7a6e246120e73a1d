"""Sample values for every ontology class of the official SDK 0.7.0, built from each class's own Arrow
struct (so a class the SDK adds is covered without editing this file), and an SDK session server."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pyarrow as pa
import pytest

ml = pytest.importorskip("mosaicolabs")
from mosaicolabs.models.core.serializable import Serializable as SdkSerializable  # noqa: E402

# Fields whose values the SDK's models constrain beyond their Arrow type (enums, ranges).
CONSTRAINED = {"format": "png", "datatype": 7, "encoding": "rgb8", "distortion_model": "plumb_bob"}


def sample_value(field: pa.Field, seed: int) -> Any:
    """A non-null value of the field's type that varies with seed (lists get two items)."""
    t = field.type
    if field.name in CONSTRAINED and not pa.types.is_struct(t):
        return CONSTRAINED[field.name]
    if pa.types.is_struct(t):
        return {f.name: sample_value(f, seed + i) for i, f in enumerate(t)}
    if pa.types.is_fixed_size_list(t):
        return [sample_value(t.value_field, seed + k) for k in range(t.list_size)]
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return [sample_value(t.value_field, seed + k) for k in range(2)]
    if pa.types.is_boolean(t):
        return seed % 2 == 0
    if pa.types.is_integer(t):
        return seed % 7 + 1
    if pa.types.is_floating(t):
        return 0.25 * (seed % 9) + 0.5  # exact in float16/32/64
    if pa.types.is_string(t):
        return f"text-{seed}-ü"
    if pa.types.is_binary(t):
        return bytes([seed % 256, 0, 255, 7])
    raise TypeError(f"no sample for {t}")


def sdk_classes() -> dict[str, type[Any]]:
    """Every ontology class the SDK defines, by tag: not the schema-less Unmodeled base, nor the
    classes it synthesizes (and registers) when it reads a topic of an unknown tag."""
    from mosaicolabs import Unmodeled
    classes = {tag: SdkSerializable._get_class_type(tag) for tag in SdkSerializable._list_registered()}
    return {tag: cls for tag, cls in classes.items()
            if cls is not None and not issubclass(cls, Unmodeled) and cls.__module__.startswith("mosaicolabs.")}


def sdk_sample(cls: type[Any], seed: int) -> Any:
    row = {f.name: sample_value(f, seed + i) for i, f in enumerate(cls.__msco_pyarrow_struct__)}
    if {"min_range", "max_range", "range"} <= set(row):  # Range checks min_range <= range <= max_range
        row.update(min_range=0.5, max_range=100.0, range=1.0 + seed)
    return cls.model_validate(row)


def session_server(tmp_path: Path, **options: Any) -> Iterator[Any]:
    from mosaico_ros_bridge.server.flight import LocalServer

    with LocalServer(tmp_path / "store", dialect="session", **options) as server:
        yield server
