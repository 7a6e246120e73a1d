"""The `query` action (§8.3): filters on sequence/topic names, creation time, user metadata and
recorded values. Answers `{"items": [{"sequence", "topics"}]}`; a body without filters finds nothing.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from mosaico_ros_bridge.protocol import Texts
from mosaico_ros_bridge.server.bodies import BodyError, describe, load_json
from mosaico_ros_bridge.server.catalog import Catalog
from mosaico_ros_bridge.server.errors import ProtocolError
from mosaico_ros_bridge.server.store import Resource, TopicState

ALL_OPS = frozenset({"$eq", "$neq", "$lt", "$leq", "$gt", "$geq", "$between", "$in", "$match", "$ex", "$nex"})
TEXT_OPS = frozenset({"$eq", "$neq", "$in", "$match", "$ex", "$nex"})
TIME_OPS = ALL_OPS - {"$match", "$in"}
META_OPS = ALL_OPS - {"$match", "$in"}
DATA_OPS = frozenset({"$eq", "$lt", "$leq", "$gt", "$geq", "$between"})
SEQUENCE_KEYS = {"name": TEXT_OPS, "created_timestamp": TIME_OPS}
TOPIC_KEYS = {**SEQUENCE_KEYS, "ontology_tag": TEXT_OPS, "serialization_format": TEXT_OPS}
MISSING = object()


@dataclass(frozen=True)
class Op:
    field: str
    name: str
    operand: Any


def _bad(message: str) -> ProtocolError:
    return ProtocolError(Texts.QUERY_DESERIALIZATION + message)


def parse_op(field: str, raw: Any, allowed: frozenset[str]) -> Op:
    if isinstance(raw, str) and raw in ("$ex", "$nex"):
        raw = {raw: None}
    if not isinstance(raw, dict) or len(raw) != 1:
        raise _bad(f"invalid type: {describe(raw)}, expected an operator object for `{field}`")
    name, operand = next(iter(raw.items()))
    if name not in ALL_OPS:
        raise _bad(f"unknown variant `{name}`, expected one of {', '.join(f'`{o}`' for o in sorted(ALL_OPS))}")
    if name in ("$ex", "$nex") and operand is not None:
        raise _bad(f"invalid type: {describe(operand)}, expected null for `{name}`")
    if name == "$between" and not (isinstance(operand, list) and len(operand) == 2):
        raise _bad(f"invalid value for `$between` of `{field}`: expected [min, max]")
    if name == "$in" and not isinstance(operand, list):
        raise _bad(f"invalid value for `$in` of `{field}`: expected an array")
    if name not in allowed:
        raise ProtocolError(Texts.QUERY_UNSUPPORTED_OP.format(field=field))
    return Op(field, name, operand)


def compare(op: Op, value: Any) -> bool:
    """Evaluate op on a stored value (MISSING when absent)."""
    if op.name in ("$ex", "$nex"):
        return (value is not MISSING) == (op.name == "$ex")
    if value is MISSING or value is None:
        return False
    checks: dict[str, Callable[[], bool]] = {
        "$eq": lambda: bool(value == op.operand), "$neq": lambda: bool(value != op.operand),
        "$lt": lambda: bool(value < op.operand), "$leq": lambda: bool(value <= op.operand),
        "$gt": lambda: bool(value > op.operand), "$geq": lambda: bool(value >= op.operand),
        "$between": lambda: bool(op.operand[0] <= value <= op.operand[1]),
        "$in": lambda: value in op.operand, "$match": lambda: str(op.operand) in str(value),
    }
    return checks[op.name]()


def _metadata_value(metadata: Any, path: str, operand: Any) -> Any:
    """The stored value at a dotted path, cast like the server casts JSONB for the operand's type."""
    node = metadata
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return MISSING
        node = node[part]
    probe = operand[0] if isinstance(operand, list) and operand else operand
    if isinstance(probe, bool):
        text = str(node).lower()
        if text not in ("true", "false"):
            raise ProtocolError(f"facade error :: repository error :: backend error :: invalid input syntax for type boolean: \"{node}\"")
        return text == "true"
    if isinstance(probe, (int, float)):
        try:
            return float(node)
        except (TypeError, ValueError):
            raise ProtocolError(f"facade error :: repository error :: backend error :: invalid input syntax for type numeric: \"{node}\"") from None
    return node if isinstance(node, str) else json.dumps(node)


