"""Read path of the session dialect (§7): GetFlightInfo with a CMD JSON descriptor, the
`SequenceAppMetadata`/`TopicAppMetadata` manifests, DoGet of the endpoint's opaque ticket (LZ4 IPC
is decoded by pyarrow). Same results as reader.py gives for the seed dialect."""
from __future__ import annotations

import json
import time
from typing import Any

import pyarrow.flight as fl

from mosaico_ros_bridge.client.reader import ReadPath, TopicSpan, TopicTable, list_sequences
from mosaico_ros_bridge.errors import MosaicoBridgeError
from mosaico_ros_bridge.session_protocol import info_command


def _utc(ns: Any) -> str | None:
    if not isinstance(ns, int):
        return None
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ns // 1_000_000_000)) + f".{ns // 1_000_000 % 1000:03d} UTC"


def _info(client: fl.FlightClient, locator: str) -> fl.FlightInfo:
    return client.get_flight_info(fl.FlightDescriptor.for_command(info_command(locator)))


def _manifest(raw: bytes | None) -> dict[str, Any]:
    if not raw:
        return {}
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise MosaicoBridgeError(f"server sent a manifest that is not a JSON object: {raw[:200]!r}")
    return value


def sequence_manifest(client: fl.FlightClient, sequence: str) -> dict[str, Any]:
    return _manifest(_info(client, sequence).app_metadata)


def _endpoint(client: fl.FlightClient, locator: str) -> tuple[fl.FlightEndpoint, dict[str, Any]]:
    for endpoint in _info(client, locator).endpoints:
        manifest = _manifest(endpoint.app_metadata)
        if manifest.get("resource_locator") == locator:
            return endpoint, manifest
    raise MosaicoBridgeError(f"the server's answer for topic {locator!r} names no endpoint of it")


def sequence_topics(client: fl.FlightClient, sequence: str) -> tuple[Any, list[str]]:
    """(user metadata, topic locators of every session) of a sequence."""
    manifest = sequence_manifest(client, sequence)
    topics = [t for session in manifest.get("sessions", []) for t in session.get("topics", [])]
    return manifest.get("user_metadata"), sorted(topics)


def read_topic_table(client: fl.FlightClient, locator: str) -> TopicTable:
    endpoint, manifest = _endpoint(client, locator)
    table = client.do_get(endpoint.ticket).read_all()
    return TopicTable(locator, str(manifest.get("ontology_tag", "")), str(manifest.get("serialization_format", "")),
                      manifest.get("user_metadata"), table)


def topic_properties(client: fl.FlightClient, locator: str) -> dict[str, Any]:
    _, manifest = _endpoint(client, locator)
    return {"ontology_tag": manifest.get("ontology_tag"), "serialization_format": manifest.get("serialization_format")}


def topic_span(client: fl.FlightClient, locator: str) -> TopicSpan:
    """From the manifest's data_info (the server counts; nothing is streamed)."""
    _, manifest = _endpoint(client, locator)
    data = manifest.get("data_info") or {}
    interval = data.get("interval") or {}
    return TopicSpan(int(data.get("total_row_count") or 0), interval.get("start_ns"), interval.get("end_ns"))


def topic_system_info(client: fl.FlightClient, locator: str) -> dict[str, Any]:
    """The seed's `topic_system_info` keys, from the manifest."""
    _, manifest = _endpoint(client, locator)
    data = manifest.get("data_info") or {}
    return {"chunks_number": data.get("total_chunks_count", 0), "total_size_bytes": data.get("total_bytes", 0),
            "is_locked": bool(manifest.get("locked")), "created_datetime": _utc(manifest.get("created_at_ns"))}


def sequence_system_info(client: fl.FlightClient, sequence: str) -> dict[str, Any]:
    """The seed's `sequence_system_info` keys: locked when every session is finalized."""
    info = _info(client, sequence)
    manifest = _manifest(info.app_metadata)
    sessions = manifest.get("sessions", [])
    size = sum((_manifest(e.app_metadata).get("data_info") or {}).get("total_bytes", 0) for e in info.endpoints)
    return {"total_size_bytes": size, "is_locked": bool(sessions) and all(s.get("locked") for s in sessions),
            "created_datetime": _utc(manifest.get("created_at_ns")), "sessions": len(sessions)}


SESSION_READS = ReadPath(list_sequences, sequence_topics, read_topic_table, topic_properties, topic_span)
