"""`python -m mosaico_ros_bridge.upload SPOOL_DIR [--server host:port] [--keep]`: turn spools left by a
recorder that was killed (or stopped while the server was down) into finalized sequences, marked
`recovered` in their metadata. SPOOL_DIR is one spooled sequence or a folder of them (spool.dir).
A spool still held by a running recorder is skipped; running the command twice uploads nothing twice."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mosaico_ros_bridge.client import MosaicoClient
from mosaico_ros_bridge.errors import MosaicoBridgeError
from mosaico_ros_bridge.protocol import DEFAULT_HOST, DEFAULT_PORT
from mosaico_ros_bridge.spool import SequenceSpool, spool_directories, upload_spool

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _say(text: str) -> None:
    print(text, flush=True)


def upload_directory(client: MosaicoClient, directory: Path, keep: bool) -> bool:
    """Upload one spooled sequence; True when it is (or already was) finalized on the server."""
    spool = SequenceSpool.claim(directory)
    if spool is None:
        _say(f"skipped {directory}: a running recorder holds it")
        return True
    if spool.manifest.uploaded:
        _say(f"skipped {directory}: already uploaded (kept by spool.keep)")
        spool.release()
        return True
    _say(f"uploading {directory} as sequence {spool.sequence} ({len(spool.manifest.topics)} topic(s))")
    try:
        result = upload_spool(client, spool, recovered=True, progress=_say)
    except Exception as exc:
        spool.release()
        _say(f"error: {directory} not uploaded ({exc}); the spool is intact, run this command again")
        return False
    spool.done(keep)
    what = "was already finalized" if result.already_finalized else f"finalized, {result.records} record(s)"
    _say(f"sequence {result.sequence} {what}" + ("" if keep else f"; removed {directory}"))
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mosaico_ros_bridge.upload", description=__doc__.splitlines()[0])
    parser.add_argument("spool_dir", type=Path, help="a spooled sequence directory or the spool root (spool.dir)")
    parser.add_argument("--server", default=f"{DEFAULT_HOST}:{DEFAULT_PORT}", help="host:port (default %(default)s)")
    parser.add_argument("--keep", action="store_true", help="keep the spool files after a successful upload")
    args = parser.parse_args(argv)
    directories = spool_directories(args.spool_dir)
    if not directories:
        print(f"error: {args.spool_dir} is not a spool directory and holds none (each has a sequence.json); "
              "pass the recorder's spool.dir or one of its subdirectories", file=sys.stderr)
        return EXIT_USAGE
    host, _, port = args.server.rpartition(":")
    try:
        with MosaicoClient.connect(host or DEFAULT_HOST, int(port)) as client:
            results = [upload_directory(client, directory, args.keep) for directory in directories]
    except (MosaicoBridgeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK if all(results) else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
