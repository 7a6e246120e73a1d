"""The session dialect's `query` (§8): scopes `sequence`, `topic`, `ontology` ANDed; answers
`{"items": [{"sequence", "topics": [{"locator", "ontology_tag"}]}]}`. Topic names compare with their
leading `/`; ontology keys are `<Tag>.<field path>` and are grouped per tag (each group must match)."""
from __future__ import annotations

from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq

from mosaico_ros_bridge.server.bodies import BodyError, load_json
from mosaico_ros_bridge.server.session.catalog import SessionCatalog
from mosaico_ros_bridge.server.session.conditions import MISSING, Cond, bad, holds, metadata_value, parse_all, rows_matching
from mosaico_ros_bridge.server.session.state import SequenceRec, TopicRec

SEQUENCE_KEYS = {"name", "created_at_ns"}
TOPIC_KEYS = {"name", "created_at_ns", "ontology_tag"}


def _scope(section: Any, keys: set[str], what: str) -> list[Cond]:
    conds = []
    if isinstance(section, dict) and isinstance(section.get("user_metadata"), dict):
        conds = [Cond("user_metadata." + c.key, c.op, c.operand) for c in parse_all(section["user_metadata"], what)]
        section = {k: v for k, v in section.items() if k != "user_metadata"}
    for cond in parse_all(section, what):
        if cond.key not in keys:
            raise bad(f"unknown field `{cond.key}` in `{what}`")
        conds.append(cond)
    return conds


def _value(record: SequenceRec | TopicRec, key: str, name: str) -> Any:
    if key.startswith("user_metadata."):
        return metadata_value(record.user_metadata, key[len("user_metadata."):])
    if key == "name":
        return name
    if key == "created_at_ns":
        return record.created_ns
    return getattr(record, key, MISSING)


def _all_hold(record: SequenceRec | TopicRec, conds: list[Cond], name: str) -> bool:
    return all(holds(c, _value(record, c.key, name)) for c in conds)


def tag_groups(ontology: Any) -> dict[str, list[tuple[str, Cond]]]:
    groups: dict[str, list[tuple[str, Cond]]] = {}
    for cond in parse_all(ontology, "ontology"):
        tag, dot, path = cond.key.partition(".")
        if not dot or not path:
            raise bad(f"ontology key `{cond.key}` must be `<ontology tag>.<field path>`")
        groups.setdefault(tag, []).append((path, cond))
    return groups


def data_match(catalog: SessionCatalog, topic: TopicRec, conds: list[tuple[str, Cond]]) -> bool:
    if topic.chunk is None:
        return False
    table = pq.read_table(catalog.store.data_path(topic.name), columns=sorted({p.split(".")[0] for p, _ in conds}))
    return bool(pc.any(rows_matching(table, conds)).as_py())


def run_query(catalog: SessionCatalog, body: bytes) -> dict[str, Any]:
    try:
        value, _ = load_json(body)
    except BodyError as exc:
        raise bad(str(exc)) from None
    if not isinstance(value, dict):
        raise bad("a query is a JSON object")
    seq_conds = _scope(value.get("sequence"), SEQUENCE_KEYS, "sequence")
    topic_conds = _scope(value.get("topic"), TOPIC_KEYS, "topic")
    groups = tag_groups(value.get("ontology"))
    items = []
    for seq in sorted(catalog.sequences(), key=lambda s: s.name):
        if not _all_hold(seq, seq_conds, seq.name):
            continue
        topics = [t for t in catalog.topics_of(seq.name) if _all_hold(t, topic_conds, t.name[len(seq.name):])]
        if groups:
            found: set[str] = set()
            for tag, conds in groups.items():
                matched = {t.name for t in topics if t.ontology_tag == tag and data_match(catalog, t, conds)}
                if not matched:
                    found = set()
                    break
                found |= matched
            topics = [t for t in topics if t.name in found]
            if not topics:
                continue
        elif topic_conds and not topics:
            continue
        items.append({"sequence": seq.name, "topics": [{"locator": t.name, "ontology_tag": t.ontology_tag}
                                                       for t in sorted(topics, key=lambda t: t.name)]})
    return {"items": items}
