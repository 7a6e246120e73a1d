"""Names of the recorder's sequences on a real server (issue #21.5): a sequence that an earlier create
of this very recording left behind (its answer lost to a timeout: unfinalized, same recording_id and
part) is deleted and the name reused, never left as an orphan beside a `<name>_2`; anything else
keeps its name and the recording moves to the next free one."""
from __future__ import annotations

from typing import Any

import pytest

from mosaico_ros_bridge.client import Connection
from mosaico_ros_bridge.recording.sequences import create_sequence


@pytest.fixture
def client(server: Any):  # type: ignore[no-untyped-def]
    with Connection.connect("127.0.0.1", server.port) as connected:
        yield connected


def test_an_orphan_of_this_recording_is_replaced_under_its_own_name(client: Connection) -> None:
    ours = {"robot": "r1", "recording_id": "4f1c", "part": 3}
    client.actions.sequence_create("run_003", ours)  # what a create whose answer timed out leaves behind
    said: list[str] = []
    name, key = create_sequence(client, "run_003", ours, said.append)
    assert name == "run_003" and client.list_sequences() == ["run_003"]
    client.actions.sequence_finalize(name, key)  # the key is the new sequence's
    assert client.sequence_system_info("run_003")["is_locked"] is True
    assert len(said) == 1 and "left unfinished on the server by this recording" in said[0]


@pytest.mark.parametrize("existing,finalize", [
    ({"recording_id": "another", "part": 3}, False),  # another recording
    ({"recording_id": "4f1c", "part": 2}, False),  # another part of this recording
    ({"recording_id": "4f1c", "part": 3}, True),  # ours, but finalized: data, never deleted
    ({"note": "no recording id"}, False),
], ids=["other-recording", "other-part", "finalized", "foreign"])
def test_anything_else_keeps_its_name(client: Connection, existing: dict[str, Any], finalize: bool) -> None:
    key = client.actions.sequence_create("run_003", existing)
    if finalize:
        client.actions.sequence_finalize("run_003", key)
    said: list[str] = []
    name, _ = create_sequence(client, "run_003", {"robot": "r1", "recording_id": "4f1c", "part": 3}, said.append)
    assert name == "run_003_2"
    assert sorted(client.list_sequences()) == ["run_003", "run_003_2"]
    assert client.sequence_metadata("run_003") == existing
    assert said == ["sequence 'run_003' already exists on the server; using 'run_003_2' instead"]
