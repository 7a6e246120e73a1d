"""The session dialect's condition language (§8.1): `{"<key>": {"<op>": value}}`, ANDed, evaluated on
catalogue values (names, times, user metadata) and, column-wise, on recorded rows."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

import pyarrow as pa
import pyarrow.compute as pc

from mosaico_ros_bridge.server.errors import Code, ProtocolError
from mosaico_ros_bridge.session_protocol import SessionTexts as T

OPS = frozenset({"$eq", "$neq", "$lt", "$leq", "$gt", "$geq", "$between", "$outside", "$in", "$match", "$ex", "$nex"})
MISSING = object()


@dataclass(frozen=True)
class Cond:
    key: str
    op: str
    operand: Any


def bad(detail: str) -> ProtocolError:
    return ProtocolError(T.BAD_REQUEST.format(detail=detail), Code.INVALID_ARGUMENT)


def parse(key: str, raw: Any) -> Cond:
    if not isinstance(raw, dict) or len(raw) != 1:
        raise bad(f"`{key}` needs exactly one operator object")
    op, operand = next(iter(raw.items()))
    if op not in OPS:
        raise bad(f"unknown operator `{op}` for `{key}`")
    if op in ("$between", "$outside"):
        if not (isinstance(operand, list) and len(operand) == 2) or operand[0] > operand[1]:
            raise bad(f"`{op}` of `{key}` needs [min, max] with min <= max")
    if op == "$in" and (not isinstance(operand, list) or not operand or len({type(v) for v in operand}) > 1):
        raise bad(f"`$in` of `{key}` needs a non-empty array of one type")
    if op == "$match" and not isinstance(operand, str):
        raise bad(f"`$match` of `{key}` needs a string pattern")
    return Cond(key, op, operand)


def parse_all(section: Any, what: str) -> list[Cond]:
    if section is None:
        return []
    if not isinstance(section, dict):
        raise bad(f"`{what}` must be an object")
    return [parse(k, v) for k, v in section.items()]


def glob_regex(pattern: str) -> str:
    """mosaicod's glob: `*` any run, `?` one char, `[set]`, `#` one digit; anchored."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "#":
            out.append("[0-9]")
        elif c == "[" and "]" in pattern[i + 1:]:
            end = pattern.index("]", i + 1)
            out.append("[" + pattern[i + 1:end].replace("\\", "\\\\") + "]")
            i = end
        else:
            out.append(re.escape(c))
        i += 1
    return "^" + "".join(out) + "$"


def holds(cond: Cond, value: Any) -> bool:
    """cond on one catalogue value (MISSING when the key is absent)."""
    if cond.op in ("$ex", "$nex"):
        return (value is not MISSING) == (cond.op == "$ex")
    if value is MISSING or value is None:
        return False
    v, x = value, cond.operand
    try:
        checks: dict[str, Callable[[], bool]] = {
            "$eq": lambda: bool(v == x), "$neq": lambda: bool(v != x), "$lt": lambda: bool(v < x),
            "$leq": lambda: bool(v <= x), "$gt": lambda: bool(v > x), "$geq": lambda: bool(v >= x),
            "$between": lambda: bool(x[0] <= v <= x[1]), "$outside": lambda: bool(v < x[0] or v > x[1]),
            "$in": lambda: v in x, "$match": lambda: re.match(glob_regex(x), str(v)) is not None,
        }
        return checks[cond.op]()
    except TypeError:
        return False


def metadata_value(metadata: Any, path: str) -> Any:
    node = metadata
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return MISSING
        node = node[part]
    return node


def column_mask(column: pa.ChunkedArray, cond: Cond) -> pa.ChunkedArray:
    """cond evaluated on every row of a recorded column (null rows never match)."""
    x = cond.operand
    simple = {"$eq": pc.equal, "$neq": pc.not_equal, "$lt": pc.less, "$leq": pc.less_equal,
              "$gt": pc.greater, "$geq": pc.greater_equal}
    if cond.op in simple:
        return simple[cond.op](column, x)
    if cond.op == "$between":
        return pc.and_(pc.greater_equal(column, x[0]), pc.less_equal(column, x[1]))
    if cond.op == "$outside":
        return pc.or_(pc.less(column, x[0]), pc.greater(column, x[1]))
    if cond.op == "$in":
        return pc.is_in(column, value_set=pa.array(x))
    if cond.op == "$match":
        return pc.match_substring_regex(column, glob_regex(x))
    raise bad(f"`{cond.op}` is not supported on recorded values (`{cond.key}`)")


def field_column(table: pa.Table, path: str) -> pa.ChunkedArray:
    parts = path.split(".")
    column = table.column(parts[0])
    for part in parts[1:]:
        column = pc.struct_field(column, part)
    return column


def rows_matching(table: pa.Table, conds: list[tuple[str, Cond]]) -> pa.ChunkedArray:
    """AND of conds (`(field path, cond)`) over the table's rows; nulls count as no match."""
    mask: Any = None
    for path, cond in conds:
        try:
            term = pc.fill_null(column_mask(field_column(table, path), cond), False)
        except (KeyError, pa.ArrowException) as exc:
            raise bad(f"cannot evaluate `{cond.key}`: {exc}") from None
        mask = term if mask is None else pc.and_(mask, term)
    return mask
