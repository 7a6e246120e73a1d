"""Generate mosaico_ros_bridge/ontology07/*.py from the contract table of the 0.7.0 ontology.

    python tools/gen_ontology07.py [../shared/docs/current/ontology_0.7.0.json]

The table (generated from the official wheel, see docs/current/README.md) is the fact; this script
turns each class into a typed pydantic model with its exact Arrow fields (order, nullability at
every depth, `description` metadata). Run it again when the contract table changes; never edit
the generated modules by hand. `test/test_ontology07.py` compares every schema with the SDK's own.
"""
from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "mosaico_ros_bridge" / "ontology07"
DEFAULT_TABLE = ROOT.parent / "shared" / "docs" / "current" / "ontology_0.7.0.json"
GROUPS = [  # (module, docstring, SDK module prefixes), in dependency order
    ("primitives", "Single-value types (`data` column, no header).", ("models.data.base_types",)),
    ("geometry", "Time, Header, vectors, poses, kinematics, dynamics and ROI.",
     ("models.data.time", "models.data.header", "models.data.geometry", "models.data.kinematics",
      "models.data.dynamics", "models.data.roi")),
    ("sensors", "Sensor types: IMU, GPS, images, camera info, joints, scalar sensors.", ("models.sensors",)),
    ("futures", "Types the SDK marks as futures: laser, lidar, radar, depth cameras, grids.", ("models.futures",)),
    ("ros_types", "Types the SDK defines for its ROS bridge: BatteryState, FrameTransform, point clouds.",
     ("bridges.ros",)),
]
PRIMITIVE = {
    "bool": ("pa.bool_()", "bool"), "int8": ("pa.int8()", "int"), "int16": ("pa.int16()", "int"),
    "int32": ("pa.int32()", "int"), "int64": ("pa.int64()", "int"), "uint8": ("pa.uint8()", "int"),
    "uint16": ("pa.uint16()", "int"), "uint32": ("pa.uint32()", "int"), "uint64": ("pa.uint64()", "int"),
    "halffloat": ("pa.float16()", "float"), "float": ("pa.float32()", "float"), "double": ("pa.float64()", "float"),
    "string": ("pa.string()", "str"), "binary": ("pa.binary()", "bytes"),
}


@dataclass
class Emitted:
    name: str
    module: str
    fields: list[dict[str, Any]]
    tag: str
    fmt: str
    deps: set[str] = field(default_factory=set)


CLASS_FIELDS: dict[str, str] = {}  # class name -> canonical JSON of its fields (as the table gives them)


def _shape(spec: dict[str, Any]) -> dict[str, Any]:
    """What the Arrow schema holds of a field (not the table's pydantic `sdk` column or struct_name)."""
    shape = {k: spec.get(k) for k in ("name", "type", "nullable", "metadata")}
    shape["children"] = [_shape(c) for c in spec.get("children") or []]
    shape["item"] = _shape(spec["item"]) if spec.get("item") else None
    return shape


def canon(fields: list[dict[str, Any]]) -> str:
    return json.dumps([_shape(f) for f in fields], sort_keys=True)


def struct_class(spec: dict[str, Any]) -> str | None:
    """The class whose own fields equal this struct's children, metadata included: the table's
    struct_name names a class of the same shape, which may differ in descriptions (Point3d/Vector3d)."""
    wanted = canon(spec["children"])
    if CLASS_FIELDS.get(spec["struct_name"]) == wanted:
        return str(spec["struct_name"])
    return next((name for name, fields in sorted(CLASS_FIELDS.items()) if fields == wanted), None)


def inline_struct(spec: dict[str, Any], deps: set[str]) -> str:
    parts = []
    for child in spec["children"]:
        expr, _ = arrow_of(child, deps)
        description = (child.get("metadata") or {}).get("description")
        args = [repr(child["name"]), expr] + ([repr(description)] if description is not None else [])
        parts.append(f"col({', '.join(args)}{'' if child['nullable'] else ', nn=True'})")
    return f"pa.struct([{', '.join(parts)}])"


