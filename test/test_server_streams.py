"""Local server, data side: the §7 happy path read back field by field, every DoPut error row,
validation, ordering, persistence across restarts, concurrency, bounded memory and the CLI."""
from __future__ import annotations

import json
import math
import re
import signal
import threading
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.flight as fl
import pytest

from flightraw import SIMPLE, TS, Raw, simple_batch
from mosaico_ros_bridge.protocol import Texts
from mosaico_ros_bridge.server import LocalServer
from procs import Proc, python, wait_until

VEC3 = pa.struct([pa.field("x", pa.float64()), pa.field("y", pa.float64()), pa.field("z", pa.float64())])
NESTED = pa.schema([TS, pa.field("acc", VEC3, nullable=False), pa.field("cov", pa.list_(pa.float64())),
                    pa.field("frame", pa.string()), pa.field("blob", pa.binary())])


def nested_rows(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"timestamp_ns": 1_700_000_000_000_000_000 + i, "acc": {"x": i * 1.0, "y": math.inf, "z": -0.0},
             "cov": [float(i), math.nan] if i % 2 else [], "frame": f"frame_ß_{i}", "blob": bytes([i % 256]) * i}
            for i in range(start, start + n)]


def same_rows(actual: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        assert json.dumps(a, default=repr, sort_keys=True) == json.dumps(e, default=repr, sort_keys=True)


@pytest.fixture
def raw(server: Any) -> Raw:
    return Raw(server.location)


def test_happy_path_read_back_field_by_field(raw: Raw) -> None:
    seq_meta = {"driver": {"id": "drv_017"}, "location": {"city": "Milan"}}
    key = raw.sequence("mission_042", seq_meta)
    tkey = raw.topic("mission_042/sensors/imu", key, metadata={"vendor": "inertix", "calibrated": "false"})
    rows = nested_rows(250)
    writer = raw.open_put("mission_042/sensors/imu", tkey, NESTED)
    for start in range(0, 250, 100):
        writer.write_batch(pa.RecordBatch.from_pylist(rows[start:start + 100], schema=NESTED))
    writer.done_writing()
    writer.close()
    assert raw.act("sequence_finalize", {"name": "mission_042", "key": key}) == {"action": "empty"}

    assert [i.descriptor.path for i in raw.client.list_flights()] == [[b"mission_042"]]
    info = raw.client.get_flight_info(fl.FlightDescriptor.for_path("mission_042"))
    assert info.schema.metadata == {b"mosaico:context": b"sequence",
                                    b"mosaico:user_metadata": b'{"driver":{"id":"drv_017"},"location":{"city":"Milan"}}'}
    assert [e.ticket.ticket for e in info.endpoints] == [b"mission_042/sensors/imu"]
    topic_info = raw.client.get_flight_info(fl.FlightDescriptor.for_path("/mission_042/sensors/imu"))
    assert topic_info.schema.remove_metadata() == NESTED and topic_info.total_records == 250
    table = raw.client.do_get(info.endpoints[0].ticket).read_all()
    assert table.schema.metadata == {
        b"mosaico:context": b"topic",
        b"mosaico:properties": b'{"serialization_format":"default","ontology_tag":"imu"}',
        b"mosaico:user_metadata": b'{"calibrated":"false","vendor":"inertix"}'}
    assert table.schema.field("frame").type == pa.string_view()
    assert table.schema.field("blob").type == pa.binary_view()
    same_rows(table.to_pylist(), rows)


def test_reads_are_sorted_by_timestamp(raw: Raw) -> None:
    key = raw.sequence("unsorted")
    tkey = raw.topic("unsorted/t", key)
    raw.put("unsorted/t", tkey, SIMPLE, [simple_batch([5, 1, 4]), simple_batch([3, 2])])
    assert raw.read("unsorted/t").column("timestamp_ns").to_pylist() == [1, 2, 3, 4, 5]
    assert raw.read("unsorted/t").column("label").to_pylist() == [f"row-{t}" for t in (1, 2, 3, 4, 5)]


def _put_error(raw: Raw, descriptor: fl.FlightDescriptor, schema: pa.Schema, batches: list[Any], text: str,
               error: type = fl.FlightInternalError) -> None:
    with pytest.raises(error) as info:
        writer, _ = raw.client.do_put(descriptor, schema)
        for batch in batches:
            writer.write_batch(batch)
        writer.done_writing()
        writer.close()
    assert text in str(info.value), str(info.value)


def _cmd(name: str, key: str) -> fl.FlightDescriptor:
    return fl.FlightDescriptor.for_command(json.dumps({"topic": {"name": name, "key": key}}).encode())


def test_doput_error_rows(raw: Raw) -> None:
    key = raw.sequence("puts")
    tkey = raw.topic("puts/t", key)
    batch = [simple_batch([1])]
    _put_error(raw, fl.FlightDescriptor.for_path("puts/t"), SIMPLE, batch, "unsupported descriptor type")
    _put_error(raw, fl.FlightDescriptor.for_command(b'{"other": {}}'), SIMPLE, batch,
               "bad command :: unknown variant `other`, expected `topic`")
    _put_error(raw, fl.FlightDescriptor.for_command(b'{"topic": {"name": "puts/t"}}'), SIMPLE, batch,
               "bad command :: missing field `key`")
    no_ts = pa.schema([pa.field("time", pa.int64())])
    _put_error(raw, _cmd("puts/t", tkey), no_ts, [], Texts.MISSING_TIMESTAMP)
    ts_typed = pa.schema([pa.field("timestamp_ns", pa.timestamp("ns"))])
    _put_error(raw, _cmd("puts/t", tkey), ts_typed, [], Texts.WRONG_TIMESTAMP)
    _put_error(raw, _cmd("puts/ghost", tkey), SIMPLE, batch, Texts.ROW_NOT_FOUND)
    _put_error(raw, _cmd("puts/t", "not-a-uuid"), SIMPLE, batch, "malformed key :: ")
    _put_error(raw, _cmd("puts/t", key), SIMPLE, batch, "bad key")  # the sequence key is not the topic key
    # none of the failed streams stored or locked anything
    assert raw.response("topic_system_info", {"name": "puts/t"})["is_locked"] is False


def test_message_without_data_is_rejected(raw: Raw) -> None:
    key = raw.sequence("meta")
    writer = raw.open_put("meta/t", raw.topic("meta/t", key), SIMPLE)
    writer.write_batch(simple_batch([1]))
    writer.write_metadata(pa.py_buffer(b"app"))
    with pytest.raises(fl.FlightInternalError, match="no data received"):
        writer.done_writing()
        writer.close()
    assert raw.response("topic_system_info", {"name": "meta/t"}) | {"created_datetime": ""} == {
        "chunks_number": 0, "total_size_bytes": 0, "is_locked": False, "created_datetime": ""}


@pytest.mark.parametrize("schema,rows,text", [
    (pa.schema([TS, pa.field("v", pa.float64(), nullable=False)]), [{"timestamp_ns": 1, "v": None}],
     "error during data streaming :: Invalid argument error: Column 'v' is declared as non-nullable but contains null values"),
    (pa.schema([TS, pa.field("s", pa.struct([pa.field("x", pa.float64(), nullable=False)]))]),
     [{"timestamp_ns": 1, "s": {"x": None}}], "Found unmasked nulls for non-nullable StructArray field \"x\""),
    (pa.schema([TS, pa.field("s", pa.struct([pa.field("a.b", pa.float64())]))]),
     [{"timestamp_ns": 1, "s": {"a.b": 1.0}}], "can't find column `s.a.b`"),
])
def test_arrow_rs_validation(raw: Raw, schema: pa.Schema, rows: list[dict[str, Any]], text: str) -> None:
    key = raw.sequence("valid")
    tkey = raw.topic("valid/t", key)
    _put_error(raw, _cmd("valid/t", tkey), schema, [pa.RecordBatch.from_pylist(rows, schema=schema)], text)


def test_null_child_of_null_struct_is_accepted(raw: Raw) -> None:
    schema = pa.schema([TS, pa.field("s", pa.struct([pa.field("x", pa.float64(), nullable=False)]))])
    key = raw.sequence("masked")
    raw.put("masked/t", raw.topic("masked/t", key), schema,
            [pa.RecordBatch.from_pylist([{"timestamp_ns": 1, "s": None}, {"timestamp_ns": 2, "s": {"x": 2.0}}], schema=schema)])
    assert raw.read("masked/t").column("s").to_pylist() == [None, {"x": 2.0}]


def test_oversized_message_is_rejected(raw: Raw) -> None:
    schema = pa.schema([TS, pa.field("blob", pa.binary())])
    big = pa.RecordBatch.from_pylist([{"timestamp_ns": 1, "blob": b"\0" * (51 * 1024 * 1024)}], schema=schema)
    key = raw.sequence("big")
    _put_error(raw, _cmd("big/t", raw.topic("big/t", key)), schema, [big], "decoded message length too large")


def test_upload_streams_to_disk_and_leaves_no_partial_behind(raw: Raw, server: Any) -> None:
    schema = pa.schema([TS, pa.field("blob", pa.binary())])
    key = raw.sequence("stream")
    writer = raw.open_put("stream/t", raw.topic("stream/t", key), schema)
    chunk = b"x" * (4 * 1024 * 1024)
    for i in range(6):
        writer.write_batch(pa.RecordBatch.from_pylist([{"timestamp_ns": i, "blob": chunk}], schema=schema))
    topic_dir = Path(server.store) / "stream" / "t"
    wait_until(lambda: sum(p.stat().st_size for p in topic_dir.glob("*.partial")) >= 8 * 1024 * 1024, 20,
               "batches written to the partial file before the stream ends")
    assert not (topic_dir / "data-00000.parquet").exists()
    writer.done_writing()
    writer.close()
    assert sorted(p.name for p in topic_dir.iterdir()) == ["data-00000.parquet", "metadata.json"]
    assert raw.read("stream/t").num_rows == 6


def test_abort_during_upload_stores_nothing(raw: Raw, server: Any) -> None:
    key = raw.sequence("mid")
    writer = raw.open_put("mid/t", raw.topic("mid/t", key), SIMPLE)
    writer.write_batch(simple_batch([1]))
    raw.act("sequence_abort", {"name": "mid", "key": key})
    with pytest.raises(fl.FlightInternalError, match=re.escape(Texts.ROW_NOT_FOUND)):
        writer.done_writing()
        writer.close()
    assert not (Path(server.store) / "mid").exists()


def test_restart_on_same_store_keeps_finalized_data(tmp_path: Path) -> None:
    store = tmp_path / "store"
    rows = nested_rows(40)
    with LocalServer(store) as first:
        raw = Raw(first.location)
        key = raw.sequence("kept", {"a": 1})
        raw.put("kept/imu", raw.topic("kept/imu", key), NESTED, [pa.RecordBatch.from_pylist(rows, schema=NESTED)])
        raw.act("sequence_finalize", {"name": "kept", "key": key})
        pending_key = raw.sequence("pending")
        raw.topic("pending/t", pending_key)
        writer = raw.open_put("pending/t", raw.topic("pending/u", pending_key), SIMPLE)
    (store / "pending" / ".data-00000.parquet.dead.partial").write_bytes(b"PAR1 half")
    with LocalServer(store) as second:
        raw = Raw(second.location)
        same_rows(raw.read("kept/imu").to_pylist(), rows)
        assert raw.response("sequence_system_info", {"name": "kept"})["is_locked"] is True
        assert raw.response("topic_system_info", {"name": "pending/t"})["is_locked"] is False
        with pytest.raises(fl.FlightInternalError, match="sequence locked"):
            raw.topic("kept/new", key)
        assert not list(store.rglob("*.partial"))
    del writer


def test_concurrent_streams_on_many_topics(raw: Raw) -> None:
    key = raw.sequence("many")
    topics = [f"many/t{i:02d}" for i in range(16)]
    keys = {t: raw.topic(t, key) for t in topics}
    errors: list[BaseException] = []

    def upload(topic: str) -> None:
        try:
            own = Raw(raw.location)
            writer = own.open_put(topic, keys[topic], SIMPLE)
            for start in range(0, 2000, 200):
                writer.write_batch(simple_batch(range(start, start + 200)))
            writer.done_writing()
            writer.close()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=upload, args=(t,)) for t in topics]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    raw.act("sequence_finalize", {"name": "many", "key": key})
    for topic in topics:
        assert raw.read(topic).column("timestamp_ns").to_pylist() == list(range(2000))


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_cli_listens_logs_and_exits_cleanly(tmp_path: Path, sig: int) -> None:
    proc = Proc(python("-m", "mosaico_ros_bridge.server", "--dialect", "seed", "--port", "0", "--store", str(tmp_path / "s")))
    try:
        line = proc.wait_for(lambda l: "listening on" in l)
        port = int(re.search(r"grpc://127\.0\.0\.1:(\d+)", line).group(1))  # type: ignore[union-attr]
        assert port > 0
        raw = Raw(f"grpc://127.0.0.1:{port}")
        key = raw.sequence("cli")
        proc.wait_for(lambda l: "sequence created: cli" in l)
        raw.act("sequence_finalize", {"name": "cli", "key": key})
        proc.wait_for(lambda l: "sequence finalized: cli" in l)
        raw.act("sequence_abort", {"name": "cli2", "key": raw.sequence("cli2")})
        proc.wait_for(lambda l: "sequence aborted: cli2" in l)
        proc.popen.send_signal(sig)
        assert proc.popen.wait(timeout=15) == 0
    finally:
        if proc.popen.poll() is None:
            proc.popen.kill()
            proc.popen.wait(timeout=15)
    assert "stopped" in proc.output()


