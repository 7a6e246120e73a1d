"""BatchBuffer cuts: no batch over either limit, however much piles up while uploads lag."""
from __future__ import annotations

from mosaico_ros_bridge.writers.buffer import BatchBuffer


def test_piled_up_items_are_cut_at_both_limits() -> None:
    buffer = BatchBuffer(max_records=4, max_bytes=250)
    sizes = [100, 100, 100, 30, 30, 30, 30, 30, 300, 10, 10]
    ready = [buffer.add(i, size) for i, size in enumerate(sizes)]
    assert ready.index(True) == 2  # 300 bytes would cross 250: the first two are a batch
    assert buffer.take(everything=False) == [[0, 1], [2, 3, 4, 5], [6, 7], [8]]
    assert len(buffer) == 2 and buffer.nbytes == 20  # the open batch stays
    assert buffer.take(everything=False) == []
    assert buffer.take(everything=True) == [[9, 10]]
    assert len(buffer) == 0 and buffer.nbytes == 0


def test_large_items_go_one_per_batch_and_a_full_open_batch_is_sent() -> None:
    buffer = BatchBuffer(max_records=5000, max_bytes=10 * 2**20)
    frame = 1920 * 1080 * 3
    assert buffer.add("f0", frame) is False
    assert buffer.add("f1", frame) is True
    assert buffer.take(everything=False) == [["f0"]]
    assert buffer.add("big", 11 * 2**20) is True  # over the limit alone: its own batch, sent at once
    assert buffer.take(everything=False) == [["f1"], ["big"]]
    assert len(buffer) == 0
