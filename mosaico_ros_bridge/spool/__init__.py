"""The local spool: every batch the recorder sends is also appended to disk, so a server or network
failure, or the recorder's own death, loses nothing that was received."""
from __future__ import annotations

from mosaico_ros_bridge.spool.directory import (
    SequenceSpool, claimed, default_root, spool_dialect, spool_directories, spool_target,
)
from mosaico_ros_bridge.spool.files import SpoolReader, TopicSpool, read_complete
from mosaico_ros_bridge.spool.manifest import SpoolManifest, SpoolTopic, load_manifest

__all__ = ["SequenceSpool", "SpoolManifest", "SpoolReader", "SpoolTopic", "TopicSpool", "claimed", "default_root",
           "load_manifest", "read_complete", "spool_dialect", "spool_directories", "spool_target"]
