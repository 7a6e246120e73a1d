"""The writing API: SequenceWriter, TopicWriter, WriterConfig, OnErrorPolicy."""
from __future__ import annotations

from mosaico_ros_bridge.writers.config import (
    OnErrorPolicy, SequenceStatus, SessionLevelErrorPolicy, TopicLevelErrorPolicy, WriterConfig,
)
from mosaico_ros_bridge.writers.encoders import BatchEncoder, MessageEncoder
from mosaico_ros_bridge.writers.sequence import SequenceWriter
from mosaico_ros_bridge.writers.policy import apply_on_error
from mosaico_ros_bridge.writers.sinks import BatchSink
from mosaico_ros_bridge.writers.topic import TopicStats, TopicWriter

__all__ = ["BatchEncoder", "BatchSink", "MessageEncoder", "OnErrorPolicy", "SequenceStatus", "SequenceWriter",
           "SessionLevelErrorPolicy", "TopicLevelErrorPolicy", "TopicStats", "TopicWriter", "WriterConfig",
           "apply_on_error"]
