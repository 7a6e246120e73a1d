"""Writer throughput: N IMU records and N 1080p rgb8 Images pushed through the writing API, against the
identical Arrow batches sent with a bare pyarrow.flight DoPut and, on a session-dialect server, against
the official SDK 0.7.0 writing the same records (the peer) — in the same run, to the same local server
process. Each case runs bare, API (and SDK) in turn `--repeat` times and reports the medians: records/s,
MB/s, the ratio API/bare (target >= 0.8) and API/SDK.

    python -m bench.writer_throughput [--imu N] [--images N] [--repeat K] [--dialect session|seed]
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
from mosaico_ros_bridge import ontology07 as o
from bench.common import ServerProcess, save, table
from mosaico_ros_bridge.writers.encoders import MessageEncoder


def imu_messages(n: int, dialect: str) -> list[mb.Message]:
    if dialect == "session":
        head = o.Header(timestamp=o.Time(seconds=1, nanoseconds=2), frame_id="imu_link")
        return [mb.Message(timestamp_ns=i, data=o.IMU(
            header=head, acceleration=o.Point3d(x=0.1 * i, y=0.2, z=9.81, covariance=[0.01] * 9),
            angular_velocity=o.Point3d(x=0.0, y=0.1, z=0.2, covariance=[0.02] * 9),
            orientation=o.Vector4d(x=0.0, y=0.0, z=0.0, w=1.0))) for i in range(n)]
    header = mb.Header(stamp=mb.Time(sec=1, nanosec=2), frame_id="imu_link")
    return [mb.Message(timestamp_ns=i, message_header=header, data=mb.IMU(
        acceleration=mb.Vector3d(x=0.1 * i, y=0.2, z=9.81, covariance=[0.01] * 9),
        angular_velocity=mb.Vector3d(x=0.0, y=0.1, z=0.2, covariance=[0.02] * 9),
        orientation=mb.Quaternion(x=0.0, y=0.0, z=0.0, w=1.0), header=header)) for i in range(n)]


def image_messages(n: int, dialect: str) -> list[mb.Message]:
    frame = bytes(1920 * 1080 * 3)
    image = o.Image if dialect == "session" else mb.Image
    return [mb.Message(timestamp_ns=i, data=image(data=frame, format="raw", width=1920, height=1080,
                                                  stride=1920 * 3, encoding="rgb8")) for i in range(n)]


def via_api(port: int, name: str, data_type: type[mb.Serializable], messages: list[mb.Message]) -> float:
    started = time.perf_counter()
    with mb.MosaicoClient.connect("127.0.0.1", port) as client:
        with client.sequence_create(f"api_{name}") as seq:
            writer = seq.topic_create("data", {}, data_type)
            for message in messages:
                writer.push(message)
    return time.perf_counter() - started


def sdk_messages(messages: list[mb.Message]) -> list[Any]:
    """The same records as the official SDK 0.7.0's own objects (built before the clock starts)."""
    import mosaicolabs as ml
    kind = getattr(ml, type(messages[0].data).__name__)
    return [ml.Message(timestamp_ns=m.timestamp_ns, data=kind.model_validate(m.data.model_dump())) for m in messages]


def via_sdk(port: int, name: str, messages: list[Any]) -> float:
    """The peer: the official SDK 0.7.0 writing the same records into the same server."""
    import mosaicolabs as ml
    started = time.perf_counter()
    client = ml.MosaicoClient.connect("127.0.0.1", port)
    with client.sequence_create(f"sdk_{name}", {}) as seq:
        writer = seq.topic_create("data", {}, type(messages[0].data))
        for message in messages:
            writer.push(message)
    client.close()
    return time.perf_counter() - started


def _act(client: fl.FlightClient, action: str, body: dict[str, Any]) -> Any:
    result = list(client.do_action(fl.Action(action, json.dumps(body).encode())))[0].body.to_pybytes()
    return json.loads(result).get("response")


