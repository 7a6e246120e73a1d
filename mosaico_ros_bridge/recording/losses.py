"""What a part's topics lost before the recorder (gaps in the publishers' sequence numbers, counted by
the node), stored with the sequence so the data says what it misses: one topic notification per
topic that lost messages (Mosaico's only kind is `error`), sent before the sequence is finalized,
live or later from the spool (whose manifest holds the counts)."""
from __future__ import annotations

from mosaico_ros_bridge.client import Connection
from mosaico_ros_bridge.client.names import topic_locator

LOSS_PREFIX = "lost before the recorder:"


def loss_text(topic: str, lost: int) -> str:
    return (f"{LOSS_PREFIX} {lost} message(s) published on {topic} never reached the recorder (gaps in the "
            "publishers' sequence numbers: the subscription's history overflowed while the recorder lagged, or "
            "the link dropped them); raise topics.depth* or the topic's depth to keep them")


def notify_losses(client: Connection, sequence: str, lost: dict[str, int]) -> None:
    """One notification per topic with losses, on the sequence `sequence` (not yet finalized)."""
    for topic, count in sorted(lost.items()):
        if count:
            client.actions.notify(topic_locator(sequence, topic), loss_text(topic, count), topic=True)
