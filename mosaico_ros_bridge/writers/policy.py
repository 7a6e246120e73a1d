"""OnErrorPolicy carried out, in one place, for the writing API's `with` block and for the recorder
without a spool (seed §5.8; session dialect §6.7)."""
from __future__ import annotations

from mosaico_ros_bridge.client.actions import Actions
from mosaico_ros_bridge.writers.config import OnErrorPolicy


def apply_on_error(actions: Actions, policy: OnErrorPolicy, sequence: str, key: str, error: BaseException) -> str:
    """Delete removes what was written (seed: sequence_abort; session: session_delete, plus
    sequence_delete of a sequence this writer created); Report notifies the server (seed: the
    sequence stays unlocked; session: the session is finalized, as SDK 0.7.0 does). Returns what
    was done, for the caller's log; server failures propagate."""
    if policy == OnErrorPolicy.Delete:
        actions.sequence_abort(sequence, key)
        return "aborted and deleted (on_error=delete)"
    return actions.report(sequence, key, f"{type(error).__name__}: {error}")
