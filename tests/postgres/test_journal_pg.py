"""The PostgreSQL journal against a real PostgreSQL (``conftest``): one campaign shared
by workers sends each recipient once, counts add up, a dead worker's in-flight
recipients are unknown, reports go in while it runs, and its schema is versioned."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import io
import json
import sqlite3
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import psycopg
import pytest

from smsmngr import (
    AsyncClient,
    BulkStoppedError,
    ConfigurationError,
    JournalError,
    Message,
    OutcomeStatus,
    ValidationError,
)
from smsmngr.bulk import BulkResult, funnel, record_delivery_reports
from smsmngr.bulk import _journal_pg_sql as sql
from smsmngr.bulk._journal_pg import PostgresJournal, redacted
from smsmngr.bulk._occurrences import Occurrences
from smsmngr.testing import FakeSmsManager, FaultKind, FaultPlan
from smsmngr.webhooks import asgi_receiver, parse, wsgi_receiver

from ..support import daytime_clock
from .cluster import Cluster, fresh_database

# Slow: each needs the throwaway cluster (seconds to start) and most take a second or
# more; `.ci/run` runs them on every Python.
pytestmark = [pytest.mark.anyio, pytest.mark.slow]

RECIPIENTS = 3_000
NUMBERS = [f"4207{i:08d}" for i in range(RECIPIENTS)]


def message(body: str = "Sale") -> Message:
    return Message(body, to=NUMBERS, tag="sale")


def adds_up(result: BulkResult) -> bool:
    return sum(result.counts.values()) == result.total == RECIPIENTS


async def test_a_campaign_sends_everyone_once_and_a_second_run_sends_nobody(
    postgres_url: str, campaign: str
) -> None:
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        first = await client.send_bulk(message(), journal=postgres_url, campaign=campaign)
        again = await client.send_bulk(message(), journal=postgres_url, campaign=campaign)
    assert first.accepted == RECIPIENTS
    assert first.elsewhere == 0
    assert OutcomeStatus.ELSEWHERE not in first.counts  # only a campaign that has some
    # The second run sends nothing: an earlier run settled every recipient.
    assert (again.calls, again.accepted, again.elsewhere) == (0, 0, RECIPIENTS)
    assert adds_up(again)
    assert max(fake.ledger.sends_per_phone_number().values()) == 1


async def test_a_run_given_more_sends_only_the_recipients_no_run_has(
    postgres_url: str, campaign: str
) -> None:
    # Input shaped otherwise than an earlier run's: groups and calls that mix recipients
    # settled before with new ones send just the new ones, in calls of their own.
    some = NUMBERS[:1_234]
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        first = await client.send_bulk(
            Message("Sale", to=some, tag="sale"), journal=postgres_url, campaign=campaign
        )
        rest = await client.send_bulk(message(), journal=postgres_url, campaign=campaign)
    assert first.accepted == len(some)
    assert (rest.accepted, rest.elsewhere) == (RECIPIENTS - len(some), len(some))
    sent = {o.phone_number for o in rest.outcomes if o.status is OutcomeStatus.ACCEPTED}
    assert sent == set(NUMBERS) - set(some)
    assert max(fake.ledger.sends_per_phone_number().values()) == 1


async def test_four_workers_on_one_campaign_send_each_recipient_once(
    postgres_url: str, campaign: str
) -> None:
    fake = FakeSmsManager(faults=FaultPlan(rates={"slow": 1.0}))  # calls overlap
    results: list[BulkResult] = []

    async def worker() -> None:
        async with fake.async_client() as client:
            results.append(
                await client.send_bulk(
                    message(), journal=postgres_url, campaign=campaign, concurrency=4
                )
            )

    async with anyio.create_task_group() as workers:
        for _ in range(4):
            workers.start_soon(worker)
    sends = fake.ledger.sends_per_phone_number()
    assert set(sends) == set(NUMBERS)  # 0 missing
    assert max(sends.values()) == 1  # 0 twice
    assert all(adds_up(result) for result in results)
    assert sum(result.accepted for result in results) == RECIPIENTS
    assert all(result.unknown == result.failed == 0 for result in results)
    shown = funnel(postgres_url, campaign=campaign)
    assert (shown.recipients, shown.accepted) == (RECIPIENTS, RECIPIENTS)


async def test_a_stopped_worker_never_settles_recipients_it_did_not_claim(
    postgres_url: str, campaign: str
) -> None:
    # A worker stopped by its own callback still packs the rest of the message; those
    # calls are never claimed, and must not overwrite the rows another run settled (as
    # `failed` they would be claimed and sent again).
    fake = FakeSmsManager()

    def stop(done: int, total: int | None) -> None:
        raise RuntimeError("enough")

    async with fake.async_client() as client:
        first = await client.send_bulk(message(), journal=postgres_url, campaign=campaign)
        with pytest.raises(BulkStoppedError) as stopped:
            await client.send_bulk(
                message(), journal=postgres_url, campaign=campaign, on_progress=stop
            )
        again = await client.send_bulk(message(), journal=postgres_url, campaign=campaign)
    assert first.accepted == RECIPIENTS
    assert stopped.value.result.accepted == 0
    assert (again.calls, again.elsewhere) == (0, RECIPIENTS)
    assert max(fake.ledger.sends_per_phone_number().values()) == 1


async def test_two_campaigns_with_the_same_input_are_independent(
    postgres_url: str, campaign: str
) -> None:
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        for name in (f"{campaign}-a", f"{campaign}-b"):
            result = await client.send_bulk(message(), journal=postgres_url, campaign=name)
            assert result.accepted == RECIPIENTS
    assert set(fake.ledger.sends_per_phone_number().values()) == {2}


async def test_the_campaign_name_goes_with_a_url_and_only_with_one(
    postgres_url: str, tmp_path: Any
) -> None:
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        for journal, name in ((postgres_url, None), (postgres_url, " "), (tmp_path / "j.db", "x")):
            with pytest.raises(ValidationError, match="campaign"):
                await client.send_bulk(message(), journal=journal, campaign=name)
        with pytest.raises(ValidationError, match="campaign"):
            await client.send_bulk(message(), campaign="x")
    assert fake.ledger.calls == []


async def test_a_schema_newer_than_the_sdk_is_refused(postgres_url: str) -> None:
    url = fresh_database(postgres_url)
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        await client.send_bulk(Message("Hi", to=NUMBERS[:5]), journal=url, campaign="c")
        with psycopg.connect(url, autocommit=True) as db:
            db.execute("UPDATE smsmngr_schema SET version = version + 1")
        with pytest.raises(JournalError, match="upgrade smsmngr"):
            await client.send_bulk(Message("Hi", to=NUMBERS[:5]), journal=url, campaign="c")
    assert len(fake.ledger.calls) == 1


async def test_lookups_use_the_whole_key_in_a_campaign_new_to_the_statistics(
    postgres_url: str, campaign: str
) -> None:
    # The statistics know one large campaign; the next one, unknown to them, looks to the
    # planner as if it held one row. Every lookup of a recipient must still use its key
    # or its message id: a scan by the campaign alone reads the whole campaign once per
    # recipient looked up, which took claims of 80 s once the campaign had grown.
    url = fresh_database(postgres_url)
    fake = FakeSmsManager(ledger="counts")
    async with fake.async_client() as client:
        await client.send_bulk(message(), journal=url, campaign="earlier")
    numbers = "{" + ",".join(NUMBERS) + "}"
    claim = {"campaign": campaign, "run": "r", "now": 0.0, "skew": None, "resend": True,
             "numbers": numbers, "contents": "{" + ",".join(["ab"] * len(NUMBERS)) + "}",
             "occurrences": "{" + ",".join(["0"] * len(NUMBERS)) + "}", "givens": numbers,
             "block": b"b"}  # fmt: skip
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("ANALYZE smsmngr_recipients")
        plans = {
            "phone_number": db.execute("EXPLAIN (FORMAT JSON) " + sql.CLAIM, claim),
            "message_id": db.execute(
                "EXPLAIN (FORMAT JSON) " + sql.MATCHED, ([f"m-{i}" for i in range(500)], campaign)
            ),
        }
        for column, explained in plans.items():
            (plan,) = explained.fetchone() or ()
            lookups = [s for s in _scans(plan[0]["Plan"]) if s["Node Type"] in _LOOKUPS]
            assert lookups
            for lookup in lookups:
                assert column in lookup.get("Index Cond", ""), lookup


_LOOKUPS = ("Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan")


def _scans(node: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan's nodes that read the recipients."""
    found = [node] if node.get("Relation Name") == "smsmngr_recipients" else []
    return found + [scan for child in node.get("Plans", []) for scan in _scans(child)]


