"""A publisher process for reliability tests: publishes numbered Imu messages (header.frame_id = the
number) at RATE Hz on TOPIC, reliable and KEEP_ALL, until COUNT were published; prints `progress N`
every 50 messages and `published N` at the end, then stays alive (so reliable delivery completes)
until its stdin closes. With --bad-every K or --payload BYTES, publishes CompressedImage instead
(every K-th with a format string no adapter understands; BYTES of data each). With --hold-after-first,
message 0 goes out alone and the rest only after a line arrives on stdin (the test saw it received).
--rate 0 publishes as fast as it can."""
from __future__ import annotations

import argparse
import sys
import time

import rclpy
from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import CompressedImage, Imu

from ros_publisher import serve_until_stdin_closes


def message(i: int, bad_every: int, payload: int) -> Imu | CompressedImage:
    if bad_every or payload:
        bad = bool(bad_every) and i % bad_every == bad_every - 1
        msg = CompressedImage(format="mystery-codec" if bad else "png", data=bytes([i % 256]) * (payload or 8))
    else:
        msg = Imu()
        msg.linear_acceleration.z, msg.orientation.w = 9.81, 1.0
    msg.header.frame_id = str(i)
    msg.header.stamp.sec, msg.header.stamp.nanosec = 1_700_000_000 + i // 1000, (i % 1000) * 1_000_000
    return msg


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("topic")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--bad-every", type=int, default=0)
    parser.add_argument("--payload", type=int, default=0, help="publish CompressedImage with this many data bytes")
    parser.add_argument("--hold-after-first", action="store_true")
    args = parser.parse_args()
    rclpy.init()
    node = rclpy.create_node("stream_publisher")
    qos = QoSProfile(history=HistoryPolicy.KEEP_ALL, reliability=ReliabilityPolicy.RELIABLE)
    kind = CompressedImage if args.bad_every or args.payload else Imu
    publisher = node.create_publisher(kind, args.topic, qos)
    deadline = time.monotonic() + 30
    while publisher.get_subscription_count() == 0 and time.monotonic() < deadline:
        rclpy.spin_once(node, timeout_sec=0.05)
    start = time.monotonic()
    for i in range(args.count):
        publisher.publish(message(i, args.bad_every, args.payload))
        if i == 0 and args.hold_after_first:
            print("first published", flush=True)
            sys.stdin.readline()
            start = time.monotonic()
        if i % 50 == 49:
            print(f"progress {i + 1}", flush=True)
        delay = start + (i + 1) / args.rate - time.monotonic() if args.rate else 0
        if delay > 0:
            time.sleep(delay)  # pacing the offered rate, not synchronisation
    print(f"published {args.count}", flush=True)
    serve_until_stdin_closes(node, 60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
