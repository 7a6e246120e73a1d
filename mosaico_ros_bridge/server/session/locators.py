"""Locator and UUID validation of mosaicod 0.6.0-dev (§3.2): no trimming, no leading-`/` stripping."""
from __future__ import annotations

import uuid

from mosaico_ros_bridge.server.errors import Code, ProtocolError
from mosaico_ros_bridge.session_protocol import SessionTexts as T

FORBIDDEN = set("!\"'*£$%&. ")


def _clean(text: str) -> bool:
    return bool(text) and text.isascii() and not (set(text) & FORBIDDEN)


def _bad(value: str) -> ProtocolError:
    return ProtocolError(T.BAD_LOCATOR.format(value=value), Code.INVALID_ARGUMENT)


def is_sequence(value: str) -> bool:
    return _clean(value) and "/" not in value and ":" not in value


def check_sequence(value: str) -> None:
    if not is_sequence(value):
        raise _bad(value)


def is_topic(value: str) -> bool:
    sequence, slash, path = value.partition("/")
    return (bool(slash) and is_sequence(sequence) and _clean(path) and not path.startswith("/")
            and not path.endswith("/") and "//" not in path and ":" not in path)


def check_topic(value: str) -> tuple[str, str]:
    """(sequence, topic path) of a valid topic locator."""
    if not is_topic(value):
        raise _bad(value)
    sequence, _, path = value.partition("/")
    return sequence, path


def check_session(value: str) -> None:
    sequence, colon, ulid = value.partition(":")
    if not (colon and value.count(":") == 1 and is_sequence(sequence) and _clean(ulid) and "/" not in ulid):
        raise _bad(value)


def parse_uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        raise ProtocolError(T.BAD_UUID.format(value=value), Code.INVALID_ARGUMENT) from None
