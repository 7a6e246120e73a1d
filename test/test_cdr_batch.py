"""The batch CDR decoders of the hot types (adapters/cdr_batch*.py) against the reference path
(rclpy's deserialize_message + the adapter's getters), in both eras' layouts: every edge a ROS
message can carry — NaN/inf, empty and unicode strings (every length mod 8, so every padding), zero
stamps (a null 0.7 header), zero/negative/positive covariances, empty lists, big-endian data flags —
gives the same batch. Big-endian CDR (rosbags writes it) is declined and the chain still stores
what the reference makes of it; so is CDR cut short."""
from __future__ import annotations

import json
import math
from typing import Any, Callable

import pytest
from geometry_msgs.msg import TransformStamped
from nav_msgs.msg import Odometry
from rclpy.serialization import serialize_message
from sensor_msgs import msg as sm
from std_msgs.msg import Header
from tf2_msgs.msg import TFMessage

from cdr_codec import big_endian
from mosaico_ros_bridge.adapters import AdapterRegistry, Received

REGISTRY = AdapterRegistry()
FRAMES = ["", "a", "ü", "map", "odom", "base_ü", "frame_", "camera1", "lidar_top", "🚗"]  # every length mod 8


def header(i: int) -> Header:
    h = Header(frame_id=FRAMES[i % len(FRAMES)])
    if i % 4:  # every fourth header is empty: the 0.7 bridge stores no header then (when its frame is empty too)
        h.stamp.sec, h.stamp.nanosec = 1_700_000_000 + i, (i * 7919) % 1_000_000_000
    return h


def covariance(i: int, size: int) -> list[float]:
    """All zero, ROS's -1 'unknown', positive, negative with one positive, NaN — by turns."""
    kind = i % 5
    values = [[0.0] * size, [-1.0] + [0.0] * (size - 1), [0.1 * (k + 1) for k in range(size)],
              [-1.0] * (size - 1) + [1e-9], [math.nan] * size][kind]
    return values


def imu(i: int) -> sm.Imu:
    m = sm.Imu(header=header(i))
    m.orientation.x, m.orientation.w = 0.5 * i, math.inf if i % 3 == 0 else 1.0
    m.angular_velocity.y, m.linear_acceleration.z = -math.inf, math.nan if i % 2 else 9.81
    m.orientation_covariance = covariance(i, 9)
    m.angular_velocity_covariance = covariance(i + 1, 9)
    m.linear_acceleration_covariance = covariance(i + 2, 9)
    return m


def odometry(i: int) -> Odometry:
    m = Odometry(header=header(i), child_frame_id=FRAMES[(i + 3) % len(FRAMES)])
    m.pose.pose.position.x, m.pose.pose.orientation.w = float(i), 1.0
    m.twist.twist.linear.x, m.twist.twist.angular.z = math.nan, -math.inf
    m.pose.covariance, m.twist.covariance = covariance(i, 36), covariance(i + 2, 36)
    return m


def tf(i: int) -> TFMessage:
    transforms = []
    for k in range(i % 4):  # 0 to 3 transforms, so some messages hold none
        t = TransformStamped(header=header(i + k), child_frame_id=FRAMES[(i + 2 * k) % len(FRAMES)])
        t.transform.translation.x, t.transform.translation.z = float(k), math.nan if k == 2 else -0.5
        t.transform.rotation.w = 1.0
        transforms.append(t)
    return TFMessage(transforms=transforms)


def image(i: int) -> sm.Image:
    width, height = i % 3 * 4, 3
    step = width * 2 + i % 2 * 3  # padded rows on odd i
    return sm.Image(header=header(i), height=height if width else 0, width=width, encoding=["mono16", "16UC1", ""][i % 3],
                    is_bigendian=i % 2, step=step, data=bytes((k * 13 + i) % 256 for k in range(height * step if width else 0)))


def compressed(i: int) -> sm.CompressedImage:
    formats = ["jpeg", "png", "rgb8; jpeg compressed bgr8", "16UC1; compressedDepth png", "JPEG", "h264", "tiff"]
    return sm.CompressedImage(header=header(i), format=formats[i % len(formats)], data=bytes(range(i % 7 * 11 % 256)))


def cloud(i: int) -> sm.PointCloud2:
    names = ["x", "y", "z", "intensity", "rgb", "ring_ü"][:i % 7]
    fields = [sm.PointField(name=n, offset=4 * k, datatype=k % 8 + 1, count=k % 3 + 1) for k, n in enumerate(names)]
    step = 4 * len(names)
    return sm.PointCloud2(header=header(i), height=1, width=i % 5, fields=fields, is_bigendian=bool(i % 2),
                          point_step=step, row_step=step * (i % 5), data=bytes(k % 256 for k in range(step * (i % 5))),
                          is_dense=bool(i % 3))


def scan(i: int) -> sm.LaserScan:
    ranges = [1.0, math.inf, math.nan, -math.inf, 0.0, 30.5][:i % 7]
    return sm.LaserScan(header=header(i), angle_min=-math.pi, angle_max=math.pi, angle_increment=0.01 * i,
                        time_increment=math.nan if i % 5 == 0 else 1e-4, scan_time=0.1, range_min=0.1, range_max=math.inf,
                        ranges=ranges, intensities=[float(k) for k in range(i % 3 * len(ranges))])


