"""The wire layer of the session dialect (mosaicod 0.3-0.7, §4-§6): a sequence is written through a
session. The key handed to writers is a session token `<uuid> <session locator> <new|update>`, so a
spool or a restarted recorder can still finalize or delete exactly that session."""
from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from typing import Any

import pyarrow.flight as fl

from mosaico_ros_bridge.client.actions import FLIGHT_ERRORS, Actions, Notification, flight_error
from mosaico_ros_bridge.client.session_reader import sequence_system_info, topic_system_info
from mosaico_ros_bridge.errors import MosaicoBridgeError, ServerError
from mosaico_ros_bridge.session_protocol import SessionAction as A, body, put_command

log = logging.getLogger("mosaico_ros_bridge.client")


@dataclass(frozen=True)
class SessionToken:
    uuid: str
    locator: str
    new_sequence: bool

    def encode(self) -> str:
        return f"{self.uuid} {self.locator} {'new' if self.new_sequence else 'update'}"

    @classmethod
    def decode(cls, key: str) -> "SessionToken":
        parts = key.split(" ")
        if len(parts) != 3 or parts[2] not in ("new", "update"):
            raise MosaicoBridgeError(f"{key!r} is not a session-dialect key; was this sequence started against a "
                                     "seed-dialect server? Use the same server (and dialect) to finish it")
        return cls(parts[0], parts[1], parts[2] == "new")


class SessionActions(Actions):
    """Every control operation of the session dialect."""

    dialect = "session"

    def __init__(self, client: fl.FlightClient, target: str, timeout: float | None = None) -> None:
        super().__init__(client, target, timeout)
        self._topics: dict[str, int] = {}  # topics created per session uuid, in this process
        self._lock = threading.Lock()

    def _open_session(self, name: str, new_sequence: bool) -> str:
        response = self.call(A.SESSION_CREATE, body(A.SESSION_CREATE, locator=name), f"sequence {name!r}") or {}
        if set(response) != {"uuid", "locator"}:
            raise ServerError(f"session_create of sequence {name!r}: unexpected answer {response!r}",
                              action=A.SESSION_CREATE.value, server_message=json.dumps(response))
        token = SessionToken(str(response["uuid"]), str(response["locator"]), new_sequence)
        with self._lock:
            self._topics[token.uuid] = 0
        return token.encode()

    def sequence_create(self, name: str, metadata: dict[str, Any]) -> str:
        self.call(A.SEQUENCE_CREATE, body(A.SEQUENCE_CREATE, locator=name, user_metadata=metadata), f"sequence {name!r}")
        try:
            return self._open_session(name, new_sequence=True)
        except MosaicoBridgeError:
            self._quietly(A.SEQUENCE_DELETE, name)
            raise

    def sequence_update(self, name: str) -> str:
        """A new session on an existing sequence (its new topics need names unused by earlier sessions)."""
        return self._open_session(name, new_sequence=False)

    def topic_create(self, locator: str, sequence_key: str, serialization_format: str, ontology_tag: str,
                     metadata: dict[str, Any]) -> str:
        token = SessionToken.decode(sequence_key)
        request = body(A.TOPIC_CREATE, session_uuid=token.uuid, locator=locator,
                       serialization_format=serialization_format, ontology_tag=ontology_tag, user_metadata=metadata)
        response = self.call(A.TOPIC_CREATE, request, f"topic {locator!r}") or {}
        with self._lock:
            self._topics[token.uuid] = self._topics.get(token.uuid, 0) + 1
        return str(response["uuid"])

    def put_descriptor(self, locator: str, topic_key: str) -> fl.FlightDescriptor:
        return fl.FlightDescriptor.for_command(put_command(locator, topic_key))

    def sequence_finalize(self, name: str, key: str) -> None:
        """session_finalize; a session without topics is never finalized (mosaicod refuses it and
        would keep it open): it is deleted, with the sequence if this writer created it."""
        token = SessionToken.decode(key)
        with self._lock:
            topics = self._topics.pop(token.uuid, None)
        if topics == 0:
            log.info("sequence %r: nothing was written in session %s; deleting it instead of finalizing",
                     name, token.locator)
            self._drop(name, token)
            return
        self.call(A.SESSION_FINALIZE, body(A.SESSION_FINALIZE, session_uuid=token.uuid), f"sequence {name!r}")

    def sequence_abort(self, name: str, key: str) -> None:
        token = SessionToken.decode(key)
        with self._lock:
            self._topics.pop(token.uuid, None)
        self._drop(name, token)

    def _drop(self, name: str, token: SessionToken) -> None:
        self.call(A.SESSION_DELETE, body(A.SESSION_DELETE, locator=token.locator), f"session {token.locator!r}")
        if token.new_sequence:
            self.call(A.SEQUENCE_DELETE, body(A.SEQUENCE_DELETE, locator=name), f"sequence {name!r}")

    def report(self, name: str, key: str, msg: str) -> str:
        """Notification, then session_finalize as SDK 0.7.0 does (the reported session is kept, locked)."""
        self.notify(name, msg, topic=False)
        try:
            self.sequence_finalize(name, key)
        except ServerError as exc:
            return f"reported; its session stays open ({exc.server_message})"
        return "kept with an error report, its session finalized (on_error=report)"

    def sequence_delete(self, name: str) -> None:
        self.call(A.SEQUENCE_DELETE, body(A.SEQUENCE_DELETE, locator=name), f"sequence {name!r}")

    def topic_delete(self, locator: str) -> None:
        self.call(A.TOPIC_DELETE, body(A.TOPIC_DELETE, locator=locator), f"topic {locator!r}")

    def _quietly(self, action: A, locator: str) -> None:
        try:
            self.call(action, body(action, locator=locator), repr(locator))
        except MosaicoBridgeError as exc:
            log.warning("%s %r failed while cleaning up: %s", action.value, locator, exc)

    def notify(self, name: str, msg: str, *, topic: bool) -> None:
        action = A.TOPIC_NOTIFICATION_CREATE if topic else A.SEQUENCE_NOTIFICATION_CREATE
        self.call(action, body(action, locator=name, notification_type="error", msg=msg), repr(name))

    def notifications(self, name: str, *, topic: bool) -> list[Notification]:
        action = A.TOPIC_NOTIFICATION_LIST if topic else A.SEQUENCE_NOTIFICATION_LIST
        response = self.call(action, body(action, locator=name), repr(name)) or {}
        return [Notification(n["name"], n["notification_type"], n["msg"], n["created_datetime"])
                for n in response.get("notifications", [])]

    def query(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        """Items `{"sequence", "topics": [{"locator", "ontology_tag"}]}` (§8.2)."""
        return list((self.call(A.QUERY, filters, "query") or {}).get("items", []))

    def system_info(self, name: str, *, topic: bool) -> dict[str, Any]:
        try:
            return (topic_system_info if topic else sequence_system_info)(self.client, name)
        except FLIGHT_ERRORS as exc:
            raise flight_error(exc, f"reading {name!r}", self.target, "get_flight_info") from exc
