"""TopicDescription: what a topic being written is — the value the writing API, the recorder, the
spool manifest and the stream opener all pass around (instead of five positional arguments)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa


@dataclass(frozen=True)
class TopicDescription:
    """`name` as the user wrote it (e.g. '/imu'); tag, format and metadata as sent with topic_create;
    `schema` the Arrow schema of its DoPut stream."""

    name: str
    ontology_tag: str
    serialization_format: str
    schema: pa.Schema
    metadata: dict[str, Any] = field(default_factory=dict)
