"""Real child processes for tests: start, wait for a line with a deadline, stop cleanly."""
from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Sequence

HERE = Path(__file__).resolve().parent


class Proc:
    """A child process whose stdout lines are collected by a thread, so waits have deadlines."""

    def __init__(self, argv: Sequence[str], *, cwd: Path | None = None, env: dict[str, str] | None = None) -> None:
        full_env = dict(os.environ)
        full_env["PYTHONPATH"] = os.pathsep.join([str(HERE), full_env.get("PYTHONPATH", "")])
        full_env["PYTHONUNBUFFERED"] = "1"
        full_env.update(env or {})
        self.argv = list(argv)
        self.popen = subprocess.Popen(
            self.argv, cwd=cwd, env=full_env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True,
        )
        self.lines: list[str] = []
        self._ended = False
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = 30.0) -> str:
        """The first (new) output line satisfying predicate; fails with the output so far."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting on {self.argv}; output:\n" + "\n".join(self.lines))
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                self._ended = True
                raise AssertionError(f"{self.argv} exited ({self.popen.wait()}); output:\n" + "\n".join(self.lines))
            self.lines.append(line)
            if predicate(line):
                return line

    def output(self, timeout: float = 30.0) -> str:
        """All output once the process has closed it (any number of calls)."""
        while not self._ended:
            try:
                line = self._queue.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"{self.argv} did not end its output within {timeout} s") from None
            if line is None:
                self._ended = True
            else:
                self.lines.append(line)
        return "\n".join(self.lines)

    def stop(self, timeout: float = 15.0) -> int:
        """Close stdin, then terminate if needed; returns the exit code."""
        if self.popen.stdin and not self.popen.stdin.closed:
            self.popen.stdin.close()
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.terminate()
            try:
                return self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                return self.popen.wait()


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


def wait_until(condition: Callable[[], bool], timeout: float, what: str, step: Callable[[], None] | None = None) -> None:
    """Poll condition (calling step between polls, e.g. spin_once) until true or the deadline."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        if step is not None:
            step()
        else:
            time.sleep(0.01)
