"""send_bulk / iter_bulk against the fake API, proven against its ledger."""

from __future__ import annotations

import os
import signal
import sqlite3
import tracemalloc
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing, closing
from pathlib import Path

import anyio
import pytest

from smsmngr import (
    BulkResult,
    JournalError,
    Message,
    OutcomeStatus,
    RecipientOutcome,
    Sms,
    ValidationError,
)
from smsmngr.bulk import minimum_calls, plan
from smsmngr.testing import FakeSmsManager, Fault, FaultKind, FaultPlan

from ..support import numbers

pytestmark = pytest.mark.anyio


UNCERTAIN_FAULTS = (
    FaultKind.SERVER_ERROR,
    FaultKind.DROP_AFTER,
    FaultKind.DROP_BEFORE,
    FaultKind.UNAVAILABLE,
)


def one_recipient_messages(count: int) -> Iterator[Message]:
    return (Message("Sale!", to=[f"4207{i:08d}"]) for i in range(count))


def assert_accounted_for(result: BulkResult, fake: FakeSmsManager, total: int) -> None:
    """The promises, against what the fake really did."""
    assert result.total == total
    assert sum(result.counts.values()) == total
    keys = [(o.message_index, o.recipient_index) for o in result.outcomes]
    assert len(set(keys)) == total  # every recipient reported exactly once
    processed = fake.ledger.processed_phone_numbers()
    assert max(processed.values(), default=0) <= 1  # nobody processed twice
    sent = {s.phone_number: s for s in fake.ledger.sent}
    for outcome in result.outcomes:
        times = processed[outcome.phone_number]
        if outcome.status is OutcomeStatus.ACCEPTED:
            assert times == 1
            assert sent[outcome.phone_number].message_id == outcome.message_id
            assert sent[outcome.phone_number].request_id == outcome.request_id
        elif outcome.status in (OutcomeStatus.FAILED, OutcomeStatus.REJECTED):
            assert outcome.phone_number not in sent


def not_accepted_calls(fake: FakeSmsManager) -> int:
    faults = (FaultKind.NOT_ACCEPTED, FaultKind.LEFT_OUT)
    return sum(call.fault in faults for call in fake.ledger.calls)


@pytest.mark.slow
async def test_20000_recipients_with_15_percent_faults_are_all_accounted_for() -> None:
    fake = FakeSmsManager(faults=FaultPlan.mixed(0.15, seed=3))
    async with fake.async_client() as client:
        result = await client.send_bulk(Message("Sale!", to=numbers(20_000)), concurrency=8)
    assert_accounted_for(result, fake, 20_000)
    # Each answer that accepted nothing is followed by one call sending it again.
    assert not_accepted_calls(fake) > 0
    assert result.calls == minimum_calls([20_000]) + not_accepted_calls(fake)
    assert result.rejected == 0  # what was not accepted at first was accepted when sent again
    assert result.accepted > 0
    assert result.unknown > 0  # 500s and lost answers happened, and were not resent
    lost = {
        phone
        for call in fake.ledger.calls
        if call.fault
        in (
            FaultKind.SERVER_ERROR,
            FaultKind.DROP_AFTER,
            FaultKind.DROP_BEFORE,
            FaultKind.UNAVAILABLE,
        )
        for phone in call.phone_numbers
    }
    unknown = {o.phone_number for o in result.outcomes if o.status is OutcomeStatus.UNKNOWN}
    assert unknown == lost  # unknowns are exactly the calls whose outcome could not be known


@pytest.mark.slow
def test_the_blocking_client_runs_the_same_campaign() -> None:
    fake = FakeSmsManager(faults=FaultPlan.mixed(0.15, seed=4))
    with fake.client() as client:
        result = client.send_bulk(one_recipient_messages(20_000), concurrency=8)
    assert_accounted_for(result, fake, 20_000)
    # One-recipient messages with the same text merge; what was not accepted goes again.
    assert result.calls == 200 + not_accepted_calls(fake)
    assert result.rejected == 0


