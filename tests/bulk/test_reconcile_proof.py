"""Reconcile never lies: a platform row proves a recipient only when it is that very
message, numbers are looked up as the platform stores them, scheduled messages wait
for their send time, and a journal knows the account it was written for (issue 22:
items 1, 2 and 9)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
import zoneinfo
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest

from smsmngr import AsyncClient, Message
from smsmngr.bulk import JournalError
from smsmngr.models import DeliveryWindow, Rcs, Sms, Viber, WhatsAppTemplate
from smsmngr.testing import FakeSmsManager, FaultKind, FaultPlan
from smsmngr.testing._ledger import SentRecipient

from ..support import REST_BASE_URL, daytime_clock

pytestmark = pytest.mark.anyio

NUMBER = "420777123456"
PRAGUE = zoneinfo.ZoneInfo("Europe/Prague")
SALE = Message("Summer sale", to=[NUMBER], sender="Shop")


def an_hour_later(fake: FakeSmsManager) -> None:
    """The platform's clock moves an hour on (its answers' Date tells the client)."""
    clock = fake.clock
    fake.clock = lambda: clock() + 3600


async def lose(
    fake: FakeSmsManager, client: AsyncClient, message: Message, journal: Path, kind: FaultKind
) -> None:
    """Send ``message`` through ``journal`` with its one call lost (``DROP_BEFORE``: the
    platform never saw it; ``DROP_AFTER``: it did), after a read that told the client
    the platform's clock."""
    await client.account.get_credit()
    fake.faults = FaultPlan(calls={len(fake.ledger.calls) + 1: kind})
    result = await client.send_bulk(message, journal=journal)
    assert result.unknown == len(message.to)
    fake.faults = None


def plant(fake: FakeSmsManager, number: str, message: dict[str, Any], at: float) -> None:
    """A message the platform lists for ``number``, processed at ``at`` (its clock),
    that this campaign did not send."""
    message_id = f"planted-{len(fake.ledger.sent)}"
    fake.ledger.sent.append(SentRecipient(number, message_id, "r", "/message", 0, message))
    fake.rest.accepted_at[message_id] = at


def bodies_sent_to(fake: FakeSmsManager, number: str) -> list[str]:
    return [s.message.get("body") for s in fake.ledger.sent if s.phone_number == number]


# 1: another message is not proof ----------------------------------------------------------


