"""One rule folds delivery reports, in memory and in a journal: whatever order the same
reports come in, the tracker and the journal keep the same one."""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from smsmngr.bulk import record_delivery_reports
from smsmngr.bulk._journal import Journal
from smsmngr.webhooks import DeliveryReport, DeliveryTracker, ResultInfo

Reported = tuple[str, "int | None"]
"""A report as ``(result, second)``; ``None``: the report tells no time."""

SCENARIOS: dict[str, tuple[list[Reported], int]] = {
    # (reports, the one kept whatever their order)
    "a late sending or sent does not undo sent": (
        [("sending", 1), ("sent", 2), ("sending", 3), ("sent", None)],
        1,
    ),
    "a later delivered does not undo seen": (
        [("sent", 1), ("delivered", None), ("seen", None), ("delivered", 4)],
        2,
    ),
    "an untimed final result does not undo a timed one": (
        [("sent", 8), ("undelivered", None), ("delivered", 7), ("a-new-result", 9)],
        2,
    ),
    "a new result is past sent, and before any final one": (
        [("sending", 5), ("sent", 6), ("a-new-result", 1), ("failed", None), ("sent", 7)],
        3,
    ),
}


def _report(message_id: str, index: int, reported: Reported) -> DeliveryReport:
    result, second = reported
    when = None
    if second is not None:
        when = dt.datetime.fromtimestamp(1_700_000_000 + second, dt.timezone.utc)
    # The code tells which of the scenario's reports was kept.
    info = ResultInfo(index, None, f"[{index}]")
    return DeliveryReport(message_id, result, timestamp=when, result_info=info)


def _kept(report: DeliveryReport) -> tuple[str, int | None, float | None]:
    stamp = report.timestamp.timestamp() if report.timestamp is not None else None
    return report.result, report.result_info.code if report.result_info else None, stamp


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_tracker_and_the_journal_keep_the_same_report_in_every_order(
    tmp_path: Path, name: str
) -> None:
    reports, winner = SCENARIOS[name]
    # One message id for each order, all in one batch.
    events = [
        _report(f"m-{n}", index, reports[index])
        for n, order in enumerate(itertools.permutations(range(len(reports))))
        for index in order
    ]
    tracker = DeliveryTracker()
    changed = tracker.add_all(events)
    journal = tmp_path / "j.db"
    Journal(journal).close()
    recorded = record_delivery_reports(journal, events)
    with closing(sqlite3.connect(journal)) as db:
        rows = db.execute("SELECT message_id, result, code, timestamp FROM deliveries").fetchall()
    in_journal = {message_id: (result, code, stamp) for message_id, result, code, stamp in rows}
    in_tracker = {report.message_id: _kept(report) for report in tracker}
    expected = _kept(_report("m", winner, reports[winner]))
    assert in_journal == in_tracker
    assert set(in_tracker.values()) == {expected}
    assert recorded.changed == changed
