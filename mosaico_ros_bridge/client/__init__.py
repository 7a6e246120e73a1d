"""Client side of the Mosaico protocol: MosaicoClient, the seed-dialect action layer, pools, reader."""
from __future__ import annotations

from mosaico_ros_bridge.client.client import MosaicoClient
from mosaico_ros_bridge.client.reader import TopicTable

__all__ = ["MosaicoClient", "TopicTable"]
