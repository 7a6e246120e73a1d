"""The Arrow Flight service: routes each RPC to its module and turns ProtocolError into the gRPC
status (code + exact text) the real mosaicod answers with."""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Iterator

import pyarrow.flight as fl

from mosaico_ros_bridge.protocol import Texts
from mosaico_ros_bridge.server.actions import handle_action
from mosaico_ros_bridge.server.catalog import Catalog
from mosaico_ros_bridge.server.errors import Code, ProtocolError
from mosaico_ros_bridge.server.reads import do_get, flight_info, list_flights
from mosaico_ros_bridge.server.rpc import rpc
from mosaico_ros_bridge.server.session.auth import KeyRing
from mosaico_ros_bridge.server.session.service import SessionFlightService
from mosaico_ros_bridge.session_protocol import DEFAULT_DECODE_LIMIT
from mosaico_ros_bridge.server.store import Store
from mosaico_ros_bridge.server.upload import handle_put

log = logging.getLogger("mosaico_ros_bridge.server")
DIALECTS = ("seed", "session")


class MosaicoFlightService(fl.FlightServerBase):  # type: ignore[misc]
    """Seed-era mosaicod on the wire, persisting into a Store directory."""

    def __init__(self, location: str, store_dir: Path) -> None:
        self.catalog = Catalog(Store(store_dir))
        super().__init__(location)

    @rpc
    def do_action(self, context: fl.ServerCallContext, action: fl.Action) -> Iterator[fl.Result]:
        body = action.body.to_pybytes() if action.body is not None else b""
        return iter([fl.Result(handle_action(self.catalog, action.type, body))])

    @rpc
    def do_put(self, context: fl.ServerCallContext, descriptor: fl.FlightDescriptor,
               reader: fl.MetadataRecordBatchReader, writer: fl.FlightMetadataWriter) -> None:
        handle_put(self.catalog, descriptor, reader)

    @rpc
    def list_flights(self, context: fl.ServerCallContext, criteria: bytes) -> Iterator[fl.FlightInfo]:
        return iter(list(list_flights(self.catalog, criteria or b"")))

    @rpc
    def get_flight_info(self, context: fl.ServerCallContext, descriptor: fl.FlightDescriptor) -> fl.FlightInfo:
        return flight_info(self.catalog, descriptor)

    @rpc
    def do_get(self, context: fl.ServerCallContext, ticket: fl.Ticket) -> fl.FlightDataStream:
        return do_get(self.catalog, ticket.ticket)

    @rpc
    def get_schema(self, context: fl.ServerCallContext, descriptor: fl.FlightDescriptor) -> fl.SchemaResult:
        raise ProtocolError(Texts.UNIMPLEMENTED.format(rpc="get_schema"), Code.UNIMPLEMENTED)

    @rpc
    def list_actions(self, context: fl.ServerCallContext) -> Iterator[tuple[str, str]]:
        raise ProtocolError(Texts.UNIMPLEMENTED.format(rpc="list_actions"), Code.UNIMPLEMENTED)

    @rpc
    def do_exchange(self, context: fl.ServerCallContext, descriptor: fl.FlightDescriptor,
                    reader: fl.MetadataRecordBatchReader, writer: fl.MetadataRecordBatchWriter) -> None:
        raise ProtocolError(Texts.UNIMPLEMENTED.format(rpc="do_exchange"), Code.UNIMPLEMENTED)


class LocalServer:
    """A running local Mosaico server (serving from construction); a context manager that stops it.
    `dialect` is "seed" (December 2025) or "session" (mosaicod 0.7); TLS (`tls`: PEM cert and key) and
    API keys (`api_keys`: enforce the store's key ring) exist in the session dialect only."""

    def __init__(self, store: Path, host: str = "127.0.0.1", port: int = 0, *, dialect: str = "seed",
                 tls: tuple[bytes, bytes] | None = None, api_keys: bool = False,
                 decode_limit: int = DEFAULT_DECODE_LIMIT) -> None:
        if dialect not in DIALECTS:
            raise ValueError(f"unknown dialect {dialect!r}; choose one of {', '.join(DIALECTS)}")
        if dialect == "seed" and (tls or api_keys):
            raise ValueError("TLS and API keys exist in the session dialect only (--dialect session)")
        self.host = host
        self.store = Path(store)
        self.dialect = dialect
        self.scheme = "grpc+tls" if tls else "grpc"
        self.service: MosaicoFlightService | SessionFlightService
        if dialect == "seed":
            self.service = MosaicoFlightService(f"grpc://{host}:{port}", self.store)
        else:
            self.service = SessionFlightService(
                f"{self.scheme}://{host}:{port}", self.store, keys=KeyRing(self.store) if api_keys else None,
                tls=[fl.CertKeyPair(tls[0], tls[1])] if tls else None, decode_limit=decode_limit)
        self.port: int = self.service.port

    @property
    def location(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def sequence_count(self) -> int:
        return len(self.service.catalog.sequences())

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop serving; waits at most `timeout` s for open calls (an upload stream a client keeps open
        would block forever). Returns False if calls were abandoned: their partial files are removed
        at the next start, so nothing half-written is ever served."""
        stopper = threading.Thread(target=self.service.shutdown, name="mosaico-server-shutdown", daemon=True)
        stopper.start()
        stopper.join(timeout)
        if stopper.is_alive():
            log.warning("stopped with upload stream(s) still open after %.0f s; their data was not stored", timeout)
            return False
        return True

    def __enter__(self) -> "LocalServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
