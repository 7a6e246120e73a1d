"""The recorder's path to Mosaico: parts (sequences), their sinks and uplinks, the server link and the
supervising Recording.

Which thread owns which state (others only read it, or go through the named lock):

| state | owner | others |
|---|---|---|
| `Recording.part` (swapped at split), `_specs` | ROS executor (start, add_topic, split) | supervisor reads under `Recording._lock` |
| `Recording._closing`, `SpoolUploads` queues, `ServerLink.client` | supervisor thread | stop() reads after joining it; `client` is swapped under `Recording._lock` |
| `ServerLink` broken flag | any thread sets it (`report_broken`) | supervisor clears it after dropping the connection |
| `TopicWriter` buffer | the thread that pushes (ROS executor) | the topic's executor takes batches under the writer's lock |
| `StreamSink.batches/bytes/uplink`, spool appends | the topic's executor (`write`) | uplink and supervisor under `StreamSink.lock` |
| spool fsync (`TopicSpool.sync`) | the `SpoolSync` thread, every `spool.fsync_period_s` | appends go on meanwhile (its own lock) |
| `Uplink` queue, `sent`, `caught_up` | the uplink's thread | writers offer under the uplink's condition |
| per-topic counters (`TopicStats`) | every thread, through `TopicStats.add` (its own lock) | status reads them |
"""
from __future__ import annotations

from mosaico_ros_bridge.recording.part import Part, TopicSpec
from mosaico_ros_bridge.recording.recording import Recording
from mosaico_ros_bridge.recording.report import StopReport

__all__ = ["Part", "Recording", "StopReport", "TopicSpec"]
