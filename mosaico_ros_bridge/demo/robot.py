"""A small simulated robot for the demo: IMU 200 Hz, camera 640x480 rgb8 15 Hz, odometry and /tf 50 Hz,
GPS 10 Hz, LaserScan 10 Hz, /tf_static latched. Runs until SIGINT/SIGTERM, then prints per-topic counts
as one JSON line (`published {...}`)."""
from __future__ import annotations

import faulthandler
import json
import math
import sys

import rclpy
from geometry_msgs.msg import TransformStamped
from nav_msgs.msg import Odometry
from rclpy.duration import Duration
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import Image, Imu, LaserScan, NavSatFix
from tf2_msgs.msg import TFMessage

from mosaico_ros_bridge.shutdown import init_with_stop_signals, spin_until

BASE_HZ = 200
ACK_WATCHDOG_S = 60.0  # > 7 publishers x the 5 s ack timeout
RATES = {"/imu": 200, "/camera/image_raw": 15, "/odom": 50, "/tf": 50, "/gps/fix": 10, "/scan": 10}


class Robot(Node):
    def __init__(self, wait_for_subscribers: bool) -> None:
        super().__init__("demo_robot")
        self.wait_for_subscribers = wait_for_subscribers
        types = {"/imu": Imu, "/camera/image_raw": Image, "/odom": Odometry, "/tf": TFMessage,
                 "/gps/fix": NavSatFix, "/scan": LaserScan}
        reliable = QoSProfile(depth=50, reliability=ReliabilityPolicy.RELIABLE)
        self.pubs = {name: self.create_publisher(cls, name, reliable) for name, cls in types.items()}
        self.counts = {name: 0 for name in [*self.pubs, "/tf_static"]}
        latched = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.TRANSIENT_LOCAL)
        self.static = self.create_publisher(TFMessage, "/tf_static", latched)
        self.static.publish(TFMessage(transforms=[self._transform("base_link", "camera_link", 0.2)]))
        self.counts["/tf_static"] = 1
        self.frame = bytes(640 * 480 * 3)
        self.tick = 0
        self.timer = self.create_timer(1.0 / BASE_HZ, self.step)

    def all_subscribed(self) -> bool:
        return all(p.get_subscription_count() > 0 for p in self.pubs.values())

    def _transform(self, parent: str, child: str, x: float) -> TransformStamped:
        t = TransformStamped()
        t.header.stamp = self.get_clock().now().to_msg()
        t.header.frame_id, t.child_frame_id = parent, child
        t.transform.translation.x, t.transform.rotation.w = x, 1.0
        return t

    def step(self) -> None:
        if self.tick == 0 and self.wait_for_subscribers and not self.all_subscribed():
            return
        self.tick += 1
        stamp = self.get_clock().now().to_msg()
        phase = self.tick / BASE_HZ
        for name, rate in RATES.items():
            if self.tick % (BASE_HZ // rate) == 0:
                self.pubs[name].publish(self._message(name, stamp, phase))
                self.counts[name] += 1

    def _message(self, name: str, stamp: object, phase: float) -> object:
        if name == "/imu":
            m = Imu()
            m.linear_acceleration.x, m.linear_acceleration.z = 0.1 * math.sin(phase), 9.81
            m.angular_velocity.z, m.orientation.w = 0.05, 1.0
        elif name == "/camera/image_raw":
            m = Image(height=480, width=640, encoding="rgb8", step=640 * 3, data=self.frame)
        elif name == "/odom":
            m = Odometry(child_frame_id="base_link")
            m.pose.pose.position.x, m.twist.twist.linear.x = phase * 0.5, 0.5
        elif name == "/tf":
            m = TFMessage(transforms=[self._transform("odom", "base_link", phase * 0.5)])
        elif name == "/gps/fix":
            m = NavSatFix(latitude=45.46481 + phase * 1e-6, longitude=9.19201, altitude=120.0)
        else:
            m = LaserScan(angle_min=-1.57, angle_max=1.57, angle_increment=0.0175, range_max=30.0,
                          ranges=[2.0 + 0.1 * math.sin(phase + k / 10) for k in range(180)])
        if hasattr(m, "header"):
            m.header.stamp, m.header.frame_id = stamp, "base_link"
        return m


def main() -> int:
    # Own signal handling: on SIGINT/SIGTERM stop publishing, then wait until every subscriber has
    # acknowledged what was sent (reliable QoS), so the reported counts were really delivered.
    stop = init_with_stop_signals()
    robot = Robot(wait_for_subscribers="--wait-for-subscribers" in sys.argv)
    print(f"robot: publishing {', '.join(f'{k} {v} Hz' for k, v in RATES.items())}, /tf_static latched", flush=True)
    executor = SingleThreadedExecutor()
    executor.add_node(robot)
    spin_until(executor, stop)
    robot.timer.cancel()
    # Fast DDS's ack wait was once seen spinning far past its timeout, holding the GIL: a watchdog
    # thread outside Python ends the process loudly (traceback, exit 1) instead of a hung demo.
    faulthandler.dump_traceback_later(ACK_WATCHDOG_S, exit=True)
    for publisher in [*robot.pubs.values(), robot.static]:
        publisher.wait_for_all_acked(Duration(seconds=5))
    faulthandler.cancel_dump_traceback_later()
    print("published " + json.dumps(robot.counts), flush=True)
    executor.shutdown()
    robot.destroy_node()
    rclpy.try_shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
