"""The recorder against a session-dialect server, with real processes: live IMU, camera frames, TF,
latched /tf_static and a fallback type are recorded with the same configuration as for the seed
dialect, and the official SDK 0.7.0 reads every record back, compared field by field with what was
published. A spool recorded offline goes to the server in its own dialect; an API key in the
parameters file is refused."""
from __future__ import annotations

import math
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from procs import Proc, python
from samples import make_gadget, make_image, make_imu, make_joy, make_kv, make_tf
from sdk_samples import ml, session_server
from test_recorder import COUNT, StatusWatcher, params, publisher, recorder
from test_spool import free_port

TOPICS = ["/robot/imu", "/robot/cam", "/tf", "/tf_static", "/robot/joy", "/robot/kv", "/robot/gadget"]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Any]:
    yield from session_server(tmp_path)


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def read_all(port: int, sequence: str, topic: str) -> list[Any]:
    sdk = ml.MosaicoClient.connect("127.0.0.1", port)
    try:
        return list(sdk.topic_handler(sequence, topic).get_data_streamer())
    finally:
        sdk.close()


def check_imu(data: Any, msg: Any) -> None:
    assert type(data).__name__ == "IMU"
    assert (data.header.timestamp.seconds, data.header.timestamp.nanoseconds, data.header.frame_id) == (
        msg.header.stamp.sec, msg.header.stamp.nanosec, msg.header.frame_id)
    a, w, q = msg.linear_acceleration, msg.angular_velocity, msg.orientation
    assert (data.acceleration.x, data.acceleration.y, data.acceleration.z) == (a.x, a.y, a.z)
    assert all(same(x, y) for x, y in zip((data.angular_velocity.x, data.angular_velocity.y, data.angular_velocity.z),
                                          (w.x, w.y, w.z)))
    assert (data.orientation.x, data.orientation.y, data.orientation.z, data.orientation.w) == (q.x, q.y, q.z, q.w)
    assert data.acceleration.covariance == list(msg.linear_acceleration_covariance)


def check_tf(data: Any, msg: Any) -> None:
    assert type(data).__name__ == "FrameTransform" and len(data.transforms) == len(msg.transforms)
    for got, want in zip(data.transforms, msg.transforms):
        assert got.target_frame_id == want.child_frame_id and got.header.frame_id == want.header.frame_id
        t = want.transform.translation
        assert (got.translation.x, got.translation.y, got.translation.z) == (t.x, t.y, t.z)
        assert got.rotation.w == want.transform.rotation.w


def check_image(data: Any, msg: Any) -> None:
    assert type(data).__name__ == "Image"
    assert (data.width, data.height, data.stride, data.encoding, data.format.value if hasattr(data.format, "value")
            else data.format) == (msg.width, msg.height, msg.step, msg.encoding, "raw")
    assert bytes(data.data) == bytes(msg.data) and data.header.frame_id == msg.header.frame_id


def test_live_topics_land_in_the_session_dialect(server: Any, tmp_path: Path, ros_context: Any) -> None:
    static = publisher("tf", "/tf_static", 1)  # latched before the recorder exists
    pubs = [static]
    rec = recorder(params(tmp_path, server.port, server={"dialect": "auto"}, topics={"names": TOPICS}))
    watcher = StatusWatcher(ros_context)
    try:
        sequence = rec.wait_for(lambda l: "sequence created:" in l).rsplit(" ", 1)[1]
        for kind, topic in (("imu", "/robot/imu"), ("image", "/robot/cam"), ("tf", "/tf"), ("joy", "/robot/joy"),
                            ("kv", "/robot/kv"), ("gadget", "/robot/gadget")):
            pubs.append(publisher(kind, topic))
        for topic in TOPICS:
            watcher.wait_received(topic, 1 if topic == "/tf_static" else COUNT)
        rec.popen.send_signal(signal.SIGINT)
        assert rec.popen.wait(timeout=60) == 0, rec.output()
    finally:
        watcher.close()
        for pub in pubs:
            pub.stop()
        rec.stop()
    output = rec.output()
    assert f"server 127.0.0.1:{server.port}: mosaicod 0.7.0 (session dialect)" in output
    assert f"finalized {sequence}; 7 topic(s), {6 * COUNT + 1} record(s)" in output
    for topic, check, make, count in (("/robot/imu", check_imu, make_imu, COUNT), ("/robot/cam", check_image, make_image, COUNT),
                                      ("/tf", check_tf, make_tf, COUNT), ("/tf_static", check_tf, make_tf, 1)):
        messages = read_all(server.port, sequence, topic)
        assert len(messages) == count, topic
        for i, message in enumerate(messages):
            check(message.data, make(i))
    joy = read_all(server.port, sequence, "/robot/joy")  # a type only the 0.7 ontology models
    assert [type(m.data).__name__ for m in joy] == ["Joy"] * COUNT
    assert [(m.data.axes, m.data.buttons) for m in joy] == [(list(make_joy(i).axes), list(make_joy(i).buttons))
                                                          for i in range(COUNT)]
    kv = read_all(server.port, sequence, "/robot/kv")  # the fallback: the SDK reads it without our classes
    assert len(kv) == COUNT
    for i, message in enumerate(kv):
        row = message.data.model_dump() if hasattr(message.data, "model_dump") else dict(message.data)
        row = row.get("raw_data", row)
        assert (row["key"], row["value"]) == (make_kv(i).key, make_kv(i).value)
    gadgets = read_all(server.port, sequence, "/robot/gadget")  # a custom package's type, unmodeled
    assert len(gadgets) == COUNT
    for i, message in enumerate(gadgets):
        row = message.data.model_dump().get("raw_data", message.data.model_dump())
        want = make_gadget(i)
        assert (row["label"], row["counter"], row["level"], row["blob"], row["offsets"]) == (
            want.label, want.counter, want.level[0], list(want.blob), list(want.offsets))
        assert [(p["key"], p["value"]) for p in row["pairs"]] == [(p.key, p.value) for p in want.pairs]
    sdk = ml.MosaicoClient.connect("127.0.0.1", server.port)
    try:
        handler = sdk.sequence_handler(sequence)
        assert sorted(handler.topics) == sorted(TOPICS) and handler.sessions[0].locked
        from rosbags.typesys import Stores, get_typestore
        ros = sdk.topic_handler(sequence, "/robot/imu").user_metadata["_ros_"]  # as the official injector writes it
        official_msgdef, _ = get_typestore(Stores.ROS2_JAZZY).generate_msgdef("sensor_msgs/msg/Imu", ros_version=2)
        assert ros == {"msgtype": "sensor_msgs/msg/Imu", "enums": {}, "msgdef": official_msgdef}
        gadget = sdk.topic_handler(sequence, "/robot/gadget")
        assert gadget.ontology_tag == "Gadget"
        assert gadget.user_metadata["_ros_"]["enums"] == {"MODE_IDLE": 0, "MODE_RUN": 1}
    finally:
        sdk.close()


