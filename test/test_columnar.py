"""The columnar encoder's C loop (`ontology/_gather.c`) against its pure-Python reference path: for every
ontology type and every mapped ROS type the batches are equal and the C loop handled them itself; values
it cannot convert with certainty go to the Python path, which gives pyarrow's own result or error."""
from __future__ import annotations

import array
import math
from operator import attrgetter
from typing import Any, Callable

import numpy as np
import pyarrow as pa
import pytest

import mosaico_ros_bridge as mb
from mosaico_ros_bridge.adapters import AdapterRegistry, Received
from mosaico_ros_bridge.ontology import columnar
from mosaico_ros_bridge.ontology.columnar import ColumnarEncoder
from mosaico_ros_bridge.writers.encoders import MessageEncoder
from ontology_samples import SAMPLES, header
from test_adapters import CASES

SCHEMA = pa.schema([
    pa.field("a", pa.struct([pa.field("x", pa.float64()), pa.field("n", pa.uint32()),
                             pa.field("b", pa.struct([pa.field("f", pa.float32()), pa.field("s", pa.string())]))])),
    pa.field("cov", pa.list_(pa.float64())), pa.field("i8", pa.int8()), pa.field("u16", pa.uint16())])


class Obj:
    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)


def row(x: Any = 1.5, n: Any = 7, b: Any = "default", cov: Any = (1.0, 2.0), i8: Any = -3, u16: Any = 9) -> Obj:
    inner = Obj(f=0.1, s="ü") if b == "default" else b
    return Obj(a=Obj(x=x, n=n, b=inner), cov=cov, i8=i8, u16=u16)


