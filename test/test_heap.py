"""heap.keep_large_buffers: after it, a camera-frame-sized buffer comes from glibc's heap instead of a
fresh mmap, and it stays with the process after being freed; glibc's own variables, set by an
operator, win. Each case runs in a fresh interpreter (mallopt settings are per process)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

FRAME = 6 * 1024 * 1024
PROBE = f"""
import ctypes, json
from mosaico_ros_bridge.heap import keep_large_buffers

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

mallinfo2 = ctypes.CDLL(None).mallinfo2
mallinfo2.restype = MallInfo2
applied = keep_large_buffers()
heap_before = mallinfo2().arena
frame = bytearray({FRAME})
mapped_while_alive = mallinfo2().hblkhd
del frame
print(json.dumps({{"applied": applied, "mapped": mapped_while_alive, "kept": mallinfo2().arena - heap_before}}))
"""


def probe(**env: str) -> dict[str, int]:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60,
                            env={**{k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}, **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_a_frame_sized_buffer_comes_from_the_kept_heap() -> None:
    tuned = probe()
    assert tuned["applied"] is True
    assert tuned["mapped"] < FRAME, "a 6 MiB buffer was still served by mmap"
    assert tuned["kept"] > FRAME // 2, "the heap gave the freed buffer back to the kernel"  # (part of it may reuse free heap)


def test_without_it_glibc_maps_the_frame_and_unmaps_it() -> None:
    default = probe(MALLOC_TRIM_THRESHOLD_="131072")  # the operator's setting: the tuning stands back
    assert default["applied"] is False
    assert default["mapped"] >= FRAME
    assert default["kept"] < FRAME // 2


SURPLUS = """
import json, os, sys
from mosaico_ros_bridge.heap import keep_large_buffers, release_surplus

def rss() -> int:
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

applied = keep_large_buffers()
blocks, pins = [], []
for i in range(40):  # 120 MiB of spool-batch-sized buffers, each pinned by a small block after it, so
    blocks.append(b"x" * (3 << 20 | i))  # the free space ends up in the middle of the heap, not at its top
    pins.append(b"p" * (1024 + i))
del blocks
before = rss()
free = release_surplus(int(sys.argv[1]))
print(json.dumps({"applied": applied, "free": free, "released": before - rss()}))
"""


def surplus(limit: int, **env: str) -> dict[str, int]:
    result = subprocess.run([sys.executable, "-c", SURPLUS, str(limit)], capture_output=True, text=True, timeout=60,
                            env={**{k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}, **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_free_heap_over_the_bound_goes_back_to_the_kernel() -> None:
    """120 MiB freed between live blocks: over the 64 MiB bound, release_surplus returns the pages."""
    over = surplus(64 << 20)
    assert over["applied"] is True and over["free"] >= 115 << 20, over
    assert over["released"] >= 100 << 20, over


def test_free_heap_within_the_bound_is_kept() -> None:
    within = surplus(1 << 30)
    assert within["free"] >= 115 << 20 and abs(within["released"]) < 8 << 20, within


def test_release_surplus_leaves_an_operators_glibc_settings_alone() -> None:
    operator = surplus(0, MALLOC_TRIM_THRESHOLD_="131072")
    assert operator["applied"] is False and operator["free"] == 0, operator