def test_a_spool_recorded_offline_is_uploaded_in_its_dialect(tmp_path: Path, ros_context: Any) -> None:
    """server.dialect: session, server down at start: the spool says so; the upload command sends it
    to a session server and refuses a seed one."""
    port = free_port()
    pub = publisher("imu", "/off/imu", 5)
    rec = recorder(params(tmp_path, port, server={"dialect": "session"}, topics={"names": ["/off/imu"]},
                          spool={"stop_timeout_s": 0.5}))
    watcher = StatusWatcher(ros_context)
    try:
        rec.wait_for(lambda l: "recording into the spool" in l)
        watcher.wait_value("/off/imu", "written", "5")
        rec.popen.send_signal(signal.SIGINT)
        assert rec.popen.wait(timeout=60) != 0
    finally:
        watcher.close()
        pub.stop()
        rec.stop()
    from mosaico_ros_bridge.server.flight import LocalServer
    spool = tmp_path / "spool"
    with LocalServer(tmp_path / "seed_store", dialect="seed") as seed:
        result = subprocess.run([sys.executable, "-m", "mosaico_ros_bridge.upload", str(spool), "--server",
                                 f"127.0.0.1:{seed.port}"], capture_output=True, text=True, timeout=120)
        assert result.returncode == 1 and "speaks the seed dialect" in result.stderr + result.stdout
    for server in session_server(tmp_path):
        result = subprocess.run([sys.executable, "-m", "mosaico_ros_bridge.upload", str(spool), "--server",
                                 f"127.0.0.1:{server.port}"], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "(session dialect)" in result.stdout
        sdk = ml.MosaicoClient.connect("127.0.0.1", server.port)
        try:
            sequences = sdk.list_sequences()
            assert len(sequences) == 1, result.stdout
            sequence = sequences[0]
            messages = list(sdk.topic_handler(sequence, "/off/imu").get_data_streamer())
        finally:
            sdk.close()
        assert len(messages) == 5
        for i, message in enumerate(messages):
            check_imu(message.data, make_imu(i))


def test_an_api_key_in_the_parameters_file_is_refused(tmp_path: Path) -> None:
    config = params(tmp_path, 6726, server={"api_key": "msco_secret"}, topics={"names": ["/x"]})
    rec = Proc(python("-m", "mosaico_ros_bridge", "--ros-args", "--params-file", str(config)))
    assert rec.popen.wait(timeout=60) != 0
    output = rec.output()
    assert "an API key never goes in the parameters file" in output and "MOSAICO_API_KEY" in output
    assert "msco_secret" not in output


@pytest.mark.parametrize("permissions, source, expected", [
    (None, "env", "Missing API key in request header"),
    ("read", "file", "needs the 'write' permission"),
])
def test_a_refused_api_key_stops_the_recorder_before_anything_is_written(
        tmp_path: Path, permissions: str | None, source: str, expected: str) -> None:
    from mosaico_ros_bridge.server.session.auth import KeyRing
    from mosaico_ros_bridge.session_protocol import Permission
    key = KeyRing(tmp_path / "store").create([Permission(p) for p in permissions.split(",")]) if permissions else ""
    server_section: dict[str, Any] = {"dialect": "auto"}
    env = {"MOSAICO_API_KEY": ""}
    if source == "file":
        (tmp_path / "key").write_text(key + "\n")
        server_section["api_key_file"] = str(tmp_path / "key")
    for server in session_server(tmp_path, api_keys=True):
        config = params(tmp_path, server.port, server=server_section, topics={"names": ["/k/imu"]})
        rec = Proc(python("-m", "mosaico_ros_bridge", "--ros-args", "--params-file", str(config)), env=env)
        assert rec.popen.wait(timeout=60) != 0
        output = rec.output()
        assert expected in output, output
        where = f"server.api_key_file {tmp_path / 'key'}" if source == "file" else "$MOSAICO_API_KEY"
        assert where in output, output
        assert not key or key not in output
        with ml.MosaicoClient.connect("127.0.0.1", server.port, api_key=KeyRing(tmp_path / "store").create(
                [Permission.READ])) as sdk:
            assert sdk.list_sequences() == []
