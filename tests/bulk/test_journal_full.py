"""A journal that cannot be written while an accepted answer is recorded: the campaign
stops, and its result still reports what the API accepted, message ids included."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx
import pytest

from smsmngr import Client, JournalError, Message
from smsmngr.bulk import _journal
from smsmngr.testing import FakeSmsManager

from ..support import API_KEY, NO_WAIT

NUMBERS = [f"4207{i:08d}" for i in range(250)]


class DiskFullOnAccepted(sqlite3.Connection):
    """A journal file on a disk that fills up as the first answer is recorded."""

    def executemany(self, sql: str, rows: Iterable[Any], /) -> sqlite3.Cursor:
        if sql.startswith("INSERT INTO recipients"):  # an outcome, not a call leaving
            raise sqlite3.OperationalError("database or disk is full")
        return super().executemany(sql, rows)


def _disk_full(path: str) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None, timeout=0, factory=DiskFullOnAccepted)


def test_an_accepted_answer_the_journal_cannot_record_is_still_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = tmp_path / "j.db"
    fake = FakeSmsManager()
    monkeypatch.setattr(_journal, "_connect", _disk_full)
    with fake.client() as client, pytest.raises(JournalError, match="full") as caught:
        client.send_bulk(Message("Hi", to=NUMBERS), journal=journal, concurrency=1)
    result = caught.value.result
    accepted = {(o.phone_number, o.message_id) for o in result.outcomes if o.status == "accepted"}
    assert accepted == {(sent.phone_number, sent.message_id) for sent in fake.ledger.sent}
    assert result.accepted == fake.ledger.accepted_count == 100  # the first call, then stop
    assert result.total == len(NUMBERS)  # the rest reported not sent
    assert "full" in (result.stopped_by or "")
    monkeypatch.undo()
    with fake.client() as client:
        resumed = client.send_bulk(Message("Hi", to=NUMBERS), journal=journal)
    assert resumed.unknown == 100  # the journal stayed safe: never sent twice
    assert max(fake.ledger.sends_per_phone_number().values()) == 1


def test_a_partly_accepted_answer_is_reported_whole_when_the_journal_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(200, json={  # accepts keys 0-4, lists 5-9 in rejected
            "request_id": "r1",
            "accepted": [{"key": str(k), "message_id": f"id-{k}"} for k in range(5)],
            "rejected": [{"key": str(k)} for k in range(5, 10)],
        })  # fmt: skip

    monkeypatch.setattr(_journal, "_connect", _disk_full)
    http_client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    with (
        Client(api_key=API_KEY, retry=NO_WAIT, http_client=http_client) as client,
        pytest.raises(JournalError) as caught,
    ):
        client.send_bulk(Message("Hi", to=NUMBERS[:100]), journal=tmp_path / "j.db")
    result = caught.value.result
    assert len(calls) == 1  # nothing sent again once the journal failed
    # Not accepted and not sent again: certainly not sent.
    assert (result.accepted, result.failed, result.total) == (50, 50, 100)
    assert [o.message_id for o in result.outcomes[:2]] == ["id-0-0", "id-0-1"]
