"""Benchmark publisher process: one topic of a kind at a fixed rate (0 = as fast as possible) for a
duration, after a subscriber has matched; prints `published N` at the end."""
from __future__ import annotations

import argparse
import sys
import time

import rclpy
from geometry_msgs.msg import TransformStamped
from nav_msgs.msg import Odometry
from rclpy.duration import Duration
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import CompressedImage, Image, Imu, NavSatFix, PointCloud2, PointField
from tf2_msgs.msg import TFMessage


def make(kind: str) -> object:
    if kind == "imu":
        m = Imu()
        m.linear_acceleration.z, m.orientation.w = 9.81, 1.0
        return m
    if kind == "image":
        return Image(height=1080, width=1920, encoding="rgb8", step=1920 * 3, data=bytes(1920 * 1080 * 3))
    if kind == "cloud":
        fields = [PointField(name=n, offset=4 * i, datatype=7, count=1) for i, n in enumerate("xyz")]
        return PointCloud2(height=1, width=100_000, fields=fields, point_step=16, row_step=1_600_000,
                           data=bytes(1_600_000), is_dense=True)
    if kind == "odom":
        return Odometry(child_frame_id="base_link")
    if kind in ("tf", "tf_static"):
        t = TransformStamped(child_frame_id="base_link")
        t.header.frame_id, t.transform.rotation.w = "odom", 1.0
        return TFMessage(transforms=[t])
    if kind == "gps":
        return NavSatFix(latitude=45.0, longitude=9.0)
    if kind == "compressed":  # a 640x480 JPEG-sized frame, what a robot sends over a thin link
        return CompressedImage(format="jpeg", data=bytes(60_000))
    raise SystemExit(f"unknown kind {kind}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind")
    parser.add_argument("topic")
    parser.add_argument("--rate", type=float, default=0.0)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--fanout", type=int, default=1, help="publish on N topics TOPIC_000.. instead")
    args = parser.parse_args()
    rclpy.init()
    node = rclpy.create_node(f"bench_pub_{args.topic.strip('/').replace('/', '_')}")
    latched = args.kind == "tf_static"
    qos = QoSProfile(depth=1 if latched else 100, reliability=ReliabilityPolicy.RELIABLE,
                     durability=DurabilityPolicy.TRANSIENT_LOCAL if latched else DurabilityPolicy.VOLATILE)
    msg_type = type(make(args.kind))
    names = [args.topic] if args.fanout == 1 else [f"{args.topic}_{i:03d}" for i in range(args.fanout)]
    pubs = [node.create_publisher(msg_type, name, qos) for name in names]
    print(f"started {time.time_ns()}", flush=True)  # publishers exist: discovery can begin
    deadline = time.monotonic() + 30
    while any(p.get_subscription_count() == 0 for p in pubs) and time.monotonic() < deadline:
        rclpy.spin_once(node, timeout_sec=0.05)
    message = make(args.kind)
    count, start = 0, time.monotonic()
    if latched:
        for pub in pubs:
            pub.publish(message)
        count = len(pubs)
    period = 1.0 / args.rate if args.rate else 0.0
    while not latched and (now := time.monotonic()) - start < args.duration:
        if period:
            target = start + count / len(pubs) * period
            if now < target:
                time.sleep(target - now)
        if hasattr(message, "header"):
            message.header.stamp.sec, message.header.stamp.nanosec = divmod(time.time_ns(), 1_000_000_000)
        for pub in pubs:
            pub.publish(message)
        count += len(pubs)
    print(f"published {count}", flush=True)
    if latched:
        time.sleep(args.duration)  # the late-joining reader got the sample at discovery: no ack to wait for
    for pub in pubs if not latched else []:  # reliable samples in flight are lost if the writer goes first
        pub.wait_for_all_acked(Duration(seconds=5))
    node.destroy_node()
    rclpy.try_shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
