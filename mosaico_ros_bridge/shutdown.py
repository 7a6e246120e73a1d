"""Orderly shutdown for rclpy processes: SIGINT/SIGTERM/SIGHUP only complete a Future; the spin loop sees it
and the process tears down in order. rclpy's own handlers would invalidate the context while timers
and executors still run (observed: a SIGINT right after a subscription was created aborted the
recorder with SIGABRT)."""
from __future__ import annotations

import signal
import threading

import rclpy
from rclpy.executors import Executor
from rclpy.signals import SignalHandlerOptions
from rclpy.task import Future


class StopRequest(Future):
    """Done (with the signal's name) at the first stop signal; `again` is set by any later one: the
    operator will not wait for a slow upload to end."""

    def __init__(self) -> None:
        super().__init__()
        self.again = threading.Event()


def init_with_stop_signals(args: list[str] | None = None) -> StopRequest:
    """rclpy.init without its signal handlers; returns a StopRequest done on SIGINT, SIGTERM or
    SIGHUP (the terminal or the `ros2 launch` in front of the recorder went away: finalize rather than
    die with the data only in the spool)."""
    rclpy.init(args=args, signal_handler_options=SignalHandlerOptions.NO)
    stop = StopRequest()

    def on_signal(signum: int, frame: object) -> None:
        if not stop.done():
            stop.set_result(signal.Signals(signum).name)
        else:
            stop.again.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    return stop


def spin_until(executor: Executor, *futures: Future) -> None:
    """Spin until any future is done, returning to Python at least every 0.25 s so that signal
    handlers run."""
    while not any(f.done() for f in futures):
        executor.spin_until_future_complete(futures[0], timeout_sec=0.25)
