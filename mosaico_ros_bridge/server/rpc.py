"""ProtocolError → the gRPC status the real mosaicod answers with, for both dialects' services.

pyarrow's Flight server can only emit some gRPC codes: ALREADY_EXISTS, FAILED_PRECONDITION and
ABORTED arrive as UNKNOWN with mosaicod's exact text (clients, ours included, match on text)."""
from __future__ import annotations

import functools
import logging
from typing import Any, Callable, TypeVar

import pyarrow as pa
import pyarrow.flight as fl

from mosaico_ros_bridge.server.errors import Code, ProtocolError

log = logging.getLogger("mosaico_ros_bridge.server")
F = TypeVar("F", bound=Callable[..., Any])
ERRORS: dict[Code, Callable[[str], Exception]] = {
    Code.INVALID_ARGUMENT: pa.ArrowInvalid, Code.UNIMPLEMENTED: pa.ArrowNotImplementedError,
    Code.NOT_FOUND: pa.ArrowKeyError, Code.PERMISSION_DENIED: fl.FlightUnauthorizedError,
    Code.UNAUTHENTICATED: fl.FlightUnauthenticatedError, Code.CANCELLED: fl.FlightCancelledError,
    Code.INTERNAL: fl.FlightInternalError,
}


def to_flight_error(exc: ProtocolError) -> Exception:
    error: Exception = ERRORS.get(exc.code, fl.FlightServerError)(exc.text)
    return error


def rpc(method: F) -> F:
    """Map ProtocolError to its gRPC status; anything unexpected is logged and becomes INTERNAL."""
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except ProtocolError as exc:
            raise to_flight_error(exc) from None
        except fl.FlightError:
            raise
        except Exception as exc:
            log.exception("unexpected server error in %s", method.__name__)
            raise fl.FlightInternalError(f"internal server error :: {exc}") from None
    return wrapper  # type: ignore[return-value]
