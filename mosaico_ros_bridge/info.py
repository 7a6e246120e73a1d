"""`python -m mosaico_ros_bridge.info [SEQUENCE] [--server host:port]`: what a sequence holds, read back
from the server (the `ros2 bag info` of this project). Without SEQUENCE, lists the sequences."""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from mosaico_ros_bridge.client import Connection
from mosaico_ros_bridge.client.endpoint import load_api_key
from mosaico_ros_bridge.errors import MosaicoBridgeError
from mosaico_ros_bridge.protocol import DEFAULT_HOST, DEFAULT_PORT
from mosaico_ros_bridge.session_protocol import API_KEY_ENV


@dataclass(frozen=True)
class TopicRow:
    topic: str
    ontology_tag: str
    records: int
    first_ns: int | None
    last_ns: int | None
    size_bytes: int


def _utc(ns: int | None) -> str:
    if ns is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ns // 1_000_000_000)) + f".{ns % 1_000_000_000 // 1_000_000:03d}"


def sequence_rows(client: Connection, sequence: str) -> list[TopicRow]:
    rows = []
    for topic in client.list_topics(sequence):
        info = client.topic_system_info(sequence, topic)
        if info["chunks_number"] == 0:
            rows.append(TopicRow(topic, "-", 0, None, None, 0))
            continue
        span = client.topic_span(sequence, topic)
        tag = str(client.topic_properties(sequence, topic).get("ontology_tag", "?"))
        rows.append(TopicRow(topic, tag, span.records, span.first_ns, span.last_ns, info["total_size_bytes"]))
    return rows


def render(sequence: str, rows: list[TopicRow], status: dict[str, object]) -> str:
    header = ["topic", "ontology tag", "records", "first (UTC)", "last (UTC)", "duration s", "bytes"]
    table = [header] + [[r.topic, r.ontology_tag, str(r.records), _utc(r.first_ns), _utc(r.last_ns),
                         f"{(r.last_ns - r.first_ns) / 1e9:.3f}" if r.first_ns is not None and r.last_ns is not None else "-",
                         str(r.size_bytes)] for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = [f"sequence {sequence}: {'finalized' if status.get('is_locked') else 'NOT finalized'}, "
             f"{len(rows)} topic(s), {sum(r.records for r in rows)} record(s), {status.get('total_size_bytes')} bytes, "
             f"created {status.get('created_datetime')}"]
    lines += ["  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))) for row in table]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mosaico_ros_bridge.info", description=__doc__.splitlines()[0])
    parser.add_argument("sequence", nargs="?")
    parser.add_argument("--server", default=f"{DEFAULT_HOST}:{DEFAULT_PORT}", help="host:port (default %(default)s)")
    parser.add_argument("--tls", action="store_true", help="connect with grpc+tls (system trust store)")
    parser.add_argument("--tls-ca", type=Path, help="PEM file of the CA that signed the server's certificate")
    parser.add_argument("--api-key-file", type=Path, help=f"file holding the API key (default: ${API_KEY_ENV})")
    args = parser.parse_args(argv)
    host, _, port = args.server.rpartition(":")
    try:
        key, _ = load_api_key(args.api_key_file, "--api-key-file")
        with Connection.connect(host or DEFAULT_HOST, int(port), tls=args.tls, tls_cert_path=args.tls_ca,
                                api_key=key) as client:
            if args.sequence is None:
                print("\n".join(client.list_sequences()) or "(no sequences)")
                return 0
            rows = sequence_rows(client, args.sequence)
            print(render(args.sequence, rows, client.sequence_system_info(args.sequence)))
    except (MosaicoBridgeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
