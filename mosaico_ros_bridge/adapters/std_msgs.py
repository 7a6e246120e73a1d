"""std_msgs primitives -> the primitive wrappers (`data`, no header)."""
from __future__ import annotations

from mosaico_ros_bridge import ontology as o
from mosaico_ros_bridge.adapters.base import NONE, Adapter, src

_PRIMITIVES: dict[str, type[o.Serializable]] = {
    "String": o.String, "Bool": o.Boolean, "Float32": o.Floating32, "Float64": o.Floating64,
    "Int8": o.Integer8, "Int16": o.Integer16, "Int32": o.Integer32, "Int64": o.Integer64,
    "UInt8": o.Unsigned8, "UInt16": o.Unsigned16, "UInt32": o.Unsigned32, "UInt64": o.Unsigned64,
}

ADAPTERS = [Adapter(f"std_msgs/msg/{name}", cls, {"data": src("msg.data"), "header": NONE}, header_source=None)
            for name, cls in _PRIMITIVES.items()]
