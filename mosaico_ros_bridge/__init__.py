"""mosaico_ros_bridge: record live ROS 2 topics into Mosaico, with a local Mosaico-protocol server.

The writing API (the seed's public names) and the seed ontology are importable from here, the 0.7
ontology as `mosaico_ros_bridge.ontology07`; nothing on this import path needs rclpy.
"""
from __future__ import annotations

from mosaico_ros_bridge.errors import (
    ConfigError,
    ConnectionFailed,
    InvalidName,
    MosaicoBridgeError,
    PermissionDenied,
    ServerError,
    SpoolError,
    UnsupportedMessageType,
    WriterError,
)

from mosaico_ros_bridge.client import TopicTable
from mosaico_ros_bridge.mosaico_client import MosaicoClient
from mosaico_ros_bridge.ontology import *  # noqa: F401,F403  (every ontology type, as the seed SDK)
from mosaico_ros_bridge.ontology import __all__ as _ontology_names
from mosaico_ros_bridge import ontology07
from mosaico_ros_bridge.writers import (
    OnErrorPolicy, SequenceStatus, SequenceWriter, SessionLevelErrorPolicy, TopicLevelErrorPolicy, TopicWriter,
    WriterConfig,
)

__version__ = "0.1.0"

__all__ = [
    *_ontology_names,
    "MosaicoClient",
    "OnErrorPolicy",
    "SessionLevelErrorPolicy",
    "TopicLevelErrorPolicy",
    "SequenceStatus",
    "SequenceWriter",
    "TopicTable",
    "TopicWriter",
    "WriterConfig",
    "ConfigError",
    "ConnectionFailed",
    "InvalidName",
    "MosaicoBridgeError",
    "PermissionDenied",
    "ServerError",
    "ontology07",
    "SpoolError",
    "UnsupportedMessageType",
    "WriterError",
]