def _filters(section: Any, keys: dict[str, frozenset[str]], prefix: str) -> list[tuple[str, Op]]:
    if section is None:
        return []
    if not isinstance(section, dict):
        raise _bad(f"invalid type: {describe(section)}, expected a map for `{prefix}`")
    ops: list[tuple[str, Op]] = []
    for key, raw in section.items():
        if key == "user_metadata":
            if not isinstance(raw, dict):
                raise _bad(f"invalid type: {describe(raw)}, expected a map for `{prefix}.user_metadata`")
            ops += [("meta:" + path, parse_op(f"user_metadata.{path}", v, META_OPS)) for path, v in raw.items()]
        elif key in keys:
            ops.append((key, parse_op(key, raw, keys[key])))
        else:
            raise _bad(f"unknown field `{key}`, expected one of {', '.join(f'`{k}`' for k in [*keys, 'user_metadata'])}")
    return ops


def _record_matches(record: Resource, ops: list[tuple[str, Op]], name: str) -> bool:
    for key, op in ops:
        if key.startswith("meta:"):
            value = _metadata_value(record.user_metadata, key[5:], op.operand)
        elif key == "name":
            value = name
        elif key == "created_timestamp":
            value = record.created_ms
        else:
            value = getattr(record, key)
        if not compare(op, value):
            return False
    return True


def _tag_groups(ops: list[tuple[str, Op]]) -> dict[str, list[tuple[str, Op]]]:
    """Ontology filters `<tag>.<field path>` grouped by tag, as mosaicod plans them (one group a tag)."""
    groups: dict[str, list[tuple[str, Op]]] = {}
    for key, op in ops:
        tag, _, path = key.partition(".")
        groups.setdefault(tag, []).append((path, op))
    return groups


def _column(table: Any, path: str) -> Any:
    parts = path.split(".")
    column = table.column(parts[0])
    for part in parts[1:]:
        column = pc.struct_field(column, part)
    return column


def _data_matches(catalog: Catalog, topic: TopicState, tag: str, group: list[tuple[str, Op]]) -> bool:
    """One tag's filters ANDed into one row filter: some recorded row of the topic satisfies all of them."""
    if topic.ontology_tag != tag or topic.chunk is None:
        return False
    tests = {"$eq": pc.equal, "$lt": pc.less, "$leq": pc.less_equal, "$gt": pc.greater, "$geq": pc.greater_equal}
    try:
        table = pq.read_table(catalog.store.data_path(topic.name),
                              columns=sorted({path.split(".")[0] for path, _ in group}))
        mask: Any = None
        for path, op in group:
            column = _column(table, path)
            bounds = op.operand if op.name == "$between" else [op.operand]
            term = (pc.and_(pc.greater_equal(column, bounds[0]), pc.less_equal(column, bounds[1]))
                    if op.name == "$between" else tests[op.name](column, bounds[0]))
            mask = term if mask is None else pc.and_(mask, term)
    except (KeyError, IndexError, ValueError, OSError, pa.ArrowException):
        return False
    return bool(pc.any(mask).as_py())


def _topics_of(catalog: Catalog, seq: Resource, topic_ops: list[tuple[str, Op]]) -> list[TopicState]:
    return [t for t in catalog.topics_of(seq.name)
            if _record_matches(t, topic_ops, "/" + t.name[len(seq.name):].lstrip("/"))]


def _data_topics(catalog: Catalog, topics: list[TopicState],
                 groups: dict[str, list[tuple[str, Op]]]) -> list[str] | None:
    """Each tag's group is evaluated on its own; a sequence needs a match in every group (intersection)
    and answers with the union of the matching topics. None: some group matched nothing here."""
    found: set[str] = set()
    for tag, group in groups.items():
        matched = {t.name for t in topics if _data_matches(catalog, t, tag, group)}
        if not matched:
            return None
        found |= matched
    return sorted(found)


def run_query(catalog: Catalog, body: bytes) -> dict[str, Any]:
    try:
        value, _ = load_json(body)
    except BodyError as exc:
        raise _bad(str(exc)) from None
    if not isinstance(value, dict):
        raise _bad(f"invalid type: {describe(value)}, expected struct Query")
    seq_ops = _filters(value.get("sequence"), SEQUENCE_KEYS, "sequence")
    topic_ops = _filters(value.get("topic"), TOPIC_KEYS, "topic")
    onto = value.get("ontology") or {}
    if not isinstance(onto, dict):
        raise _bad(f"invalid type: {describe(onto)}, expected a map for `ontology`")
    data_ops = [(k, parse_op(k, v, DATA_OPS)) for k, v in onto.items()]
    if not (seq_ops or topic_ops or data_ops):
        return {"items": []}
    groups = _tag_groups(data_ops)
    items = []
    for seq in sorted(catalog.sequences(), key=lambda s: s.name):
        if not _record_matches(seq, seq_ops, seq.name):
            continue
        candidates = _topics_of(catalog, seq, topic_ops)
        if groups:
            topics = _data_topics(catalog, candidates, groups)
            if topics is not None:
                items.append({"sequence": seq.name, "topics": topics})
        elif candidates or not topic_ops:
            items.append({"sequence": seq.name, "topics": sorted(t.name for t in candidates)})
    return {"items": items}
