"""`make demo` / `python -m mosaico_ros_bridge.demo [--seconds N]`: starts the local Mosaico server on a
temporary store, the recorder and a simulated robot (all real processes), records for N seconds,
stops the recorder with SIGINT and prints what was recorded, read back from the server."""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

from mosaico_ros_bridge.client import Connection
from mosaico_ros_bridge.info import render, sequence_rows


class Child:
    """A child process whose output lines are echoed with a prefix and can be waited on."""

    def __init__(self, label: str, argv: list[str], env: dict[str, str], echo: Callable[[str], bool]) -> None:
        self.label = label
        self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self._echo = echo
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            line = line.rstrip()
            if self._echo(line):
                print(f"  [{self.label}] {line}", flush=True)
            with self._cond:
                self.lines.append(line)
                self._cond.notify_all()

    def wait_for(self, pattern: str, timeout: float) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.lines:
                    found = re.search(pattern, line)
                    if found:
                        return found
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.proc.poll() is not None:
                    raise RuntimeError(f"{self.label} did not print /{pattern}/ (exit {self.proc.poll()}):\n"
                                       + "\n".join(self.lines[-20:]))
                self._cond.wait(min(remaining, 0.2))

    def stop(self, sig: int = signal.SIGINT, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def recorder_params(path: Path, port: int) -> None:
    """The demo recorder's parameters file: every topic of the robot, into the server at port."""
    path.write_text(json.dumps({"mosaico_recorder": {"ros__parameters": {
        "server": {"port": port}, "sequence": {"name": "demo_{stamp}", "metadata": {"robot": "demo_robot", "demo": True}},
        "topics": {"all": True, "exclude_regex": "^/(rosout|parameter_events)$", "discovery_period_s": 0.2},
        "spool": {"dir": str(path.parent / "spool")},
    }}}))  # JSON is YAML


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="mosaico-demo-"))
    env = {**os.environ, "ROS_AUTOMATIC_DISCOVERY_RANGE": "LOCALHOST", "PYTHONUNBUFFERED": "1",
           "ROS_DOMAIN_ID": os.environ.get("ROS_DOMAIN_ID", str(random.randint(102, 215)))}
    py = sys.executable
    print(f"demo: local Mosaico server, store {work / 'store'}", flush=True)
    server = Child("server", [py, "-m", "mosaico_ros_bridge.server", "--port", "0", "--store", str(work / "store")], env,
                   lambda line: True)
    children = [server]
    try:
        port = int(server.wait_for(r"listening on grpc://[\d.]+:(\d+)", 30).group(1))
        recorder_params(work / "record.yaml", port)
        print("demo: recorder (python -m mosaico_ros_bridge --ros-args --params-file record.yaml)", flush=True)
        recorder = Child("recorder", [py, "-m", "mosaico_ros_bridge", "--ros-args", "--params-file", str(work / "record.yaml")],
                         env, lambda line: "Failed to publish log message" not in line)
        children.append(recorder)
        sequence = recorder.wait_for(r"sequence created: (\S+)", 30).group(1)
        print("demo: simulated robot", flush=True)
        robot = Child("robot", [py, "-m", "mosaico_ros_bridge.demo.robot", "--wait-for-subscribers"], env,
                      lambda line: not line.startswith("published"))
        children.append(robot)
        started = time.monotonic()
        while (elapsed := time.monotonic() - started) < args.seconds:
            print(f"demo: recording ... {elapsed:4.1f} / {args.seconds:.0f} s", flush=True)
            time.sleep(min(1.0, args.seconds - elapsed))
        robot_code = robot.stop()
        published = json.loads(robot.wait_for(r"published (\{.*\})", 10).group(1))
        print("demo: waiting for the recorder to receive the last messages (its ~/status)", flush=True)
        wait_received(published, timeout=10.0)
        print("demo: stopping the recorder with SIGINT", flush=True)
        code = recorder.stop(signal.SIGINT)
        if code != 0 or robot_code != 0:
            print(f"demo: FAILED: recorder exit {code}, robot exit {robot_code}", flush=True)
            return 1
        summary = recorder.wait_for(r"recording stopped: finalized .* (\d+) dropped and \d+ rejected of (\d+) received", 10)
        return _report(port, sequence, published, int(summary.group(1)), int(summary.group(2)))
    finally:
        for child in reversed(children):
            child.stop(signal.SIGTERM)


def wait_received(published: dict[str, int], timeout: float) -> bool:
    """Watch /mosaico_recorder/status until every topic shows at least its published count."""
    import rclpy
    from diagnostic_msgs.msg import DiagnosticArray

    context = rclpy.Context()
    rclpy.init(context=context)
    node = rclpy.create_node("demo_status_watch", context=context)
    received: dict[str, int] = {}

    def on_status(msg: DiagnosticArray) -> None:
        for status in msg.status:
            values = {kv.key: kv.value for kv in status.values}
            received[status.name.split(": ", 1)[-1]] = int(values.get("received", "0"))

    node.create_subscription(DiagnosticArray, "/mosaico_recorder/status", on_status, 10)
    executor = rclpy.executors.SingleThreadedExecutor(context=context)
    executor.add_node(node)
    deadline = time.monotonic() + timeout
    done = False
    while not done and time.monotonic() < deadline:
        executor.spin_once(timeout_sec=0.1)
        done = all(received.get(topic, 0) >= count for topic, count in published.items())
    executor.shutdown()
    node.destroy_node()
    context.try_shutdown()
    return done


def _report(port: int, sequence: str, published: dict[str, int], dropped: int, received: int) -> int:
    """Print the recording read back; fail if the recorder lost anything it received."""
    with Connection.connect("127.0.0.1", port) as client:
        rows = sequence_rows(client, sequence)
        print("\n" + render(sequence, rows, client.sequence_system_info(sequence)) + "\n")
    recorded = sum(r.records for r in rows)
    total = sum(published.values())
    print(f"demo: published {total}, recorder received {received}, recorded {recorded}, dropped {dropped}")
    if received != total:
        missing = {t: n - next((r.records for r in rows if r.topic == t), 0) for t, n in published.items()}
        print(f"demo: note: {total - received} message(s) never reached the recorder (lost in DDS before it): "
              f"{ {t: n for t, n in missing.items() if n} }")
    if dropped or recorded != received:
        print("demo: FAILED: the recorder did not store everything it received")
        return 1
    print("demo: the recorder stored every message it received")
    return 0


if __name__ == "__main__":
    sys.exit(main())
