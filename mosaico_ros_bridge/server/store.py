"""On-disk layout of the local server: one directory per sequence, metadata.json files, one Parquet
file per topic. Every file is written atomically (temp file + fsync + rename), so a power cut never
leaves a half-written file that a reader would take for data; leftovers are removed at start-up.
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from mosaico_ros_bridge.protocol import DATA_FILE, METADATA_FILE

PARTIAL_SUFFIX = ".partial"
LAYERS_FILE = ".mosaico-layers.json"


@dataclass
class Notify:
    name: str
    notify_type: str
    msg: str
    created_ms: int


@dataclass
class Chunk:
    """One stored data file: rows, bytes, whether timestamps arrived in order, record batches received."""

    rows: int
    size_bytes: int
    sorted: bool
    batches: int = 0


@dataclass(kw_only=True)
class Resource:
    """What sequences and topics share: locator, write key, creation time, metadata, lock, notes."""

    name: str
    key: str
    created_ms: int
    user_metadata: Any
    locked: bool = False
    notifies: list[Notify] = field(default_factory=list)


@dataclass(kw_only=True)
class SequenceState(Resource):
    pass


@dataclass(kw_only=True)
class TopicState(Resource):
    sequence: str
    serialization_format: str
    ontology_tag: str
    chunk: Chunk | None = None


@dataclass
class Layer:
    name: str
    description: str


def write_atomic(path: Path, data: bytes) -> None:
    """Write data to path via a synced temp file and rename (readers see old or new, never half)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}{PARTIAL_SUFFIX}")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _segment(part: str) -> str:
    # Keep every locator inside the store: '.'/'..' segments are escaped, '%' too (for injectivity).
    part = part.replace("%", "%25")
    return {".": "%2E", "..": "%2E%2E"}.get(part, part)


class Store:
    """Maps locators to directories and persists catalogue records as metadata.json files."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def path_for(self, locator: str) -> Path:
        """The directory of a sequence or topic; empty segments are dropped, as the object store does."""
        return self.root.joinpath(*[_segment(p) for p in locator.split("/") if p])

    def data_path(self, topic: str) -> Path:
        return self.path_for(topic) / DATA_FILE

    def partial_data_path(self, topic: str) -> Path:
        return self.path_for(topic) / f".{DATA_FILE}.{uuid.uuid4().hex}{PARTIAL_SUFFIX}"

    def save_sequence(self, seq: SequenceState) -> None:
        self._save(seq.name, {"kind": "sequence", **dataclasses.asdict(seq)})

    def save_topic(self, topic: TopicState) -> None:
        record = {"kind": "topic", **dataclasses.asdict(topic)}
        record["properties"] = {"serialization_format": topic.serialization_format, "ontology_tag": topic.ontology_tag}
        self._save(topic.name, record)

    def _save(self, locator: str, record: dict[str, Any]) -> None:
        write_atomic(self.path_for(locator) / METADATA_FILE, json.dumps(record, sort_keys=True, indent=1).encode())

    def remove(self, locator: str) -> None:
        """Recursive delete, like the real server's (a topic '/a' takes '/a/b' with it)."""
        shutil.rmtree(self.path_for(locator), ignore_errors=True)

    def remove_partials(self) -> int:
        """Delete temp files of uploads/writes interrupted by a crash; returns how many."""
        stale = list(self.root.rglob(f"*{PARTIAL_SUFFIX}"))
        for path in stale:
            path.unlink(missing_ok=True)
        return len(stale)

    def load(self) -> tuple[list[SequenceState], list[TopicState]]:
        sequences: list[SequenceState] = []
        topics: list[TopicState] = []
        for path in sorted(self.root.rglob(METADATA_FILE)):
            record = json.loads(path.read_text())
            kind = record.pop("kind", None)
            record.pop("properties", None)
            notifies = [Notify(**n) for n in record.pop("notifies", [])]
            if kind == "sequence":
                sequences.append(SequenceState(**record, notifies=notifies))
            elif kind == "topic":
                chunk = record.pop("chunk", None)
                topics.append(TopicState(**record, notifies=notifies, chunk=Chunk(**chunk) if chunk else None))
        return sequences, topics

    def files_under(self, locator: str) -> Iterator[Path]:
        base = self.path_for(locator)
        return (p for p in base.rglob("*") if p.is_file() and not p.name.endswith(PARTIAL_SUFFIX)) if base.exists() else iter(())

    def save_layers(self, layers: list[Layer]) -> None:
        write_atomic(self.root / LAYERS_FILE, json.dumps([dataclasses.asdict(x) for x in layers]).encode())

    def load_layers(self) -> list[Layer]:
        path = self.root / LAYERS_FILE
        return [Layer(**x) for x in json.loads(path.read_text())] if path.exists() else []
