"""The spool file format (spool/files.py): 4 KiB-aligned frames of Arrow IPC written with O_DIRECT
where the filesystem allows it, read back equal, with torn tails skipped, on filesystems without
O_DIRECT too, and spool files of the earlier format (one plain IPC stream) still uploaded."""
from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pytest

import mosaico_ros_bridge as mb
from mosaico_ros_bridge.recording.spool_upload import upload_spool
from mosaico_ros_bridge.spool import SequenceSpool, TopicSpool, read_complete
from mosaico_ros_bridge.topic_description import TopicDescription
from mosaico_ros_bridge.spool.files import ALIGN, HEADER
from mosaico_ros_bridge.writers.encoders import MessageEncoder

SHM = Path("/dev/shm")


def imu_batch(first: int, count: int) -> pa.RecordBatch:
    messages = [mb.Message(timestamp_ns=first + i, data=mb.IMU(
        acceleration=mb.Vector3d(x=0.5 * (first + i), y=-1.25, z=9.81, covariance=[float(i)] * 9),
        angular_velocity=mb.Vector3d(x=0.01, y=0.02, z=0.03), orientation=mb.Quaternion(x=0, y=0, z=0, w=1)))
        for i in range(count)]
    return MessageEncoder(mb.IMU).encode(messages)


def image_batch(stamp: int, fill: int) -> pa.RecordBatch:
    frame = bytes([fill]) * (640 * 480 * 3)
    message = mb.Message(timestamp_ns=stamp, data=mb.Image(data=frame, format=mb.ImageFormat.RAW, width=640,
                                                           height=480, stride=640 * 3, encoding="rgb8"))
    return MessageEncoder(mb.Image).encode([message])


def o_direct_works(directory: Path) -> bool:
    """Whether this filesystem accepts O_DIRECT (ext4 does; tmpfs does not)."""
    try:
        fd = os.open(directory / "probe", os.O_WRONLY | os.O_CREAT | os.O_DIRECT, 0o644)
    except OSError:
        return False
    os.close(fd)
    os.unlink(directory / "probe")
    return True


def write(path: Path, batches: list[pa.RecordBatch]) -> TopicSpool:
    spool = TopicSpool(path)
    for batch in batches:
        spool.append(batch)
    spool.sync()
    return spool


@pytest.mark.parametrize("where", ["disk", "tmpfs"])
def test_frames_are_aligned_and_read_back_equal(tmp_path: Path, where: str) -> None:
    directory = tmp_path if where == "disk" else SHM
    if where == "tmpfs" and not SHM.is_dir():
        pytest.skip("no /dev/shm (tmpfs) on this machine")
    path = directory / f"spool-{os.getpid()}-{where}.spool"
    batches = [imu_batch(0, 1), image_batch(1, 7), imu_batch(10, 500), image_batch(2, 200), imu_batch(600, 3)]
    try:
        spool = write(path, batches)
        assert spool.direct == o_direct_works(directory)
        assert all(offset % ALIGN == 0 for offset in spool.offsets)
        assert path.stat().st_size % ALIGN == 0
        assert list(read_complete(path)) == batches
        reader = spool.reader()
        assert [reader.read(i) for i in (1, 2, 3)] == batches[1:4]  # random access, as an uplink catching up reads
        assert [reader.read(0)] == batches[:1]
        reader.close()
        spool.close()
        assert list(read_complete(path)) == batches
    finally:
        path.unlink(missing_ok=True)


def test_a_reader_sees_each_batch_as_soon_as_it_is_appended(tmp_path: Path) -> None:
    spool = TopicSpool(tmp_path / "growing.spool")
    reader = spool.reader()
    for i in range(5):
        batch = image_batch(i, i)
        spool.append(batch)
        assert reader.read(i) == batch
    reader.close()
    spool.close()


def test_a_torn_last_frame_ends_the_data_and_loses_nothing_before_it(tmp_path: Path) -> None:
    path = tmp_path / "torn.spool"
    batches = [imu_batch(100 * i, 50) for i in range(4)]
    spool = write(path, batches)
    last = spool.offsets[-1]
    spool.close()
    for cut in (last + 3, last + HEADER.size, last + HEADER.size + 100, path.stat().st_size - ALIGN):
        data = path.read_bytes()
        torn = tmp_path / f"cut-{cut}.spool"
        torn.write_bytes(data[:cut])
        assert list(read_complete(torn)) == batches[:3], f"cut at byte {cut}"
    garbage = tmp_path / "garbage.spool"
    garbage.write_bytes(path.read_bytes()[:last] + b"\xff" * 64)
    assert list(read_complete(garbage)) == batches[:3]
    assert list(read_complete(tmp_path / "missing.spool")) == []


