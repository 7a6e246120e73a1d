"""DoAction: decode the body of each seed-era action, run it on the catalogue, frame the answer
exactly as §4 (`{"action": name, "response": {...}}` or `{"action": "empty"}`).
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Callable

from mosaico_ros_bridge.protocol import EMPTY_ACTION, Action, Texts
from mosaico_ros_bridge.records import BODIES, Field
from mosaico_ros_bridge.server.bodies import BodyError, decode
from mosaico_ros_bridge.server.catalog import Catalog, format_datetime
from mosaico_ros_bridge.server.errors import ProtocolError
from mosaico_ros_bridge.server.query import run_query

Handler = Callable[[Catalog, dict[str, Any]], "dict[str, Any] | None"]


@dataclass(frozen=True)
class ActionSpec:
    fields: tuple[Field, ...]
    handler: Handler


def _spec(action: Action, handler: Handler) -> ActionSpec:
    """The action's handler with the body fields described in records.py."""
    return ActionSpec(BODIES[action], handler)


def _notifies(catalog: Catalog, is_topic: bool, name: str) -> dict[str, Any]:
    return {"notifies": [
        {"name": n.name, "notify_type": n.notify_type, "msg": n.msg, "created_datetime": format_datetime(n.created_ms)}
        for n in catalog.notify_list(is_topic, name)
    ]}


SPECS: dict[str, ActionSpec] = {
    Action.SEQUENCE_CREATE: _spec(Action.SEQUENCE_CREATE,
                                  lambda c, b: {"key": c.sequence_create(b["name"], b["user_metadata"])}),
    Action.TOPIC_CREATE: _spec(Action.TOPIC_CREATE, lambda c, b: {"key": c.topic_create(
        b["name"], b["sequence_key"], b["serialization_format"], b["ontology_tag"], b["user_metadata"])}),
    Action.SEQUENCE_FINALIZE: _spec(Action.SEQUENCE_FINALIZE, lambda c, b: c.sequence_finalize(b["name"], b["key"])),
    Action.SEQUENCE_ABORT: _spec(Action.SEQUENCE_ABORT, lambda c, b: c.sequence_abort(b["name"], b["key"])),
    Action.SEQUENCE_DELETE: _spec(Action.SEQUENCE_DELETE, lambda c, b: c.sequence_delete(b["name"])),
    Action.TOPIC_DELETE: _spec(Action.TOPIC_DELETE, lambda c, b: c.topic_delete(b["name"])),
    Action.SEQUENCE_NOTIFY_CREATE: _spec(Action.SEQUENCE_NOTIFY_CREATE,
                                         lambda c, b: c.notify_create(False, b["name"], b["notify_type"], b["msg"])),
    Action.TOPIC_NOTIFY_CREATE: _spec(Action.TOPIC_NOTIFY_CREATE,
                                      lambda c, b: c.notify_create(True, b["name"], b["notify_type"], b["msg"])),
    Action.SEQUENCE_NOTIFY_LIST: _spec(Action.SEQUENCE_NOTIFY_LIST, lambda c, b: _notifies(c, False, b["name"])),
    Action.TOPIC_NOTIFY_LIST: _spec(Action.TOPIC_NOTIFY_LIST, lambda c, b: _notifies(c, True, b["name"])),
    Action.SEQUENCE_NOTIFY_PURGE: _spec(Action.SEQUENCE_NOTIFY_PURGE, lambda c, b: c.notify_purge(False, b["name"])),
    Action.TOPIC_NOTIFY_PURGE: _spec(Action.TOPIC_NOTIFY_PURGE, lambda c, b: c.notify_purge(True, b["name"])),
    Action.SEQUENCE_SYSTEM_INFO: _spec(Action.SEQUENCE_SYSTEM_INFO, lambda c, b: c.sequence_info(b["name"])),
    Action.TOPIC_SYSTEM_INFO: _spec(Action.TOPIC_SYSTEM_INFO, lambda c, b: c.topic_info(b["name"])),
    Action.LAYER_CREATE: _spec(Action.LAYER_CREATE, lambda c, b: c.layer_create(b["name"], b["description"])),
    Action.LAYER_DELETE: _spec(Action.LAYER_DELETE, lambda c, b: c.layer_delete(b["name"])),
    Action.LAYER_UPDATE: _spec(Action.LAYER_UPDATE, lambda c, b: c.layer_update(
        b["prev_name"], b["curr_name"], b["curr_description"])),
    Action.LAYER_LIST: _spec(Action.LAYER_LIST, lambda c, b: {"layers": [dataclasses.asdict(x) for x in c.layers()]}),
}


def handle_action(catalog: Catalog, name: str, body: bytes) -> bytes:
    """Run one action; returns the framed JSON answer or raises ProtocolError."""
    if name == Action.QUERY:
        response: dict[str, Any] | None = run_query(catalog, body)
    else:
        spec = SPECS.get(name)
        if spec is None:
            raise ProtocolError(Texts.NO_ACTION.format(name=name))
        try:
            decoded = decode(body, spec.fields, name)
        except BodyError as exc:
            raise ProtocolError(Texts.BODY_DESERIALIZATION + str(exc)) from None
        response = spec.handler(catalog, decoded)
    framed = {"action": EMPTY_ACTION} if response is None else {"action": name, "response": response}
    return json.dumps(framed, separators=(",", ":")).encode()