def bare_doput(port: int, name: str, data_type: type[mb.Serializable], batches: list[pa.RecordBatch],
               dialect: str) -> float:
    """The same control actions and batches, with nothing but pyarrow.flight."""
    started = time.perf_counter()
    client = fl.FlightClient(f"grpc://127.0.0.1:{port}")
    seq, locator = f"bare_{name}", f"bare_{name}/data"
    tag, fmt = data_type.ontology_tag(), data_type.serialization_format().value
    if dialect == "session":
        _act(client, "sequence_create", {"locator": seq, "user_metadata": {}})
        session = _act(client, "session_create", {"locator": seq})["uuid"]
        topic = _act(client, "topic_create", {"session_uuid": session, "locator": locator, "serialization_format": fmt,
                                              "ontology_tag": tag, "user_metadata": {}})["uuid"]
        command = json.dumps({"resource_locator": locator, "topic_uuid": topic}).encode()
    else:
        key = _act(client, "sequence_create", {"name": seq, "user_metadata": {}})["key"]
        tkey = _act(client, "topic_create", {"name": locator, "sequence_key": key, "ontology_tag": tag,
                                             "serialization_format": fmt, "user_metadata": {}})["key"]
        command = json.dumps({"topic": {"name": locator, "key": tkey}}).encode()
    writer, _ = client.do_put(fl.FlightDescriptor.for_command(command), batches[0].schema)
    for batch in batches:
        writer.write_batch(batch)
    writer.done_writing()
    writer.close()
    if dialect == "session":
        _act(client, "session_finalize", {"session_uuid": session})
    else:
        _act(client, "sequence_finalize", {"name": seq, "key": key})
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


def run(imu: int, images: int, repeat: int = 3, log: Callable[[str], None] = print,
        dialect: str = "session") -> dict[str, Any]:
    """On a session server the official SDK 0.7.0 is the peer: bare, API and SDK run in turn."""
    results: dict[str, Any] = {}
    session = dialect == "session"
    cases = [("imu", o.IMU if session else mb.IMU, imu_messages(imu, dialect)),
             ("image_1080p", o.Image if session else mb.Image, image_messages(images, dialect))]
    with ServerProcess(dialect) as server:
        for name, data_type, messages in cases:
            batches = batches_like_the_api(messages, data_type)
            peers = sdk_messages(messages) if session else []
            megabytes = sum(b.nbytes for b in batches) / 1e6
            bares, apis, sdks = [], [], []
            for k in range(repeat):
                log(f"writer_throughput ({dialect}): {name}: {len(messages)} records, run {k + 1}/{repeat} ...")
                bares.append(bare_doput(server.port, f"{name}_{k}", data_type, batches, dialect))
                apis.append(via_api(server.port, f"{name}_{k}", data_type, messages))
                if session:
                    sdks.append(via_sdk(server.port, f"{name}_{k}", peers))
            bare, api = statistics.median(bares), statistics.median(apis)
            results[name] = {"dialect": dialect, "records": len(messages), "megabytes": round(megabytes, 1), "runs": repeat,
                             "bare_records_per_s": round(len(messages) / bare), "api_records_per_s": round(len(messages) / api),
                             "bare_mb_per_s": round(megabytes / bare, 1), "api_mb_per_s": round(megabytes / api, 1),
                             "ratio": round(bare / api, 3), "ratios_per_run": [round(b / a, 3) for b, a in zip(bares, apis)]}
            if sdks:
                sdk = statistics.median(sdks)
                results[name].update(sdk_records_per_s=round(len(messages) / sdk), api_vs_sdk=round(sdk / api, 3),
                                     api_vs_sdk_per_run=[round(p / a, 3) for p, a in zip(sdks, apis)])
    rows = [["case", "records", "bare rec/s", "api rec/s", "sdk rec/s", "api/bare", "api/sdk", "api/sdk per run"]]
    rows += [[k, str(v["records"]), str(v["bare_records_per_s"]), str(v["api_records_per_s"]),
              str(v.get("sdk_records_per_s", "-")), f"{v['ratio']:.2f}x",
              f"{v['api_vs_sdk']:.2f}x" if "api_vs_sdk" in v else "-",
              " ".join(f"{r:.2f}" for r in v.get("api_vs_sdk_per_run", []))] for k, v in results.items()]
    log(table(rows))
    log(f"results: {save(f'writer_throughput_{dialect}', results)}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--imu", type=int, default=100_000)
    parser.add_argument("--images", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=3, help="alternating bare/API runs per case (medians reported)")
    parser.add_argument("--dialect", choices=["session", "seed"], default="session",
                        help="server dialect (session: the official SDK 0.7.0 runs as the peer)")
    args = parser.parse_args()
    run(args.imu, args.images, args.repeat, dialect=args.dialect)


if __name__ == "__main__":
    main()
