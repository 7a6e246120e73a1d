"""The recorder's entry point: `ros2 run mosaico_ros_bridge recorder --ros-args --params-file FILE`, or
identically `python -m mosaico_ros_bridge --ros-args --params-file FILE`.

SIGINT, SIGTERM and launch teardown finalize the sequence (buffers flushed first) and exit 0; a
fatal error exits 1 with the reason (what was recorded is finalized, or with spool.enabled false
sequence.on_error applies); a bad configuration exits 2; 3 means stopped while the server was
unreachable, or signalled a second time while uploading: the data is safe in the spool and uploaded
at the next start or by the upload command.
"""
from __future__ import annotations

import sys
import traceback
from pathlib import Path

import rclpy
from rclpy.executors import ExternalShutdownException

from mosaico_ros_bridge.errors import ConfigError, MosaicoBridgeError
from mosaico_ros_bridge.grpc_logs import quiet_grpc
from mosaico_ros_bridge.heap import keep_large_buffers
from mosaico_ros_bridge.node import RecorderNode
from mosaico_ros_bridge.shutdown import StopRequest, init_with_stop_signals, spin_until

EXIT_OK, EXIT_FATAL, EXIT_CONFIG, EXIT_KEPT = 0, 1, 2, 3
HELP = """\
Records live ROS 2 topics into a Mosaico server (mosaicod, or python -m mosaico_ros_bridge.server) as
sequences of one minute each (sequence.split), with a local spool so that nothing received is lost
when the server or the network fails. Parameters are ROS parameters of the node
`mosaico_recorder`, from a parameters file (--params-file) and/or -p key:=value; every key is
documented in the shipped file:
  {config}

Start it:
  ros2 run mosaico_ros_bridge recorder --ros-args --params-file {config}
  ros2 launch mosaico_ros_bridge record.launch.py config:=my_record.yaml sequence_name:=field_{{stamp}}
  python -m mosaico_ros_bridge --ros-args --params-file my_record.yaml -p topics.all:=true

Stop it with Ctrl-C / SIGINT (SIGTERM too): buffered records are flushed and the sequence finalized;
over a slow link that waits for the upload (its progress is logged). Signal again to stop at once:
what is not uploaded stays in the spool (exit 3).
Exit codes: 0 finalized; 1 fatal error (what was recorded is finalized, or sequence.on_error applies
without a spool); 2 bad parameter (the key is named); 3 stopped while the server was unreachable, or
signalled again: the data is in the spool (spool.dir) and is uploaded at the next start or by
`ros2 run mosaico_ros_bridge upload SPOOL_DIR`.
"""


def shipped_config() -> str:
    """Where the documented parameters file is: the package's share directory, or this checkout."""
    try:
        from ament_index_python.packages import PackageNotFoundError, get_package_share_directory

        return str(Path(get_package_share_directory("mosaico_ros_bridge")) / "config" / "record.yaml")
    except (ImportError, PackageNotFoundError, ValueError):
        return str(Path(__file__).resolve().parent.parent / "config" / "record.yaml")


def wants_help(argv: list[str]) -> bool:
    """-h/--help among the program's own arguments (ROS arguments follow --ros-args)."""
    own = argv[1:argv.index("--ros-args")] if "--ros-args" in argv else argv[1:]
    return "-h" in own or "--help" in own


def _executor(kind: str) -> rclpy.executors.Executor:
    """`events` receives several times more messages/s than `single_threaded` (measured)."""
    if kind == "events":
        from rclpy.experimental import EventsExecutor

        return EventsExecutor()
    return rclpy.executors.SingleThreadedExecutor()


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv
    if wants_help(args):
        print(HELP.format(config=shipped_config()), end="")
        return EXIT_OK
    keep_large_buffers()
    quiet_grpc()
    stop = init_with_stop_signals(args)
    try:
        node = RecorderNode()
    except ConfigError as exc:
        print(f"[mosaico_recorder] error: {exc}", file=sys.stderr, flush=True)
        rclpy.try_shutdown()
        return EXIT_CONFIG
    try:
        return _record(node, stop)
    finally:
        node.destroy_node()
        rclpy.try_shutdown()


def _record(node: RecorderNode, stop: StopRequest) -> int:
    log = node.get_logger()
    try:
        node.start()
    except MosaicoBridgeError as exc:
        log.error(f"cannot start recording: {exc}")
        return EXIT_FATAL
    executor = _executor(node.config.executor.kind)
    executor.add_node(node)
    try:
        spin_until(executor, node.fatal, stop)
    except ExternalShutdownException:  # the context was shut down from elsewhere
        pass
    error = node.fatal.result() if node.fatal.done() else None
    if error is not None and not isinstance(error, MosaicoBridgeError):  # a bug: its traceback, once
        log.error("internal error: " + "".join(traceback.format_exception(error)).rstrip())
    reason = "fatal error" if error else (stop.result() if stop.done() else "ROS shutdown")
    log.info(f"stopping ({reason}); flushing buffered records")
    report = node.finish(error, now=stop.again)
    executor.shutdown()
    if error or report.error:
        return EXIT_FATAL
    return EXIT_KEPT if report.kept else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
