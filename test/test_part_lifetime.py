"""A finished part is freed the moment it is finalized (issue #21.8). A recorder splits every minute for
days, and reconnects in storms; a part kept alive by a reference cycle (its writers' callbacks, a
sink and its uplink) waits for Python's rare full collection with its encoders, spool handles and
streams, and the storm soak saw ~1,000 such objects a minute pile up between collections. Here the
cyclic collector is off: what is not freed by reference counting alone is found in gc.garbage."""
from __future__ import annotations

import gc
import weakref
from collections import Counter
from pathlib import Path
from typing import Iterator

import pytest
from rclpy.serialization import serialize_message
from sensor_msgs import msg as sm

import mosaico_ros_bridge as mb
from mosaico_ros_bridge.adapters import AdapterRegistry, Received
from mosaico_ros_bridge.client import Connection
from mosaico_ros_bridge.config import load_config
from mosaico_ros_bridge.recording import Recording, TopicSpec
from mosaico_ros_bridge.server import LocalServer
from mosaico_ros_bridge.topic_description import TopicDescription
from mosaico_ros_bridge.writers import TopicWriter
from mosaico_ros_bridge.writers.encoders import MessageEncoder
from linkproxy import Link
from procs import wait_until
from samples import make_imu
from test_bad_input import ListLog

ROWS = 10  # records per batch
TOPIC = TopicDescription("/values", mb.Floating64.ontology_tag(), mb.Floating64.serialization_format().value,
                         MessageEncoder(mb.Floating64).schema)


@pytest.fixture
def no_cyclic_gc() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


