"""Nothing lost (issue #9), with real processes: the local server killed -9 and restarted, a server
that appears only after the recorder started, a recorder killed -9 whose spool is uploaded by the
upload command or by the next recorder, and sequences split by duration. Every published message is
read back from the server exactly once."""
from __future__ import annotations

import os
import re
import signal
import socket
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

import mosaico_ros_bridge as mb
from mosaico_ros_bridge.client import open_topic_stream
from mosaico_ros_bridge.errors import UploadStalled
from mosaico_ros_bridge.recording.live_sink import LiveSink
from mosaico_ros_bridge.recording.sequences import part_name
from mosaico_ros_bridge.recording.stream_sink import SinkHooks
from mosaico_ros_bridge.spool import load_manifest, read_complete
from mosaico_ros_bridge.topic_description import TopicDescription
from mosaico_ros_bridge.writers import TopicStats
from mosaico_ros_bridge.writers.encoders import MessageEncoder
from procs import Proc, python, wait_until
from test_recorder import StatusWatcher, params, recorder

TOPIC = "/rel/imu"
FAST = {"max_batch_size_records": 20, "flush_period_s": 0.1}
# A SIGSTOPped server is noticed within ~1 s: the tests that stop the server assume a fast link, so that
# the time a 4 MB batch in flight may take (server.min_link_mbit_s, default 1 Mbit/s: 33 s) stays short.
STALLS_FAST = {"timeout_s": 1.0, "stall_timeout_s": 1.0, "min_link_mbit_s": 100.0}


_servers: list[Proc] = []
DIALECT = {"name": "seed"}  # of the servers start_server() starts; each test of this module runs with both


@pytest.fixture(autouse=True, params=["seed", "session"])
def dialect(request: pytest.FixtureRequest) -> Iterator[str]:
    """Spool, reconnect, split and leftover upload must work on both dialects: the servers started
    here and the recorders' server.dialect follow this parameter."""
    import test_recorder
    DIALECT["name"] = test_recorder.SERVER_DIALECT = request.param
    yield request.param
    DIALECT["name"] = test_recorder.SERVER_DIALECT = "seed"


@pytest.fixture
def server(tmp_path: Path, dialect: str) -> Iterator[Any]:
    from mosaico_ros_bridge.server import LocalServer
    with LocalServer(tmp_path / "store", dialect=dialect) as running:
        yield running


@pytest.fixture(autouse=True)
def _no_server_outlives_its_test() -> Iterator[None]:
    """A failing test leaves no server behind (paused ones are resumed so they can exit)."""
    yield
    while _servers:
        server = _servers.pop()
        if server.popen.poll() is None:
            os.kill(server.popen.pid, signal.SIGCONT)
            server.popen.kill()
            server.popen.wait(timeout=15)


def start_server(store: Path, port: int = 0) -> tuple[Proc, int]:
    server = Proc(python("-m", "mosaico_ros_bridge.server", "--dialect", DIALECT["name"], "--port", str(port),
                         "--store", str(store)))
    _servers.append(server)
    line = server.wait_for(lambda l: "listening on" in l)
    return server, int(line.split("listening on ")[1].split(" ")[0].rsplit(":", 1)[1])


def stop_server(server: Proc) -> None:
    server.popen.send_signal(signal.SIGINT)
    assert server.stop() == 0, server.output()


