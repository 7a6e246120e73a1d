"""The package stays `mypy --strict` clean (configuration in setup.cfg: strict, with pyarrow and the
ROS message packages taken as untyped)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_package_is_mypy_strict_clean() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy", "mosaico_ros_bridge"], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"mypy found type errors (run `make typecheck`):\n{result.stdout}{result.stderr}"
    assert "Success: no issues found" in result.stdout
