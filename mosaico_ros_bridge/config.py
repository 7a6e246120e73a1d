"""The recorder's configuration: ROS 2 parameters (`mosaico_recorder: ros__parameters: ...`, nested keys
flattened with '.') validated into one pydantic model. An unknown key or a bad value is refused with
a message naming the key and the fix."""
from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mosaico_ros_bridge.client.endpoint import load_api_key
from mosaico_ros_bridge.client.names import validate_sequence_name
from mosaico_ros_bridge.errors import ConfigError, InvalidName
from mosaico_ros_bridge.protocol import DEFAULT_HOST, DEFAULT_PORT
from mosaico_ros_bridge.session_protocol import API_KEY_ENV
from mosaico_ros_bridge.spool.directory import default_root
from mosaico_ros_bridge.writers.config import DEFAULT_BATCH_BYTES, DEFAULT_BATCH_RECORDS, MAX_BATCH_BYTES, OnErrorPolicy

# Parameters every rclpy node has; they are not ours to validate.
ROS_BUILTIN_PARAMETERS = {"use_sim_time", "start_type_description_service"}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServerConfig(Strict):
    """Where the server is and how to speak to it. The API key is never a parameter: it comes from
    $MOSAICO_API_KEY or the file named by api_key_file (read once at start, never logged)."""

    host: str = DEFAULT_HOST
    port: int = Field(default=DEFAULT_PORT, ge=1, le=65535)
    timeout_s: float = Field(default=5.0, gt=0)
    stall_timeout_s: float = Field(default=5.0, gt=0)
    min_link_mbit_s: float = Field(default=1.0, gt=0)
    dialect: Literal["auto", "seed", "session"] = "auto"
    tls: bool = False
    tls_ca_file: str = ""
    api_key_file: str = ""

    def api_key(self) -> tuple[str | None, str]:
        """(key or None, where it comes from) — the file when api_key_file is set, else the environment."""
        return load_api_key(self.api_key_file, "server.api_key_file")


class SplitConfig(Strict):
    """Close the sequence and start `<name>_001`, `_002`... after this long / this many bytes (0 = never).
    On by default: a reconnect re-sends the current part only, so the split bounds what a cut link costs."""

    max_duration_s: float = Field(default=60.0, ge=0)
    max_bytes: int = Field(default=0, ge=0)

    @property
    def enabled(self) -> bool:
        return self.max_duration_s > 0 or self.max_bytes > 0


class SequenceConfig(Strict):
    name: str = "recording_{stamp}"
    metadata: dict[str, Any] = {}
    on_error: OnErrorPolicy = OnErrorPolicy.Report
    split: SplitConfig = SplitConfig()

    def resolved_name(self, now: float | None = None) -> str:
        """`{stamp}` becomes the UTC start time, e.g. recording_20261125_115400."""
        stamp = time.strftime("%Y%m%d_%H%M%S", time.gmtime(time.time() if now is None else now))
        return self.name.replace("{stamp}", stamp)


class TopicOptions(Strict):
    """Per-topic overrides, grouped under any key: `topic_options.front_cam.topic: /camera/image_raw`."""

    topic: str
    image_format: Literal["raw", "png"] = "raw"
    reliability: Literal["auto", "reliable", "best_effort"] = "auto"
    durability: Literal["auto", "volatile", "transient_local"] = "auto"
    depth: int = Field(default=0, ge=0)
    # session dialect: a PointCloud2 topic stored as this columnar type (the official bridge's overrides)
    pointcloud_as: Literal["", "lidar", "radar", "rgbd_camera", "tof_camera", "stereo_camera"] = ""


class TopicsConfig(Strict):
    names: list[str] = []
    regex: str = ""
    exclude_regex: str = ""
    all: bool = False
    discovery_period_s: float = Field(default=1.0, gt=0)
    unknown_types: Literal["fallback", "skip", "error"] = "fallback"
    depth_large: int = Field(default=30, ge=1)  # messages with byte arrays (30 1080p frames: 180 MB)
    depth: int = Field(default=100, ge=1)  # other messages with variable-size arrays (TF, scans)
    depth_small: int = Field(default=1000, ge=1)  # fixed-size messages (IMU at 1 kHz: 1 s of slack)

    @field_validator("regex", "exclude_regex")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        return value

    def selects(self, topic: str) -> bool:
        if self.exclude_regex and re.search(self.exclude_regex, topic):
            return False
        return self.all or topic in self.names or bool(self.regex and re.search(self.regex, topic))


