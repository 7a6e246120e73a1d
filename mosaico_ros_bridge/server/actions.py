"""DoAction: decode the body of each seed-era action, run it on the catalogue, frame the answer
exactly as §4 (`{"action": name, "response": {...}}` or `{"action": "empty"}`).
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Callable

from mosaico_ros_bridge.protocol import EMPTY_ACTION, Action, SerializationFormat, Texts
from mosaico_ros_bridge.server.bodies import BodyError, Field, decode
from mosaico_ros_bridge.server.catalog import Catalog, format_datetime
from mosaico_ros_bridge.server.errors import ProtocolError
from mosaico_ros_bridge.server.query import run_query

Handler = Callable[[Catalog, dict[str, Any]], "dict[str, Any] | None"]
NAME = (Field("name"),)
NAME_KEY = (Field("name"), Field("key"))
NOTIFY = (Field("name"), Field("notify_type"), Field("msg"))
FORMATS = tuple(f.value for f in SerializationFormat)


@dataclass(frozen=True)
class ActionSpec:
    fields: tuple[Field, ...]
    handler: Handler


def _notifies(catalog: Catalog, is_topic: bool, name: str) -> dict[str, Any]:
    return {"notifies": [
        {"name": n.name, "notify_type": n.notify_type, "msg": n.msg, "created_datetime": format_datetime(n.created_ms)}
        for n in catalog.notify_list(is_topic, name)
    ]}


SPECS: dict[str, ActionSpec] = {
    Action.SEQUENCE_CREATE: ActionSpec(
        (Field("name"), Field("user_metadata", "any")),
        lambda c, b: {"key": c.sequence_create(b["name"], b["user_metadata"])}),
    Action.TOPIC_CREATE: ActionSpec(
        (Field("name"), Field("sequence_key"), Field("serialization_format", "enum", FORMATS),
         Field("ontology_tag"), Field("user_metadata", "any")),
        lambda c, b: {"key": c.topic_create(b["name"], b["sequence_key"], b["serialization_format"],
                                            b["ontology_tag"], b["user_metadata"])}),
    Action.SEQUENCE_FINALIZE: ActionSpec(NAME_KEY, lambda c, b: c.sequence_finalize(b["name"], b["key"])),
    Action.SEQUENCE_ABORT: ActionSpec(NAME_KEY, lambda c, b: c.sequence_abort(b["name"], b["key"])),
    Action.SEQUENCE_DELETE: ActionSpec(NAME, lambda c, b: c.sequence_delete(b["name"])),
    Action.TOPIC_DELETE: ActionSpec(NAME, lambda c, b: c.topic_delete(b["name"])),
    Action.SEQUENCE_NOTIFY_CREATE: ActionSpec(
        NOTIFY, lambda c, b: c.notify_create(False, b["name"], b["notify_type"], b["msg"])),
    Action.TOPIC_NOTIFY_CREATE: ActionSpec(
        NOTIFY, lambda c, b: c.notify_create(True, b["name"], b["notify_type"], b["msg"])),
    Action.SEQUENCE_NOTIFY_LIST: ActionSpec(NAME, lambda c, b: _notifies(c, False, b["name"])),
    Action.TOPIC_NOTIFY_LIST: ActionSpec(NAME, lambda c, b: _notifies(c, True, b["name"])),
    Action.SEQUENCE_NOTIFY_PURGE: ActionSpec(NAME, lambda c, b: c.notify_purge(False, b["name"])),
    Action.TOPIC_NOTIFY_PURGE: ActionSpec(NAME, lambda c, b: c.notify_purge(True, b["name"])),
    Action.SEQUENCE_SYSTEM_INFO: ActionSpec(NAME, lambda c, b: c.sequence_info(b["name"])),
    Action.TOPIC_SYSTEM_INFO: ActionSpec(NAME, lambda c, b: c.topic_info(b["name"])),
    Action.LAYER_CREATE: ActionSpec(
        (Field("name"), Field("description")), lambda c, b: c.layer_create(b["name"], b["description"])),
    Action.LAYER_DELETE: ActionSpec(NAME, lambda c, b: c.layer_delete(b["name"])),
    Action.LAYER_UPDATE: ActionSpec(
        (Field("prev_name"), Field("curr_name"), Field("curr_description")),
        lambda c, b: c.layer_update(b["prev_name"], b["curr_name"], b["curr_description"])),
    Action.LAYER_LIST: ActionSpec(
        (), lambda c, b: {"layers": [dataclasses.asdict(x) for x in c.layers()]}),
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
