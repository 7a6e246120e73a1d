"""`topic_filter_clusterize` / `topic_filter_intersect` (§8.3): time clusters of a topic's rows that
match its ontology conditions (gaps <= clustering_dt_ns; 0 = one cluster), and their intersection
across topics of one sequence with tolerance intersect_dt_ns. One answer per cluster."""
from __future__ import annotations

from typing import Any, Iterator

import pyarrow.compute as pc
import pyarrow.parquet as pq

from mosaico_ros_bridge.protocol import TIMESTAMP_FIELD
from mosaico_ros_bridge.server.bodies import BodyError, load_json
from mosaico_ros_bridge.server.errors import Code, ProtocolError
from mosaico_ros_bridge.server.session.catalog import SessionCatalog
from mosaico_ros_bridge.server.session.conditions import bad, rows_matching
from mosaico_ros_bridge.server.session.locators import check_topic
from mosaico_ros_bridge.server.session.query import tag_groups
from mosaico_ros_bridge.session_protocol import SessionTexts as T

Span = tuple[int, int]


def _body(raw: bytes) -> dict[str, Any]:
    try:
        value, _ = load_json(raw)
    except BodyError:
        raise ProtocolError(T.BODY, Code.INVALID_ARGUMENT) from None
    if not isinstance(value, dict):
        raise ProtocolError(T.BODY, Code.INVALID_ARGUMENT)
    return value


def _int(value: Any, default: int = 0) -> int:
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ProtocolError(T.BODY, Code.INVALID_ARGUMENT)
    return value


def topic_clusters(catalog: SessionCatalog, item: dict[str, Any]) -> list[Span]:
    locator = item.get("locator")
    if not isinstance(locator, str):
        raise ProtocolError(T.BODY, Code.INVALID_ARGUMENT)
    check_topic(locator)
    topic = catalog.topic(locator)
    groups = tag_groups(item.get("ontology"))
    if not groups:
        raise ProtocolError(T.FILTER_EMPTY, Code.INVALID_ARGUMENT)
    if set(groups) != {topic.ontology_tag}:
        raise bad(f"wrong ontology tag in filter for `{locator}`, expected `{topic.ontology_tag}`")
    if topic.chunk is None:
        return []
    conds = groups[topic.ontology_tag]
    columns = sorted({p.split(".")[0] for p, _ in conds} | {TIMESTAMP_FIELD})
    table = pq.read_table(catalog.store.data_path(topic.name), columns=columns)
    ts = table.column(TIMESTAMP_FIELD).filter(rows_matching(table, conds))
    window = item.get("timestamp_range")
    if isinstance(window, dict):
        ts = ts.filter(pc.and_(pc.greater_equal(ts, _int(window.get("start_ns"))),
                               pc.less(ts, _int(window.get("end_ns"), 2**63 - 1))))
    dt = _int(item.get("clustering_dt_ns")) or 2**64
    spans: list[Span] = []
    for t in sorted(ts.to_pylist()):
        if spans and t - spans[-1][1] <= dt:
            spans[-1] = (spans[-1][0], t)
        else:
            spans.append((t, t))
    return spans


def _answers(spans: list[Span]) -> Iterator[dict[str, Any]]:
    for index, (start, end) in enumerate(spans):
        yield {"id": index, "ts": {"start_ns": start, "end_ns": end}}


def clusterize(catalog: SessionCatalog, raw: bytes) -> Iterator[dict[str, Any]]:
    return _answers(topic_clusters(catalog, _body(raw)))


def intersect(catalog: SessionCatalog, raw: bytes) -> Iterator[dict[str, Any]]:
    body = _body(raw)
    items = body.get("topics")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ProtocolError(T.BODY, Code.INVALID_ARGUMENT)
    if len(items) < 2:
        raise ProtocolError(T.INTERSECT_TWO, Code.INVALID_ARGUMENT)
    if len({str(i.get("locator", "")).split("/")[0] for i in items}) != 1:
        raise bad("all topics of an intersection must belong to the same sequence")
    tolerance = _int(body.get("intersect_dt_ns"))
    result = topic_clusters(catalog, items[0])
    for item in items[1:]:
        other = topic_clusters(catalog, item)
        result = [(max(a[0], b[0]), max(min(a[1], b[1]), max(a[0], b[0])))
                  for a in result for b in other if a[0] <= b[1] + tolerance and b[0] <= a[1] + tolerance]
    return _answers(result)
