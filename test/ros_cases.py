"""ROS messages of every type the official 0.7 bridge models that the seed era did not
(SESSION_ONLY_CASES), and of types no adapter maps (UNMODELED_CASES): deterministic, with edge
values, shared by the tests and the publisher processes they start (test_adapters.CASES holds the
seed-era types)."""
from __future__ import annotations

from typing import Any, Callable

from samples import make_gadget


def header(i: int) -> Any:
    from std_msgs.msg import Header
    h = Header(frame_id=f"frame_ü_{i}")
    h.stamp.sec, h.stamp.nanosec = 1_700_000_000 + i, 999_999_999 - i
    return h


def _session_only_cases() -> list[tuple[str, Callable[[int], Any]]]:
    """The types only the session dialect models (the seed era records them with the fallback)."""
    import math

    from builtin_interfaces.msg import Duration, Time
    from geometry_msgs import msg as gm
    from nav_msgs import msg as nm
    from sensor_msgs import msg as sm
    from std_msgs.msg import Header

    def scan(i: int) -> Any:
        return sm.LaserScan(header=header(i), angle_min=-1.5, angle_max=1.5, angle_increment=0.01 * (i + 1),
                            time_increment=1e-4, scan_time=0.1, range_min=0.1, range_max=30.0,
                            ranges=[1.0, math.inf, math.nan, 2.5][:i + 1], intensities=[7.0, 8.0][:i % 3])

    def echo(i: int) -> Any:
        return sm.MultiEchoLaserScan(header=header(i), angle_min=-1.0, angle_max=1.0, angle_increment=0.5,
                                     ranges=[sm.LaserEcho(echoes=[1.0 * k, 2.0]) for k in range(i)],
                                     intensities=[sm.LaserEcho(echoes=[3.0])] * (i % 2))

    def cloud(i: int) -> Any:
        fields = [sm.PointField(name=n, offset=4 * k, datatype=7, count=1) for k, n in enumerate("xyz")]
        return sm.PointCloud2(header=header(i), height=1, width=i, fields=fields, is_bigendian=bool(i % 2), point_step=12,
                              row_step=12 * i, data=bytes(range(12 * i)), is_dense=bool(i % 2))

    def pose(i: int) -> Any:
        return gm.Pose(position=gm.Point(x=float(i), y=-1.0, z=0.5), orientation=gm.Quaternion(w=1.0))

    def info(i: int) -> Any:
        return nm.MapMetaData(map_load_time=Time(sec=i, nanosec=7), resolution=0.05, width=4, height=2, origin=pose(i))

    return [
        ("sensor_msgs/msg/LaserScan", scan),
        ("sensor_msgs/msg/MultiEchoLaserScan", echo),
        ("sensor_msgs/msg/PointCloud2", cloud),
        ("sensor_msgs/msg/Temperature", lambda i: sm.Temperature(header=header(i), temperature=21.5 - 30 * i,
                                                                 variance=[0.0, 0.25, -1.0][i % 3])),
        ("sensor_msgs/msg/FluidPressure", lambda i: sm.FluidPressure(header=header(i), fluid_pressure=101325.0 + i,
                                                                     variance=[0.5, 0.0][i % 2])),
        ("sensor_msgs/msg/Joy", lambda i: sm.Joy(header=header(i), axes=[0.5 * i, -1.0][:i + 1], buttons=[i, 0, 1][:i])),
        ("nav_msgs/msg/Path", lambda i: nm.Path(header=header(i), poses=[gm.PoseStamped(header=header(k), pose=pose(k))
                                                                         for k in range(i)])),
        ("nav_msgs/msg/GridCells", lambda i: nm.GridCells(header=header(i), cell_width=0.5, cell_height=0.25,
                                                          cells=[gm.Point(x=float(k), y=1.0, z=0.0) for k in range(i)])),
        ("nav_msgs/msg/MapMetaData", info),
        ("nav_msgs/msg/OccupancyGrid", lambda i: nm.OccupancyGrid(header=header(i), info=info(i),
                                                                  data=[-1, 0, 100, 50, 1, 2, 3, 4][:i * 2])),
        ("geometry_msgs/msg/Polygon", lambda i: gm.Polygon(points=[gm.Point32(x=0.5 * k, y=1.0, z=2.0) for k in range(i)])),
        ("geometry_msgs/msg/PolygonStamped", lambda i: gm.PolygonStamped(header=header(i), polygon=gm.Polygon(
            points=[gm.Point32(x=0.5, y=1.0, z=2.0)] * i))),
        ("geometry_msgs/msg/Inertia", lambda i: gm.Inertia(m=1.5 + i, com=gm.Vector3(x=0.1, y=0.2, z=0.3),
                                                           ixx=1.0, ixy=0.1, ixz=0.2, iyy=2.0, iyz=0.3, izz=3.0)),
        ("geometry_msgs/msg/InertiaStamped", lambda i: gm.InertiaStamped(header=header(i), inertia=gm.Inertia(
            m=2.0, com=gm.Vector3(x=1.0), ixx=4.0, ixy=5.0, ixz=6.0, iyy=7.0, iyz=8.0, izz=9.0))),
        ("std_msgs/msg/Header", lambda i: Header(frame_id=f"f{i}") if i else Header()),
        ("builtin_interfaces/msg/Time", lambda i: Time(sec=1_700_000_000 + i, nanosec=i)),
        ("builtin_interfaces/msg/Duration", lambda i: Duration(sec=-i, nanosec=999_999_999)),
    ]


SESSION_ONLY_CASES = _session_only_cases()


def _unmodeled_cases() -> list[tuple[str, Callable[[int], Any]]]:
    """Types no adapter maps (the official bridge's Unmodeled path): nested lists of messages, byte
    fields and byte[] lists, float32, strings, a ROS header."""
    from diagnostic_msgs import msg as dm
    from sensor_msgs import msg as sm
    from std_msgs import msg as stdm

    def status(i: int) -> Any:
        return dm.DiagnosticStatus(level=bytes([i % 3]), name=f"motor_{i}", message="ok ü", hardware_id="hw",
                                   values=[dm.KeyValue(key=f"k{k}", value=str(k)) for k in range(i)])
    return [
        ("diagnostic_msgs/msg/KeyValue", lambda i: dm.KeyValue(key=f"key_{i}", value=f"valüe {i}")),
        ("diagnostic_msgs/msg/DiagnosticArray", lambda i: dm.DiagnosticArray(header=header(i), status=[status(k) for k in range(i)])),
        ("sensor_msgs/msg/Range", lambda i: sm.Range(header=header(i), radiation_type=1, field_of_view=0.5,
                                                     min_range=0.1, max_range=4.0, range=1.5 + i)),
        ("std_msgs/msg/ByteMultiArray", lambda i: stdm.ByteMultiArray(
            layout=stdm.MultiArrayLayout(dim=[stdm.MultiArrayDimension(label="x", size=i, stride=1)]),
            data=[bytes([k]) for k in range(i)])),
        ("std_msgs/msg/ColorRGBA", lambda i: stdm.ColorRGBA(r=0.25 * i, g=1.0, b=0.0, a=0.5)),
        ("sensor_msgs/msg/NavSatStatus", lambda i: sm.NavSatStatus(status=i - 1, service=1)),
        ("mosaico_bridge_test_msgs/msg/Gadget", make_gadget),  # a custom package (test/interfaces)
    ]


UNMODELED_CASES = _unmodeled_cases()
