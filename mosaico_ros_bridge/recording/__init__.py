"""The recorder's path to Mosaico: parts (sequences), spooled sinks and the supervising Recording."""
from __future__ import annotations

from mosaico_ros_bridge.recording.part import Part, TopicSpec
from mosaico_ros_bridge.recording.recording import Recording, StopReport

__all__ = ["Part", "Recording", "StopReport", "TopicSpec"]