async def test_a_one_time_code_to_the_same_number_is_not_taken_for_a_lost_campaign_message(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "sale.db"
    fake = FakeSmsManager(clock=daytime_clock())
    async with fake.async_client() as client:
        await lose(fake, client, SALE, journal, FaultKind.DROP_BEFORE)
        # Later that day, a one-time code goes to the same number from the same sender.
        await client.send(Message("Your code is 123456", to=[NUMBER], sender="Shop"))
        an_hour_later(fake)
        reconciled = await client.reconcile(journal, grace=dt.timedelta(minutes=30))
        assert (reconciled.found, reconciled.send_again) == (0, 1)
        resumed = await client.send_bulk(SALE, journal=journal)
    assert resumed.accepted == 1
    assert bodies_sent_to(fake, NUMBER) == ["Your code is 123456", "Summer sale"]


NEAR_MISSES = {
    "another body": ({"body": "Summer sale!", "sender": "Shop"}, 0),
    "another sender": ({"body": "Summer sale", "sender": "Shop2"}, 0),
    "another channel": (
        {"flow": [{"viber": {"body": "Summer sale", "sender": "Shop"}}]},
        0,
    ),
    "two minutes before the call": ({"body": "Summer sale", "sender": "Shop"}, -120),
}


@pytest.mark.parametrize("row", NEAR_MISSES.values(), ids=NEAR_MISSES.keys())
async def test_a_row_that_almost_matches_proves_nothing(
    tmp_path: Path, row: tuple[dict[str, Any], float]
) -> None:
    message, shift = row
    journal = tmp_path / "sale.db"
    fake = FakeSmsManager(clock=daytime_clock())
    async with fake.async_client() as client:
        await lose(fake, client, SALE, journal, FaultKind.DROP_BEFORE)
        plant(fake, NUMBER, message, fake.clock() + shift)
        an_hour_later(fake)
        reconciled = await client.reconcile(journal, grace=dt.timedelta(0))
    assert (reconciled.found, reconciled.send_again) == (0, 1)


async def test_the_row_of_that_very_message_proves_it(tmp_path: Path) -> None:
    journal = tmp_path / "sale.db"
    fake = FakeSmsManager(clock=daytime_clock())
    async with fake.async_client() as client:
        await lose(fake, client, SALE, journal, FaultKind.DROP_BEFORE)
        for message, shift in NEAR_MISSES.values():
            plant(fake, NUMBER, message, fake.clock() + shift)
        plant(fake, NUMBER, {"body": "Summer sale", "sender": "Shop"}, fake.clock())
        an_hour_later(fake)
        reconciled = await client.reconcile(journal, grace=dt.timedelta(0))
        assert (reconciled.found, reconciled.send_again) == (1, 0)
        resumed = await client.send_bulk(SALE, journal=journal)
    assert resumed.outcomes[0].message_id == fake.ledger.sent[-1].message_id


async def test_each_flow_step_proves_by_its_own_channel_body_and_sender(tmp_path: Path) -> None:
    message = Message(
        "Summer sale",
        to=[NUMBER],
        sender="Shop",
        flow=[Viber(body="Sale on Viber", sender="ShopViber"), Sms()],
    )
    viber = {"viber": {"body": "Sale on Viber", "sender": "ShopViber"}}
    cases = [
        ({"flow": [viber]}, 1),
        ({"body": "Summer sale", "sender": "Shop"}, 1),  # the sms step: the message's own
        ({"flow": [{"viber": {"body": "Summer sale", "sender": "ShopViber"}}]}, 0),
        ({"flow": [{"viber": {"body": "Sale on Viber", "sender": "Shop"}}]}, 0),
    ]
    for index, (row, found) in enumerate(cases):
        journal = tmp_path / f"{index}.db"
        fake = FakeSmsManager(clock=daytime_clock())
        async with fake.async_client() as client:
            await lose(fake, client, message, journal, FaultKind.DROP_BEFORE)
            plant(fake, NUMBER, row, fake.clock())
            an_hour_later(fake)
            reconciled = await client.reconcile(journal, grace=dt.timedelta(0))
        assert (reconciled.found, reconciled.send_again) == (found, 1 - found), row


async def test_a_message_without_a_sender_matches_only_a_registered_sender(
    tmp_path: Path,
) -> None:
    message = Message("Summer sale", to=[NUMBER])
    # The fake's key has "SmsManager" registered for sms (GET /apikey/me).
    for index, (sender, found) in enumerate([("Other", 0), ("SmsManager", 1)]):
        journal = tmp_path / f"{index}.db"
        fake = FakeSmsManager(clock=daytime_clock())
        async with fake.async_client() as client:
            await lose(fake, client, message, journal, FaultKind.DROP_BEFORE)
            plant(fake, NUMBER, {"body": "Summer sale", "sender": sender}, fake.clock())
            an_hour_later(fake)
            reconciled = await client.reconcile(journal, grace=dt.timedelta(0))
        assert (reconciled.found, reconciled.send_again) == (found, 1 - found), sender


async def test_links_the_platform_shortens_match_as_wildcards(tmp_path: Path) -> None:
    message = Message(
        "Rate us at https://example.com/review today",
        to=[NUMBER],
        sender="Shop",
        params={"_url": {"type": "full", "get_enhance": "id"}},
    )
    rows = [
        ("Rate us at https://sm.io/Xy7?_=m-1 tomorrow", 0),
        ("Rate us at https://sm.io/Xy7?_=m-1 today", 1),
    ]
    for index, (body, found) in enumerate(rows):
        journal = tmp_path / f"{index}.db"
        fake = FakeSmsManager(clock=daytime_clock())
        async with fake.async_client() as client:
            await lose(fake, client, message, journal, FaultKind.DROP_BEFORE)
            plant(fake, NUMBER, {"body": body, "sender": "Shop"}, fake.clock())
            an_hour_later(fake)
            reconciled = await client.reconcile(journal, grace=dt.timedelta(0))
        assert (reconciled.found, reconciled.send_again) == (found, 1 - found), body


UNPROVABLE = {
    "template": (
        Message(to=[NUMBER], flow=[WhatsAppTemplate("sale", sender="Shop", language="cs")]),
        "template",
    ),
    "converted body": (
        Message(to=[NUMBER], flow=[Sms(body="Příliš žluťoučký kůň", sender="Shop", type="sms")]),
        "converts",
    ),
    "no sender the key lists for its channel": (
        Message(to=[NUMBER], flow=[Rcs(body="Summer sale")]),
        "lists none",
    ),
}


@pytest.mark.parametrize("case", UNPROVABLE.values(), ids=UNPROVABLE.keys())
async def test_a_message_whose_text_cannot_be_known_stays_unknown_with_the_reason(
    tmp_path: Path, case: tuple[Message, str]
) -> None:
    message, reason = case
    journal = tmp_path / "sale.db"
    fake = FakeSmsManager(clock=daytime_clock())
    async with fake.async_client() as client:
        await lose(fake, client, message, journal, FaultKind.DROP_AFTER)  # it was sent
        an_hour_later(fake)
        reconciled = await client.reconcile(journal, grace=dt.timedelta(0))
        assert (reconciled.found, reconciled.send_again, reconciled.unprovable) == (0, 0, 1)
        assert reason in next(iter(reconciled.reasons))
        resumed = await client.send_bulk(message, journal=journal)
    assert resumed.unknown == 1  # never accepted on a guess, never sent twice
    assert reason in (resumed.outcomes[0].error or "")
    assert len(fake.ledger.sent) == 1


async def test_the_call_is_dated_by_the_platforms_clock_not_the_local_one(tmp_path: Path) -> None:
    journal = tmp_path / "sale.db"
    fake = FakeSmsManager(clock=lambda: time.time() - 3600)  # this machine is an hour ahead
    async with fake.async_client() as client:
        await lose(fake, client, SALE, journal, FaultKind.DROP_AFTER)
        reconciled = await client.reconcile(journal, grace=dt.timedelta(0))
        assert reconciled.found == 1
        resumed = await client.send_bulk(SALE, journal=journal)
    assert resumed.accepted == 1
    assert len(fake.ledger.sent) == 1


def spy_on_days(client: AsyncClient) -> list[str]:
    """The days ``client`` asks ``GET /messages`` for."""
    days: list[str] = []
    listing = client._platform_rows

    def platform_rows(day: str, number: str, tag: str | None) -> AsyncIterator[Any]:
        days.append(str(day))
        return listing(day, number, tag)

    client._platform_rows = platform_rows  # type: ignore[method-assign]
    return days


def looked_up_on(days: list[str], sends: dt.date, called: dt.datetime) -> bool:
    """Whether ``days`` are the send day and the call's (with the minutes a call may
    spill past midnight), and no other."""
    call_days = {called.date(), (called + dt.timedelta(minutes=6)).date()}
    looked = {dt.date.fromisoformat(day) for day in days}
    return sends in looked and called.date() in looked and looked <= {sends} | call_days


async def test_a_scheduled_message_is_not_failed_before_its_send_time(tmp_path: Path) -> None:
    today = dt.datetime.now(dt.timezone.utc).date()
    tomorrow = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(12), dt.timezone.utc)
    message = Message("Summer sale", to=[NUMBER], sender="Shop", scheduled_at=tomorrow)
    journal = tmp_path / "sale.db"
    fake = FakeSmsManager(clock=daytime_clock())
    async with fake.async_client() as client:
        called = dt.datetime.now(PRAGUE)
        await lose(fake, client, message, journal, FaultKind.DROP_BEFORE)
        an_hour_later(fake)
        days = spy_on_days(client)
        reconciled = await client.reconcile(journal, grace=dt.timedelta(0))
        assert (reconciled.send_again, reconciled.pending) == (0, 1)
        resumed = await client.send_bulk(message, journal=journal)
    assert resumed.unknown == 1
    assert fake.ledger.sent == []  # not sent a second time for tomorrow
    # Its send day, and its call's (the reference does not say which lists it).
    assert looked_up_on(days, tomorrow.astimezone(PRAGUE).date(), called)


