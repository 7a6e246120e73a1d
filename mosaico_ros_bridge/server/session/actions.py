"""DoAction of the session dialect: decode each body (session_protocol.BODIES), run it on the
catalogue, frame the answer as `{"action": name, "response": payload | null}` (§4)."""
from __future__ import annotations

import json
import time
from typing import Any, Callable

from mosaico_ros_bridge.server.bodies import BodyError, decode
from mosaico_ros_bridge.server.errors import Code, ProtocolError
from mosaico_ros_bridge.server.session.catalog import SessionCatalog
from mosaico_ros_bridge.server.session.filters import clusterize, intersect
from mosaico_ros_bridge.server.session.query import run_query
from mosaico_ros_bridge.server.session.state import Note
from mosaico_ros_bridge.session_protocol import (
    BODIES, ENCODE_LIMIT, SERVER_VERSION, TARGET_ENCODE_SIZE, SessionAction as A, SessionTexts as T,
)

Handler = Callable[[SessionCatalog, dict[str, Any]], Any]


def datetime_text(ns: int) -> str:
    """`YYYY-MM-DD HH:MM:SS.fff UTC`, as mosaicod renders notification times."""
    ms = ns // 1_000_000
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d} UTC"


def _notes(notes: list[Note]) -> dict[str, Any]:
    return {"notifications": [{"name": n.name, "notification_type": n.notification_type, "msg": n.msg,
                               "created_datetime": datetime_text(n.created_ns)} for n in notes]}


def info_response(decode_limit: int, version: str = SERVER_VERSION) -> dict[str, Any]:
    major, minor, patch = (int(p) for p in version.split("-")[0].split("."))
    return {"version": version, "semver": {"major": major, "minor": minor, "patch": patch, "pre": ""},
            "config": {"grpc_max_decode_message_size": decode_limit, "grpc_max_encode_message_size": ENCODE_LIMIT,
                       "grpc_target_encode_message_size": TARGET_ENCODE_SIZE}}


def _session_create(c: SessionCatalog, b: dict[str, Any]) -> dict[str, str]:
    session = c.session_create(b["locator"])
    return {"uuid": session.uuid, "locator": session.locator}


HANDLERS: dict[A, Handler] = {
    A.SEQUENCE_CREATE: lambda c, b: c.sequence_create(b["locator"], b["user_metadata"]),
    A.SEQUENCE_DELETE: lambda c, b: c.sequence_delete(b["locator"]),
    A.SESSION_CREATE: _session_create,
    A.SESSION_FINALIZE: lambda c, b: c.session_finalize(b["session_uuid"]),
    A.SESSION_DELETE: lambda c, b: c.session_delete(b["locator"]),
    A.TOPIC_CREATE: lambda c, b: {"uuid": c.topic_create(b["session_uuid"], b["locator"], b["serialization_format"],
                                                         b["ontology_tag"], b["user_metadata"])},
    A.TOPIC_DELETE: lambda c, b: c.topic_delete(b["locator"]),
    A.SEQUENCE_NOTIFICATION_CREATE: lambda c, b: c.notify(b["locator"], False, b["notification_type"], b["msg"]),
    A.TOPIC_NOTIFICATION_CREATE: lambda c, b: c.notify(b["locator"], True, b["notification_type"], b["msg"]),
    A.SEQUENCE_NOTIFICATION_LIST: lambda c, b: _notes(c.notes(b["locator"], False)),
    A.TOPIC_NOTIFICATION_LIST: lambda c, b: _notes(c.notes(b["locator"], True)),
    A.SEQUENCE_NOTIFICATION_PURGE: lambda c, b: c.purge(b["locator"], False),
    A.TOPIC_NOTIFICATION_PURGE: lambda c, b: c.purge(b["locator"], True),
}


def frame(name: str, response: Any) -> bytes:
    return json.dumps({"action": name, "response": response}, separators=(",", ":")).encode()


def action_of(name: str) -> A:
    try:
        return A(name)
    except ValueError:
        raise ProtocolError(T.NO_ACTION.format(name=name), Code.INVALID_ARGUMENT) from None


def handle_action(catalog: SessionCatalog, action: A, body: bytes, decode_limit: int) -> list[bytes]:
    """Run one action; returns the framed Result bodies (one per cluster for topic filters)."""
    if action == A.INFO:
        return [frame(action.value, info_response(decode_limit))]
    if action == A.VERSION:  # a 0.7 server no longer knows it
        raise ProtocolError(T.NO_ACTION.format(name=action.value), Code.INVALID_ARGUMENT)
    if action == A.QUERY:
        return [frame(action.value, run_query(catalog, body))]
    if action in (A.TOPIC_FILTER_CLUSTERIZE, A.TOPIC_FILTER_INTERSECT):
        run = clusterize if action == A.TOPIC_FILTER_CLUSTERIZE else intersect
        return [frame(action.value, cluster) + b"\n" for cluster in run(catalog, body)]
    try:
        decoded = decode(body, BODIES[action], action.value)
    except BodyError:
        raise ProtocolError(T.BODY, Code.INVALID_ARGUMENT) from None
    return [frame(action.value, HANDLERS[action](catalog, decoded))]