async def test_outcomes_come_back_in_input_order_with_ids_per_recipient() -> None:
    fake = FakeSmsManager()
    messages = [Message("A", to=numbers(15)), Message("B", to=numbers(3, start=100))]
    async with fake.async_client() as client:
        result = await client.send_bulk(messages)
    assert [(o.message_index, o.recipient_index) for o in result.outcomes] == [
        (0, i) for i in range(15)
    ] + [(1, i) for i in range(3)]
    assert [o.message_id for o in result.outcomes] == [s.message_id for s in fake.ledger.sent]
    assert result.request_ids == (fake.ledger.sent[0].request_id,)


async def test_a_bad_number_is_rejected_locally_and_the_rest_go() -> None:
    fake = FakeSmsManager(refused_numbers=[numbers(1, start=7)[0]])
    to = numbers(250)
    to[42] = "12345"
    async with fake.async_client() as client:
        result = await client.send_bulk(Message("Hi", to=to))
    assert result.counts == {
        # 1 invalid number rejected locally. The number without credit is accepted: the
        # platform judges credit after accepting, and says so by webhook (phase 2).
        OutcomeStatus.ACCEPTED: 249,
        OutcomeStatus.REJECTED: 1,
        OutcomeStatus.FAILED: 0,
        OutcomeStatus.UNKNOWN: 0,
    }
    local = [o for o in result.outcomes if o.request_id is None]
    assert [(o.recipient_index, o.status) for o in local] == [(42, OutcomeStatus.REJECTED)]
    assert "7 to 15 digits" in (local[0].error or "")
    assert fake.ledger.call_counts["/messages"] == 3


async def test_a_refused_message_is_isolated_by_halving_so_the_others_go() -> None:
    fake = FakeSmsManager()
    messages = [Message("Hi", to=numbers(10, start=10 * i)) for i in range(10)]
    # The fake (like the API) refuses an unknown gateway: the whole call gets a 400.
    messages[6] = Message("Hi", to=numbers(10, start=60), flow=[Sms(gateway="nonexistent")])
    async with fake.async_client() as client:
        result = await client.send_bulk(messages)
    assert result.rejected == 10
    assert result.accepted == 90
    assert {o.message_index for o in result.outcomes if o.status is OutcomeStatus.REJECTED} == {6}
    assert fake.ledger.call_counts["/messages"] <= 1 + 2 * 4  # halving, not one by one


async def test_a_wrong_key_stops_the_campaign_early() -> None:
    fake = FakeSmsManager(api_key="right")
    async with fake.async_client(api_key="wrong") as client:
        result = await client.send_bulk(Message("Hi", to=numbers(5_000)), concurrency=4)
    assert result.failed == 5_000
    assert result.stopped_by is not None
    assert "AuthenticationError" in result.stopped_by
    assert fake.ledger.call_counts["/messages"] <= 4  # not 50 failing calls


async def test_after_a_stop_every_message_read_is_accounted_for() -> None:
    # The input is read no further (it may be a queue): what was read is reported.
    fake = FakeSmsManager(api_key="right")
    read = []

    def messages() -> Iterator[Message]:
        for number in numbers(5_000):
            read.append(number)
            yield Message("Hi", to=[number])

    async with fake.async_client(api_key="wrong") as client:
        result = await client.send_bulk(messages(), concurrency=4)
    assert result.stopped_by is not None
    assert "AuthenticationError" in result.stopped_by
    assert result.failed == result.total == len(read) < 5_000
    assert sorted(o.phone_number for o in result.outcomes) == sorted(read)
    assert fake.ledger.call_counts["/messages"] <= 4


