"""Types of the C module `_gather.c` (the columnar encoder's inner loop)."""
from typing import Any

STRUCT: int
OBJECT: int
F64: int
F32: int
I8: int
I16: int
I32: int
I64: int
U8: int
U16: int
U32: int
LIST_F64: int

class Fallback(Exception):
    """A value the loop cannot convert with certainty: encode the batch with the Python path."""

def gather(items: list[Any], program: tuple[tuple[int, Any, int], ...]) -> list[Any]: ...
