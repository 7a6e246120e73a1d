"""ServerLink: the recorder's connection to its server — connect with bounded control calls, take note
of a loss (a stream broke or stalled; from any thread), drop the connection and reconnect with
backoff. It knows nothing of sequences; the Recording decides what a (re)connection means for them."""
from __future__ import annotations

import threading
import time

from mosaico_ros_bridge.client import Connection
from mosaico_ros_bridge.client.actions import server_text
from mosaico_ros_bridge.config import ServerConfig
from mosaico_ros_bridge.errors import ConnectionFailed

RECONNECT_TIMEOUT_S = 1.0
FIRST_BACKOFF_S = 0.25


class ServerLink:
    def __init__(self, server: ServerConfig, retry_max_s: float) -> None:
        self.server = server
        self.target = f"{server.host}:{server.port}"
        self.client: Connection | None = None
        self.reason = ""
        self._retry_max_s = retry_max_s
        self._broken = threading.Event()
        self._backoff = FIRST_BACKOFF_S
        self._next_try = 0.0

    @property
    def live(self) -> bool:
        return self.client is not None

    def connect(self, timeout: float) -> Connection:
        """A new connection whose control calls time out (a stalled server must not hang the recorder)."""
        return Connection.connect(self.server.host, self.server.port, timeout=timeout,
                                  call_timeout=self.server.timeout_s)

    def report_broken(self, what: str, exc: BaseException) -> bool:
        """Note that the server failed (any thread); True for the first report since the last drop."""
        if self._broken.is_set():
            return False
        self.reason = f"{what}: {server_text(exc)}"
        self._broken.set()
        return True

    @property
    def broken(self) -> bool:
        return self._broken.is_set()

    def clear_broken(self) -> None:
        """Reports from streams that were already abandoned are absorbed up to here."""
        self._broken.clear()

    def reconnect_due(self) -> bool:
        return self.client is None and time.monotonic() >= self._next_try

    def try_connect(self) -> Connection | None:
        """One reconnection attempt (short timeout); None, quietly, while the server is unreachable.
        Failures push the next attempt back exponentially, up to spool.retry_max_s."""
        try:
            client = self.connect(min(self.server.timeout_s, RECONNECT_TIMEOUT_S))
        except ConnectionFailed:
            self.retry_later()
            return None
        self._backoff = FIRST_BACKOFF_S
        return client

    def retry_later(self) -> None:
        self._next_try = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, self._retry_max_s)

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
