"""The session-dialect Flight service (mosaicod 0.7 on the wire): routes each RPC to its module,
checks API-key permissions when keys are enforced, answers `UNIMPLEMENTED` where mosaicod does."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pyarrow.flight as fl

from mosaico_ros_bridge.server.errors import Code, ProtocolError
from mosaico_ros_bridge.server.rpc import rpc
from mosaico_ros_bridge.server.session import reads
from mosaico_ros_bridge.server.session.actions import action_of, handle_action
from mosaico_ros_bridge.server.session.auth import MIDDLEWARE, AuthFactory, AuthMiddleware, KeyRing
from mosaico_ros_bridge.server.session.catalog import SessionCatalog
from mosaico_ros_bridge.server.session.upload import handle_put
from mosaico_ros_bridge.session_protocol import DEFAULT_DECODE_LIMIT, PERMISSIONS, SessionTexts as T


def _unimplemented() -> ProtocolError:
    return ProtocolError(T.UNIMPLEMENTED, Code.UNIMPLEMENTED)


class SessionFlightService(fl.FlightServerBase):  # type: ignore[misc]
    """mosaicod 0.7's wire over a session-dialect store; `keys` enforces API keys when given."""

    def __init__(self, location: str, store_dir: Path, *, keys: KeyRing | None = None,
                 tls: list[fl.CertKeyPair] | None = None, decode_limit: int = DEFAULT_DECODE_LIMIT) -> None:
        self.catalog = SessionCatalog(store_dir)
        self.decode_limit = decode_limit
        self.enforce_keys = keys is not None
        middleware: dict[str, fl.ServerMiddlewareFactory] = {MIDDLEWARE: AuthFactory(keys)} if keys else {}
        super().__init__(location, middleware=middleware, tls_certificates=tls or [])

    def _check_action(self, context: fl.ServerCallContext, name: str) -> None:
        needed = PERMISSIONS.get(action_of(name))
        if not self.enforce_keys or needed is None:
            return
        auth: AuthMiddleware | None = context.get_middleware(MIDDLEWARE)
        if auth is None or needed.value not in auth.permissions:
            raise ProtocolError(T.ACTION_PERMISSION.format(action=_pascal(name)), Code.PERMISSION_DENIED)

    @rpc
    def do_action(self, context: fl.ServerCallContext, action: fl.Action) -> Iterator[fl.Result]:
        self._check_action(context, action.type)
        body = action.body.to_pybytes() if action.body is not None else b""
        return iter([fl.Result(r) for r in handle_action(self.catalog, action_of(action.type), body, self.decode_limit)])

    @rpc
    def do_put(self, context: fl.ServerCallContext, descriptor: fl.FlightDescriptor,
               reader: fl.MetadataRecordBatchReader, writer: fl.FlightMetadataWriter) -> None:
        handle_put(self.catalog, descriptor, reader, self.decode_limit)

    @rpc
    def list_flights(self, context: fl.ServerCallContext, criteria: bytes) -> Iterator[fl.FlightInfo]:
        return iter(list(reads.list_flights(self.catalog, criteria or b"")))

    @rpc
    def get_flight_info(self, context: fl.ServerCallContext, descriptor: fl.FlightDescriptor) -> fl.FlightInfo:
        return reads.flight_info(self.catalog, descriptor)

    @rpc
    def get_schema(self, context: fl.ServerCallContext, descriptor: fl.FlightDescriptor) -> fl.SchemaResult:
        return fl.SchemaResult(reads.schema_of(self.catalog, descriptor))

    @rpc
    def do_get(self, context: fl.ServerCallContext, ticket: fl.Ticket) -> fl.FlightDataStream:
        return reads.do_get(self.catalog, ticket.ticket)

    @rpc
    def list_actions(self, context: fl.ServerCallContext) -> Any:
        raise _unimplemented()

    @rpc
    def do_exchange(self, context: fl.ServerCallContext, descriptor: fl.FlightDescriptor,
                    reader: fl.MetadataRecordBatchReader, writer: fl.MetadataRecordBatchWriter) -> None:
        raise _unimplemented()


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))
