"""The project's .venv is a real ament prefix for this package, as colcon would install it (issue #19),
checked without `launch`: ament_index_python finds the package, its share directory holds the launch
and config files, and `lib/mosaico_ros_bridge/<executable>` runs, as `ros2 run` would start it. Also
the recorder's --help, and the shipped config key that applies in any namespace."""
from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from typing import Any

from ament_index_python.packages import get_package_prefix, get_package_share_directory

from procs import Proc

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "mosaico_ros_bridge"


def test_the_venv_is_an_ament_prefix_with_share_files_and_executables() -> None:
    prefix = Path(get_package_prefix(PACKAGE))
    assert prefix == Path(sys.prefix)
    share = Path(get_package_share_directory(PACKAGE))
    assert share == prefix / "share" / PACKAGE
    for name in ("package.xml", "launch/record.launch.py", "config/record.yaml"):
        assert (share / name).read_bytes() == (ROOT / name).read_bytes(), name
    for executable in ("recorder", "upload", "mosaico-local-server"):
        path = prefix / "lib" / PACKAGE / executable
        assert path.is_file() and path.stat().st_mode & 0o111, path


def test_ros2_run_style_executables_start(tmp_path: Path) -> None:
    lib = Path(get_package_prefix(PACKAGE)) / "lib" / PACKAGE
    help_run = Proc([str(lib / "recorder"), "--help"])
    assert help_run.popen.wait(timeout=30) == 0
    text = help_run.output()
    shipped = Path(get_package_share_directory(PACKAGE)) / "config" / "record.yaml"
    assert f"--params-file {shipped}" in text and "ros2 launch mosaico_ros_bridge record.launch.py" in text
    assert "Exit codes: 0 finalized; 1 fatal error" in text and "3 stopped while the server was unreachable" in text
    upload = Proc([str(lib / "upload"), str(tmp_path)])
    assert upload.popen.wait(timeout=30) == 2 and "is not a spool directory" in upload.output()


def test_help_of_python_m_and_no_help_without_the_flag(tmp_path: Path) -> None:
    shown = Proc([sys.executable, "-m", PACKAGE, "-h"])
    assert shown.popen.wait(timeout=30) == 0 and "Records live ROS 2 topics into a Mosaico server" in shown.output()
    bare = Proc([sys.executable, "-m", PACKAGE])
    assert bare.popen.wait(timeout=30) == 2
    assert "no topic selected" in bare.output() and "see --help" in bare.output()


def test_the_shipped_config_key_applies_in_any_namespace(server: Any, tmp_path: Path) -> None:
    """`/**/mosaico_recorder` (as shipped) reaches the node under namespace /robot1."""
    config = tmp_path / "record.yaml"
    config.write_text(json.dumps({"/**/mosaico_recorder": {"ros__parameters": {
        "server": {"port": server.port}, "sequence": {"name": "namespaced"}, "topics": {"all": True},
        "spool": {"dir": str(tmp_path / "spool")}}}}))
    rec = Proc([sys.executable, "-m", PACKAGE, "--ros-args", "-r", "__ns:=/robot1", "--params-file", str(config)])
    try:
        rec.wait_for(lambda l: "sequence created: namespaced" in l)
        rec.popen.send_signal(signal.SIGINT)
        assert rec.popen.wait(timeout=60) == 0, rec.output()
    finally:
        rec.stop()
    assert "sequence finalized: namespaced" in rec.output()
