"""A real TCP forwarder in front of a server that serves only its first `admit` connections and closes
every later one at once: a server that keeps existing connections but refuses new ones (a connection
limit, a firewall that changed). No project code."""
from __future__ import annotations

import socket
import threading
from types import TracebackType


class TcpGate:
    def __init__(self, target_port: int, admit: int) -> None:
        self.target_port = target_port
        self.admit = admit
        self.accepted = 0
        self.refused = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._closing = False
        self._sockets: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, name="tcpgate", daemon=True)

    def __enter__(self) -> "TcpGate":
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._closing = True
        self._listener.close()
        for sock in self._sockets:
            sock.close()
        self._thread.join(5)

    def _accept(self) -> None:
        while not self._closing:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            if self.accepted >= self.admit:
                self.refused += 1
                conn.close()
                continue
            self.accepted += 1
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self._sockets += [conn, upstream]
            for src, dst in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
