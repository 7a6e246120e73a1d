"""ROS message -> ontology record adapters, one module per ROS package, plus the lossless fallback.

Importing this package needs the ROS message packages (rclpy's environment); the writing API does not.
"""
from __future__ import annotations

from mosaico_ros_bridge.adapters.base import NONE, SAME, Adapter, Received, RosEncoder, covariance, header, src, vec
from mosaico_ros_bridge.adapters.fallback import fallback_tag, message_class
from mosaico_ros_bridge.adapters.registry import AdapterRegistry, TopicPlan, UnknownTypes

__all__ = ["NONE", "SAME", "Adapter", "AdapterRegistry", "Received", "RosEncoder", "TopicPlan", "UnknownTypes",
           "covariance", "fallback_tag", "header", "message_class", "src", "vec"]
