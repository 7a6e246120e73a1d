"""An adapter's mapping in the 0.7 layout (session-dialect servers): the 0.7 class of the same concept
(same class name; LargeString → String), no `message_header` envelope column, and every 0.7 `Header`
struct filled from the ROS header (`stamp.sec` → `timestamp.seconds`, `stamp.nanosec` →
`timestamp.nanoseconds`, `frame_id`; `sample_counter` stays null: ROS 2 headers have no seq).
Column paths and the other getters are the seed adapter's, so both layouts apply the same rules."""
from __future__ import annotations

from dataclasses import replace
from operator import attrgetter
from typing import Iterator

import pyarrow as pa

from mosaico_ros_bridge import ontology07
from mosaico_ros_bridge.adapters.base import NONE, Adapter
from mosaico_ros_bridge.errors import UnsupportedMessageType
from mosaico_ros_bridge.ontology.base import Serializable
from mosaico_ros_bridge.ontology.columnar import Getters
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


def in_session_layout(adapter: Adapter) -> Adapter:
    """The same mapping writing the 0.7 class; fast CDR decoders that only know the seed layout are
    dropped (the per-message decoder reads objects, so it serves both)."""
    target = session_class(adapter.ontology)
    getters = {**adapter.getters, **header_getters(target.arrow_fields())}
    getters = {path: getter for path, getter in getters.items() if not path.startswith(MESSAGE_HEADER_FIELD)}
    return replace(adapter, ontology=target, getters=getters, raw_batch=adapter.raw_batch)
