"""The local server's failure type: the exact text and gRPC code the real mosaicod answers with."""
from __future__ import annotations

from enum import Enum


class Code(str, Enum):
    INTERNAL = "INTERNAL"
    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    UNIMPLEMENTED = "UNIMPLEMENTED"
    NOT_FOUND = "NOT_FOUND"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FAILED_PRECONDITION = "FAILED_PRECONDITION"
    CANCELLED = "CANCELLED"
    ABORTED = "ABORTED"


class ProtocolError(Exception):
    """Raised anywhere in the server; the Flight layer turns it into a gRPC status with `text`."""

    def __init__(self, text: str, code: Code = Code.INTERNAL) -> None:
        super().__init__(text)
        self.text = text
        self.code = code
