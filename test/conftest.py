"""Session-wide test setup: an own ROS domain per pytest session, DDS kept on loopback.

The domain is claimed with an exclusive file lock, so two test runs on one machine never share one
(and never see each other's topics). Children inherit the environment.
"""
from __future__ import annotations

import fcntl
import os
import random
import sys
import tempfile
from pathlib import Path
from typing import IO

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

_domain_lock: IO[str] | None = None


def _claim_domain_id() -> int:
    global _domain_lock
    candidates = list(range(1, 102))
    random.shuffle(candidates)
    for domain in candidates:
        handle = open(Path(tempfile.gettempdir()) / f"mosaico_ros_bridge-domain-{domain}.lock", "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        _domain_lock = handle
        return domain
    raise RuntimeError("no free ROS_DOMAIN_ID in 1..101 on this machine (too many parallel test runs?)")


os.environ["ROS_DOMAIN_ID"] = str(_claim_domain_id())
os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
os.environ.setdefault("AMENT_PREFIX_PATH", sys.prefix)


def pytest_report_header() -> str:
    return f"ROS_DOMAIN_ID={os.environ['ROS_DOMAIN_ID']} (locked for this session), discovery LOCALHOST"


@pytest.fixture(scope="session")
def ros_context():  # type: ignore[no-untyped-def]
    """One initialised rclpy context for the session's in-process nodes."""
    import rclpy

    context = rclpy.Context()
    rclpy.init(context=context)
    yield context
    context.try_shutdown()


@pytest.fixture
def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A real local Mosaico server on a free port with a fresh store."""
    from mosaico_ros_bridge.server import LocalServer

    with LocalServer(tmp_path / "store") as running:
        yield running