class WriterSettings(Strict):
    max_batch_size_bytes: int = Field(default=DEFAULT_BATCH_BYTES, gt=0, le=MAX_BATCH_BYTES)
    max_batch_size_records: int = Field(default=DEFAULT_BATCH_RECORDS, gt=0)
    flush_period_s: float = Field(default=1.0, gt=0)
    max_buffered_bytes: int = Field(default=128 * 1024 * 1024, gt=0)  # per topic, before records are dropped


class SpoolConfig(Strict):
    """The local spool that makes a server or network failure, or a crash, lose nothing received."""

    enabled: bool = True
    dir: str = ""  # empty: $XDG_STATE_HOME/mosaico_ros_bridge/spool (~/.local/state/...)
    keep: bool = False
    fsync_period_s: float = Field(default=1.0, gt=0)
    start_without_server: bool = True
    retry_max_s: float = Field(default=5.0, gt=0)
    stop_timeout_s: float = Field(default=10.0, ge=0)
    upload_leftovers: bool = True
    direct_io: bool = True  # O_DIRECT appends where the filesystem allows (false: through the page cache)

    def root(self) -> Path:
        return Path(self.dir).expanduser() if self.dir else default_root()


class StatusConfig(Strict):
    period_s: float = Field(default=1.0, gt=0)


class ExecutorConfig(Strict):
    """`events` (default) receives several times more small messages/s than `single_threaded`."""

    kind: Literal["events", "single_threaded"] = "events"


class AdaptersConfig(Strict):
    extra: list[str] = []


class RecorderConfig(Strict):
    server: ServerConfig = ServerConfig()
    sequence: SequenceConfig = SequenceConfig()
    topics: TopicsConfig = TopicsConfig()
    topic_options: dict[str, TopicOptions] = {}
    writer: WriterSettings = WriterSettings()
    spool: SpoolConfig = SpoolConfig()
    status: StatusConfig = StatusConfig()
    executor: ExecutorConfig = ExecutorConfig()
    adapters: AdaptersConfig = AdaptersConfig()

    def options_for(self, topic: str) -> TopicOptions | None:
        return next((o for o in self.topic_options.values() if o.topic == topic), None)


def unflatten(parameters: dict[str, Any]) -> dict[str, Any]:
    """{'server.port': 1} -> {'server': {'port': 1}}; ROS's own parameters are left out."""
    tree: dict[str, Any] = {}
    for name, value in parameters.items():
        if name in ROS_BUILTIN_PARAMETERS or name.startswith("qos_overrides."):
            continue
        node = tree
        *parents, leaf = name.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return tree


def _describe(error: Any) -> str:
    key = ".".join(str(p) for p in error["loc"])
    if error["type"] == "extra_forbidden" and "api_key" in key:
        return (f"'{key}': an API key never goes in the parameters file (it would be readable by anyone who can "
                f"read the file or the ROS parameters); put it in ${API_KEY_ENV} or in a file named by "
                "server.api_key_file")
    if error["type"] == "extra_forbidden":
        return f"unknown key '{key}': remove it or check its spelling (see config/record.yaml for every key)"
    return f"'{key}': {error['msg']} (got {error.get('input')!r})"


def load_config(parameters: dict[str, Any]) -> RecorderConfig:
    """Validate flattened parameters; ConfigError lists every problem with its key."""
    tree = unflatten(parameters)
    for section, key in (("topics", "names"), ("adapters", "extra")):
        values = tree.get(section, {})
        if values.get(key) == [""]:  # ROS cannot express an empty string array; [''] means empty
            values[key] = []
    try:
        config = RecorderConfig.model_validate(tree)
    except ValidationError as exc:
        problems = "; ".join(_describe(e) for e in exc.errors())
        raise ConfigError(f"invalid recorder configuration: {problems}") from None
    if not config.spool.enabled and config.spool.start_without_server:
        config = config.model_copy(update={"spool": config.spool.model_copy(update={"start_without_server": False})})
    try:
        validate_sequence_name(config.sequence.resolved_name())
    except InvalidName as exc:
        raise ConfigError(f"invalid recorder configuration: 'sequence.name': {exc} ({{stamp}} is allowed)") from None
    if not (config.topics.all or config.topics.names or config.topics.regex):
        raise ConfigError("no topic selected: set topics.names, topics.regex or topics.all: true (in a parameters "
                          "file given with --ros-args --params-file FILE; see --help)")
    return config
