"""``send_bulk(..., preflight=True)`` and ``iter_bulk``: a blocked key or an
unregistered sender stops the campaign before anything is sent, every problem named;
a scope that may not allow what the campaign needs is a warning."""

from __future__ import annotations

import warnings
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from contextlib import aclosing
from pathlib import Path

import pytest

from smsmngr import (
    BatchOutcome,
    KeyInfo,
    KeySender,
    Message,
    PreflightError,
    PreflightProblem,
    PreflightWarning,
    Sms,
    ValidationError,
    Viber,
    WhatsAppText,
)
from smsmngr.bulk import campaign_problems
from smsmngr.testing import FakeSmsManager

from ..support import numbers

pytestmark = pytest.mark.anyio

SENDERS = {"sms": ["Shop"], "viber": ["ShopViber"]}


async def drain(batches: AsyncGenerator[BatchOutcome, None]) -> None:
    async with aclosing(batches) as opened:
        async for _ in opened:
            pass


def sent_calls(fake: FakeSmsManager) -> int:
    return sum(n for path, n in fake.ledger.call_counts.items() if "messages" in path)


def test_the_pure_check_names_each_unregistered_sender_once_and_the_blocked_key() -> None:
    me = KeyInfo(blocked=True, senders=(KeySender("sms", "Shop"), KeySender("whatsapp", "4207")))
    messages = [
        Message("Hi", to=["1"], sender="Shop"),
        Message("Hi", to=["2"], sender="Other"),
        Message("Hi", to=["3"], sender="Other"),
        Message("Hi", to=["4"], flow=[WhatsAppText(sender="4207"), Sms(sender="Nope")]),
        Message("Hi", to=["5"]),  # names none: the platform's choice
    ]
    problems = campaign_problems(me, messages)
    assert [(p.kind, p.channel, p.sender) for p in problems] == [
        ("key_blocked", None, None),
        ("sender_not_registered", "sms", "Other"),
        ("sender_not_registered", "sms", "Nope"),
    ]
    assert campaign_problems(KeyInfo(senders=me.senders), messages[:1]) == []


async def test_a_blocked_key_stops_the_campaign_before_any_call() -> None:
    fake = FakeSmsManager(key_blocked=True)
    async with fake.async_client() as client:
        with pytest.raises(PreflightError) as caught:
            await client.send_bulk(Message("Hi", to=numbers(30)), preflight=True)
    assert caught.value.problems == (
        PreflightProblem("key_blocked", "the API key is blocked (GET /apikey/me)"),
    )
    assert caught.value.field == "preflight"
    assert caught.value.result is not None
    assert caught.value.result.total == 0
    assert sent_calls(fake) == 0


async def test_every_unregistered_sender_of_a_list_is_named_before_any_call() -> None:
    fake = FakeSmsManager(senders=SENDERS)
    messages = [
        Message("Hi", to=numbers(3), sender="Shop"),
        Message("Hi", to=numbers(3), sender="Unknown"),
        Message("Hi", to=numbers(3), sender="Shop", flow=[Viber(sender="NotViber")]),
    ]
    async with fake.async_client() as client:
        with pytest.raises(PreflightError) as caught:
            await client.send_bulk(messages, preflight=True)
    assert [(p.channel, p.sender) for p in caught.value.problems] == [
        ("sms", "Unknown"),
        ("viber", "NotViber"),
    ]
    assert "'Unknown' is not registered for sms" in str(caught.value)
    assert "'NotViber' is not registered for viber on this key (registered: ShopViber)" in str(
        caught.value
    )
    assert sent_calls(fake) == 0


async def test_registered_senders_send_and_without_preflight_nothing_is_read() -> None:
    fake = FakeSmsManager(senders=SENDERS, key_blocked=False)
    messages = [Message("Hi", to=numbers(3), sender="Shop", flow=[Viber(sender="ShopViber")])]
    async with fake.async_client() as client:
        checked = await client.send_bulk(messages, preflight=True)
        unchecked = await client.send_bulk(Message("Hi", to=numbers(2), sender="Other"))
    assert (checked.accepted, unchecked.accepted) == (3, 2)


