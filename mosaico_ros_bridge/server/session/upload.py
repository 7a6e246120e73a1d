"""DoPut of the session dialect (§6.2-§6.5): CMD `{"resource_locator", "topic_uuid"}`, one upload per
topic ever, zero batches allowed, the schema stored exactly as received, no PutResult."""
from __future__ import annotations

import pyarrow as pa
import pyarrow.flight as fl

from mosaico_ros_bridge.protocol import TIMESTAMP_FIELD
from mosaico_ros_bridge.server.bodies import BodyError, decode
from mosaico_ros_bridge.server.errors import Code, ProtocolError
from mosaico_ros_bridge.server.session.catalog import SessionCatalog
from mosaico_ros_bridge.server.upload import TopicUpload
from mosaico_ros_bridge.session_protocol import PUT_FIELDS, SessionTexts as T


def parse_descriptor(descriptor: fl.FlightDescriptor) -> tuple[str, str]:
    if descriptor.descriptor_type == fl.DescriptorType.PATH:
        raise ProtocolError(T.UNSUPPORTED_DESCRIPTOR, Code.INVALID_ARGUMENT)
    if not descriptor.command:
        raise ProtocolError(T.NO_DESCRIPTOR, Code.INVALID_ARGUMENT)
    try:
        command = decode(descriptor.command, PUT_FIELDS, "DoPutCmd")
    except BodyError as exc:
        raise ProtocolError(T.BAD_REQUEST.format(detail=exc), Code.INVALID_ARGUMENT) from None
    return command["resource_locator"], command["topic_uuid"]


def check_timestamp(schema: pa.Schema) -> None:
    index = schema.get_field_index(TIMESTAMP_FIELD)
    if index < 0:
        raise ProtocolError(T.MISSING_TIMESTAMP, Code.INVALID_ARGUMENT)
    if schema.field(index).type != pa.int64():
        raise ProtocolError(T.WRONG_TIMESTAMP, Code.INVALID_ARGUMENT)


def _next_batch(reader: fl.MetadataRecordBatchReader) -> pa.RecordBatch | None:
    try:
        chunk = reader.read_chunk()
    except StopIteration:
        return None
    except pa.ArrowException as exc:
        if "schema" in str(exc).lower():
            raise ProtocolError(T.UNSUPPORTED_MESSAGE, Code.ABORTED) from None
        raise ProtocolError(T.STREAM_ERROR.format(detail=str(exc).rstrip(".")), Code.CANCELLED) from None
    if chunk.data is None:
        raise ProtocolError(T.UNSUPPORTED_MESSAGE, Code.ABORTED)
    return chunk.data


def handle_put(catalog: SessionCatalog, descriptor: fl.FlightDescriptor, reader: fl.MetadataRecordBatchReader,
               decode_limit: int) -> None:
    locator, topic_uuid = parse_descriptor(descriptor)
    schema = reader.schema
    check_timestamp(schema)
    topic = catalog.start_upload(locator, topic_uuid)
    upload = TopicUpload(lambda make: catalog.while_current(topic, make), catalog.store.paths.partial_data_path(locator),
                         topic.serialization_format, schema, decode_limit)
    try:
        upload.stream(lambda: _next_batch(reader), lambda partial, chunk: catalog.complete_upload(topic, partial, chunk))
    except BaseException:
        catalog.abandon_upload(topic)
        raise
