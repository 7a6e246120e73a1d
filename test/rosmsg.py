"""Field-by-field comparison of ROS messages (NaN equals NaN; arrays compared element-wise)."""
from __future__ import annotations

import math
from typing import Any


def to_python(value: Any) -> Any:
    """A ROS message as nested dicts/lists of plain Python values."""
    if hasattr(value, "get_fields_and_field_types"):
        return {name: to_python(getattr(value, name)) for name in value.get_fields_and_field_types()}
    if isinstance(value, (bytes, bytearray)):
        return list(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (list, tuple)) or type(value).__name__ == "array":
        return [to_python(v) for v in value]
    return value


def assert_same(actual: Any, expected: Any, path: str = "msg") -> None:
    """Assert equality recursively, naming the first differing field path."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: {actual!r} is not a struct"
        assert actual.keys() == expected.keys(), f"{path}: fields {sorted(actual)} != {sorted(expected)}"
        for key in expected:
            assert_same(actual[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{path}: {actual!r} is not a list"
        assert len(actual) == len(expected), f"{path}: length {len(actual)} != {len(expected)}"
        for index, (a, e) in enumerate(zip(actual, expected)):
            assert_same(a, e, f"{path}[{index}]")
    elif isinstance(expected, float) and math.isnan(expected):
        assert isinstance(actual, float) and math.isnan(actual), f"{path}: {actual!r} is not NaN"
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


def assert_messages_equal(actual: Any, expected: Any) -> None:
    assert type(actual).__name__ == type(expected).__name__
    assert_same(to_python(actual), to_python(expected))