async def test_a_windowed_message_is_looked_up_on_the_day_its_window_opens(
    tmp_path: Path,
) -> None:
    opens = (dt.datetime.now(PRAGUE) + dt.timedelta(days=3)).date()
    window = DeliveryWindow(
        days=[opens.strftime("%A").lower()], start="09:00", end="10:00", tz="Europe/Prague"
    )
    message = Message("Summer sale", to=[NUMBER], sender="Shop", delivery_time=window)
    journal = tmp_path / "sale.db"
    fake = FakeSmsManager(clock=daytime_clock())
    async with fake.async_client() as client:
        called = dt.datetime.now(PRAGUE)
        await lose(fake, client, message, journal, FaultKind.DROP_BEFORE)
        an_hour_later(fake)
        days = spy_on_days(client)
        reconciled = await client.reconcile(journal, grace=dt.timedelta(0))
    assert (reconciled.send_again, reconciled.pending) == (0, 1)
    assert looked_up_on(days, opens, called)


async def test_a_processed_scheduled_message_is_found_on_the_day_of_its_call(
    tmp_path: Path,
) -> None:
    # The reference does not say under which day a scheduled message is listed: the
    # fake lists it under the day it was accepted, so both days are looked up.
    today = dt.datetime.now(dt.timezone.utc).date()
    when = dt.datetime.combine(today + dt.timedelta(days=2), dt.time(12), dt.timezone.utc)
    message = Message("Summer sale", to=[NUMBER], sender="Shop", scheduled_at=when)
    journal = tmp_path / "sale.db"
    fake = FakeSmsManager(clock=daytime_clock())
    async with fake.async_client() as client:
        await lose(fake, client, message, journal, FaultKind.DROP_AFTER)
        fake.clock = lambda: time.time() + 3 * 86400  # past its send time and the grace
        reconciled = await client.reconcile(journal, grace=dt.timedelta(minutes=30))
        assert (reconciled.found, reconciled.send_again) == (1, 0)
        resumed = await client.send_bulk(message, journal=journal)
    assert resumed.accepted == 1
    assert len(fake.ledger.sent) == 1


