"""The recorder's entry point: `ros2 run mosaico_ros_bridge recorder --ros-args --params-file FILE`, or
identically `python -m mosaico_ros_bridge --ros-args --params-file FILE`.

SIGINT, SIGTERM and launch teardown finalize the sequence (buffers flushed first) and exit 0; a
fatal error applies sequence.on_error and exits 1 with the reason; a bad configuration exits 2.
"""
from __future__ import annotations

import sys

import rclpy
from rclpy.executors import ExternalShutdownException
from rclpy.task import Future

from mosaico_ros_bridge.client import MosaicoClient
from mosaico_ros_bridge.errors import ConfigError, MosaicoBridgeError
from mosaico_ros_bridge.node import RecorderNode
from mosaico_ros_bridge.shutdown import init_with_stop_signals, spin_until

EXIT_OK, EXIT_FATAL, EXIT_CONFIG = 0, 1, 2


def _executor(kind: str) -> rclpy.executors.Executor:
    """`events` receives several times more messages/s than `single_threaded` (measured)."""
    if kind == "events":
        from rclpy.experimental import EventsExecutor

        return EventsExecutor()
    return rclpy.executors.SingleThreadedExecutor()


def main(argv: list[str] | None = None) -> int:
    stop = init_with_stop_signals(argv if argv is not None else sys.argv)
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


def _record(node: RecorderNode, stop: Future) -> int:
    log = node.get_logger()
    server = node.config.server
    try:
        client = MosaicoClient.connect(server.host, server.port, timeout=server.timeout_s)
    except MosaicoBridgeError as exc:
        log.error(str(exc))
        return EXIT_FATAL
    log.info(f"connected to Mosaico at {server.host}:{server.port}")
    error: BaseException | None = None
    with client:
        try:
            node.start(client)
        except MosaicoBridgeError as exc:
            log.error(f"cannot start recording: {exc}")
            return EXIT_FATAL
        executor = _executor(node.config.executor.kind)
        executor.add_node(node)
        try:
            spin_until(executor, node.fatal, stop)
        except ExternalShutdownException:  # the context was shut down from elsewhere
            pass
        if node.fatal.done():
            error = node.fatal.result()
        reason = "fatal error" if error else (stop.result() if stop.done() else "ROS shutdown")
        log.info(f"stopping ({reason}); flushing buffered records")
        node.finish(error)
        executor.shutdown()
    return EXIT_FATAL if error else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
