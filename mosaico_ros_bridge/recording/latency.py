"""Receive-to-server latency of recorded records: when a batch has been handed to the server's
stream, `now - timestamp_ns` of each of its rows (timestamp_ns is the recorder's receive time). A
bounded random sample keeps the percentiles honest for any recording length."""
from __future__ import annotations

import random
import threading
import time

import pyarrow as pa

RESERVOIR = 100_000


class LatencyReservoir:
    def __init__(self, size: int = RESERVOIR) -> None:
        self._size = size
        self._samples: list[int] = []
        self._seen = 0
        self._lock = threading.Lock()
        self._random = random.Random(0)

    def batch_sent(self, batch: pa.RecordBatch) -> None:
        now = time.time_ns()
        stamps = batch.column("timestamp_ns").to_numpy()
        with self._lock:
            for latency in (now - stamps).tolist():
                self._seen += 1
                if len(self._samples) < self._size:
                    self._samples.append(latency)
                else:
                    slot = self._random.randrange(self._seen)
                    if slot < self._size:
                        self._samples[slot] = latency

    def percentiles_ms(self) -> tuple[float, float] | None:
        """(p50, p99) in milliseconds, or None before the first batch."""
        with self._lock:
            ordered = sorted(self._samples)
        if not ordered:
            return None
        return ordered[len(ordered) // 2] / 1e6, ordered[min(len(ordered) - 1, len(ordered) * 99 // 100)] / 1e6
