"""`python -m mosaico_ros_bridge.server` / `mosaico-local-server`: run the local Mosaico server until
SIGINT or SIGTERM, logging one line when it listens and one per sequence created/finalized/aborted."""
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
from mosaico_ros_bridge.server.flight import LocalServer

log = logging.getLogger("mosaico_ros_bridge.server")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mosaico-local-server", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=DEFAULT_HOST, help="bind address (default 127.0.0.1; 0.0.0.0 for all)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default 6726; 0 picks a free one)")
    parser.add_argument("--store", type=Path, default=Path("mosaico_store"), help="data directory")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="[mosaico-local-server] %(message)s")
    try:
        server = LocalServer(args.store, args.host, args.port)
    except Exception as exc:  # bind failures come back as plain Arrow errors
        log.error("cannot listen on %s:%s: %s (is another server using the port? try --port 0)", args.host, args.port, exc)
        return 1
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    log.info("listening on %s (store %s, %d sequence(s))", server.location, server.store.resolve(),
             len(server.service.catalog.sequences()))
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
