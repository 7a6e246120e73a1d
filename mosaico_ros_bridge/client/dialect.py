"""Which dialect a server speaks, found at connect (§1, protocol-versions): `info` answers → mosaicod
0.7 (session dialect, with its message-size limit); `version` answers → 0.3-0.6 (session dialect);
"no available action" to both → the seed era. Every attempt shares one deadline."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass

import pyarrow.flight as fl

from mosaico_ros_bridge.client.actions import FLIGHT_ERRORS, flight_error, server_text
from mosaico_ros_bridge.errors import ConfigError, ConnectionFailed, PermissionDenied
from mosaico_ros_bridge.session_protocol import SessionAction

DIALECTS = ("auto", "seed", "session")
PROBE_RETRY_S = 0.025
NO_ACTION = "no available action"


@dataclass(frozen=True)
class ServerInfo:
    dialect: str  # "seed" or "session"
    version: str  # e.g. "0.7.0"; "seed era" for the seed dialect
    decode_limit: int | None  # grpc_max_decode_message_size from `info` (0.7 only)


def _ask(control: fl.FlightClient, action: SessionAction, deadline: float) -> dict[str, object] | None:
    """The action's response; None if the server does not know the action. Retries while nothing
    listens yet; other failures propagate."""
    while True:
        options = fl.FlightCallOptions(timeout=max(deadline - time.monotonic(), 0.001))
        try:
            results = list(control.do_action(fl.Action(action.value, b"{}"), options=options))
        except (fl.FlightUnavailableError, fl.FlightTimedOutError):
            if time.monotonic() + PROBE_RETRY_S >= deadline:
                raise
            time.sleep(PROBE_RETRY_S)
            continue
        except FLIGHT_ERRORS as exc:
            if NO_ACTION in server_text(exc):
                return None
            raise
        framed = json.loads(results[0].body.to_pybytes()) if results else {}
        response = framed.get("response") if isinstance(framed, dict) else None
        return response if isinstance(response, dict) else {}


def _detect(control: fl.FlightClient, deadline: float) -> ServerInfo:
    info = _ask(control, SessionAction.INFO, deadline)
    if info is not None:
        config = info.get("config")
        limit = config.get("grpc_max_decode_message_size") if isinstance(config, dict) else None
        return ServerInfo("session", str(info.get("version", "0.7")), int(limit) if isinstance(limit, int) else None)
    version = _ask(control, SessionAction.VERSION, deadline)
    if version is not None:
        return ServerInfo("session", str(version.get("version", "0.3-0.6")), None)
    return ServerInfo("seed", "seed era", None)


def probe(control: fl.FlightClient, target: str, timeout: float, wanted: str = "auto") -> ServerInfo:
    """Wait for the server (within timeout) and tell its dialect; `wanted` other than auto must match."""
    if wanted not in DIALECTS:
        raise ConfigError(f"server.dialect {wanted!r} is not one of {', '.join(DIALECTS)}")
    try:
        found = _detect(control, time.monotonic() + timeout)
    except FLIGHT_ERRORS as exc:
        error = flight_error(exc, "connecting", target, SessionAction.INFO.value)
        if isinstance(error, PermissionDenied):
            raise error from exc
        raise ConnectionFailed(
            f"cannot reach a Mosaico server at {target} within {timeout:g} s ({server_text(exc)}). Check that "
            "mosaicod or `python -m mosaico_ros_bridge.server` is running there, that host and port are right, "
            "that nothing blocks the port, and that TLS is used exactly when the server has it "
            "(grpc+tls needs the server's CA file unless the system trusts it).") from exc
    if wanted != "auto" and wanted != found.dialect:
        raise ConfigError(f"the server at {target} speaks the {found.dialect} dialect ({found.version}) but "
                          f"server.dialect is {wanted!r}; set server.dialect to auto or {found.dialect}")
    return found
