"""The spool is made durable every spool.fsync_period_s whatever the recorder is waiting for on the
network (issue #21): a power cut loses at most that much, as the README says. Through a slow link,
finishing a closed part (or uploading a queued one) takes minutes; that wait once held the fsync of
the part being recorded with it. Real spool files, a real local server behind a loopback link."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import mosaico_ros_bridge as mb
from mosaico_ros_bridge.client import Connection
from mosaico_ros_bridge.config import load_config
from mosaico_ros_bridge.recording import Recording, TopicSpec
from mosaico_ros_bridge.server import LocalServer
from mosaico_ros_bridge.writers.encoders import MessageEncoder
from linkproxy import Link
from procs import wait_until
from test_bad_input import ListLog
from test_part_lifetime import TOPIC, push

ROWS = 5000  # records per batch (~80 KB)
FSYNC_S = 0.2


def test_the_recorded_part_is_synced_while_a_closed_part_takes_long_to_finish(tmp_path: Path) -> None:
    with LocalServer(tmp_path / "store", dialect="session") as server, \
            Link(server.port, rate_bytes_s=250_000) as link:
        config = load_config({"server.port": link.port, "server.dialect": "session", "topics.all": True,
                              "sequence.name": "durable", "spool.dir": str(tmp_path / "spool"),
                              "spool.fsync_period_s": FSYNC_S, "writer.max_batch_size_records": ROWS})
        log, fatal = ListLog(), list[BaseException]()
        recording = Recording(config, log, fatal.append)
        recording.start()
        writer = recording.add_topic(TopicSpec(TOPIC, lambda: MessageEncoder(mb.Floating64)))
        first_count = 15 * ROWS  # ~1.2 MB: ~5 s through the link
        push(writer, 1, first_count)
        first = recording.part
        assert first is not None
        wait_until(lambda: first.topics["/values"].sink.batches == 15, 60, "the first part spooled")

        writer = recording.split()["/values"]  # the supervisor now waits for the first part's upload
        second = recording.part
        assert second is not None
        sink: Any = second.topics["/values"].sink
        push(writer, first_count + 1, ROWS)
        wait_until(lambda: sink.batches == 1, 30, "the second part's batch in its spool")
        written = time.monotonic()
        wait_until(lambda: sink.spool.durable_end == sink.spool.end > 0, 10 * FSYNC_S + 1.0,
                   "the second part's spool synced")
        assert not recording.finalized, ("the first part was finished before the check: the test did not hold "
                                         "the supervisor", time.monotonic() - written, log.lines)

        report = recording.stop(None)
        assert report.finalized == ["durable", "durable_001"] and not report.kept and not fatal, (report, log.lines)
    with LocalServer(tmp_path / "store", dialect="session") as server, \
            Connection.connect("127.0.0.1", server.port) as client:
        stored = [client.read_topic_table(name, "/values").table.column("timestamp_ns").to_pylist()
                  for name in report.finalized]
    assert stored == [list(range(1, first_count + 1)), list(range(first_count + 1, first_count + ROWS + 1))]
