"""The topic metadata the official 0.7 bridge writes beside each ROS topic (§11.1): the reserved key
`_ros_` = {"msgtype", "enums" (the type's constants), "msgdef" (its definition with dependencies, in
rosbags' normalized form)}, so live recordings and ingested bags describe their topics alike.
Types outside rosbags' Jazzy store are registered from the installed `.msg` files."""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from mosaico_ros_bridge.errors import UnsupportedMessageType

ROS_KEY = "_ros_"


@functools.lru_cache(maxsize=1)
def _store() -> Any:
    from rosbags.typesys import Stores, get_typestore
    return get_typestore(Stores.ROS2_JAZZY)


def _msg_file(ros_type: str) -> Path:
    from ament_index_python.packages import PackageNotFoundError, get_package_share_directory
    package, kind, name = ros_type.split("/")
    try:
        return Path(get_package_share_directory(package)) / kind / f"{name}.msg"
    except (PackageNotFoundError, OSError) as exc:  # OSError: no AMENT_PREFIX_PATH at all
        raise UnsupportedMessageType(f"no installed definition of {ros_type} ({exc})") from exc


def _register(ros_type: str, store: Any) -> None:
    """Add ros_type and what it uses to the store, from the installed .msg files."""
    from rosbags.typesys import get_types_from_msg
    if ros_type in store.fielddefs:
        return
    types = get_types_from_msg(_msg_file(ros_type).read_text(encoding="utf-8"), ros_type)
    store.register(types)
    for _, fields in types.values():
        for _, (node, content) in fields:
            inner = content[0][1] if isinstance(content, tuple) and isinstance(content[0], tuple) else content
            if isinstance(inner, str) and "/" in inner:
                _register(inner, store)


@functools.lru_cache(maxsize=None)
def ros_metadata(ros_type: str) -> dict[str, Any]:
    """`{"msgtype", "enums", "msgdef"}` of a ROS type, as the official RosbagInjector writes it;
    UnsupportedMessageType when its definition cannot be found or parsed."""
    store = _store()
    try:
        _register(ros_type, store)
        constants, _ = store.fielddefs[ros_type]
        msgdef, _ = store.generate_msgdef(ros_type, ros_version=2)
    except UnsupportedMessageType:
        raise
    except Exception as exc:  # rosbags' own parse errors
        raise UnsupportedMessageType(f"the definition of {ros_type} cannot be read ({type(exc).__name__}: {exc})") from exc
    return {"msgtype": ros_type, "enums": {name: value for name, _, value in constants}, "msgdef": msgdef}
