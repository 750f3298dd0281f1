"""``smsmngr journal reports`` and ``smsmngr webhook parse``: files of any size and
layout, the library's one JSON form, and an exit code that says when nothing matched."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from smsmngr import Message
from smsmngr.testing import FakeSmsManager

from .test_cli import run

pytestmark = pytest.mark.slow


def _campaign(tmp_path: Path, recipients: int = 20) -> tuple[str, list[dict[str, Any]]]:
    journal = str(tmp_path / "j.db")
    fake = FakeSmsManager(final_results={"420700000001": "undelivered"})
    numbers = [f"4207{i:08d}" for i in range(recipients)]
    with fake.client() as client:
        client.send_bulk(Message("Hi", to=numbers), journal=journal)
    return journal, fake.delivery_reports()


def test_a_body_over_a_mebibyte_is_recorded(tmp_path: Path) -> None:
    journal, reports = _campaign(tmp_path)
    body = tmp_path / "body.json"
    body.write_text(json.dumps([dict(report, note="n" * 20_000) for report in reports]))
    assert body.stat().st_size > 1024 * 1024
    folded = run("journal", "reports", journal, str(body))
    assert folded.returncode == 0, folded.stderr
    assert "60 events read: 60 delivery reports, 60 of them for recipients" in folded.stdout


def test_ndjson_of_raw_webhook_items_is_recorded(tmp_path: Path) -> None:
    journal, reports = _campaign(tmp_path)
    lines = tmp_path / "reports.ndjson"
    lines.write_text("".join(json.dumps(report) + "\n" for report in reports))
    folded = run("journal", "reports", journal, str(lines))
    assert folded.returncode == 0, folded.stderr
    assert "60 of them for recipients" in folded.stdout
    shown = run("journal", "show", journal)
    assert "undelivered" in shown.stdout


def test_reports_for_no_recipient_of_the_journal_exit_non_zero(tmp_path: Path) -> None:
    journal, reports = _campaign(tmp_path)
    strangers = tmp_path / "strangers.json"
    strangers.write_text(json.dumps([dict(r, message_id=f"x-{i}") for i, r in enumerate(reports)]))
    folded = run("journal", "reports", journal, str(strangers))
    assert folded.returncode == 1
    assert "0 of them for recipients" in folded.stdout
    assert "none of the 60 delivery reports is for a recipient" in folded.stderr


def test_a_file_without_delivery_reports_exits_non_zero(tmp_path: Path) -> None:
    journal, _ = _campaign(tmp_path)
    replies = tmp_path / "replies.json"
    replies.write_text(json.dumps([{"type": "incoming", "sender": "420700000001"}]))
    folded = run("journal", "reports", journal, str(replies))
    assert folded.returncode == 1
    assert "no delivery report recognised" in folded.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"type": "outgoing"}\n{nope\n')
    refused = run("journal", "reports", journal, str(broken))
    assert refused.returncode == 1
    assert f"{broken}: line 2: not JSON" in refused.stderr


def test_what_webhook_parse_prints_is_read_back_whole(tmp_path: Path) -> None:
    journal, reports = _campaign(tmp_path)
    body = tmp_path / "body.json"
    body.write_text(json.dumps(reports))
    parsed = run("webhook", "parse", str(body))
    assert parsed.returncode == 0, parsed.stderr
    first = json.loads(parsed.stdout.splitlines()[0])
    assert first["event"] == "DeliveryReport"
    assert first["result_info"] is None or "raw" in first["result_info"]
    folded = run("journal", "reports", journal, "-", stdin=parsed.stdout)
    assert folded.returncode == 0, folded.stderr
    assert "60 events read: 60 delivery reports, 60 of them" in folded.stdout


def test_webhook_parse_prints_a_deeply_nested_payload(tmp_path: Path) -> None:
    deep = '{"a":' * 500 + "1" + "}" * 500
    body = tmp_path / "deep.json"
    body.write_text(
        f'[{{"type": "outgoing", "message_id": "m", "result": "sent", "payload": {deep}}}]'
    )
    parsed = run("webhook", "parse", str(body))
    assert parsed.returncode == 0, parsed.stderr
    assert "RecursionError" not in parsed.stderr
    assert json.loads(parsed.stdout)["message_id"] == "m"
