"""Soak through an emulated robot link (issue #21): the local server behind a TCP proxy on 127.0.0.1
(test/linkproxy.py) — by default 20 Mbit/s, 300 ms delay each way, 5 % segment loss (each a
retransmission a round trip late) and a 10 s cut every minute; the recorder records a robot's sensor set
(IMU 200 Hz, odometry and TF 50 Hz, a 60 KB compressed camera 10 Hz, GPS 10 Hz) for M minutes with the
product's defaults (split every 600 s). Reports published / stored (read back from the server) / counted
lost per topic, cuts and reconnects, and the recorder's and server's RSS every --sample-s seconds.

    python -m bench.link_soak [--minutes M] [--dialect session|seed] [--split-s S] [--loss P]
                              [--cut-every S --cut-for S] [--mbit R] [--delay-ms D]
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
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.common import ServerProcess, save, table
from mosaico_ros_bridge.demo.__main__ import Child
from mosaico_ros_bridge.mosaico_client import MosaicoClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "test"))
from linkproxy import Link  # noqa: E402  (the tests' loopback link emulator)

STREAMS = [("imu", "/imu", 200.0), ("odom", "/odom", 50.0), ("tf", "/tf", 50.0),
           ("compressed", "/camera/image_raw/compressed", 10.0), ("gps", "/gps/fix", 10.0)]


@dataclass(frozen=True)
class Profile:
    """The emulated link and the run: a cut of cut_for_s every cut_every_s (0: never)."""

    minutes: float = 10.0
    dialect: str = "session"
    split_s: float | None = None  # None: the product default
    mbit: float = 20.0
    delay_ms: float = 300.0
    loss: float = 0.05
    cut_every_s: float = 60.0
    cut_for_s: float = 10.0
    sample_s: float = 30.0


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1]) / 1024


def cutter(link: Link, profile: Profile, stop: threading.Event, cuts: list[float]) -> None:
    while profile.cut_every_s and not stop.wait(profile.cut_every_s - profile.cut_for_s):
        link.cut()
        cuts.append(time.monotonic())
        stop.wait(profile.cut_for_s)
        link.restore()


def stored_per_topic(port: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    with MosaicoClient.connect("127.0.0.1", port) as client:
        for sequence in client.list_sequences():
            for topic in client.list_topics(sequence):
                counts[topic] = counts.get(topic, 0) + client.topic_span(sequence, topic).records
    return counts


def parameters(profile: Profile, port: int, work: Path) -> Path:
    sequence: dict[str, Any] = {"name": "soak_{stamp}"}
    if profile.split_s is not None:
        sequence["split"] = {"max_duration_s": profile.split_s}
    path = work / "record.yaml"
    path.write_text(json.dumps({"mosaico_recorder": {"ros__parameters": {
        "server": {"port": port, "dialect": profile.dialect}, "sequence": sequence,
        "topics": {"names": [topic for _, topic, _ in STREAMS], "discovery_period_s": 0.2},
        "spool": {"dir": str(work / "spool")}, "status": {"period_s": 1.0}}}}))
    return path


def sample_rss(profile: Profile, rec: Child, server: ServerProcess, cuts: list[float]) -> dict[str, list[float]]:
    """RSS of recorder and server every sample_s seconds while the publishers run."""
    series: dict[str, list[float]] = {"at_s": [], "recorder_mb": [], "server_mb": []}
    start, duration = time.monotonic(), profile.minutes * 60
    for at in [n * profile.sample_s for n in range(1, int(duration // profile.sample_s) + 1)]:
        time.sleep(max(0.0, start + at - time.monotonic()))  # sampling instants, not synchronisation
        series["at_s"].append(at)
        series["recorder_mb"].append(round(rss_mb(rec.proc.pid), 1))
        series["server_mb"].append(round(rss_mb(server.proc.pid), 1))
        print(f"soak: {at:.0f} s: recorder {series['recorder_mb'][-1]} MB, server {series['server_mb'][-1]} MB,"
              f" {len(cuts)} cut(s)", flush=True)
    return series


def soak(profile: Profile) -> dict[str, Any]:
    env = {**os.environ, "ROS_AUTOMATIC_DISCOVERY_RANGE": "LOCALHOST", "PYTHONUNBUFFERED": "1",
           "ROS_DOMAIN_ID": os.environ.get("ROS_DOMAIN_ID", str(random.randint(102, 215)))}
    work = Path(tempfile.mkdtemp(prefix="mosaico-soak-"))
    with ServerProcess(profile.dialect) as server, Link(server.port, rate_bytes_s=profile.mbit * 125_000,
                                                        delay_s=profile.delay_ms / 1000, loss=profile.loss) as link:
        rec = Child("recorder", [sys.executable, "-m", "mosaico_ros_bridge", "--ros-args", "--params-file",
                                 str(parameters(profile, link.port, work))], env,
                    lambda line: " lost (" in line or "finalized" in line or "split" in line)
        rec.wait_for(r"sequence created", 60)
        pubs = [Child(f"pub {topic}", [sys.executable, "-m", "bench.publisher", kind, topic, "--rate", str(rate),
                                        "--duration", str(profile.minutes * 60)], env, lambda _: False)
                for kind, topic, rate in STREAMS]
        stop, cuts = threading.Event(), list[float]()
        threading.Thread(target=cutter, args=(link, profile, stop, cuts), daemon=True).start()
        rss = sample_rss(profile, rec, server, cuts)
        published = {p.label.split(" ", 1)[1]: int(p.wait_for(r"published (\d+)", 120).group(1)) for p in pubs}
        stop.set()
        link.restore()
        stopped = time.monotonic()
        rec.proc.send_signal(signal.SIGINT)
        code = rec.proc.wait(timeout=1800)
        summary = rec.wait_for(r"of (\d+) received, (\d+) lost before the recorder", 10)
        for pub in pubs:
            pub.stop()
        stored = stored_per_topic(server.port)
    return {**asdict(profile), "exit": code, "stop_s": round(time.monotonic() - stopped, 1), "cuts": len(cuts),
            "reconnects": sum(1 for line in rec.lines if " lost (" in line),
            "resent_batches": [int(m.group(1)) for line in rec.lines
                               if (m := re.search(r"re-sending (\d+) spooled batch", line))],
            "retransmitted_chunks": link.retransmitted, "published": published, "stored": stored,
            "received": int(summary.group(1)), "counted_lost": int(summary.group(2)), "rss": rss,
            "summary": next(line for line in rec.lines if "recording stopped" in line)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=Profile.minutes)
    parser.add_argument("--dialect", choices=["session", "seed"], default=Profile.dialect)
    parser.add_argument("--split-s", type=float, help="sequence.split.max_duration_s (default: the product's)")
    parser.add_argument("--mbit", type=float, default=Profile.mbit)
    parser.add_argument("--delay-ms", type=float, default=Profile.delay_ms, help="each way")
    parser.add_argument("--loss", type=float, default=Profile.loss, help="probability a TCP segment is lost")
    parser.add_argument("--cut-every", type=float, default=Profile.cut_every_s, help="seconds (0: no cuts)")
    parser.add_argument("--cut-for", type=float, default=Profile.cut_for_s)
    parser.add_argument("--sample-s", type=float, default=Profile.sample_s)
    parser.add_argument("--name", default="link_soak", help="results file name (bench/results/NAME.json)")
    args = parser.parse_args(argv)
    result = soak(Profile(args.minutes, args.dialect, args.split_s, args.mbit, args.delay_ms, args.loss,
                          args.cut_every, args.cut_for, args.sample_s))
    rows = [["topic", "published", "stored", "missing"]] + [
        [t, str(n), str(result["stored"].get(t, 0)), str(n - result["stored"].get(t, 0))] for t, n in result["published"].items()]
    print(table(rows))
    print(f"exit {result['exit']} ({result['stop_s']} s after SIGINT); {result['cuts']} cut(s), "
          f"{result['reconnects']} reconnect(s) re-sending {result['resent_batches']} batch(es); "
          f"{result['retransmitted_chunks']} chunk(s) retransmitted; counted lost {result['counted_lost']}")
    print(f"RSS MB (recorder / server) every {args.sample_s:.0f} s: "
          + ", ".join(f"{r}/{s}" for r, s in zip(result["rss"]["recorder_mb"], result["rss"]["server_mb"])))
    print(f"results: {save(args.name, result)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