def test_a_spool_of_the_earlier_format_is_read_and_uploaded(server: object, tmp_path: Path) -> None:
    """Spools left by a recorder of the previous version hold one Arrow IPC stream per topic."""
    batches = [imu_batch(0, 30), imu_batch(30, 12)]
    spool = SequenceSpool.create(tmp_path / "spool", "legacy_run", {"robot": "r1"}, "127.0.0.1")
    spool.add_topic(TopicDescription("/imu", mb.IMU.ontology_tag(), mb.IMU.serialization_format().value, batches[0].schema))
    topic = spool.manifest.topics[0]
    with pa.OSFile(str(spool.topic_file(topic)), "wb") as sink, pa.ipc.new_stream(sink, batches[0].schema) as writer:
        for batch in batches:
            writer.write_batch(batch)
    data = spool.topic_file(topic).read_bytes()
    spool.topic_file(topic).write_bytes(data[:-8 - 40])  # killed mid-batch: a torn second batch, no end marker
    assert list(read_complete(spool.topic_file(topic))) == batches[:1]
    spool.topic_file(topic).write_bytes(data)
    port = server.port  # type: ignore[attr-defined]
    with mb.MosaicoClient.connect("127.0.0.1", port) as client:
        result = upload_spool(client, spool, recovered=True)
        assert (result.records, result.batches) == (42, 2)
        table = client.read_topic_table(result.sequence, "/imu").table
        expected = pa.Table.from_batches(batches)
        for column in expected.column_names:
            assert table.column(column).to_pylist() == expected.column(column).to_pylist(), column
        assert client.sequence_metadata(result.sequence)["recovered"] is True
    spool.remove()


def test_direct_io_false_appends_through_the_page_cache(tmp_path: Path) -> None:
    from mosaico_ros_bridge.config import RecorderConfig

    config = RecorderConfig.model_validate({"spool": {"direct_io": False}})
    spool = SequenceSpool.create(tmp_path, "buffered_run", {}, "127.0.0.1", config.spool.direct_io)
    batch = imu_batch(0, 20)
    topic = spool.add_topic(TopicDescription("/imu", mb.IMU.ontology_tag(), mb.IMU.serialization_format().value, batch.schema))
    topic.append(batch)
    topic.sync()
    assert not topic.direct
    assert RecorderConfig().spool.direct_io is True
    assert list(read_complete(spool.topic_file(spool.manifest.topics[0]))) == [batch]
    spool.remove()


@pytest.mark.parametrize("dialect", ["seed", "session"])
def test_an_upload_stopped_between_batches_keeps_the_spool_and_the_next_one_replaces_it(
        tmp_path: Path, dialect: str) -> None:
    """A recorder signalled again while uploading a queued part gives up between two batches: the
    spool stays as it was, and the next upload (next start or the upload command) removes the half
    sequence from the server and stores every record once."""
    from mosaico_ros_bridge.client import Connection
    from mosaico_ros_bridge.errors import UploadStalled
    from mosaico_ros_bridge.server import LocalServer

    batches = [imu_batch(10 * i, 10) for i in range(6)]
    spool = SequenceSpool.create(tmp_path / "spool", "stopped_run", {}, "127.0.0.1", dialect=dialect)
    topic = spool.add_topic(TopicDescription("/imu", mb.IMU.ontology_tag(), mb.IMU.serialization_format().value,
                                             batches[0].schema))
    for batch in batches:
        topic.append(batch)
    topic.close()
    asked = 0

    def after_three() -> bool:
        nonlocal asked
        asked += 1
        return asked > 3
    with LocalServer(tmp_path / "store", dialect=dialect) as server, \
            Connection.connect("127.0.0.1", server.port, dialect=dialect) as client:
        with pytest.raises(UploadStalled, match="stopped before sequence 'stopped_run' was uploaded"):
            upload_spool(client, spool, recovered=False, cancelled=after_three)
        assert asked == 4 and list(read_complete(spool.topic_file(spool.manifest.topics[0]))) == batches
        assert spool.manifest.key is not None and client.list_sequences() == ["stopped_run"]  # the half one

        result = upload_spool(client, spool, recovered=False)
        assert (result.sequence, result.records, result.batches) == ("stopped_run", 60, 6)
        assert client.list_sequences() == ["stopped_run"]
        stored = client.read_topic_table("stopped_run", "/imu").table
        assert stored.column("timestamp_ns").to_pylist() == list(range(60))
    spool.remove()
