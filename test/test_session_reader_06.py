"""Reading from a 0.3-0.6 session server: the answers below are the ones a real mosaicod 0.6.0-dev
(cabba/mosaico c3b6e3f, built and run by hand) gave for a recorded IMU topic — `version` instead of
`info`; user metadata, ontology tag and format in `mosaico:` schema metadata; endpoint manifests
with `info{chunks_number, total_bytes, timestamp}` and no row count; a binary ticket. Our client
detects it and reads everything back through the same calls as on 0.7."""
from __future__ import annotations

import json
from typing import Any, Iterator

import pyarrow as pa
import pyarrow.flight as fl
import pytest

from mosaico_ros_bridge import MosaicoClient, ontology07
from mosaico_ros_bridge.ontology import message_schema

TICKET = b"\nrun_06/imu\x00\x00"
SEQUENCE_MANIFEST = {"created_at_ns": 1796244124557768209, "resource_locator": "run_06", "sessions": [
    {"locator": "run_06:01M8W7WCWG4C9ZG8R5MBB0HHDR", "created_at_ns": 1796244124560423848,
     "completed_at_ns": 1796244124889500957, "topics": ["run_06/imu"], "locked": True}]}
TOPIC_MANIFEST = {"created_at_ns": 1796244124567583203, "completed_at_ns": 1796244124885044030, "locked": True,
                  "resource_locator": "run_06/imu",
                  "info": {"chunks_number": 1, "total_bytes": 16042, "timestamp": {"start_ns": 100, "end_ns": 109}}}
TOPIC_METADATA = {"mosaico:context": "topic", "mosaico:properties": '{"serialization_format":"default","ontology_tag":"IMU"}',
                  "mosaico:user_metadata": '{"v":1}'}


def imu_table() -> pa.Table:
    rows = [{"timestamp_ns": 100 + i, "header": {"timestamp": {"seconds": 1, "nanoseconds": i}, "frame_id": "f",
                                                 "sample_counter": None},
             "acceleration": {"x": float(i), "y": 0.0, "z": 1.0}, "angular_velocity": {"x": 0.0, "y": 0.0, "z": 0.0},
             "orientation": None} for i in range(10)]
    schema = message_schema(ontology07.IMU).remove_metadata()
    return pa.Table.from_pylist(rows, schema=pa.schema([f.remove_metadata() for f in schema]))


class Server06(fl.FlightServerBase):  # type: ignore[misc]
    def do_action(self, context: Any, action: fl.Action) -> Iterator[fl.Result]:
        if action.type == "version":
            return iter([fl.Result(b'{"action":"version","response":{"version":"0.6.0-dev","semver":'
                                   b'{"major":0,"minor":6,"patch":0,"pre":"dev"}}}')])
        raise pa.ArrowInvalid(f"Bad request: no available action for string `{action.type}`.")

    def list_flights(self, context: Any, criteria: bytes) -> Iterator[fl.FlightInfo]:
        yield fl.FlightInfo(pa.schema([]), fl.FlightDescriptor.for_path("run_06"), [], -1, -1)

    def get_flight_info(self, context: Any, descriptor: fl.FlightDescriptor) -> fl.FlightInfo:
        locator = json.loads(descriptor.command)["resource_locator"]
        endpoint = fl.FlightEndpoint(TICKET, [], app_metadata=json.dumps(TOPIC_MANIFEST))
        if locator == "run_06":
            schema = pa.schema([], metadata={"mosaico:context": "sequence", "mosaico:user_metadata": '{"a":1}'})
            return fl.FlightInfo(schema, descriptor, [endpoint], -1, -1, app_metadata=json.dumps(SEQUENCE_MANIFEST))
        return fl.FlightInfo(imu_table().schema.with_metadata(TOPIC_METADATA), descriptor, [endpoint], -1, -1)

    def do_get(self, context: Any, ticket: fl.Ticket) -> fl.FlightDataStream:
        assert ticket.ticket == TICKET
        return fl.RecordBatchStream(imu_table().replace_schema_metadata(TOPIC_METADATA))


@pytest.fixture
def server() -> Iterator[Server06]:
    with Server06("grpc://127.0.0.1:0") as running:
        yield running


def test_a_06_server_is_read_through_the_same_calls(server: Server06) -> None:
    with MosaicoClient.connect("127.0.0.1", server.port) as client:
        assert (client.dialect, client.server.version, client.server.decode_limit) == ("session", "0.6.0-dev", None)
        assert client.list_sequences() == ["run_06"]
        assert client.sequence_metadata("run_06") == {"a": 1}
        assert client.list_topics("run_06") == ["/imu"]
        assert client.topic_properties("run_06", "/imu") == {"ontology_tag": "IMU", "serialization_format": "default"}
        span = client.topic_span("run_06", "/imu")  # no row count in 0.6 manifests: counted from the data
        assert (span.records, span.first_ns, span.last_ns) == (10, 100, 109)
        assert client.topic_system_info("run_06", "/imu")["total_size_bytes"] == 16042
        assert client.sequence_system_info("run_06")["is_locked"] is True
        table = client.read_topic_table("run_06", "/imu")
        assert table.user_metadata == {"v": 1}
        assert [m.data.acceleration.x for m in table.messages()] == [float(i) for i in range(10)]
