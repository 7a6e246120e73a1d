"""Local server, DoAction side: framing, every error row of §4/§5 with its text, the lock machine,
notifications, system info and query. Driven with a bare pyarrow.flight client."""
from __future__ import annotations

import re
import uuid
from typing import Any

import pyarrow as pa
import pyarrow.flight as fl
import pytest

from flightraw import SIMPLE, TS, Raw, simple_batch
from mosaico_ros_bridge.protocol import Texts

ROW_NOT_FOUND = Texts.ROW_NOT_FOUND


@pytest.fixture
def raw(server: Any) -> Raw:
    return Raw(server.location)


def fails(raw: Raw, name: str, body: Any, text: str, error: type = fl.FlightInternalError) -> None:
    with pytest.raises(error) as info:
        raw.act(name, body)
    assert text in str(info.value), str(info.value)


def test_framing_with_and_without_payload(raw: Raw) -> None:
    created = raw.act("sequence_create", {"name": "frames", "user_metadata": {}})
    assert set(created) == {"action", "response"} and created["action"] == "sequence_create"
    assert str(uuid.UUID(created["response"]["key"])) == created["response"]["key"]
    assert raw.act("sequence_delete", {"name": "frames"}) == {"action": "empty"}


def test_names_are_sanitized_like_the_server(raw: Raw) -> None:
    key = raw.sequence("  /run_42 ")
    fails(raw, "sequence_create", {"name": "run_42", "user_metadata": {}}, "sequence `run_42` already exists")
    raw.sequence("run_42/")  # a different locator
    raw.topic("/run_42/imu", key)
    fails(raw, "topic_create", {"name": "run_42/imu", "sequence_key": key, "serialization_format": "default",
                                "ontology_tag": "imu", "user_metadata": {}}, "topic `run_42/imu` already exists")


@pytest.mark.parametrize("name,body,text", [
    ("nope", {}, "action error :: no available action for string `nope`"),
    ("sequence_create", {"name": "x"}, "action error :: body deserialization error: missing field `user_metadata`"),
    ("sequence_create", b"", "action error :: body deserialization error: EOF while parsing a value"),
    ("sequence_create", b"not json", "action error :: body deserialization error: expected value at line 1"),
    ("sequence_create", b'{"name": "x", "user_metadata": NaN}', "body deserialization error: expected value"),
    ("sequence_create", {"name": 5, "user_metadata": {}}, "body deserialization error: invalid type: integer `5`, expected a string"),
    ("topic_create", {"name": "a/b", "sequence_key": str(uuid.uuid4()), "serialization_format": "foo",
                      "ontology_tag": "imu", "user_metadata": {}},
     "unknown variant `foo`, expected one of `default`, `ragged`, `image`"),
    ("topic_create", {"name": "a/b", "sequence_key": "zzz", "serialization_format": "default",
                      "ontology_tag": "imu", "user_metadata": {}}, "malformed key :: "),
    ("topic_create", {"name": "a/b", "sequence_key": str(uuid.uuid4()), "serialization_format": "default",
                      "ontology_tag": "imu", "user_metadata": {}}, ROW_NOT_FOUND),
    ("sequence_finalize", {"name": "ghost", "key": str(uuid.uuid4())}, ROW_NOT_FOUND),
    ("sequence_abort", {"name": "ghost", "key": str(uuid.uuid4())}, ROW_NOT_FOUND),
    ("sequence_delete", {"name": "ghost"}, ROW_NOT_FOUND),
    ("topic_delete", {"name": "ghost/t"}, ROW_NOT_FOUND),
    ("sequence_system_info", {"name": "ghost"}, ROW_NOT_FOUND),
    ("topic_system_info", {"name": "ghost/t"}, ROW_NOT_FOUND),
    ("sequence_notify_create", {"name": "ghost", "notify_type": "error", "msg": "m"}, ROW_NOT_FOUND),
    ("topic_notify_create", {"name": "ghost/t", "notify_type": "error", "msg": "m"}, ROW_NOT_FOUND),
    ("sequence_notify_create", {"name": "ghost", "notify_type": "warning", "msg": "m"},
     "io error :: unkwnown notify type `warning`"),
    ("sequence_notify_create", {"name": "ghost", "notify_type": "error"}, "missing field `msg`"),
])
def test_error_rows(raw: Raw, name: str, body: Any, text: str) -> None:
    fails(raw, name, body, text)


def test_array_bodies_in_field_order_are_accepted(raw: Raw) -> None:
    key = raw.response("sequence_create", ["arr", {"k": 1}])["key"]
    assert raw.act("sequence_finalize", ["arr", key]) == {"action": "empty"}