def test_masked_nulls_under_a_null_parent_are_stored(raw: Raw) -> None:
    """arrow-rs accepts a null non-nullable child where its parent struct is null; so must we."""
    inner = pa.struct([pa.field("x", pa.float64(), nullable=False), pa.field("tag", pa.string(), nullable=False)])
    schema = pa.schema([TS, pa.field("s", inner)])
    children = [pa.array([None, 2.0]), pa.array([None, "b"])]
    column = pa.StructArray.from_arrays(children, fields=list(inner), mask=pa.array([True, False]))
    key = raw.sequence("masked_raw")
    raw.put("masked_raw/t", raw.topic("masked_raw/t", key), schema,
            [pa.RecordBatch.from_arrays([pa.array([1, 2], pa.int64()), column], schema=schema)])
    assert raw.read("masked_raw/t").column("s").to_pylist() == [None, {"x": 2.0, "tag": "b"}]


def test_stop_does_not_hang_on_an_open_upload_and_stores_nothing_of_it(tmp_path: Path) -> None:
    store = tmp_path / "store"
    first = LocalServer(store)
    raw = Raw(first.location)
    key = raw.sequence("open")
    writer = raw.open_put("open/t", raw.topic("open/t", key), SIMPLE)
    writer.write_batch(simple_batch([1, 2]))
    wait_until(lambda: any(store.rglob("*.partial")), 20, "the upload to be in progress on the server")
    assert first.stop(timeout=1.0) is False
    with LocalServer(store) as second:
        again = Raw(second.location)
        assert again.response("topic_system_info", {"name": "open/t"})["is_locked"] is False
        assert again.response("topic_system_info", {"name": "open/t"})["chunks_number"] == 0
    assert not list(store.rglob("*.partial"))


