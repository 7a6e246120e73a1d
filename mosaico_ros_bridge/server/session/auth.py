"""API keys of the session dialect (§1.2): `msco_<32 [0-9a-z]>_<crc32 hex>` tokens in the
`mosaico-api-key-token` header, each with read/write/delete permissions. The store keeps only a
SHA-256 of each token, so a copied store does not leak usable keys."""
from __future__ import annotations

import hashlib
import json
import secrets
import string
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.flight as fl

from mosaico_ros_bridge.server.store import write_atomic
from mosaico_ros_bridge.session_protocol import API_KEY_HEADER, Permission, SessionTexts as T

KEYS_FILE = ".mosaico-api-keys.json"
ALPHABET = string.digits + string.ascii_lowercase
MIDDLEWARE = "mosaico-auth"
RPC_PERMISSIONS = {
    fl.FlightMethod.DO_PUT: Permission.WRITE, fl.FlightMethod.DO_GET: Permission.READ,
    fl.FlightMethod.GET_FLIGHT_INFO: Permission.READ, fl.FlightMethod.GET_SCHEMA: Permission.READ,
    fl.FlightMethod.LIST_FLIGHTS: Permission.READ,
}


@dataclass(frozen=True)
class KeyRecord:
    digest: str
    fingerprint: str
    permissions: tuple[str, ...]
    description: str


def token_problem(token: str) -> str | None:
    """What is malformed about a token (mosaicod's wording), or None."""
    parts = token.split("_")
    if len(parts) != 3:
        return "the token is incomplete"
    head, payload, fingerprint = parts
    if head != "msco":
        return "bad header"
    if len(payload) != 32 or any(c not in ALPHABET for c in payload):
        return "bad payload"
    if len(fingerprint) != 8 or any(c not in "0123456789abcdef" for c in fingerprint):
        return "bad fingerprint"
    if f"{zlib.crc32(payload.encode()):08x}" != fingerprint:
        return "fingerprint mismatch"
    return None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class KeyRing:
    """The server's keys, persisted in the store; enforcement is on when the ring was asked for it."""

    def __init__(self, store: Path) -> None:
        self.path = Path(store) / KEYS_FILE
        self._keys: dict[str, KeyRecord] = {}
        self._stamp: int | None = None
        self._reload()

    def _reload(self) -> None:
        """Read the key file again if it changed (keys made by the api-key command while serving)."""
        stamp = self.path.stat().st_mtime_ns if self.path.exists() else None
        if stamp == self._stamp:
            return
        raw = json.loads(self.path.read_text()) if stamp is not None else []
        self._keys = {r["digest"]: KeyRecord(r["digest"], r["fingerprint"], tuple(r["permissions"]), r["description"])
                      for r in raw}
        self._stamp = stamp

    def create(self, permissions: list[Permission], description: str = "") -> str:
        """A new token (shown once: only its digest is kept)."""
        payload = "".join(secrets.choice(ALPHABET) for _ in range(32))
        fingerprint = f"{zlib.crc32(payload.encode()):08x}"
        token = f"msco_{payload}_{fingerprint}"
        record = KeyRecord(_digest(token), fingerprint, tuple(p.value for p in permissions), description)
        self._reload()
        self._keys[record.digest] = record
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, json.dumps([asdict(r) for r in self._keys.values()], indent=1).encode())
        return token

    def permissions_of(self, headers: dict[str, list[Any]]) -> frozenset[str]:
        """The permissions of the request's key, or the gRPC error mosaicod answers with."""
        values = headers.get(API_KEY_HEADER) or []
        token = values[0] if values else ""
        token = token.decode() if isinstance(token, bytes) else str(token)
        if not token:
            raise fl.FlightUnauthorizedError(T.MISSING_API_KEY)
        problem = token_problem(token)
        if problem:
            raise pa.ArrowInvalid(T.BAD_API_KEY.format(detail=problem))
        record = self._keys.get(_digest(token))
        if record is None:
            self._reload()
            record = self._keys.get(_digest(token))
        if record is None:
            raise fl.FlightUnauthorizedError(T.UNKNOWN_API_KEY)
        return frozenset(record.permissions)


class AuthMiddleware(fl.ServerMiddleware):  # type: ignore[misc]
    def __init__(self, permissions: frozenset[str]) -> None:
        self.permissions = permissions


class AuthFactory(fl.ServerMiddlewareFactory):  # type: ignore[misc]
    """Checks the key before every RPC; per-action permissions are checked by the action handler."""

    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring

    def start_call(self, info: fl.CallInfo, headers: dict[str, list[Any]]) -> AuthMiddleware:
        permissions = self.ring.permissions_of(headers)
        needed = RPC_PERMISSIONS.get(info.method)
        if needed is not None and needed.value not in permissions:
            raise fl.FlightUnauthorizedError(T.RPC_PERMISSION.format(perm=needed.value.upper()))
        return AuthMiddleware(permissions)
