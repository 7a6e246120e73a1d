"""The recorder end to end with real processes: local server, recorder subprocess, publisher
processes. Signals finalize; every message comes back field by field; late and latched topics;
exclusion; status; bad configuration and a refused sequence name."""
from __future__ import annotations

import json
import re
import signal
from pathlib import Path
from typing import Any

import pytest
from diagnostic_msgs.msg import DiagnosticArray
from rclpy.executors import SingleThreadedExecutor

import mosaico_ros_bridge as mb
from procs import Proc, python, wait_until
from samples import make_imu, make_tf
from test_adapters import check_imu, check_tf

COUNT = 40
SERVER_DIALECT = "seed"  # what params() configures; test_spool runs its tests with both dialects


def params(tmp_path: Path, port: int, **sections: Any) -> Path:
    # Queues deep enough for the tests' bursts on a busy machine: what the tests check is the path to
    # the server, and a reader history of 10 frames (the product default) lets DDS drop a 100 Hz stream
    # whenever the recorder's executor lags 0.1 s, which made them flaky under load.
    # The seed dialect unless a test says otherwise: these tests check seed-era rows, and a recorder that
    # starts while its server is down would otherwise settle on the session layout.
    body = {"server": {"port": port, "dialect": SERVER_DIALECT}, "sequence": {"name": "rec_{stamp}"},
            "topics": {"discovery_period_s": 0.2, "depth_large": 1000, "depth": 1000}, "status": {"period_s": 0.2},
            "spool": {"dir": str(tmp_path / "spool")}}
    for key, value in sections.items():
        body[key] = {**body.get(key, {}), **value}
    path = tmp_path / "record.yaml"
    path.write_text(json.dumps({"mosaico_recorder": {"ros__parameters": body}}))
    return path


def recorder(config: Path) -> Proc:
    return Proc(python("-m", "mosaico_ros_bridge", "--ros-args", "--params-file", str(config)))


def publisher(kind: str, topic: str, count: int = COUNT) -> Proc:
    proc = Proc(python("-m", "ros_publisher", kind, topic, "--count", str(count)))
    proc.wait_for(lambda line: line.startswith("published"))
    return proc


class StatusWatcher:
    """Subscribes to the recorder's ~/status and keeps the latest counters per topic."""

    def __init__(self, ros_context: Any) -> None:
        import rclpy

        self.node = rclpy.create_node("status_watcher", context=ros_context)
        self.executor = SingleThreadedExecutor(context=ros_context)
        self.executor.add_node(self.node)
        self.latest: dict[str, dict[str, str]] = {}
        self.node.create_subscription(DiagnosticArray, "/mosaico_recorder/status", self._on_status, 10)

    def _on_status(self, msg: DiagnosticArray) -> None:
        for status in msg.status:
            self.latest[status.name.split(": ", 1)[1]] = {kv.key: kv.value for kv in status.values}

    def wait_received(self, topic: str, count: int, timeout: float = 30) -> None:
        wait_until(lambda: int(self.latest.get(topic, {}).get("received", "0")) >= count, timeout,
                   f"recorder status to show {count} received on {topic}",
                   step=lambda: self.executor.spin_once(timeout_sec=0.05))

    def wait_value(self, topic: str, key: str, value: str, timeout: float = 30) -> None:
        wait_until(lambda: self.latest.get(topic, {}).get(key) == value, timeout,
                   f"recorder status {key}={value!r} on {topic}", step=lambda: self.executor.spin_once(timeout_sec=0.05))

    def close(self) -> None:
        self.executor.shutdown()
        self.node.destroy_node()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["SIGINT", "SIGTERM", "SIGHUP"])
def test_signal_finalizes_everything_field_by_field(server: Any, tmp_path: Path, ros_context: Any, sig: int) -> None:
    latched_before = publisher("imu", "/robot/imu")  # published before the recorder exists
    rec = recorder(params(tmp_path, server.port, topics={"names": ["/robot/imu", "/robot/tf"]}))
    watcher = StatusWatcher(ros_context)
    try:
        sequence = rec.wait_for(lambda l: "sequence created:" in l).rsplit(" ", 1)[1]
        rec.wait_for(lambda l: "topic added: /robot/imu" in l)
        late = publisher("tf", "/robot/tf")  # appears after the recorder started
        rec.wait_for(lambda l: "topic added: /robot/tf" in l)
        watcher.wait_received("/robot/imu", COUNT)
        watcher.wait_received("/robot/tf", COUNT)
        assert watcher.latest["/robot/imu"]["dropped"] == "0"
        rec.popen.send_signal(sig)
        assert rec.popen.wait(timeout=30) == 0, rec.output()
    finally:
        watcher.close()
        latched_before.stop()
        if "late" in locals():
            late.stop()
    output = rec.output()
    assert f"recording stopped: finalized {sequence}; 2 topic(s), {2 * COUNT} record(s)" in output
    with mb.MosaicoClient.connect("127.0.0.1", server.port) as client:
        assert client.sequence_system_info(sequence)["is_locked"] is True
        imu = client.read_topic_table(sequence, "/robot/imu")
        tf = client.read_topic_table(sequence, "/robot/tf")
        assert (imu.ontology_tag, tf.ontology_tag) == ("imu", "frame_transform")
        assert imu.user_metadata["ros:type"] == "sensor_msgs/msg/Imu"
        for i, row in enumerate(imu.table.to_pylist()):
            check_imu(row, make_imu(i))
        for i, row in enumerate(tf.table.to_pylist()):
            check_tf(row, make_tf(i))