def arrow_of(spec: dict[str, Any], deps: set[str]) -> tuple[str, str]:
    """(pyarrow expression, Python annotation) of a field spec."""
    if spec.get("struct_name"):
        deps.add(spec["struct_name"])
        same = struct_class(spec)
        if same is None:
            return inline_struct(spec, deps), spec["struct_name"]
        deps.add(same)
        return f"{same}.arrow_struct()", same
    text = spec["type"]
    if text in PRIMITIVE:
        return PRIMITIVE[text]
    item = spec.get("item")
    if item is None:
        raise SystemExit(f"unsupported type {text!r} in {spec['name']}")
    inner, py = arrow_of(item, deps)
    size = re.search(r"\[(\d+)\]$", text)
    value = inner if item["nullable"] and item["name"] == "item" else \
        f"pa.field({item['name']!r}, {inner}, nullable={item['nullable']})"
    return (f"pa.list_({value}, {size.group(1)})" if size else f"pa.list_({value})"), f"list[{py}]"


def emit_class(cls: Emitted) -> list[str]:
    lines = [f"class {cls.name}(Serializable):"]
    if cls.fmt != "default":
        lines.append(f"    __serialization_format__ = SerializationFormat.{cls.fmt.upper()}")
    lines.append("    __arrow_fields__ = (")
    annotations = []
    for spec in cls.fields:
        expr, py = arrow_of(spec, cls.deps)
        description = (spec.get("metadata") or {}).get("description")
        args = [repr(spec["name"]), expr] + ([repr(description)] if description is not None else [])
        if not spec["nullable"]:
            args.append("nn=True")
        lines.append(f"        col({', '.join(args)}),")
        optional = spec.get("sdk") == "opt"
        annotations.append(f"    {spec['name']}: {py}{' | None = None' if optional else ''}")
    lines.append("    )")
    return lines + annotations


def order(classes: list[Emitted]) -> list[Emitted]:
    by_name = {c.name: c for c in classes}
    done: list[Emitted] = []
    seen: set[str] = set()

    def visit(c: Emitted) -> None:
        if c.name in seen:
            return
        seen.add(c.name)
        for dep in sorted(c.deps):
            if dep in by_name:
                visit(by_name[dep])
        done.append(c)
    for c in classes:
        visit(c)
    return done


def main(table_path: Path) -> None:
    table = json.loads(table_path.read_text())
    groups: dict[str, list[Emitted]] = {g[0]: [] for g in GROUPS}
    home: dict[str, str] = {}
    CLASS_FIELDS.update({t["class_name"]: canon(t["fields"]) for t in table["types"]})
    for t in table["types"]:
        if t["class_name"] == "Unmodeled":
            continue
        module = t["module"].removeprefix("mosaicolabs.")
        group = next(g[0] for g in GROUPS if module.startswith(g[2]))
        cls = Emitted(t["class_name"], group, t["fields"], t["ontology_tag"], t["serialization_format"])
        emit_class(cls)  # collects deps
        groups[group].append(cls)
        home[cls.name] = group
    for name, doc, _ in GROUPS:
        classes = order(groups[name])
        imports = sorted({home[d] for c in classes for d in c.deps if home[d] != name})
        body = ["# Generated by tools/gen_ontology07.py from the 0.7.0 contract table; do not edit by hand.",
                f'"""0.7 ontology: {doc}"""', "from __future__ import annotations", "", "import pyarrow as pa", ""]
        body.append("from mosaico_ros_bridge.ontology07.base import Serializable, SerializationFormat, col"
                    if any(c.fmt != "default" for c in classes) else
                    "from mosaico_ros_bridge.ontology07.base import Serializable, col")
        for module in imports:
            names = sorted({d for c in classes for d in c.deps if home[d] == module})
            body.append(f"from mosaico_ros_bridge.ontology07.{module} import {', '.join(names)}")
        for cls in classes:
            body += ["", ""] + emit_class(cls)
        (OUT / f"{name}.py").write_text("\n".join(body) + "\n")
        print(f"wrote {OUT / (name + '.py')} ({len(classes)} classes)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_TABLE)
