"""An adapter's mapping in the 0.7 layout (session-dialect servers): the 0.7 class of the same concept
(same class name; LargeString → String), no `message_header` envelope column, every 0.7 `Header`
struct filled from the ROS header (`stamp.sec` → `timestamp.seconds`, `stamp.nanosec` →
`timestamp.nanoseconds`, `frame_id`; `sample_counter` stays null: ROS 2 headers have no seq), and
the official 0.7 bridge's rules (test/test_official_bridge.py compares row for row)."""
from __future__ import annotations

import math
from dataclasses import replace
from operator import attrgetter
from typing import Any, Iterator

import pyarrow as pa

from mosaico_ros_bridge import ontology07
from mosaico_ros_bridge.adapters.base import NONE, Adapter
from mosaico_ros_bridge.adapters.image_formats import compressed_format07
from mosaico_ros_bridge.errors import UnsupportedMessageType
from mosaico_ros_bridge.ontology.base import Serializable
from mosaico_ros_bridge.ontology.columnar import Getter, Getters
from mosaico_ros_bridge.protocol import MESSAGE_HEADER_FIELD

RENAMED = {"LargeString": "String"}  # 0.7 dropped LargeString
HEADER_CHILDREN: Getters = {"timestamp": attrgetter("stamp"), "timestamp.seconds": attrgetter("sec"),
                            "timestamp.nanoseconds": attrgetter("nanosec"), "sample_counter": NONE}


def session_class(seed: type[Serializable]) -> type[Serializable]:
    """The 0.7 class of a seed class's concept."""
    found = ontology07.registered(RENAMED.get(seed.__name__, seed.__name__))
    if found is None:
        raise UnsupportedMessageType(f"the seed type {seed.__name__} has no 0.7 counterpart; record it with the "
                                     "seed dialect or register a 0.7 adapter")
    return found


def header_paths(fields: list[pa.Field], prefix: str = "") -> Iterator[str]:
    """Column paths (`[]` for list items) of every 0.7 Header struct in the fields."""
    header = ontology07.Header.arrow_struct()
    for field in fields:
        path = f"{prefix}{field.name}"
        inner, suffix = field.type, ""
        while pa.types.is_list(inner) or pa.types.is_large_list(inner):
            inner, suffix = inner.value_type, suffix + "[]"
        if not pa.types.is_struct(inner):
            continue
        if inner.equals(header, check_metadata=False):
            yield path + suffix
        else:
            yield from header_paths(list(inner), f"{path}{suffix}.")


def header_getters(schema_fields: list[pa.Field]) -> Getters:
    return {f"{path}.{child}": getter for path in header_paths(schema_fields) for child, getter in HEADER_CHILDREN.items()}


def valid_covariance(values: Any) -> bool:
    """The 0.7 bridge's rule: a covariance is known when some element is > 0 (all zeros, or ROS's -1
    'unknown' marker, mean none)."""
    return values is not None and any(v > 0 for v in values)


def valid_header(header: Any) -> bool:
    """The 0.7 bridge's rule: a ROS header with an empty frame_id and a zero stamp is no header."""
    return header is not None and bool(header.frame_id or header.stamp.sec or header.stamp.nanosec)


def _known_header(get: Getter) -> Getter:
    return lambda row: header if valid_header(header := get(row)) else None


def _known_covariance(get: Getter) -> Getter:
    return lambda row: values if valid_covariance(values := get(row)) else None


def _type_if_known(get_type: Getter, get_covariance: Getter) -> Getter:
    return lambda row: get_type(row) if valid_covariance(get_covariance(row)) else None


def _nan_to_none(get: Getter) -> Getter:
    return lambda row: None if math.isnan(value := get(row)) else value


def _empty_to_none(get: Getter) -> Getter:
    return lambda row: value if len(value := get(row)) else None


BATTERY_NAN = ("temperature", "current", "charge", "capacity", "design_capacity")
OVERRIDES: dict[str, Getters] = {  # the 0.7 bridge's per-type rules beyond headers and covariances
    "sensor_msgs/msg/BatteryState": {
        **{name: _nan_to_none(attrgetter(f"msg.{name}")) for name in BATTERY_NAN},
        "cell_voltage": _empty_to_none(attrgetter("msg.cell_voltage")),
        "cell_temperature": _empty_to_none(attrgetter("msg.cell_temperature")),
    },
    "sensor_msgs/msg/NavSatFix": {"status": lambda row: row if row.msg.status.status >= -1 else None},
    "sensor_msgs/msg/CompressedImage": {"format": lambda row: compressed_format07(row.msg.format)},
    "geometry_msgs/msg/TransformStamped": {"target_frame_id": lambda row: row.msg.child_frame_id or None},
    "tf2_msgs/msg/TFMessage": {"transforms[].target_frame_id": lambda item: item.child_frame_id or None},
}


def session_getters(adapter: Adapter, target: type[Serializable]) -> Getters:
    """The seed getters with the 0.7 bridge's rules: empty headers and unknown covariances are null
    (a covariance_type only beside a known covariance), plus the per-type OVERRIDES."""
    getters = {path: getter for path, getter in adapter.getters.items() if not path.startswith(MESSAGE_HEADER_FIELD)}
    headers = list(header_paths(target.arrow_fields()))
    for path in headers:
        if path in getters and getters[path] is not NONE:
            getters[path] = _known_header(getters[path])
    getters.update(header_getters(target.arrow_fields()))
    for path, getter in list(getters.items()):
        if path.split(".")[-1] == "covariance" and getter is not NONE:
            getters[path] = _known_covariance(getter)
            kind = path[:-len("covariance")] + "covariance_type"
            if getters.get(kind, NONE) is not NONE:
                getters[kind] = _type_if_known(getters[kind], getter)
    getters.update(OVERRIDES.get(adapter.ros_type, {}))
    return getters


def in_session_layout(adapter: Adapter) -> Adapter:
    """The same mapping writing the 0.7 class with the 0.7 bridge's rules. The batch CDR decoder
    knows the 0.7 layout and rules too; the per-message decoder reads objects, so it serves both."""
    target = session_class(adapter.ontology)
    return replace(adapter, ontology=target, getters=session_getters(adapter, target))
