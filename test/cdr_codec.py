"""CDR as other ROS tools read and write it, through `rosbags` (what the official SDK's loader uses):
the Jazzy type store plus the repository's interface packages."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from rosbags.typesys import Stores, get_typestore, get_types_from_msg

ROOT = Path(__file__).resolve().parent
INTERFACES = [ROOT.parent / "interfaces", ROOT / "interfaces"]


def typestore() -> Any:
    store = get_typestore(Stores.ROS2_JAZZY)
    for msg in [m for root in INTERFACES for m in sorted(root.glob("*/msg/*.msg"))]:  # not in rosbags' Jazzy store
        name = f"{msg.parent.parent.name}/msg/{msg.stem}"
        if name not in store.types:
            store.register(get_types_from_msg(msg.read_text(), name))
    return store


STORE = typestore()


def rosbags_decode(raw: bytes, ros_type: str) -> Any:
    """rosbags wants the exact CDR size; rclpy's buffers may carry up to 7 bytes of slack after it."""
    for cut in range(8):
        try:
            return STORE.deserialize_cdr(raw[:len(raw) - cut] if cut else raw, ros_type)
        except Exception as exc:  # rosbags raises its own error types
            if "size mismatch" not in str(exc) or cut == 7:
                raise
    raise AssertionError("unreachable")


def big_endian(raw: bytes, ros_type: str) -> bytes:
    """The same message as big-endian CDR (a big-endian host's publisher, or a bag recorded there)."""
    return bytes(STORE.serialize_cdr(rosbags_decode(raw, ros_type), ros_type, little_endian=False))
