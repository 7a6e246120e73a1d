"""This recorder's sequences on the server: created under a free name, and an earlier broken upload of
ours aborted (by its key) before it is replaced."""
from __future__ import annotations

from typing import Callable

from mosaico_ros_bridge.client import Connection
from mosaico_ros_bridge.errors import AlreadyExists, Locked, NotFound, ServerError

Progress = Callable[[str], None]


def clear_previous(client: Connection, name: str, key: str) -> str:
    """Abort our own unfinished upload: 'cleared', 'finalized' (nothing to redo) or 'foreign' (the
    name now belongs to a sequence we have no key for)."""
    try:
        client.actions.sequence_abort(name, key)
    except NotFound:
        return "cleared"
    except Locked:
        return "finalized"
    except ServerError as exc:
        if "bad key" in exc.server_message:
            return "foreign"
        raise
    return "cleared"


def create_sequence(client: Connection, name: str, metadata: dict[str, object],
                    progress: Progress) -> tuple[str, str]:
    """(name, key) of a new sequence: `name`, or `name_2`, `name_3`... when it is taken."""
    candidate = name
    for attempt in range(2, 1000):
        try:
            return candidate, client.actions.sequence_create(candidate, metadata)
        except AlreadyExists:
            candidate = f"{name}_{attempt}"
            progress(f"sequence {name!r} already exists on the server; using {candidate!r} instead")
    raise AlreadyExists(f"no free name for sequence {name!r}", action="sequence_create", server_message="")
