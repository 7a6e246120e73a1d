"""Heap tuning for the recorder process (glibc). Camera frames are megabyte buffers that wait a few
hundred milliseconds in the recorder's queues. By default glibc returns that memory to the kernel as
the queues drain, and every refill pays page faults and zeroing again. Serving buffers under 32 MiB
from a heap that is kept avoids that.

Measured on the 2-core VMs, recorder only, A/B in alternation:
- 1080p image flood: 65-66 recorded frames/s against 58-62;
- sensor suite: recorder CPU 11.6 s against 12.0-12.2 s per 20 s.
Kept free heap is bounded by release_surplus: reconnect storms re-read spooled batches of every size,
and without a bound that free heap crept up (soak of issue #21: in-use flat, free 4 -> 34 MB)."""
from __future__ import annotations

import ctypes
import os
import sys
from typing import Any

M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters (malloc.h)
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's maximum on 64-bit (half its 64 MiB heap size)
TRIM_THRESHOLD = 1024 * 1024 * 1024
OPERATOR_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")
FREE_HEAP_KEPT = 64 * 1024 * 1024  # ten 1080p rgb8 frames: what serving a camera's buffers needs


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]


_MALLINFO2: Any = None  # glibc's mallinfo2 and malloc_trim, bound once keep_large_buffers applied the tuning
_MALLOC_TRIM: Any = None


def keep_large_buffers() -> bool:
    """Apply the tuning; False (nothing changed) off glibc or when the operator set glibc's own
    MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ variables, which then rule."""
    if not sys.platform.startswith("linux") or any(name in os.environ for name in OPERATOR_SETTINGS):
        return False
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # another C library (musl has no mallopt)
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    applied = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    if applied:
        _bind_trim(libc)
    return applied


def _bind_trim(libc: ctypes.CDLL) -> None:
    global _MALLINFO2, _MALLOC_TRIM
    try:
        _MALLINFO2, _MALLOC_TRIM = libc.mallinfo2, libc.malloc_trim
    except AttributeError:  # glibc before 2.33
        return
    _MALLINFO2.restype = _MallInfo2
    _MALLOC_TRIM.argtypes, _MALLOC_TRIM.restype = [ctypes.c_size_t], ctypes.c_int


def release_surplus(limit: int = FREE_HEAP_KEPT) -> int:
    """Once the kept free heap exceeds `limit` bytes, give every free page back to the kernel
    (malloc_trim). Returns the free heap found; 0 when the tuning is not applied (glibc's own
    settings rule then) or this glibc has no mallinfo2 (before 2.33)."""
    if _MALLINFO2 is None:
        return 0
    free = int(_MALLINFO2().fordblks)
    if free > limit:
        _MALLOC_TRIM(0)
    return free
