"""mosaico_ros_bridge: record live ROS 2 topics into Mosaico, with a local Mosaico-protocol server.

The writing API (the seed's public names) and the ontology are importable from here; nothing on this
import path needs rclpy.
"""
from __future__ import annotations

from mosaico_ros_bridge.errors import (
    ConfigError,
    ConnectionFailed,
    ConversionError,
    InvalidName,
    MosaicoBridgeError,
    ServerError,
    UnsupportedMessageType,
    WriterError,
)

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "ConnectionFailed",
    "ConversionError",
    "InvalidName",
    "MosaicoBridgeError",
    "ServerError",
    "UnsupportedMessageType",
    "WriterError",
]
