"""Our writing API against the session dialect: the dialect found at connect (or forced), every 0.7
type written with our API and read back by the official SDK 0.7.0 field by field, the error
policies on sessions, sequence updates, the batch limit from `info`, API keys and TLS."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from mosaico_ros_bridge import (
    ConfigError, Message, MosaicoClient, OnErrorPolicy, PermissionDenied, SessionLevelErrorPolicy, ontology07,
)
from mosaico_ros_bridge.server.flight import LocalServer
from sdk_samples import ml, sdk_classes, sdk_sample, session_server

BASE_NS = 1_750_000_000_000_000_000


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Any]:
    yield from session_server(tmp_path)


@pytest.fixture
def sdk(server: Any) -> Iterator[Any]:
    client = ml.MosaicoClient.connect("127.0.0.1", server.port)
    yield client
    client.close()


def imu(x: float) -> Any:
    return ontology07.IMU(header=ontology07.Header(frame_id="imu_link", timestamp=ontology07.Time(seconds=5, nanoseconds=7)),
                          acceleration=ontology07.Point3d(x=x, y=0.0, z=9.8),
                          angular_velocity=ontology07.Point3d(x=0.0, y=0.0, z=0.1))


def test_the_dialect_is_found_at_connect(server: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="mosaico_ros_bridge.client")
    with MosaicoClient.connect("127.0.0.1", server.port) as client:
        assert (client.dialect, client.server.version, client.server.decode_limit) == ("session", "0.7.0", 52428800)
    assert "connected to mosaicod 0.7.0 at 127.0.0.1:" in caplog.text and "(session dialect)" in caplog.text
    with LocalServer(tmp_path / "seed_store", dialect="seed") as seed:
        with MosaicoClient.connect("127.0.0.1", seed.port) as client:
            assert client.dialect == "seed"
        with pytest.raises(ConfigError, match="speaks the seed dialect .* server.dialect is 'session'"):
            MosaicoClient.connect("127.0.0.1", seed.port, dialect="session")
        with pytest.raises(ConfigError, match="cannot add topics to an existing sequence"):
            with MosaicoClient.connect("127.0.0.1", seed.port) as client:
                client.sequence_update("any").open()
    with pytest.raises(ConfigError, match="speaks the session dialect .* server.dialect is 'seed'"):
        MosaicoClient.connect("127.0.0.1", server.port, dialect="seed")


def test_every_07_type_written_by_us_is_read_back_by_the_sdk(server: Any, sdk: Any) -> None:
    written: dict[str, list[Any]] = {}
    with MosaicoClient.connect("127.0.0.1", server.port) as client:
        with client.sequence_create("ours_all", {"by": "mosaico_ros_bridge"}) as writer:
            for index, (tag, sdk_type) in enumerate(sorted(sdk_classes().items())):
                ours = ontology07.registered(tag)
                assert ours is not None, tag
                samples = [sdk_sample(sdk_type, index + k) for k in range(3)]
                topic = writer.topic_create(f"types/{tag.lower()}", {"tag": tag}, ours)
                for k, sample in enumerate(samples):
                    topic.push(Message(timestamp_ns=BASE_NS + index * 100 + k, data=ours.model_validate(sample.model_dump())))
                written[tag] = samples
    for tag, samples in written.items():
        handler = sdk.topic_handler("ours_all", f"/types/{tag.lower()}")
        assert handler.ontology_tag == tag and handler.user_metadata == {"tag": tag}
        read = [m.data for m in handler.get_data_streamer()]
        assert [type(r) for r in read] == [type(s) for s in samples], f"{tag} read back as another type"
        assert [r.model_dump() for r in read] == [s.model_dump() for s in samples], tag
    assert sdk.sequence_handler("ours_all").sessions[0].locked


def test_delete_policy_removes_the_session_and_the_new_sequence(server: Any, sdk: Any) -> None:
    with MosaicoClient.connect("127.0.0.1", server.port) as client:
        with pytest.raises(RuntimeError):
            with client.sequence_create("doomed", on_error=OnErrorPolicy.Delete) as writer:
                writer.topic_create("imu", {}, ontology07.IMU).push(Message(timestamp_ns=BASE_NS, data=imu(1.0)))
                raise RuntimeError("cable pulled")
        assert client.list_sequences() == []


def test_report_policy_notifies_and_finalizes_the_session(server: Any, sdk: Any) -> None:
    with MosaicoClient.connect("127.0.0.1", server.port) as client:
        with pytest.raises(RuntimeError):
            with client.sequence_create("reported", on_error=SessionLevelErrorPolicy.Report) as writer:
                writer.topic_create("imu", {}, ontology07.IMU).push(Message(timestamp_ns=BASE_NS, data=imu(1.0)))
                raise RuntimeError("cable pulled")
    notes = sdk.list_sequence_notifications("reported")
    assert [n.message for n in notes] == ["RuntimeError: cable pulled"]
    assert sdk.sequence_handler("reported").sessions[0].locked


def test_an_empty_block_leaves_nothing_behind(server: Any) -> None:
    with MosaicoClient.connect("127.0.0.1", server.port) as client:
        with client.sequence_create("nothing", {}):
            pass
        assert client.list_sequences() == []


def test_sequence_update_adds_topics_in_a_new_session(server: Any, sdk: Any) -> None:
    with MosaicoClient.connect("127.0.0.1", server.port) as client:
        with client.sequence_create("grow", {"k": 1}) as writer:
            writer.topic_create("imu", {}, ontology07.IMU).push(Message(timestamp_ns=BASE_NS, data=imu(1.0)))
        with client.sequence_update("grow") as updater:
            updater.topic_create("imu2", {}, ontology07.IMU).push(Message(timestamp_ns=BASE_NS + 1, data=imu(2.0)))
        with pytest.raises(RuntimeError):
            with client.sequence_update("grow", on_error=OnErrorPolicy.Delete) as updater:
                updater.topic_create("imu3", {}, ontology07.IMU).push(Message(timestamp_ns=BASE_NS + 2, data=imu(3.0)))
                raise RuntimeError("abandon this session only")
    handler = sdk.sequence_handler("grow")
    assert [s.topics for s in handler.sessions] == [["/imu"], ["/imu2"]]
    assert [m.data.acceleration.x for _, m in handler.get_data_streamer()] == [1.0, 2.0]


def test_batches_stay_within_90_percent_of_the_servers_limit(tmp_path: Path) -> None:
    for server in session_server(tmp_path, decode_limit=4 * 1024 * 1024):
        with MosaicoClient.connect("127.0.0.1", server.port) as client:
            writer = client.sequence_create("limited", {})
            assert writer.config.max_batch_size_bytes == int(0.9 * 4 * 1024 * 1024)
            assert client.sequence_create("small", {}, max_batch_size_bytes=1024).config.max_batch_size_bytes == 1024


def test_api_keys_missing_or_read_only_are_refused_and_nothing_is_written(tmp_path: Path) -> None:
    from mosaico_ros_bridge.server.session.auth import KeyRing
    from mosaico_ros_bridge.session_protocol import Permission
    ring = KeyRing(tmp_path / "store")
    read_only = ring.create([Permission.READ])
    writer_key = ring.create([Permission.READ, Permission.WRITE])
    for server in session_server(tmp_path, api_keys=True):
        with pytest.raises(PermissionDenied, match="Missing API key in request header"):
            MosaicoClient.connect("127.0.0.1", server.port, timeout=2)
        with pytest.raises(PermissionDenied, match="fingerprint mismatch") as malformed:
            MosaicoClient.connect("127.0.0.1", server.port, api_key=read_only[:-8] + "0" * 8, timeout=2)
        assert read_only[:-8] not in str(malformed.value)
        unknown = KeyRing(tmp_path / "other").create([Permission.READ])
        with pytest.raises(PermissionDenied, match="API key does not exist"):
            MosaicoClient.connect("127.0.0.1", server.port, api_key=unknown, timeout=2)
        with MosaicoClient.connect("127.0.0.1", server.port, api_key=read_only) as client:
            with pytest.raises(PermissionDenied, match="needs the 'write' permission") as denied:
                client.sequence_create("denied", {}).open()
            assert read_only not in str(denied.value) and "MOSAICO_API_KEY" in str(denied.value)
            assert client.list_sequences() == []
        with MosaicoClient.connect("127.0.0.1", server.port, api_key=writer_key) as client:
            with client.sequence_create("allowed", {}) as writer:
                writer.topic_create("imu", {}, ontology07.IMU).push(Message(timestamp_ns=BASE_NS, data=imu(1.0)))
            assert [m.data.acceleration.x for m in client.read_topic("allowed", "/imu")] == [1.0]
            assert writer_key not in repr(client.endpoint)


def test_tls_with_a_ca_made_here(tmp_path: Path) -> None:
    from tls_ca import make_ca
    ca = make_ca(tmp_path)
    for server in session_server(tmp_path, tls=(ca.server_cert.read_bytes(), ca.server_key.read_bytes())):
        with MosaicoClient.connect("127.0.0.1", server.port, tls_cert_path=ca.ca_cert) as client:
            assert client.location.startswith("grpc+tls://")
            with client.sequence_create("secure", {}) as writer:
                writer.topic_create("imu", {}, ontology07.IMU).push(Message(timestamp_ns=BASE_NS, data=imu(2.0)))
            assert [m.data.acceleration.x for m in client.read_topic("secure", "/imu")] == [2.0]
        from mosaico_ros_bridge import ConnectionFailed
        with pytest.raises(ConnectionFailed, match="TLS is used exactly when the server has it"):
            MosaicoClient.connect("127.0.0.1", server.port, timeout=1)


def test_real_mosaicod_error_codes_keep_their_text() -> None:
    """What pyarrow makes of the codes a real mosaicod sends (seen against 0.6.0-dev): the prefix of
    every code is removed and the text names the error class."""
    import pyarrow.flight as fl

    from mosaico_ros_bridge.client.actions import flight_error
    from mosaico_ros_bridge.errors import AlreadyExists, Locked, NotFound
    for raw, kind, text in (
            ("Flight returned already exists error, with message:  already exists.", AlreadyExists, " already exists."),
            ("Unknown: Flight returned not found error, with message:  not found.", NotFound, " not found."),
            ("Flight returned failed precondition error, with message: Session `s:01` already finalized.", Locked,
             "Session `s:01` already finalized.")):
        error = flight_error(fl.FlightServerError(raw + ". Detail: x"), "doing", "h:1", "session_finalize")
        assert isinstance(error, kind) and error.server_message == text, (raw, error)


def test_topic_level_error_policies_as_the_sdk(server: Any, sdk: Any) -> None:
    """Finalize: reported, the topic closed with what it had; Ignore: reported, the topic goes on;
    Raise: the sequence's policy applies. The SDK reads the notifications and the data."""
    from mosaico_ros_bridge import TopicLevelErrorPolicy, WriterError
    with MosaicoClient.connect("127.0.0.1", server.port) as client:
        with client.sequence_create("topic_policies", {}) as writer:
            finalized = writer.topic_create("fin", {}, ontology07.IMU, on_error=TopicLevelErrorPolicy.Finalize)
            with finalized:
                finalized.push(Message(timestamp_ns=BASE_NS, data=imu(1.0)))
                raise ValueError("bad calibration")
            with pytest.raises(WriterError):
                finalized.push(Message(timestamp_ns=BASE_NS + 1, data=imu(2.0)))
            ignored = writer.topic_create("ign", {}, ontology07.IMU, on_error=TopicLevelErrorPolicy.Ignore)
            with ignored:
                ignored.push(Message(timestamp_ns=BASE_NS, data=imu(3.0)))
                raise ValueError("one glitch")
            ignored.push(Message(timestamp_ns=BASE_NS + 1, data=imu(4.0)))
        with pytest.raises(ValueError, match="propagated"):
            with client.sequence_create("topic_raise", {}, on_error=OnErrorPolicy.Delete) as writer:
                raising = writer.topic_create("r", {}, ontology07.IMU)
                with raising:
                    raise ValueError("propagated")
        assert "topic_raise" not in client.list_sequences()
    assert [n.message for n in sdk.list_topic_notifications("topic_policies", "/fin")] == ["ValueError: bad calibration"]
    assert [n.message for n in sdk.list_topic_notifications("topic_policies", "/ign")] == ["ValueError: one glitch"]
    read = lambda topic: [m.data.acceleration.x for m in sdk.topic_handler("topic_policies", topic).get_data_streamer()]  # noqa: E731
    assert read("/fin") == [1.0] and read("/ign") == [3.0, 4.0]


@pytest.mark.parametrize("dialect", ["seed", "session"])
def test_stream_topic_gives_the_stored_batches_on_both_dialects(tmp_path: Path, dialect: str) -> None:
    types = {"seed": mb_types(), "session": (ontology07.Floating64, ontology07.Floating64)}[dialect]
    with LocalServer(tmp_path / "store", dialect=dialect) as server:
        with MosaicoClient.connect("127.0.0.1", server.port) as client:
            with client.sequence_create("streamed", {}, max_batch_size_records=7) as writer:
                topic = writer.topic_create("v", {}, types[0])
                for i in range(50):
                    topic.push(Message(timestamp_ns=i, data=types[1](data=i / 4)))
            batches = list(client.stream_topic("streamed", "/v"))
            assert sum(b.num_rows for b in batches) == 50
            import pyarrow as pa
            assert pa.Table.from_batches(batches).column("data").to_pylist() == [i / 4 for i in range(50)]


def mb_types() -> tuple[Any, Any]:
    from mosaico_ros_bridge import Floating64
    return Floating64, Floating64
