"""What a Recording says: its log lines (to the node's logger) and, at stop, what became of it."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


class Log(Protocol):
    def info(self, message: str) -> Any: ...
    def warning(self, message: str) -> Any: ...
    def error(self, message: str) -> Any: ...


@dataclass
class StopReport:
    """What became of the recording: finalized sequences, spools left to upload, the error if any."""

    finalized: list[str] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    error: str | None = None
    stored: str | None = None  # without a spool, after a failure: what the server holds, counted there
