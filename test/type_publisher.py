"""A publisher process for tests: every ROS type of the case tables (test_adapters.CASES,
ros_cases.SESSION_ONLY_CASES and UNMODELED_CASES) on its own topic, `/all/<pkg>/<Type>`, and the same
messages as big-endian CDR (what a big-endian host or its bag replays sends; rosbags writes it) on
`/all_be/<pkg>/<Type>`: `messages_of` each, reliable + transient_local. Prints `published N topics`,
then stays alive until its stdin closes or DEADLINE seconds pass."""
from __future__ import annotations

import argparse
import sys
from typing import Any, Callable

import rclpy
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
from rclpy.serialization import serialize_message

from cdr_codec import big_endian
from ros_publisher import serve_until_stdin_closes

COUNT = 3


def cases() -> list[tuple[str, Callable[[int], Any]]]:
    from ros_cases import SESSION_ONLY_CASES, UNMODELED_CASES
    from test_adapters import CASES
    return [(t, make) for t, make, _ in CASES] + SESSION_ONLY_CASES + UNMODELED_CASES


def messages_of(make: Callable[[int], Any]) -> list[Any]:
    """COUNT messages with edge values, then a default message (empty header, zero covariances)."""
    return [make(i) for i in range(COUNT)] + [type(make(0))()]


def topic_of(ros_type: str, big: bool = False) -> str:
    package, _, name = ros_type.split("/")
    return f"/{'all_be' if big else 'all'}/{package}/{name}"


def cdr_of(ros_type: str, message: Any, big: bool) -> bytes:
    raw = serialize_message(message)
    return big_endian(raw, ros_type) if big else raw


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deadline", type=float, default=120.0)
    args = parser.parse_args()
    rclpy.init()
    node = rclpy.create_node("test_type_publisher")
    qos = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=COUNT + 1, reliability=ReliabilityPolicy.RELIABLE,
                     durability=DurabilityPolicy.TRANSIENT_LOCAL)
    topics = 0
    for ros_type, make in cases():
        messages = messages_of(make)
        for big in (False, True):
            publisher = node.create_publisher(type(messages[0]), topic_of(ros_type, big), qos)
            for message in messages:
                publisher.publish(cdr_of(ros_type, message, big))
            topics += 1
    print(f"published {topics} topics", flush=True)
    serve_until_stdin_closes(node, args.deadline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
