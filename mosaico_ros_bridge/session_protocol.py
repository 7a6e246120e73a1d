"""Wire description of the session dialect (mosaicod 0.3-0.7, SDK 0.7.0), shared by client and server.

Action names, body keys, descriptor/ticket keys, the API-key header and the server's error texts
(docs: mosaico-protocol-current.md). Each record is described once; both sides build from here.
"""
from __future__ import annotations

import json
from enum import Enum
from typing import Any

from mosaico_ros_bridge.records import Field, fill

API_KEY_HEADER = "mosaico-api-key-token"
API_KEY_ENV = "MOSAICO_API_KEY"
TLS_CERT_ENV = "MOSAICO_TLS_CERT_FILE"
DEFAULT_DECODE_LIMIT = 52_428_800
ENCODE_LIMIT = 536_870_912
TARGET_ENCODE_SIZE = 26_214_400
BATCH_SHARE = 0.9  # the SDK flushes at 90 % of grpc_max_decode_message_size
SERVER_VERSION = "0.7.0"


class SessionAction(str, Enum):
    """DoAction names of the session dialect (exact, lowercase)."""

    INFO = "info"
    VERSION = "version"  # 0.3-0.6 only; 0.7 answers `info`
    SEQUENCE_CREATE = "sequence_create"
    SEQUENCE_DELETE = "sequence_delete"
    SESSION_CREATE = "session_create"
    SESSION_FINALIZE = "session_finalize"
    SESSION_DELETE = "session_delete"
    TOPIC_CREATE = "topic_create"
    TOPIC_DELETE = "topic_delete"
    SEQUENCE_NOTIFICATION_CREATE = "sequence_notification_create"
    SEQUENCE_NOTIFICATION_LIST = "sequence_notification_list"
    SEQUENCE_NOTIFICATION_PURGE = "sequence_notification_purge"
    TOPIC_NOTIFICATION_CREATE = "topic_notification_create"
    TOPIC_NOTIFICATION_LIST = "topic_notification_list"
    TOPIC_NOTIFICATION_PURGE = "topic_notification_purge"
    QUERY = "query"
    TOPIC_FILTER_CLUSTERIZE = "topic_filter_clusterize"
    TOPIC_FILTER_INTERSECT = "topic_filter_intersect"


class Permission(str, Enum):
    READ = "read"
    WRITE = "write"
    DELETE = "delete"


LOCATOR = (Field("locator"),)
NOTIFICATION = (Field("locator"), Field("notification_type"), Field("msg"))
FORMATS = ("default", "ragged", "image")

BODIES: dict[SessionAction, tuple[Field, ...]] = {
    SessionAction.INFO: (),
    SessionAction.VERSION: (),
    SessionAction.SEQUENCE_CREATE: (Field("locator"), Field("user_metadata", "any")),
    SessionAction.SEQUENCE_DELETE: LOCATOR,
    SessionAction.SESSION_CREATE: LOCATOR,
    SessionAction.SESSION_FINALIZE: (Field("session_uuid"),),
    SessionAction.SESSION_DELETE: LOCATOR,
    SessionAction.TOPIC_CREATE: (Field("session_uuid"), Field("locator"), Field("serialization_format", "enum", FORMATS),
                                 Field("ontology_tag"), Field("user_metadata", "any")),
    SessionAction.TOPIC_DELETE: LOCATOR,
    SessionAction.SEQUENCE_NOTIFICATION_CREATE: NOTIFICATION,
    SessionAction.SEQUENCE_NOTIFICATION_LIST: LOCATOR,
    SessionAction.SEQUENCE_NOTIFICATION_PURGE: LOCATOR,
    SessionAction.TOPIC_NOTIFICATION_CREATE: NOTIFICATION,
    SessionAction.TOPIC_NOTIFICATION_LIST: LOCATOR,
    SessionAction.TOPIC_NOTIFICATION_PURGE: LOCATOR,
}
"""`query` and `topic_filter_*` carry the filter language (server/session/query.py), not fixed keys."""

