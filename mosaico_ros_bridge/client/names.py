"""Name rules (§3.2-§3.3), checked before anything is sent, and topic locators built like the SDK."""
from __future__ import annotations

import posixpath
import re

from mosaico_ros_bridge.errors import InvalidName

_SEQUENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_TOPIC_CHARS = re.compile(r"[A-Za-z0-9_/-]*")


def _strip_one_slash(name: str) -> str:
    return name[1:] if name.startswith("/") else name


def validate_sequence_name(name: str) -> str:
    """The sequence name as sent (one leading '/' removed), or InvalidName saying which rule failed."""
    clean = _strip_one_slash(name)
    if not clean:
        raise InvalidName(f"sequence name {name!r} is empty; use letters, digits, '_' and '-'")
    if "/" in clean:
        raise InvalidName(f"sequence name {name!r} contains '/'; readers split topic locators at the first '/', "
                          "use '_' or '-' instead")
    if not _SEQUENCE.fullmatch(clean):
        rule = "must start with a letter or digit" if not clean[0].isalnum() else "may only contain A-Z a-z 0-9 _ -"
        raise InvalidName(f"sequence name {name!r} {rule}")
    return clean


def validate_topic_name(name: str) -> str:
    """The topic path without its leading '/', or InvalidName saying which rule failed."""
    clean = _strip_one_slash(name)
    problem = None
    if not clean:
        problem = "is empty"
    elif not clean[0].isalnum() or not clean[0].isascii():
        problem = "must start with a letter or digit (after one leading '/')"
    elif not _TOPIC_CHARS.fullmatch(clean):
        bad = sorted({c for c in clean if not re.fullmatch(r"[A-Za-z0-9_/-]", c)})
        problem = f"contains {''.join(bad)!r}; only A-Z a-z 0-9 _ - / are safe on the server's read path"
    elif clean.endswith("/"):
        problem = "ends with '/'"
    elif "//" in clean:
        problem = "has an empty segment ('//')"
    if problem:
        raise InvalidName(f"topic name {name!r} {problem}")
    return clean


def topic_locator(sequence: str, topic: str) -> str:
    """`pack(sequence, topic)`: both without one leading '/', joined as POSIX paths."""
    return posixpath.normpath(posixpath.join(_strip_one_slash(sequence), _strip_one_slash(topic)))


def split_locator(locator: str) -> tuple[str, str]:
    """(sequence, '/topic') from a topic locator, split at the first '/' like the SDK reader."""
    sequence, _, topic = locator.partition("/")
    return sequence, "/" + topic


def is_path_prefix(a: str, b: str) -> bool:
    """True when topic path a is a path-prefix of b or vice versa ('/a' vs '/a/b')."""
    a, b = a.strip("/"), b.strip("/")
    return a == b or b.startswith(a + "/") or a.startswith(b + "/")
