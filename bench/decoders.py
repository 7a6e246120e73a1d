"""Decoder throughput: the recorder's batch CDR decoders of the hot types against, in the same run,
(1) a bare `rclpy.serialization.deserialize_message` of each message (what any Python subscriber
pays before it has even read a field) and (2) the reference path (deserialize + the adapter's
getters into the same Arrow batch), in both layouts (seed; session = the 0.7 ontology). Sizes are
the recorder benchmark's sensors; each figure is the median of `--repeat` runs, in messages/s.

    python -m bench.decoders [--repeat K]
"""
from __future__ import annotations

import argparse
import statistics
import time
from typing import Any, Callable

from geometry_msgs.msg import TransformStamped
from nav_msgs.msg import Odometry
from rclpy.serialization import deserialize_message, serialize_message
from sensor_msgs.msg import CompressedImage, Image, Imu, LaserScan, PointCloud2, PointField
from tf2_msgs.msg import TFMessage

from bench.common import save, table
from mosaico_ros_bridge.adapters import AdapterRegistry, Received


def _stamped(message: Any, i: int) -> Any:
    message.header.frame_id, message.header.stamp.sec = "sensor_link", 1_700_000_000 + i
    return message


def _tf(i: int) -> TFMessage:
    transforms = [TransformStamped(child_frame_id=f"link_{k}") for k in range(3)]
    for t in transforms:
        _stamped(t, i).transform.rotation.w = 1.0
    return TFMessage(transforms=transforms)


def _cloud(i: int) -> PointCloud2:
    fields = [PointField(name=n, offset=4 * k, datatype=7, count=1) for k, n in enumerate(("x", "y", "z", "intensity"))]
    return _stamped(PointCloud2(height=1, width=100_000, fields=fields, point_step=16, row_step=1_600_000,
                                data=bytes(1_600_000), is_dense=True), i)


CASES: list[tuple[str, Callable[[int], Any], int]] = [  # type, message maker, messages per batch
    ("sensor_msgs/msg/Imu", lambda i: _stamped(Imu(), i), 1000),
    ("nav_msgs/msg/Odometry", lambda i: _stamped(Odometry(child_frame_id="base_link"), i), 1000),
    ("tf2_msgs/msg/TFMessage", _tf, 1000),
    ("sensor_msgs/msg/LaserScan", lambda i: _stamped(LaserScan(ranges=[1.5] * 1080, intensities=[7.0] * 1080), i), 200),
    ("sensor_msgs/msg/CompressedImage", lambda i: _stamped(CompressedImage(format="jpeg", data=bytes(200_000)), i), 50),
    ("sensor_msgs/msg/PointCloud2", _cloud, 10),
    ("sensor_msgs/msg/Image", lambda i: _stamped(Image(height=1080, width=1920, encoding="rgb8", step=5760,
                                                       data=bytes(1920 * 1080 * 3)), i), 5),
]


def _rate(run: Callable[[], Any], count: int, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return count / statistics.median(times)


def measure(repeat: int) -> dict[str, Any]:
    registry = AdapterRegistry()
    results: dict[str, Any] = {}
    for ros_type, make, count in CASES:
        messages = [make(i) for i in range(count)]
        cls = type(messages[0])
        items = [Received(i, serialize_message(m)) for i, m in enumerate(messages)]
        bare = _rate(lambda: [deserialize_message(r.msg, cls) for r in items], count, repeat)
        for layout in ("seed", "session"):
            plan = registry.plan(ros_type, cls, layout=layout)
            assert plan is not None
            decoders = {d.name: d for d in plan.encoder(cls, raw=True).decoders}
            if "cdr_batch" not in decoders:
                continue  # seed era: no mapping (the lossless fallback records it)
            results[f"{layout} {ros_type}"] = {
                "bare_deserialize_msgs_per_s": round(bare),
                "reference_msgs_per_s": round(_rate(lambda: decoders["deserialize"].decode(items), count, repeat)),
                "cdr_batch_msgs_per_s": round(_rate(lambda: decoders["cdr_batch"].decode(items), count, repeat)),
            }
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    results = measure(args.repeat)
    rows = [["layout type", "bare deserialize msg/s", "reference msg/s", "cdr_batch msg/s", "batch/bare",
             "batch/reference"]]
    for name, r in results.items():
        rows.append([name, str(r["bare_deserialize_msgs_per_s"]), str(r["reference_msgs_per_s"]),
                     str(r["cdr_batch_msgs_per_s"]), f"{r['cdr_batch_msgs_per_s'] / r['bare_deserialize_msgs_per_s']:.1f}x",
                     f"{r['cdr_batch_msgs_per_s'] / r['reference_msgs_per_s']:.1f}x"])
    print(table(rows))
    print(f"results: {save('decoders', results)}")
    return 0


if __name__ == "__main__":
    main()
