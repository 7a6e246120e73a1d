"""The seed writing API against the local server: every type written and read back (typed reader and
raw pyarrow.flight), error policies, batch limits, back-pressure, parallel topics, bad input."""
from __future__ import annotations

import json
import threading
from typing import Any

import pyarrow as pa
import pyarrow.flight as fl
import pytest

import mosaico_ros_bridge as mb
from flightraw import Raw
from linkproxy import Link
from mosaico_ros_bridge.errors import AlreadyExists, ConnectionFailed, InvalidName, WriterError
from ontology_doc import CATALOGUE, expected_schema
from ontology_samples import SAMPLES

ROWS = 4


def as_text(value: Any) -> str:
    """Canonical text of a row (NaN-safe, exact floats) for field-by-field equality."""
    def plain(v: Any) -> Any:
        if isinstance(v, bytes):
            return v.hex()
        return v.item() if hasattr(v, "item") else repr(v)

    return json.dumps(value, default=plain, sort_keys=True)


@pytest.fixture
def client(server: Any):  # type: ignore[no-untyped-def]
    with mb.MosaicoClient.connect("127.0.0.1", server.port) as connected:
        yield connected


@pytest.mark.parametrize("class_name", sorted(CATALOGUE))
def test_every_type_round_trips(client: mb.MosaicoClient, server: Any, class_name: str) -> None:
    data_type = getattr(mb, class_name)
    written = [mb.Message(timestamp_ns=1_700_000_000_000_000_000 + i, data=SAMPLES[class_name](i),
                          message_header=mb.Header(stamp=mb.Time(sec=i, nanosec=0), frame_id="env") if i % 2 else None)
               for i in range(ROWS)]
    with client.sequence_create("types", {"class": class_name}) as seq:
        writer = seq.topic_create("data/value", {"k": "v"}, data_type)
        for message in reversed(written):  # the server returns them sorted by timestamp
            writer.push(message)
    # the typed reader gives back equal Messages
    back = client.read_topic("types", "/data/value")
    assert [as_text(m.to_row()) for m in back] == [as_text(m.to_row()) for m in written]
    assert all(type(m.data) is data_type for m in back)
    # a bare pyarrow.flight reader sees the documented schema, tag and rows
    raw = Raw(server.location)
    info = raw.client.get_flight_info(fl.FlightDescriptor.for_path("types/data/value"))
    assert info.schema.remove_metadata() == expected_schema(class_name)
    properties = json.loads(info.schema.metadata[b"mosaico:properties"])
    assert properties == {"serialization_format": CATALOGUE[class_name][1], "ontology_tag": CATALOGUE[class_name][0]}
    rows = raw.read("types/data/value").to_pylist()
    assert [as_text(r) for r in rows] == [as_text(m.to_row()) for m in written]


def test_seed_example_runs_unchanged(server: Any) -> None:
    from mosaico_ros_bridge import GPS, IMU, Message, MosaicoClient, OnErrorPolicy, Vector3d

    with MosaicoClient.connect("localhost", server.port) as client:
        with client.sequence_create(
            sequence_name="mission_log_042",
            metadata={"driver": {"driver_id": "drv_sim_017", "role": "validation"},
                      "location": {"city": "Milan", "gps": {"lat": 45.46481, "lon": 9.19201}}},
            on_error=OnErrorPolicy.Delete,
        ) as seq_writer:
            imu_writer = seq_writer.topic_create(
                topic_name="sensors/imu",
                metadata={"vendor": "inertix-dynamics", "model": "ixd-f100", "calibrated": "false"},
                ontology_type=IMU,
            )
            gps_writer = seq_writer.topic_create(
                topic_name="sensors/gps",
                metadata={"role": "primary_gps", "interface": {"type": "UART", "baudrate": 115200}},
                ontology_type=GPS,
            )
            imu_writer.push(message=Message(timestamp_ns=1700000000000,
                                            data=IMU(acceleration=Vector3d(x=0, y=0, z=9.81),
                                                     angular_velocity=Vector3d.from_list([0.0, 0.1, 0.2]))))
            gps_msg = Message(timestamp_ns=1700000000100, data=GPS(position=Vector3d(x=45.4, y=9.1, z=120.0)))
            gps_writer.push(message=gps_msg)
            assert seq_writer.get_topic_writer("sensors/imu") is imu_writer
            assert seq_writer.topic_writer_exists("/sensors/gps") and imu_writer.is_active()
            assert seq_writer.list_topic_writers() == ["sensors/imu", "sensors/gps"]
        assert seq_writer.sequence_status == mb.SequenceStatus.Finalized
        assert client.list_topics("mission_log_042") == ["/sensors/gps", "/sensors/imu"]
        assert client.sequence_metadata("mission_log_042")["location"]["gps"]["lat"] == 45.46481
        assert client.read_topic("mission_log_042", "sensors/imu")[0].data.angular_velocity.z == 0.2
        assert client.query(topic={"user_metadata": {"interface.type": {"$eq": "UART"}}}) == [
            {"sequence": "mission_log_042", "topics": ["mission_log_042/sensors/gps"]}]


