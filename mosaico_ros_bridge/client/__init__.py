"""Client side of the Mosaico protocol: the connection, the seed-dialect action layer, the topic
stream opener, pools and the reader. Imports nothing from writers/, recording/ or spool/."""
from __future__ import annotations

from mosaico_ros_bridge.client.connection import Connection
from mosaico_ros_bridge.client.reader import TopicTable
from mosaico_ros_bridge.client.streams import TopicStream, open_topic_stream

__all__ = ["Connection", "TopicStream", "TopicTable", "open_topic_stream"]
