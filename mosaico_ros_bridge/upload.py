"""`python -m mosaico_ros_bridge.upload SPOOL_DIR [--server host:port] [--keep]`: turn spools left by a
recorder that was killed (or stopped while the server was down) into finalized sequences, marked
`recovered` in their metadata. SPOOL_DIR is one spooled sequence or a folder of them (spool.dir).
Each spool goes to the server it was recorded for, which must speak the dialect it was recorded in;
--server sends them elsewhere. The API key comes from $MOSAICO_API_KEY or --api-key-file. A spool
still held by a running recorder is skipped; running the command twice uploads nothing twice."""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from mosaico_ros_bridge.client import Connection
from mosaico_ros_bridge.client.endpoint import load_api_key
from mosaico_ros_bridge.errors import MosaicoBridgeError
from mosaico_ros_bridge.grpc_logs import quiet_grpc
from mosaico_ros_bridge.recording.spool_upload import upload_leftover
from mosaico_ros_bridge.session_protocol import API_KEY_ENV
from mosaico_ros_bridge.spool import spool_dialect, spool_directories, spool_target

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _say(text: str) -> None:
    print(text, flush=True)


@dataclass(frozen=True)
class Security:
    tls: bool
    tls_ca: Path | None
    api_key: str | None


def _targets(directories: list[Path], server: str | None) -> dict[tuple[str, str], list[Path]]:
    """Directories grouped by (server, dialect) they go to; unknown servers (without --server) as ""."""
    groups: dict[tuple[str, str], list[Path]] = {}
    for directory in directories:
        groups.setdefault((server or spool_target(directory) or "", spool_dialect(directory)), []).append(directory)
    return groups


def _upload_to(target: str, dialect: str, directories: list[Path], keep: bool, security: Security) -> bool:
    """Upload each directory into `target`; True when every one is (or already was) on the server."""
    host, _, port = target.rpartition(":")
    ok = True
    try:
        with Connection.connect(host, int(port), dialect=dialect, tls=security.tls, tls_cert_path=security.tls_ca,
                                api_key=security.api_key) as client:
            for directory in directories:
                try:
                    _say(upload_leftover(client, directory, keep=keep, progress=_say))
                except MosaicoBridgeError as exc:
                    _say(f"error: {directory} not uploaded to {target} ({exc}); the spool is intact, run this "
                         "command again")
                    ok = False
    except (MosaicoBridgeError, ValueError) as exc:
        print(f"error: {target}: {exc}; {len(directories)} spool(s) left intact", file=sys.stderr)
        return False
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mosaico_ros_bridge.upload", description=__doc__.splitlines()[0])
    parser.add_argument("spool_dir", type=Path, help="a spooled sequence directory or the spool root (spool.dir)")
    parser.add_argument("--server", help="host:port to upload to instead of the server each spool was recorded for")
    parser.add_argument("--keep", action="store_true", help="keep the spool files after a successful upload")
    parser.add_argument("--tls", action="store_true", help="connect with grpc+tls (system trust store)")
    parser.add_argument("--tls-ca", type=Path, help="PEM file of the CA that signed the server's certificate")
    parser.add_argument("--api-key-file", type=Path, help=f"file holding the API key (default: ${API_KEY_ENV})")
    args = parser.parse_args(argv)
    quiet_grpc()
    try:
        key, _ = load_api_key(args.api_key_file, "--api-key-file")
    except MosaicoBridgeError as exc:
        parser.error(str(exc))
    security = Security(args.tls, args.tls_ca, key)
    directories = spool_directories(args.spool_dir)
    if not directories:
        print(f"error: {args.spool_dir} is not a spool directory and holds none (each has a sequence.json); "
              "pass the recorder's spool.dir or one of its subdirectories", file=sys.stderr)
        return EXIT_USAGE
    ok = True
    for (target, dialect), group in _targets(directories, args.server).items():
        if not target:
            names = ", ".join(str(d) for d in group)
            print(f"error: {names}: no target server is recorded in the spool (or its manifest is unreadable); "
                  "pass --server host:port to upload it", file=sys.stderr)
            ok = False
            continue
        _say(f"uploading {len(group)} spool(s) to {target} ({dialect} dialect)")
        ok = _upload_to(target, dialect, group, args.keep, security) and ok
    return EXIT_OK if ok else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