PERMISSIONS: dict[SessionAction, Permission | None] = {
    SessionAction.INFO: None, SessionAction.VERSION: None,
    SessionAction.SEQUENCE_CREATE: Permission.WRITE, SessionAction.SESSION_CREATE: Permission.WRITE,
    SessionAction.TOPIC_CREATE: Permission.WRITE, SessionAction.SESSION_FINALIZE: Permission.WRITE,
    SessionAction.SEQUENCE_NOTIFICATION_CREATE: Permission.WRITE, SessionAction.TOPIC_NOTIFICATION_CREATE: Permission.WRITE,
    SessionAction.SEQUENCE_DELETE: Permission.DELETE, SessionAction.SESSION_DELETE: Permission.DELETE,
    SessionAction.TOPIC_DELETE: Permission.DELETE, SessionAction.SEQUENCE_NOTIFICATION_PURGE: Permission.DELETE,
    SessionAction.TOPIC_NOTIFICATION_PURGE: Permission.DELETE,
    SessionAction.SEQUENCE_NOTIFICATION_LIST: Permission.READ, SessionAction.TOPIC_NOTIFICATION_LIST: Permission.READ,
    SessionAction.QUERY: Permission.READ, SessionAction.TOPIC_FILTER_CLUSTERIZE: Permission.READ,
    SessionAction.TOPIC_FILTER_INTERSECT: Permission.READ,
}

PUT_FIELDS = (Field("resource_locator"), Field("topic_uuid"))
INFO_FIELDS = (Field("resource_locator"), Field("timestamp_ns_start", "any", required=False),
               Field("timestamp_ns_end", "any", required=False))


class SessionTexts:
    """The server's error texts (0.6.0-dev code, §1.6); `.` ends each, as mosaicod's Display does."""

    NO_ACTION = "Bad request: no available action for string `{name}`."
    BODY = "Bad request: body deserialization error."
    NOT_FOUND = " not found."
    ALREADY_EXISTS = " already exists."
    BAD_LOCATOR = "{value} is not a valid locator."
    BAD_TOPIC_LOCATOR = "{value} is not a valid topic locator."
    UNSUPPORTED_LOCATOR = "Unsupported locator: {value}."
    BAD_UUID = "{value} is not a valid UUID."
    SESSION_FINALIZED = "Session `{locator}` already finalized."
    SESSION_EMPTY = "Session `{locator} is empty.`."
    NO_DOPUT = ("DoPut not called for topic `{locator}`. At least one with an empty batch is required to "
                "finalize the topic.")
    UPLOADING = "Topic `{locator}` is already uploading data."
    UPLOADED = "Topic `{locator}` has already been uploaded and finalized."
    NOT_SAME_SEQUENCE = "Unauthorized: provided topic locator and session do not share the same sequence."
    UUID_MISMATCH = "Unauthorized: received uuid does not match the topic uuid."
    NOTIFICATION_TYPE = "Bad request: invalid notification type `{value}`."
    MISSING_HEADER = "Missing header in request."
    NO_DESCRIPTOR = "Request has no descriptor."
    UNSUPPORTED_DESCRIPTOR = "Unsupported descriptor."
    BAD_REQUEST = "Bad request: {detail}."
    MISSING_SCHEMA = "Missing schema."
    MISSING_TIMESTAMP = "Unsupported schema: missing timestamp field in schema."
    WRONG_TIMESTAMP = "Unsupported schema: wrong timestamp field type, expected int64."
    UNSUPPORTED_MESSAGE = "Unsupported stream message, stream aborted."
    STREAM_ERROR = "Stream error: {detail}."
    BAD_RANGE = "Bad request: bad timestamp range."
    NO_DATA = "Topic `{locator}` has no data."
    MISSING_API_KEY = "Missing API key in request header."
    BAD_API_KEY = "Bad request: {detail}."
    UNKNOWN_API_KEY = "Unauthorized: API key does not exist."
    RPC_PERMISSION = "Unauthorized: provided API key does not have {perm} permissions."
    ACTION_PERMISSION = "Unauthorized: provided API key has not enough permissions to execute {action} action."
    UNIMPLEMENTED = "Unimplemented."
    FILTER_EMPTY = "Bad request: At least 1 filtering condition is required, found 0."
    INTERSECT_TWO = "Bad request: at least 2 topics are required."


def body(action: SessionAction, **values: Any) -> dict[str, Any]:
    return fill(BODIES[action], values, action.value)


def put_command(locator: str, topic_uuid: str) -> bytes:
    """The DoPut CMD descriptor: `{"resource_locator", "topic_uuid"}` (Python json.dumps spacing)."""
    return json.dumps(fill(PUT_FIELDS, {"resource_locator": locator, "topic_uuid": topic_uuid}, "put command")).encode()


def info_command(locator: str, start_ns: int | None = None, end_ns: int | None = None) -> bytes:
    """GetFlightInfo/GetSchema CMD descriptor; the range keys only when given (end exclusive)."""
    return json.dumps(fill(INFO_FIELDS, {"resource_locator": locator, "timestamp_ns_start": start_ns,
                                         "timestamp_ns_end": end_ns}, "info command")).encode()
