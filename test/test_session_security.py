"""TLS and API keys on our session-dialect server, judged by the official SDK 0.7.0: a CA made in the
test, keys made by the server's own command, the exact denials of §1.2 and nothing written on denial."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from sdk_samples import ml, session_server
from tls_ca import make_ca

BASE_NS = 1_700_000_000_000_000_000


def create_key(store: Path, permissions: str) -> str:
    result = subprocess.run([sys.executable, "-m", "mosaico_ros_bridge.server", "api-key", "--store", str(store),
                             "--permissions", permissions], capture_output=True, text=True, timeout=60, check=True)
    return result.stdout.strip()


@pytest.fixture
def keyed(tmp_path: Path) -> Iterator[tuple[Any, dict[str, str]]]:
    keys = {p: create_key(tmp_path / "store", p) for p in ("read", "read,write", "read,write,delete")}
    for server in session_server(tmp_path, api_keys=True):
        yield server, keys


def imu() -> Any:
    return ml.IMU(acceleration=ml.Vector3d(x=1.0, y=2.0, z=3.0), angular_velocity=ml.Vector3d(x=0.0, y=0.0, z=0.0))


def test_key_format_is_mosaicods(keyed: tuple[Any, dict[str, str]]) -> None:
    import zlib
    _, keys = keyed
    head, payload, fingerprint = keys["read"].split("_")
    assert head == "msco" and len(payload) == 32 and fingerprint == f"{zlib.crc32(payload.encode()):08x}"


def test_writer_key_writes_and_reader_key_reads(keyed: tuple[Any, dict[str, str]]) -> None:
    server, keys = keyed
    with ml.MosaicoClient.connect("127.0.0.1", server.port, api_key=keys["read,write"]) as client:
        with client.sequence_create("keyed", {}) as writer:
            writer.topic_create("imu", {}, ml.IMU).push(ml.Message(timestamp_ns=BASE_NS, data=imu()))
    with ml.MosaicoClient.connect("127.0.0.1", server.port, api_key=keys["read"]) as client:
        topic = client.topic_handler("keyed", "/imu")
        assert [m.data.acceleration.z for m in topic.get_data_streamer()] == [3.0]


def test_read_only_key_cannot_create_and_nothing_is_written(keyed: tuple[Any, dict[str, str]]) -> None:
    server, keys = keyed
    with ml.MosaicoClient.connect("127.0.0.1", server.port, api_key=keys["read"]) as client:
        with pytest.raises(Exception, match="not enough permissions to execute SequenceCreate action"):
            with client.sequence_create("denied", {}):
                pass
        assert client.list_sequences() == []


def test_delete_needs_the_delete_permission(keyed: tuple[Any, dict[str, str]]) -> None:
    server, keys = keyed
    with ml.MosaicoClient.connect("127.0.0.1", server.port, api_key=keys["read,write"]) as client:
        with client.sequence_create("kept", {}) as writer:
            writer.topic_create("imu", {}, ml.IMU).push(ml.Message(timestamp_ns=BASE_NS, data=imu()))
        with pytest.raises(Exception, match="SequenceDelete action"):
            client.sequence_delete("kept")
    with ml.MosaicoClient.connect("127.0.0.1", server.port, api_key=keys["read,write,delete"]) as client:
        client.sequence_delete("kept")
        assert client.list_sequences() == []


@pytest.mark.parametrize("key, text", [
    (None, "Missing API key in request header."),
    ("msco_short", "Bad request: the token is incomplete."),
    ("msco_" + "a" * 32 + "_00000000", "Bad request: fingerprint mismatch."),
    ("msco_" + "b" * 32 + "_" + "%08x", "Unauthorized: API key does not exist."),
])
def test_missing_malformed_or_unknown_keys_are_refused(keyed: tuple[Any, dict[str, str]], key: str | None,
                                                        text: str) -> None:
    import zlib

    import pyarrow.flight as fl
    server, _ = keyed
    if key and key.endswith("%08x"):
        key = key.replace("%08x", f"{zlib.crc32(b'b' * 32):08x}")
    headers = [(b"mosaico-api-key-token", key.encode())] if key else []
    with fl.connect(f"grpc://127.0.0.1:{server.port}") as raw:
        with pytest.raises(Exception, match=text.replace(".", r"\.")):
            list(raw.do_action(fl.Action("info", b"{}"), fl.FlightCallOptions(headers=headers)))


def test_tls_with_the_ca_connects_and_plain_grpc_does_not(tmp_path: Path) -> None:
    ca = make_ca(tmp_path)
    tls = (ca.server_cert.read_bytes(), ca.server_key.read_bytes())
    for server in session_server(tmp_path, tls=tls):
        assert server.location.startswith("grpc+tls://")
        with ml.MosaicoClient.connect("127.0.0.1", server.port, tls_cert_path=str(ca.ca_cert)) as client:
            with client.sequence_create("secure", {}) as writer:
                writer.topic_create("imu", {}, ml.IMU).push(ml.Message(timestamp_ns=BASE_NS, data=imu()))
            assert client.list_sequences() == ["secure"]
        with pytest.raises(ConnectionError):
            ml.MosaicoClient.connect("127.0.0.1", server.port, timeout=1)
