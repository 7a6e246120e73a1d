"""An emulated network link for tests, on loopback only: a TCP forwarder on 127.0.0.1 in front of a
local server that limits the rate of each direction, delays every chunk, cuts every connection (and
refuses new ones) until restored, loses segments, and can admit only its first N connections. It never
connects anywhere but 127.0.0.1. No project code.

Loss is what TCP makes of it: a lost segment is sent again, so the chunk holding it arrives a round
trip late and holds back everything behind it (in-order delivery); nothing is lost or reordered. The
rate clock goes on meanwhile, so the backlog follows in a burst (the halved congestion window of a
real TCP sender is not modelled: the rate limit stands for it).

Back-pressure is real: a direction reads its next chunk only after the previous one went out at the
link's rate, and the proxy's sockets have small buffers, so a sender on a thin link blocks as it would
on a thin radio link (the kernel's own buffers still hold a few MB ahead)."""
from __future__ import annotations

import math
import random
import socket
import threading
import time
from collections import deque
from types import TracebackType

CHUNK = 16 * 1024
SOCKET_BUFFER = 64 * 1024
SEGMENT = 1448  # an Ethernet TCP segment's payload


class Link:
    def __init__(self, target_port: int, *, rate_bytes_s: float | None = None, delay_s: float = 0.0,
                 admit: int | None = None, loss: float = 0.0, seed: int = 0) -> None:
        self.target_port = target_port
        self.rate = rate_bytes_s
        self.delay = delay_s
        self.admit = admit
        self.loss = loss  # probability that a segment is lost (and retransmitted one round trip later)
        self.retransmitted = 0  # chunks delivered late for a lost segment
        self._random = random.Random(seed)
        self.accepted = 0
        self.refused = 0
        self.moved = 0  # bytes forwarded, both directions
        self._cut = threading.Event()
        self._closing = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SOCKET_BUFFER)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port: int = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, name="linkproxy", daemon=True)

    def __enter__(self) -> "Link":
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._closing = True
        self._listener.close()
        self._drop_all()
        self._thread.join(5)

    def cut(self) -> None:
        """Break every connection now and refuse new ones until restore() (a link that went down)."""
        self._cut.set()
        self._drop_all()

    def restore(self) -> None:
        self._cut.clear()

    def reset(self) -> None:
        """Break every connection now; new ones are admitted (a link that dropped its sessions)."""
        self._drop_all()

    def _drop_all(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _accept(self) -> None:
        while not self._closing:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            if self._cut.is_set() or (self.admit is not None and self.accepted >= self.admit):
                self.refused += 1
                conn.close()
                continue
            self.accepted += 1
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            for sock in (conn, upstream):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SOCKET_BUFFER)
            with self._lock:
                self._sockets += [conn, upstream]
            for src, dst in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        """One direction: a reader puts chunks on the line with their arrival time, this thread sends
        each at arrival + delay, paced at the link's rate. The line holds at most what the link carries
        in the delay (plus one chunk), so a full line stops the reader: back-pressure."""
        line: deque[tuple[float, bytes]] = deque()
        room = threading.Condition()
        capacity = (self.rate or 1e6) * self.delay + CHUNK
        held = [0]
        ended = threading.Event()

        def read() -> None:
            try:
                while data := src.recv(CHUNK):
                    with room:
                        room.wait_for(lambda: held[0] < capacity or ended.is_set())
                        line.append((time.monotonic(), data))
                        held[0] += len(data)
                        room.notify_all()
            except OSError:
                pass
            finally:
                ended.set()
                with room:
                    room.notify_all()

        threading.Thread(target=read, daemon=True).start()
        next_free = time.monotonic()
        try:
            while True:
                with room:
                    room.wait_for(lambda: bool(line) or ended.is_set())
                    if not line:
                        break
                    arrived, data = line.popleft()
                    held[0] -= len(data)
                    room.notify_all()
                next_free = max(next_free, arrived) + (len(data) / self.rate if self.rate else 0.0)
                due = max(next_free, arrived + self.delay + self._retransmission(len(data)))
                now = time.monotonic()
                if due > now:
                    time.sleep(due - now)  # the emulated link's pace, not a wait for another party
                dst.sendall(data)
                self.moved += len(data)
        except OSError:
            pass
        finally:
            ended.set()
            for sock in (src, dst):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def _retransmission(self, size: int) -> float:
        """The extra time a chunk of `size` bytes takes: one round trip when one of its segments is lost."""
        if not self.loss:
            return 0.0
        with self._lock:
            intact = (1.0 - self.loss) ** math.ceil(size / SEGMENT)
            if self._random.random() < intact:
                return 0.0
            self.retransmitted += 1
        return max(2 * self.delay, 0.2)  # a round trip; Linux retransmits no sooner than 200 ms
