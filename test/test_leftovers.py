"""Spools only go home (issue #20.4): a leftover spool records the server it was made for; a recorder
uploads only its own server's leftovers and names the others; the upload command sends each spool to
its recorded server, elsewhere only with --server; a spool without records becomes no sequence."""
from __future__ import annotations

import signal
from pathlib import Path
from typing import Any, Iterator

import pyarrow as pa
import pytest

from flightraw import TS, Raw
from mosaico_ros_bridge.server import LocalServer
from mosaico_ros_bridge.spool import SequenceSpool, load_manifest, spool_directories
from mosaico_ros_bridge.topic_description import TopicDescription
from procs import Proc, python
from test_recorder import params, recorder
from test_spool import free_port

SCHEMA = pa.schema([TS, pa.field("value", pa.float64())])


def leftover(root: Path, sequence: str, target: str, rows: int) -> Path:
    """A spool as a killed recorder leaves it: manifest with its target, `rows` records, nobody holding it."""
    spool = SequenceSpool.create(root, sequence, {"origin": "test"}, target)
    topic = spool.add_topic(TopicDescription("/data", "test_tag", "default", SCHEMA))
    if rows:
        topic.append(pa.record_batch([pa.array(range(rows), pa.int64()), pa.array([i / 4 for i in range(rows)])],
                                     schema=SCHEMA))
    spool.sync()
    spool.release()
    return spool.directory


def stored(server: LocalServer) -> dict[str, list[dict[str, Any]]]:
    """Every sequence on a server with the rows of its /data topic (empty when it has none)."""
    raw = Raw(server.location)
    result = {}
    for info in raw.client.list_flights():
        name = info.descriptor.path[0].decode()
        topics = [e.ticket.ticket.decode() for e in raw.client.get_flight_info(info.descriptor).endpoints]
        result[name] = raw.read(f"{name}/data").to_pylist() if f"{name}/data" in topics else []
    return result


def rows_of(count: int) -> list[dict[str, Any]]:
    return [{"timestamp_ns": i, "value": i / 4} for i in range(count)]


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[LocalServer, LocalServer]]:
    with LocalServer(tmp_path / "store_a") as a, LocalServer(tmp_path / "store_b") as b:
        yield a, b


def test_recorder_uploads_only_its_own_servers_leftovers_and_names_the_others(
        tmp_path: Path, two_servers: tuple[LocalServer, LocalServer]) -> None:
    a, b = two_servers
    root = tmp_path / "spool"
    mine = leftover(root, "for_a", f"127.0.0.1:{a.port}", 3)
    empty = leftover(root, "empty_for_a", f"127.0.0.1:{a.port}", 0)
    theirs = leftover(root, "for_b", f"127.0.0.1:{b.port}", 5)
    rec = recorder(params(tmp_path, a.port, server={"host": "127.0.0.1"}, sequence={"name": "live"},
                          topics={"names": ["/nothing"]}))
    try:
        rec.wait_for(lambda l: f"leftover spool {mine} uploaded as sequence for_a (3 record(s), recovered)" in l)
        rec.wait_for(lambda l: f"leftover spool {empty} holds no records" in l)
        rec.popen.send_signal(signal.SIGINT)
        assert rec.popen.wait(timeout=60) == 0, rec.output()
    finally:
        rec.stop()
    output = rec.output()
    named = [l for l in output.splitlines() if "are not for" in l]
    assert len(named) == 1 and f"{theirs.name} (127.0.0.1:{b.port})" in named[0], output
    on_a = stored(a)
    assert on_a.pop("for_a") == rows_of(3)
    assert list(on_a) == ["live"]  # no empty sequence, nothing of b's
    assert stored(b) == {}
    assert spool_directories(root) == [theirs] and not mine.exists() and not empty.exists()

    upload = Proc(python("-m", "mosaico_ros_bridge.upload", str(root)))  # no --server: the recorded one
    assert upload.popen.wait(timeout=60) == 0, upload.output()
    assert f"uploading 1 spool(s) to 127.0.0.1:{b.port}" in upload.output()
    assert stored(b) == {"for_b": rows_of(5)}
    assert "for_b" not in stored(a)


def test_upload_command_goes_elsewhere_only_with_an_explicit_server(
        tmp_path: Path, two_servers: tuple[LocalServer, LocalServer]) -> None:
    a, _ = two_servers
    gone = f"127.0.0.1:{free_port()}"  # the server it was recorded for no longer exists
    directory = leftover(tmp_path / "spool", "orphan", gone, 4)
    refused = Proc(python("-m", "mosaico_ros_bridge.upload", str(directory)))
    assert refused.popen.wait(timeout=60) == 1
    assert f"error: {gone}: cannot reach a Mosaico server" in refused.output()
    assert "1 spool(s) left intact" in refused.output()
    assert load_manifest(directory).key is None and stored(a) == {}

    moved = Proc(python("-m", "mosaico_ros_bridge.upload", str(directory), "--server", f"127.0.0.1:{a.port}"))
    assert moved.popen.wait(timeout=60) == 0, moved.output()
    assert stored(a) == {"orphan": rows_of(4)}
    assert not directory.exists()


def test_upload_command_makes_no_sequence_of_a_spool_without_records(
        tmp_path: Path, two_servers: tuple[LocalServer, LocalServer]) -> None:
    a, _ = two_servers
    directory = leftover(tmp_path / "spool", "nothing", f"127.0.0.1:{a.port}", 0)
    upload = Proc(python("-m", "mosaico_ros_bridge.upload", str(directory)))
    assert upload.popen.wait(timeout=60) == 0, upload.output()
    assert "holds no records: no sequence made of it" in upload.output()
    assert stored(a) == {} and not directory.exists()


def test_upload_command_refuses_a_spool_without_a_recorded_target(tmp_path: Path) -> None:
    directory = leftover(tmp_path / "spool", "old", "", 2)  # spools of versions that did not record it
    upload = Proc(python("-m", "mosaico_ros_bridge.upload", str(directory)))
    assert upload.popen.wait(timeout=60) == 1
    assert "no target server is recorded in the spool" in upload.output()
    assert "pass --server host:port" in upload.output()
    assert directory.exists()
