"""nav_msgs/Odometry -> MotionState (pose and twist with their 6x6 covariances)."""
from __future__ import annotations

from mosaico_ros_bridge import ontology as o
from mosaico_ros_bridge.adapters.base import NONE, SAME, Adapter, covariance, header, src, vec
from mosaico_ros_bridge.adapters.cdr_batch import odometry_batch

ODOMETRY = Adapter("nav_msgs/msg/Odometry", o.MotionState, {
    "pose": SAME, **vec("pose.position", "msg.pose.pose.position"),
    **vec("pose.orientation", "msg.pose.pose.orientation", "xyzw"),
    "pose.covariance": covariance("msg.pose.covariance"), "pose.covariance_type": NONE, "pose.header": NONE,
    "velocity": SAME, **vec("velocity.linear", "msg.twist.twist.linear"), **vec("velocity.angular", "msg.twist.twist.angular"),
    "velocity.covariance": covariance("msg.twist.covariance"), "velocity.covariance_type": NONE, "velocity.header": NONE,
    "target_frame_id": src("msg.child_frame_id"), "acceleration": NONE, "covariance": NONE, "covariance_type": NONE,
    **header("header", "msg.header"),
}, raw_batch=odometry_batch)

ADAPTERS = [ODOMETRY]