def test_topic_create_checks_in_order(raw: Raw) -> None:
    key = raw.sequence("order")
    other = raw.sequence("other")
    body = {"name": "order/t", "sequence_key": key, "serialization_format": "default", "ontology_tag": "imu",
            "user_metadata": {}}
    fails(raw, "topic_create", {**body, "name": "other/t"}, "facade error :: unauthorized")
    raw.topic("orderx/t", key)  # plain prefix check, as the real server does
    raw.topic("order/t", key)
    fails(raw, "topic_create", {**body, "sequence_key": "bad"}, "topic `order/t` already exists")
    raw.put("other/t", raw.topic("other/t", other), SIMPLE, [simple_batch([1])])
    raw.act("sequence_finalize", {"name": "other", "key": other})
    fails(raw, "topic_create", {**body, "name": "other/u", "sequence_key": other}, Texts.SEQUENCE_LOCKED_MODIFY)


def test_finalize_and_abort_key_and_lock_rows(raw: Raw) -> None:
    key = raw.sequence("keys")
    tkey = raw.topic("keys/t", key)
    fails(raw, "sequence_finalize", {"name": "keys", "key": "nope"}, "malformed key :: ")
    fails(raw, "sequence_finalize", {"name": "keys", "key": str(uuid.uuid4())}, "bad key")
    fails(raw, "sequence_finalize", {"name": "keys", "key": key}, Texts.TOPIC_UNLOCKED)
    fails(raw, "sequence_abort", {"name": "keys", "key": "nope"}, "malformed key :: ")
    fails(raw, "sequence_abort", {"name": "keys", "key": str(uuid.uuid4())}, "bad key")
    raw.put("keys/t", tkey, SIMPLE, [simple_batch([1, 2])])
    raw.act("sequence_finalize", {"name": "keys", "key": key})
    fails(raw, "sequence_finalize", {"name": "keys", "key": key}, Texts.SEQUENCE_LOCKED_MODIFY)
    fails(raw, "sequence_abort", {"name": "keys", "key": key}, "sequence is locked")
    fails(raw, "sequence_delete", {"name": "keys"}, "sequence is locked")
    fails(raw, "topic_delete", {"name": "keys/t"}, "sequence is locked")


def test_lock_state_machine_cell_by_cell(raw: Raw) -> None:
    key = raw.sequence("cells")
    t1 = raw.topic("cells/a", key)
    t2 = raw.topic("cells/b", key)
    # unlocked topic: deletable, blocks finalize
    raw.act("topic_delete", {"name": "cells/b"})
    t2 = raw.topic("cells/b", key)
    fails(raw, "sequence_finalize", {"name": "cells", "key": key}, Texts.TOPIC_UNLOCKED)
    raw.put("cells/a", t1, SIMPLE, [simple_batch([1])])
    assert raw.response("topic_system_info", {"name": "cells/a"})["is_locked"] is True
    # locked topic: not deletable; a second DoPut is accepted and overwrites (server does not check)
    fails(raw, "topic_delete", {"name": "cells/a"}, "sequence is locked")
    raw.put("cells/a", t1, SIMPLE, [simple_batch([7, 8])])
    assert raw.read("cells/a").column("timestamp_ns").to_pylist() == [7, 8]
    # empty topic (no batch): locked, does not block finalize, unreadable
    raw.put("cells/b", t2, SIMPLE, [])
    assert raw.response("topic_system_info", {"name": "cells/b"}) | {"created_datetime": ""} == {
        "chunks_number": 0, "total_size_bytes": 0, "is_locked": True, "created_datetime": ""}
    raw.act("sequence_finalize", {"name": "cells", "key": key})
    with pytest.raises(fl.FlightInternalError, match="not found"):
        raw.read("cells/b")
    # finalized sequence: notifications still allowed
    raw.act("sequence_notify_create", {"name": "cells", "notify_type": "error", "msg": "after"})
    assert [n["msg"] for n in raw.response("sequence_notify_list", {"name": "cells"})["notifies"]] == ["after"]


def test_abort_and_delete_remove_everything(raw: Raw, server: Any) -> None:
    for name, action in (("ab", "sequence_abort"), ("de", "sequence_delete")):
        key = raw.sequence(name)
        raw.put(f"{name}/t", raw.topic(f"{name}/t", key), SIMPLE, [simple_batch([1])])
        raw.act(action, {"name": name, "key": key})
        fails(raw, "sequence_system_info", {"name": name}, ROW_NOT_FOUND)
        fails(raw, "topic_system_info", {"name": f"{name}/t"}, ROW_NOT_FOUND)
        assert not (server.store / name).exists()
        raw.sequence(name)  # the name is free again


