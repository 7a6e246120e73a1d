"""Stopping a recording that has no spool (spool.enabled false): finalize when it can, else apply
sequence.on_error. Either way the report says what the server holds, counted there: with no spool,
what was sent is not what was stored (a broken stream loses what was in flight)."""
from __future__ import annotations

from dataclasses import dataclass

from mosaico_ros_bridge.client import Connection
from mosaico_ros_bridge.errors import ConnectionFailed, MosaicoBridgeError
from mosaico_ros_bridge.recording.part import Part
from mosaico_ros_bridge.recording.uplink import StallRule
from mosaico_ros_bridge.writers import OnErrorPolicy


@dataclass(frozen=True)
class Outcome:
    finalized: bool
    error: str | None  # what was done about the failure, and why
    stored: str | None  # what the server holds after a failure ("234 stored on the server", or why unknown)


def stored_on_server(client: Connection | None, sequence: str) -> str:
    """The records the server holds for the sequence, counted there, as a phrase for the summary."""
    if client is None:
        return "how many the server stored is unknown (it is unreachable)"
    try:
        topics = client.list_topics(sequence)
        records = sum(client.topic_span(sequence, topic).records for topic in topics)
    except MosaicoBridgeError as exc:
        return f"how many the server stored is unknown ({type(exc).__name__}: {exc})"
    return f"{records} stored on the server"


def finish_without_spool(part: Part, client: Connection | None, target: str, on_error: OnErrorPolicy,
                         stall: StallRule, error: BaseException | None) -> Outcome:
    """Finalize the part, or (after `error`, or without a server) apply on_error and count what is stored."""
    try:
        if error is None and client is not None:
            part.drain()
            part.finish(client, stall)
            return Outcome(True, None, None)
    except MosaicoBridgeError as exc:
        error = exc
    error = error or ConnectionFailed(f"Mosaico server {target} is not connected")
    reason = f"{type(error).__name__}: {error}"
    deleted = False
    try:
        outcome = f"sequence {part.name!r} {part.abandon(client, on_error, error)}"
        deleted = on_error == OnErrorPolicy.Delete and client is not None and part.key is not None
    except MosaicoBridgeError as exc:
        outcome = f"on_error={on_error.value} could not be applied to sequence {part.name!r} ({exc})"
    stored = "0 stored on the server" if deleted else stored_on_server(client, part.name)
    return Outcome(False, f"{outcome}: {reason}", stored)
