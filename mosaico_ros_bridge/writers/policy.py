"""OnErrorPolicy carried out, in one place, for the writing API's `with` block and for the recorder
without a spool (seed §5.8)."""
from __future__ import annotations

from mosaico_ros_bridge.client.actions import SeedActions
from mosaico_ros_bridge.writers.config import OnErrorPolicy


def apply_on_error(actions: SeedActions, policy: OnErrorPolicy, sequence: str, key: str, error: BaseException) -> str:
    """Delete aborts the sequence (the server removes it); Report leaves it unlocked with an error
    notification. Returns what was done, for the caller's log; server failures propagate."""
    if policy == OnErrorPolicy.Delete:
        actions.sequence_abort(sequence, key)
        return "aborted and deleted (on_error=delete)"
    actions.notify(sequence, f"{type(error).__name__}: {error}", topic=False)
    return "left unlocked with an error report (on_error=report)"
