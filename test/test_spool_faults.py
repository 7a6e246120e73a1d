"""A damaged spool is a spool fault, not a lost server (issue #16): a frame that cannot be read back
while an upload catches up from the spool gives one error naming the file and the batch, is counted,
and the recording goes on — no reconnect, no rebuild, no abort loop. Real spool files, a real local
server, the recorder's own Recording."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

import mosaico_ros_bridge as mb
from mosaico_ros_bridge.client import Connection
from mosaico_ros_bridge.config import load_config
from mosaico_ros_bridge.recording import Recording, TopicSpec
from mosaico_ros_bridge.server import LocalServer
from mosaico_ros_bridge.spool.files import HEADER
from mosaico_ros_bridge.topic_description import TopicDescription
from mosaico_ros_bridge.writers.encoders import MessageEncoder
from test_bad_input import ListLog
from test_spool import free_port

ROWS = 10  # records per batch (writer.max_batch_size_records)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        time.sleep(0.02)


def damage(path: Path, offset: int) -> None:
    """Overwrite the payload of the frame at `offset` (its header stays intact)."""
    with open(path, "r+b") as handle:
        handle.seek(offset + HEADER.size + 16)
        handle.write(b"\xde\xad\xbe\xef" * 64)


def test_a_damaged_frame_met_while_catching_up_is_one_spool_error_and_no_reconnect(tmp_path: Path) -> None:
    port = free_port()
    config = load_config({"server.port": port, "server.dialect": "seed", "server.timeout_s": 0.5, "topics.all": True,
                          "sequence.name": "damaged",
                          "spool.dir": str(tmp_path / "spool"), "spool.retry_max_s": 0.2,
                          "writer.max_batch_size_records": ROWS})
    log, fatal = ListLog(), []
    recording = Recording(config, log, fatal.append)
    recording.start()  # no server yet: into the spool
    encoder = MessageEncoder(mb.Floating64)
    topic = TopicDescription("/values", mb.Floating64.ontology_tag(), mb.Floating64.serialization_format().value,
                             encoder.schema)
    writer = recording.add_topic(TopicSpec(topic, lambda: MessageEncoder(mb.Floating64)))
    for i in range(5 * ROWS):
        writer.push_item(mb.Message(timestamp_ns=i + 1, data=mb.Floating64(data=i / 2)), 8)
    writer.flush()
    part = recording.part
    assert part is not None and part.spool is not None
    sink: Any = part.topics["/values"].sink
    wait_for(lambda: sink.batches == 5, "five batches in the spool")
    spool_file = part.spool.topic_file(part.spool.manifest.topics[0])
    damage(spool_file, sink.spool.offsets[2])

    with LocalServer(tmp_path / "store", port=port) as server:
        wait_for(lambda: any("sequence created" in text for _, text in log.lines), "the reconnect")
        wait_for(lambda: writer.stats.unreadable == 1 and writer.stats.from_spool == 4, "the catch-up")
        report = recording.stop(None)
        assert report.finalized == ["damaged"] and not report.kept and not fatal, (report, fatal, log.lines)
        with Connection.connect("127.0.0.1", server.port) as client:
            stored = client.read_topic_table("damaged", "/values").table.column("timestamp_ns").to_pylist()

    assert stored == [t for t in range(1, 5 * ROWS + 1) if not 2 * ROWS < t <= 3 * ROWS]
    errors = [text for level, text in log.lines if level == "error"]
    assert len(errors) == 1, log.lines
    assert str(spool_file) in errors[0] and "batch 2 is damaged or unreadable" in errors[0] and "'/values'" in errors[0]
    assert not [text for level, text in log.lines if level == "warning" and " lost (" in text], log.lines
    assert len([text for _, text in log.lines if "sequence created" in text]) == 1, log.lines
