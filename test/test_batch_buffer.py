"""BatchBuffer cuts: no batch over either limit, however much piles up while uploads lag."""
from __future__ import annotations

import threading
from typing import Any

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


def test_fixed_size_items_are_cut_by_the_count_both_limits_allow() -> None:
    by_bytes = BatchBuffer(max_records=5000, max_bytes=1000, fixed_size=300)
    assert by_bytes.per_batch == 3  # a 4th record would cross 1000 bytes
    assert [by_bytes.append(i) for i in range(7)] == [False, False, True, True, True, True, True]
    assert by_bytes.nbytes == 7 * 300
    assert by_bytes.take(everything=False) == [[0, 1, 2], [3, 4, 5]]
    assert len(by_bytes) == 1 and by_bytes.take(everything=True) == [[6]]
    by_records = BatchBuffer(max_records=2, max_bytes=10**6, fixed_size=300)
    assert [by_records.add(i, 300) for i in range(3)] == [False, True, True]
    assert by_records.take(everything=True) == [[0, 1], [2]]
    assert BatchBuffer(max_records=10, max_bytes=100, fixed_size=500).per_batch == 1  # larger than the limit


def test_fixed_size_appends_from_threads_while_taking_lose_nothing() -> None:
    buffer = BatchBuffer(max_records=7, max_bytes=10**6, fixed_size=8)
    taken: list[Any] = []
    done = threading.Event()

    def push(thread: int) -> None:
        for i in range(20_000):
            buffer.append((thread, i))

    def take() -> None:
        while not done.is_set():
            batches = buffer.take(everything=False)
            assert all(len(b) == 7 for b in batches)
            taken.extend(item for b in batches for item in b)

    pushers = [threading.Thread(target=push, args=(t,)) for t in range(3)]
    taker = threading.Thread(target=take)
    taker.start()
    for t in pushers:
        t.start()
    for t in pushers:
        t.join()
    done.set()
    taker.join()
    taken.extend(item for b in buffer.take(everything=True) for item in b)
    for thread in range(3):
        assert [i for t, i in taken if t == thread] == list(range(20_000))
