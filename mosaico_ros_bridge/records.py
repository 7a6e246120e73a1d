"""Every wire record of the seed dialect described once: the body of each DoAction and the DoPut
command. The client builds its requests from these descriptions and the local server decodes with
them, as the spool's frame format has its writer and reader side by side (spool/files.py)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mosaico_ros_bridge.protocol import Action, SerializationFormat


@dataclass(frozen=True)
class Field:
    """One key of a body: kind is 'str', 'any' (any JSON value), 'bool' or 'enum' (with choices)."""

    name: str
    kind: str = "str"
    choices: tuple[str, ...] = ()
    required: bool = True


NAME = (Field("name"),)
NAME_KEY = (Field("name"), Field("key"))
NOTIFY = (Field("name"), Field("notify_type"), Field("msg"))
FORMATS = tuple(f.value for f in SerializationFormat)

BODIES: dict[Action, tuple[Field, ...]] = {
    Action.SEQUENCE_CREATE: (Field("name"), Field("user_metadata", "any")),
    Action.TOPIC_CREATE: (Field("name"), Field("sequence_key"), Field("serialization_format", "enum", FORMATS),
                          Field("ontology_tag"), Field("user_metadata", "any")),
    Action.SEQUENCE_FINALIZE: NAME_KEY,
    Action.SEQUENCE_ABORT: NAME_KEY,
    Action.SEQUENCE_DELETE: NAME,
    Action.TOPIC_DELETE: NAME,
    Action.SEQUENCE_NOTIFY_CREATE: NOTIFY,
    Action.TOPIC_NOTIFY_CREATE: NOTIFY,
    Action.SEQUENCE_NOTIFY_LIST: NAME,
    Action.TOPIC_NOTIFY_LIST: NAME,
    Action.SEQUENCE_NOTIFY_PURGE: NAME,
    Action.TOPIC_NOTIFY_PURGE: NAME,
    Action.SEQUENCE_SYSTEM_INFO: NAME,
    Action.TOPIC_SYSTEM_INFO: NAME,
    Action.LAYER_CREATE: (Field("name"), Field("description")),
    Action.LAYER_DELETE: NAME,
    Action.LAYER_UPDATE: (Field("prev_name"), Field("curr_name"), Field("curr_description")),
    Action.LAYER_LIST: (),
}
"""`query` is not here: its body is a filter language of its own (§8.3, server/query.py)."""

PUT_VARIANT = "topic"  # the DoPut CMD descriptor is `{"topic": {"name": <locator>, "key": <topic key>}}`
PUT_FIELDS = (Field("name"), Field("key"))


def fill(fields: tuple[Field, ...], values: dict[str, Any], what: str) -> dict[str, Any]:
    """Exactly the described keys, in order (optional ones only when given and not None); both
    dialects build their bodies and commands with it."""
    names = [f.name for f in fields]
    unknown = sorted(set(values) - set(names))
    missing = [f.name for f in fields if f.required and f.name not in values]
    if unknown or missing:  # a bug in the caller, never a server answer
        raise TypeError(f"{what}: unknown key(s) {unknown}, missing key(s) {missing}")
    return {f.name: values[f.name] for f in fields if f.name in values and (f.required or values[f.name] is not None)}


def body(action: Action, **values: Any) -> dict[str, Any]:
    """The request body of `action`: exactly its described keys, in their order."""
    return fill(BODIES[action], values, action.value)


def put_command(locator: str, key: str) -> bytes:
    """The DoPut CMD descriptor's bytes for a topic's upload."""
    return json.dumps({PUT_VARIANT: fill(PUT_FIELDS, {"name": locator, "key": key}, "put command")}).encode()