COMPRESSED = "sensor_msgs/msg/CompressedImage"
HOT = [  # ros type, maker, the layouts it has a batch decoder in
    ("sensor_msgs/msg/Imu", imu, ("seed", "session")),
    ("nav_msgs/msg/Odometry", odometry, ("seed", "session")),
    ("tf2_msgs/msg/TFMessage", tf, ("seed", "session")),
    ("sensor_msgs/msg/Image", image, ("seed", "session")),
    ("sensor_msgs/msg/CompressedImage", compressed, ("seed", "session")),
    ("sensor_msgs/msg/PointCloud2", cloud, ("session",)),
    ("sensor_msgs/msg/LaserScan", scan, ("session",)),
]
CASES = [(t, make, layout) for t, make, layouts in HOT for layout in layouts]
IDS = [f"{layout}-{t.rsplit('/', 1)[1]}" for t, _, layout in CASES]


def as_text(batch: Any) -> str:
    return json.dumps(batch.to_pylist(), default=repr)  # NaN equals NaN; -0.0 stays distinct from 0.0


def chain(ros_type: str, make: Callable[[int], Any], layout: str) -> Any:
    plan = REGISTRY.plan(ros_type, type(make(0)), layout=layout)
    assert plan is not None
    return plan.encoder(type(make(0)), raw=True)


def items_of(messages: list[Any]) -> list[Received]:
    return [Received(1_000 + i, serialize_message(m)) for i, m in enumerate(messages)]


@pytest.mark.parametrize("ros_type,make,layout", CASES, ids=IDS)
def test_the_batch_decoder_gives_the_reference_batch(ros_type: str, make: Callable[[int], Any], layout: str) -> None:
    encoder = chain(ros_type, make, layout)
    assert encoder.decoders[0].name == "cdr_batch" and encoder.decoders[-1].name == "deserialize"
    default = [] if (ros_type, layout) == (COMPRESSED, "seed") else [type(make(0))()]  # seed: '' names no format
    items = items_of([make(i) for i in range(40)] + default)  # edges, then a default message
    expected = encoder.decoders[-1].decode(items)
    got = encoder.decoders[0].decode(items)
    assert got is not None, f"cdr_batch declined little-endian CDR of {ros_type}"
    assert got.schema.equals(expected.schema, check_metadata=True)
    assert as_text(got) == as_text(expected)
    for one in items[:8]:  # batches of one, as a slow topic sends them
        assert as_text(encoder.decoders[0].decode([one])) == as_text(encoder.decoders[-1].decode([one]))


@pytest.mark.parametrize("ros_type,make,layout", CASES, ids=IDS)
def test_big_endian_cdr_is_declined_and_stored_as_the_reference_reads_it(ros_type: str, make: Callable[[int], Any],
                                                                        layout: str) -> None:
    encoder = chain(ros_type, make, layout)
    little = items_of([make(i) for i in range(12)])
    big = [Received(r.t, big_endian(r.msg, ros_type)) for r in little]
    assert all(r.msg[1] == 0 for r in big)  # CDR_BE encapsulation
    assert encoder.decoders[0].decode(big) is None
    assert as_text(encoder.encode(big)) == as_text(encoder.decoders[-1].decode(little))


@pytest.mark.parametrize("ros_type,make,layout", CASES, ids=IDS)
def test_cdr_cut_short_is_declined(ros_type: str, make: Callable[[int], Any], layout: str) -> None:
    """Whatever the cut, the fast path never makes up a row: it declines (the reference reports it)."""
    encoder = chain(ros_type, make, layout)
    whole = items_of([make(5)])[0]
    for cut in range(4, len(whole.msg) - 8, max(1, len(whole.msg) // 97)):
        short = Received(whole.t, whole.msg[:cut])
        batch = encoder.decoders[0].decode([short])
        if batch is not None:  # only a cut inside the trailing padding or an unused field may still decode
            assert as_text(batch) == as_text(encoder.decoders[-1].decode([whole])), cut


def test_a_format_the_rule_refuses_declines_the_batch() -> None:
    """Seed era: a CompressedImage format naming no known container is refused by the getter; the batch
    path leaves it to the reference, which reports it."""
    encoder = chain("sensor_msgs/msg/CompressedImage", compressed, "seed")
    items = items_of([compressed(0), sm.CompressedImage(format="bmp", data=b"12")])
    assert encoder.decoders[0].decode(items) is None
    with pytest.raises(ValueError, match="names none of"):
        encoder.encode(items)


def test_the_png_image_option_has_no_batch_path() -> None:
    from mosaico_ros_bridge.ontology.images import ImageFormat
    for layout in ("seed", "session"):
        plan = REGISTRY.plan("sensor_msgs/msg/Image", sm.Image, image_format=ImageFormat.PNG, layout=layout)
        assert plan is not None
        assert [d.name for d in plan.encoder(sm.Image, raw=True).decoders] == ["cdr_messages", "deserialize"]
