"""Messages lost before the recorder: gaps in the publishers' sequence numbers. Every DDS writer numbers
its samples 1, 2, 3...; rclpy hands the number with each message (MessageInfo
`publication_sequence_number`). A message that overflowed the subscription's history while the
executor lagged, or that a best-effort link dropped, leaves a gap. What a publisher sent before the
recorder took its first message from it is not counted (it may predate the subscription)."""
from __future__ import annotations

from typing import Callable

MAX_STREAMS = 64  # publishers remembered per topic (a restarted publisher starts a new stream)


class PublicationGaps:
    """The gaps of one topic's publishers. rclpy gives no publisher id with a message, so streams are
    told apart by continuity: a number continues the stream it follows; otherwise, once there are as
    many streams as matched publishers, it continues the stream whose last number is closest below it
    (the gap is counted), else it starts a stream (a new or restarted publisher). Exact for one
    publisher; with several, exact unless their numbers run within a gap of each other."""

    __slots__ = ("lost", "_last")

    def __init__(self) -> None:
        self.lost = 0
        self._last: list[int] = []

    def observe(self, number: int | None, publishers: Callable[[], int]) -> int:
        """Account for a message numbered `number` (None or 0: the rmw does not number); returns the
        messages newly found lost before it."""
        last = self._last
        if len(last) == 1 and number == last[0] + 1:  # the common case: one publisher, nothing lost
            last[0] = number
            return 0
        if not number:
            return 0
        for i, value in enumerate(last):
            if number == value + 1:
                last[i] = number
                return 0
        below = [i for i, value in enumerate(last) if value < number]
        if not below or len(last) < publishers():
            if len(last) >= MAX_STREAMS:
                last.remove(min(last))
            last.append(number)
            return 0
        closest = max(below, key=last.__getitem__)
        gap = number - last[closest] - 1
        last[closest] = number
        self.lost += gap
        return gap
