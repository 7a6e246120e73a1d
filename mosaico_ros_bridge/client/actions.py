"""The action layer: `Actions` is what writers and the recorder call, whatever the server speaks;
`SeedActions` frames every DoAction and DoPut command of the seed dialect (the session dialect's is
client/session_actions.py). Server errors become the project's exceptions here."""
from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.flight as fl

from mosaico_ros_bridge.errors import (
    AlreadyExists, ConfigError, ConnectionFailed, Locked, MosaicoBridgeError, NotFound, PermissionDenied, ServerError,
)
from mosaico_ros_bridge.protocol import EMPTY_ACTION, NOTIFY_TYPE_ERROR, Action, Texts
from mosaico_ros_bridge.records import body, put_command
from mosaico_ros_bridge.session_protocol import API_KEY_ENV, PERMISSIONS, SessionAction

FLIGHT_ERRORS = (fl.FlightError, pa.ArrowException, OSError)  # what pyarrow raises on a call or stream
UNREACHABLE = (fl.FlightUnavailableError, fl.FlightTimedOutError, fl.FlightCancelledError)


@dataclass(frozen=True)
class Notification:
    name: str
    notify_type: str
    msg: str
    created_datetime: str


FLIGHT_PREFIX = re.compile(r"^(?:\w+: )?Flight returned [a-z ]+ error, with message: ")


def server_text(exc: BaseException) -> str:
    """The server's message inside a pyarrow Flight error (pyarrow's 'Flight returned <code> error,
    with message: ' prefix and '. Detail: ...' removed)."""
    text = FLIGHT_PREFIX.sub("", str(exc), count=1)
    return text.split(". Detail:")[0].split(". gRPC client debug context:")[0]


TOKEN_PROBLEMS = ("the token is incomplete", "bad header", "bad payload", "bad fingerprint", "fingerprint mismatch")


def _classify(text: str) -> type[ServerError]:
    if "Unauthorized" in text or "API key" in text or "permissions" in text or any(p in text for p in TOKEN_PROBLEMS):
        return PermissionDenied
    if "already finalized" in text or "already been uploaded" in text:
        return Locked
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
    PermissionDenied: (f"check the API key (from ${API_KEY_ENV} or server.api_key_file): it must exist on "
                       "this server and carry the permission named"),
}


def _needed(action: str) -> str:
    """The permission an action needs on a session server, for PermissionDenied messages."""
    if action == "do_put":
        return " (uploads need the 'write' permission)"
    try:
        permission = PERMISSIONS.get(SessionAction(action))
    except ValueError:
        return ""
    return f" ({action} needs the '{permission.value}' permission)" if permission else ""


def flight_error(exc: BaseException, what: str, target: str, action: str) -> MosaicoBridgeError:
    """A pyarrow error of a call or stream as the project's exception, keeping the server's text: an
    unreachable server (or a broken connection) is ConnectionFailed, a refusal the ServerError child
    its text names. `what` says what was being done, e.g. "upload of topic 'seq/imu'"."""
    text = server_text(exc)
    if isinstance(exc, UNREACHABLE) or (isinstance(exc, OSError) and not isinstance(exc, fl.FlightError)):
        return ConnectionFailed(f"{what}: Mosaico server at {target} is unreachable or the connection broke "
                                f"({text}); check that it is running and reachable")
    kind = _classify(text)
    hint = HINTS[kind] + (_needed(action) if kind is PermissionDenied else "")
    return kind(f"{what} refused by {target}: {text} — {hint}", action=action, server_message=text)


class Actions(ABC):
    """Control operations over one FlightClient (`target` names host:port). A sequence being written
    is named by its `key`: the seed dialect's sequence key, or the session dialect's session token."""

    dialect = ""

    def __init__(self, client: fl.FlightClient, target: str, timeout: float | None = None) -> None:
        self.client = client
        self.target = target
        self._options = fl.FlightCallOptions(timeout=timeout) if timeout else None

    def results(self, name: str, request: dict[str, Any], subject: str) -> list[bytes]:
        """Send one action; the bodies of its Results, or a ServerError child / ConnectionFailed."""
        payload = json.dumps(request, allow_nan=False).encode()
        try:
            results = list(self.client.do_action(fl.Action(name, payload), options=self._options))
        except FLIGHT_ERRORS as exc:
            raise flight_error(exc, f"{name} {subject}", self.target, name) from exc
        return [r.body.to_pybytes() for r in results]

    def call(self, action: Action | SessionAction, request: dict[str, Any], subject: str) -> dict[str, Any] | None:
        """One action's `response` (None for `empty` or null)."""
        bodies = self.results(action.value, request, subject)
        framed = json.loads(bodies[0]) if bodies else {}
        if framed.get("action", EMPTY_ACTION) == EMPTY_ACTION or framed.get("response") is None:
            return None
        if framed["action"] != action.value:
            raise ServerError(f"{action.value} {subject}: server answered for {framed['action']!r}",
                              action=action.value, server_message=str(framed))
        response: dict[str, Any] = framed["response"]
        return response

    @abstractmethod
    def sequence_create(self, name: str, metadata: dict[str, Any]) -> str:
        """Create a sequence and open it for writing; returns its key."""

    def sequence_update(self, name: str) -> str:
        """Open an existing sequence for more topics (session dialect); returns its key."""
        raise ConfigError(f"sequence {name!r}: the server at {self.target} speaks the {self.dialect} dialect, which "
                          "cannot add topics to an existing sequence; write a new sequence instead")

    @abstractmethod
    def topic_create(self, locator: str, sequence_key: str, serialization_format: str, ontology_tag: str,
                     metadata: dict[str, Any]) -> str:
        """Create a topic of the sequence being written; returns the topic's upload token."""

    @abstractmethod
    def put_descriptor(self, locator: str, topic_key: str) -> fl.FlightDescriptor:
        """The DoPut descriptor of a created topic."""

    @abstractmethod
    def sequence_finalize(self, name: str, key: str) -> None:
        """Commit what was written (locks it)."""

    @abstractmethod
    def sequence_abort(self, name: str, key: str) -> None:
        """Remove what this writer wrote (and a sequence it created)."""

    @abstractmethod
    def report(self, name: str, key: str, msg: str) -> str:
        """OnErrorPolicy.Report: notify the server of the failure; returns what was done."""

    @abstractmethod
    def sequence_delete(self, name: str) -> None: ...

    @abstractmethod
    def topic_delete(self, locator: str) -> None: ...

    @abstractmethod
    def notify(self, name: str, msg: str, *, topic: bool) -> None: ...

    @abstractmethod
    def notifications(self, name: str, *, topic: bool) -> list[Notification]: ...

    @abstractmethod
    def query(self, filters: dict[str, Any]) -> list[dict[str, Any]]: ...

    @abstractmethod
    def system_info(self, name: str, *, topic: bool) -> dict[str, Any]:
        """Size and lock state (`total_size_bytes`, `is_locked`, ...) of a sequence or topic."""


class SeedActions(Actions):
    """Every control operation of the seed dialect."""

    dialect = "seed"

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

    def report(self, name: str, key: str, msg: str) -> str:
        self.notify(name, msg, topic=False)
        return "left unlocked with an error report (on_error=report)"

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
