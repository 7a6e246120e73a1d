"""Spools the recorder uploads in the background, once the server is reachable: parts that could not
be finalized live (pending) and spools left by a recorder that died (leftovers)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

from mosaico_ros_bridge.client import MosaicoClient
from mosaico_ros_bridge.errors import SpoolError
from mosaico_ros_bridge.spool import SequenceSpool, upload_spool

Broken = Callable[[str, BaseException], None]  # (what, why): the server failed; reconnect


class _Log(Protocol):
    def info(self, message: str) -> Any: ...
    def error(self, message: str) -> Any: ...


@dataclass
class SpoolUploads:
    """Upload queues of the supervisor thread; each call stops at the first server failure (the
    spool stays queued for the next connection) and reports it through `broken`."""

    log: _Log
    broken: Broken
    keep: bool  # spool.keep: leave the files after a successful upload
    pending: list[SequenceSpool] = field(default_factory=list)
    leftovers: list[Path] = field(default_factory=list)

    def upload_pending(self, client: MosaicoClient, done: Callable[[str, SequenceSpool], None]) -> None:
        while self.pending:
            spool = self.pending[0]
            try:
                result = upload_spool(client, spool, recovered=False, progress=self.log.info)
            except SpoolError as exc:
                self.log.error(str(exc))
            except Exception as exc:
                self.broken(spool.sequence, exc)
                return
            else:
                done(result.sequence, spool)
            self.pending.pop(0)

    def upload_leftovers(self, client: MosaicoClient, stopping: Callable[[], bool]) -> None:
        """Spools left by a recorder that died become finalized sequences marked `recovered`."""
        while self.leftovers and not stopping():
            directory = self.leftovers.pop(0)
            try:
                spool = SequenceSpool.claim(directory)
                if spool is None or spool.manifest.uploaded:
                    if spool is not None:
                        spool.release()
                    continue
            except SpoolError as exc:
                self.log.error(str(exc))
                continue
            try:
                result = upload_spool(client, spool, recovered=True, progress=self.log.info)
            except Exception as exc:
                spool.release()
                self.leftovers.append(directory)
                self.broken(spool.sequence, exc)
                return
            spool.done(self.keep)
            self.log.info(f"leftover spool {directory} uploaded as sequence {result.sequence} "
                          f"({result.records} record(s), recovered)")
