"""A bare pyarrow.flight client for protocol tests: actions as JSON, puts, reads. No project code."""
from __future__ import annotations

import json
from typing import Any, Sequence

import pyarrow as pa
import pyarrow.flight as fl


class Raw:
    def __init__(self, location: str) -> None:
        self.location = location
        self.client = fl.FlightClient(location)
        self.client.wait_for_available(10)

    def act(self, name: str, body: Any) -> dict[str, Any]:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        results = list(self.client.do_action(fl.Action(name, raw)))
        assert len(results) == 1
        return json.loads(results[0].body.to_pybytes())  # type: ignore[no-any-return]

    def response(self, name: str, body: Any) -> dict[str, Any]:
        framed = self.act(name, body)
        assert framed["action"] == name, framed
        return framed["response"]  # type: ignore[no-any-return]

    def sequence(self, name: str, metadata: Any = None) -> str:
        return self.response("sequence_create", {"name": name, "user_metadata": metadata or {}})["key"]  # type: ignore[no-any-return]

    def topic(self, locator: str, seq_key: str, tag: str = "imu", fmt: str = "default", metadata: Any = None) -> str:
        body = {"name": locator, "sequence_key": seq_key, "serialization_format": fmt, "ontology_tag": tag,
                "user_metadata": metadata or {}}
        return self.response("topic_create", body)["key"]  # type: ignore[no-any-return]

    def open_put(self, locator: str, key: str, schema: pa.Schema) -> fl.FlightStreamWriter:
        command = json.dumps({"topic": {"name": locator, "key": key}}).encode()
        writer, _ = self.client.do_put(fl.FlightDescriptor.for_command(command), schema)
        return writer

    def put(self, locator: str, key: str, schema: pa.Schema, batches: Sequence[pa.RecordBatch]) -> None:
        writer = self.open_put(locator, key, schema)
        for batch in batches:
            writer.write_batch(batch)
        writer.done_writing()
        writer.close()

    def read(self, locator: str) -> pa.Table:
        return self.client.do_get(fl.Ticket(locator.encode())).read_all()


TS = pa.field("timestamp_ns", pa.int64(), nullable=False)
SIMPLE = pa.schema([TS, pa.field("value", pa.float64()), pa.field("label", pa.string())])


def simple_batch(timestamps: Sequence[int]) -> pa.RecordBatch:
    return pa.record_batch([pa.array(list(timestamps), pa.int64()), pa.array([t * 0.5 for t in timestamps]),
                            pa.array([f"row-{t}" for t in timestamps])], schema=SIMPLE)
