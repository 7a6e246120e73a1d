"""WriterConfig, OnErrorPolicy and SequenceStatus of the seed's writing API."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import Enum
from typing import Any

from mosaico_ros_bridge.errors import ConfigError

DEFAULT_BATCH_BYTES = 10 * 1024 * 1024
DEFAULT_BATCH_RECORDS = 5_000
MAX_BATCH_BYTES = int(0.9 * 16 * 1024 * 1024)  # the SDK's cap: 90 % of 16 MiB
MAX_PENDING_BATCHES = 3


class OnErrorPolicy(str, Enum):
    """What the end of a failed sequence block does: Delete aborts it; Report notifies and keeps it."""

    Delete = "delete"
    Report = "report"


SessionLevelErrorPolicy = OnErrorPolicy
"""SDK 0.7.0's name for the same policy (Report/Delete); on a session server both act on the session."""


class TopicLevelErrorPolicy(str, Enum):
    """SDK 0.7.0's policy for an exception inside `with topic_writer:` — Finalize: report it to the server
    and close the topic (what was pushed before is stored); Ignore: report it, keep the topic open;
    Raise: let it reach the sequence's `with` block (its OnErrorPolicy applies)."""

    Finalize = "finalize"
    Ignore = "ignore"
    Raise = "raise"


class SequenceStatus(str, Enum):
    Null = "null"
    Pending = "pending"
    Finalized = "finalized"
    Error = "error"


@dataclass(frozen=True)
class WriterConfig:
    """Error policy and batch limits: a batch flushes when EITHER limit is reached."""

    on_error: OnErrorPolicy = OnErrorPolicy.Delete
    max_batch_size_bytes: int = DEFAULT_BATCH_BYTES
    max_batch_size_records: int = DEFAULT_BATCH_RECORDS

    def __post_init__(self) -> None:
        if not isinstance(self.on_error, OnErrorPolicy):
            object.__setattr__(self, "on_error", OnErrorPolicy(self.on_error))
        if not 0 < self.max_batch_size_bytes <= MAX_BATCH_BYTES:
            raise ConfigError(f"max_batch_size_bytes={self.max_batch_size_bytes} must be in 1..{MAX_BATCH_BYTES} "
                              "(90 % of 16 MiB, the SDK's cap)")
        if self.max_batch_size_records <= 0:
            raise ConfigError(f"max_batch_size_records={self.max_batch_size_records} must be positive")

    def replace(self, **changes: Any) -> "WriterConfig":
        return dataclasses.replace(self, **changes)