def test_notifications_create_list_purge(raw: Raw) -> None:
    key = raw.sequence("notes")
    raw.topic("notes/t", key)
    raw.act("sequence_notify_create", {"name": "notes", "notify_type": "error", "msg": "boom ü"})
    raw.act("topic_notify_create", {"name": "/notes/t", "notify_type": "error", "msg": "t-boom"})
    seq_list = raw.response("sequence_notify_list", {"name": "notes"})["notifies"]
    assert [(n["name"], n["notify_type"], n["msg"]) for n in seq_list] == [("notes", "error", "boom ü")]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{3})? UTC", seq_list[0]["created_datetime"])
    assert raw.act("topic_notify_list", {"name": "notes/t"})["action"] == "topic_notify_list"
    assert [n["msg"] for n in raw.response("topic_notify_list", {"name": "notes/t"})["notifies"]] == ["t-boom"]
    raw.act("sequence_notify_purge", {"name": "notes"})
    assert raw.response("sequence_notify_list", {"name": "notes"}) == {"notifies": []}
    assert raw.response("topic_notify_list", {"name": "ghost"}) == {"notifies": []}
    assert raw.act("topic_notify_purge", {"name": "ghost"}) == {"action": "empty"}


def test_system_info(raw: Raw) -> None:
    key = raw.sequence("sys")
    raw.put("sys/t", raw.topic("sys/t", key), SIMPLE, [simple_batch(range(100))])
    topic = raw.response("topic_system_info", {"name": "sys/t"})
    assert topic["chunks_number"] == 1 and topic["total_size_bytes"] > 0 and topic["is_locked"] is True
    seq = raw.response("sequence_system_info", {"name": "sys"})
    assert seq["is_locked"] is False and seq["total_size_bytes"] > topic["total_size_bytes"]


def test_layers(raw: Raw) -> None:
    assert raw.response("layer_list", {})["layers"] == [{"name": "default", "description": ""}]
    raw.act("layer_create", {"name": "gt", "description": "ground truth"})
    raw.act("layer_update", {"prev_name": "gt", "curr_name": "truth", "curr_description": "d"})
    assert {x["name"] for x in raw.response("layer_list", {})["layers"]} == {"default", "truth"}
    raw.act("layer_delete", {"name": "truth"})
    fails(raw, "layer_list", b"", "body deserialization error: EOF")


def _query_fixture(raw: Raw) -> None:
    for name, city, speed in (("q_milan", "Milan", 3), ("q_turin", "Turin", 12)):
        key = raw.sequence(name, {"location": {"city": city}, "speed": speed, "ok": True})
        raw.put(f"{name}/sensors/imu", raw.topic(f"{name}/sensors/imu", key, "imu", metadata={"interface": {"type": "UART"}}),
                SIMPLE, [simple_batch([1, 2, 3])])
        raw.topic(f"{name}/camera", key, "image", "image")


@pytest.mark.parametrize("body,expected", [
    ({}, []),
    ({"sequence": {"name": {"$eq": "q_milan"}}}, [("q_milan", ["q_milan/camera", "q_milan/sensors/imu"])]),
    ({"sequence": {"name": {"$match": "q_"}}, "topic": {"name": {"$eq": "/sensors/imu"}}},
     [("q_milan", ["q_milan/sensors/imu"]), ("q_turin", ["q_turin/sensors/imu"])]),
    ({"sequence": {"user_metadata": {"location.city": {"$eq": "Turin"}}}}, [("q_turin", ["q_turin/camera", "q_turin/sensors/imu"])]),
    ({"sequence": {"user_metadata": {"speed": {"$gt": 5}}}}, [("q_turin", ["q_turin/camera", "q_turin/sensors/imu"])]),
    ({"sequence": {"user_metadata": {"ok": {"$eq": True}, "speed": {"$between": [0, 4]}}}}, [("q_milan", ["q_milan/camera", "q_milan/sensors/imu"])]),
    ({"topic": {"user_metadata": {"interface.type": {"$eq": "UART"}}, "ontology_tag": {"$eq": "imu"}}},
     [("q_milan", ["q_milan/sensors/imu"]), ("q_turin", ["q_turin/sensors/imu"])]),
    ({"topic": {"serialization_format": {"$in": ["image"]}}, "sequence": {"name": {"$neq": "q_milan"}}},
     [("q_turin", ["q_turin/camera"])]),
    ({"sequence": {"user_metadata": {"missing": "$nex", "location": "$ex"}, "name": {"$eq": "q_milan"}}},
     [("q_milan", ["q_milan/camera", "q_milan/sensors/imu"])]),
    ({"ontology": {"imu.value": {"$geq": 1.5}}}, [("q_milan", ["q_milan/sensors/imu"]), ("q_turin", ["q_turin/sensors/imu"])]),
    ({"ontology": {"imu.value": {"$gt": 99}}}, []),
])
def test_query(raw: Raw, body: Any, expected: list[tuple[str, list[str]]]) -> None:
    _query_fixture(raw)
    items = raw.response("query", body)["items"]
    assert [(i["sequence"], sorted(i["topics"])) for i in items] == expected


