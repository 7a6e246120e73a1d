"""The local Mosaico server: seed-era mosaicod on the wire (Arrow Flight), persisting to a directory.

It shares only `mosaico_ros_bridge.protocol` with the client.
"""
from __future__ import annotations

from mosaico_ros_bridge.server.flight import LocalServer, MosaicoFlightService

__all__ = ["LocalServer", "MosaicoFlightService"]
