"""Shared benchmark plumbing: a local server in its own process, results written to bench/results."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


class ServerProcess:
    """`python -m mosaico_ros_bridge.server --port 0` on a temp store; `port` once it listens."""

    def __init__(self, dialect: str = "session") -> None:
        self.store = Path(tempfile.mkdtemp(prefix="mosaico-bench-"))
        self.proc = subprocess.Popen([sys.executable, "-m", "mosaico_ros_bridge.server", "--dialect", dialect, "--port",
                                      "0", "--store", str(self.store)], stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        deadline = time.monotonic() + 30
        for line in self.proc.stdout:
            found = re.search(r"listening on grpc://[\d.]+:(\d+)", line)
            if found:
                self.port = int(found.group(1))
                break
            if time.monotonic() > deadline:
                break
        else:
            raise RuntimeError("the local server did not start")
        # Keep reading its log: a full pipe would block the server on its next line.
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()

    def stop(self) -> None:
        """Stop the server and remove its store (a suite run stores gigabytes)."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:  # once, after an image flood, it was still busy past 15 s
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.store, ignore_errors=True)

    def __enter__(self) -> "ServerProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def save(name: str, results: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(results, indent=2))
    return path


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in rows)
