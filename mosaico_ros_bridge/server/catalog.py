"""The server's catalogue: sequences, topics, keys, locks and notifications, with the real mosaicod's
check order and error texts (protocol doc §5). Every change is persisted before it is acknowledged.
"""
from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable, TypeVar

from mosaico_ros_bridge.protocol import NOTIFY_TYPE_ERROR, Texts, sanitize_name
from mosaico_ros_bridge.server.errors import ProtocolError
from mosaico_ros_bridge.server.store import Chunk, Layer, Notify, Resource, SequenceState, Store, TopicState

log = logging.getLogger("mosaico_ros_bridge.server")
T = TypeVar("T")


def parse_key(key: str) -> uuid.UUID:
    """A key as the uuid crate reads it, or `malformed key :: ...`."""
    try:
        return uuid.UUID(key)
    except ValueError:
        bad = next((c for c in key if c not in "0123456789abcdefABCDEF-{}"), None)
        if bad is not None:
            detail = (f"invalid character: expected an optional prefix of `urn:uuid:` followed by "
                      f"[0-9a-fA-F-], found `{bad}` at {key.index(bad) + 1}")
        else:
            detail = f"invalid length: expected length 32 for simple format, found {len(key.replace('-', ''))}"
        raise ProtocolError(Texts.MALFORMED_KEY + detail) from None


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def format_datetime(ms: int) -> str:
    """UTC text like `2025-12-22 10:11:12.345 UTC` (fraction omitted when zero)."""
    text = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms // 1000))
    return f"{text}.{ms % 1000:03d} UTC" if ms % 1000 else f"{text} UTC"