async def test_an_iterator_is_checked_as_read_each_sender_before_its_first_call() -> None:
    fake = FakeSmsManager(senders=SENDERS)

    def messages() -> Iterator[Message]:
        yield Message("Hi", to=numbers(2), sender="Shop")
        yield Message("Hi", to=numbers(2, start=2), sender="Shop")
        yield Message("Hi", to=numbers(2, start=4), sender="Late")

    async with fake.async_client() as client:
        with pytest.raises(PreflightError) as caught:
            await client.send_bulk(messages(), preflight=True, concurrency=1)
    assert [p.sender for p in caught.value.problems] == ["Late"]
    result = caught.value.result
    assert result is not None
    assert all(s.message.get("body") == "Hi" for s in fake.ledger.sent)
    assert {s.phone_number for s in fake.ledger.sent} <= set(numbers(4))  # never "Late"'s
    assert result.accepted == len(fake.ledger.sent)


async def test_an_async_iterator_through_iter_bulk_is_checked_too() -> None:
    fake = FakeSmsManager(senders=SENDERS)

    async def messages() -> AsyncIterator[Message]:
        yield Message("Hi", to=numbers(2), sender="Nope")

    async with fake.async_client() as client:
        with pytest.raises(PreflightError, match="'Nope' is not registered"):
            await drain(client.iter_bulk(messages(), preflight=True))
    assert sent_calls(fake) == 0


async def test_the_api_scope_with_a_journal_warns_that_reconcile_may_be_refused(
    tmp_path: Path,
) -> None:
    fake = FakeSmsManager(key_scope="api")
    async with fake.async_client() as client:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # none without a journal
            await client.send_bulk(Message("Hi", to=numbers(1)), preflight=True)
        with pytest.warns(PreflightWarning, match="scope 'api' may only send messages"):
            result = await client.send_bulk(
                Message("Hi", to=numbers(1)), preflight=True, journal=tmp_path / "j.db"
            )
    assert result.accepted == 1  # a warning, not a stop


def test_the_blocking_client_checks_too() -> None:
    fake = FakeSmsManager(senders=SENDERS)
    with fake.client() as client, pytest.raises(PreflightError, match="'X' is not registered"):
        client.send_bulk(Message("Hi", to=numbers(2), sender="X"), preflight=True)
    assert sent_calls(fake) == 0


async def test_preflight_must_be_true_or_false() -> None:
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        with pytest.raises(ValidationError) as caught:
            await client.send_bulk(Message("Hi", to=numbers(1)), preflight="yes")  # type: ignore[arg-type]
    assert caught.value.field == "preflight"
    assert sent_calls(fake) == 0


async def test_an_upload_with_preflight_sends_nothing_for_an_unregistered_sender() -> None:
    fake = FakeSmsManager(senders=SENDERS)
    messages = [
        Message("Hi", to=numbers(3), sender="Shop"),
        Message("Hi", to=numbers(3), sender="Unknown"),
    ]
    async with fake.async_client() as client:
        with pytest.raises(PreflightError) as caught:
            await client.upload_bulk(messages, bulk_id="b", preflight=True)
        assert [(p.channel, p.sender) for p in caught.value.problems] == [("sms", "Unknown")]
        assert fake.ledger.sent == []
        uploaded = await client.upload_bulk(messages[:1], bulk_id="b", preflight=True)
    assert uploaded.recipients == 3
    assert len(fake.ledger.sent) == 3


async def test_an_upload_with_preflight_checks_each_message_of_an_iterator() -> None:
    fake = FakeSmsManager(senders=SENDERS)

    def messages() -> Iterator[Message]:
        yield Message("Hi", to=numbers(3), sender="Shop")
        yield Message("Hi", to=numbers(3), sender="Unknown")

    async with fake.async_client() as client:
        with pytest.raises(PreflightError):
            await client.upload_bulk(messages(), bulk_id="b", preflight=True)
    assert fake.ledger.sent == []
