"""The wire layer for the seed-era dialect: frames every DoAction and DoPut command, parses answers and
maps server errors onto the project's exceptions. Another dialect would be another class like this.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.flight as fl

from mosaico_ros_bridge.errors import AlreadyExists, ConnectionFailed, Locked, MosaicoBridgeError, NotFound, ServerError
from mosaico_ros_bridge.protocol import EMPTY_ACTION, NOTIFY_TYPE_ERROR, Action, Texts
from mosaico_ros_bridge.records import body, put_command

FLIGHT_ERRORS = (fl.FlightError, pa.ArrowException, OSError)  # what pyarrow raises on a call or stream
UNREACHABLE = (fl.FlightUnavailableError, fl.FlightTimedOutError, fl.FlightCancelledError)


@dataclass(frozen=True)
class Notification:
    name: str
    notify_type: str
    msg: str
    created_datetime: str


def server_text(exc: BaseException) -> str:
    """The server's message inside a pyarrow Flight error (prefix and '. Detail: ...' removed)."""
    text = str(exc)
    for prefix in ("Flight returned internal error, with message: ", "Flight returned invalid argument error, with message: ",
                   "Flight returned unavailable error, with message: "):
        if text.startswith(prefix):
            text = text[len(prefix):]
    return text.split(". Detail:")[0].split(". gRPC client debug context:")[0]


def _classify(text: str) -> type[ServerError]:
    if "already exists" in text:
        return AlreadyExists
    if Texts.ROW_NOT_FOUND in text or "not found" in text:
        return NotFound
    if "locked" in text:
        return Locked
    return ServerError


HINTS = {
    AlreadyExists: "choose another name (sequence names are unique on the server, finalized ones cannot be deleted)",
    NotFound: "check the name; it may have been deleted or never created",
    Locked: "finalized sequences/topics are immutable; write a new sequence",
    ServerError: "see the server's message",
}


def flight_error(exc: BaseException, what: str, target: str, action: str) -> MosaicoBridgeError:
    """A pyarrow error of a call or stream as the project's exception, keeping the server's text: an
    unreachable server (or a broken connection) is ConnectionFailed, a refusal the ServerError child
    its text names. `what` says what was being done, e.g. "upload of topic 'seq/imu'"."""
    text = server_text(exc)
    if isinstance(exc, UNREACHABLE) or (isinstance(exc, OSError) and not isinstance(exc, fl.FlightError)):
        return ConnectionFailed(f"{what}: Mosaico server at {target} is unreachable or the connection broke "
                                f"({text}); check that it is running and reachable")
    kind = _classify(text)
    return kind(f"{what} refused by {target}: {text} — {HINTS[kind]}", action=action, server_message=text)


class SeedActions:
    """Every control operation of the seed dialect over one FlightClient (`target` names host:port)."""

    def __init__(self, client: fl.FlightClient, target: str, timeout: float | None = None) -> None:
        self.client = client
        self.target = target
        self._options = fl.FlightCallOptions(timeout=timeout) if timeout else None

    def call(self, action: Action, request: dict[str, Any], subject: str) -> dict[str, Any] | None:
        """Send one action; returns its `response` (None for `empty`) or raises a ServerError child."""
        payload = json.dumps(request, allow_nan=False).encode()
        try:
            results = list(self.client.do_action(fl.Action(action.value, payload), options=self._options))
        except FLIGHT_ERRORS as exc:
            raise flight_error(exc, f"{action.value} {subject}", self.target, action.value) from exc
        framed = json.loads(results[0].body.to_pybytes()) if results else {}
        if framed.get("action", EMPTY_ACTION) == EMPTY_ACTION:
            return None
        if framed["action"] != action.value:
            raise ServerError(f"{action.value} {subject}: server answered for {framed['action']!r}",
                              action=action.value, server_message=str(framed))
        return framed.get("response") or {}

    def _key(self, action: Action, body: dict[str, Any], subject: str) -> str:
        response = self.call(action, body, subject) or {}
        return str(response["key"])

    def sequence_create(self, name: str, metadata: dict[str, Any]) -> str:
        return self._key(Action.SEQUENCE_CREATE, body(Action.SEQUENCE_CREATE, name=name, user_metadata=metadata),
                         f"sequence {name!r}")

    def topic_create(self, locator: str, sequence_key: str, serialization_format: str, ontology_tag: str,
                     metadata: dict[str, Any]) -> str:
        request = body(Action.TOPIC_CREATE, name=locator, sequence_key=sequence_key,
                       serialization_format=serialization_format, ontology_tag=ontology_tag, user_metadata=metadata)
        return self._key(Action.TOPIC_CREATE, request, f"topic {locator!r}")

    def put_descriptor(self, locator: str, topic_key: str) -> fl.FlightDescriptor:
        return fl.FlightDescriptor.for_command(put_command(locator, topic_key))

    def sequence_finalize(self, name: str, key: str) -> None:
        self.call(Action.SEQUENCE_FINALIZE, body(Action.SEQUENCE_FINALIZE, name=name, key=key), f"sequence {name!r}")

    def sequence_abort(self, name: str, key: str) -> None:
        self.call(Action.SEQUENCE_ABORT, body(Action.SEQUENCE_ABORT, name=name, key=key), f"sequence {name!r}")

    def sequence_delete(self, name: str) -> None:
        self.call(Action.SEQUENCE_DELETE, body(Action.SEQUENCE_DELETE, name=name), f"sequence {name!r}")

    def topic_delete(self, locator: str) -> None:
        self.call(Action.TOPIC_DELETE, body(Action.TOPIC_DELETE, name=locator), f"topic {locator!r}")

    def notify(self, name: str, msg: str, *, topic: bool) -> None:
        action = Action.TOPIC_NOTIFY_CREATE if topic else Action.SEQUENCE_NOTIFY_CREATE
        self.call(action, body(action, name=name, notify_type=NOTIFY_TYPE_ERROR, msg=msg), repr(name))

    def notifications(self, name: str, *, topic: bool) -> list[Notification]:
        action = Action.TOPIC_NOTIFY_LIST if topic else Action.SEQUENCE_NOTIFY_LIST
        response = self.call(action, body(action, name=name), repr(name)) or {}
        return [Notification(**n) for n in response.get("notifies", [])]

    def system_info(self, name: str, *, topic: bool) -> dict[str, Any]:
        action = Action.TOPIC_SYSTEM_INFO if topic else Action.SEQUENCE_SYSTEM_INFO
        return self.call(action, body(action, name=name), repr(name)) or {}

    def query(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        return list((self.call(Action.QUERY, filters, "query") or {}).get("items", []))
