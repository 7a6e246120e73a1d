"""Recorder against a bare rclpy subscriber, side by side in one run (issue: benchmarks).

Per scenario: publishers (own processes, fixed offered rate or flood) into (1) a bare subscriber that
only counts, normally deserialized, (2) the same with raw=True, (3) the recorder writing to the local
server, whose records are counted by reading them back from the server. Prints a table; writes
bench/results/latest.json. Drops are published - recorded; `overflow` is the part the recorder
refused (its buffers were full), the rest never reached it (lost in DDS or still queued at stop);
`counted lost` is the part the recorder counted itself (gaps in the publishers' sequence numbers).
Latency is publish -> recorder receive (header stamp vs receive time, read back) plus receive ->
handed to the server's stream (measured by the recorder; the seed protocol acknowledges only at the
end of a stream); discovery is publisher creation -> the recorder's `topic added` line.

    python -m bench.recorder_vs_baseline [--duration S] [--scenario NAME ...]
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from rclpy.serialization import serialize_message

from bench.common import ServerProcess, save, table
from bench.publisher import make
from mosaico_ros_bridge.mosaico_client import MosaicoClient
from mosaico_ros_bridge.demo.__main__ import Child
from mosaico_ros_bridge.info import sequence_rows

TYPES = {"imu": "sensor_msgs/msg/Imu", "image": "sensor_msgs/msg/Image", "cloud": "sensor_msgs/msg/PointCloud2",
         "odom": "nav_msgs/msg/Odometry", "tf": "tf2_msgs/msg/TFMessage", "tf_static": "tf2_msgs/msg/TFMessage",
         "gps": "sensor_msgs/msg/NavSatFix"}


@dataclass(frozen=True)
class Stream:
    kind: str
    topic: str
    rate: float = 0.0
    fanout: int = 1

    def topics(self) -> list[str]:
        return [self.topic] if self.fanout == 1 else [f"{self.topic}_{i:03d}" for i in range(self.fanout)]


SCENARIOS: dict[str, list[Stream]] = {
    "imu_flood": [Stream("imu", "/imu")],
    "image_flood": [Stream("image", "/camera/image_raw")],
    "suite": [Stream("imu", "/imu", 1000), Stream("image", "/cam_left/image_raw", 30),
              Stream("image", "/cam_right/image_raw", 30), Stream("cloud", "/points", 10), Stream("odom", "/odom", 100),
              Stream("tf", "/tf", 100), Stream("gps", "/gps/fix", 10), Stream("tf_static", "/tf_static")],
    "many_topics": [Stream("imu", "/many/imu", 50, fanout=100)],
}


def _publishers(streams: list[Stream], duration: float, env: dict[str, str]) -> list[Child]:
    return [Child(f"pub {s.topic}", [sys.executable, "-m", "bench.publisher", s.kind, s.topic, "--rate", str(s.rate),
                                     "--duration", str(duration), "--fanout", str(s.fanout)], env, lambda _: False)
            for s in streams]


def _published(publishers: list[Child]) -> dict[str, int]:
    """Messages published per publisher (named `pub TOPIC`)."""
    counts = {}
    for pub in publishers:
        counts[pub.label.split(" ", 1)[1]] = int(pub.wait_for(r"published (\d+)", 120).group(1))
    for pub in publishers:
        try:
            pub.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # seen once: Fast DDS's wait_for_acknowledgments spinning past its timeout
            print(f"bench: {pub.label} did not exit 30 s after publishing; killed", flush=True)
            pub.proc.kill()
            pub.proc.wait()
    return counts


class RssSampler:
    """Samples a process's resident memory twice a second (is it flat after warm-up?)."""

    def __init__(self, pid: int) -> None:
        self.samples: list[tuple[float, float]] = []
        self._pid, self._stop = pid, threading.Event()
        self._start = time.monotonic()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            try:
                rss = next(l for l in Path(f"/proc/{self._pid}/status").read_text().splitlines() if l.startswith("VmRSS"))
            except (OSError, StopIteration):
                return
            self.samples.append((time.monotonic() - self._start, int(rss.split()[1]) / 1024))

    def stop(self) -> dict[str, float]:
        """RSS after the first 10 s of recording, at the end, and the growth in between (MB)."""
        self._stop.set()
        late = [mb for t, mb in self.samples if t >= 10.0]
        if not late:
            return {}
        return {"rss_mb_at_10s": round(late[0], 1), "rss_mb_end": round(late[-1], 1),
                "rss_growth_after_10s_mb": round(max(late) - late[0], 1)}


