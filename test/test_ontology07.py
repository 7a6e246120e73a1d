"""Every 0.7.0 class of the official SDK exists in ontology07 with the SDK's own tag, serialization
format and DoPut schema, compared with field metadata and nullability at every depth."""
from __future__ import annotations

from typing import Any

import pytest

from mosaico_ros_bridge import ontology07
from mosaico_ros_bridge.ontology import Message, message_schema
from sdk_samples import ml, sdk_classes, sdk_sample


def test_the_same_classes_exist() -> None:
    assert sorted(ontology07.registry()) == sorted(sdk_classes())


@pytest.mark.parametrize("tag", sorted(sdk_classes()))
def test_schema_tag_and_format_equal_the_sdks(tag: str) -> None:
    ours = ontology07.registered(tag)
    sdk = sdk_classes()[tag]
    assert ours is not None
    assert ours.ontology_tag() == sdk.__ontology_tag__
    assert ours.serialization_format().value == sdk.__serialization_format__.value
    theirs = ml.Message._get_schema(sdk)
    assert message_schema(ours).equals(theirs, check_metadata=True), f"{tag}:\n{message_schema(ours)}\n---\n{theirs}"


@pytest.mark.parametrize("tag", sorted(sdk_classes()))
def test_rows_equal_the_sdks_encoding(tag: str) -> None:
    """A value built from the SDK's sample row encodes to the same Arrow row as the SDK's own."""
    sdk_value = sdk_sample(sdk_classes()[tag], 3)
    sdk_batch = ml.Message(timestamp_ns=7, data=sdk_value)._to_pa_record_batch()
    ours_type = ontology07.registered(tag)
    assert ours_type is not None
    ours = ours_type.model_validate(sdk_value.model_dump())
    row: dict[str, Any] = Message(timestamp_ns=7, data=ours).to_row()
    import pyarrow as pa
    batch = pa.RecordBatch.from_pylist([row], schema=message_schema(ours_type))
    assert batch.equals(sdk_batch.cast(batch.schema)) and batch.to_pylist() == sdk_batch.to_pylist()


def test_a_07_message_has_no_message_header() -> None:
    from mosaico_ros_bridge.ontology import Header, Time
    imu = ontology07.IMU(acceleration=ontology07.Point3d(x=1.0, y=2.0, z=3.0),
                         angular_velocity=ontology07.Point3d(x=0.0, y=0.0, z=0.0))
    with pytest.raises(ValueError, match="has no message_header"):
        Message(timestamp_ns=1, data=imu, message_header=Header(stamp=Time(sec=1, nanosec=0), frame_id="x")).to_row()


@pytest.mark.parametrize("tag", sorted(sdk_classes()))
def test_the_c_loop_encodes_every_07_layout_as_the_sdk(tag: str) -> None:
    """The writer's columnar encoder (its C loop where built) gives the SDK's own batch, without
    handing any batch to the Python path."""
    import pyarrow as pa

    from mosaico_ros_bridge.ontology.columnar import COMPILED
    from mosaico_ros_bridge.writers.encoders import MessageEncoder
    ours_type = ontology07.registered(tag)
    assert ours_type is not None
    samples = [sdk_sample(sdk_classes()[tag], k) for k in range(4)]
    encoder = MessageEncoder(ours_type)
    batch = encoder.encode([Message(timestamp_ns=k, data=ours_type.model_validate(s.model_dump()))
                            for k, s in enumerate(samples)])
    sdk = pa.Table.from_batches([ml.Message(timestamp_ns=k, data=s)._to_pa_record_batch() for k, s in enumerate(samples)])
    assert batch.schema.equals(sdk.schema, check_metadata=True)
    assert pa.Table.from_batches([batch]).to_pylist() == sdk.to_pylist()
    if COMPILED:
        assert encoder.python_batches == 0, f"{tag}: the C loop handed the batch to Python"