def test_query_errors(raw: Raw) -> None:
    fails(raw, "query", {"sequence": {"name": {"$bogus": 1}}}, "marshal error :: deserialization error :: unknown variant `$bogus`")
    fails(raw, "query", {"sequence": {"created_timestamp": {"$match": "x"}}},
          "facade error :: repository error :: query error :: operation error :: field `created_timestamp` has unsupported operation")
    fails(raw, "query", {"sequence": {"user_metadata": {"a": {"$in": [1]}}}}, "has unsupported operation")
    fails(raw, "query", {"sequence": {"user_metadata": {"a": {"$ex": 1}}}}, "marshal error :: deserialization error :: ")


def test_get_flight_info_and_list_errors(raw: Raw) -> None:
    with pytest.raises(pa.ArrowInvalid, match="multiple path in descriptor not supported"):
        raw.client.get_flight_info(fl.FlightDescriptor.for_path("a", "b"))
    with pytest.raises(fl.FlightInternalError, match="unsupported descriptor type"):
        raw.client.get_flight_info(fl.FlightDescriptor.for_command(b"x"))
    with pytest.raises(fl.FlightInternalError, match="repository error :: not found"):
        raw.client.get_flight_info(fl.FlightDescriptor.for_path("ghost"))
    with pytest.raises(fl.FlightInternalError, match="unsupported descriptor type"):
        list(raw.client.list_flights(b"something"))
    with pytest.raises(pa.ArrowInvalid, match=re.escape("bad ticket, unable to convert ticket to string (maybe not utf8?)")):
        raw.client.do_get(fl.Ticket(b"\xff\xfe")).read_all()


def test_unimplemented_rpcs(raw: Raw) -> None:
    with pytest.raises(pa.ArrowNotImplementedError, match="get_schema is currently unimplemented"):
        raw.client.get_schema(fl.FlightDescriptor.for_path("x"))
    with pytest.raises(pa.ArrowNotImplementedError, match="list_actions is currently unimplemented"):
        list(raw.client.list_actions())


VEC = pa.struct([pa.field("x", pa.float64()), pa.field("y", pa.float64())])
IMU_LIKE = pa.schema([TS, pa.field("acceleration", VEC)])
GPS_LIKE = pa.schema([TS, pa.field("status", pa.struct([pa.field("service", pa.int32())]))])


def _put_rows(raw: Raw, locator: str, key: str, tag: str, schema: pa.Schema, rows: list[dict[str, Any]]) -> None:
    batch = pa.RecordBatch.from_pylist([{"timestamp_ns": i, **row} for i, row in enumerate(rows)], schema=schema)
    raw.put(locator, raw.topic(locator, key, tag), schema, [batch])


def test_ontology_query_over_several_tags_intersects_sequences_and_joins_topics(raw: Raw) -> None:
    key = raw.sequence("q_multi")
    _put_rows(raw, "q_multi/imu", key, "imu", IMU_LIKE, [{"acceleration": {"x": 1.0, "y": 0.0}}])
    _put_rows(raw, "q_multi/gps", key, "gps", GPS_LIKE, [{"status": {"service": 1}}])
    other = raw.sequence("q_imu_only")  # matches the imu group but has no gps topic: not in the answer
    _put_rows(raw, "q_imu_only/imu", other, "imu", IMU_LIKE, [{"acceleration": {"x": 2.0, "y": 0.0}}])
    body = {"ontology": {"imu.acceleration.x": {"$gt": 0.5}, "gps.status.service": {"$geq": 1}}}
    items = raw.response("query", body)["items"]
    assert [(i["sequence"], sorted(i["topics"])) for i in items] == [("q_multi", ["q_multi/gps", "q_multi/imu"])]


def test_ontology_expressions_of_one_tag_are_one_row_filter(raw: Raw) -> None:
    key = raw.sequence("q_rows")
    _put_rows(raw, "q_rows/a", key, "imu", IMU_LIKE,
              [{"acceleration": {"x": 1.0, "y": 0.0}}, {"acceleration": {"x": 0.0, "y": 1.0}}])
    _put_rows(raw, "q_rows/b", key, "imu", IMU_LIKE, [{"acceleration": {"x": 1.0, "y": 1.0}}])
    body = {"ontology": {"imu.acceleration.x": {"$gt": 0.5}, "imu.acceleration.y": {"$gt": 0.5}}}
    items = raw.response("query", body)["items"]
    assert [(i["sequence"], i["topics"]) for i in items] == [("q_rows", ["q_rows/b"])]
