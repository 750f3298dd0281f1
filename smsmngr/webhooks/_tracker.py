"""Folding delivery reports into the latest status per message, whatever their order."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .._delivery import rank
from ._events import DeliveryReport, Event

__all__ = ["DeliveryTracker"]


class DeliveryTracker:
    """The latest status of each message id, correct when events repeat or arrive out
    of order.

    >>> tracker = DeliveryTracker()
    >>> tracker.add_all([DeliveryReport("m-0", "delivered"), DeliveryReport("m-0", "sent")])
    1
    >>> tracker.latest("m-0").result
    'delivered'
    """

    def __init__(self) -> None:
        self._latest: dict[str, DeliveryReport] = {}

    def add(self, event: Event) -> bool:
        """Fold in one event; ``True`` when it moved its message to a later status."""
        if not isinstance(event, DeliveryReport):
            return False
        current = self._latest.get(event.message_id)
        if current is not None and _rank(event) <= _rank(current):
            return False
        self._latest[event.message_id] = event
        return True

    def add_all(self, events: Iterable[Event]) -> int:
        """Fold in a batch; returns how many events changed a status."""
        return sum(self.add(event) for event in events)

    def latest(self, message_id: str) -> DeliveryReport | None:
        return self._latest.get(message_id)

    def __len__(self) -> int:
        return len(self._latest)

    def __iter__(self) -> Iterator[DeliveryReport]:
        return iter(self._latest.values())


def _rank(report: DeliveryReport) -> tuple[int, float]:
    return rank(report.result, report.timestamp)
