"""The ontology against mosaico-ontology.md: schemas, tags, formats (table-driven) and validation."""
from __future__ import annotations

import pydantic
import pytest

import mosaico_ros_bridge as mb
from mosaico_ros_bridge.ontology import message_schema, ontology_tag_for, registry
from ontology_doc import CATALOGUE, expected_schema


def test_registry_holds_exactly_the_documented_types() -> None:
    built_in = {cls.__name__ for cls in registry().values() if cls.__module__.startswith("mosaico_ros_bridge.")}
    assert built_in == set(CATALOGUE)


@pytest.mark.parametrize("class_name", sorted(CATALOGUE))
def test_schema_tag_and_format_match_the_doc(class_name: str) -> None:
    cls = getattr(mb, class_name)
    tag, fmt, _ = CATALOGUE[class_name]
    assert cls.ontology_tag() == tag
    assert cls.serialization_format().value == fmt
    actual = message_schema(cls)
    expected = expected_schema(class_name)
    assert actual.names == expected.names
    for got, want in zip(actual, expected):
        assert got.type == want.type, f"{class_name}.{got.name}: {got.type} != {want.type}"
        assert got.nullable == want.nullable, f"{class_name}.{got.name}: nullable {got.nullable} != {want.nullable}"


@pytest.mark.parametrize("name,tag", [
    ("IMU", "imu"), ("GPSStatus", "gps_status"), ("Vector3d", "vector_3_d"), ("Point2d", "point_2_d"),
    ("NMEASentence", "nmea_sentence"), ("LargeString", "large_string"), ("Integer8", "integer8"),
    ("PointCloud2", "point_cloud2"), ("RGBDCamera", "rgbd_camera"), ("A1B2C", "a_1_b2c"),
])
def test_tag_rule(name: str, tag: str) -> None:
    assert ontology_tag_for(name) == tag


@pytest.mark.parametrize("build,text", [
    (lambda: mb.Time(sec=0, nanosec=1_000_000_000), "nanosec must be in [0, 1_000_000_000)"),
    (lambda: mb.Header(frame_id="x"), "stamp"),
    (lambda: mb.Vector3d(x=1.0, y=2.0), "z"),
    (lambda: mb.Velocity(), "needs at least one of linear/angular"),
    (lambda: mb.Unsigned8(data=-1), "greater than or equal to 0"),
    (lambda: mb.Integer8(data=128), "less than 128"),
    (lambda: mb.CameraInfo(height=1, width=1, distortion_model="m", distortion_parameters=[],
                           intrinsic_parameters=[0.0] * 8, rectification_parameters=[0.0] * 9,
                           projection_parameters=[0.0] * 12), "intrinsic_parameters"),
    (lambda: mb.CompressedImage(data=b"", format="rgb8; jpeg compressed bgr8"), "format"),
    (lambda: mb.IMU(acceleration=mb.Vector3d(x=0, y=0, z=0)), "angular_velocity"),
])
def test_validation_rules(build: object, text: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=None) as info:
        build()  # type: ignore[operator]
    assert text in str(info.value)


def test_custom_types_with_envelope_names_or_dotted_tags_are_refused() -> None:
    import pyarrow as pa

    class Clashing(mb.Serializable):
        __registered__ = False
        __arrow_fields__ = (pa.field("timestamp_ns", pa.int64()),)
        timestamp_ns: int

    with pytest.raises(mb.MosaicoBridgeError, match="collide with the Message envelope"):
        Clashing.arrow_fields()
    with pytest.raises(mb.MosaicoBridgeError, match="contains '.'"):
        type("Dotted", (mb.Serializable,), {"__ontology_tag__": "a.b", "__module__": __name__})


def test_custom_type_registers_under_its_tag() -> None:
    import pyarrow as pa

    class WheelOdometry(mb.HeaderMixin, mb.Serializable):
        __arrow_fields__ = (pa.field("ticks", pa.int64(), nullable=False),)
        ticks: int

    assert mb.registered("wheel_odometry") is WheelOdometry
    assert message_schema(WheelOdometry).names == ["timestamp_ns", "message_header", "ticks", "header"]