def test_workers_taking_recipients_back_in_other_orders_never_deadlock(postgres_url: str) -> None:
    # Two workers claim the same two failed recipients again, given in opposite orders,
    # while a third session holds one of them. Each claim locks its rows in key order,
    # so when the holder lets go the second claim waits for the first one instead of
    # each holding the row the other waits for (PostgreSQL would abort one).
    url = fresh_database(postgres_url)
    first, second = "420700000001", "420700000002"
    with psycopg.connect(url, autocommit=True) as db:
        for statement in sql.SCHEMA:
            db.execute(statement)
        for number in (first, second):
            db.execute(
                "INSERT INTO smsmngr_recipients (campaign, phone_number, content, occurrence,"
                " status) VALUES ('c', %s, '\\xab', 0, 'failed')",
                (number,),
            )

    def claim(numbers: list[str], run: str) -> list[tuple[Any, ...]]:
        values = {"campaign": "c", "run": run, "now": 0.0, "skew": None, "resend": False,
                  "numbers": sql.texts(numbers), "contents": sql.texts(["ab"] * len(numbers)),
                  "occurrences": sql.numbers([0] * len(numbers)), "givens": sql.texts(numbers),
                  "block": run.encode()}  # fmt: skip
        with psycopg.connect(url, autocommit=True) as db:
            return db.execute(sql.CLAIM, values).fetchall()

    def waiting(db: psycopg.Connection[Any], count: int) -> None:
        for _ in range(500):
            row = db.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND datname = current_database()"
            ).fetchone()
            if row is not None and row[0] == count:
                return
            time.sleep(0.01)
        raise AssertionError(f"{count} claims never waited")

    with (
        psycopg.connect(url) as holder,
        psycopg.connect(url, autocommit=True) as watcher,
        concurrent.futures.ThreadPoolExecutor(2) as pool,
    ):
        holder.execute(
            "SELECT 1 FROM smsmngr_recipients WHERE phone_number = %s FOR UPDATE", (second,)
        )
        later = pool.submit(claim, [second, first], "later")
        waiting(watcher, 1)
        earlier = pool.submit(claim, [first, second], "earlier")
        waiting(watcher, 2)
        holder.commit()
        answers = {"later": later.result(timeout=30), "earlier": earlier.result(timeout=30)}
    # One claimed both (no row: nothing it did not claim); the other neither.
    assert sorted(len(rows) for rows in answers.values()) == [0, 2]


