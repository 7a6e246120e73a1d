"""This recorder's sequences on the server: created under a free name, and an earlier broken upload of
ours aborted (by its key) before it is replaced."""
from __future__ import annotations

from typing import Callable

from mosaico_ros_bridge.client import Connection
from mosaico_ros_bridge.errors import AlreadyExists, Locked, NotFound, ServerError

Progress = Callable[[str], None]


def part_name(base: str, index: int) -> str:
    """The sequence of a recording's part: the first keeps the name (a run too short to split looks
    unsplit), the next ones are `<name>_001`, `_002`..."""
    return f"{base}_{index:03d}" if index else base


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
    """(name, key) of a new sequence: `name`, or `name_2`, `name_3`... when another recording holds it.
    One left unfinished by this very recording (a create whose answer was lost to a timeout, or an
    upload whose key was never saved) is deleted and its name reused, never left as an orphan."""
    candidate, attempt, cleared = name, 2, False
    while attempt < 1000:
        try:
            return candidate, client.actions.sequence_create(candidate, metadata)
        except AlreadyExists:
            if not cleared and left_by_this_recording(client, candidate, metadata):
                client.actions.sequence_delete(candidate)
                cleared = True
                progress(f"sequence {candidate!r} was left unfinished on the server by this recording (an answer "
                         "lost to a timeout); deleted it, creating it again")
                continue
            candidate, attempt, cleared = f"{name}_{attempt}", attempt + 1, False
            progress(f"sequence {name!r} already exists on the server; using {candidate!r} instead")
    raise AlreadyExists(f"no free name for sequence {name!r}", action="sequence_create", server_message="")


def left_by_this_recording(client: Connection, name: str, metadata: dict[str, object]) -> bool:
    """The sequence `name` is unfinalized and carries this recording's id (and part): ours to replace."""
    recording = metadata.get("recording_id")
    if recording is None:
        return False
    try:
        stored = client.sequence_metadata(name)
        locked = client.sequence_system_info(name).get("is_locked", True)
    except NotFound:
        return False
    return (isinstance(stored, dict) and not locked and stored.get("recording_id") == recording
            and stored.get("part") == metadata.get("part"))