def spool_locks_held(pid: int) -> int:
    """The spool lock files the process `pid` has open."""
    fds = Path(f"/proc/{pid}/fd")
    return sum(1 for fd in fds.iterdir() if os.path.realpath(fd).endswith("/lock"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stream(count: int, rate: float = 150.0, topic: str = TOPIC, *extra: str) -> Proc:
    return Proc(python("-m", "stream_publisher", topic, "--count", str(count), "--rate", str(rate), *extra))


def numbers(client: mb.MosaicoClient, sequence: str, topic: str = TOPIC) -> list[int]:
    """The publisher's message numbers as stored, in stored order."""
    table = client.read_topic_table(sequence, topic).table
    header = "message_header" if "message_header" in table.schema.names else "header"  # seed / 0.7 layout
    return [int(h["frame_id"]) for h in table.column(header).to_pylist()]


def stop_recording(rec: Proc, watcher: StatusWatcher, count: int, topic: str = TOPIC) -> str:
    """Once the recorder has received `count` messages, SIGINT it; returns its output (exit 0 asserted)."""
    watcher.wait_received(topic, count, timeout=60)
    rec.popen.send_signal(signal.SIGINT)
    assert rec.popen.wait(timeout=60) == 0, rec.output()
    return rec.output()


def test_server_killed_and_restarted_mid_recording_loses_nothing(tmp_path: Path, ros_context: Any) -> None:
    server, port = start_server(tmp_path / "store")
    rec = recorder(params(tmp_path, port, topics={"names": [TOPIC]}, writer=FAST, spool={"retry_max_s": 0.5}))
    watcher = StatusWatcher(ros_context)
    pub = None
    try:
        sequence = rec.wait_for(lambda l: "sequence created:" in l).split("sequence created: ")[1].split(" ")[0]
        pub = stream(600)
        rec.wait_for(lambda l: f"topic added: {TOPIC}" in l)
        pub.wait_for(lambda l: l == "progress 150")
        server.popen.kill()
        server.popen.wait()
        rec.wait_for(lambda l: f"Mosaico server 127.0.0.1:{port} lost" in l)
        watcher.wait_value(TOPIC, "upload", "spool only (server unreachable)")
        pub.wait_for(lambda l: l == "progress 300")  # recording went on while the server was down
        server, _ = start_server(tmp_path / "store", port)
        rec.wait_for(lambda l: "spooled batch(es), then recording live" in l)
        watcher.wait_value(TOPIC, "upload", "live")
        pub.wait_for(lambda l: l == "published 600")
        output = stop_recording(rec, watcher, 600)
    finally:
        watcher.close()
        rec.stop()
        if pub:
            pub.stop()
    assert output.count("lost (") == 1 and f"finalized {sequence};" in output, output
    with mb.MosaicoClient.connect("127.0.0.1", port) as client:
        assert client.list_sequences() == [sequence]
        assert numbers(client, sequence) == list(range(600))
    stop_server(server)


def test_stalled_server_is_detected_and_nothing_lost(tmp_path: Path, ros_context: Any) -> None:
    """The server stops answering without closing anything (SIGSTOP, like a network that silently
    drops packets): uploads stall, the recorder notices, keeps spooling, and rebuilds after SIGCONT."""
    server, port = start_server(tmp_path / "store")
    rec = recorder(params(tmp_path, port, server=STALLS_FAST, topics={"names": ["/rel/blob"]}, writer=FAST,
                          spool={"retry_max_s": 0.5}))
    watcher = StatusWatcher(ros_context)
    pub = stream(500, 100.0, "/rel/blob", "--payload", "200000")
    try:
        sequence = rec.wait_for(lambda l: "sequence created:" in l).split("sequence created: ")[1].split(" ")[0]
        pub.wait_for(lambda l: l == "progress 100")
        os.kill(server.popen.pid, signal.SIGSTOP)
        rec.wait_for(lambda l: f"Mosaico server 127.0.0.1:{port} lost" in l)
        pub.wait_for(lambda l: l == "progress 300")
        os.kill(server.popen.pid, signal.SIGCONT)
        rec.wait_for(lambda l: "spooled batch(es), then recording live" in l)
        pub.wait_for(lambda l: l == "published 500")
        output = stop_recording(rec, watcher, 500, "/rel/blob")
    finally:
        os.kill(server.popen.pid, signal.SIGCONT)
        watcher.close()
        rec.stop()
        pub.stop()
    assert "0 dropped and 0 rejected of 500 received" in output, output
    with mb.MosaicoClient.connect("127.0.0.1", port) as client:
        assert client.list_sequences() == [sequence]
        assert numbers(client, sequence, "/rel/blob") == list(range(500))
    stop_server(server)


@dataclass
class BlobRecording:
    server: Proc
    port: int
    rec: Proc
    watcher: StatusWatcher
    pub: Proc
    sequence: str


@contextmanager
def blob_recording(tmp_path: Path, ros_context: Any, count: int, stall_timeout_s: float) -> Iterator[BlobRecording]:
    """A recorder of `count` 200 KB frames at 100 Hz on /rel/blob, its sequence created; on exit the server
    runs again (a test may have paused it) and nothing is left running."""
    server, port = start_server(tmp_path / "store")
    rec = recorder(params(tmp_path, port, server={"stall_timeout_s": stall_timeout_s},
                          topics={"names": ["/rel/blob"]}, writer=FAST))
    watcher = StatusWatcher(ros_context)
    pub = stream(count, 100.0, "/rel/blob", "--payload", "200000")
    try:
        sequence = rec.wait_for(lambda l: "sequence created:" in l).split("sequence created: ")[1].split(" ")[0]
        yield BlobRecording(server, port, rec, watcher, pub, sequence)
    finally:
        os.kill(server.popen.pid, signal.SIGCONT)
        watcher.close()
        rec.stop()
        pub.stop()


def interrupt_while_paused(run: BlobRecording, count: int) -> str:
    """Pause the server after 50 frames; once the recorder has received all `count`, SIGINT it and
    return its line on what is still to upload (the server stays paused)."""
    run.pub.wait_for(lambda l: l == "progress 50")
    os.kill(run.server.popen.pid, signal.SIGSTOP)
    run.pub.wait_for(lambda l: l == f"published {count}")
    run.watcher.wait_received("/rel/blob", count, timeout=60)
    run.rec.popen.send_signal(signal.SIGINT)
    return run.rec.wait_for(lambda l: "batch(es) still to upload to" in l)


def test_server_slower_than_the_data_is_fed_from_the_spool_without_a_reconnect(tmp_path: Path,
                                                                              ros_context: Any) -> None:
    """The server pauses for less than the stall timeout (a thin or busy link): the upload falls
    behind, the recorder keeps spooling, and the upload catches up from the spool on the same stream."""
    with blob_recording(tmp_path, ros_context, 500, stall_timeout_s=60.0) as run:
        run.pub.wait_for(lambda l: l == "progress 100")
        os.kill(run.server.popen.pid, signal.SIGSTOP)
        # 15 batches of 4 MB while the server is paused: more than the uplink queues (8) plus what gRPC
        # holds in flight, so the upload must fall behind (at progress 250 it was 7.5 batches: borderline)
        run.pub.wait_for(lambda l: l == "progress 400")
        os.kill(run.server.popen.pid, signal.SIGCONT)
        wait_until(lambda: int(run.watcher.latest.get("/rel/blob", {}).get("from_spool", "0")) > 0, 60,
                   "status to count batches read back from the spool",
                   step=lambda: run.watcher.executor.spin_once(timeout_sec=0.05))
        run.pub.wait_for(lambda l: l == "published 500")
        output = stop_recording(run.rec, run.watcher, 500, "/rel/blob")
    assert " lost (" not in output and "re-sending" not in output, output
    assert "0 dropped and 0 rejected of 500 received" in output, output
    with mb.MosaicoClient.connect("127.0.0.1", run.port) as client:
        assert client.list_sequences() == [run.sequence]
        assert numbers(client, run.sequence, "/rel/blob") == list(range(500))
    stop_server(run.server)


def test_stopping_while_the_server_is_behind_uploads_everything_with_progress(tmp_path: Path,
                                                                             ros_context: Any) -> None:
    """SIGINT while the server is paused: the recorder reports what is still to upload, and once the
    server goes on, finishes every stream from the spool and finalizes (exit 0)."""
    with blob_recording(tmp_path, ros_context, 300, stall_timeout_s=60.0) as run:
        interrupt_while_paused(run, 300)
        os.kill(run.server.popen.pid, signal.SIGCONT)
        assert run.rec.popen.wait(timeout=60) == 0, run.rec.output()
        output = run.rec.output()
    assert "0 dropped and 0 rejected of 300 received" in output and " lost (" not in output, output
    with mb.MosaicoClient.connect("127.0.0.1", run.port) as client:
        assert numbers(client, run.sequence, "/rel/blob") == list(range(300))
    stop_server(run.server)


def test_signalled_again_while_uploading_stops_at_once_and_the_spool_keeps_the_rest(tmp_path: Path,
                                                                                   ros_context: Any) -> None:
    """SIGINT while the server is paused (a link too slow for the upload, as far as the recorder can
    tell): it says what is left and how to stop now; a second SIGINT ends it at once (exit 3) with the
    sequence in the spool, and the upload command then stores every message exactly once."""
    with blob_recording(tmp_path, ros_context, 300, stall_timeout_s=120.0) as run:
        progress = interrupt_while_paused(run, 300)
        assert progress.endswith("(signal again to stop now: the rest stays in the spool)"), progress
        run.rec.popen.send_signal(signal.SIGINT)
        again = time.monotonic()
        assert run.rec.popen.wait(timeout=60) == 3, run.rec.output()
        took = time.monotonic() - again
        output = run.rec.output()
    server, port = run.server, run.port
    assert took < 20, (took, output)  # a batch in flight, the connection closed, the threads joined
    assert "stopping now (signalled again)" in output and "not uploaded yet, kept in the spool" in output, output
    assert "0 dropped and 0 rejected of 300 received" in output and "Traceback" not in output, output
    upload = Proc(python("-m", "mosaico_ros_bridge.upload", str(tmp_path / "spool"), "--server", f"127.0.0.1:{port}"))
    assert upload.popen.wait(timeout=120) == 0, upload.output()
    sequence = next(l for l in upload.output().splitlines() if l.startswith("uploading leftover")
                    ).split(" as sequence ")[1].split(" ")[0]
    with mb.MosaicoClient.connect("127.0.0.1", port) as client:
        assert client.list_sequences() == [sequence]
        assert numbers(client, sequence, "/rel/blob") == list(range(300))
    stop_server(server)


@dataclass
class LostServer:
    server: Proc
    port: int
    rec: Proc
    sequence: str


@contextmanager
def server_lost_mid_recording(tmp_path: Path, ros_context: Any, stop_timeout_s: float) -> Iterator[LostServer]:
    """Record 200 frames of 200 KB; SIGSTOP the server after 50 and wait until the recorder has declared
    it lost and received every frame. On exit the server runs again and nothing is left running."""
    server, port = start_server(tmp_path / "store")
    rec = recorder(params(tmp_path, port, server=STALLS_FAST, topics={"names": ["/rel/blob"]}, writer=FAST,
                          spool={"retry_max_s": 0.5, "stop_timeout_s": stop_timeout_s}))
    watcher = StatusWatcher(ros_context)
    pub = stream(200, 100.0, "/rel/blob", "--payload", "200000")
    try:
        sequence = rec.wait_for(lambda l: "sequence created:" in l).split("sequence created: ")[1].split(" ")[0]
        pub.wait_for(lambda l: l == "progress 50")
        os.kill(server.popen.pid, signal.SIGSTOP)
        rec.wait_for(lambda l: f"Mosaico server 127.0.0.1:{port} lost" in l, 60)
        pub.wait_for(lambda l: l == "published 200")
        watcher.wait_received("/rel/blob", 200, timeout=60)
        yield LostServer(server, port, rec, sequence)
    finally:
        os.kill(server.popen.pid, signal.SIGCONT)
        watcher.close()
        rec.stop()
        pub.stop()


def test_server_back_while_stopping_after_it_was_lost_finalizes_and_exits_0(tmp_path: Path,
                                                                            ros_context: Any) -> None:
    """Issue #21.3: the server stops answering (SIGSTOP) and is declared lost; the recorder is stopped
    (SIGINT) while it is away; the server comes back within spool.stop_timeout_s. The supervisor, with
    no current part any more, reconnects, uploads the part from its spool and finalizes: exit 0, every
    message once (it used to die on `assert part is not None` and exit 3)."""
    with server_lost_mid_recording(tmp_path, ros_context, stop_timeout_s=60.0) as lost:
        lost.rec.popen.send_signal(signal.SIGINT)
        lost.rec.wait_for(lambda l: f"stopping: Mosaico server 127.0.0.1:{lost.port} is unreachable; waiting up to "
                                    "60 s" in l)
        os.kill(lost.server.popen.pid, signal.SIGCONT)
        assert lost.rec.popen.wait(timeout=90) == 0, lost.rec.output()
        output = lost.rec.output()
    assert f"finalized {lost.sequence};" in output and "0 dropped and 0 rejected of 200 received" in output, output
    assert "Traceback" not in output and "internal error" not in output, output
    assert f"Mosaico server 127.0.0.1:{lost.port} reachable again" in output, output  # reconnected while stopping
    with mb.MosaicoClient.connect("127.0.0.1", lost.port) as client:
        assert client.list_sequences() == [lost.sequence]
        assert numbers(client, lost.sequence, "/rel/blob") == list(range(200))
    stop_server(lost.server)


def test_stopping_while_the_server_is_stalled_keeps_its_deadline(tmp_path: Path, ros_context: Any) -> None:
    """Issue #21.4: a server that accepts connections but never answers (SIGSTOP) held every reconnect
    probe for gRPC's own ~20 s connect timeout, so SIGINT took 20 s and more with stop_timeout_s 2.
    Probes now have a deadline: the recorder exits 3 (data in the spool) soon after stop_timeout_s."""
    with server_lost_mid_recording(tmp_path, ros_context, stop_timeout_s=2.0) as lost:
        lost.rec.popen.send_signal(signal.SIGINT)
        started = time.monotonic()
        assert lost.rec.popen.wait(timeout=60) == 3, lost.rec.output()
        took = time.monotonic() - started
    assert took < 2.0 + 10.0, f"SIGINT to exit took {took:.1f} s with stop_timeout_s 2"
    assert "not uploaded yet, kept in the spool" in lost.rec.output()
    stop_server(lost.server)


def test_without_spool_a_slow_server_back_pressures_the_writer(tmp_path: Path, ros_context: Any) -> None:
    """spool.enabled false: batches can only go live, so a paused server back-pressures the topic's
    writer instead of breaking the upload; what its bounded buffer could not hold is counted as
    dropped, everything else is stored once, in order."""
    server, port = start_server(tmp_path / "store")
    rec = recorder(params(tmp_path, port, server={"stall_timeout_s": 60.0}, topics={"names": ["/rel/blob"]},
                          writer=FAST, spool={"enabled": False}))
    watcher = StatusWatcher(ros_context)
    pub = stream(400, 100.0, "/rel/blob", "--payload", "100000")
    try:
        sequence = rec.wait_for(lambda l: "sequence created:" in l).split("sequence created: ")[1].split(" ")[0]
        pub.wait_for(lambda l: l == "progress 50")
        os.kill(server.popen.pid, signal.SIGSTOP)
        pub.wait_for(lambda l: l == "progress 300")  # ~12 batches of 2 MB: more than the live queue
        os.kill(server.popen.pid, signal.SIGCONT)
        pub.wait_for(lambda l: l == "published 400")
        output = stop_recording(rec, watcher, 400, "/rel/blob")
    finally:
        os.kill(server.popen.pid, signal.SIGCONT)
        watcher.close()
        rec.stop()
        pub.stop()
    assert " lost (" not in output and "failed" not in output, output
    dropped = int(re.search(r"(\d+) dropped and 0 rejected of 400 received", output).group(1))  # type: ignore[union-attr]
    with mb.MosaicoClient.connect("127.0.0.1", port) as client:
        stored = numbers(client, sequence, "/rel/blob")
    assert stored == sorted(set(stored)) and len(stored) == 400 - dropped
    assert stored[:50] == list(range(50)) and stored[-20:] == list(range(380, 400))
    stop_server(server)


def test_without_spool_a_server_dying_while_the_writer_waits_for_room_is_fatal_not_a_hang(tmp_path: Path) -> None:
    """spool.enabled false: the server is paused until the live queue is full and the topic's writer
    waits for room, then killed. The upload's thread ends with the error, so the waiting writer must
    give up too: the recorder exits 1 naming the failure instead of waiting forever."""
    server, port = start_server(tmp_path / "store")
    rec = recorder(params(tmp_path, port, server={"stall_timeout_s": 60.0}, topics={"names": ["/rel/blob"]},
                          writer=FAST, spool={"enabled": False}))
    pub = stream(400, 100.0, "/rel/blob", "--payload", "100000")
    try:
        rec.wait_for(lambda l: "sequence created:" in l)
        pub.wait_for(lambda l: l == "progress 50")
        os.kill(server.popen.pid, signal.SIGSTOP)
        pub.wait_for(lambda l: l == "progress 300")  # ~12 batches of 2 MB: more than the live queue
        server.popen.kill()
        assert rec.popen.wait(timeout=30) == 1
    finally:
        rec.stop()
        pub.stop()
        server.stop()
    output = rec.output()
    assert "on_error=report" in output and "/rel/blob" in output, output


def test_without_spool_a_batch_after_the_upload_failed_is_refused_at_once(tmp_path: Path) -> None:
    """spool.enabled false: once the server is gone (killed), a batch written afterwards must fail at
    once naming the failure. (It used to wait ATTACH_WAIT_S = 30 s for a stream that could not come,
    so a stopping recorder hung on its writers.)"""
    server, port = start_server(tmp_path / "store")
    broken: list[BaseException] = []
    encoder = MessageEncoder(mb.Floating64)
    batch = encoder.encode([mb.Message(timestamp_ns=i, data=mb.Floating64(data=float(i))) for i in range(100)])
    with mb.MosaicoClient.connect("127.0.0.1", port) as client:
        key = client.actions.sequence_create("dies", {})
        topic = TopicDescription("/t", mb.Floating64.ontology_tag(), mb.Floating64.serialization_format().value,
                                 encoder.schema)
        hooks = SinkHooks(broken=lambda _, exc: broken.append(exc), spool_fault=lambda _: None,
                          fatal=broken.append, sent=lambda _: None)
        sink = LiveSink("/t", "dies", hooks, TopicStats())
        sink.attach(open_topic_stream(client.actions, client.lanes, "dies", key, topic))
        sink.write(batch)
        server.popen.kill()
        server.stop()
        deadline = time.monotonic() + 20
        while not broken and time.monotonic() < deadline:  # the uplink finds out on its next write
            try:
                sink.write(batch)
            except UploadStalled:
                break
        assert broken, "the upload never failed"
        started = time.monotonic()
        with pytest.raises(UploadStalled, match=r"topic '/t' of sequence 'dies' has no spool and its upload failed"):
            sink.write(batch)
        assert time.monotonic() - started < 5


def test_server_started_after_the_recorder_gets_everything(tmp_path: Path, ros_context: Any) -> None:
    port = free_port()
    rec = recorder(params(tmp_path, port, server={"timeout_s": 0.5}, topics={"names": [TOPIC]}, writer=FAST,
                          spool={"retry_max_s": 0.5}))
    watcher = StatusWatcher(ros_context)
    server = pub = None
    try:
        rec.wait_for(lambda l: "recording into the spool" in l)
        pub = stream(300)
        rec.wait_for(lambda l: f"topic added: {TOPIC}" in l)
        pub.wait_for(lambda l: l == "progress 100")
        server, _ = start_server(tmp_path / "store", port)
        line = rec.wait_for(lambda l: "sequence created:" in l)
        sequence = line.split("sequence created: ")[1].split(" ")[0]
        pub.wait_for(lambda l: l == "published 300")
        stop_recording(rec, watcher, 300)
    finally:
        watcher.close()
        rec.stop()
        if pub:
            pub.stop()
    with mb.MosaicoClient.connect("127.0.0.1", port) as client:
        assert numbers(client, sequence) == list(range(300))
        assert client.sequence_system_info(sequence)["is_locked"] is True
    assert server is not None
    stop_server(server)
    assert not list((tmp_path / "spool").iterdir()), "the spool of a finalized sequence is removed"


def _record_then_kill(tmp_path: Path, port: int, ros_context: Any, count: int) -> str:
    """A recorder killed -9 after everything it received was spooled; returns its sequence name."""
    rec = recorder(params(tmp_path, port, topics={"names": [TOPIC]}, writer=FAST, spool={"fsync_period_s": 0.1}))
    watcher = StatusWatcher(ros_context)
    pub = None
    try:
        sequence = rec.wait_for(lambda l: "sequence created:" in l).split("sequence created: ")[1].split(" ")[0]
        pub = stream(count)
        rec.wait_for(lambda l: f"topic added: {TOPIC}" in l)
        pub.wait_for(lambda l: l == f"published {count}")
        wait_until(lambda: int(watcher.latest.get(TOPIC, {}).get("written", "0")) >= count, 60,
                   "every message spooled", step=lambda: watcher.executor.spin_once(timeout_sec=0.05))
        rec.popen.kill()
        rec.popen.wait()
    finally:
        watcher.close()
        rec.stop()
        if pub:
            pub.stop()
    return sequence


def test_recorder_killed_then_upload_command_recovers_everything(tmp_path: Path, ros_context: Any) -> None:
    server, port = start_server(tmp_path / "store")
    try:
        sequence = _record_then_kill(tmp_path, port, ros_context, 200)
        spool_root = tmp_path / "spool"
        upload = Proc(python("-m", "mosaico_ros_bridge.upload", str(spool_root), "--server", f"127.0.0.1:{port}"))
        assert upload.popen.wait(timeout=60) == 0, upload.output()
        assert f"uploaded as sequence {sequence} (200 record(s), recovered); spool removed" in upload.output()
        with mb.MosaicoClient.connect("127.0.0.1", port) as client:
            assert client.list_sequences() == [sequence]  # the killed recorder's broken upload was replaced
            assert numbers(client, sequence) == list(range(200))
            metadata = client.sequence_metadata(sequence)
            assert metadata["recovered"] is True and len(metadata["recording_id"]) == 32
        again = Proc(python("-m", "mosaico_ros_bridge.upload", str(spool_root), "--server", f"127.0.0.1:{port}"))
        assert again.popen.wait(timeout=60) == 2
        assert "is not a spool directory and holds none" in again.output()
    finally:
        stop_server(server)


def test_recorder_killed_then_next_recorder_uploads_the_leftover(tmp_path: Path, ros_context: Any) -> None:
    server, port = start_server(tmp_path / "store")
    try:
        killed = _record_then_kill(tmp_path, port, ros_context, 120)
        rec = recorder(params(tmp_path, port, sequence={"name": "next_{stamp}"}, topics={"names": [TOPIC]}))
        try:
            rec.wait_for(lambda l: "leftover spool" in l and f"uploaded as sequence {killed} (120 record(s)" in l)
            rec.popen.send_signal(signal.SIGINT)
            assert rec.popen.wait(timeout=30) == 0, rec.output()
        finally:
            rec.stop()
        with mb.MosaicoClient.connect("127.0.0.1", port) as client:
            assert numbers(client, killed) == list(range(120))
            assert client.sequence_metadata(killed)["recovered"] is True
    finally:
        stop_server(server)


@pytest.mark.parametrize("split", [{"max_duration_s": 1.0}, {"max_bytes": 40_000}], ids=["duration", "bytes"])
def test_split_parts_hold_every_message(server: Any, tmp_path: Path, ros_context: Any, split: dict[str, Any]) -> None:
    rec = recorder(params(tmp_path, server.port, sequence={"name": "parts", "split": split},
                          topics={"names": [TOPIC]}, writer=FAST))
    watcher = StatusWatcher(ros_context)
    pub = None
    try:
        rec.wait_for(lambda l: l.rstrip().endswith("sequence created: parts"))
        pub = stream(450)
        rec.wait_for(lambda l: f"topic added: {TOPIC}" in l)
        pub.wait_for(lambda l: l == "published 450")
        output = stop_recording(rec, watcher, 450)
    finally:
        watcher.close()
        rec.stop()
        if pub:
            pub.stop()
    with mb.MosaicoClient.connect("127.0.0.1", server.port) as client:
        parts = sorted(client.list_sequences())
        assert len(parts) >= 3 and parts == [part_name("parts", i) for i in range(len(parts))], parts
        metadata = [client.sequence_metadata(p) for p in parts]
        assert [m["part"] for m in metadata] == list(range(len(parts)))
        assert len({m["recording_id"] for m in metadata}) == 1
        stored = [n for p in parts if TOPIC in client.list_topics(p) and client.topic_system_info(p, TOPIC)["chunks_number"]
                  for n in numbers(client, p)]
        assert all(client.sequence_system_info(p)["is_locked"] for p in parts)
    assert stored == list(range(450))
    assert f"finalized {', '.join(parts)};" in output


def test_name_taken_while_offline_is_uploaded_under_a_free_name(tmp_path: Path, ros_context: Any) -> None:
    first, port = start_server(tmp_path / "store")
    with mb.MosaicoClient.connect("127.0.0.1", port) as client:  # a sequence with data (an empty one is
        with client.sequence_create("taken") as taken:        # not kept by a session server)
            taken.topic_create("/other", {}, mb.Floating64).push(mb.Message(timestamp_ns=1, data=mb.Floating64(data=1.0)))
    stop_server(first)
    rec = recorder(params(tmp_path, port, server={"timeout_s": 0.5}, sequence={"name": "taken"},
                          topics={"names": [TOPIC]}, writer=FAST, spool={"retry_max_s": 0.5}))
    watcher = StatusWatcher(ros_context)
    pub = stream(100)
    server = None
    try:
        rec.wait_for(lambda l: "recording into the spool" in l)
        pub.wait_for(lambda l: l == "published 100")
        watcher.wait_received(TOPIC, 100)
        server, _ = start_server(tmp_path / "store", port)
        rec.wait_for(lambda l: "sequence 'taken' already exists on the server; using 'taken_2' instead" in l)
        rec.wait_for(lambda l: "sequence created: taken_2" in l)
        stop_recording(rec, watcher, 100)
    finally:
        watcher.close()
        rec.stop()
        pub.stop()
    with mb.MosaicoClient.connect("127.0.0.1", port) as client:
        assert numbers(client, "taken_2") == list(range(100))
        assert client.list_topics("taken") == ["/other"]
    assert server is not None
    stop_server(server)


def test_stopped_while_the_server_is_away_exits_3_and_the_upload_command_finishes_it(
        tmp_path: Path, ros_context: Any) -> None:
    port = free_port()
    rec = recorder(params(tmp_path, port, server={"timeout_s": 0.5}, topics={"names": [TOPIC]}, writer=FAST,
                          spool={"stop_timeout_s": 0.5}))
    watcher = StatusWatcher(ros_context)
    pub = stream(150)
    try:
        rec.wait_for(lambda l: "recording into the spool" in l)
        pub.wait_for(lambda l: l == "published 150")
        watcher.wait_received(TOPIC, 150)
        rec.popen.send_signal(signal.SIGINT)
        assert rec.popen.wait(timeout=30) == 3, rec.output()
    finally:
        watcher.close()
        rec.stop()
        pub.stop()
    output = rec.output()
    assert "finalized none" in output and "not uploaded yet, kept in the spool" in output, output
    assert "python -m mosaico_ros_bridge.upload" in output
    server, _ = start_server(tmp_path / "store", port)
    try:
        upload = Proc(python("-m", "mosaico_ros_bridge.upload", str(tmp_path / "spool"), "--server", f"127.0.0.1:{port}"))
        assert upload.popen.wait(timeout=60) == 0, upload.output()
        lines = upload.output().splitlines()
        sequence = next(l for l in lines if l.startswith("uploading leftover")).split(" as sequence ")[1].split(" ")[0]
        with mb.MosaicoClient.connect("127.0.0.1", port) as client:
            assert numbers(client, sequence) == list(range(150))
    finally:
        stop_server(server)


def test_parts_split_while_offline_are_all_uploaded_when_the_server_appears(tmp_path: Path, ros_context: Any,
                                                                           dialect: str) -> None:
    port = free_port()
    rec = recorder(params(tmp_path, port, server={"timeout_s": 0.5}, sequence={"name": "off", "split": {"max_duration_s": 1.0}},
                          topics={"names": [TOPIC]}, writer=FAST, spool={"retry_max_s": 0.5}))
    watcher = StatusWatcher(ros_context)
    pub = stream(450)
    server = None
    try:
        rec.wait_for(lambda l: "recording into the spool" in l)
        rec.wait_for(lambda l: "sequence split: off_001 closing" in l)  # two parts closed while offline
        # Parts waiting for the server are directories, not open spools: only the current part's lock
        # is held (a robot offline all day queues a part a minute).
        wait_until(lambda: spool_locks_held(rec.popen.pid) == 1, 30, "the closed parts' spool locks released")
        server, _ = start_server(tmp_path / "store", port)
        pub.wait_for(lambda l: l == "published 450")
        stop_recording(rec, watcher, 450)
    finally:
        watcher.close()
        rec.stop()
        pub.stop()
    with mb.MosaicoClient.connect("127.0.0.1", port) as client:
        parts = sorted(client.list_sequences())
        # A part closed before the topic was even discovered holds nothing: a seed server keeps it as an
        # empty sequence, a session server gets none (an empty session is never finalized).
        first = 0 if dialect == "seed" or parts[0] == "off" else int(parts[0].split("_")[1])
        assert len(parts) >= 2 and parts == [part_name("off", i) for i in range(first, first + len(parts))], parts
        assert all(client.sequence_system_info(p)["is_locked"] for p in parts)
        stored = [n for p in parts if TOPIC in client.list_topics(p) and client.topic_system_info(p, TOPIC)["chunks_number"]
                  for n in numbers(client, p)]
    assert stored == list(range(450))
    assert not list((tmp_path / "spool").iterdir())
    assert server is not None
    stop_server(server)


def test_kept_spool_is_marked_uploaded_and_never_uploaded_twice(server: Any, tmp_path: Path, ros_context: Any) -> None:
    rec = recorder(params(tmp_path, server.port, topics={"names": [TOPIC]}, writer=FAST, spool={"keep": True}))
    watcher = StatusWatcher(ros_context)
    pub = stream(60)
    try:
        sequence = rec.wait_for(lambda l: "sequence created:" in l).split("sequence created: ")[1].split(" ")[0]
        pub.wait_for(lambda l: l == "published 60")
        stop_recording(rec, watcher, 60)
    finally:
        watcher.close()
        rec.stop()
        pub.stop()
    (kept,) = list((tmp_path / "spool").iterdir())
    manifest = load_manifest(kept)
    assert manifest.uploaded and manifest.sequence == sequence and [t.name for t in manifest.topics] == [TOPIC]
    assert sum(b.num_rows for b in read_complete(kept / manifest.topics[0].file)) == 60
    upload = Proc(python("-m", "mosaico_ros_bridge.upload", str(kept), "--server", f"127.0.0.1:{server.port}"))
    assert upload.popen.wait(timeout=60) == 0
    assert "already uploaded (kept by spool.keep)" in upload.output()
    with mb.MosaicoClient.connect("127.0.0.1", server.port) as client:
        assert client.list_sequences() == [sequence] and numbers(client, sequence) == list(range(60))