def same(a: Any, b: Any) -> bool:
    """Equal values of equal types, NaN equal to NaN (Arrow's equals() says NaN != NaN)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return bool(a == b)


def assert_same_batch(fast: pa.RecordBatch, reference: pa.RecordBatch) -> None:
    fast.validate(full=True)
    assert fast.schema == reference.schema
    assert [c.null_count for c in fast.columns] == [c.null_count for c in reference.columns]
    assert same(fast.to_pylist(), reference.to_pylist()), f"\n{fast.to_pylist()}\n!=\n{reference.to_pylist()}"


def both(encoder: ColumnarEncoder, items: list[Any]) -> pa.RecordBatch:
    """Encode with the C loop, check it equals the Python path, and that no fallback happened."""
    before = encoder.fallbacks
    fast = encoder.encode(items)
    assert encoder.fallbacks == before, "the C loop handed this batch to the Python path"
    assert_same_batch(fast, encoder.encode_python(items))
    return fast


def test_the_comparison_can_fail() -> None:
    assert not same([{"x": 1.0}], [{"x": 1}]) and not same([math.nan], [0.0]) and not same({"a": None}, {"a": 0})


def test_the_c_loop_is_built_in_this_environment() -> None:
    # `make env` compiles it; without it every batch silently takes the ~4x slower Python path.
    assert columnar._gather is not None, ("mosaico_ros_bridge/ontology/_gather.c was not built: install a C "
                                          "compiler and the Python headers, then `make clean env`")


@pytest.mark.parametrize("class_name", sorted(SAMPLES))
def test_every_ontology_type_encodes_identically_without_fallback(class_name: str) -> None:
    data_type = type(SAMPLES[class_name](0))
    messages = [mb.Message(timestamp_ns=i, data=SAMPLES[class_name](i), message_header=header(i) if i % 2 else None)
                for i in range(7)]
    batch = both(MessageEncoder(data_type)._columnar, messages)
    assert batch.num_rows == 7


@pytest.mark.parametrize("ros_type,make", [(c[0], c[1]) for c in CASES], ids=[c[0] for c in CASES])
def test_every_mapped_ros_type_encodes_identically_without_fallback(ros_type: str, make: Callable[[int], Any]) -> None:
    messages = [make(i) for i in range(4)]
    plan = AdapterRegistry().plan(ros_type, type(messages[0]))
    assert plan is not None
    encoder = plan.encoder(type(messages[0]), raw=False)
    both(encoder._columnar, [Received(1000 + i, m) for i, m in enumerate(messages)])


def test_nulls_at_every_level_and_every_sequence_kind() -> None:
    encoder = ColumnarEncoder(SCHEMA)
    items = [row(), Obj(a=None, cov=None, i8=None, u16=None), row(b=None), row(x=None, n=None),
             row(cov=[]), row(cov=np.array([3.0, math.nan, -math.inf])), row(cov=array.array("d", [4.0])),
             row(cov=[5, 2.5]), row(x=-(2**53)), row(i8=-128, u16=65535), row(n=2**32 - 1)]
    rows = both(encoder, items).to_pylist()
    assert rows[1] == {"a": None, "cov": None, "i8": None, "u16": None}
    assert rows[2]["a"]["b"] is None and rows[3]["a"] == {"x": None, "n": None, "b": {"f": pytest.approx(0.1), "s": "ü"}}
    assert rows[5]["cov"][0] == 3.0 and math.isnan(rows[5]["cov"][1]) and rows[6]["cov"] == [4.0]
    assert rows[7]["cov"] == [5.0, 2.5] and rows[8]["a"]["x"] == -(2.0**53) and rows[10]["a"]["n"] == 2**32 - 1


def test_empty_batch() -> None:
    assert both(ColumnarEncoder(SCHEMA), []).num_rows == 0


def test_custom_getters_and_dotted_attribute_paths() -> None:
    getters = {"a": attrgetter("inner"), "a.x": attrgetter("deep.value"), "cov": lambda o: [o.k, o.k]}
    encoder = ColumnarEncoder(SCHEMA, getters)
    item = Obj(inner=Obj(deep=Obj(value=2.5), n=1, b=None), k=0.5, i8=1, u16=2)
    assert both(encoder, [item, item]).to_pylist()[1] == {"a": {"x": 2.5, "n": 1, "b": None}, "cov": [0.5, 0.5],
                                                         "i8": 1, "u16": 2}


class Slotted:
    """Attributes behind descriptors (like rclpy messages' properties) and a __getattr__ hook."""

    __slots__ = ("_x",)

    def __init__(self, x: float) -> None:
        self._x = x

    @property
    def x(self) -> float:
        return self._x * 2

    def __getattr__(self, name: str) -> Any:
        return 3 if name == "n" else None


def test_descriptors_and_getattr_hooks_are_honoured() -> None:
    encoder = ColumnarEncoder(pa.schema([pa.field("a", SCHEMA.field("a").type)]))
    assert both(encoder, [Obj(a=Slotted(1.25))]).to_pylist() == [{"a": {"x": 2.5, "n": 3, "b": None}}]


@pytest.mark.parametrize("item,error", [
    (row(x=2**60), "outside of the range exactly representable"),
    (row(n=-1), "can't convert negative value to unsigned int"),
    (row(i8=128), "too large to fit in C integer type"),
    (row(u16=True), "Expected integer, got bool"),
    (row(x="1.5"), "Could not convert '1.5' with type str"),
    (row(cov=["a"]), "Could not convert 'a' with type str"),
    (Obj(cov=None, i8=1, u16=1), "has no attribute 'a'"),
], ids=["int-not-exact-double", "negative-unsigned", "int8-overflow", "bool-as-int", "str-as-float",
        "str-in-list", "missing-attribute"])
def test_values_the_c_loop_cannot_convert_get_the_python_paths_error(item: Obj, error: str) -> None:
    encoder = ColumnarEncoder(SCHEMA)
    with pytest.raises(Exception) as raised:
        encoder.encode([row(), item])
    assert error in str(raised.value)
    assert encoder.fallbacks == 1
    with pytest.raises(type(raised.value)):
        encoder.encode_python([row(), item])


@pytest.mark.parametrize("item", [row(x=True), row(cov=np.array([1, 2], dtype=np.int64)), row(i8=1.0),
                                  row(cov=np.array([1.0, 2.0], dtype=np.float32))],
                         ids=["bool-as-float", "int-array-as-list", "float-as-int", "float32-array"])
def test_values_pyarrow_converts_but_the_c_loop_does_not_take_the_python_path(item: Obj) -> None:
    encoder = ColumnarEncoder(SCHEMA)
    fast = encoder.encode([row(), item])
    assert encoder.fallbacks == 1
    assert_same_batch(fast, encoder.encode_python([row(), item]))