def our_garbage() -> Counter[str]:
    """The recorder's objects (not the in-process server's) that only the cyclic collector would free."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    gc.collect()
    kinds = Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.garbage
                    if type(o).__module__.startswith("mosaico_ros_bridge")
                    and not type(o).__module__.startswith("mosaico_ros_bridge.server"))
    gc.set_debug(0)
    gc.garbage.clear()
    return kinds


def push(writer: TopicWriter, first: int, count: int) -> None:
    for t in range(first, first + count):
        writer.push_item(mb.Message(timestamp_ns=t, data=mb.Floating64(data=t / 2)), 8)
    writer.flush()


@pytest.mark.parametrize("dialect", ["session", "seed"])
def test_a_finalized_part_is_freed_without_the_cyclic_collector_even_after_a_reconnect(
        tmp_path: Path, dialect: str, no_cyclic_gc: None) -> None:
    server = LocalServer(tmp_path / "store", dialect=dialect)
    with server, Link(server.port) as link:
        config = load_config({"server.port": link.port, "server.dialect": dialect, "server.timeout_s": 1.0,
                              "topics.all": True, "sequence.name": "lifetime", "spool.dir": str(tmp_path / "spool"),
                              "spool.retry_max_s": 0.2, "writer.max_batch_size_records": ROWS})
        log, fatal = ListLog(), list[BaseException]()
        recording = Recording(config, log, fatal.append)
        recording.start()
        writer = recording.add_topic(TopicSpec(TOPIC, lambda: MessageEncoder(mb.Floating64)))
        push(writer, 1, 3 * ROWS)
        first = recording.part
        assert first is not None
        wait_until(lambda: first.live and first.backlog() == 0, 60, "the first batches on the server")
        # a storm's cut: the part's streams break (noticed at the next write); the data goes on into the spool
        link.cut()
        written = 3 * ROWS

        def write_more() -> None:
            nonlocal written
            push(writer, written + 1, ROWS)
            written += ROWS
        wait_until(lambda: not recording.live, 60, "the lost server noticed", step=write_more)
        link.restore()
        wait_until(lambda: first.live and first.backlog() == 0, 60, "the part rebuilt from the spool")

        part_ref, writer_ref = weakref.ref(first), weakref.ref(writer)
        del first
        writer = recording.split()["/values"]
        push(writer, written + 1, ROWS)
        wait_until(lambda: recording.finalized == ["lifetime"], 60, "the first part finalized")
        wait_until(lambda: part_ref() is None and writer_ref() is None, 10,
                   "the finalized part freed by reference counting")
        assert our_garbage() == Counter(), "objects of the recorder held only by reference cycles"

        report = recording.stop(None)
        assert report.finalized == ["lifetime", "lifetime_001"] and not report.kept and not fatal, (report, log.lines)
        assert sum("sequence created" in text for _, text in log.lines) == 3, log.lines  # a reconnect, a split
        with Connection.connect("127.0.0.1", server.port) as client:
            stored = [client.read_topic_table(name, "/values").table.column("timestamp_ns").to_pylist()
                      for name in report.finalized]
        assert stored == [list(range(1, written + 1)), list(range(written + 1, written + ROWS + 1))]
        assert our_garbage() == Counter(), "objects of the recorder held only by reference cycles after stop"


@pytest.mark.parametrize("raw", [True, False], ids=["raw CDR", "deserialized"])
def test_a_ros_encoder_is_freed_by_reference_counting(raw: bool, no_cyclic_gc: None) -> None:
    """Every part builds one encoder per topic; its decoder chain (batch CDR, per-message CDR, rclpy)
    must not lead back to it."""
    plan = AdapterRegistry().plan("sensor_msgs/msg/Imu", sm.Imu)
    assert plan is not None
    encoder = plan.encoder(sm.Imu, raw=raw)
    assert len(encoder.decoders) == (3 if raw else 1)
    items = [Received(i, serialize_message(make_imu(i)) if raw else make_imu(i)) for i in range(3)]
    assert encoder.encode(items).num_rows == 3
    ref = weakref.ref(encoder)
    del encoder
    assert ref() is None, "the encoder is held by a reference cycle"
    assert our_garbage() == Counter()


def test_a_part_whose_finish_broke_is_freed_once_uploaded_from_its_spool(tmp_path: Path, no_cyclic_gc: None) -> None:
    """The cut comes while a closed part is being finished: its finish fails, the part is queued as
    a directory and uploaded from its spool later. Its objects must go with it (an uplink once kept the
    error it raised, whose traceback held the uplink)."""
    server = LocalServer(tmp_path / "store", dialect="session")
    with server, Link(server.port, rate_bytes_s=250_000) as link:
        config = load_config({"server.port": link.port, "server.dialect": "session", "server.timeout_s": 1.0,
                              "topics.all": True, "sequence.name": "broken", "spool.dir": str(tmp_path / "spool"),
                              "spool.retry_max_s": 0.2, "writer.max_batch_size_records": 5000})
        log, fatal = ListLog(), list[BaseException]()
        recording = Recording(config, log, fatal.append)
        recording.start()
        writer = recording.add_topic(TopicSpec(TOPIC, lambda: MessageEncoder(mb.Floating64)))
        push(writer, 1, 10 * 5000)  # ~0.8 MB: seconds through the link
        first = recording.part
        assert first is not None
        wait_until(lambda: first.topics["/values"].sink.batches == 10, 60, "the first part spooled")
        part_ref = weakref.ref(first)
        del first
        writer = recording.split()["/values"]
        push(writer, 10 * 5000 + 1, 10)
        wait_until(lambda: any("sequence created: broken_001" in text for _, text in log.lines), 60,
                   "the second part live, the first one finishing")
        link.cut()
        wait_until(lambda: not recording.live, 60, "the lost server noticed")
        link.restore()
        wait_until(lambda: "broken" in recording.finalized, 120, "the first part uploaded from its spool")
        wait_until(lambda: part_ref() is None, 10, "the first part freed by reference counting")
        assert our_garbage() == Counter(), "objects of the recorder held only by reference cycles"
        report = recording.stop(None)
        assert sorted(report.finalized) == ["broken", "broken_001"] and not report.kept and not fatal, (report, log.lines)
        with Connection.connect("127.0.0.1", server.port) as client:
            stored = [client.read_topic_table(name, "/values").table.column("timestamp_ns").to_pylist()
                      for name in ("broken", "broken_001")]
        assert stored == [list(range(1, 10 * 5000 + 1)), list(range(10 * 5000 + 1, 10 * 5000 + 11))]