async def test_each_occurrence_is_proved_by_a_row_not_older_than_its_own_call(
    tmp_path: Path,
) -> None:
    # The same text to the same number twice, in calls ten minutes apart, both lost and
    # both processed; the listing (in no documented order) gives the newer row first.
    journal = tmp_path / "sale.db"
    fake = FakeSmsManager(clock=daytime_clock())
    async with fake.async_client() as client:
        await lose(fake, client, SALE, journal, FaultKind.DROP_BEFORE)
        await client.account.get_credit()
        fake.faults = FaultPlan(calls={len(fake.ledger.calls) + 1: FaultKind.DROP_BEFORE})
        assert (await client.send_bulk([SALE, SALE], journal=journal)).unknown == 2
        fake.faults = None
        with closing(sqlite3.connect(journal)) as db, db:
            db.execute("UPDATE recipients SET sent_at = sent_at - 600 WHERE occurrence = 0")
            calls = dict(db.execute("SELECT occurrence, sent_at FROM recipients"))
        fields = {"body": "Summer sale", "sender": "Shop"}
        plant(fake, NUMBER, fields, calls[1] + 1)
        plant(fake, NUMBER, fields, calls[0] + 1)
        an_hour_later(fake)
        reconciled = await client.reconcile(journal, grace=dt.timedelta(minutes=30))
    assert (reconciled.found, reconciled.send_again) == (2, 0)


@pytest.mark.parametrize(
    ("tag", "held"), [(None, True), ("summer", True), ("transactional,summer", False)]
)
async def test_a_promotional_sms_called_after_8_pm_is_not_failed_before_8_am(
    tmp_path: Path, tag: str | None, held: bool
) -> None:
    # Promotional SMS (no priority or transactional tag) to Czech numbers go out from
    # 08:00 to 20:00 (concepts/sending-queues): one called at 20:30 may go out at 08:00,
    # so not finding it at 21:05 proves nothing yet; a transactional one would have gone.
    evening = daytime_clock(20)
    fake = FakeSmsManager(clock=lambda: evening() + 30 * 60)
    message = Message("Summer sale", to=[NUMBER], sender="Shop", tag=tag)
    journal = tmp_path / "sale.db"
    async with fake.async_client() as client:
        await lose(fake, client, message, journal, FaultKind.DROP_BEFORE)
        fake.clock = lambda: evening() + 65 * 60
        reconciled = await client.reconcile(journal, grace=dt.timedelta(minutes=30))
    assert (reconciled.send_again, reconciled.pending) == ((0, 1) if held else (1, 0))


# 2: numbers as the platform stores them ---------------------------------------------------


