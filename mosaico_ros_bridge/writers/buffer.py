"""BatchBuffer: what a TopicWriter holds before sending, cut into batches where either limit would
be crossed. No batch exceeds max_batch_size_bytes unless a single item does, and no batch exceeds
max_batch_size_records, however much piles up while uploads lag. (Cutting before the item that would
cross the byte limit also keeps large items, such as camera frames, one per batch: zero-copy.)"""
from __future__ import annotations

from typing import Any


class BatchBuffer:
    """Not thread-safe: the TopicWriter holds its lock around every call, except `append`.

    With `fixed_size` (every item the same size: records of a type without variable-size columns)
    the byte limit is a record count, and `append` needs no lock: it is one list append, atomic under
    the GIL, and take() removes exactly the items it returns (in place), so concurrent appends stay."""

    __slots__ = ("max_records", "max_bytes", "fixed_size", "per_batch", "_nbytes", "_items", "_cuts", "_rows", "_bytes")

    def __init__(self, max_records: int, max_bytes: int, fixed_size: int | None = None) -> None:
        self.max_records = max_records
        self.max_bytes = max_bytes
        self.fixed_size = fixed_size
        self.per_batch = max(1, min(max_records, max_bytes // fixed_size)) if fixed_size else 0
        self._nbytes = 0
        self._items: list[Any] = []
        self._cuts: list[int] = []  # where each complete batch ends
        self._rows = 0  # of the last, still open batch
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def nbytes(self) -> int:
        return len(self._items) * self.fixed_size if self.fixed_size else self._nbytes

    def append(self, item: Any) -> bool:
        """Fixed-size mode: append one item (no lock needed); True when a batch is complete."""
        items = self._items
        items.append(item)
        return len(items) >= self.per_batch

    def add(self, item: Any, size: int) -> bool:
        """Append one item of about `size` bytes; True when a batch is complete (time to send)."""
        if self.per_batch:
            return self.append(item)
        if self._rows and (self._rows >= self.max_records or self._bytes + size > self.max_bytes):
            self._cuts.append(len(self._items))
            self._rows = self._bytes = 0
        self._items.append(item)
        self._nbytes += size
        self._rows += 1
        self._bytes += size
        return bool(self._cuts) or self._open_is_full()

    def _open_is_full(self) -> bool:
        return self._rows >= self.max_records or self._bytes >= self.max_bytes

    def take(self, everything: bool) -> list[list[Any]]:
        """Remove and return the complete batches; with everything=True the open one too."""
        if self.per_batch:
            return self._take_fixed(everything)
        if everything or self._open_is_full():
            end, bounds, left = len(self._items), self._cuts, 0
            self._rows = self._bytes = 0
        elif self._cuts:
            end, bounds, left = self._cuts[-1], self._cuts[:-1], self._bytes
        else:
            return []
        starts, ends = [0, *bounds], [*bounds, end]
        batches = [self._items[a:b] for a, b in zip(starts, ends) if b > a]
        self._items = self._items[end:]
        self._cuts = []
        self._nbytes = left
        return batches

    def _take_fixed(self, everything: bool) -> list[list[Any]]:
        items, per_batch = self._items, self.per_batch
        count = len(items) if everything else len(items) // per_batch * per_batch
        taken = items[:count]
        del items[:count]  # in place: items appended meanwhile stay, after these
        return [taken[i:i + per_batch] for i in range(0, count, per_batch)]
