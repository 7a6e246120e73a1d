"""The multi-lane resources: a pool of Flight connections ("lanes") and a pool of single-thread
executors. A topic keeps one lane and one executor for its life, so its batches stay in order."""
from __future__ import annotations

import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pyarrow.flight as fl

from mosaico_ros_bridge.client.endpoint import Endpoint


def default_pool_size() -> int:
    return max(2, os.cpu_count() or 2)


class LanePool:
    """Up to `size` FlightClients to one endpoint, handed out round-robin (created on first use)."""

    def __init__(self, endpoint: Endpoint, size: int | None = None) -> None:
        self.endpoint = endpoint
        self.size = size or default_pool_size()
        self._lanes: list[fl.FlightClient] = []
        self._next = itertools.count()
        self._lock = threading.Lock()

    def acquire(self) -> fl.FlightClient:
        with self._lock:
            index = next(self._next) % self.size
            if index == len(self._lanes):
                self._lanes.append(self.endpoint.flight_client())
            return self._lanes[index]

    def close(self) -> None:
        with self._lock:
            for lane in self._lanes:
                lane.close()
            self._lanes.clear()


class ExecutorPool:
    """`size` single-worker executors handed out round-robin; each runs its topics' work in order."""

    def __init__(self, size: int | None = None, name: str = "mosaico-topic") -> None:
        self.size = size or default_pool_size()
        self._executors = [ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{name}-{i}") for i in range(self.size)]
        self._next = itertools.count()

    def acquire(self) -> ThreadPoolExecutor:
        return self._executors[next(self._next) % self.size]

    def close(self) -> None:
        for executor in self._executors:
            executor.shutdown(wait=True)