async def test_a_national_number_is_found_under_the_accounts_calling_code(tmp_path: Path) -> None:
    message = Message("Summer sale", to=["0777 123 456"], sender="Shop")
    journal = tmp_path / "sale.db"
    fake = FakeSmsManager(clock=daytime_clock())  # a Czech account: it stores 420777123456
    async with fake.async_client(account_country="CZ") as client:
        await lose(fake, client, message, journal, FaultKind.DROP_AFTER)
        an_hour_later(fake)
        reconciled = await client.reconcile(journal, grace=dt.timedelta(0))
        assert (reconciled.found, reconciled.send_again) == (1, 0)
        resumed = await client.send_bulk(message, journal=journal)
    assert resumed.accepted == 1
    assert [s.phone_number for s in fake.ledger.sent] == [NUMBER]  # once


async def test_a_national_number_that_begins_with_the_calling_code_is_found(
    tmp_path: Path,
) -> None:
    # A Polish landline in Radom, area 48, written nationally: the platform stores it
    # with the calling code, 48483621234.
    message = Message("Summer sale", to=["48 362 12 34"], sender="Shop")
    journal = tmp_path / "sale.db"
    fake = FakeSmsManager(clock=daytime_clock(), account_country="PL")
    async with fake.async_client(account_country="PL") as client:
        await lose(fake, client, message, journal, FaultKind.DROP_AFTER)
        an_hour_later(fake)
        reconciled = await client.reconcile(journal, grace=dt.timedelta(minutes=30))
        assert (reconciled.found, reconciled.send_again) == (1, 0)
        await client.send_bulk(message, journal=journal)
    assert [s.phone_number for s in fake.ledger.sent] == ["48483621234"]  # once


async def test_without_account_country_a_national_number_stays_unknown_never_failed(
    tmp_path: Path,
) -> None:
    message = Message("Summer sale", to=["0777 123 456"], sender="Shop")
    journal = tmp_path / "sale.db"
    fake = FakeSmsManager(clock=daytime_clock())
    async with fake.async_client(account_country=None) as client:
        await lose(fake, client, message, journal, FaultKind.DROP_AFTER)
        an_hour_later(fake)
        reconciled = await client.reconcile(journal, grace=dt.timedelta(0))
        assert (reconciled.found, reconciled.send_again, reconciled.unprovable) == (0, 0, 1)
        assert "account_country" in next(iter(reconciled.reasons))
        resumed = await client.send_bulk(message, journal=journal)
    assert resumed.unknown == 1
    assert len(fake.ledger.sent) == 1


@pytest.mark.parametrize("written", ["tel:+420-777-123-456", "(+420) 777 123 456"])
async def test_a_number_written_with_its_prefix_needs_no_account_country(
    tmp_path: Path, written: str
) -> None:
    # Formatting and a tel: scheme aside, it was given with +: stored as it was sent, so
    # not finding it proves it was not sent.
    message = Message("Summer sale", to=[written], sender="Shop")
    journal = tmp_path / "sale.db"
    fake = FakeSmsManager(clock=daytime_clock())
    async with fake.async_client(account_country=None) as client:
        await lose(fake, client, message, journal, FaultKind.DROP_BEFORE)
        an_hour_later(fake)
        reconciled = await client.reconcile(journal, grace=dt.timedelta(0))
    assert (reconciled.found, reconciled.send_again, reconciled.unprovable) == (0, 1, 0)


async def test_the_journal_keeps_each_number_as_it_was_given(tmp_path: Path) -> None:
    journal = tmp_path / "sale.db"
    fake = FakeSmsManager(clock=daytime_clock())
    async with fake.async_client() as client:
        await client.send_bulk(
            Message("Summer sale", to=["0777 123 456", "+420 777 654 321"], sender="Shop"),
            journal=journal,
        )
    with closing(sqlite3.connect(journal)) as db:
        given = {row[0] for row in db.execute("SELECT given FROM recipients")}
    assert given == {"0777 123 456", "+420 777 654 321"}


async def test_messages_are_looked_up_on_the_accounts_day(tmp_path: Path) -> None:
    # On the platform's clock it is 23:10 UTC: already the next day in Prague.
    now = dt.datetime.now(dt.timezone.utc)
    late = now.replace(hour=23, minute=10, second=0, microsecond=0)
    late += dt.timedelta(days=1) if late < now else dt.timedelta(0)
    ahead = (late - now).total_seconds()
    journal = tmp_path / "sale.db"
    fake = FakeSmsManager(clock=lambda: time.time() + ahead)
    async with fake.async_client() as client:
        await lose(fake, client, SALE, journal, FaultKind.DROP_BEFORE)
        days = spy_on_days(client)
        await client.reconcile(journal, grace=dt.timedelta(0))
    assert set(days) == {late.astimezone(PRAGUE).date().isoformat()}  # in each number form


