"""The C loop says when it is absent (issue #16): a recorder whose compiled encoder cannot be imported
logs it once at start and counts every batch the pure-Python path encoded on ~/status; with the C
loop, a batch it hands to the Python path is counted too. The data is the same either way."""
from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import numpy as np

import mosaico_ros_bridge as mb
from procs import Proc, python
from test_recorder import COUNT, StatusWatcher, params, publisher

WITHOUT_C_LOOP = ("import sys; sys.modules['mosaico_ros_bridge.ontology._gather'] = None; "
                  "from mosaico_ros_bridge.__main__ import main; sys.exit(main())")


def test_recorder_without_the_c_loop_says_so_once_and_counts_python_batches(
        server: Any, tmp_path: Path, ros_context: Any) -> None:
    pub = publisher("kv", "/robot/kv")  # a type the getters encode (TF, IMU, ... have batch CDR decoders)
    config = params(tmp_path, server.port, topics={"names": ["/robot/kv"]}, writer={"max_batch_size_records": 10})
    rec = Proc(python("-c", WITHOUT_C_LOOP, "--ros-args", "--params-file", str(config)))
    watcher = StatusWatcher(ros_context)
    try:
        sequence = rec.wait_for(lambda l: "sequence created:" in l).rsplit(" ", 1)[1]
        watcher.wait_received("/robot/kv", COUNT)
        watcher.wait_value("/robot/kv", "written", str(COUNT))
        python_batches = int(watcher.latest["/robot/kv"]["python_encoded"])
        rec.popen.send_signal(signal.SIGINT)
        assert rec.popen.wait(timeout=60) == 0, rec.output()
    finally:
        watcher.close()
        rec.stop()
        pub.stop()
    output = rec.output()
    assert output.count("C loop (ontology/_gather) is not built") == 1, output
    assert python_batches >= COUNT // 10
    with mb.MosaicoClient.connect("127.0.0.1", server.port) as client:
        assert client.read_topic_table(sequence, "/robot/kv").table.column("key").to_pylist() == [f"key_{i}" for i in range(COUNT)]


def test_a_batch_the_c_loop_hands_to_python_is_counted(server: Any) -> None:
    with mb.MosaicoClient.connect("127.0.0.1", server.port) as client:
        with client.sequence_create("counted", max_batch_size_records=2) as seq:
            writer = seq.topic_create("/v", {}, mb.Floating64)
            for value in (1.5, 2.5, 3.5):  # two batches the C loop encodes itself
                writer.push(mb.Message(timestamp_ns=int(value * 2), data=mb.Floating64(data=value)))
            odd = mb.Floating64.model_construct(data=np.float32(4.5))  # a value only pyarrow converts
            writer.push(mb.Message(timestamp_ns=9, data=odd))
        assert writer.stats.python_encoded == 1 and writer.stats.batches == 2
        assert [m.data.data for m in client.read_topic("counted", "/v")] == [1.5, 2.5, 3.5, 4.5]
