"""``smsmngr journal show|reports postgresql://... --campaign name``: a shared campaign's
summary and funnel, readable from anywhere, while or after its workers run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from smsmngr import Message
from smsmngr.cli._app import main
from smsmngr.testing import FakeSmsManager

pytestmark = pytest.mark.slow  # the throwaway cluster takes seconds to start


def test_journal_show_and_reports_take_a_url_and_a_campaign(
    postgres_url: str, campaign: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeSmsManager(final_results={"420700000001": "undelivered"})
    with fake.client() as client:
        numbers = [f"4207{i:08d}" for i in range(20)]
        client.send_bulk(Message("Hi", to=numbers), journal=postgres_url, campaign=campaign)
    reports = tmp_path / "reports.json"
    reports.write_text(json.dumps(fake.delivery_reports()))
    assert main(["journal", "reports", postgres_url, "--campaign", campaign, str(reports)]) == 0
    assert "60 of them for recipients" in capsys.readouterr().out
    assert main(["journal", "show", postgres_url, "--campaign", campaign]) == 0
    shown = capsys.readouterr().out
    assert "accepted" in shown
    assert "20" in shown
    assert "undelivered" in shown
    assert "elsewhere" not in shown


def test_journal_show_of_a_campaign_never_run_says_so(
    postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["journal", "show", postgres_url, "--campaign", "never-run"]) != 0
    assert "no such campaign" in capsys.readouterr().err