def _exact(schema: pa.Schema) -> str:
    """Names, types and nullability at every depth and field metadata (pyarrow's == ignores list item names)."""
    return schema.to_string(show_field_metadata=True, show_schema_metadata=False)


def test_schemas_are_served_back_exactly_as_received(raw: Raw) -> None:
    points = pa.list_(pa.field("points", pa.struct([pa.field("x", pa.float32(), nullable=False)]), nullable=False))
    sent = pa.schema([TS, pa.field("cov", pa.list_(pa.float64())),
                      pa.field("ranges", pa.list_(pa.field("item", pa.float32(), nullable=False)), nullable=False,
                               metadata={"description": "ranges in metres"}),
                      pa.field("cloud", points), pa.field("label", pa.string())])
    key = raw.sequence("exact")
    rows = [{"timestamp_ns": 1, "cov": [1.0, None], "ranges": [0.5], "cloud": [{"x": 1.5}], "label": "a"},
            {"timestamp_ns": 2, "cov": None, "ranges": [], "cloud": None, "label": None}]
    raw.put("exact/scan", raw.topic("exact/scan", key), sent, [pa.RecordBatch.from_pylist(rows, schema=sent)])
    raw.act("sequence_finalize", {"name": "exact", "key": key})

    served = raw.client.get_flight_info(fl.FlightDescriptor.for_path("exact/scan")).schema
    assert _exact(served) == _exact(sent)
    table = raw.read("exact/scan")
    assert table.schema.field("cov").type.value_field.name == "item"
    expected = pa.schema([f.with_type(pa.string_view()) if f.name == "label" else f for f in sent])
    assert _exact(table.schema) == _exact(expected)  # only top-level strings become views (§9.2)
    assert table.to_pylist() == rows