def _imu(i: int) -> mb.Message:
    return mb.Message(timestamp_ns=i, data=mb.IMU(acceleration=mb.Vector3d(x=i, y=0, z=0),
                                                  angular_velocity=mb.Vector3d(x=0, y=0, z=0)))


def test_delete_policy_leaves_nothing(client: mb.MosaicoClient, server: Any) -> None:
    with pytest.raises(RuntimeError, match="sensor exploded"):
        with client.sequence_create("doomed", on_error=mb.OnErrorPolicy.Delete) as seq:
            writer = seq.topic_create("imu", {}, mb.IMU)
            for i in range(10):
                writer.push(_imu(i))
            raise RuntimeError("sensor exploded")
    assert seq.sequence_status == mb.SequenceStatus.Error
    assert client.list_sequences() == []
    assert not (server.store / "doomed").exists()


def test_report_policy_keeps_data_unlocked_with_a_notification(client: mb.MosaicoClient) -> None:
    with pytest.raises(RuntimeError, match="lost power"):
        with client.sequence_create("reported", on_error=mb.OnErrorPolicy.Report, max_batch_size_records=5) as seq:
            writer = seq.topic_create("imu", {}, mb.IMU)
            for i in range(12):
                writer.push(_imu(i))
            raise RuntimeError("lost power")
    assert client.sequence_system_info("reported")["is_locked"] is False
    assert [n.msg for n in client.sequence_notifications("reported")] == ["RuntimeError: lost power"]
    assert client.topic_system_info("reported", "imu")["is_locked"] is True
    # the batches sent before the error are stored (the unsent buffer is dropped, as the SDK does)
    assert [m.timestamp_ns for m in client.read_topic("reported", "imu")] == list(range(10))
    client.sequence_delete("reported")
    assert client.list_sequences() == []


