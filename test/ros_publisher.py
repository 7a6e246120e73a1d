"""A publisher process for tests: publishes COUNT deterministic messages of KIND on TOPIC with
reliable + transient_local QoS (so a late subscriber still gets them), prints one line, then stays
alive until its stdin closes (the test ends it) or DEADLINE seconds pass."""
from __future__ import annotations

import argparse
import sys
import threading
import time
from typing import Any

import rclpy
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy

from samples import MAKERS


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=sorted(MAKERS))
    parser.add_argument("topic")
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--deadline", type=float, default=60.0)
    args = parser.parse_args()
    rclpy.init()
    node = rclpy.create_node(f"test_publisher_{args.kind}")
    first = MAKERS[args.kind](0)
    qos = QoSProfile(
        history=HistoryPolicy.KEEP_LAST, depth=args.count,
        reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.TRANSIENT_LOCAL,
    )
    publisher = node.create_publisher(type(first), args.topic, qos)
    for i in range(args.count):
        publisher.publish(MAKERS[args.kind](i))
    print(f"published {args.count}", flush=True)
    serve_until_stdin_closes(node, args.deadline)
    return 0


def serve_until_stdin_closes(node: Any, deadline: float) -> None:
    """What every test publisher process does once it has published: spin (so reliable delivery
    completes) until the test closes its stdin or `deadline` seconds pass, then shut down."""
    stdin_closed = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stdin_closed.set()), daemon=True).start()
    stop_at = time.monotonic() + deadline
    try:
        while not stdin_closed.is_set() and time.monotonic() < stop_at:
            rclpy.spin_once(node, timeout_sec=0.1)
    except KeyboardInterrupt:  # SIGINT from launch teardown ends it as cleanly as closing stdin
        pass
    node.destroy_node()
    rclpy.try_shutdown()


if __name__ == "__main__":
    sys.exit(main())
