"""The package's layers point one way. Every import of every module (also inside functions and under
TYPE_CHECKING) is read from the source and checked against the allowed directions:
node -> recording -> writers -> client -> ontology; adapters -> ontology; spool is bytes on disk; the
server shares only the protocol description with the client."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "mosaico_ros_bridge"

# For each layer, the project layers it must never import.
FORBIDDEN = {
    "client": {"writers", "recording", "spool", "server", "adapters", "node", "config"},
    "spool": {"client", "writers", "recording", "server", "adapters", "node"},
    "writers": {"recording", "spool", "server", "adapters", "node"},
    "recording": {"server", "adapters", "node"},
    "ontology": {"client", "writers", "recording", "spool", "server", "adapters", "node"},
    "adapters": {"client", "writers", "recording", "spool", "server", "node"},
    "ontology07": {"client", "writers", "recording", "spool", "server", "adapters", "node"},
    "server": {"client", "writers", "recording", "spool", "adapters", "node", "ontology", "ontology07"},
}
SHARED = {"errors", "protocol", "records", "session_protocol", "topic_description"}  # importable from every layer


def layer_of(module: str) -> str:
    """`mosaico_ros_bridge.client.streams` -> 'client'; top-level modules are their own layer."""
    parts = module.split(".")
    name = parts[1] if len(parts) > 1 else parts[0]
    return "node" if name in {"node", "__main__", "status", "qos", "shutdown", "heap"} else name


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every project import; relative imports are refused (the check needs names)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: use an absolute import"
            found.append((node.lineno, node.module or ""))
    return [(line, name) for line, name in found if name.startswith("mosaico_ros_bridge.")]


def violations(package: Path = PACKAGE) -> list[str]:
    bad = []
    for path in sorted(package.rglob("*.py")):
        module = ".".join(path.relative_to(package.parent).with_suffix("").parts)
        source_layer = layer_of(module)
        for line, imported in imports_of(path):
            target = layer_of(imported)
            if target not in SHARED and target != source_layer and target in FORBIDDEN.get(source_layer, set()):
                bad.append(f"{path.relative_to(package.parent)}:{line}: {source_layer} imports {imported}")
    return bad


def test_layers_point_one_way() -> None:
    assert violations() == []


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    """The check itself can fail: a client module importing writers (the old cycle) is reported."""
    fake = tmp_path / "mosaico_ros_bridge"
    (fake / "client").mkdir(parents=True)
    (fake / "client" / "bad.py").write_text("def f():\n    from mosaico_ros_bridge.writers.sequence import SequenceWriter\n")
    (fake / "spool").mkdir()
    (fake / "spool" / "worse.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                             "    from mosaico_ros_bridge.client import Connection\n")
    assert violations(fake) == ["mosaico_ros_bridge/client/bad.py:2: client imports mosaico_ros_bridge.writers.sequence",
                            "mosaico_ros_bridge/spool/worse.py:3: spool imports mosaico_ros_bridge.client"]
