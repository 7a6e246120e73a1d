"""Issue #21.7: messages lost before the recorder are counted, shown and stored. A publisher process
bursts numbered messages into a subscription with a history of one, so DDS overwrites what the
recorder has not taken yet; the recorder counts the gaps in the publisher's sequence numbers exactly
(stored + counted lost = published) on ~/status and in its summary, and stores the count with the
sequence as a topic notification — live in both dialects, and from the spool by the upload command."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest

import mosaico_ros_bridge as mb
from mosaico_ros_bridge.dds_loss import PublicationGaps
from mosaico_ros_bridge.recording.losses import LOSS_PREFIX
from procs import Proc, python, wait_until
from test_recorder import StatusWatcher, params, recorder
from test_spool import free_port

TOPIC = "/loss/imu"
COUNT = 5000


def test_gaps_are_counted_per_publisher_stream() -> None:
    gaps = PublicationGaps()
    one = lambda: 1  # noqa: E731
    assert [gaps.observe(n, one) for n in (7, 8, 9, 12, 13, 20)] == [0, 0, 0, 2, 0, 6]  # 7: a stream starts
    assert gaps.lost == 8
    two = lambda: 2  # noqa: E731
    several = PublicationGaps()
    counted = [several.observe(n, two) for n in (500, 1, 501, 2, 505, 3, 4, 9)]
    assert counted == [0, 0, 0, 0, 3, 0, 0, 4] and several.lost == 7  # two publishers, told apart
    restarted = PublicationGaps()
    assert [restarted.observe(n, one) for n in (40, 41, 1, 2, 3)] == [0, 0, 0, 0, 0]  # starts again at 1
    assert restarted.observe(None, one) == 0 and restarted.observe(0, one) == 0  # an rmw that does not number
    assert restarted.lost == 0


@contextmanager
def running_server(tmp_path: Path, dialect: str) -> Iterator[Any]:
    if dialect == "session":
        from sdk_samples import session_server
        for server in session_server(tmp_path):
            yield server
        return
    from mosaico_ros_bridge.server.flight import LocalServer
    with LocalServer(tmp_path / "seed_store", dialect="seed") as server:
        yield server


def burst(rec: Proc, watcher: StatusWatcher) -> Proc:
    """The publisher: message 0, then (once the recorder has it) the other COUNT-1 as fast as it can."""
    pub = Proc(python("-m", "stream_publisher", TOPIC, "--count", str(COUNT), "--rate", "0", "--hold-after-first"))
    pub.wait_for(lambda line: line == "first published", timeout=60)
    watcher.wait_received(TOPIC, 1, timeout=60)
    assert pub.popen.stdin is not None
    pub.popen.stdin.write("go\n")
    pub.popen.stdin.flush()
    pub.wait_for(lambda line: line.startswith("published"), timeout=120)

    def accounted() -> bool:
        status = watcher.latest.get(TOPIC, {})
        return int(status.get("received", 0)) + int(status.get("lost", 0)) >= COUNT
    wait_until(accounted, 60, f"received + lost to reach {COUNT} on {TOPIC}",
               step=lambda: watcher.executor.spin_once(timeout_sec=0.05))
    return pub


def tiny_history(tmp_path: Path, port: int, dialect: str, **sections: Any) -> Path:
    return params(tmp_path, port, server={"dialect": dialect}, topics={"names": [TOPIC]},
                  topic_options={"tiny": {"topic": TOPIC, "depth": 1}}, **sections)


@pytest.mark.parametrize("dialect", ["seed", "session"])
def test_messages_lost_in_dds_are_counted_exactly_and_stored_with_the_sequence(
        tmp_path: Path, ros_context: Any, dialect: str) -> None:
    with running_server(tmp_path, dialect) as server:
        rec = recorder(tiny_history(tmp_path, server.port, dialect))
        watcher = StatusWatcher(ros_context)
        pub = None
        try:
            sequence = rec.wait_for(lambda l: "sequence created:" in l).rsplit(" ", 1)[1]
            pub = burst(rec, watcher)
            status = dict(watcher.latest[TOPIC])
            rec.popen.send_signal(signal.SIGINT)
            assert rec.popen.wait(timeout=60) == 0, rec.output()
        finally:
            watcher.close()
            if pub is not None:
                pub.stop()
            rec.stop()
        received, lost = int(status["received"]), int(status["lost"])
        assert lost > 0, "a history of one under a burst lost nothing: the test provoked no loss"
        assert received + lost == COUNT
        assert f"of {received} received, {lost} lost before the recorder" in rec.output()
        with mb.MosaicoClient.connect("127.0.0.1", server.port) as client:
            headers = client.read_topic_table(sequence, TOPIC).table.column("header").combine_chunks()
            numbers = [int(frame) for frame in headers.field("frame_id").to_pylist()]
            notes = [n.msg for n in client.topic_notifications(sequence, TOPIC)]
        assert len(numbers) == received and numbers[0] == 0 and numbers[-1] == COUNT - 1
        assert numbers == sorted(set(numbers))  # each stored once, in order
        assert len(notes) == 1 and notes[0].startswith(LOSS_PREFIX) and f" {lost} message(s) published on {TOPIC}" in notes[0]


def test_losses_counted_while_offline_reach_the_server_with_the_spool(tmp_path: Path, ros_context: Any) -> None:
    port = free_port()
    rec = recorder(tiny_history(tmp_path, port, "session", spool={"stop_timeout_s": 0.5}))
    watcher = StatusWatcher(ros_context)
    pub = None
    try:
        rec.wait_for(lambda l: "recording into the spool" in l)
        pub = burst(rec, watcher)
        status = dict(watcher.latest[TOPIC])
        rec.popen.send_signal(signal.SIGINT)
        assert rec.popen.wait(timeout=60) != 0  # the data stays in the spool
    finally:
        watcher.close()
        if pub is not None:
            pub.stop()
        rec.stop()
    lost = int(status["lost"])
    assert lost > 0 and int(status["received"]) + lost == COUNT
    (manifest,) = (tmp_path / "spool").glob("*/sequence.json")
    assert [t["lost"] for t in json.loads(manifest.read_text())["topics"]] == [lost]
    with running_server(tmp_path, "session") as server:
        result = subprocess.run([sys.executable, "-m", "mosaico_ros_bridge.upload", str(manifest.parent), "--server",
                                 f"127.0.0.1:{server.port}"], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        with mb.MosaicoClient.connect("127.0.0.1", server.port) as client:
            (sequence,) = client.list_sequences()
            notes = [n.msg for n in client.topic_notifications(sequence, TOPIC)]
    assert len(notes) == 1 and f"{LOSS_PREFIX} {lost} message(s)" in notes[0]
