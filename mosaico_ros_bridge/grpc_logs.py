"""gRPC's own log lines in our command-line tools. gRPC logs through absl to stderr
(`All log messages before absl::InitializeLog() ...`, `Got goaway [2] ... ping_timeout` for every
GOAWAY a bad link provokes); they would mix into the tools' one line per event, and every failure they
describe reaches the tools as an error they report themselves."""
from __future__ import annotations

import os


def quiet_grpc() -> None:
    """Silence them unless the user set GRPC_VERBOSITY. gRPC reads it when it starts (at the first
    connection), so call this before any. Only for our processes' entry points: a library user's
    program keeps gRPC's settings."""
    os.environ.setdefault("GRPC_VERBOSITY", "NONE")
