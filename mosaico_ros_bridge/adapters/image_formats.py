"""How a ROS CompressedImage.format text names its codec, per era: the seed adapters' reading
(`compressed_format`) and the official 0.7 bridge's (`compressed_format07`). One home for both, used
by the adapters' getters and by the batch CDR decoder alike."""
from __future__ import annotations

from mosaico_ros_bridge.ontology.images import ImageFormat

_CONTAINERS = [(f.value, f.value) for f in ImageFormat] + [("jpg", "jpeg"), ("tif", "tiff"), ("h265", "hevc")]
FORMATS07 = {"raw", "png", "jpeg", "jpg", "tiff", "h264", "hevc"}


def compressed_format(text: str) -> str:
    """The container named in a ROS CompressedImage.format ('jpeg', 'rgb8; jpeg compressed bgr8', ...)."""
    lowered = text.lower()
    found = [(lowered.find(key), value) for key, value in _CONTAINERS if key in lowered]
    if not found:
        raise ValueError(f"CompressedImage.format {text!r} names none of {', '.join(f.value for f in ImageFormat)}")
    return min(found)[1]


def compressed_format07(text: str) -> str:
    """The 0.7 bridge's reading of CompressedImage.format: empty → png; one token → that codec;
    `<fmt>; <codec> compressed <fmt>` → codec; `<fmt>; compressedDepth <codec>` → codec; a codec it
    does not know → raw; anything else is refused (ValueError: the message is rejected, as there)."""
    if not text:
        return "png"
    parts = text.split()
    if len(parts) == 1:
        codec = parts[0]
    else:
        depth, color = "compressedDepth" in parts, "compressed" in parts
        if depth == color:
            raise ValueError(f"CompressedImage.format {text!r}: expected either 'compressed' or 'compressedDepth'")
        index = 1 if color else 2
        codec = parts[index] if len(parts) > index else "png"
    return codec.lower() if codec.lower() in FORMATS07 else "raw"
