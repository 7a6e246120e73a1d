"""Spools the recorder uploads in the background, once the server is reachable: parts that could not
be finalized live (pending) and spools left by a recorder that died (leftovers)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

from mosaico_ros_bridge.client import Connection
from mosaico_ros_bridge.errors import ConnectionFailed, MosaicoBridgeError
from mosaico_ros_bridge.recording.spool_upload import upload_leftover, upload_spool
from mosaico_ros_bridge.spool import SequenceSpool, claimed, spool_dialect, spool_directories, spool_target

Broken = Callable[[str, MosaicoBridgeError], None]  # (what, why): the server failed; reconnect


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
    # Directories, not open spools: a robot offline all day queues a part a minute, and each open spool
    # holds a lock file and its topics' state. They are locked again (claimed) for their upload.
    pending: list[Path] = field(default_factory=list)
    failed: list[Path] = field(default_factory=list)  # refused: kept in the spool for the upload command
    leftovers: list[Path] = field(default_factory=list)

    def queue(self, spool: SequenceSpool) -> None:
        """A part that could not be finalized live: its files are complete; upload it when possible."""
        spool.release()
        self.pending.append(spool.directory)

    def find_leftovers(self, root: Path, target: str, dialect: str) -> None:
        """Queue the leftover spools recorded for `target` in `dialect`; name the others (they belong
        to other servers or dialects, or cannot be read) in one line, for the upload command."""
        others: list[str] = []
        for directory in spool_directories(root):
            recorded = spool_target(directory)
            if recorded == target and spool_dialect(directory) == dialect:
                self.leftovers.append(directory)
            elif recorded == target:
                others.append(f"{directory.name} ({spool_dialect(directory)} dialect)")
            else:
                others.append(f"{directory.name} ({'unreadable manifest' if recorded is None else recorded or 'no target recorded'})")
        if others:
            self.log.info(f"{len(others)} leftover spool(s) in {root} are not for {target} and stay there: "
                          f"{', '.join(others)}; upload one with: python -m mosaico_ros_bridge.upload DIR")

    def upload_pending(self, client: Connection, done: Callable[[str, SequenceSpool], None],
                       cancelled: Callable[[], bool]) -> None:
        """Until the queue is empty, the server fails or `cancelled` is true (the spool stays queued)."""
        while self.pending and not cancelled():
            directory = self.pending[0]
            try:
                with claimed(directory) as spool:
                    if spool is None:  # only another process (e.g. the upload command) takes our spool's lock
                        self.log.info(f"the spool {directory} is being uploaded by another process; leaving it to it")
                    else:
                        done(upload_spool(client, spool, recovered=False, progress=self.log.info,
                                          cancelled=cancelled).sequence, spool)
            except ConnectionFailed as exc:
                if not cancelled():
                    self.broken(str(directory), exc)
                return
            except MosaicoBridgeError as exc:  # refused, or the spool cannot be read: retrying cannot help
                self.log.error(f"the spool {directory} was not uploaded: {exc}")
                self.failed.append(directory)
            self.pending.pop(0)

    def upload_leftovers(self, client: Connection, stopping: Callable[[], bool]) -> None:
        """Spools left by a recorder that died (for this server) become finalized sequences marked
        `recovered`; a stop interrupts them (the next start uploads them) so that it waits for this
        recording's parts only."""
        while self.leftovers and not stopping():
            directory = self.leftovers.pop(0)
            try:
                self.log.info(upload_leftover(client, directory, keep=self.keep, progress=self.log.info,
                                              cancelled=stopping))
            except ConnectionFailed as exc:
                self.leftovers.append(directory)
                if not stopping():
                    self.broken(str(directory), exc)
                return
            except MosaicoBridgeError as exc:  # refused, or the spool cannot be read: left where it is
                self.log.error(f"leftover spool {directory} not uploaded: {exc}")
