"""Types the seed SDK registers with its ROS bridge (§4.6): BatteryState and FrameTransform."""
from __future__ import annotations

import pyarrow as pa

from mosaico_ros_bridge.ontology.base import HeaderMixin, Serializable
from mosaico_ros_bridge.ontology.fields import col, f32, utf8
from mosaico_ros_bridge.ontology.geometry import Transform


class BatteryState(HeaderMixin, Serializable):
    __arrow_fields__ = (
        f32("voltage"), f32("temperature"), f32("current"), f32("charge"), f32("capacity"), f32("design_capacity"),
        f32("percentage"), col("power_supply_status", pa.uint8()), col("power_supply_health", pa.uint8()),
        col("power_supply_technology", pa.uint8()), col("present", pa.bool_()), utf8("location"),
        utf8("serial_number"), col("cell_voltage", pa.list_(pa.float32())), col("cell_temperature", pa.list_(pa.float32())),
    )
    voltage: float
    temperature: float | None
    current: float | None
    charge: float | None
    capacity: float | None
    design_capacity: float | None
    percentage: float
    power_supply_status: int
    power_supply_health: int
    power_supply_technology: int
    present: bool
    location: str
    serial_number: str
    cell_voltage: list[float] = []
    cell_temperature: list[float] = []


class FrameTransform(HeaderMixin, Serializable):
    __arrow_fields__ = (col("transforms", pa.list_(Transform.arrow_struct()), nn=True),)
    transforms: list[Transform]
