"""Read path of the session dialect (§7): GetFlightInfo with a CMD JSON descriptor and DoGet of the
endpoint's opaque ticket (LZ4 IPC is decoded by pyarrow). Two manifest generations: 0.7 puts tag,
format, user metadata and `data_info` in the endpoint's `app_metadata`; 0.3-0.6 (checked against a
real mosaicod 0.6.0-dev) put `info{chunks_number, total_bytes, timestamp}` there and tag, format and
user metadata in the `mosaico:` schema metadata. Same results as reader.py gives for the seed dialect."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.flight as fl

from mosaico_ros_bridge.client.reader import ReadPath, TopicSpan, TopicTable, list_sequences, scan_timestamps
from mosaico_ros_bridge.errors import MosaicoBridgeError
from mosaico_ros_bridge.protocol import MetadataKey
from mosaico_ros_bridge.session_protocol import info_command


@dataclass(frozen=True)
class TopicInfo:
    """One topic's endpoint and what its manifest (of either generation) says."""

    ticket: fl.Ticket
    ontology_tag: str
    serialization_format: str
    user_metadata: Any
    locked: bool
    created_ns: int | None
    chunks: int
    total_bytes: int
    records: int | None  # None: 0.3-0.6 do not say (scan the data)
    first_ns: int | None
    last_ns: int | None


def _info(client: fl.FlightClient, locator: str) -> fl.FlightInfo:
    return client.get_flight_info(fl.FlightDescriptor.for_command(info_command(locator)))


def _json(raw: bytes | None) -> Any:
    return json.loads(raw) if raw else None


def _manifest(raw: bytes | None) -> dict[str, Any]:
    value = _json(raw)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MosaicoBridgeError(f"server sent a manifest that is not a JSON object: {str(value)[:200]}")
    return value


def _schema_metadata(schema: pa.Schema, key: MetadataKey) -> Any:
    return _json((schema.metadata or {}).get(key.value.encode()))


def topic_info(client: fl.FlightClient, locator: str) -> TopicInfo:
    info = _info(client, locator)
    for endpoint in info.endpoints:
        manifest = _manifest(endpoint.app_metadata)
        if manifest.get("resource_locator") == locator:
            break
    else:
        raise MosaicoBridgeError(f"the server's answer for topic {locator!r} names no endpoint of it")
    properties = _schema_metadata(info.schema, MetadataKey.PROPERTIES) or {}
    data = manifest.get("data_info")
    old = manifest.get("info") or {}
    interval = (data.get("interval") if data else old.get("timestamp")) or {}
    return TopicInfo(
        endpoint.ticket, str(manifest.get("ontology_tag") or properties.get("ontology_tag", "")),
        str(manifest.get("serialization_format") or properties.get("serialization_format", "")),
        manifest["user_metadata"] if "user_metadata" in manifest else _schema_metadata(info.schema, MetadataKey.USER_METADATA),
        bool(manifest.get("locked")), manifest.get("created_at_ns"),
        int((data or {}).get("total_chunks_count", old.get("chunks_number", 0)) or 0),
        int((data or {}).get("total_bytes", old.get("total_bytes", 0)) or 0),
        int(data.get("total_row_count") or 0) if data else None, interval.get("start_ns"), interval.get("end_ns"))


def sequence_manifest(client: fl.FlightClient, sequence: str) -> tuple[dict[str, Any], fl.FlightInfo]:
    info = _info(client, sequence)
    manifest = _manifest(info.app_metadata)
    if "user_metadata" not in manifest:  # 0.3-0.6: in the schema metadata
        manifest["user_metadata"] = _schema_metadata(info.schema, MetadataKey.USER_METADATA)
    return manifest, info


def sequence_topics(client: fl.FlightClient, sequence: str) -> tuple[Any, list[str]]:
    """(user metadata, topic locators of every session) of a sequence."""
    manifest, _ = sequence_manifest(client, sequence)
    topics = [t for session in manifest.get("sessions", []) for t in session.get("topics", [])]
    return manifest.get("user_metadata"), sorted(topics)


def read_topic_table(client: fl.FlightClient, locator: str) -> TopicTable:
    topic = topic_info(client, locator)
    table = client.do_get(topic.ticket).read_all()
    return TopicTable(locator, topic.ontology_tag, topic.serialization_format, topic.user_metadata, table)


def topic_properties(client: fl.FlightClient, locator: str) -> dict[str, Any]:
    topic = topic_info(client, locator)
    return {"ontology_tag": topic.ontology_tag, "serialization_format": topic.serialization_format}


def topic_span(client: fl.FlightClient, locator: str) -> TopicSpan:
    """From the manifest where it counts rows (0.7), else by streaming the timestamps once."""
    topic = topic_info(client, locator)
    if topic.records is not None:
        return TopicSpan(topic.records, topic.first_ns, topic.last_ns)
    if topic.chunks == 0:
        return TopicSpan(0, None, None)
    return scan_timestamps(client, topic.ticket)


def _utc(ns: Any) -> str | None:
    if not isinstance(ns, int):
        return None
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ns // 1_000_000_000)) + f".{ns // 1_000_000 % 1000:03d} UTC"


def topic_system_info(client: fl.FlightClient, locator: str) -> dict[str, Any]:
    """The seed's `topic_system_info` keys, from the manifest."""
    topic = topic_info(client, locator)
    return {"chunks_number": topic.chunks, "total_size_bytes": topic.total_bytes, "is_locked": topic.locked,
            "created_datetime": _utc(topic.created_ns)}


def sequence_system_info(client: fl.FlightClient, sequence: str) -> dict[str, Any]:
    """The seed's `sequence_system_info` keys: locked when every session is finalized."""
    manifest, info = sequence_manifest(client, sequence)
    sessions = manifest.get("sessions", [])
    size = 0
    for endpoint in info.endpoints:
        item = _manifest(endpoint.app_metadata)
        size += int((item.get("data_info") or item.get("info") or {}).get("total_bytes", 0) or 0)
    return {"total_size_bytes": size, "is_locked": bool(sessions) and all(s.get("locked") for s in sessions),
            "created_datetime": _utc(manifest.get("created_at_ns")), "sessions": len(sessions)}


def open_topic(client: fl.FlightClient, locator: str) -> fl.FlightStreamReader:
    return client.do_get(topic_info(client, locator).ticket)


SESSION_READS = ReadPath(list_sequences, sequence_topics, read_topic_table, topic_properties, topic_span, open_topic)
