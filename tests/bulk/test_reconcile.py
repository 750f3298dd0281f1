"""Knowing what happened: unknown recipients reconciled through the REST API, then a
resume that sends each recipient exactly once, and the campaign's delivery funnel."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from smsmngr import Message
from smsmngr.bulk import funnel, record_delivery_reports
from smsmngr.testing import FakeSmsManager, FaultKind, FaultPlan
from smsmngr.webhooks import parse

from ..support import daytime_clock

pytestmark = pytest.mark.anyio

RECIPIENTS = 3_000
NUMBERS = [f"4207{i:08d}" for i in range(RECIPIENTS)]


def campaign() -> Message:
    return Message("Summer sale", to=NUMBERS, tag="summer")


def an_hour_later(fake: FakeSmsManager) -> None:
    """The platform's clock moves an hour on (its answers' Date tells the client)."""
    clock = fake.clock
    fake.clock = lambda: clock() + 3600


def lost_answers() -> FaultPlan:
    # Calls 3 and 7 are processed and their answers lost; 5's request is lost before.
    return FaultPlan(
        calls={3: FaultKind.DROP_AFTER, 5: FaultKind.DROP_BEFORE, 7: FaultKind.DROP_AFTER}
    )


@pytest.mark.slow
async def test_lost_answers_end_sent_exactly_once_after_reconcile_and_resume(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "summer.db"
    fake = FakeSmsManager(clock=daytime_clock(), faults=lost_answers())
    async with fake.async_client() as client:
        first = await client.send_bulk(campaign(), journal=journal, concurrency=1)
        assert first.unknown == 300  # three calls whose answers never came
        an_hour_later(fake)
        reconciled = await client.reconcile(journal, grace=dt.timedelta(0))
        # The two processed calls are found; the one lost before processing is not.
        assert (reconciled.found, reconciled.send_again, reconciled.pending) == (200, 100, 0)
        resumed = await client.send_bulk(campaign(), journal=journal)
    assert resumed.accepted == RECIPIENTS
    assert resumed.calls == 1  # only the 100 never processed went again
    assert max(fake.ledger.sends_per_phone_number().values()) == 1
    assert set(fake.ledger.sends_per_phone_number()) == set(NUMBERS)
    by_number = {s.phone_number: s.message_id for s in fake.ledger.sent}
    assert all(o.message_id == by_number[o.phone_number] for o in resumed.outcomes)


@pytest.mark.slow
async def test_within_the_grace_period_the_unfound_stay_unknown(tmp_path: Path) -> None:
    journal = tmp_path / "summer.db"
    fake = FakeSmsManager(clock=daytime_clock(), faults=FaultPlan(calls={2: FaultKind.DROP_BEFORE}))
    async with fake.async_client() as client:
        await client.send_bulk(campaign(), journal=journal)
        reconciled = await client.reconcile(journal, grace=dt.timedelta(hours=1))
        assert (reconciled.found, reconciled.send_again, reconciled.pending) == (0, 0, 100)
        resumed = await client.send_bulk(campaign(), journal=journal)
    assert resumed.unknown == 100  # not resent: maybe the listing lags
    assert len(fake.ledger.sent) == RECIPIENTS - 100


async def test_a_row_another_recipient_holds_is_not_taken_for_an_unknown_one(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "twice.db"
    # The same 100 numbers given the same text twice, on purpose: two calls. The first
    # is accepted; the second's request is lost before the platform saw it.
    message = Message("Summer sale", to=NUMBERS[:100], tag="summer")
    fake = FakeSmsManager(clock=daytime_clock(), faults=FaultPlan(calls={2: FaultKind.DROP_BEFORE}))
    async with fake.async_client() as client:
        result = await client.send_bulk([message, message], journal=journal, concurrency=1)
        assert (result.accepted, result.unknown) == (100, 100)
        an_hour_later(fake)
        reconciled = await client.reconcile(journal, grace=dt.timedelta(0))
        # The platform's rows for these numbers are the first call's, which the journal
        # holds already: they prove nothing about the second.
        assert (reconciled.found, reconciled.send_again) == (0, 100)
        resumed = await client.send_bulk([message, message], journal=journal)
    assert resumed.accepted == 200
    assert set(fake.ledger.sends_per_phone_number().values()) == {2}  # twice, as asked


def test_the_funnel_follows_delivery_reports(tmp_path: Path) -> None:
    journal = tmp_path / "funnel.db"
    undelivered = {number: "undelivered" for number in NUMBERS[:40]}
    fake = FakeSmsManager(final_results=undelivered, refused_numbers=NUMBERS[40:50])
    with fake.client() as client:
        client.send_bulk(Message("Summer sale", to=NUMBERS[:500], tag="summer"), journal=journal)
    before = funnel(journal)
    assert (before.accepted, before.sent, before.awaiting) == (500, 0, 500)
    reports = fake.delivery_reports()
    recorded = record_delivery_reports(journal, parse(reports))
    assert recorded.matched == recorded.reports == len(reports)
    after = funnel(journal)
    assert (after.recipients, after.accepted) == (500, 500)
    assert (after.delivered, after.undelivered, after.rejected, after.awaiting) == (450, 40, 10, 0)
    assert after.sent == 490
    codes = {code: count for code, _, count in after.top_failures}
    assert codes == {1: 40, 307: 10}  # guides/webhooks.mdx: [1] Undelivered
    # Reports again, or late ones, change nothing.
    assert record_delivery_reports(journal, parse(reports)).changed == 0
    assert funnel(journal) == after