class Catalog:
    """Thread-safe state machine over a Store; methods raise ProtocolError with the server's texts."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.RLock()
        removed = store.remove_partials()
        if removed:
            log.info("removed %d partial file(s) left by an interrupted write", removed)
        sequences, topics = store.load()
        self._sequences = {s.name: s for s in sequences}
        self._topics = {t.name: t for t in topics}
        self._layers = {x.name: x for x in store.load_layers()} or {"default": Layer("default", "")}

    # -- lookups ------------------------------------------------------------------------------
    def sequence(self, name: str) -> SequenceState:
        found = self._sequences.get(sanitize_name(name))
        if found is None:
            raise ProtocolError(Texts.ROW_NOT_FOUND)
        return found

    def topic(self, name: str) -> TopicState:
        found = self._topics.get(sanitize_name(name))
        if found is None:
            raise ProtocolError(Texts.ROW_NOT_FOUND)
        return found

    def sequences(self) -> list[SequenceState]:
        with self._lock:
            return list(self._sequences.values())

    def topics_of(self, sequence: str) -> list[TopicState]:
        with self._lock:
            return [t for t in self._topics.values() if t.sequence == sequence]

    # -- sequences ----------------------------------------------------------------------------
    def sequence_create(self, name: str, user_metadata: Any) -> str:
        with self._lock:
            clean = sanitize_name(name)
            if clean in self._sequences:
                raise ProtocolError(Texts.SEQUENCE_EXISTS.format(name=clean))
            seq = SequenceState(name=clean, key=str(uuid.uuid4()), created_ms=now_ms(), user_metadata=user_metadata)
            self.store.save_sequence(seq)
            self._sequences[clean] = seq
        log.info("sequence created: %s", clean)
        return seq.key

    def _checked_sequence(self, name: str, key: str, *, locked_text: str, lock_first: bool) -> SequenceState:
        seq = self.sequence(name)
        if lock_first and seq.locked:
            raise ProtocolError(locked_text)
        if parse_key(key) != uuid.UUID(seq.key):
            raise ProtocolError(Texts.BAD_KEY)
        if seq.locked:
            raise ProtocolError(locked_text)
        return seq

    def sequence_finalize(self, name: str, key: str) -> None:
        with self._lock:
            seq = self._checked_sequence(name, key, locked_text=Texts.SEQUENCE_LOCKED_MODIFY, lock_first=False)
            topics = self.topics_of(seq.name)
            if any(not t.locked for t in topics):
                raise ProtocolError(Texts.TOPIC_UNLOCKED)
            seq.locked = True
            self.store.save_sequence(seq)
        log.info("sequence finalized: %s (%d topic(s))", seq.name, len(topics))

    def sequence_abort(self, name: str, key: str) -> None:
        with self._lock:
            seq = self._checked_sequence(name, key, locked_text=Texts.SEQUENCE_IS_LOCKED, lock_first=True)
            self._drop_sequence(seq)
        log.info("sequence aborted: %s", seq.name)

    def sequence_delete(self, name: str) -> None:
        with self._lock:
            seq = self.sequence(name)
            if seq.locked:
                raise ProtocolError(Texts.SEQUENCE_IS_LOCKED)
            self._drop_sequence(seq)
        log.info("sequence deleted: %s", seq.name)

    def _drop_sequence(self, seq: SequenceState) -> None:
        for topic in self.topics_of(seq.name):
            del self._topics[topic.name]
        del self._sequences[seq.name]
        self.store.remove(seq.name)

    # -- topics -------------------------------------------------------------------------------
    def topic_create(self, name: str, sequence_key: str, serialization_format: str, ontology_tag: str,
                     user_metadata: Any) -> str:
        with self._lock:
            clean = sanitize_name(name)
            if clean in self._topics:
                raise ProtocolError(Texts.TOPIC_EXISTS.format(name=clean))
            wanted = parse_key(sequence_key)
            seq = next((s for s in self._sequences.values() if uuid.UUID(s.key) == wanted), None)
            if seq is None:
                raise ProtocolError(Texts.ROW_NOT_FOUND)
            if seq.locked:
                raise ProtocolError(Texts.SEQUENCE_LOCKED_MODIFY)
            if not clean.startswith(seq.name):
                raise ProtocolError(Texts.UNAUTHORIZED)
            topic = TopicState(name=clean, key=str(uuid.uuid4()), sequence=seq.name, created_ms=now_ms(),
                               user_metadata=user_metadata, serialization_format=serialization_format,
                               ontology_tag=ontology_tag)
            self.store.save_topic(topic)
            self._topics[clean] = topic
            return topic.key

    def topic_delete(self, name: str) -> None:
        with self._lock:
            topic = self.topic(name)
            if topic.locked:
                raise ProtocolError(Texts.SEQUENCE_IS_LOCKED)
            del self._topics[topic.name]
            self.store.remove(topic.name)

    def topic_for_upload(self, name: str, key: str) -> TopicState:
        """DoPut checks #8-#10: the topic exists and key is its topic key."""
        with self._lock:
            topic = self.topic(name)
            if parse_key(key) != uuid.UUID(topic.key):
                raise ProtocolError(Texts.BAD_KEY)
            return topic

    def while_current(self, topic: TopicState, action: Callable[[], T]) -> T:
        """Run action (e.g. creating the upload's file) only while topic exists, atomically with
        deletes, so an abort cannot interleave with the file's creation."""
        with self._lock:
            if self._topics.get(topic.name) is not topic:
                raise ProtocolError(Texts.ROW_NOT_FOUND)
            return action()

    def complete_upload(self, topic: TopicState, partial: Path | None, chunk: Chunk | None) -> None:
        """Move a finished upload into place and lock the topic (nothing stored if it was deleted)."""
        with self._lock:
            if self._topics.get(topic.name) is not topic:
                if partial is not None:
                    partial.unlink(missing_ok=True)
                raise ProtocolError(Texts.ROW_NOT_FOUND)
            if partial is not None and chunk is not None:
                os.replace(partial, self.store.data_path(topic.name))
                topic.chunk = chunk
            topic.locked = True
            self.store.save_topic(topic)

    # -- notifications and info ---------------------------------------------------------------
    def notify_create(self, is_topic: bool, name: str, notify_type: str, msg: str) -> None:
        if notify_type != NOTIFY_TYPE_ERROR:
            raise ProtocolError(Texts.UNKNOWN_NOTIFY_TYPE.format(value=notify_type))
        with self._lock:
            target: Resource = self.topic(name) if is_topic else self.sequence(name)
            target.notifies.append(Notify(target.name, notify_type, msg, now_ms()))
            self._save(target)

    def notify_list(self, is_topic: bool, name: str) -> list[Notify]:
        with self._lock:
            target = (self._topics if is_topic else self._sequences).get(sanitize_name(name))
            return list(target.notifies) if target else []

    def notify_purge(self, is_topic: bool, name: str) -> None:
        with self._lock:
            target = (self._topics if is_topic else self._sequences).get(sanitize_name(name))
            if target is not None and target.notifies:
                target.notifies.clear()
                self._save(target)

    def _save(self, target: Resource) -> None:
        if isinstance(target, TopicState):
            self.store.save_topic(target)
        elif isinstance(target, SequenceState):
            self.store.save_sequence(target)

    def sequence_info(self, name: str) -> dict[str, Any]:
        with self._lock:
            seq = self.sequence(name)
            size = sum(p.stat().st_size for p in self.store.files_under(seq.name))
            return {"total_size_bytes": size, "is_locked": seq.locked,
                    "created_datetime": format_datetime(seq.created_ms)}

    def topic_info(self, name: str) -> dict[str, Any]:
        with self._lock:
            topic = self.topic(name)
            chunks = [p for p in self.store.files_under(topic.name) if p.suffix == ".parquet"]
            return {"chunks_number": len(chunks), "total_size_bytes": sum(p.stat().st_size for p in chunks),
                    "is_locked": topic.locked, "created_datetime": format_datetime(topic.created_ms)}

    # -- layers -------------------------------------------------------------------------------
    def layer_create(self, name: str, description: str) -> None:
        with self._lock:
            clean = name.strip()
            if clean in self._layers:
                raise ProtocolError(f"layer `{clean}` already exists")
            self._layers[clean] = Layer(clean, description)
            self.store.save_layers(list(self._layers.values()))

    def layer_delete(self, name: str) -> None:
        with self._lock:
            if self._layers.pop(name.strip(), None) is None:
                raise ProtocolError(Texts.ROW_NOT_FOUND)
            self.store.save_layers(list(self._layers.values()))

    def layer_update(self, prev_name: str, curr_name: str, curr_description: str) -> None:
        with self._lock:
            if self._layers.pop(prev_name.strip(), None) is None:
                raise ProtocolError(Texts.ROW_NOT_FOUND)
            self._layers[curr_name.strip()] = Layer(curr_name.strip(), curr_description)
            self.store.save_layers(list(self._layers.values()))

    def layers(self) -> list[Layer]:
        with self._lock:
            return list(self._layers.values())
