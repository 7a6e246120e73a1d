"""A topic's upload stream, opened in one place for the writing API, the recorder and the spool upload:
`topic_create`, a lane of its own, DoPut with the put descriptor, and `topic_delete` if the stream
cannot be opened. Every pyarrow error of the stream leaves it as ConnectionFailed or a ServerError
child carrying the server's text."""
from __future__ import annotations

import pyarrow as pa
import pyarrow.flight as fl

from mosaico_ros_bridge.client.actions import FLIGHT_ERRORS, Actions, flight_error
from mosaico_ros_bridge.client.names import topic_locator, validate_topic_name
from mosaico_ros_bridge.client.pools import LanePool
from mosaico_ros_bridge.errors import MosaicoBridgeError
from mosaico_ros_bridge.topic_description import TopicDescription

PUT = "do_put"


class TopicStream:
    """One open DoPut stream of a topic; owns the pyarrow writer (a BatchSink of the writing API)."""

    def __init__(self, writer: fl.FlightStreamWriter, locator: str, target: str) -> None:
        self.locator = locator
        self._writer = writer
        self._target = target

    def _failed(self, exc: BaseException) -> MosaicoBridgeError:
        return flight_error(exc, f"upload of topic {self.locator!r}", self._target, PUT)

    def write(self, batch: pa.RecordBatch) -> None:
        try:
            self._writer.write_batch(batch)
        except FLIGHT_ERRORS as exc:
            raise self._failed(exc) from exc

    def done_writing(self) -> None:
        """Half-close: no more batches."""
        try:
            self._writer.done_writing()
        except FLIGHT_ERRORS as exc:
            raise self._failed(exc) from exc

    def close(self) -> None:
        """Wait for the server's verdict on the whole stream; raises what it refused."""
        try:
            self._writer.close()
        except FLIGHT_ERRORS as exc:
            raise self._failed(exc) from exc

    def finish(self) -> None:
        self.done_writing()
        self.close()

    def abandon(self) -> None:
        """Close without caring whether the server stored anything (after a failure elsewhere)."""
        try:
            self.finish()
        except MosaicoBridgeError:
            pass


def open_topic_stream(actions: Actions, lanes: LanePool, sequence: str, sequence_key: str,
                      topic: TopicDescription) -> TopicStream:
    """Create the topic in the sequence and open its upload on a lane (create_topic, then open_stream)."""
    locator, topic_key = create_topic(actions, sequence, sequence_key, topic)
    return open_stream(actions, lanes, locator, topic_key, topic.schema)


def create_topic(actions: Actions, sequence: str, sequence_key: str, topic: TopicDescription) -> tuple[str, str]:
    """topic_create in the sequence; returns (locator, topic key)."""
    locator = topic_locator(sequence, validate_topic_name(topic.name))
    return locator, actions.topic_create(locator, sequence_key, topic.serialization_format, topic.ontology_tag,
                                         topic.metadata)


def open_stream(actions: Actions, lanes: LanePool, locator: str, topic_key: str, schema: pa.Schema) -> TopicStream:
    """The topic's DoPut on a lane of its own. A stream that cannot be opened rolls the topic back
    (topic_delete) and raises the failure, naming the topic and the rollback."""
    try:
        writer, _ = lanes.acquire().do_put(actions.put_descriptor(locator, topic_key), schema)
    except FLIGHT_ERRORS as exc:
        rollback = _roll_back(actions, locator)
        raise flight_error(exc, f"opening the upload of topic {locator!r} ({rollback})", actions.target, PUT) from exc
    return TopicStream(writer, locator, actions.target)


def _roll_back(actions: Actions, locator: str) -> str:
    try:
        actions.topic_delete(locator)
    except MosaicoBridgeError as exc:
        return f"rolling the topic back failed too: {exc}"
    return "the topic was rolled back"
