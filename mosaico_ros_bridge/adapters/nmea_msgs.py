"""nmea_msgs/Sentence -> NMEASentence."""
from __future__ import annotations

from mosaico_ros_bridge import ontology as o
from mosaico_ros_bridge.adapters.base import Adapter, header, src

SENTENCE = Adapter("nmea_msgs/msg/Sentence", o.NMEASentence, {"sentence": src("msg.sentence"), **header("header", "msg.header")})

ADAPTERS = [SENTENCE]
