"""Records of the session-dialect catalogue and their files: one metadata.json per sequence (with its
sessions) and per topic, written atomically through the seed store's path mapping."""
from __future__ import annotations

import dataclasses
import json
import os
import secrets
import time
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from mosaico_ros_bridge.protocol import METADATA_FILE
from mosaico_ros_bridge.server.store import Chunk, Store, write_atomic

DIALECT_FILE = ".mosaico-dialect"
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class TopicStatus(str, Enum):
    EMPTY = "empty"
    UPLOADING = "uploading"
    FINALIZED = "finalized"


@dataclass
class Note:
    """A notification: `name` is the sequence name or topic locator it is attached to."""

    name: str
    notification_type: str
    msg: str
    created_ns: int


@dataclass(kw_only=True)
class SessionRec:
    uuid: str
    locator: str
    created_ns: int
    completed_ns: int | None = None


@dataclass(kw_only=True)
class SequenceRec:
    name: str
    created_ns: int
    user_metadata: Any
    sessions: list[SessionRec] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


@dataclass(kw_only=True)
class TopicRec:
    name: str  # the topic locator `<sequence>/<path>`
    uuid: str
    sequence: str
    session_uuid: str
    serialization_format: str
    ontology_tag: str
    user_metadata: Any
    created_ns: int
    completed_ns: int | None = None
    status: TopicStatus = TopicStatus.EMPTY
    chunk: Chunk | None = None
    notes: list[Note] = field(default_factory=list)


def now_ns() -> int:
    return time.time_ns()


def new_ulid() -> str:
    """26 Crockford base32 characters: 48 bits of milliseconds, 80 random bits (sortable by time)."""
    value = (time.time_ns() // 1_000_000) << 80 | secrets.randbits(80)
    return "".join(CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


class SessionStore:
    """Persists the records; a store belongs to one dialect, marked in DIALECT_FILE at its root."""

    def __init__(self, root: Path) -> None:
        self.paths = Store(root)
        marker = self.paths.root / DIALECT_FILE
        if marker.exists() and marker.read_text().strip() != "session":
            raise ValueError(f"store {self.paths.root} holds {marker.read_text().strip()}-dialect data; "
                             "start the server with that --dialect or choose another --store")
        has_data = any(self.paths.root.rglob(METADATA_FILE))
        if not marker.exists() and has_data:
            raise ValueError(f"store {self.paths.root} holds seed-dialect data; start the server with "
                             "--dialect seed or choose another --store")
        write_atomic(marker, b"session\n")

    def save_sequence(self, seq: SequenceRec) -> None:
        self._save(seq.name, {"kind": "sequence", **dataclasses.asdict(seq)})

    def save_topic(self, topic: TopicRec) -> None:
        self._save(topic.name, {"kind": "topic", **dataclasses.asdict(topic)})

    def _save(self, locator: str, record: dict[str, Any]) -> None:
        data = json.dumps(record, sort_keys=True, indent=1, default=str).encode()
        write_atomic(self.paths.path_for(locator) / METADATA_FILE, data)

    def load(self) -> tuple[list[SequenceRec], list[TopicRec]]:
        """Everything stored; an upload cut by a crash leaves its topic empty (its partial file is gone)."""
        self.paths.remove_partials()
        sequences: list[SequenceRec] = []
        topics: list[TopicRec] = []
        for path in sorted(self.paths.root.rglob(METADATA_FILE)):
            record = json.loads(path.read_text())
            kind = record.pop("kind", None)
            notes = [Note(**n) for n in record.pop("notes", [])]
            if kind == "sequence":
                sessions = [SessionRec(**s) for s in record.pop("sessions", [])]
                sequences.append(SequenceRec(**record, sessions=sessions, notes=notes))
            elif kind == "topic":
                chunk = record.pop("chunk", None)
                status = TopicStatus(record.pop("status"))
                if status == TopicStatus.UPLOADING:
                    status = TopicStatus.EMPTY
                topics.append(TopicRec(**record, status=status, notes=notes, chunk=Chunk(**chunk) if chunk else None))
        return sequences, topics

    def remove(self, locator: str) -> None:
        self.paths.remove(locator)

    def data_path(self, locator: str) -> Path:
        return self.paths.data_path(locator)

    def replace_data(self, partial: Path, locator: str) -> None:
        os.replace(partial, self.paths.data_path(locator))
