"""The session-dialect catalogue: sequences own sessions, sessions own topics; a topic takes exactly
one DoPut; finalizing a session locks it. Check order and texts follow mosaicod 0.6.0-dev (§5).
Every change is persisted before it is acknowledged."""
from __future__ import annotations

import logging
import threading
import uuid
from pathlib import Path
from typing import Any, Callable, TypeVar

from mosaico_ros_bridge.server.errors import Code, ProtocolError
from mosaico_ros_bridge.server.session.locators import check_sequence, check_session, check_topic, parse_uuid
from mosaico_ros_bridge.server.session.state import (
    Note, SequenceRec, SessionRec, SessionStore, TopicRec, TopicStatus, new_ulid, now_ns,
)
from mosaico_ros_bridge.server.store import Chunk
from mosaico_ros_bridge.session_protocol import SessionTexts as T

log = logging.getLogger("mosaico_ros_bridge.server")
R = TypeVar("R")

def _not_found() -> ProtocolError:
    return ProtocolError(T.NOT_FOUND, Code.NOT_FOUND)


class SessionCatalog:
    """Thread-safe state machine over a SessionStore; methods raise ProtocolError with mosaicod's texts."""

    def __init__(self, root: Path) -> None:
        self.store = SessionStore(root)
        self._lock = threading.RLock()
        sequences, topics = self.store.load()
        self._sequences = {s.name: s for s in sequences}
        self._topics = {t.name: t for t in topics}

    # -- lookups --------------------------------------------------------------------------------
    def sequence(self, name: str) -> SequenceRec:
        with self._lock:
            found = self._sequences.get(name)
            if found is None:
                raise _not_found()
            return found

    def topic(self, locator: str) -> TopicRec:
        with self._lock:
            found = self._topics.get(locator)
            if found is None:
                raise _not_found()
            return found

    def sequences(self) -> list[SequenceRec]:
        with self._lock:
            return list(self._sequences.values())

    def topics_of(self, sequence: str) -> list[TopicRec]:
        with self._lock:
            return [t for t in self._topics.values() if t.sequence == sequence]

    def _session(self, session_uuid: str) -> tuple[SequenceRec, SessionRec]:
        wanted = str(parse_uuid(session_uuid))
        for seq in self._sequences.values():
            for session in seq.sessions:
                if session.uuid == wanted:
                    return seq, session
        raise _not_found()

    # -- sequences and sessions -----------------------------------------------------------------
    def sequence_create(self, name: str, user_metadata: Any) -> None:
        check_sequence(name)
        with self._lock:
            if name in self._sequences:
                raise ProtocolError(T.ALREADY_EXISTS, Code.ALREADY_EXISTS)
            seq = SequenceRec(name=name, created_ns=now_ns(), user_metadata=user_metadata)
            self.store.save_sequence(seq)
            self._sequences[name] = seq
        log.info("sequence created: %s", name)

    def session_create(self, sequence: str) -> SessionRec:
        check_sequence(sequence)
        with self._lock:
            seq = self.sequence(sequence)
            session = SessionRec(uuid=str(uuid.uuid4()), locator=f"{sequence}:{new_ulid()}", created_ns=now_ns())
            seq.sessions.append(session)
            self.store.save_sequence(seq)
        log.info("session created: %s", session.locator)
        return session

    def session_finalize(self, session_uuid: str) -> None:
        with self._lock:
            seq, session = self._session(session_uuid)
            if session.completed_ns is not None:
                raise ProtocolError(T.SESSION_FINALIZED.format(locator=session.locator), Code.FAILED_PRECONDITION)
            topics = [t for t in self._topics.values() if t.session_uuid == session.uuid]
            if not topics:
                raise ProtocolError(T.SESSION_EMPTY.format(locator=session.locator), Code.FAILED_PRECONDITION)
            for topic in topics:
                if topic.status == TopicStatus.EMPTY:
                    raise ProtocolError(T.NO_DOPUT.format(locator=topic.name), Code.FAILED_PRECONDITION)
                if topic.status == TopicStatus.UPLOADING:
                    raise ProtocolError(T.UPLOADING.format(locator=topic.name), Code.FAILED_PRECONDITION)
            session.completed_ns = now_ns()
            self.store.save_sequence(seq)
        log.info("session finalized: %s (%d topic(s))", session.locator, len(topics))

    def session_delete(self, locator: str) -> None:
        check_session(locator)
        with self._lock:
            seq = self.sequence(locator.split(":", 1)[0])
            session = next((s for s in seq.sessions if s.locator == locator), None)
            if session is None:
                raise _not_found()
            for topic in [t for t in self._topics.values() if t.session_uuid == session.uuid]:
                self._drop_topic(topic)
            seq.sessions.remove(session)
            self.store.save_sequence(seq)
        log.info("session deleted: %s", locator)

    def sequence_delete(self, name: str) -> None:
        check_sequence(name)
        with self._lock:
            seq = self.sequence(name)
            for topic in self.topics_of(name):
                del self._topics[topic.name]
            del self._sequences[name]
            self.store.remove(seq.name)
        log.info("sequence deleted: %s", name)

    # -- topics ---------------------------------------------------------------------------------
    def topic_create(self, session_uuid: str, locator: str, serialization_format: str, ontology_tag: str,
                     user_metadata: Any) -> str:
        parse_uuid(session_uuid)
        sequence_name, _ = check_topic(locator)
        with self._lock:
            seq, session = self._session(session_uuid)
            if session.completed_ns is not None:
                raise ProtocolError(T.SESSION_FINALIZED.format(locator=session.uuid), Code.FAILED_PRECONDITION)
            if sequence_name != seq.name:
                raise ProtocolError(T.NOT_SAME_SEQUENCE, Code.PERMISSION_DENIED)
            if locator in self._topics:
                raise ProtocolError(T.ALREADY_EXISTS, Code.ALREADY_EXISTS)
            topic = TopicRec(name=locator, uuid=str(uuid.uuid4()), sequence=seq.name, session_uuid=session.uuid,
                             serialization_format=serialization_format, ontology_tag=ontology_tag,
                             user_metadata=user_metadata, created_ns=now_ns())
            self.store.save_topic(topic)
            self._topics[locator] = topic
            return topic.uuid

    def topic_delete(self, locator: str) -> None:
        check_topic(locator)
        with self._lock:
            self._drop_topic(self.topic(locator))

    def _drop_topic(self, topic: TopicRec) -> None:
        del self._topics[topic.name]
        self.store.remove(topic.name)

    def start_upload(self, locator: str, topic_uuid: str) -> TopicRec:
        """DoPut's checks: known topic, its uuid, never a second upload."""
        check_topic(locator)
        with self._lock:
            topic = self.topic(locator)
            if parse_uuid(topic_uuid) != uuid.UUID(topic.uuid):
                raise ProtocolError(T.UUID_MISMATCH, Code.PERMISSION_DENIED)
            if topic.status == TopicStatus.UPLOADING:
                raise ProtocolError(T.UPLOADING.format(locator=locator), Code.FAILED_PRECONDITION)
            if topic.status == TopicStatus.FINALIZED:
                raise ProtocolError(T.UPLOADED.format(locator=locator), Code.FAILED_PRECONDITION)
            topic.status = TopicStatus.UPLOADING
            return topic

    def while_current(self, topic: TopicRec, action: Callable[[], R]) -> R:
        """Run action only while topic exists, atomically with deletes."""
        with self._lock:
            if self._topics.get(topic.name) is not topic:
                raise _not_found()
            return action()

    def complete_upload(self, topic: TopicRec, partial: Path | None, chunk: Chunk | None) -> None:
        with self._lock:
            if self._topics.get(topic.name) is not topic:
                if partial is not None:
                    partial.unlink(missing_ok=True)
                raise _not_found()
            if partial is not None and chunk is not None:
                self.store.replace_data(partial, topic.name)
                topic.chunk = chunk
            topic.status = TopicStatus.FINALIZED
            topic.completed_ns = now_ns()
            self.store.save_topic(topic)

    def abandon_upload(self, topic: TopicRec) -> None:
        """A failed DoPut leaves the topic as it was before (uploadable again)."""
        with self._lock:
            if topic.status == TopicStatus.UPLOADING:
                topic.status = TopicStatus.EMPTY

    # -- notifications --------------------------------------------------------------------------
    def _target(self, locator: str, is_topic: bool) -> SequenceRec | TopicRec:
        if is_topic:
            check_topic(locator)
            return self.topic(locator)
        check_sequence(locator)
        return self.sequence(locator)

    def notify(self, locator: str, is_topic: bool, notification_type: str, msg: str) -> None:
        if notification_type != "error":
            raise ProtocolError(T.NOTIFICATION_TYPE.format(value=notification_type), Code.INVALID_ARGUMENT)
        with self._lock:
            target = self._target(locator, is_topic)
            target.notes.append(Note(target.name, notification_type, msg, now_ns()))
            self._save(target)

    def notes(self, locator: str, is_topic: bool) -> list[Note]:
        with self._lock:
            return list(self._target(locator, is_topic).notes)

    def purge(self, locator: str, is_topic: bool) -> None:
        with self._lock:
            target = self._target(locator, is_topic)
            target.notes.clear()
            self._save(target)

    def _save(self, target: SequenceRec | TopicRec) -> None:
        if isinstance(target, TopicRec):
            self.store.save_topic(target)
        else:
            self.store.save_sequence(target)
