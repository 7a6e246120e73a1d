"""Writer throughput: N IMU records and N 1080p rgb8 Images pushed through the writing API, against the
identical Arrow batches sent with a bare pyarrow.flight DoPut, in the same run, to the same local
server process. Each case runs bare and API alternately `--repeat` times (the first pair warms the
server up like the rest) and reports the medians. Prints records/s, MB/s and the ratio API/bare
(target >= 0.8).

    python -m bench.writer_throughput [--imu N] [--images N] [--repeat K]
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any, Callable

import pyarrow as pa
import pyarrow.flight as fl

import mosaico_ros_bridge as mb
from bench.common import ServerProcess, save, table
from mosaico_ros_bridge.writers.encoders import MessageEncoder


def imu_messages(n: int) -> list[mb.Message]:
    header = mb.Header(stamp=mb.Time(sec=1, nanosec=2), frame_id="imu_link")
    return [mb.Message(timestamp_ns=i, message_header=header, data=mb.IMU(
        acceleration=mb.Vector3d(x=0.1 * i, y=0.2, z=9.81, covariance=[0.01] * 9),
        angular_velocity=mb.Vector3d(x=0.0, y=0.1, z=0.2, covariance=[0.02] * 9),
        orientation=mb.Quaternion(x=0.0, y=0.0, z=0.0, w=1.0), header=header)) for i in range(n)]


def image_messages(n: int) -> list[mb.Message]:
    frame = bytes(1920 * 1080 * 3)
    return [mb.Message(timestamp_ns=i, data=mb.Image(data=frame, format=mb.ImageFormat.RAW, width=1920, height=1080,
                                                      stride=1920 * 3, encoding="rgb8")) for i in range(n)]


def via_api(port: int, name: str, data_type: type[mb.Serializable], messages: list[mb.Message]) -> float:
    started = time.perf_counter()
    with mb.MosaicoClient.connect("127.0.0.1", port) as client:
        with client.sequence_create(f"api_{name}") as seq:
            writer = seq.topic_create("data", {}, data_type)
            for message in messages:
                writer.push(message)
    return time.perf_counter() - started


def bare_doput(port: int, name: str, data_type: type[mb.Serializable], batches: list[pa.RecordBatch]) -> float:
    """The same control actions and batches, with nothing but pyarrow.flight."""
    started = time.perf_counter()
    client = fl.FlightClient(f"grpc://127.0.0.1:{port}")

    def act(action: str, body: dict[str, Any]) -> Any:
        result = list(client.do_action(fl.Action(action, json.dumps(body).encode())))[0].body.to_pybytes()
        return json.loads(result).get("response")

    key = act("sequence_create", {"name": f"bare_{name}", "user_metadata": {}})["key"]
    tkey = act("topic_create", {"name": f"bare_{name}/data", "sequence_key": key, "ontology_tag": data_type.ontology_tag(),
                                "serialization_format": data_type.serialization_format().value, "user_metadata": {}})["key"]
    command = json.dumps({"topic": {"name": f"bare_{name}/data", "key": tkey}}).encode()
    writer, _ = client.do_put(fl.FlightDescriptor.for_command(command), batches[0].schema)
    for batch in batches:
        writer.write_batch(batch)
    writer.done_writing()
    writer.close()
    act("sequence_finalize", {"name": f"bare_{name}", "key": key})
    client.close()
    return time.perf_counter() - started


def batches_like_the_api(messages: list[mb.Message], data_type: type[mb.Serializable]) -> list[pa.RecordBatch]:
    """Cut the records into batches exactly where the API's default limits cut them."""
    config, encoder = mb.WriterConfig(), MessageEncoder(data_type)
    batches, current, size = [], [], 0
    for message in messages:
        current.append(message)
        size += encoder.size_hint(message)
        if len(current) >= config.max_batch_size_records or size >= config.max_batch_size_bytes:
            batches.append(encoder.encode(current))
            current, size = [], 0
    if current:
        batches.append(encoder.encode(current))
    return batches


def run(imu: int, images: int, repeat: int = 3, log: Callable[[str], None] = print) -> dict[str, Any]:
    results: dict[str, Any] = {}
    cases = [("imu", mb.IMU, imu_messages(imu)), ("image_1080p", mb.Image, image_messages(images))]
    with ServerProcess() as server:
        for name, data_type, messages in cases:
            batches = batches_like_the_api(messages, data_type)
            megabytes = sum(b.nbytes for b in batches) / 1e6
            bares, apis = [], []
            for k in range(repeat):
                log(f"writer_throughput: {name}: {len(messages)} records, run {k + 1}/{repeat} ...")
                bares.append(bare_doput(server.port, f"{name}_{k}", data_type, batches))
                apis.append(via_api(server.port, f"{name}_{k}", data_type, messages))
            bare, api = statistics.median(bares), statistics.median(apis)
            results[name] = {"records": len(messages), "megabytes": round(megabytes, 1), "runs": repeat,
                             "bare_records_per_s": round(len(messages) / bare), "api_records_per_s": round(len(messages) / api),
                             "bare_mb_per_s": round(megabytes / bare, 1), "api_mb_per_s": round(megabytes / api, 1),
                             "ratio": round(bare / api, 3), "ratios_per_run": [round(b / a, 3) for b, a in zip(bares, apis)]}
    rows = [["case", "records", "bare rec/s", "api rec/s", "bare MB/s", "api MB/s", "api/bare", "per run"]]
    rows += [[k, str(v["records"]), str(v["bare_records_per_s"]), str(v["api_records_per_s"]), str(v["bare_mb_per_s"]),
              str(v["api_mb_per_s"]), f"{v['ratio']:.2f}x", " ".join(f"{r:.2f}" for r in v["ratios_per_run"])]
             for k, v in results.items()]
    log(table(rows))
    log(f"results: {save('writer_throughput', results)}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--imu", type=int, default=100_000)
    parser.add_argument("--images", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=3, help="alternating bare/API runs per case (medians reported)")
    args = parser.parse_args()
    run(args.imu, args.images, args.repeat)


if __name__ == "__main__":
    main()
