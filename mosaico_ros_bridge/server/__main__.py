"""`python -m mosaico_ros_bridge.server` / `mosaico-local-server`: run the local Mosaico server until
SIGINT or SIGTERM, logging one line when it listens and one per sequence/session event.
`mosaico-local-server api-key --store DIR --permissions read,write` creates an API key (printed once)."""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from mosaico_ros_bridge.protocol import DEFAULT_HOST, DEFAULT_PORT
from mosaico_ros_bridge.server.flight import DIALECTS, LocalServer
from mosaico_ros_bridge.server.session.auth import KeyRing
from mosaico_ros_bridge.session_protocol import Permission

log = logging.getLogger("mosaico_ros_bridge.server")


def create_key(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="mosaico-local-server api-key", description="create an API key")
    parser.add_argument("--store", type=Path, default=Path("mosaico_store"), help="data directory of the server")
    parser.add_argument("--permissions", default="read,write,delete", help="comma-separated: read, write, delete")
    parser.add_argument("--description", default="", help="free text kept with the key")
    args = parser.parse_args(argv)
    try:
        permissions = [Permission(p.strip()) for p in args.permissions.split(",") if p.strip()]
    except ValueError:
        parser.error(f"--permissions {args.permissions!r}: use read, write and/or delete")
    print(KeyRing(args.store).create(permissions, args.description))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mosaico-local-server", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=DEFAULT_HOST, help="bind address (default 127.0.0.1; 0.0.0.0 for all)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default 6726; 0 picks a free one)")
    parser.add_argument("--store", type=Path, default=Path("mosaico_store"), help="data directory")
    parser.add_argument("--dialect", choices=DIALECTS, default="session",
                        help="wire dialect: session (mosaicod 0.7, what users meet today; default) or seed "
                             "(December 2025)")
    parser.add_argument("--tls-cert", type=Path, help="PEM certificate chain (enables grpc+tls; session dialect)")
    parser.add_argument("--tls-key", type=Path, help="PEM private key of --tls-cert")
    parser.add_argument("--api-keys", action="store_true",
                        help="require an API key on every call (create keys with the api-key command)")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["api-key"]:
        return create_key(argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    if (args.tls_cert is None) != (args.tls_key is None):
        parser.error("--tls-cert and --tls-key go together")
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="[mosaico-local-server] %(message)s")
    try:
        tls = (args.tls_cert.read_bytes(), args.tls_key.read_bytes()) if args.tls_cert else None
        server = LocalServer(args.store, args.host, args.port, dialect=args.dialect, tls=tls, api_keys=args.api_keys)
    except (OSError, ValueError) as exc:
        log.error("cannot start: %s", exc)
        return 1
    except Exception as exc:  # bind failures come back as plain Arrow errors
        log.error("cannot listen on %s:%s: %s (is another server using the port? try --port 0)", args.host, args.port, exc)
        return 1
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    log.info("listening on %s (%s dialect%s, store %s, %d sequence(s))", server.location, server.dialect,
             ", API keys required" if args.api_keys else "", server.store.resolve(), server.sequence_count())
    while not stop.wait(0.5):
        pass
    clean = server.stop()
    log.info("stopped")
    if not clean:  # gRPC threads of abandoned calls would keep the interpreter alive
        sys.stdout.flush()
        os._exit(0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
