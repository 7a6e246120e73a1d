"""The recorder behind an emulated robot link (issue #21), on loopback only (test/linkproxy.py): a
thin link is slow, not lost — no reconnect, every record stored once; and a link that is cut and
restored loses and duplicates nothing."""
from __future__ import annotations

import re
import signal
from pathlib import Path
from typing import Any, Iterator

import pytest

import mosaico_ros_bridge as mb
from mosaico_ros_bridge.info import sequence_rows
from goaway_server import GoawayServer
from linkproxy import Link
from procs import Proc, python, wait_until
from test_recorder import StatusWatcher, params, recorder
from test_spool import numbers, start_server, stop_server, stream

TOPIC = "/rel/blob"
FRAMES = {"max_batch_size_records": 1, "flush_period_s": 0.1}  # one camera frame per batch, as a camera


def record_through(link: Link, tmp_path: Path, ros_context: Any, count: int, payload: int, rate_hz: float,
                   server: dict[str, Any], during: Any = None, **sections: Any) -> tuple[str, str]:
    """Record `count` frames through the link, stop with SIGINT; returns (sequence, recorder output)."""
    rec = recorder(params(tmp_path, link.port, server=server, topics={"names": [TOPIC]}, writer=FRAMES,
                          spool={"retry_max_s": 0.5}, **sections))
    watcher = StatusWatcher(ros_context)
    pub = stream(count, rate_hz, TOPIC, "--payload", str(payload))
    try:
        sequence = rec.wait_for(lambda l: "sequence created:" in l, 60).split("sequence created: ")[1].split(" ")[0]
        if during is not None:
            during(rec, pub)
        pub.wait_for(lambda l: l == f"published {count}", 120)
        watcher.wait_received(TOPIC, count, timeout=120)
        rec.popen.send_signal(signal.SIGINT)
        assert rec.popen.wait(timeout=180) == 0, rec.output()
        return sequence, rec.output()
    finally:
        watcher.close()
        rec.stop()
        pub.stop()


@pytest.fixture
def seed_server(tmp_path: Path) -> Iterator[tuple[Any, int]]:
    """A seed-era local server process, stopped (cleanly, checked) even when the test failed: a stray
    gRPC server shares its port with later tests' servers (SO_REUSEPORT)."""
    server, port = start_server(tmp_path / "store")
    try:
        yield server, port
    finally:
        stop_server(server)


def test_a_thin_link_is_slow_not_lost(tmp_path: Path, ros_context: Any, seed_server: tuple[Any, int]) -> None:
    """2 MB/s (16 Mbit/s) with 1.5 MB frames: each batch takes ~0.75 s on the wire, longer than
    stall_timeout_s (0.5 s); judged per batch the server looked dead and every reconnect re-sent the
    spool. Now a batch in flight gets the time it needs at min_link_mbit_s."""
    _, port = seed_server
    with Link(port, rate_bytes_s=2_000_000) as link:
        sequence, output = record_through(link, tmp_path, ros_context, 8, 1_500_000, 4.0,
                                          {"stall_timeout_s": 0.5, "timeout_s": 5.0})
        assert link.moved >= 8 * 1_500_000
    assert " lost (" not in output and "re-sending" not in output, output
    assert "0 dropped and 0 rejected of 8 received" in output, output
    with mb.MosaicoClient.connect("127.0.0.1", port) as client:
        assert client.list_sequences() == [sequence]
        assert numbers(client, sequence, TOPIC) == list(range(8))


def test_a_lossy_link_cut_and_restored_loses_and_duplicates_nothing(tmp_path: Path, ros_context: Any,
                                                                     seed_server: tuple[Any, int]) -> None:
    """A link losing 5 % of its segments (each retransmitted a round trip late) goes down mid-recording
    (every connection broken, new ones refused) and comes back: one 'lost' line (the loss alone never
    looks like a dead server), the sequence rebuilt from the spool, every frame stored once, exit 0."""
    _, port = seed_server

    def cut_then_restore(rec: Any, pub: Any) -> None:
        pub.wait_for(lambda l: l == "progress 50", 60)
        link.cut()
        rec.wait_for(lambda l: f"Mosaico server 127.0.0.1:{link.port} lost" in l, 60)
        pub.wait_for(lambda l: l == "progress 150", 60)
        link.restore()
        rec.wait_for(lambda l: "spooled batch(es), then recording live" in l, 60)

    with Link(port, rate_bytes_s=20_000_000, delay_s=0.05, loss=0.05) as link:
        sequence, output = record_through(link, tmp_path, ros_context, 250, 20_000, 50.0,
                                          {"stall_timeout_s": 1.0, "timeout_s": 1.0}, cut_then_restore)
    assert link.retransmitted > 50, link.retransmitted
    assert output.count(" lost (") == 1 and "0 dropped and 0 rejected of 250 received" in output, output
    with mb.MosaicoClient.connect("127.0.0.1", port) as client:
        assert client.list_sequences() == [sequence]
        stored = numbers(client, sequence, TOPIC)
    assert stored == list(range(250)), (sorted(set(range(250)) - set(stored)), output)


