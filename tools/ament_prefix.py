"""Make a Python environment (the project's .venv) a ROS 2 install prefix for this package, as colcon's
`--symlink-install` would: the ament index marker, `share/<package>/` with package.xml, launch and
config files (symlinks to the repo, so edits apply at once), and `lib/<package>/<executable>` for each
console script, where `ros2 run` and launch_ros look. `pip install -e .` installs no data files.

The file list is setup.cfg's [options.data_files] (one home); the executables are the installed
distribution's console_scripts. Idempotent; prints what it changed."""
from __future__ import annotations

import argparse
import configparser
import glob
import os
import sys
from importlib.metadata import distribution
from pathlib import Path

PACKAGE = "mosaico_ros_bridge"
ROOT = Path(__file__).resolve().parent.parent


def _link(target: Path, link: Path) -> bool:
    """Point `link` at `target`; True when something changed."""
    if link.is_symlink() and os.readlink(link) == str(target):
        return False
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(target)
    return True


def data_files() -> list[tuple[str, Path]]:
    """(destination folder, source file) pairs of setup.cfg's [options.data_files]."""
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    pairs = []
    for destination, sources in config["options.data_files"].items():
        for pattern in sources.split():
            matches = sorted(glob.glob(str(ROOT / pattern)))
            if not matches:
                raise SystemExit(f"ament_prefix: setup.cfg [options.data_files] {destination}: nothing matches {pattern}")
            pairs += [(destination, Path(m)) for m in matches]
    return pairs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", type=Path, required=True)
    prefix = parser.parse_args().prefix.resolve()
    changed = 0
    for destination, source in data_files():
        changed += _link(source, prefix / destination / source.name)
    scripts = [e.name for e in distribution(PACKAGE).entry_points if e.group == "console_scripts"]
    for name in scripts:  # setup.cfg's script_dir puts them in lib/<package> already; some pip versions use bin/
        installed = prefix / "lib" / PACKAGE / name
        if installed.is_file() and not installed.is_symlink():
            continue
        executable = prefix / "bin" / name
        if not executable.exists():
            raise SystemExit(f"ament_prefix: {PACKAGE}'s {name} is in neither lib/{PACKAGE} nor bin of {prefix}; "
                             "install the package first (pip install -e .)")
        changed += _link(executable, installed)
    if changed:
        print(f"env: {prefix} is an ament prefix for {PACKAGE} ({changed} link(s) made: share/{PACKAGE}, "
              f"lib/{PACKAGE}/{{{','.join(scripts)}}})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