def test_reads_of_big_rows_come_in_batches_bounded_by_bytes(raw: Raw) -> None:
    """A camera topic: 4096 frames per batch would pass gRPC's 2 GiB limit; batches are bounded by bytes
    (READ_BATCH_BYTES), in stored order and in sorted order alike, and every frame comes back."""
    from mosaico_ros_bridge.server.reads import READ_BATCH_BYTES

    frames = pa.schema([TS, pa.field("data", pa.binary())])
    frame = 3 * 1024 * 1024 + 17
    count = 3 * READ_BATCH_BYTES // frame + 5
    for name, order in (("in_order", range(count)), ("reversed", reversed(range(count)))):
        key = raw.sequence(f"cam_{name}")
        rows = [{"timestamp_ns": t, "data": bytes([t % 256]) * frame} for t in order]
        raw.put(f"cam_{name}/image", raw.topic(f"cam_{name}/image", key, "image", "image"), frames,
                [pa.RecordBatch.from_pylist(rows[i:i + 4], schema=frames) for i in range(0, count, 4)])
        raw.act("sequence_finalize", {"name": f"cam_{name}", "key": key})
        reader = raw.client.do_get(fl.Ticket(f"cam_{name}/image".encode()))
        batches = [chunk.data for chunk in reader]
        assert len(batches) >= 3 and all(b.nbytes <= READ_BATCH_BYTES for b in batches)
        stamps = [t for b in batches for t in b.column("timestamp_ns").to_pylist()]
        assert stamps == list(range(count))
        assert all(bytes(v.as_py()) == bytes([t % 256]) * frame
                   for b in batches for t, v in zip(b.column("timestamp_ns").to_pylist(), b.column("data")))
