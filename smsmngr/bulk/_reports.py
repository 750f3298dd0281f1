"""Delivery reports in a campaign's journal: the latest report of each message id, kept
by the rule ``DeliveryTracker`` follows (``smsmngr._delivery.rank``), in SQL."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

import attrs

from .._delivery import FAILURE_RESULTS, UNTIMED, stage
from ._outcomes import OutcomeStatus

if TYPE_CHECKING:
    from ..webhooks import DeliveryReport, Event, InvalidEvent

__all__ = [
    "SCHEMA",
    "DeliveryCounts",
    "RecordedReports",
    "ReportTally",
    "delivery_counts",
    "record_reports",
]

DeliveryCounts = tuple[dict[str | None, int], list[tuple[int | None, str | None, int]]]
"""Accepted recipients by their latest report's result (``None``: none yet), and
``(code, description, recipients)`` of failed deliveries, most first."""

# The latest delivery report of each message id (a recipient's, once accepted), with
# the stage of its result.
SCHEMA = """CREATE TABLE IF NOT EXISTS deliveries (
    message_id TEXT PRIMARY KEY,
    result TEXT NOT NULL,
    code INTEGER,
    description TEXT,
    stage INTEGER NOT NULL,
    timestamp REAL
) WITHOUT ROWID"""
# A report replaces the one held only if it ranks higher: a later stage, or the same
# stage later. A repeat, or a tie, keeps the one held.
_RECORD = (
    "INSERT INTO deliveries VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT DO UPDATE SET result = excluded.result, code = excluded.code, "
    "description = excluded.description, stage = excluded.stage, "
    "timestamp = excluded.timestamp "
    "WHERE (excluded.stage, coalesce(excluded.timestamp, ?)) > (stage, coalesce(timestamp, ?))"
)

# Only placeholders are formatted into it.
_FAILURE_CODES = (
    "SELECT d.code, d.description, count(*) FROM recipients r "  # noqa: S608
    "JOIN deliveries d ON d.message_id = r.message_id WHERE r.status = ? "
    f"AND d.result IN ({', '.join('?' * len(FAILURE_RESULTS))}) "
    "GROUP BY d.code, d.description ORDER BY count(*) DESC LIMIT 10"
)


@attrs.frozen
class RecordedReports:
    """What ``record_delivery_reports`` did with the events it was given."""

    events: int
    """Events read, of every kind."""
    reports: int
    """Delivery reports among them."""
    matched: int
    """Reports whose message id is a recipient's of the journal; the others are kept
    too, for recipients a reconcile may give that id later."""
    changed: int
    """Reports that changed the latest status held for their message id."""
    refused: tuple[InvalidEvent, ...] = ()
    """Events not recorded, each with the reason: items that could not be read, and
    reports the journal cannot store. The others were recorded all the same."""


class ReportTally:
    """What a run of events held, counted as its delivery reports are taken out of it:
    every journal records reports by it."""

    def __init__(self) -> None:
        self.counts = Counter[str]()
        self.refused: list[InvalidEvent] = []

    def reports(self, events: Iterable[Event]) -> Iterator[DeliveryReport]:
        """The delivery reports among ``events``; unreadable events are refused as
        they came."""
        # Here: importing smsmngr need not load webhooks.
        from ..webhooks import DeliveryReport, InvalidEvent

        for event in events:
            self.counts["events"] += 1
            if isinstance(event, InvalidEvent):
                self.refused.append(event)
            elif isinstance(event, DeliveryReport):
                self.counts["reports"] += 1
                yield event

    def refuse(self, report: DeliveryReport, reason: str) -> None:
        from ..webhooks import InvalidEvent, to_json

        self.refused.append(InvalidEvent(to_json(report), reason))

    def result(self) -> RecordedReports:
        counts = self.counts
        return RecordedReports(
            counts["events"],
            counts["reports"],
            counts["matched"],
            counts["changed"],
            tuple(self.refused),
        )


def record_reports(
    db: sqlite3.Connection, events: Iterable[Event], holds: Callable[[str], bool]
) -> RecordedReports:
    """Fold the delivery reports among ``events`` in by message id, in one transaction;
    ``holds(message_id)`` tells whether a recipient has that id. A report the file
    cannot hold (text that is not Unicode, a code too large) is refused alone."""
    tally = ReportTally()
    with db:
        db.execute("BEGIN")
        for report in tally.reports(events):
            try:
                changed = _record(db, report)
            except (UnicodeEncodeError, OverflowError) as error:
                tally.refuse(report, f"the journal cannot store it: {type(error).__name__}")
                continue
            tally.counts["matched"] += holds(report.message_id)
            tally.counts["changed"] += changed
    return tally.result()


def _record(db: sqlite3.Connection, report: DeliveryReport) -> int:
    """1 if the report is now the one held for its message id, else 0."""
    info = report.result_info
    row = (
        report.message_id,
        report.result,
        info.code if info else None,
        info.description if info else None,
        stage(report.result),
        report.timestamp.timestamp() if report.timestamp else None,
    )
    return db.execute(_RECORD, (*row, UNTIMED, UNTIMED)).rowcount


def delivery_counts(db: sqlite3.Connection) -> DeliveryCounts:
    """The journal's delivery counts (``DeliveryCounts``)."""
    accepted = OutcomeStatus.ACCEPTED.value
    by_result = {
        result: count
        for result, count in db.execute(
            "SELECT d.result, count(*) FROM recipients r LEFT JOIN deliveries d "
            "ON d.message_id = r.message_id WHERE r.status = ? GROUP BY d.result",
            (accepted,),
        )
    }
    codes = db.execute(_FAILURE_CODES, (accepted, *sorted(FAILURE_RESULTS))).fetchall()
    return by_result, [tuple(row) for row in codes]
