"""tf2_msgs/TFMessage -> FrameTransform: each TransformStamped keeps its own header and child frame;
TFMessage has no header, so the top-level header and message_header are null."""
from __future__ import annotations

from mosaico_ros_bridge import ontology as o
from mosaico_ros_bridge.adapters.base import NONE, Adapter, header, src, vec
from mosaico_ros_bridge.adapters.cdr_batch import tf_batch

ITEM = "transforms[]"
TF_MESSAGE = Adapter("tf2_msgs/msg/TFMessage", o.FrameTransform, {
    "transforms": src("msg.transforms"),
    **vec(f"{ITEM}.translation", "transform.translation"), **vec(f"{ITEM}.rotation", "transform.rotation", "xyzw"),
    f"{ITEM}.target_frame_id": src("child_frame_id"), f"{ITEM}.covariance": NONE, f"{ITEM}.covariance_type": NONE,
    **header(f"{ITEM}.header", "header"),
    "header": NONE,
}, header_source=None, raw_batch=tf_batch)

ADAPTERS = [TF_MESSAGE]
