"""Delivery reports folded into a journal: counted by what they matched, and one
report the journal cannot store refused alone, never the batch around it."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from smsmngr import Message
from smsmngr.bulk import funnel, record_delivery_reports
from smsmngr.testing import FakeSmsManager
from smsmngr.webhooks import InvalidEvent, parse, read_events, wsgi_receiver

NUMBERS = [f"4207000000{i:02d}" for i in range(10)]


def _campaign(tmp_path: Path) -> tuple[Path, list[dict[str, Any]]]:
    journal = tmp_path / "j.db"
    fake = FakeSmsManager()
    with fake.client() as client:
        client.send_bulk(Message("Hi", to=NUMBERS), journal=journal)
    return journal, fake.delivery_reports()


def test_reports_are_counted_by_whether_they_match_a_recipient(tmp_path: Path) -> None:
    journal, reports = _campaign(tmp_path)
    strangers = [dict(report, message_id=f"other-{i}") for i, report in enumerate(reports[:4])]
    recorded = record_delivery_reports(journal, parse(json.dumps(reports + strangers)))
    assert (recorded.events, recorded.reports, recorded.matched) == (34, 34, 30)
    assert recorded.changed == 34
    assert recorded.refused == ()
    again = record_delivery_reports(journal, parse(json.dumps(reports)))
    assert (again.matched, again.changed) == (30, 0)  # repeats change nothing


def test_a_report_with_a_lone_surrogate_is_refused_alone(tmp_path: Path) -> None:
    journal, reports = _campaign(tmp_path)
    poison = b'{"type": "outgoing", "message_id": "\\ud800", "result": "delivered"}'
    body = b"[" + json.dumps(reports[0]).encode() + b", " + poison + b"]"
    recorded = record_delivery_reports(journal, parse(body))
    assert (recorded.reports, recorded.matched, recorded.changed) == (2, 1, 1)
    (refused,) = recorded.refused
    assert "cannot store it" in refused.reason
    assert refused.raw["message_id"] == "\ud800"
    everything = record_delivery_reports(journal, parse(json.dumps(reports)))
    assert everything.matched == 30
    assert funnel(journal).delivered == 10


def test_unreadable_items_are_refused_as_they_came(tmp_path: Path) -> None:
    journal, reports = _campaign(tmp_path)
    recorded = record_delivery_reports(journal, parse(json.dumps([reports[0], "nope"])))
    assert recorded.events == 2
    assert [type(event) for event in recorded.refused] == [InvalidEvent]


def test_a_receiver_recording_reports_answers_200_for_a_poison_body(tmp_path: Path) -> None:
    journal, reports = _campaign(tmp_path)
    app = wsgi_receiver(lambda events: record_delivery_reports(journal, events))
    poison = b'{"type": "outgoing", "message_id": "\\ud800", "result": "delivered"}'
    body = b"[" + b", ".join([*(json.dumps(r).encode() for r in reports), poison]) + b"]"
    statuses: list[str] = []
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    app(environ, lambda status, headers: statuses.append(status))
    assert statuses == ["200 OK"]
    assert funnel(journal).delivered == 10


def test_reports_are_read_from_a_stream_without_holding_them(tmp_path: Path) -> None:
    journal, reports = _campaign(tmp_path)
    lines = "\n".join(json.dumps(report) for report in reports).encode()
    recorded = record_delivery_reports(journal, read_events(io.BytesIO(lines)))
    assert (recorded.reports, recorded.matched) == (30, 30)
