"""The journal's questions while a campaign packs: when one fails, every recipient read
is still accounted for and the campaign stops on a JournalError; an answer's odd text
never stops the journal."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest

from smsmngr import AsyncClient, JournalError, Message, OutcomeStatus
from smsmngr.bulk import _journal
from smsmngr.testing import FakeSmsManager, Fault, FaultKind, FaultPlan

from ..support import API_KEY, NO_WAIT, numbers

pytestmark = pytest.mark.anyio


def failing_from(monkeypatch: pytest.MonkeyPatch, nth: int, method: str = "claim") -> None:
    """The journal's ``method`` (asking about numbers, by default) fails from its
    ``nth`` call on."""
    calls = 0
    original = getattr(_journal.Journal, method)

    def failing(self: _journal.Journal, *arguments: Any, **options: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls >= nth:
            raise JournalError("the journal failed on purpose")
        return original(self, *arguments, **options)

    monkeypatch.setattr(_journal.Journal, method, failing)


async def test_a_journal_failing_on_the_last_question_stops_the_campaign_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Five one-recipient messages wait for one question, asked when the input ends.
    failing_from(monkeypatch, 1)
    messages = [Message("Hi", to=[number]) for number in numbers(5)]
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        with pytest.raises(JournalError, match="on purpose") as stopped:
            await client.send_bulk(messages, journal=tmp_path / "j.db")
    result = stopped.value.result
    assert result is not None
    assert (result.total, result.failed, fake.ledger.accepted_count) == (5, 5, 0)


async def test_recipients_waiting_for_a_question_that_fails_are_reported_not_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The second question (messages 100 to 199) fails: those hundred were never
    # numbered, so never sent, and each is reported so; a rerun sends them.
    failing_from(monkeypatch, 2)
    messages = [Message("Hi", to=[number]) for number in numbers(250)]
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        with pytest.raises(JournalError) as stopped:
            await client.send_bulk(messages, journal=tmp_path / "j.db")
        result = stopped.value.result
        assert result is not None
        assert result.total == sum(result.counts.values()) == 200  # all read, accounted
        waited = [o for o in result.outcomes if 100 <= o.message_index < 200]
        assert len(waited) == 100
        assert all(o.status is OutcomeStatus.FAILED for o in waited)
        assert all("journal failed" in (o.error or "") for o in waited)
        monkeypatch.undo()
        rerun = await client.send_bulk(messages, journal=tmp_path / "j.db")
    assert rerun.stopped_by is None
    assert sorted(fake.ledger.sends_per_phone_number().values()) == [1] * 250


async def test_a_large_message_whose_question_fails_is_accounted_for_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its second thousand's question fails: that thousand and the rest of the message,
    # read already, are reported not sent (the invalid number rejected), none dropped.
    failing_from(monkeypatch, 2)
    to = [*numbers(2_499), "not a number"]
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        with pytest.raises(JournalError) as stopped:
            await client.send_bulk(Message("Hi", to=to), journal=tmp_path / "j.db")
    result = stopped.value.result
    assert result is not None
    assert result.total == sum(result.counts.values()) == 2_500
    assert sorted(o.recipient_index for o in result.outcomes) == list(range(2_500))
    assert result.rejected == 1
    assert result.failed + result.accepted == 2_499
    assert result.accepted == fake.ledger.accepted_count <= 1_000


async def test_a_journal_that_cannot_record_a_call_in_flight_stops_with_all_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The third call cannot be recorded as leaving: it never leaves, the campaign stops,
    # and the calls already in flight are still answered and reported, not cut off.
    failing_from(monkeypatch, 3, "sending")
    fake = FakeSmsManager(faults=FaultPlan(rates={Fault(FaultKind.SLOW, delay=0.05): 1.0}))
    async with fake.async_client() as client:
        with pytest.raises(JournalError, match="on purpose") as stopped:
            await client.send_bulk(
                Message("Hi", to=numbers(1_000)), journal=tmp_path / "j.db", concurrency=4
            )
    result = stopped.value.result
    assert result is not None
    assert result.total == sum(result.counts.values()) == 1_000
    assert result.accepted == fake.ledger.accepted_count == 200  # the first two calls
    assert result.failed == 800
    assert result.unknown == 0


async def test_a_message_whose_content_cannot_be_recorded_is_accounted_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing_from(monkeypatch, 2, "describe")
    messages = [Message("A", to=numbers(3)), Message("B", to=numbers(3, start=100))]
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        with pytest.raises(JournalError, match="on purpose") as stopped:
            await client.send_bulk(messages, journal=tmp_path / "j.db")
    result = stopped.value.result
    assert result is not None
    assert result.total == sum(result.counts.values()) == 6
    second = [o for o in result.outcomes if o.message_index == 1]
    assert [o.status for o in second] == [OutcomeStatus.FAILED] * 3
    assert fake.ledger.accepted_count == result.accepted


async def test_unknowns_a_stopped_rerun_did_not_send_again_stay_unknown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Run 1: the API processes every call and every answer is lost: 300 unknown.
    journal, message = tmp_path / "j.db", Message("Hi", to=numbers(300))
    lost = Fault(FaultKind.DROP_AFTER)
    fake = FakeSmsManager(faults=FaultPlan(calls={1: lost, 2: lost, 3: lost}))
    async with fake.async_client() as client:
        assert (await client.send_bulk(message, journal=journal, concurrency=1)).unknown == 300
        # Run 2 sends unknowns again, on purpose, and stops after its first call.
        with monkeypatch.context() as patch:
            failing_from(patch, 2, "sending")
            with pytest.raises(JournalError) as stopped:
                await client.send_bulk(message, journal=journal, resend_unknown=True)
        assert stopped.value.result is not None
        assert stopped.value.result.failed == 200  # not sent by run 2
        # Run 3, plain: the 200 run 2 did not send again may have been sent by run 1.
        third = await client.send_bulk(message, journal=journal)
    assert third.unknown == 200
    assert sorted(fake.ledger.sends_per_phone_number().values()) == [1] * 200 + [2] * 100


async def test_unknowns_a_resend_had_refused_are_kept_as_they_were(tmp_path: Path) -> None:
    # Run 1: every answer is lost: 300 unknown, each with its send time.
    journal, message = tmp_path / "j.db", Message("Hi", to=numbers(300))
    fake = FakeSmsManager(faults=FaultPlan(rates={"drop_after": 1.0}))

    def rows() -> list[tuple[Any, ...]]:
        with closing(sqlite3.connect(journal)) as db:
            return db.execute(
                "SELECT phone_number, status, message_id, request_id, error, sent_at, given, "
                "skew FROM recipients ORDER BY phone_number"
            ).fetchall()

    async with fake.async_client() as client:
        assert (await client.send_bulk(message, journal=journal)).unknown == 300
        unknown = rows()
        # Run 2 sends them again, on purpose; the API refuses every one: that proves
        # nothing about run 1, so the journal keeps them as run 1 left them (its send
        # time is the one to reconcile by).
        fake.faults = FaultPlan(rates={"not_accepted": 1.0})
        again = await client.send_bulk(
            message, journal=journal, resend_unknown=True, not_accepted_retries=0
        )
        assert again.rejected == 300
        assert rows() == unknown
        fake.faults = None
        third = await client.send_bulk(message, journal=journal)
    assert (third.calls, third.unknown) == (0, 300)
    assert set(fake.ledger.sends_per_phone_number().values()) == {1}


async def test_an_answer_whose_text_no_database_takes_is_journaled(tmp_path: Path) -> None:
    # A rejected message's reason with a lone surrogate (JSON may carry one) and a NUL:
    # the journal keeps it with those replaced, and the campaign ends as usual.
    def answer(request: httpx.Request) -> httpx.Response:
        content = b'{"request_id": "r1", "accepted": [], "rejected": [{"key": "0", ' \
                  b'"reason": "bad \\udc80 \\u0000 number"}]}'  # fmt: skip
        return httpx.Response(200, content=content, headers={"content-type": "application/json"})

    http_client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    async with AsyncClient(api_key=API_KEY, retry=NO_WAIT, http_client=http_client) as client:
        result = await client.send_bulk(
            Message("Hi", to=numbers(3)), journal=tmp_path / "j.db", not_accepted_retries=0
        )
    assert result.rejected == 3
    with closing(sqlite3.connect(tmp_path / "j.db")) as db:
        errors = {row[0] for row in db.execute("SELECT error FROM recipients")}
    assert errors
    assert all("listed in rejected: bad ? \ufffd number" in error for error in errors)
