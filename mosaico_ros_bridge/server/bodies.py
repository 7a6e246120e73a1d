"""Request-body decoding with the real server's (serde_json) error texts.

A body is a strict JSON object (NaN/Infinity rejected); unknown keys are ignored; a JSON array is
taken as the fields in declared order. Errors read like serde's: `missing field `x` at line 1 column N`.
"""
from __future__ import annotations

import json
from typing import Any, Sequence

from mosaico_ros_bridge.records import Field


class BodyError(Exception):
    """A body does not decode; str() is serde's message (without any prefix)."""


def _position(text: str, index: int | None = None) -> str:
    index = len(text.rstrip()) if index is None else index
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1)
    return f"at line {line} column {column}"


def describe(value: Any) -> str:
    """serde's 'unexpected' wording for a JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean `{str(value).lower()}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        return f"floating point `{value}`"
    if isinstance(value, str):
        return f'string "{value}"'
    if isinstance(value, list):
        return "sequence"
    return "map"


def _reject_constant(token: str) -> Any:
    raise ValueError(f"non-strict JSON token {token}")


def load_json(raw: bytes) -> tuple[Any, str]:
    """Parse strict JSON; returns (value, text) or raises BodyError with serde-like wording."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyError(f"invalid unicode code point at line 1 column {exc.start + 1}") from None
    if not text.strip():
        raise BodyError(f"EOF while parsing a value at line 1 column {len(text)}")
    try:
        return json.loads(text, parse_constant=_reject_constant), text
    except json.JSONDecodeError as exc:
        wording = "EOF while parsing a value" if exc.pos >= len(text.rstrip()) else "expected value"
        raise BodyError(f"{wording} {_position(text, exc.pos + 1)}") from None
    except ValueError:
        raise BodyError(f"expected value {_position(text)}") from None


def decode(raw: bytes, fields: Sequence[Field], struct: str) -> dict[str, Any]:
    """Decode a body against fields; struct names the request type in type errors."""
    value, text = load_json(raw)
    return decode_value(value, text, fields, struct)


def decode_value(value: Any, text: str, fields: Sequence[Field], struct: str) -> dict[str, Any]:
    """decode() for an already parsed value; text is the body it came from (for positions)."""
    if isinstance(value, list):
        value = dict(zip((f.name for f in fields), value))
        if len(value) < sum(f.required for f in fields):
            raise BodyError(f"invalid length {len(value)}, expected struct {struct} {_position(text)}")
    if not isinstance(value, dict):
        raise BodyError(f"invalid type: {describe(value)}, expected struct {struct} {_position(text)}")
    out: dict[str, Any] = {}
    for field in fields:
        if field.name not in value:
            if field.required:
                raise BodyError(f"missing field `{field.name}` {_position(text)}")
            continue
        out[field.name] = _check(field, value[field.name], text)
    return out


def _check(field: Field, item: Any, text: str) -> Any:
    if field.kind == "any":
        return item
    if field.kind == "bool":
        if not isinstance(item, bool):
            raise BodyError(f"invalid type: {describe(item)}, expected a boolean {_position(text)}")
        return item
    if not isinstance(item, str):
        raise BodyError(f"invalid type: {describe(item)}, expected a string {_position(text)}")
    if field.kind == "enum" and item not in field.choices:
        expected = ", ".join(f"`{c}`" for c in field.choices)
        raise BodyError(f"unknown variant `{item}`, expected one of {expected} {_position(text)}")
    return item
