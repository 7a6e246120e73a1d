"""Wire constants of the seed-era Mosaico protocol (mosaicod @ 2d762e1), shared by client and server.

This is the only module the local server and the client both import: action names, JSON keys,
schema-metadata keys and the server's exact error texts (docs: mosaico-protocol.md).
"""
from __future__ import annotations

from enum import Enum

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 6726
MAX_MESSAGE_SIZE = 50 * 1024 * 1024
TIMESTAMP_FIELD = "timestamp_ns"
MESSAGE_HEADER_FIELD = "message_header"
NOTIFY_TYPE_ERROR = "error"
EMPTY_ACTION = "empty"
DATA_FILE = "data-00000.parquet"
METADATA_FILE = "metadata.json"


class Action(str, Enum):
    """DoAction names of the seed dialect (exact, lowercase)."""

    SEQUENCE_CREATE = "sequence_create"
    SEQUENCE_FINALIZE = "sequence_finalize"
    SEQUENCE_ABORT = "sequence_abort"
    SEQUENCE_DELETE = "sequence_delete"
    SEQUENCE_NOTIFY_CREATE = "sequence_notify_create"
    SEQUENCE_NOTIFY_LIST = "sequence_notify_list"
    SEQUENCE_NOTIFY_PURGE = "sequence_notify_purge"
    SEQUENCE_SYSTEM_INFO = "sequence_system_info"
    TOPIC_CREATE = "topic_create"
    TOPIC_DELETE = "topic_delete"
    TOPIC_NOTIFY_CREATE = "topic_notify_create"
    TOPIC_NOTIFY_LIST = "topic_notify_list"
    TOPIC_NOTIFY_PURGE = "topic_notify_purge"
    TOPIC_SYSTEM_INFO = "topic_system_info"
    LAYER_CREATE = "layer_create"
    LAYER_DELETE = "layer_delete"
    LAYER_UPDATE = "layer_update"
    LAYER_LIST = "layer_list"
    QUERY = "query"


class SerializationFormat(str, Enum):
    """Storage hint sent with topic_create."""

    DEFAULT = "default"
    RAGGED = "ragged"
    IMAGE = "image"


class MetadataKey(str, Enum):
    """Arrow schema-metadata keys on GetFlightInfo/DoGet answers."""

    CONTEXT = "mosaico:context"
    USER_METADATA = "mosaico:user_metadata"
    PROPERTIES = "mosaico:properties"


class Texts:
    """The server's error texts, verbatim (tests and the client match on them)."""

    ROW_NOT_FOUND = (
        "facade error :: repository error :: backend error :: "
        "no rows returned by a query that expected to return at least one row"
    )
    BODY_DESERIALIZATION = "action error :: body deserialization error: "
    NO_ACTION = "action error :: no available action for string `{name}`"
    SEQUENCE_EXISTS = "sequence `{name}` already exists"
    TOPIC_EXISTS = "topic `{name}` already exists"
    MALFORMED_KEY = "malformed key :: "
    BAD_KEY = "bad key"
    SEQUENCE_LOCKED_MODIFY = "facade error :: sequence locked, unable to perform modifications"
    TOPIC_UNLOCKED = (
        "facade error :: topic unlocked, unable to perform the requested operation over an unlocked topic"
    )
    SEQUENCE_IS_LOCKED = "sequence is locked"
    UNAUTHORIZED = "facade error :: unauthorized"
    UNKNOWN_NOTIFY_TYPE = "io error :: unkwnown notify type `{value}`"
    MULTIPLE_PATH = "multiple path in descriptor not supported"
    MISSING_DESCRIPTOR = "missing descriptor in request"
    BAD_TICKET = "bad ticket, unable to convert ticket to string (maybe not utf8?)"
    MISSING_HEADER = "missing header message"
    UNSUPPORTED_DESCRIPTOR = "unsupported descriptor type"
    BAD_COMMAND = "bad command :: "
    MISSING_SCHEMA = "missing schema"
    MISSING_TIMESTAMP = "sanitization error :: missing timestamp field in schema"
    WRONG_TIMESTAMP = "sanitization error :: wrong timestamp field type, expected int64"
    DUPLICATE_SCHEMA = "received duplicate schema in payload"
    NO_DATA = "no data received"
    STREAMING = "error during data streaming :: "
    STORE_NOT_FOUND = "repository error :: not found"
    QUERY_DESERIALIZATION = "marshal error :: deserialization error :: "
    QUERY_UNSUPPORTED_OP = (
        "facade error :: repository error :: query error :: operation error :: "
        "field `{field}` has unsupported operation"
    )
    UNIMPLEMENTED = "{rpc} is currently unimplemented"


def sanitize_name(name: str) -> str:
    """What the server does to every name: trim whitespace, then drop one leading '/'."""
    trimmed = name.strip()
    return trimmed[1:] if trimmed.startswith("/") else trimmed