async def test_a_stop_ends_the_wait_for_an_idle_input() -> None:
    fake = FakeSmsManager(api_key="right")

    async def queue() -> AsyncIterator[Message]:
        for number in numbers(100):
            yield Message("Hi", to=[number])
        await anyio.sleep_forever()  # nothing more for now, as a queue may be
        yield Message("Never read", to=numbers(1, start=500))

    async with fake.async_client(api_key="wrong") as client:
        with anyio.fail_after(10):
            result = await client.send_bulk(queue(), concurrency=1)
    assert result.stopped_by is not None
    assert result.failed == result.total == 100


async def test_iter_bulk_streams_each_call_and_reports_progress() -> None:
    fake = FakeSmsManager()
    progress: list[tuple[int, int | None]] = []
    seen = 0
    async with (
        fake.async_client() as client,
        aclosing(
            client.iter_bulk(
                Message("Hi", to=numbers(1_000)), on_progress=lambda d, t: progress.append((d, t))
            )
        ) as batches,
    ):
        async for batch in batches:
            assert len(batch.outcomes) == 100
            assert batch.request_id is not None
            seen += len(batch.outcomes)
    assert seen == 1_000
    assert progress[-1] == (1_000, 1_000)
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)


def test_the_blocking_iter_bulk_yields_batches_and_can_stop_early() -> None:
    fake = FakeSmsManager()
    with fake.client() as client:
        batches = list(client.iter_bulk(Message("Hi", to=numbers(500))))
        assert sum(len(b.outcomes) for b in batches) == 500
        early = client.iter_bulk(one_recipient_messages(100_000), concurrency=2)
        next(early)
        early.close()  # stops the campaign: the input is not consumed further
    assert fake.ledger.accepted_count < 2_000


async def test_async_iterables_are_consumed_lazily() -> None:
    pulled = 0

    async def source() -> AsyncIterator[Message]:
        nonlocal pulled
        for number in numbers(50_000):
            pulled += 1
            yield Message("Hi", to=[number])

    fake = FakeSmsManager()
    async with (
        fake.async_client() as client,
        aclosing(source()) as messages,
        aclosing(client.iter_bulk(messages, concurrency=2)) as batches,
    ):
        async for _ in batches:
            break
    assert pulled < 2_000  # a few calls ahead of the consumer, not the whole input


@pytest.mark.slow
@pytest.mark.usefixtures("eager_gc")
async def test_memory_stays_flat_when_outcomes_are_not_collected() -> None:
    async def peak(count: int) -> int:
        fake = FakeSmsManager(ledger="counts")
        async with fake.async_client() as client:
            tracemalloc.start()
            result = await client.send_bulk(
                one_recipient_messages(count), collect_outcomes=False, concurrency=4
            )
            _, peak_bytes = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        assert result.accepted == count
        assert result.outcomes == ()
        return peak_bytes

    small, large = await peak(5_000), await peak(40_000)
    assert large < small * 1.5


async def test_an_item_that_is_not_a_message_stops_packing_with_a_clear_error() -> None:
    fake = FakeSmsManager()
    items: list[object] = [Message("Hi", to=numbers(10)), "not a message"]
    async with fake.async_client() as client:
        with pytest.raises(
            ValidationError, match=r"messages\[1\]: must be a Message, got str"
        ) as caught:
            await client.send_bulk(items)  # type: ignore[arg-type]
    assert fake.ledger.accepted_count == 10  # what was packed before it still went
    assert caught.value.result is not None
    assert caught.value.result.accepted == 10  # and it is reported


async def test_concurrency_must_be_positive() -> None:
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        with pytest.raises(ValidationError, match="concurrency"):
            await client.send_bulk(Message("Hi", to=numbers(1)), concurrency=0)


async def test_a_429_pauses_every_worker_once() -> None:
    fake = FakeSmsManager(
        faults=FaultPlan(calls={3: Fault(FaultKind.RATE_LIMIT, retry_after=0.05)})
    )
    async with fake.async_client() as client:
        result = await client.send_bulk(Message("Hi", to=numbers(2_000)), concurrency=8)
    assert result.accepted == 2_000
    assert Counter(c.fault for c in fake.ledger.calls)[FaultKind.RATE_LIMIT] == 1


