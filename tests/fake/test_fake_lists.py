"""The fake's contact lists and inbox: the reference's semantics, the download URL
that expires and refuses the key, listed numbers rejected when the fake sends, and
the replies it generated kept in its inbox."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import httpx
import pytest

from smsmngr import AsyncClient, Client, ListEntry, ListNotFoundError, Message
from smsmngr.testing import FakeSmsManager, serve

pytestmark = pytest.mark.anyio

NOW = 1_785_400_000.0  # 2026-07-30 in Prague
DAY = dt.datetime.fromtimestamp(NOW, zoneinfo.ZoneInfo("Europe/Prague")).date()


def fake_at(now: list[float]) -> FakeSmsManager:
    return FakeSmsManager(clock=lambda: now[0])


async def test_numbers_added_are_listed_as_the_platform_stores_them() -> None:
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        assert await client.optout.list() == ()
        added = await client.optout.add(["420777123456", "776654321", "420777123456"])
        assert (added.accepted, added.invalid) == (2, ())
        listed = await client.optout.list()
        assert await client.optout.list(subid="shop") == ()  # each sub-account its own
        assert await client.blacklist.list() == ()  # and each list
    assert listed == (ListEntry("420777123456"), ListEntry("420776654321"))


async def test_removal_counts_what_went_and_what_is_left_and_wipes_all() -> None:
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        with pytest.raises(ListNotFoundError):
            await client.blacklist.remove(["420777123456"])
        await client.blacklist.add(["420777000001", "420777000002", "420777000003"])
        removed = await client.blacklist.remove(["420777000001", "420777999999"])
        assert (removed.removed, removed.remaining, removed.wiped) == (1, 2, False)
        assert (await client.blacklist.remove(all=True)).wiped
        assert await client.blacklist.list() == ()
        with pytest.raises(ListNotFoundError):
            await client.blacklist.remove(all=True)


async def test_the_fake_answers_the_documented_refusals() -> None:
    fake = FakeSmsManager()
    async with httpx.AsyncClient(transport=fake.transport, base_url="https://r/v1") as http:
        key = {"x-api-key": fake.api_key}
        missing = await http.post("/optout", json={}, headers=key)
        none_valid = await http.post("/optout", json={"to": "not-a-number"}, headers=key)
        neither = await http.request("DELETE", "/optout", json={}, headers=key)
        inbox = await http.get("/inbox", headers=key)
    assert (missing.status_code, missing.json()) == (
        400,
        {"success": False, "message": "Missing 'to'"},
    )
    assert none_valid.json() == {
        "success": False,
        "message": "No valid phone numbers",
        "invalid": ["not-a-number"],
    }
    assert neither.json() == {
        "success": False,
        "optout": {"message": "Provide 'to' or 'all: true'"},
    }
    assert inbox.status_code == 400


async def _download(fake: FakeSmsManager, **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=fake.transport) as http:
        got = await http.get("https://r/v1/optout", headers={"x-api-key": fake.api_key})
        return await http.get(got.json()["url"], headers=headers)


async def test_a_download_url_expires_after_60_seconds_of_the_fakes_clock() -> None:
    now = [NOW]
    fake = fake_at(now)
    async with fake.async_client() as client:
        await client.optout.add(["420777123456"])
    first = await _download(fake)
    assert (first.status_code, first.text) == (200, "phone_number\r\n420777123456\r\n")
    async with httpx.AsyncClient(transport=fake.transport) as http:
        got = await http.get("https://r/v1/optout", headers={"x-api-key": fake.api_key})
        now[0] += 61
        expired = await http.get(got.json()["url"])
    assert expired.status_code == 403
    assert "Request has expired" in expired.text


async def test_a_download_carrying_the_key_is_refused() -> None:
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        await client.optout.add(["420777123456"])
    leaked = await _download(fake, **{"x-api-key": fake.api_key})
    assert leaked.status_code == 403


def _sent_and_reported(fake: FakeSmsManager, *messages: Message) -> dict[str, Any]:
    with fake.client() as client:
        for message in messages:
            client.send(message)
    return {event["to"]["phone_number"]: event for event in fake.delivery_reports()}


def test_a_blocked_number_is_accepted_then_rejected_whatever_its_tag() -> None:
    fake = FakeSmsManager()
    with fake.client() as client:
        client.blacklist.add(["420777000001"])
    reports = _sent_and_reported(
        fake,
        Message("Hi", to=["420777000001"], tag="transactional"),
        Message("Hi", to=["420777000002"], tag="transactional"),
    )
    assert (reports["420777000001"]["result"], reports["420777000001"]["result_info"]) == (
        "rejected",
        "[304] Phone number is blacklisted or opted-out",
    )
    assert reports["420777000002"]["result"] == "delivered"


def test_an_opted_out_number_gets_no_promotional_message_but_a_transactional_one() -> None:
    fake = FakeSmsManager()
    with fake.client() as client:
        client.optout.add(["420777000001"])
    untagged = _sent_and_reported(fake, Message("Sale", to=["420777000001"]))
    transactional = _sent_and_reported(
        fake, Message("Your code", to=["420777000001"], tag="transactional")
    )
    assert untagged["420777000001"]["result"] == "rejected"
    assert transactional["420777000001"]["result"] == "delivered"
    with fake.client() as client:
        status = client.status.get_message_status(fake.ledger.sent[0].message_id)
    assert status is not None
    assert (status.is_sent, status.status_info) == (
        False,
        "[304] Phone number is blacklisted or opted-out",
    )


def test_the_inbox_holds_the_replies_and_messages_the_fake_received_by_day() -> None:
    now = [NOW]
    fake = fake_at(now)
    with fake.client() as client:
        client.send(Message("Sale", to=["420777000001"], payload={"campaign": "july"}))
        fake.reply(fake.ledger.sent[0], "STOP")
        now[0] += 86_400
        fake.inbound("420777000002", "420777654321", "Hello?")
        first_day = client.inbox.list(DAY)
        next_day = client.inbox.list(DAY + dt.timedelta(days=1))
    (reply,) = first_day
    assert (reply.sender, reply.recipient, reply.body, reply.gateway) == (
        "420777000001",
        "SmsManager",
        "STOP",
        "sms",
    )
    assert reply.payload == {"campaign": "july"}
    assert reply.ts_received == dt.datetime.fromtimestamp(NOW, dt.timezone.utc)
    assert [(m.sender, m.body, m.payload) for m in next_day] == [("420777000002", "Hello?", None)]


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_list_is_downloaded_from_the_fake_served_on_loopback() -> None:
    fake = FakeSmsManager()
    with serve(fake) as base_url:
        root = base_url.removesuffix("/v2")
        async with AsyncClient(api_key=fake.api_key, api_host=root) as client:
            await client.blacklist.add(["420777123456"])
            assert [e.phone_number for e in await client.blacklist.list()] == ["420777123456"]


def test_the_blocking_client_has_the_lists_and_the_inbox() -> None:
    fake = FakeSmsManager()
    with fake.client() as client:
        client.optout.add(["420777123456"])
        assert [e.phone_number for e in client.optout.list()] == ["420777123456"]
        assert client.optout.remove(all=True).wiped
        assert client.inbox.list(dt.date.today()) == ()
        assert repr(client.optout).startswith("<ContactList /optout base_url=")
        assert repr(client.inbox).startswith("<Inbox base_url=")
    assert isinstance(client, Client)
