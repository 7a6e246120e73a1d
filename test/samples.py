"""Deterministic ROS messages with distinctive values (NaN, +-inf, unicode, extremes), shared by tests
and the publisher processes they start, so both sides can build the same expected message."""
from __future__ import annotations

import math
from typing import Any

from geometry_msgs.msg import TransformStamped
from sensor_msgs.msg import Image, Imu, Joy


def make_imu(i: int) -> Imu:
    msg = Imu()
    msg.header.stamp.sec = 1_700_000_000 + i
    msg.header.stamp.nanosec = (i * 7919) % 1_000_000_000
    msg.header.frame_id = f"imu_link_ü_{i}"
    msg.orientation.x, msg.orientation.y, msg.orientation.z, msg.orientation.w = 0.1 * i, -0.2, 0.3, 0.9
    msg.angular_velocity.x = math.nan if i % 3 == 0 else 1.5 * i
    msg.angular_velocity.y = math.inf
    msg.angular_velocity.z = -math.inf
    msg.linear_acceleration.x, msg.linear_acceleration.y, msg.linear_acceleration.z = 0.01 * i, 1e-300, 9.81
    msg.orientation_covariance = [float(k) for k in range(9)]
    msg.angular_velocity_covariance = [-1.0] + [0.0] * 8
    msg.linear_acceleration_covariance = [1e308] * 9
    return msg


def make_tf(i: int) -> Any:
    from tf2_msgs.msg import TFMessage

    msg = TFMessage()
    for k in range(i % 3 + 1):
        t = TransformStamped()
        t.header.stamp.sec = 1_700_000_000 + i
        t.header.stamp.nanosec = k
        t.header.frame_id = "odom" if k == 0 else f"frame_{k}_ß"
        t.child_frame_id = f"base_link_{i}_{k}"
        t.transform.translation.x, t.transform.translation.y, t.transform.translation.z = float(i), -float(k), 0.5
        t.transform.rotation.x, t.transform.rotation.y, t.transform.rotation.z, t.transform.rotation.w = 0.0, 0.0, 0.0, 1.0
        msg.transforms.append(t)
    return msg


def make_joy(i: int) -> Joy:
    """A type without an adapter (recorded by the fallback, refused with unknown_types: error)."""
    return Joy(axes=[0.5 * i, -1.0], buttons=[i, 0, 1])


def make_image(i: int) -> Image:
    """A small rgb8 frame whose bytes depend on i (row padding: step > 3 * width)."""
    width, height, step = 5, 4, 16
    msg = Image(height=height, width=width, encoding="rgb8", is_bigendian=0, step=step)
    msg.header.stamp.sec, msg.header.frame_id = 1_700_000_100 + i, f"cam_{i}"
    msg.data = bytes((i * 31 + k) % 256 for k in range(height * step))
    return msg


def make_kv(i: int) -> Any:
    """A type no mapping knows in either dialect (recorded by the fallback)."""
    from diagnostic_msgs.msg import KeyValue
    return KeyValue(key=f"key_{i}", value=f"valüe {i}")


def make_gadget(i: int) -> Any:
    """A custom type (test/interfaces/mosaico_bridge_test_msgs) no adapter knows."""
    from diagnostic_msgs.msg import KeyValue
    from mosaico_bridge_test_msgs.msg import Gadget
    msg = Gadget(mode=i % 2, level=bytes([i % 256]), armed=bool(i % 2), counter=-(2**62) + i, gain=0.5 * i,
                 offsets=[float(i), -1.5, 1e300], blob=bytes(range(i % 7)), label=f"gädget {i}",
                 pairs=[KeyValue(key=f"k{k}", value=str(k)) for k in range(i % 3)])
    msg.header.frame_id, msg.header.stamp.sec = f"g{i}", 1_700_000_000 + i
    return msg


MAKERS = {"imu": make_imu, "tf": make_tf, "joy": make_joy, "image": make_image, "kv": make_kv, "gadget": make_gadget}
