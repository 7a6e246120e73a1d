"""A loopback HTTP/2 endpoint that answers every connection with SETTINGS and then GOAWAY
(INTERNAL_ERROR, "ping_timeout") — what a gRPC server sends when its keepalive pings go unanswered
over a bad link. gRPC's client logs `Got goaway [2] ... ping_timeout` for it, through absl."""
from __future__ import annotations

import socket
import struct
import threading
from types import TracebackType

SETTINGS, GOAWAY, ACK = 0x4, 0x7, 0x1
INTERNAL_ERROR = 2


def frame(kind: int, flags: int, payload: bytes) -> bytes:
    """An HTTP/2 frame on stream 0: 24-bit length, type, flags, stream id, payload (RFC 9113 §4.1)."""
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", 0) + payload


ANSWER = (frame(SETTINGS, 0, b"") + frame(SETTINGS, ACK, b"")
          + frame(GOAWAY, 0, struct.pack(">II", 0, INTERNAL_ERROR) + b"ping_timeout"))


class GoawayServer:
    """Listens on 127.0.0.1; `connections` counts the clients it sent away."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> GoawayServer:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._listener.close()
        self._thread.join(timeout=10)

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:  # closed
                return
            with conn:
                try:
                    conn.recv(65536)  # the client's preface and SETTINGS
                    conn.sendall(ANSWER)
                    conn.settimeout(1.0)
                    conn.recv(65536)  # let the client read the GOAWAY before the close
                except OSError:
                    pass
            self.connections += 1