async def test_cancelling_leaves_nothing_unaccounted_in_the_journal(tmp_path: Path) -> None:
    journal = tmp_path / "campaign.db"
    fake = FakeSmsManager(faults=FaultPlan(rates={Fault(FaultKind.SLOW, delay=0.02): 1.0}))
    async with fake.async_client() as client:
        # Cancel once 500 recipients are through: calls are then in flight, on any machine.
        with anyio.CancelScope() as scope:
            await client.send_bulk(
                Message("Hi", to=numbers(3_000)),
                journal=journal,
                concurrency=4,
                on_progress=lambda done, total: scope.cancel() if done >= 500 else None,
            )
        first_run = fake.ledger.accepted_count
        assert 0 < first_run < 3_000
        fake.faults = None
        result = await client.send_bulk(Message("Hi", to=numbers(3_000)), journal=journal)
    assert result.total == 3_000
    assert fake.ledger.sends_per_phone_number().most_common(1)[0][1] == 1  # nobody twice
    in_flight = {o.phone_number for o in result.outcomes if o.status is OutcomeStatus.UNKNOWN}
    sent = set(fake.ledger.sends_per_phone_number())
    assert sent | in_flight == set(numbers(3_000))  # all sent, but the ones cut off mid-call


def _outcome_statuses(result: BulkResult) -> Counter[OutcomeStatus]:
    return Counter(o.status for o in result.outcomes)


async def test_resuming_sends_only_what_never_went_and_keeps_unknowns(tmp_path: Path) -> None:
    journal = tmp_path / "resume.db"
    plan = FaultPlan(
        calls={2: FaultKind.DROP_AFTER, 4: FaultKind.UNAVAILABLE},
        rates={Fault(FaultKind.CONNECT_ERROR): 0.0},
    )
    fake = FakeSmsManager(faults=plan)
    message = Message("Hi", to=numbers(1_000))
    async with fake.async_client() as client:
        first = await client.send_bulk(message, journal=journal, concurrency=1)
        assert first.unknown == 200  # calls 2 and 4: processed, their answers lost or 503
        fake.faults = None
        second = await client.send_bulk(message, journal=journal, concurrency=1)
        assert _outcome_statuses(second) == {
            OutcomeStatus.ACCEPTED: 800,
            OutcomeStatus.UNKNOWN: 200,
        }
        assert fake.ledger.call_counts["/messages"] == 10  # nothing sent again
        third = await client.send_bulk(message, journal=journal, resend_unknown=True)
    assert third.accepted == 1_000
    # Both calls' recipients were processed then, and resent only on request.
    assert fake.ledger.sends_per_phone_number().most_common(1)[0][1] == 2
    assert sum(fake.ledger.sends_per_phone_number().values()) == 1_200


async def test_a_journal_sends_other_input_and_never_the_same_twice(tmp_path: Path) -> None:
    journal = tmp_path / "ledger.db"
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        await client.send_bulk(Message("Hi", to=numbers(10)), journal=journal)
        again = await client.send_bulk(Message("Hi", to=numbers(20)), journal=journal)
    assert again.accepted == 20
    assert fake.ledger.accepted_count == 20  # the first 10 were not sent again
    assert max(fake.ledger.sends_per_phone_number().values()) == 1


def test_a_file_that_is_not_a_journal_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("my notes, not a database\n" * 100)
    fake = FakeSmsManager()
    with fake.client() as client, pytest.raises(JournalError):
        client.send_bulk(Message("Hi", to=numbers(10)), journal=path)
    assert path.read_text() == "my notes, not a database\n" * 100
    assert fake.ledger.call_counts["/messages"] == 0


def test_outcomes_are_value_objects() -> None:
    outcome = RecipientOutcome("1", 0, 0, OutcomeStatus.ACCEPTED, "m-0", "r")
    assert outcome == RecipientOutcome("1", 0, 0, "accepted", "m-0", "r")  # type: ignore[arg-type]


