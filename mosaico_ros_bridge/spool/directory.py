"""A spooled sequence on disk: `<root>/<sequence>-<id>/` with `sequence.json`, one spool file per topic
(frames of Arrow IPC, see spool/files.py) and a `lock` file held (flock) by the process using it. A
directory nobody holds is a leftover of a recorder that died and can be uploaded."""
from __future__ import annotations

import fcntl
import os
import shutil
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterator

from mosaico_ros_bridge.errors import SpoolError
from mosaico_ros_bridge.spool.files import TopicSpool, read_complete
from mosaico_ros_bridge.spool.manifest import MANIFEST_FILE, SpoolManifest, SpoolTopic, load_manifest, save_manifest
from mosaico_ros_bridge.topic_description import TopicDescription

LOCK_FILE = "lock"


def default_root() -> Path:
    """$XDG_STATE_HOME/mosaico_ros_bridge/spool, i.e. ~/.local/state/mosaico_ros_bridge/spool by default."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "mosaico_ros_bridge" / "spool"


def _lock(directory: Path) -> IO[str] | None:
    handle = open(directory / LOCK_FILE, "a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


class SequenceSpool:
    """One sequence's spool directory, locked by this process for as long as the object is open."""

    def __init__(self, directory: Path, manifest: SpoolManifest, lock: IO[str], direct_io: bool = True) -> None:
        self.directory = directory
        self.direct_io = direct_io
        self.manifest = manifest
        self._lock_handle: IO[str] | None = lock
        self._topics: list[TopicSpool] = []
        self._guard = threading.Lock()

    @classmethod
    def create(cls, root: Path, sequence: str, metadata: dict[str, Any], server: str,
               direct_io: bool = True, dialect: str = "seed") -> "SequenceSpool":
        """A new spool directory for `sequence`; SpoolError names the directory if it cannot be made."""
        directory = root / f"{sequence}-{uuid.uuid4().hex[:8]}"
        try:
            directory.mkdir(parents=True)
            lock = _lock(directory)
            assert lock is not None
            manifest = SpoolManifest(sequence=sequence, metadata=metadata, server=server, dialect=dialect,
                                     created_ns=time.time_ns())
            save_manifest(directory, manifest)
        except OSError as exc:
            raise SpoolError(f"cannot create the spool of sequence {sequence!r} in {root} ({exc}); set spool.dir "
                             "to a writable directory with free space") from exc
        return cls(directory, manifest, lock, direct_io)

    @classmethod
    def claim(cls, directory: Path) -> "SequenceSpool | None":
        """Open a leftover spool for upload; None while another process holds it."""
        lock = _lock(directory)
        if lock is None:
            return None
        try:
            return cls(directory, load_manifest(directory), lock)
        except SpoolError:
            lock.close()
            raise

    @property
    def sequence(self) -> str:
        return self.manifest.sequence

    def add_topic(self, topic: TopicDescription) -> TopicSpool:
        """Register a topic in the manifest (first) and return its spool file."""
        with self._guard:
            file = f"topic_{len(self.manifest.topics):03d}.spool"
            self.manifest.topics.append(SpoolTopic.of(topic, file))
            self._save()
            spool = TopicSpool(self.directory / file, self.direct_io)
            self._topics.append(spool)
            return spool

    def topic_file(self, topic: SpoolTopic) -> Path:
        return self.directory / topic.file

    def holds_records(self) -> bool:
        """Whether any topic file holds a complete batch with rows (stops at the first one found)."""
        return any(batch.num_rows for topic in self.manifest.topics for batch in read_complete(self.topic_file(topic)))

    def set_key(self, key: str | None, sequence: str | None = None) -> None:
        with self._guard:
            self.manifest.key = key
            if sequence is not None:
                self.manifest.sequence = sequence
            self._save()

    def set_lost(self, lost: dict[str, int]) -> None:
        """Messages lost before the recorder, per topic name (saved only when they changed)."""
        with self._guard:
            changed = False
            for topic in self.manifest.topics:
                if lost.get(topic.name, 0) != topic.lost:
                    topic.lost, changed = lost.get(topic.name, 0), True
            if changed:
                self._save()

    def done(self, keep: bool) -> None:
        """The sequence is finalized on the server: remove the spool, or keep it marked as uploaded."""
        if not keep:
            self.remove()
            return
        with self._guard:
            self.manifest.uploaded = True
            self._save()
        self.release()

    def _save(self) -> None:
        try:
            save_manifest(self.directory, self.manifest)
        except OSError as exc:
            raise SpoolError(f"cannot update {self.directory / MANIFEST_FILE} ({exc}); free space on the spool "
                             "disk or set spool.dir elsewhere") from exc

    def sync(self) -> None:
        for topic in list(self._topics):
            topic.sync()

    def close_files(self) -> None:
        for topic in list(self._topics):
            topic.close()

    def release(self) -> None:
        """Let go of the directory (it stays on disk as a leftover to upload later)."""
        self.close_files()
        if self._lock_handle is not None:
            self._lock_handle.close()
            self._lock_handle = None

    def remove(self) -> None:
        self.close_files()
        shutil.rmtree(self.directory, ignore_errors=True)
        self.release()


@contextmanager
def claimed(directory: Path) -> Iterator[SequenceSpool | None]:
    """The spool claimed for its upload (None while another process holds it). If the block fails,
    the spool is released intact, for the next try or the upload command."""
    spool = SequenceSpool.claim(directory)
    try:
        yield spool
    except BaseException:
        if spool is not None:
            spool.release()
        raise


def spool_directories(path: Path) -> list[Path]:
    """`path` itself if it is a spool directory, else its spool subdirectories (oldest first)."""
    if (path / MANIFEST_FILE).exists():
        return [path]
    if not path.is_dir():
        return []
    found = [p for p in path.iterdir() if (p / MANIFEST_FILE).exists()]
    return sorted(found, key=lambda p: p.stat().st_mtime)


def spool_target(directory: Path) -> str | None:
    """The server (`host:port`) a spool was recorded for; "" for spools of versions that did not say,
    None when its manifest cannot be read."""
    try:
        return load_manifest(directory).server
    except SpoolError:
        return None


def spool_dialect(directory: Path) -> str:
    """The dialect (batch layout) a spool was recorded in; seed for spools of older versions."""
    try:
        return load_manifest(directory).dialect
    except SpoolError:
        return "seed"