def test_columns_reach_the_database_as_they_were(postgres_url: str) -> None:
    # Claims and settlements send each column as one array literal: a number as given
    # or an error text with quotes, backslashes, separators or the word NULL comes back
    # to the letter, and None as NULL.
    texts = ['+420 "777"', "a\\b", "x,y", "{z}", "NULL", "", " spaced ", "line\nbreak"]
    numbers = [0, 7, 2.5, -1e-05]
    with psycopg.connect(postgres_url, autocommit=True) as db:
        for some_none in (False, True):  # quoted at once, or one by one around a NULL
            values = [*texts, None] if some_none else texts
            amounts = [*numbers, None] if some_none else numbers
            row = db.execute(
                "SELECT %s::text[], %s::double precision[]",
                (sql.texts(values), sql.numbers(amounts)),
            ).fetchone()
            assert row == (values, amounts)


async def test_an_answer_whose_text_no_database_takes_is_settled(
    postgres_url: str, campaign: str
) -> None:
    # A rejected message's reason with a lone surrogate and a NUL: settled with those
    # replaced, not a driver error escaping the campaign.
    def answer(request: httpx.Request) -> httpx.Response:
        content = b'{"request_id": "r1", "accepted": [], "rejected": [{"key": "0", ' \
                  b'"reason": "bad \\udc80 \\u0000 number"}]}'  # fmt: skip
        return httpx.Response(200, content=content, headers={"content-type": "application/json"})

    http_client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    async with AsyncClient(api_key="k", http_client=http_client) as client:
        result = await client.send_bulk(
            Message("Hi", to=NUMBERS[:3]), journal=postgres_url, campaign=campaign,
            not_accepted_retries=0,
        )  # fmt: skip
    assert result.rejected == 3
    with psycopg.connect(postgres_url) as db:
        rows = db.execute(
            "SELECT error FROM smsmngr_recipients WHERE campaign = %s", (campaign,)
        ).fetchall()
    assert len(rows) == 3
    assert all("bad ? \ufffd number" in error for (error,) in rows)


