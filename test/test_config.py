"""The shipped parameters file is valid and documents the keys; templates and selection rules."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mosaico_ros_bridge.config import RecorderConfig, load_config
from mosaico_ros_bridge.errors import ConfigError

SHIPPED = Path(__file__).resolve().parent.parent / "config" / "record.yaml"


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """ROS's view of a params file: nested keys joined with '.'."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def test_shipped_config_is_valid_and_covers_every_section() -> None:
    parameters = yaml.safe_load(SHIPPED.read_text())["/**/mosaico_recorder"]["ros__parameters"]
    config = load_config(flatten(parameters))
    assert set(parameters) == set(RecorderConfig.model_fields)
    assert config.adapters.extra == [] and config.options_for("/camera/image_raw") is not None


def test_sequence_name_template() -> None:
    config = load_config({"topics.all": True, "sequence.name": "field_{stamp}"})
    assert config.sequence.resolved_name(now=0) == "field_19700101_000000"


@pytest.mark.parametrize("topic,selected", [("/camera/left", True), ("/imu", True), ("/camera/debug", False), ("/odom", False)])
def test_topic_selection(topic: str, selected: bool) -> None:
    config = load_config({"topics.names": ["/imu"], "topics.regex": "^/camera/", "topics.exclude_regex": "debug"})
    assert config.topics.selects(topic) is selected


@pytest.mark.parametrize("parameters,text", [
    ({}, "no topic selected: set topics.names, topics.regex or topics.all: true"),
    ({"topics.all": True, "topics.regex": "("}, "'topics.regex': Value error, not a valid regular expression"),
    ({"topics.all": True, "writer.max_batch_size_bytes": 99_000_000}, "'writer.max_batch_size_bytes'"),
    ({"topics.all": True, "topic_options.cam.image_format": "png"}, "'topic_options.cam.topic': Field required"),
])
def test_bad_configurations_name_the_key(parameters: dict[str, Any], text: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(parameters)
    assert text in str(info.value)


@pytest.mark.parametrize("module,name,key", [
    ("sensor_msgs.msg", "Image", "depth_large"), ("sensor_msgs.msg", "CompressedImage", "depth_large"),
    ("sensor_msgs.msg", "PointCloud2", "depth_large"), ("nav_msgs.msg", "OccupancyGrid", "depth_large"),
    ("tf2_msgs.msg", "TFMessage", "depth"), ("sensor_msgs.msg", "LaserScan", "depth"),
    ("sensor_msgs.msg", "JointState", "depth"), ("sensor_msgs.msg", "Imu", "depth_small"),
    ("nav_msgs.msg", "Odometry", "depth_small"),
])
def test_queue_depth_follows_what_a_message_can_weigh(module: str, name: str, key: str) -> None:
    """Byte arrays (a 1080p frame is 6 MB) get the small queue, so a lagging recorder's DDS history
    holds 60 MB per camera instead of 600 MB."""
    import importlib

    from mosaico_ros_bridge.qos import queue_depth

    topics = load_config({"topics.all": True, "topics.depth_large": 7, "topics.depth": 70, "topics.depth_small": 700}).topics
    depth = queue_depth(getattr(importlib.import_module(module), name), topics)
    assert depth == {"depth_large": 7, "depth": 70, "depth_small": 700}[key]
