"""Sample values for every ontology class of the official SDK 0.7.0, built from each class's own Arrow
struct (so a class the SDK adds is covered without editing this file), and an SDK session server."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pyarrow as pa
import pytest

ml = pytest.importorskip("mosaicolabs")
from mosaicolabs.models.core.serializable import Serializable as SdkSerializable  # noqa: E402

# Fields whose values the SDK's models constrain beyond their Arrow type (enums, ranges).
CONSTRAINED = {"format": "png", "datatype": 7, "encoding": "rgb8", "distortion_model": "plumb_bob"}


def sample_value(field: pa.Field, seed: int) -> Any:
    """A non-null value of the field's type that varies with seed (lists get two items)."""
    t = field.type
    if field.name in CONSTRAINED and not pa.types.is_struct(t):
        return CONSTRAINED[field.name]
    if pa.types.is_struct(t):
        return {f.name: sample_value(f, seed + i) for i, f in enumerate(t)}
    if pa.types.is_fixed_size_list(t):
        return [sample_value(t.value_field, seed + k) for k in range(t.list_size)]
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return [sample_value(t.value_field, seed + k) for k in range(2)]
    if pa.types.is_boolean(t):
        return seed % 2 == 0
    if pa.types.is_integer(t):
        return seed % 7 + 1
    if pa.types.is_floating(t):
        return 0.25 * (seed % 9) + 0.5  # exact in float16/32/64
    if pa.types.is_string(t):
        return f"text-{seed}-ü"
    if pa.types.is_binary(t):
        return bytes([seed % 256, 0, 255, 7])
    raise TypeError(f"no sample for {t}")


def sdk_classes() -> dict[str, type[Any]]:
    """Every ontology class the SDK defines, by tag: not the schema-less Unmodeled base, nor the
    classes it synthesizes (and registers) when it reads a topic of an unknown tag."""
    from mosaicolabs import Unmodeled
    classes = {tag: SdkSerializable._get_class_type(tag) for tag in SdkSerializable._list_registered()}
    return {tag: cls for tag, cls in classes.items()
            if cls is not None and not issubclass(cls, Unmodeled) and cls.__module__.startswith("mosaicolabs.")}


def sdk_sample(cls: type[Any], seed: int) -> Any:
    row = {f.name: sample_value(f, seed + i) for i, f in enumerate(cls.__msco_pyarrow_struct__)}
    if {"min_range", "max_range", "range"} <= set(row):  # Range checks min_range <= range <= max_range
        row.update(min_range=0.5, max_range=100.0, range=1.0 + seed)
    return cls.model_validate(row)


@dataclass
class RealServer:
    """A real `mosaicod` for one test (by hand, never in CI): MOSAICO_TEST_MOSAICOD names its binary,
    MOSAICO_TEST_PG a PostgreSQL URL without database (a fresh database and store per test)."""

    port: int
    dialect: str = "session"


def real_mosaicod(tmp_path: Path, binary: str, pg: str) -> Iterator[RealServer]:
    import socket
    import subprocess
    import time
    import uuid

    database = f"t_{uuid.uuid4().hex[:12]}"
    subprocess.run(["psql", f"{pg}/postgres", "-q", "-c", f"create database {database}"], check=True, timeout=60)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    (tmp_path / "mosaicod-store").mkdir(exist_ok=True)
    env = {**os.environ, "MOSAICOD_DB_URL": f"{pg}/{database}",
           "MOSAICOD_STORE_ENDPOINT": f"file://{tmp_path / 'mosaicod-store'}"}
    log = open(tmp_path / "mosaicod.log", "w")
    proc = subprocess.Popen([binary, "run", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "mosaicod.log").read_text()
                time.sleep(0.1)
        yield RealServer(port)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
        subprocess.run(["psql", f"{pg}/postgres", "-q", "-c", f"drop database if exists {database}"], timeout=60)


def write_and_read_back(port: int, sequence: str, topic: Any, encoder: Any, items: list[Any]) -> list[Any]:
    """Received items through our writer (the recorder's path: `topic` a TopicDescription, `encoder`
    its plan's encoder) into a new sequence, then every record as SDK 0.7.0 reads it back."""
    from mosaico_ros_bridge import MosaicoClient
    with MosaicoClient.connect("127.0.0.1", port) as client:
        with client.sequence_create(sequence) as seq:
            writer = seq.create_topic_writer(topic, encoder)
            for item in items:
                writer.push_item(item, len(item.msg))
    sdk = ml.MosaicoClient.connect("127.0.0.1", port)
    try:
        return list(sdk.topic_handler(sequence, topic.name).get_data_streamer())
    finally:
        sdk.close()


def session_server(tmp_path: Path, **options: Any) -> Iterator[Any]:
    """Our local server in the session dialect, or a real mosaicod when MOSAICO_TEST_MOSAICOD is set
    (tests that need the local server's options — TLS, keys, limits — skip there)."""
    binary = os.environ.get("MOSAICO_TEST_MOSAICOD")
    if binary:
        if options:
            pytest.skip(f"needs the local server's options {sorted(options)}")
        yield from real_mosaicod(tmp_path, binary, os.environ.get("MOSAICO_TEST_PG", "postgresql://postgres@127.0.0.1:5432"))
        return
    from mosaico_ros_bridge.server.flight import LocalServer

    with LocalServer(tmp_path / "store", dialect="session", **options) as server:
        yield server