def test_a_reconnect_re_sends_only_the_current_part(tmp_path: Path, ros_context: Any,
                                                    seed_server: tuple[Any, int]) -> None:
    """sequence.split bounds what a reconnect costs (#21.2): parts of 2 s; once two parts are finalized
    the link goes down and comes back. Only the part being recorded is rebuilt from the spool (its
    re-sent batches are at most its frames: one frame per batch), the finalized parts are never created
    or sent again, and every frame is stored exactly once across the parts."""
    _, port = seed_server

    def cut_after_two_parts(rec: Any, pub: Any) -> None:
        rec.wait_for(lambda l: "sequence finalized:" in l and l.rstrip().endswith("_001"), 60)
        link.cut()
        rec.wait_for(lambda l: f"Mosaico server 127.0.0.1:{link.port} lost" in l, 60)
        link.restore()
        rec.wait_for(lambda l: "spooled batch(es), then recording live" in l, 60)

    with Link(port) as link:
        first, output = record_through(link, tmp_path, ros_context, 400, 20_000, 50.0,
                                       {"stall_timeout_s": 1.0, "timeout_s": 1.0}, cut_after_two_parts,
                                       sequence={"name": "parts", "split": {"max_duration_s": 2.0}})
    rebuilt = re.search(r"sequence created: (\S+) on \S+; re-sending (\d+) spooled batch", output)
    assert first == "parts" and rebuilt is not None, output
    part, resent = rebuilt.group(1), int(rebuilt.group(2))
    assert part not in ("parts", "parts_001"), output
    assert [len(re.findall(rf"sequence created: {name}(?![\w-])", output)) for name in ("parts", "parts_001")] == [1, 1], output
    with mb.MosaicoClient.connect("127.0.0.1", port) as client:
        stored = {name: numbers(client, name, TOPIC) for name in client.list_sequences()
                  if any(row.topic == TOPIC and row.records for row in sequence_rows(client, name))}  # a part
        # closed at the stop may hold no record (its topic created, no data uploaded)
    assert 0 < resent <= len(stored[part]), (resent, {k: len(v) for k, v in stored.items()})
    assert sorted(n for values in stored.values() for n in values) == list(range(400))


def test_without_spool_the_summary_says_what_the_server_stored(tmp_path: Path, ros_context: Any,
                                                               seed_server: tuple[Any, int]) -> None:
    """spool.enabled false: the link drops every connection mid-recording (new ones are admitted). The
    broken upload is fatal; on_error=report is applied through a new connection, and the summary says
    how many records were sent and how many the server holds — counted there, not assumed."""
    _, port = seed_server
    with Link(port) as link:
        rec = recorder(params(tmp_path, link.port, topics={"names": [TOPIC]}, writer=FRAMES, spool={"enabled": False}))
        watcher = StatusWatcher(ros_context)
        pub = stream(200, 50.0, TOPIC, "--payload", "20000")
        try:
            sequence = rec.wait_for(lambda l: "sequence created:" in l, 60).split("sequence created: ")[1].split(" ")[0]
            wait_until(lambda: int(watcher.latest.get(TOPIC, {}).get("written", "0")) >= 20, 60, "20 records written",
                       step=lambda: watcher.executor.spin_once(timeout_sec=0.05))
            link.reset()
            assert rec.popen.wait(timeout=60) == 1, rec.output()
        finally:
            watcher.close()
            rec.stop()
            pub.stop()
    output = rec.output()
    summary = re.search(r"(\d+) record\(s\) sent, (\d+) stored on the server", output)
    assert summary is not None and "on_error=report" in output, output
    sent, stored = int(summary.group(1)), int(summary.group(2))
    with mb.MosaicoClient.connect("127.0.0.1", port) as client:
        assert len(numbers(client, sequence, TOPIC)) == stored <= sent


GOAWAY_CLIENT = """
import os
os.environ.pop("GRPC_VERBOSITY", None)
import pyarrow.flight as fl
try:
    list(fl.FlightClient("grpc://127.0.0.1:{port}").do_action(fl.Action("x", b""), fl.FlightCallOptions(timeout=2)))
except fl.FlightError as exc:
    print("refused:", type(exc).__name__)
"""
GRPC_LINES = ("Got goaway", "absl::InitializeLog", "chttp2")


def test_grpc_log_lines_stay_out_of_the_recorder_and_upload_output(tmp_path: Path, ros_context: Any) -> None:
    """A server whose link made its keepalive pings time out sends GOAWAY ping_timeout; gRPC logs each
    one to stderr through absl. A bare pyarrow.flight client against the same endpoint prints them (the
    provocation works); the recorder, reconnecting to it while it records into the spool, and the
    upload command keep their output to their own lines."""
    with GoawayServer() as server:
        bare = Proc(python("-c", GOAWAY_CLIENT.format(port=server.port)))
        assert bare.stop(30) == 0 and "Got goaway [2]" in bare.output() and "ping_timeout" in bare.output()
        rec = recorder(params(tmp_path, server.port, server={"timeout_s": 1.0}, topics={"names": [TOPIC]},
                              spool={"retry_max_s": 0.5}))
        pub = stream(20, 50.0, TOPIC)
        try:
            rec.wait_for(lambda l: "recording into the spool" in l, 60)
            pub.wait_for(lambda l: l == "published 20", 60)
            tried = server.connections
            wait_until(lambda: server.connections >= tried + 3, 60, "three reconnect attempts while recording")
            rec.popen.send_signal(signal.SIGINT)
            assert rec.popen.wait(timeout=120) == 3, rec.output()  # kept in the spool: the documented code
        finally:
            rec.stop()
            pub.stop()
        upload = Proc(python("-m", "mosaico_ros_bridge.upload", str(tmp_path / "spool")))
        assert upload.stop(120) != 0
    for output in (rec.output(), upload.output()):
        assert not [line for line in output.splitlines() if any(text in line for text in GRPC_LINES)], output
    assert f"127.0.0.1:{server.port}" in upload.output(), upload.output()  # it did try the recorded server
