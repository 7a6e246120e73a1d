"""Bad input (issue #9): each refused with a message naming the topic/sequence/key and what to do,
and nothing already accepted lost. Real recorder processes and the local server; the too-large
record goes through the recorder's Recording in-process (a 51 MiB ROS message is not worth DDS)."""
from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import mosaico_ros_bridge as mb
from mosaico_ros_bridge.config import load_config
from mosaico_ros_bridge.recording import Recording, TopicSpec
from mosaico_ros_bridge.topic_description import TopicDescription
from mosaico_ros_bridge.writers import MessageEncoder
from procs import Proc, python
from test_recorder import COUNT, StatusWatcher, params, publisher, recorder
from test_spool import free_port, numbers, start_server, stop_server, stream


def test_sequence_name_the_server_would_reject_is_refused_before_anything(server: Any, tmp_path: Path) -> None:
    rec = recorder(params(tmp_path, server.port, sequence={"name": "run/{stamp}"}, topics={"all": True}))
    assert rec.popen.wait(timeout=30) == 2
    assert "'sequence.name': sequence name 'run/" in rec.output() and "use '_' or '-' instead" in rec.output()
    assert not (tmp_path / "spool").exists()


def test_unknown_type_with_fallback_off_stops_and_keeps_what_was_recorded(server: Any, tmp_path: Path,
                                                                         ros_context: Any) -> None:
    imu = publisher("imu", "/bad/imu")
    rec = recorder(params(tmp_path, server.port, topics={"names": ["/bad/imu", "/bad/joy"], "unknown_types": "error"}))
    watcher = StatusWatcher(ros_context)
    joy = None
    try:
        sequence = rec.wait_for(lambda l: "sequence created:" in l).rsplit(" ", 1)[1]
        watcher.wait_received("/bad/imu", COUNT)
        joy = publisher("joy", "/bad/joy")
        assert rec.popen.wait(timeout=30) == 1, rec.output()
    finally:
        watcher.close()
        rec.stop()
        imu.stop()
        if joy:
            joy.stop()
    output = rec.output()
    assert "sensor_msgs/msg/Joy" in output and "/bad/joy" in output and "unknown_types" in output, output
    assert f"finalized {sequence};" in output
    with mb.MosaicoClient.connect("127.0.0.1", server.port) as client:
        assert client.list_topics(sequence) == ["/bad/imu"]
        assert client.topic_span(sequence, "/bad/imu").records == COUNT


def test_messages_that_cannot_be_converted_are_counted_reported_once_and_skipped(
        server: Any, tmp_path: Path, ros_context: Any) -> None:
    rec = recorder(params(tmp_path, server.port, topics={"names": ["/bad/compressed"]},
                          writer={"max_batch_size_records": 7, "flush_period_s": 0.1}))
    watcher = StatusWatcher(ros_context)
    # 50 Hz: three pending batches of 7 are 0.4 s of slack for the topic executor on a loaded machine
    pub = stream(100, 50.0, "/bad/compressed", "--bad-every", "5")
    try:
        sequence = rec.wait_for(lambda l: "sequence created:" in l).rsplit(" ", 1)[1]
        pub.wait_for(lambda l: l == "published 100")
        watcher.wait_received("/bad/compressed", 100)
        rec.popen.send_signal(signal.SIGINT)
        assert rec.popen.wait(timeout=30) == 0, rec.output()
    finally:
        watcher.close()
        rec.stop()
        pub.stop()
    output = rec.output()
    assert output.count("could not be converted") == 1, output
    assert "topic '/bad/compressed' of sequence" in output and "'mystery-codec' names none of" in output
    assert "0 dropped and 20 rejected of 100 received" in output
    with mb.MosaicoClient.connect("127.0.0.1", server.port) as client:
        assert numbers(client, sequence, "/bad/compressed") == [i for i in range(100) if i % 5 != 4]


@dataclass
class ListLog:
    lines: list[tuple[str, str]] = field(default_factory=list)

    def info(self, message: str) -> None:
        self.lines.append(("info", message))

    def warning(self, message: str) -> None:
        self.lines.append(("warning", message))

    def error(self, message: str) -> None:
        self.lines.append(("error", message))


def test_record_too_large_for_one_batch_is_rejected_and_the_rest_kept(server: Any, tmp_path: Path) -> None:
    config = load_config({"server.port": server.port, "topics.all": True, "sequence.name": "big",
                          "spool.dir": str(tmp_path / "spool")})
    log, fatal = ListLog(), []
    recording = Recording(config, log, fatal.append)
    recording.start()
    topic = TopicDescription("/cam", mb.CompressedImage.ontology_tag(), "image",
                             MessageEncoder(mb.CompressedImage).schema)
    writer = recording.add_topic(TopicSpec(topic, lambda: MessageEncoder(mb.CompressedImage)))
    for i, size in enumerate([10, 51 * 2**20, 20]):
        message = mb.Message(timestamp_ns=i + 1, data=mb.CompressedImage(data=bytes([i]) * size, format="png"))
        assert writer.push_item(message, size)
    report = recording.stop(None)
    assert report.finalized == ["big"] and not report.kept and not fatal
    errors = [text for level, text in log.lines if level == "error"]
    assert len(errors) == 1 and "topic '/cam' of sequence 'big': a record of" in errors[0]
    assert "over the server's 50 MiB message limit" in errors[0] and "recording goes on" in errors[0]
    assert writer.stats.rejected == 1
    with mb.MosaicoClient.connect("127.0.0.1", server.port) as client:
        stored = client.read_topic("big", "/cam")
    assert [(m.timestamp_ns, m.data.data) for m in stored] == [(1, bytes([0]) * 10), (3, bytes([2]) * 20)]


