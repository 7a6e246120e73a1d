"""Where and how to reach one server: host, port, TLS (with an optional CA file's PEM) and the API
key sent as `mosaico-api-key-token` on every call. Every FlightClient of a connection is made here,
so the control connection and every upload lane carry the same security. The key never appears in
repr(), logs or errors."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.flight as fl

from mosaico_ros_bridge.errors import ConfigError
from mosaico_ros_bridge.session_protocol import API_KEY_ENV, API_KEY_HEADER


def load_api_key(path: str | Path | None, setting: str = "api_key_file") -> tuple[str | None, str]:
    """(key or None, where it comes from): the file when given, else $MOSAICO_API_KEY (as the SDK)."""
    if path:
        file = Path(path).expanduser()
        try:
            return file.read_text(encoding="utf-8").strip() or None, f"{setting} {file}"
        except OSError as exc:
            raise ConfigError(f"'{setting}': cannot read {file} ({exc.strerror}); give a file holding only the "
                              "API key (e.g. chmod 600)") from None
    return os.environ.get(API_KEY_ENV) or None, f"${API_KEY_ENV}"


class _KeyHeader(fl.ClientMiddleware):  # type: ignore[misc]
    def __init__(self, token: str) -> None:
        self._token = token

    def sending_headers(self) -> dict[str, str]:
        return {API_KEY_HEADER: self._token}


class _KeyHeaderFactory(fl.ClientMiddlewareFactory):  # type: ignore[misc]
    def __init__(self, token: str) -> None:
        self._token = token

    def start_call(self, info: Any) -> _KeyHeader:
        return _KeyHeader(self._token)


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    tls: bool = False
    tls_ca: bytes | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)

    @property
    def target(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def location(self) -> str:
        return f"{'grpc+tls' if self.tls or self.tls_ca else 'grpc'}://{self.host}:{self.port}"

    def flight_client(self) -> fl.FlightClient:
        options: dict[str, Any] = {}
        if self.tls_ca is not None:
            options["tls_root_certs"] = self.tls_ca
        if self.api_key:
            options["middleware"] = [_KeyHeaderFactory(self.api_key)]
        return fl.FlightClient(self.location, **options)
