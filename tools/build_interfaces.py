"""Build the ROS interface packages under interfaces/ into a Python prefix (the project's .venv).

Only packages that cannot be imported are built (on a real ROS install nothing is), in dependency
order. A package built here records a hash of its sources, so editing a .msg rebuilds it and an
unchanged tree is a no-op. Usage: python tools/build_interfaces.py --prefix .venv interfaces
"""
from __future__ import annotations

import argparse
import hashlib
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

STAMP_NAME = ".mosaico_ros_bridge_build_hash"
DEP_TAGS = ("depend", "build_depend", "buildtool_depend", "exec_depend")
KNOWN_FAILURES = (
    ("ament_cmake_include_directories", "install ros-jazzy-ament-cmake-include-directories (requirements.txt)"),
    ("ament_cmake_gmock", "install ros-jazzy-ament-cmake-gmock (requirements.txt)"),
    ("No module named 'catkin_pkg'", "install catkin-pkg (requirements.txt)"),
    ("rosidl_typesupport_c", "AMENT_PREFIX_PATH must be the venv prefix"),
    ("non-existent path", "a message wheel was installed after the include-path fix; rerun this tool"),
)


class BuildError(RuntimeError):
    """An interface package failed to build; the message names the package and the likely cause."""


@dataclass(frozen=True)
class InterfacePackage:
    name: str
    path: Path
    depends: frozenset[str]

    def source_hash(self) -> str:
        digest = hashlib.sha256()
        for file in sorted(p for p in self.path.rglob("*") if p.is_file()):
            digest.update(str(file.relative_to(self.path)).encode())
            digest.update(file.read_bytes())
        return digest.hexdigest()


def discover(root: Path) -> list[InterfacePackage]:
    """Every direct subfolder of root with a package.xml, with its declared dependencies."""
    packages = []
    for manifest in sorted(root.glob("*/package.xml")):
        tree = ET.parse(manifest).getroot()
        name = (tree.findtext("name") or "").strip()
        if not name:
            raise BuildError(f"{manifest}: <name> is missing")
        deps = frozenset((el.text or "").strip() for tag in DEP_TAGS for el in tree.iter(tag))
        packages.append(InterfacePackage(name, manifest.parent, deps))
    return packages


def dependency_order(packages: list[InterfacePackage]) -> list[InterfacePackage]:
    """Topological order among the local packages; a cycle is an error naming its members."""
    by_name = {p.name: p for p in packages}
    ordered: list[InterfacePackage] = []
    state: dict[str, str] = {}

    def visit(pkg: InterfacePackage, chain: tuple[str, ...]) -> None:
        if state.get(pkg.name) == "done":
            return
        if state.get(pkg.name) == "visiting":
            raise BuildError(f"dependency cycle among interface packages: {' -> '.join(chain + (pkg.name,))}")
        state[pkg.name] = "visiting"
        for dep in sorted(pkg.depends & by_name.keys()):
            visit(by_name[dep], chain + (pkg.name,))
        state[pkg.name] = "done"
        ordered.append(pkg)

    for pkg in packages:
        visit(pkg, ())
    return ordered


def importable(python: str, name: str) -> bool:
    probe = f"import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('{name}.msg') or importlib.util.find_spec('{name}.srv') else 1)"
    return subprocess.run([python, "-c", probe], capture_output=True).returncode == 0


def fix_exported_include_dirs(prefix: Path, python: str) -> int:
    """Point the wheels' *__rosidl_generator_pyExport.cmake include dirs at this interpreter's.

    The wheels carry the wheel builder's Python and numpy include paths, which do not exist here.
    """
    info = subprocess.run(
        [python, "-c", "import sysconfig, numpy; print(sysconfig.get_paths()['include']); print(numpy.get_include())"],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    py_include, np_include = info[0], info[1]
    fixed = 0
    for export in prefix.glob("share/*/cmake/*__rosidl_generator_pyExport.cmake"):
        text = export.read_text()
        new = re.sub(r"[^\";]*/include/python3\.\d+(?=[\";])", py_include, text)
        new = re.sub(r"[^\";]*/numpy/(?:_core|core)/include(?=[\";])", np_include, new)
        if new != text:
            export.write_text(new)
            fixed += 1
    return fixed


def build(pkg: InterfacePackage, prefix: Path, python: str, work: Path) -> None:
    env = dict(os.environ)
    env["AMENT_PREFIX_PATH"] = str(prefix)
    env["CMAKE_PREFIX_PATH"] = str(prefix)
    env["PATH"] = f"{prefix / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    build_dir = work / pkg.name
    log = work / f"{pkg.name}.log"
    steps = [
        ["cmake", "-S", str(pkg.path), "-B", str(build_dir), f"-DCMAKE_INSTALL_PREFIX={prefix}",
         f"-DPython3_EXECUTABLE={python}", "-DBUILD_TESTING=OFF"],
        ["cmake", "--build", str(build_dir), "-j", str(os.cpu_count() or 2)],
        ["cmake", "--install", str(build_dir)],
    ]
    with log.open("w") as out:
        for step in steps:
            if subprocess.run(step, stdout=out, stderr=subprocess.STDOUT, env=env).returncode != 0:
                raise BuildError(_failure_message(pkg, log))
    (prefix / "share" / pkg.name / STAMP_NAME).write_text(pkg.source_hash())


def _failure_message(pkg: InterfacePackage, log: Path) -> str:
    text = log.read_text(errors="replace")
    hints = [hint for needle, hint in KNOWN_FAILURES if needle in text]
    tail = "\n".join(text.splitlines()[-25:])
    hint = f"\nlikely cause: {'; '.join(hints)}" if hints else ""
    return f"building interface package {pkg.name} failed (full log: {log}){hint}\n{tail}"


def needs_build(pkg: InterfacePackage, prefix: Path, python: str) -> str | None:
    """Why pkg must be built, or None: built here and unchanged, or provided by a ROS install."""
    stamp = prefix / "share" / pkg.name / STAMP_NAME
    if stamp.exists():
        return None if stamp.read_text() == pkg.source_hash() else "sources changed"
    if importable(python, pkg.name):
        return None
    return "not importable"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", type=Path, default=Path(sys.prefix))
    parser.add_argument("--python", default=None, help="interpreter of the prefix (default: PREFIX/bin/python)")
    parser.add_argument("--work", type=Path, default=Path("build/interfaces"))
    parser.add_argument("roots", nargs="+", type=Path)
    args = parser.parse_args(argv)
    prefix = args.prefix.resolve()
    python = args.python or str(prefix / "bin" / "python")
    args.work.mkdir(parents=True, exist_ok=True)
    packages = dependency_order([p for root in args.roots for p in discover(root)])
    todo = [(p, why) for p in packages if (why := needs_build(p, prefix, python))]
    if not todo:
        print(f"interfaces: all {len(packages)} package(s) importable, nothing to build")
        return 0
    fixed = fix_exported_include_dirs(prefix, python)
    if fixed:
        print(f"interfaces: pointed {fixed} exported include-dir file(s) at this venv")
    for index, (pkg, why) in enumerate(todo, 1):
        started = time.monotonic()
        print(f"interfaces: [{index}/{len(todo)}] building {pkg.name} ({why}) ...", flush=True)
        try:
            build(pkg, prefix, python, args.work.resolve())
        except BuildError as exc:
            print(f"interfaces: error: {exc}", file=sys.stderr)
            return 1
        print(f"interfaces: [{index}/{len(todo)}] {pkg.name} installed in {time.monotonic() - started:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
