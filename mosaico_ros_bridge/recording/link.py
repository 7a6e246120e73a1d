"""ServerLink: the recorder's connection to its server — connect with bounded control calls, take note
of a loss (a stream broke or stalled; from any thread), drop the connection and reconnect with
backoff. It knows nothing of sequences; the Recording decides what a (re)connection means for them."""
from __future__ import annotations

import threading
import time
from typing import Callable

from mosaico_ros_bridge.client import Connection
from mosaico_ros_bridge.client.actions import server_text
from mosaico_ros_bridge.config import ServerConfig
from mosaico_ros_bridge.errors import ConfigError, ConnectionFailed, PermissionDenied

RECONNECT_TIMEOUT_S = 1.0
FIRST_BACKOFF_S = 0.25


class ServerLink:
    def __init__(self, server: ServerConfig, retry_max_s: float, dialect: str | None = None) -> None:
        """`dialect` overrides server.dialect (a spool must go to a server of the dialect it was written for)."""
        self.server = server
        self.target = f"{server.host}:{server.port}"
        self.dialect = dialect or server.dialect
        self._api_key, self._key_source = server.api_key()
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
        try:
            return Connection.connect(self.server.host, self.server.port, timeout=timeout,
                                      call_timeout=self.server.timeout_s, dialect=self.dialect, tls=self.server.tls,
                                      tls_cert_path=self.server.tls_ca_file or None, api_key=self._api_key)
        except PermissionDenied as exc:
            raise self.explain(exc) from exc
        except ConfigError as exc:
            if self.server.dialect == "auto" and "server.dialect is" in str(exc):
                raise ConfigError(f"{exc}. This recording started while the server was unreachable and is in the "
                                  f"{self.dialect} layout; its spool waits for a {self.dialect} server "
                                  "(python -m mosaico_ros_bridge.upload DIR --server HOST:PORT)") from exc
            raise

    def explain(self, exc: PermissionDenied) -> ConfigError:
        """A refused key as a configuration error that says where the key came from (never the key)."""
        source = f"the key from {self._key_source}" if self._api_key else f"no key was given ({self._key_source} is empty)"
        return ConfigError(f"{exc} [{source}]")

    def settle_dialect(self, warn: Callable[[str], object]) -> str:
        """The dialect whose layout everything is recorded in: the connected server's, else
        server.dialect, else (auto, unreachable at start) the session dialect of today's servers.
        Reconnections must then find the same dialect (the spool's batches are in its layout)."""
        if self.client is not None:
            self.dialect = self.client.dialect
        elif self.dialect == "auto":
            self.dialect = "session"
            warn(f"{self.target} is unreachable and server.dialect is auto: recording in the session (mosaicod "
                 "0.7) layout; set server.dialect: seed for a seed-era server")
        return self.dialect

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