@pytest.mark.parametrize("limits,pushes,expected_batches", [
    ({"max_batch_size_records": 7}, 30, 5),          # 7+7+7+7+2
    ({"max_batch_size_bytes": 4096}, 30, None),      # bytes limit cuts before the records limit
])
def test_batch_limits_are_separate_batches_on_the_server(client: mb.MosaicoClient, server: Any,
                                                         limits: dict[str, int], pushes: int,
                                                         expected_batches: int | None) -> None:
    with client.sequence_create("limits", **limits) as seq:
        writer = seq.topic_create("img", {}, mb.CompressedImage)
        for i in range(pushes):
            writer.push(mb.Message(timestamp_ns=i, data=mb.CompressedImage(data=bytes(1000), format="jpeg")))
    chunk = server.service.catalog.topic("limits/img").chunk
    assert chunk.rows == pushes
    if expected_batches is not None:
        assert chunk.batches == expected_batches
    else:  # cut before the record that would cross the limit: no batch over 4096 bytes
        hint = writer.encoder.size_hint(mb.Message(timestamp_ns=0, data=mb.CompressedImage(data=bytes(1000), format="jpeg")))
        per_batch = 4096 // hint
        assert chunk.batches == -(-pushes // per_batch)
        assert writer.stats.batches == chunk.batches


def test_back_pressure_bounds_pending_batches(client: mb.MosaicoClient) -> None:
    seen: list[int] = []
    with client.sequence_create("pressure", max_batch_size_records=1) as seq:
        writer = seq.topic_create("img", {}, mb.CompressedImage)
        for i in range(200):
            writer.push(mb.Message(timestamp_ns=i, data=mb.CompressedImage(data=bytes(200_000), format="png")))
            seen.append(writer.pending_batches)
    assert max(seen) <= 3
    assert len(client.read_topic("pressure", "img")) == 200


def test_many_topics_pushed_in_parallel_from_threads(client: mb.MosaicoClient) -> None:
    errors: list[BaseException] = []
    with client.sequence_create("parallel", max_batch_size_records=100) as seq:
        writers = [seq.topic_create(f"imu_{k}", {}, mb.IMU) for k in range(12)]

        def pump(writer: mb.TopicWriter, offset: int) -> None:
            try:
                for i in range(1000):
                    writer.push(_imu(offset + i))
            except BaseException as exc:  # surfaced below
                errors.append(exc)

        threads = [threading.Thread(target=pump, args=(w, k * 10_000)) for k, w in enumerate(writers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert not errors
    for k in range(12):
        assert [m.timestamp_ns for m in client.read_topic("parallel", f"imu_{k}")] == list(range(k * 10_000, k * 10_000 + 1000))


def test_push_after_the_block_raises(client: mb.MosaicoClient) -> None:
    with client.sequence_create("closed") as seq:
        writer = seq.topic_create("imu", {}, mb.IMU)
    assert not writer.is_active()
    with pytest.raises(WriterError, match="topic 'imu' of sequence 'closed' is closed"):
        writer.push(_imu(1))
    with pytest.raises(WriterError, match="outside the `with` block"):
        seq.topic_create("late", {}, mb.IMU)


@pytest.mark.parametrize("sequence,topic,text", [
    ("bad/name", "imu", "contains '/'"),
    ("_lead", "imu", "must start with a letter or digit"),
    ("sp ace", "imu", "may only contain"),
    ("ok", "cam era", "only A-Z a-z 0-9 _ - / are safe"),
    ("ok", "imu/", "ends with '/'"),
    ("ok", "a//b", "empty segment"),
    ("ok", "/", "is empty"),
])
def test_names_are_validated_before_sending(client: mb.MosaicoClient, sequence: str, topic: str, text: str) -> None:
    with pytest.raises(InvalidName, match=text):
        with client.sequence_create(sequence) as seq:
            seq.topic_create(topic, {}, mb.IMU)
    assert "ok" not in client.list_sequences() or client.sequence_system_info("ok")["is_locked"] is False


def test_prefix_topics_and_duplicates_are_refused(client: mb.MosaicoClient) -> None:
    with client.sequence_create("prefixes") as seq:
        seq.topic_create("/a", {}, mb.IMU)
        with pytest.raises(InvalidName, match="path prefixes of each other"):
            seq.topic_create("/a/b", {}, mb.IMU)
        with pytest.raises(InvalidName, match="already exists"):
            seq.topic_create("a", {}, mb.IMU)


def test_duplicate_sequence_name_names_the_sequence(client: mb.MosaicoClient) -> None:
    with client.sequence_create("twice"):
        pass
    with pytest.raises(AlreadyExists, match="sequence 'twice' refused by .*sequence `twice` already exists"):
        with client.sequence_create("twice"):
            pass


def test_unreachable_server_is_named() -> None:
    with pytest.raises(ConnectionFailed, match=r"127\.0\.0\.1:9 .*is running"):
        mb.MosaicoClient.connect("127.0.0.1", 9, timeout=0.5)


def test_bad_writer_config_is_named() -> None:
    with pytest.raises(mb.ConfigError, match="max_batch_size_bytes=20000000 must be in"):
        mb.WriterConfig(max_batch_size_bytes=20_000_000)


def test_oversized_record_fails_the_topic_with_a_clear_error(client: mb.MosaicoClient) -> None:
    with pytest.raises(WriterError, match="over the server's 50 MiB message limit"):
        with client.sequence_create("huge", on_error=mb.OnErrorPolicy.Report) as seq:
            writer = seq.topic_create("img", {}, mb.CompressedImage)
            writer.push(mb.Message(timestamp_ns=1, data=mb.CompressedImage(data=bytes(1000), format="png")))
            writer.push(mb.Message(timestamp_ns=2, data=mb.CompressedImage(data=bytes(51 * 2**20), format="png")))
    assert "over the server's 50 MiB" in client.topic_notifications("huge", "img")[0].msg
    assert pa is not None


def test_topic_is_rolled_back_when_its_stream_cannot_be_opened(client: mb.MosaicoClient, server: Any) -> None:
    # Through the gate only the control connection gets through: topic_create succeeds on it, the
    # topic's own lane (a new connection) is refused, and the created topic must be deleted again.
    with Link(server.port, admit=1) as gate:
        with mb.MosaicoClient.connect("127.0.0.1", gate.port) as gated:
            with pytest.raises(WriterError, match=r"upload stream of topic 'imu' in sequence 'gated'.*rolled back"):
                with gated.sequence_create("gated", on_error=mb.OnErrorPolicy.Report) as seq:
                    seq.topic_create("imu", {}, mb.IMU)
        assert gate.refused >= 1
    assert client.list_topics("gated") == []
    assert client.sequence_system_info("gated")["is_locked"] is False
    assert [n.msg for n in client.sequence_notifications("gated")][0].startswith("WriterError: cannot open the upload")
