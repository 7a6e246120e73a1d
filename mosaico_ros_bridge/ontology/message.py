"""The Message envelope: `timestamp_ns` (record time, NOT NULL), in the seed era `message_header`,
then the data's columns flattened into the same row (not wrapped in a struct)."""
from __future__ import annotations

from typing import Any

import pyarrow as pa
from pydantic import BaseModel, ConfigDict

from mosaico_ros_bridge.ontology.base import Header, Serializable
from mosaico_ros_bridge.protocol import MESSAGE_HEADER_FIELD, TIMESTAMP_FIELD


def message_schema(data_type: type[Serializable]) -> pa.Schema:
    """The DoPut schema of a topic of data_type."""
    return pa.schema([*data_type.envelope_fields(), *data_type.arrow_fields()])


class Message(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    timestamp_ns: int
    data: Serializable
    message_header: Header | None = None

    def to_row(self) -> dict[str, Any]:
        row: dict[str, Any] = {TIMESTAMP_FIELD: self.timestamp_ns}
        if len(self.data.envelope_fields()) > 1:  # the seed era's message_header
            row[MESSAGE_HEADER_FIELD] = self.message_header.to_row() if self.message_header else None
        elif self.message_header is not None:
            raise ValueError(f"{type(self.data).__name__} is a 0.7 type: it has no message_header; "
                             "put the measurement's header in the data's own `header`")
        row.update(self.data.to_row())
        return row

    @classmethod
    def from_row(cls, row: dict[str, Any], data_type: type[Serializable]) -> "Message":
        header = row.get(MESSAGE_HEADER_FIELD)
        has_header = isinstance(header, dict) and any(v is not None for v in header.values())
        message_header = Header.model_validate(header) if has_header else None
        return cls(timestamp_ns=row[TIMESTAMP_FIELD], data=data_type.from_row(row), message_header=message_header)