def _can_mount_tmpfs(where: Path) -> str:
    if shutil.which("unshare") is None:
        return "unshare (util-linux) is not installed"
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                            f"mount -t tmpfs -o size=64k tmpfs '{where}'"], capture_output=True, text=True)
    return "" if probe.returncode == 0 else f"cannot mount a tmpfs in a user namespace here: {probe.stderr.strip()}"


def test_spool_disk_full_goes_on_to_the_server_and_loses_nothing(server: Any, tmp_path: Path,
                                                                 ros_context: Any) -> None:
    """The spool lives on a 192 KiB tmpfs (in the recorder's own mount namespace): it fills up."""
    spool = tmp_path / "spool"
    spool.mkdir()
    reason = _can_mount_tmpfs(spool)
    if reason:
        pytest.skip(reason)
    config = params(tmp_path, server.port, topics={"names": ["/full/imu"]}, writer={"max_batch_size_records": 50})
    mount = f"mount -t tmpfs -o size=192k tmpfs '{spool}' && exec \"$0\" \"$@\""
    rec = Proc(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", mount,
                *python("-m", "mosaico_ros_bridge", "--ros-args", "--params-file", str(config))])
    watcher = StatusWatcher(ros_context)
    pub = stream(2000, 1000.0, "/full/imu")
    try:
        sequence = rec.wait_for(lambda l: "sequence created:" in l).rsplit(" ", 1)[1]
        pub.wait_for(lambda l: l == "published 2000")
        watcher.wait_received("/full/imu", 2000)
        rec.popen.send_signal(signal.SIGINT)
        assert rec.popen.wait(timeout=30) == 0, rec.output()
    finally:
        watcher.close()
        rec.stop()
        pub.stop()
    output = rec.output()
    assert output.count("the spool cannot be written") == 1, output
    assert "No space left on device" in output and "free space on the spool disk (spool.dir)" in output
    with mb.MosaicoClient.connect("127.0.0.1", server.port) as client:
        assert numbers(client, sequence, "/full/imu") == list(range(2000))
    assert sys.executable


def test_topic_name_the_server_cannot_serve_is_skipped_and_named(server: Any, tmp_path: Path) -> None:
    hidden = publisher("imu", "/_hidden/imu", 3)
    fine = publisher("imu", "/shown/imu", 3)
    rec = recorder(params(tmp_path, server.port, topics={"names": ["/_hidden/imu", "/shown/imu"]}))
    try:
        sequence = rec.wait_for(lambda l: "sequence created:" in l).rsplit(" ", 1)[1]
        wanted = ("topic name '/_hidden/imu' must start with a letter or digit", "topic added: /shown/imu")
        rec.wait_for(lambda _: all(any(w in line for line in rec.lines) for w in wanted))  # in either order
        assert "topic not recorded" in next(line for line in rec.lines if wanted[0] in line)
        rec.popen.send_signal(signal.SIGINT)
        assert rec.popen.wait(timeout=30) == 0, rec.output()
    finally:
        rec.stop()
        hidden.stop()
        fine.stop()
    with mb.MosaicoClient.connect("127.0.0.1", server.port) as client:
        assert client.list_topics(sequence) == ["/shown/imu"]


def test_spool_disk_full_while_the_server_is_down_stops_and_keeps_what_was_spooled(tmp_path: Path) -> None:
    """No server and a full spool: nothing can keep new data, so the recorder stops naming both; what
    was spooled before uploads completely (the upload runs in the recorder's mount namespace)."""
    spool = tmp_path / "spool"
    spool.mkdir()
    reason = _can_mount_tmpfs(spool)
    if reason:
        pytest.skip(reason)
    port = free_port()
    config = params(tmp_path, port, server={"timeout_s": 0.5}, topics={"names": ["/full/imu"]},
                    writer={"max_batch_size_records": 50}, spool={"stop_timeout_s": 0.0})
    script = (f"mount -t tmpfs -o size=192k tmpfs '{spool}' && \"$0\" \"$@\"; echo \"recorder exit $?\"; read go; "
              f"\"$0\" -m mosaico_ros_bridge.upload '{spool}' --server 127.0.0.1:{port}; echo \"upload exit $?\"")
    both = Proc(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script,
                 *python("-m", "mosaico_ros_bridge", "--ros-args", "--params-file", str(config))])
    pub = stream(3000, 1000.0, "/full/imu")
    server = None
    try:
        both.wait_for(lambda l: "the spool cannot be written" in l and "the server is not reachable" in l)
        both.wait_for(lambda l: l == "recorder exit 1")
        server, _ = start_server(tmp_path / "store", port)
        assert both.popen.stdin is not None
        both.popen.stdin.write("go\n")
        both.popen.stdin.flush()
        both.wait_for(lambda l: l == "upload exit 0")
    finally:
        both.stop()
        pub.stop()
    output = both.output()
    assert "No space left on device" in output and "free space on the spool disk (spool.dir)" in output, output
    summary = re.search(r"(\d+) record\(s\), .* (\d+) dropped and 0 rejected of (\d+) received", output)
    assert summary is not None, output
    written, dropped, received = map(int, summary.groups())
    assert dropped > 0 and written + dropped == received  # the batch the full disk refused is counted
    sequence = next(l for l in both.lines if "uploading leftover" in l).split(" as sequence ")[1].split(" ")[0]
    with mb.MosaicoClient.connect("127.0.0.1", port) as client:
        stored = numbers(client, sequence, "/full/imu")
    assert len(stored) == written and stored == list(range(written))
    assert server is not None
    stop_server(server)