def test_a_password_never_names_the_database() -> None:
    url = "postgresql://app:s3cret@db.example:5432/sms"
    assert redacted(url) == "postgresql://app:***@db.example:5432/sms"


async def test_at_most_one_round_trip_per_call_on_average(
    postgres_url: str, campaign: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    trips = 0
    round_trip = PostgresJournal._round_trip

    def counted(self: PostgresJournal, *args: Any) -> Any:
        nonlocal trips
        trips += 1
        return round_trip(self, *args)

    monkeypatch.setattr(PostgresJournal, "_round_trip", counted)
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        result = await client.send_bulk(message(), journal=postgres_url, campaign=campaign)
    assert result.calls == RECIPIENTS // 100
    assert 0 < trips <= result.calls


async def test_a_dead_workers_in_flight_recipients_are_unknown_until_resent_on_request(
    postgres_url: str, campaign: str
) -> None:
    fake = FakeSmsManager(faults=FaultPlan(rates={"slow": 1.0}))
    async with fake.async_client() as client:
        done = 0

        def kill_the_session(sent: int, total: int | None) -> None:
            # The worker's session ends mid-campaign, as a killed worker's does.
            nonlocal done
            done = sent
            if sent >= 1_000:
                with psycopg.connect(postgres_url, autocommit=True) as db:
                    db.execute(
                        "SELECT pg_terminate_backend(k.pid) FROM smsmngr_runs k "
                        "WHERE k.campaign = %s",
                        (campaign,),
                    )

        with pytest.raises(JournalError, match="cannot be reached") as stopped:
            await client.send_bulk(
                message(), journal=postgres_url, campaign=campaign, on_progress=kill_the_session
            )
        assert stopped.value.result is not None
        assert stopped.value.result.total == RECIPIENTS
        fake.faults = None
        restarted = await client.send_bulk(message(), journal=postgres_url, campaign=campaign)
        assert adds_up(restarted)
        assert restarted.unknown > 0
        assert max(fake.ledger.sends_per_phone_number().values()) == 1  # 0 twice
        unknown = {o.phone_number for o in restarted.outcomes if o.status is OutcomeStatus.UNKNOWN}
        assert unknown.isdisjoint(o.phone_number for o in restarted.outcomes if o.message_id)
        resent = await client.send_bulk(
            message(), journal=postgres_url, campaign=campaign, resend_unknown=True
        )
    assert resent.accepted == len(unknown)
    assert set(fake.ledger.sends_per_phone_number()) == set(NUMBERS)
    twice = {n for n, count in fake.ledger.sends_per_phone_number().items() if count > 1}
    assert twice <= unknown  # sent again only because they were unknown, on request


async def test_unknowns_a_stopped_resend_did_not_send_again_stay_unknown(
    postgres_url: str, campaign: str
) -> None:
    # Run 1: the API processes every call and every answer is lost: 300 unknown.
    some = Message("Hi", to=NUMBERS[:300])
    fake = FakeSmsManager(faults=FaultPlan(rates={"drop_after": 1.0}))
    async with fake.async_client() as client:
        first = await client.send_bulk(some, journal=postgres_url, campaign=campaign)
        assert first.unknown == 300
        # Run 2 claims the unknowns to send them again, on purpose, and stops after its
        # first call: it did not send the other 200 again.
        fake.faults = None

        def stop(done: int, total: int | None) -> None:
            raise RuntimeError("enough")

        with pytest.raises(BulkStoppedError) as stopped:
            await client.send_bulk(
                some,
                journal=postgres_url,
                campaign=campaign,
                resend_unknown=True,
                concurrency=1,
                on_progress=stop,
            )
        assert stopped.value.result.failed == 200
        # Run 3, plain: run 1 may have sent those 200, so none is sent again.
        third = await client.send_bulk(some, journal=postgres_url, campaign=campaign)
    assert (third.calls, third.unknown) == (0, 200)
    assert sorted(fake.ledger.sends_per_phone_number().values()) == [1] * 200 + [2] * 100


async def test_unknowns_a_resend_had_refused_are_kept_as_they_were(
    postgres_url: str, campaign: str
) -> None:
    # Run 1: every answer is lost: 300 unknown, each with its send time.
    some = Message("Hi", to=NUMBERS[:300])
    fake = FakeSmsManager(faults=FaultPlan(rates={"drop_after": 1.0}))

    def rows() -> list[tuple[Any, ...]]:
        with psycopg.connect(postgres_url) as db:
            return db.execute(
                "SELECT phone_number, status, message_id, request_id, error, sent_at, given, "
                "skew FROM smsmngr_recipients WHERE campaign = %s ORDER BY phone_number",
                (campaign,),
            ).fetchall()

    async with fake.async_client() as client:
        first = await client.send_bulk(some, journal=postgres_url, campaign=campaign)
        assert first.unknown == 300
        unknown = rows()
        # Run 2 sends them again, on purpose; the API refuses every one: that proves
        # nothing about run 1, so the journal keeps them as run 1 left them (its send
        # time is the one to reconcile by).
        fake.faults = FaultPlan(rates={"not_accepted": 1.0})
        again = await client.send_bulk(
            some,
            journal=postgres_url,
            campaign=campaign,
            resend_unknown=True,
            not_accepted_retries=0,
        )
        assert again.rejected == 300
        assert rows() == unknown
        fake.faults = None
        third = await client.send_bulk(some, journal=postgres_url, campaign=campaign)
    assert (third.calls, third.unknown) == (0, 300)
    assert set(fake.ledger.sends_per_phone_number().values()) == {1}


async def test_a_failing_count_of_occurrences_stops_the_campaign_as_a_journal_error(
    postgres_url: str, campaign: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The worker counts occurrences in a temporary SQLite file: when that fails (a full
    # disk), the campaign stops on a JournalError naming it, not on an error blamed on
    # the input, and a rerun sends the rest.
    calls = 0
    number = Occurrences.number

    def full_disk(self: Occurrences, keys: Any) -> list[int]:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise sqlite3.OperationalError("database or disk is full")
        return number(self, keys)

    fake = FakeSmsManager()
    async with fake.async_client() as client:
        with monkeypatch.context() as patched:
            patched.setattr(Occurrences, "number", full_disk)
            with pytest.raises(JournalError, match=r"count of occurrences.*disk is full") as stop:
                await client.send_bulk(message(), journal=postgres_url, campaign=campaign)
        assert stop.value.result is not None
        assert 0 < stop.value.result.accepted < RECIPIENTS
        rest = await client.send_bulk(message(), journal=postgres_url, campaign=campaign)
    assert rest.accepted == RECIPIENTS - stop.value.result.accepted
    assert max(fake.ledger.sends_per_phone_number().values()) == 1


async def test_the_database_restarting_stops_the_campaign_and_a_rerun_finishes_it(
    postgres_cluster: Cluster | None, postgres_url: str, campaign: str
) -> None:
    if postgres_cluster is None:
        pytest.skip("restarts the server: only on the cluster the tests started")
    cluster = postgres_cluster
    fake = FakeSmsManager()

    def restart(sent: int, total: int | None) -> None:
        if sent == 1_000:
            cluster.restart()

    async with fake.async_client() as client:
        with pytest.raises(JournalError, match="cannot be reached"):
            await client.send_bulk(
                message(), journal=postgres_url, campaign=campaign, on_progress=restart
            )
        rerun = await client.send_bulk(message(), journal=postgres_url, campaign=campaign)
    assert adds_up(rerun)
    sends = fake.ledger.sends_per_phone_number()
    assert max(sends.values()) == 1  # nothing sent twice
    unknown = {o.phone_number for o in rerun.outcomes if o.status is OutcomeStatus.UNKNOWN}
    assert set(sends) | unknown == set(NUMBERS)


async def test_reports_recorded_while_the_campaign_runs_are_in_the_funnel(
    postgres_url: str, campaign: str
) -> None:
    fake = FakeSmsManager()
    recorded: list[int] = []

    def record_so_far(sent: int, total: int | None) -> None:
        # Another session writes reports while this campaign holds its journal.
        reports = json.dumps(fake.delivery_reports())  # those not yet given
        recorded.append(
            record_delivery_reports(postgres_url, parse(reports), campaign=campaign).matched
        )

    async with fake.async_client() as client:
        result = await client.send_bulk(
            message(),
            journal=postgres_url,
            campaign=campaign,
            on_progress=record_so_far,
            concurrency=1,
        )
    assert result.accepted == RECIPIENTS
    # Matched while it ran (settlements go in batches: a report may precede its
    # recipient's id, and is kept for it all the same).
    assert sum(recorded) > 0
    shown = funnel(postgres_url, campaign=campaign)
    assert shown.delivered > 0
    assert shown.accepted == RECIPIENTS


async def test_reconcile_works_on_a_shared_journal(postgres_url: str, campaign: str) -> None:
    fake = FakeSmsManager(faults=FaultPlan(calls={3: FaultKind.DROP_AFTER}))
    async with fake.async_client() as client:
        first = await client.send_bulk(
            message(), journal=postgres_url, campaign=campaign, concurrency=1
        )
        assert first.unknown == 100
        fake.clock = lambda: time.time() + 3600
        reconciled = await client.reconcile(postgres_url, campaign=campaign, grace=dt.timedelta(0))
        assert reconciled.found == 100
        resumed = await client.send_bulk(message(), journal=postgres_url, campaign=campaign)
    assert (resumed.calls, resumed.elsewhere) == (0, RECIPIENTS)
    assert max(fake.ledger.sends_per_phone_number().values()) == 1


async def test_reconcile_leaves_a_recipient_a_worker_settled_meanwhile(
    postgres_url: str, campaign: str
) -> None:
    # One recipient unknown (its request lost before the platform saw it). While
    # reconcile looks it up, a worker sends it again on purpose and it is accepted:
    # reconcile's "not found, send again" must not overwrite that.
    sale = Message("Summer sale", to=[NUMBERS[0]], sender="Shop")
    fake = FakeSmsManager(clock=daytime_clock())  # promotional SMS go out in the daytime
    async with fake.async_client() as client, fake.async_client() as worker:
        await client.account.get_credit()
        fake.faults = FaultPlan(calls={len(fake.ledger.calls) + 1: FaultKind.DROP_BEFORE})
        first = await client.send_bulk(sale, journal=postgres_url, campaign=campaign)
        fake.faults = None
        assert first.unknown == 1
        clock = fake.clock
        fake.clock = lambda: clock() + 3600
        listing = client._platform_rows
        raced: list[BulkResult] = []

        async def rows(day: str, number: str, tag: str | None) -> AsyncIterator[Any]:
            found = [row async for row in listing(day, number, tag)]  # nothing yet
            if not raced:
                raced.append(
                    await worker.send_bulk(
                        sale, journal=postgres_url, campaign=campaign, resend_unknown=True
                    )
                )
            for row in found:
                yield row

        client._platform_rows = rows  # type: ignore[method-assign]
        reconciled = await client.reconcile(postgres_url, campaign=campaign, grace=dt.timedelta(0))
        client._platform_rows = listing  # type: ignore[method-assign]
        rerun = await client.send_bulk(sale, journal=postgres_url, campaign=campaign)
    assert raced[0].accepted == 1
    assert (reconciled.send_again, reconciled.settled_meanwhile) == (0, 1)
    assert (rerun.calls, rerun.elsewhere) == (0, 1)
    assert len(fake.ledger.sent) == 1


async def test_a_receiver_replica_records_reports_into_the_running_campaign(
    postgres_url: str, campaign: str
) -> None:
    app = wsgi_receiver(journal=postgres_url, campaign=campaign)
    fake = FakeSmsManager()
    answers: list[str] = []

    def deliver(sent: int, total: int | None) -> None:
        body = json.dumps(fake.delivery_reports()).encode()
        environ = {"REQUEST_METHOD": "POST", "CONTENT_LENGTH": str(len(body))}
        environ["wsgi.input"] = io.BytesIO(body)
        app(environ, lambda status, headers: answers.append(status))

    async with fake.async_client() as client:
        await client.send_bulk(
            message(), journal=postgres_url, campaign=campaign, on_progress=deliver
        )
    assert set(answers) == {"200 OK"}
    assert funnel(postgres_url, campaign=campaign).delivered > 0


def test_a_receiver_with_a_url_needs_the_campaign(postgres_url: str) -> None:
    with pytest.raises(ConfigurationError, match="campaign"):
        wsgi_receiver(journal=postgres_url)
    with pytest.raises(ConfigurationError, match="campaign"):
        asgi_receiver(journal="sale.db", campaign="x")
