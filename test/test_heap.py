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
