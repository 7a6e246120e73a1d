"""Upload a spooled sequence as a finalized sequence: what turns the spool of a part that could not be
finalized live, or of a recorder that died, into data on the server. Safe to repeat: an earlier,
unfinished upload of the same spool is aborted first (its key is in the manifest), a finalized one is
not redone."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from mosaico_ros_bridge.client import Connection, open_topic_stream
from mosaico_ros_bridge.errors import SpoolError, UploadStalled
from mosaico_ros_bridge.recording.losses import notify_losses
from mosaico_ros_bridge.recording.sequences import Progress, clear_previous, create_sequence
from mosaico_ros_bridge.spool import SequenceSpool, claimed, read_complete


@dataclass(frozen=True)
class UploadResult:
    sequence: str
    records: int
    batches: int
    already_finalized: bool = False


def upload_leftover(client: Connection, directory: Path, *, keep: bool, progress: Progress,
                    cancelled: Callable[[], bool] = lambda: False) -> str:
    """Turn a spool left by a recorder that died into a finalized sequence marked `recovered`; returns
    the line that says what became of it. A spool held by a running recorder or already uploaded is
    skipped; one without records becomes no sequence (its unfinished one is aborted) and is removed.
    Server failures propagate with the spool released and intact."""
    with claimed(directory) as spool:
        if spool is None:
            return f"leftover spool {directory} skipped: a running recorder holds it"
        if spool.manifest.uploaded:
            spool.release()
            return f"leftover spool {directory} skipped: already uploaded (kept by spool.keep)"
        if not spool.holds_records():
            if spool.manifest.key is not None:
                clear_previous(client, spool.sequence, spool.manifest.key)
            spool.remove()
            return f"leftover spool {directory} holds no records: no sequence made of it, spool removed"
        progress(f"uploading leftover spool {directory} as sequence {spool.sequence} "
                 f"({len(spool.manifest.topics)} topic(s))")
        result = upload_spool(client, spool, recovered=True, progress=progress, cancelled=cancelled)
        spool.done(keep)
    kept = "spool kept" if keep else "spool removed"
    if result.already_finalized:
        return f"leftover spool {directory}: sequence {result.sequence} was already finalized; {kept}"
    return (f"leftover spool {directory} uploaded as sequence {result.sequence} ({result.records} record(s), "
            f"recovered); {kept}")


def upload_spool(client: Connection, spool: SequenceSpool, *, recovered: bool, progress: Progress = lambda _: None,
                 cancelled: Callable[[], bool] = lambda: False) -> UploadResult:
    """Create, fill (every complete batch of every topic) and finalize the spool's sequence; raises
    UploadStalled between two batches once `cancelled` is true (the recorder stops now)."""
    manifest = spool.manifest
    if manifest.key is not None:
        if clear_previous(client, manifest.sequence, manifest.key) == "finalized":
            return UploadResult(manifest.sequence, 0, 0, already_finalized=True)
    metadata = {**manifest.metadata, **({"recovered": True} if recovered else {})}
    name, key = create_sequence(client, manifest.sequence, metadata, progress)
    try:
        spool.set_key(key, name)
    except SpoolError as exc:  # a full spool disk must not stop its own upload
        progress(f"warning: {exc}; uploading anyway (if this upload is interrupted, the next one uses a new name)")
    records = batches = 0
    for topic in manifest.topics:
        stream = open_topic_stream(client.actions, client.lanes, name, key, topic.description())
        count = 0
        try:
            for batch in read_complete(spool.topic_file(topic)):
                if cancelled():
                    raise UploadStalled(f"stopped before sequence {name!r} was uploaded")
                stream.write(batch)
                count += batch.num_rows
                batches += 1
            stream.finish()
        except BaseException:
            stream.abandon()
            raise
        records += count
        progress(f"  {name} {topic.name}: {count} record(s)")
    notify_losses(client, name, {topic.name: topic.lost for topic in manifest.topics})
    client.actions.sequence_finalize(name, key)
    return UploadResult(name, records, batches)