def _discovery_s(rec: Child, publishers: list[Child]) -> float | None:
    """Slowest topic: from its publisher's creation to the recorder's `topic added` line."""
    started = {pub.label.split(" ", 1)[1]: int(pub.wait_for(r"started (\d+)", 30).group(1)) / 1e9 for pub in publishers}
    delays = []
    for line in rec.lines:
        found = re.search(r"\[(\d+\.\d+)\] \[mosaico_recorder\]: topic added: (\S+)", line)
        if found:
            topic = found.group(2)
            base = next((t for t in started if topic == t or topic.startswith(t + "_")), None)
            if base is not None:
                delays.append(float(found.group(1)) - started[base])
    return round(max(delays), 3) if delays else None


def publish_to_receive_ms(client: MosaicoClient, sequence: str, topics: list[str]) -> tuple[float, float] | None:
    """p50/p99 of (recorder receive time - publisher's header stamp), streamed from the server."""
    latencies: list[int] = []
    for topic in topics:
        for batch in client.stream_topic(sequence, topic):
            # the ROS header: seed `message_header.stamp{sec, nanosec}`, 0.7 `header.timestamp{seconds,
            # nanoseconds}`, a fallback topic's ROS-style `header.stamp{sec, nanosec}`
            column = next((c for c in ("message_header", "header") if c in batch.schema.names), None)
            if column is None or batch.num_rows == 0:
                break
            header_type = batch.schema.field(column).type
            ros_style = header_type.get_field_index("stamp") >= 0
            stamp = pc.struct_field(batch.column(column), ["stamp" if ros_style else "timestamp"])
            sent = pc.add(pc.multiply(pc.cast(pc.struct_field(stamp, ["sec" if ros_style else "seconds"]), pa.int64()),
                                      1_000_000_000),
                          pc.cast(pc.struct_field(stamp, ["nanosec" if ros_style else "nanoseconds"]), pa.int64()))
            if pc.max(sent).as_py() == 0:
                break
            latencies.extend(pc.drop_null(pc.subtract(batch.column("timestamp_ns"), sent)).to_pylist()[:20000])
    if not latencies:
        return None
    latencies.sort()
    return latencies[len(latencies) // 2] / 1e6, latencies[len(latencies) * 99 // 100] / 1e6


def _usage(pid: int) -> tuple[float, float]:
    """(CPU seconds, peak RSS MB) of a live process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / 100.0  # utime, stime in clock ticks (100 Hz)
    hwm = next(l for l in Path(f"/proc/{pid}/status").read_text().splitlines() if l.startswith("VmHWM"))
    return cpu, int(hwm.split()[1]) / 1024


def run_baseline(streams: list[Stream], duration: float, raw: bool, env: dict[str, str]) -> dict[str, Any]:
    specs = [f"{t}={TYPES[s.kind]}" for s in streams for t in s.topics()]
    sub = Child("baseline", [sys.executable, "-m", "bench.subscriber", *specs, *(["--raw"] if raw else [])], env, lambda _: False)
    sub.wait_for("ready", 30)
    published = sum(_published(_publishers(streams, duration, env)).values())
    time.sleep(1.0)
    sub.proc.send_signal(signal.SIGINT)
    result = json.loads(sub.wait_for(r"result (\{.*\})", 30).group(1))
    return {"published": published, "received": sum(result["counts"].values()), "cpu_s": result["cpu_s"],
            "peak_rss_mb": result["peak_rss_mb"]}


def run_recorder(streams: list[Stream], duration: float, env: dict[str, str], spool: bool,
                 direct_io: bool = True, dialect: str = "session") -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="mosaico-bench-rec-"))
    try:
        return _record(streams, duration, env, {"dir": str(work / "spool"), "enabled": spool, "direct_io": direct_io},
                       work, dialect)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _record(streams: list[Stream], duration: float, env: dict[str, str], spool: dict[str, Any],
            work: Path, dialect: str) -> dict[str, Any]:
    with ServerProcess(dialect) as server:
        config = work / "record.yaml"
        config.write_text(json.dumps({"mosaico_recorder": {"ros__parameters": {
            "server": {"port": server.port}, "sequence": {"name": "bench_{stamp}"},
            "topics": {"names": [t for s in streams for t in s.topics()], "discovery_period_s": 0.2},
            "spool": spool}}}))
        rec = Child("recorder", [sys.executable, "-m", "mosaico_ros_bridge", "--ros-args", "--params-file", str(config)],
                    env, lambda line: "error" in line.lower() or "warn" in line.lower())
        sequence = rec.wait_for(r"sequence created: (\S+)", 30).group(1)
        rss = RssSampler(rec.proc.pid)
        publishers = _publishers(streams, duration, env)
        per_publisher = _published(publishers)
        time.sleep(1.0)
        cpu, peak_rss = _usage(rec.proc.pid)
        memory = rss.stop()
        rec.proc.send_signal(signal.SIGINT)
        code = rec.proc.wait(timeout=120)
        summary = rec.wait_for(r"(\d+) dropped and \d+ rejected of (\d+) received, (\d+) lost before the recorder", 30)
        server_latency = re.search(r"receive->server latency p50 ([\d.]+) ms, p99 ([\d.]+) ms", summary.string)
        with MosaicoClient.connect("127.0.0.1", server.port) as client:
            rows = {r.topic: r.records for r in sequence_rows(client, sequence)}
            receive_latency = publish_to_receive_ms(client, sequence, sorted(rows)[:10])
    per_topic = {t: {"published": n, "recorded": rows.get(t, 0)} for t, n in per_publisher.items()} if len(rows) <= 10 else {}
    latency: dict[str, float] = {}
    if receive_latency and server_latency:  # the two legs' percentiles added: an upper bound for p99
        latency = {"latency_p50_ms": round(receive_latency[0] + float(server_latency.group(1)), 1),
                   "latency_p99_ms": round(receive_latency[1] + float(server_latency.group(2)), 1),
                   "publish_to_receive_p50_ms": round(receive_latency[0], 1),
                   "receive_to_server_p50_ms": float(server_latency.group(1))}
    return {"published": sum(per_publisher.values()), "recorded": sum(rows.values()), "cpu_s": cpu,
            "peak_rss_mb": peak_rss, "exit": code, "per_topic": per_topic, "dropped": int(summary.group(1)),
            "received": int(summary.group(2)), "lost_counted": int(summary.group(3)), "discovery_s": _discovery_s(rec, publishers), **latency, **memory}


def message_bytes(streams: list[Stream]) -> dict[str, int]:
    return {s.kind: len(serialize_message(make(s.kind))) for s in streams}


def scenario(name: str, duration: float, env: dict[str, str], spool: bool = True, log: Any = print,
             direct_io: bool = True, dialect: str = "session") -> dict[str, Any]:
    streams = SCENARIOS[name]
    log(f"bench: {name}: baseline (deserializing) ...")
    base = run_baseline(streams, duration, False, env)
    log(f"bench: {name}: baseline (raw) ...")
    raw = run_baseline(streams, duration, True, env)
    mode = ("O_DIRECT" if direct_io else "buffered") + " spool" if spool else "no spool"
    log(f"bench: {name}: recorder -> local server ({dialect} dialect, {mode}) ...")
    rec = run_recorder(streams, duration, env, spool, direct_io, dialect)
    sizes = message_bytes(streams)
    mean_bytes = sum(sizes[s.kind] * (s.rate or 1) * s.fanout for s in streams) / sum((s.rate or 1) * s.fanout for s in streams)
    return {
        "baseline_msgs_per_s": round(base["received"] / duration, 1), "baseline_raw_msgs_per_s": round(raw["received"] / duration, 1),
        "recorded_msgs_per_s": round(rec["recorded"] / duration, 1),
        "baseline_mb_per_s": round(base["received"] * mean_bytes / duration / 1e6, 1),
        "recorded_mb_per_s": round(rec["recorded"] * mean_bytes / duration / 1e6, 1),
        "ratio": round(rec["recorded"] / max(base["received"], 1), 3),
        "drops": rec["published"] - rec["recorded"], "published_in_recorder_run": rec["published"],
        "baseline_drops": base["published"] - base["received"],
        "cpu_ratio": round(rec["cpu_s"] / max(base["cpu_s"], 1e-6), 2),
        "recorder_cpu_s": round(rec["cpu_s"], 2), "baseline_cpu_s": round(base["cpu_s"], 2),
        "baseline_raw_cpu_s": round(raw["cpu_s"], 2), "peak_rss_mb": round(rec["peak_rss_mb"], 1),
        "baseline_peak_rss_mb": round(base["peak_rss_mb"], 1), "recorder_exit": rec["exit"],
        "spool": spool, "spool_direct_io": spool and direct_io, "per_topic": rec["per_topic"],
        "recorder_received": rec["received"], "recorder_dropped": rec["dropped"], "lost_counted": rec["lost_counted"],
        **{k: rec[k] for k in ("discovery_s", "latency_p50_ms", "latency_p99_ms", "publish_to_receive_p50_ms",
                               "receive_to_server_p50_ms", "rss_mb_at_10s", "rss_mb_end", "rss_growth_after_10s_mb")
           if k in rec},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS))
    parser.add_argument("--no-spool", action="store_true", help="record with spool.enabled false (its cost)")
    parser.add_argument("--buffered-spool", action="store_true", help="spool.direct_io false (what O_DIRECT saves)")
    parser.add_argument("--dialect", choices=["session", "seed"], default="session", help="the local server's dialect")
    args = parser.parse_args(argv)
    import os
    import random

    env = {**os.environ, "ROS_AUTOMATIC_DISCOVERY_RANGE": "LOCALHOST", "PYTHONUNBUFFERED": "1",
           "ROS_DOMAIN_ID": os.environ.get("ROS_DOMAIN_ID", str(random.randint(102, 215)))}
    results = {name: scenario(name, args.duration, env, not args.no_spool, direct_io=not args.buffered_spool,
                              dialect=args.dialect)
               for name in (args.scenario or list(SCENARIOS))}
    header = ["scenario", "base msg/s", "raw msg/s", "rec msg/s", "ratio", "drops", "counted lost", "overflow", "base drops",
              "cpu ratio", "peak RSS MB", "RSS +>10s", "lat p50/p99 ms", "discovery s"]
    rows = [header] + [[n, str(r["baseline_msgs_per_s"]), str(r["baseline_raw_msgs_per_s"]), str(r["recorded_msgs_per_s"]),
                        f"{r['ratio']:.2f}", str(r["drops"]), str(r["lost_counted"]), str(r["recorder_dropped"]),
                        str(r["baseline_drops"]),
                        f"{r['cpu_ratio']:.2f}", str(r["peak_rss_mb"]), str(r.get("rss_growth_after_10s_mb", "-")),
                        f"{r.get('latency_p50_ms', '-')}/{r.get('latency_p99_ms', '-')}", str(r.get("discovery_s"))]
                       for n, r in results.items()]
    print(table(rows))
    print(f"results: {save('latest' if args.dialect == 'session' else 'latest_seed', results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
