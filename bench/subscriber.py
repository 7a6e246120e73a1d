"""Baseline: a bare rclpy subscriber process (events executor) that only counts messages on the
given topics, normally deserialized or `--raw`. Runs until SIGINT; prints one JSON line with the
counts, CPU seconds and peak RSS."""
from __future__ import annotations

import argparse
import json
import resource
import sys

import rclpy
from rclpy.experimental import EventsExecutor
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy

from mosaico_ros_bridge.adapters import message_class
from mosaico_ros_bridge.shutdown import init_with_stop_signals, spin_until


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("topics", nargs="+", help="TOPIC=pkg/msg/Type")
    parser.add_argument("--raw", action="store_true")
    args = parser.parse_args()
    stop = init_with_stop_signals()
    node = rclpy.create_node("bench_baseline")
    counts: dict[str, int] = {}
    for spec in args.topics:
        topic, ros_type = spec.split("=")
        counts[topic] = 0
        latched = topic == "/tf_static"
        qos = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE,
                         durability=DurabilityPolicy.TRANSIENT_LOCAL if latched else DurabilityPolicy.VOLATILE)

        def on_message(_: object, name: str = topic) -> None:
            counts[name] += 1

        node.create_subscription(message_class(ros_type), topic, on_message, qos, raw=args.raw)
    executor = EventsExecutor()
    executor.add_node(node)
    print("ready", flush=True)
    spin_until(executor, stop)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print("result " + json.dumps({"counts": counts, "cpu_s": usage.ru_utime + usage.ru_stime,
                                  "peak_rss_mb": usage.ru_maxrss / 1024}), flush=True)
    executor.shutdown()
    node.destroy_node()
    rclpy.try_shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