def test_the_fake_stores_a_national_number_with_its_accounts_calling_code() -> None:
    fake = FakeSmsManager(clock=daytime_clock())
    with fake.client(account_country=None) as client:
        client.send(Message("Hi", to=["0777 123 456"], sender="Shop"))
        today = dt.datetime.now(PRAGUE).date()
        rows = list(client.status.iter_messages(today, phone_number=NUMBER))
    assert fake.ledger.sent[0].phone_number == NUMBER
    assert [row.phone_number for row in rows] == [NUMBER]


def test_the_fake_tells_its_clock_in_the_date_of_every_answer() -> None:
    fake = FakeSmsManager(clock=lambda: 1_445_416_080.0)
    with httpx.Client(transport=fake.transport) as http:
        answer = http.get(f"{REST_BASE_URL}/credit")
    assert answer.headers["date"] == "Wed, 21 Oct 2015 08:28:00 GMT"


# 9: a journal knows its account -----------------------------------------------------------


async def test_a_journal_of_account_a_is_refused_with_account_bs_key(tmp_path: Path) -> None:
    journal = tmp_path / "sale.db"
    account_a = FakeSmsManager(api_key="key-of-a")
    async with account_a.async_client() as client:
        await lose(account_a, client, SALE, journal, FaultKind.DROP_AFTER)
    before = journal.read_bytes()
    assert b"key-of-a" not in before
    account_b = FakeSmsManager(api_key="key-of-b")
    async with account_b.async_client() as client:
        with pytest.raises(JournalError, match=r"another API key.*key_rotated=True"):
            await client.reconcile(journal, grace=dt.timedelta(0))
        with pytest.raises(JournalError, match="another API key"):
            await client.send_bulk(SALE, journal=journal)
    assert journal.read_bytes() == before
    assert account_b.ledger.calls == []


async def test_after_a_key_rotation_the_journal_goes_on_when_told(tmp_path: Path) -> None:
    journal = tmp_path / "sale.db"
    fake = FakeSmsManager(api_key="old-key")
    async with fake.async_client() as client:
        await lose(fake, client, SALE, journal, FaultKind.DROP_AFTER)
    fake.api_key = "new-key"
    async with fake.async_client() as client:
        with pytest.raises(JournalError, match="another API key"):
            await client.reconcile(journal, grace=dt.timedelta(0))
        reconciled = await client.reconcile(journal, grace=dt.timedelta(0), key_rotated=True)
        assert reconciled.found == 1
        resumed = await client.send_bulk(SALE, journal=journal)  # the new key is recorded
    assert resumed.accepted == 1
    assert len(fake.ledger.sent) == 1


async def test_a_journal_written_against_a_mock_is_refused_for_production(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "sale.db"
    mock = "http://127.0.0.1:8000"
    fake = FakeSmsManager(clock=daytime_clock())
    urls = {"base_url": f"{mock}/v2", "rest_base_url": f"{mock}/v1"}
    async with fake.async_client(**urls) as client:
        await client.send_bulk(SALE, journal=journal)
    calls = len(fake.ledger.calls)
    async with fake.async_client() as production:
        with pytest.raises(JournalError, match=r"base_url='http://127\.0\.0\.1:8000/v2'"):
            await production.send_bulk(SALE, journal=journal)
        with pytest.raises(JournalError, match="base_url"):
            await production.reconcile(journal)
    async with fake.async_client(base_url=f"{mock}/v2") as half:
        with pytest.raises(JournalError, match="rest_base_url"):
            await half.reconcile(journal)
    assert len(fake.ledger.calls) == calls


# 3: no account; 4: deliveries ranked by finality, not by stage.
@pytest.mark.parametrize("version", [3, 4])
def test_a_journal_of_a_previous_format_is_refused_with_what_to_do(
    tmp_path: Path, version: int
) -> None:
    journal = tmp_path / "old.db"
    with closing(sqlite3.connect(journal)) as db:
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("INSERT INTO meta VALUES ('format', ?)", (f"smsmngr-journal-{version}",))
        db.commit()
    fake = FakeSmsManager(clock=daytime_clock())
    expected = rf"journal-{version}.*that version"
    with fake.client() as client, pytest.raises(JournalError, match=expected):
        client.reconcile(journal)
