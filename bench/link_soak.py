"""Soak through an emulated robot link (issue #21): the local server behind a TCP proxy on 127.0.0.1
(test/linkproxy.py) at 20 Mbit/s with 300 ms delay and a 10 s cut every minute; the recorder records
a robot's sensor set (IMU 200 Hz, odometry and TF 50 Hz, a 60 KB compressed camera 10 Hz, GPS 10 Hz)
for M minutes. Reports published / stored (read back from the server, directly) / counted lost /
dropped per topic, the reconnects, and the recorder's and server's RSS over time. TCP hides packet
loss as delay, so loss is not emulated beyond the cuts.

    python -m bench.link_soak [--minutes M] [--dialect session|seed] [--split-s S]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.common import ServerProcess, save, table
from mosaico_ros_bridge.demo.__main__ import Child
from mosaico_ros_bridge.mosaico_client import MosaicoClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "test"))
from linkproxy import Link  # noqa: E402  (the tests' loopback link emulator)

STREAMS = [("imu", "/imu", 200.0), ("odom", "/odom", 50.0), ("tf", "/tf", 50.0),
           ("compressed", "/camera/image_raw/compressed", 10.0), ("gps", "/gps/fix", 10.0)]
CUT_EVERY_S, CUT_FOR_S = 60.0, 10.0


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1]) / 1024


def cutter(link: Link, stop: threading.Event, cuts: list[float]) -> None:
    while not stop.wait(CUT_EVERY_S - CUT_FOR_S):
        link.cut()
        cuts.append(time.monotonic())
        stop.wait(CUT_FOR_S)
        link.restore()


def stored_per_topic(port: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    with MosaicoClient.connect("127.0.0.1", port) as client:
        for sequence in client.list_sequences():
            for topic in client.list_topics(sequence):
                counts[topic] = counts.get(topic, 0) + client.topic_span(sequence, topic).records
    return counts


def soak(minutes: float, dialect: str, split_s: float = 0.0) -> dict[str, Any]:
    duration = minutes * 60
    env = {**os.environ, "ROS_AUTOMATIC_DISCOVERY_RANGE": "LOCALHOST", "PYTHONUNBUFFERED": "1",
           "ROS_DOMAIN_ID": os.environ.get("ROS_DOMAIN_ID", str(random.randint(102, 215)))}
    work = Path(tempfile.mkdtemp(prefix="mosaico-soak-"))
    with ServerProcess(dialect) as server, Link(server.port, rate_bytes_s=2_500_000, delay_s=0.3) as link:
        (work / "record.yaml").write_text(json.dumps({"mosaico_recorder": {"ros__parameters": {
            "server": {"port": link.port, "dialect": dialect}, "sequence": {"name": "soak_{stamp}", "split": {"max_duration_s": split_s}},
            "topics": {"names": [topic for _, topic, _ in STREAMS], "discovery_period_s": 0.2},
            "spool": {"dir": str(work / "spool")}, "status": {"period_s": 1.0}}}}))
        rec = Child("recorder", [sys.executable, "-m", "mosaico_ros_bridge", "--ros-args", "--params-file",
                                 str(work / "record.yaml")], env, lambda line: " lost (" in line or "finalized" in line)
        rec.wait_for(r"sequence created", 60)
        pubs = [Child(f"pub {topic}", [sys.executable, "-m", "bench.publisher", kind, topic, "--rate", str(rate),
                                        "--duration", str(duration)], env, lambda _: False)
                for kind, topic, rate in STREAMS]
        stop, cuts = threading.Event(), list[float]()
        threading.Thread(target=cutter, args=(link, stop, cuts), daemon=True).start()
        start, samples = time.monotonic(), {}
        for at in sorted({t for t in (60, 300, 600) if t <= duration} | {int(duration)}):
            time.sleep(max(0.0, start + at - time.monotonic()))  # sampling instants, not synchronisation
            samples[f"{at}s"] = {"recorder_rss_mb": round(rss_mb(rec.proc.pid), 1),
                                 "server_rss_mb": round(rss_mb(server.proc.pid), 1)}
            print(f"soak: {at} s: {samples[f'{at}s']}, {len(cuts)} cut(s)", flush=True)
        published = {p.label.split(" ", 1)[1]: int(p.wait_for(r"published (\d+)", 120).group(1)) for p in pubs}
        stop.set()
        link.restore()
        rec.proc.send_signal(signal.SIGINT)
        code = rec.proc.wait(timeout=600)
        summary = rec.wait_for(r"of (\d+) received, (\d+) lost before the recorder", 10)
        for pub in pubs:
            pub.stop()
        stored = stored_per_topic(server.port)
        reconnects = sum(1 for line in rec.lines if " lost (" in line)
        resent = [int(m.group(1)) for line in rec.lines if (m := re.search(r"re-sending (\d+) spooled batch", line))]
    return {"minutes": minutes, "dialect": dialect, "split_s": split_s, "exit": code, "cuts": len(cuts), "reconnects": reconnects,
            "resent_batches": resent,
            "published": published, "stored": stored, "received": int(summary.group(1)),
            "counted_lost": int(summary.group(2)), "rss": samples,
            "summary": next(line for line in rec.lines if "recording stopped" in line)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--dialect", choices=["session", "seed"], default="session")
    parser.add_argument("--split-s", type=float, default=0.0, help="sequence.split.max_duration_s (0: unsplit)")
    args = parser.parse_args(argv)
    result = soak(args.minutes, args.dialect, args.split_s)
    rows = [["topic", "published", "stored", "missing"]] + [
        [t, str(n), str(result["stored"].get(t, 0)), str(n - result["stored"].get(t, 0))] for t, n in result["published"].items()]
    print(table(rows))
    print(f"exit {result['exit']}; {result['cuts']} cut(s), {result['reconnects']} reconnect(s) re-sending "
          f"{result['resent_batches']} batch(es); counted lost "
          f"{result['counted_lost']}; RSS {result['rss']}")
    print(f"results: {save('link_soak' if not args.split_s else 'link_soak_split', result)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