def test_regex_selection_and_exclusion(server: Any, tmp_path: Path) -> None:
    kept = publisher("imu", "/sel/kept_imu", 5)
    hidden = publisher("imu", "/sel/secret_imu", 5)
    rec = recorder(params(tmp_path, server.port, topics={"regex": "^/sel/", "exclude_regex": "secret"}))
    try:
        sequence = rec.wait_for(lambda l: "sequence created:" in l).rsplit(" ", 1)[1]
        rec.wait_for(lambda l: "topic added: /sel/kept_imu" in l)
        rec.popen.send_signal(signal.SIGINT)
        assert rec.popen.wait(timeout=30) == 0
    finally:
        kept.stop()
        hidden.stop()
    assert "secret" not in rec.output()
    with mb.MosaicoClient.connect("127.0.0.1", server.port) as client:
        assert client.list_topics(sequence) == ["/sel/kept_imu"]


def test_unknown_config_key_is_refused(server: Any, tmp_path: Path) -> None:
    rec = recorder(params(tmp_path, server.port, sequence={"nmae": "typo"}, topics={"all": True}))
    assert rec.popen.wait(timeout=30) == 2
    assert "unknown key 'sequence.nmae': remove it or check its spelling" in rec.output()


def test_bad_value_is_refused(server: Any, tmp_path: Path) -> None:
    rec = recorder(params(tmp_path, server.port, sequence={"on_error": "explode"}, topics={"all": True}))
    assert rec.popen.wait(timeout=30) == 2
    assert "'sequence.on_error': Input should be 'delete' or 'report'" in rec.output()


def test_sequence_name_refused_by_the_server(server: Any, tmp_path: Path) -> None:
    with mb.MosaicoClient.connect("127.0.0.1", server.port) as client:
        with client.sequence_create("taken"):
            pass
    rec = recorder(params(tmp_path, server.port, sequence={"name": "taken"}, topics={"all": True}))
    assert rec.popen.wait(timeout=30) == 1
    assert "sequence 'taken' refused by" in rec.output() and "already exists" in rec.output()


def test_unreachable_server_is_named_when_starting_without_it_is_off(tmp_path: Path) -> None:
    rec = recorder(params(tmp_path, 9, server={"timeout_s": 0.5}, topics={"all": True},
                          spool={"start_without_server": False}))
    assert rec.popen.wait(timeout=30) == 1
    assert "cannot reach a Mosaico server at 127.0.0.1:9" in rec.output()


def test_without_spool_a_dying_server_is_fatal_and_reported(tmp_path: Path) -> None:
    """spool.enabled false: the server is killed while a topic streams; the recorder applies on_error
    and exits 1 naming the failure."""
    server = Proc(python("-m", "mosaico_ros_bridge.server", "--dialect", "seed", "--port", "0", "--store", str(tmp_path / "store")))
    port = int(server.wait_for(lambda l: "listening on" in l).rsplit(":", 1)[1].split(" ")[0])
    rec = recorder(params(tmp_path, port, topics={"names": ["/dying/imu"]}, writer={"max_batch_size_records": 10,
                                                                                  "flush_period_s": 0.1},
                          spool={"enabled": False}))
    pub = Proc(python("-m", "bench.publisher", "imu", "/dying/imu", "--rate", "200", "--duration", "30"),
               cwd=Path(__file__).resolve().parent.parent)
    try:
        rec.wait_for(lambda l: "topic added: /dying/imu" in l)
        server.wait_for(lambda l: "sequence created" in l)
        server.popen.kill()
        assert rec.popen.wait(timeout=30) == 1
    finally:
        pub.popen.terminate()
        pub.stop()
        server.stop()
    output = rec.output()
    assert re.search(r"upload of topic '[^']*/dying/imu'", output) or "was not stored" in output, output
    assert "on_error=report" in output
    assert re.search(r"\d+ record\(s\) sent, how many the server stored is unknown", output), output  # it is gone


def test_topic_with_several_types_is_reported_and_skipped(server: Any, tmp_path: Path, ros_context: Any) -> None:
    as_imu = publisher("imu", "/mixed/topic", 3)
    as_tf = publisher("tf", "/mixed/topic", 3)
    clean = publisher("imu", "/mixed/clean", 3)
    rec = recorder(params(tmp_path, server.port, topics={"regex": "^/mixed/"}))
    watcher = StatusWatcher(ros_context)
    try:
        sequence = rec.wait_for(lambda l: "sequence created:" in l).rsplit(" ", 1)[1]
        # Seen with both types at once it is skipped; seen first with one type, it keeps that one.
        wanted = ("topic /mixed/topic has several types", "topic added: /mixed/clean")
        rec.wait_for(lambda _: all(any(w in line for line in rec.lines) for w in wanted))  # in either order
        warning = next(line for line in rec.lines if wanted[0] in line)
        watcher.wait_received("/mixed/clean", 3)
        if "recording only" in warning:  # the kept type's latched messages must be in before the stop
            watcher.wait_received("/mixed/topic", 3)
        rec.popen.send_signal(signal.SIGINT)
        assert rec.popen.wait(timeout=30) == 0
    finally:
        watcher.close()
        rec.stop()
        for proc in (as_imu, as_tf, clean):
            proc.stop()
    with mb.MosaicoClient.connect("127.0.0.1", server.port) as client:
        topics = client.list_topics(sequence)
        if "not recorded" in warning:
            assert topics == ["/mixed/clean"]
        else:
            assert topics == ["/mixed/clean", "/mixed/topic"] and "recording only" in warning
            kept = client.read_topic_table(sequence, "/mixed/topic")
            assert kept.ontology_tag in ("imu", "frame_transform") and kept.table.num_rows == 3
