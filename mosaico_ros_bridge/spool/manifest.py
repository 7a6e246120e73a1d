"""The manifest of one spooled sequence (`sequence.json`): what is needed to upload its topic files
as a sequence without the recorder that wrote them. Rewritten atomically on every change."""
from __future__ import annotations

import base64
import json
import os
import uuid
from pathlib import Path
from typing import Any

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, ValidationError

from mosaico_ros_bridge.errors import SpoolError
from mosaico_ros_bridge.topic_description import TopicDescription

MANIFEST_FILE = "sequence.json"


class SpoolTopic(BaseModel):
    """A TopicDescription as the manifest stores it, with the topic's spool file."""

    model_config = ConfigDict(extra="forbid")

    name: str
    file: str
    ontology_tag: str
    serialization_format: str
    metadata: dict[str, Any] = {}
    schema_ipc: str  # base64 of the Arrow IPC schema, so a topic without batches can still be uploaded
    lost: int = 0  # messages lost before the recorder (DDS), told to the server with the upload

    @classmethod
    def of(cls, topic: TopicDescription, file: str) -> "SpoolTopic":
        return cls(name=topic.name, file=file, ontology_tag=topic.ontology_tag,
                   serialization_format=topic.serialization_format, metadata=topic.metadata,
                   schema_ipc=base64.b64encode(topic.schema.serialize().to_pybytes()).decode())

    def description(self) -> TopicDescription:
        schema = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(self.schema_ipc)))
        return TopicDescription(self.name, self.ontology_tag, self.serialization_format, schema, self.metadata)


class SpoolManifest(BaseModel):
    """`key` is the server's sequence key once created (to abort a broken upload before replacing it)."""

    model_config = ConfigDict(extra="forbid")

    sequence: str
    metadata: dict[str, Any] = {}
    server: str = ""
    dialect: str = "seed"  # the layout of its batches: seed or session (spools of older versions: seed)
    created_ns: int
    key: str | None = None
    uploaded: bool = False  # finalized on the server; a kept spool (spool.keep) is not uploaded again
    topics: list[SpoolTopic] = []


def save_manifest(directory: Path, manifest: SpoolManifest) -> None:
    """Write via a synced temp file and rename, then sync the directory (survives a power cut)."""
    tmp = directory / f".{MANIFEST_FILE}.{uuid.uuid4().hex}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(manifest.model_dump_json(indent=1))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, directory / MANIFEST_FILE)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
    sync_directory(directory)


def load_manifest(directory: Path) -> SpoolManifest:
    path = directory / MANIFEST_FILE
    try:
        return SpoolManifest.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as exc:
        raise SpoolError(f"spool {directory} has no readable {MANIFEST_FILE} ({exc}); it cannot be uploaded — "
                         "check the path (it must be a spool directory or a folder of them)") from exc


def sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