@pytest.mark.skipif(not hasattr(signal, "SIGALRM"), reason="needs SIGALRM")
def test_ctrl_c_in_the_blocking_client_settles_calls_in_flight(tmp_path: Path) -> None:
    journal = tmp_path / "interrupted.db"
    fake = FakeSmsManager(faults=FaultPlan(rates={Fault(FaultKind.SLOW, delay=0.05): 1.0}))

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    def press_ctrl_c_once(done: int, total: int | None) -> None:
        # From the loop thread, after the first batch: calls are in flight right now.
        if done == 100:
            os.kill(os.getpid(), signal.SIGALRM)

    previous = signal.signal(signal.SIGALRM, interrupt)
    client = fake.client()
    try:
        with pytest.raises(KeyboardInterrupt):
            client.send_bulk(
                Message("Hi", to=numbers(5_000)),
                journal=journal,
                concurrency=4,
                on_progress=press_ctrl_c_once,
            )
        # Read at once, as a program exiting on Ctrl-C would leave it: not after close().
        with closing(sqlite3.connect(journal)) as db:
            rows = dict(db.execute("SELECT phone_number, status FROM recipients").fetchall())
    finally:
        signal.signal(signal.SIGALRM, previous)
        client.close()
    assert "sending" not in rows.values()  # every call in flight was settled before returning
    assert 0 < list(rows.values()).count("unknown") <= 4 * 100
    sent = {s.phone_number for s in fake.ledger.sent}
    assert sent <= {phone for phone, status in rows.items() if status in ("accepted", "unknown")}


def test_a_damaged_journal_is_refused_before_any_call_and_left_untouched(tmp_path: Path) -> None:
    journal = tmp_path / "damaged.db"
    fake = FakeSmsManager()
    message = Message("Hi", to=numbers(3_000))
    with fake.client() as client:
        client.send_bulk(message, journal=journal)
    damaged = bytearray(journal.read_bytes())
    middle = len(damaged) // 2
    damaged[middle : middle + 4096] = b"\xff" * 4096
    journal.write_bytes(bytes(damaged))
    calls_before = fake.ledger.call_counts["/messages"]
    with fake.client() as client, pytest.raises(JournalError, match=r"damaged|cannot be used"):
        client.send_bulk(message, journal=journal)
    assert journal.read_bytes() == bytes(damaged)
    assert fake.ledger.call_counts["/messages"] == calls_before


def test_a_journal_that_fails_mid_campaign_stops_it_with_a_journal_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from smsmngr.bulk._journal import Journal

    settled = 0
    original = Journal.settle

    def settle_then_lose_the_database(self: Journal, outcomes: object) -> None:
        nonlocal settled
        settled += 1
        if settled == 3:
            self._db.close()  # the real settle now meets a database error
        original(self, outcomes)  # type: ignore[arg-type]

    monkeypatch.setattr(Journal, "settle", settle_then_lose_the_database)
    fake = FakeSmsManager()
    with fake.client() as client, pytest.raises(JournalError, match="cannot be used"):
        client.send_bulk(Message("Hi", to=numbers(5_000)), journal=tmp_path / "j.db", concurrency=2)
    assert fake.ledger.accepted_count < 5_000  # it stopped instead of sending on unrecorded


async def test_a_plan_says_what_the_campaign_then_does() -> None:
    messages = [Message("Sale: 20% off", to=numbers(230)), Message("Příliš", to=numbers(7))]
    messages[0] = Message("Sale: 20% off", to=[*messages[0].to[:-1], "12"])
    planned = plan(messages)
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        result = await client.send_bulk(messages)
    assert (planned.calls, planned.recipients, planned.rejected) == (
        result.calls,
        result.total,
        result.rejected,
    )
    assert [(t.text, t.recipients, t.segments.encoding) for t in planned.texts] == [
        ("Sale: 20% off", 229, "GSM-7"),
        ("Příliš", 7, "UCS-2"),
    ]
    assert planned.parts == 229 + 7
