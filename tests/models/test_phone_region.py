"""default_region: national numbers read with libphonenumber (the phone extra)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from smsmngr import AsyncClient, ConfigurationError, JournalError, Message, ValidationError
from smsmngr.phone import normalizer_for_region
from smsmngr.testing import FakeSmsManager

from ..support import API_KEY

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("777 123 456", "420777123456"),  # national: the region's country code added
        ("+420 777 123 456", "420777123456"),
        ("00420 777 123 456", "420777123456"),  # the region's international prefix
        ("420777123456", "420777123456"),  # already international, no '+'
        ("+44 7911 123456", "447911123456"),
        ("447911123456", "447911123456"),  # not a Czech number: read as international
    ],
)
def test_numbers_are_read_as_a_phone_in_the_region_dials_them(given: str, sent: str) -> None:
    assert normalizer_for_region("cz")(given) == sent


@pytest.mark.parametrize("given", ["12", "0777 123 456", "777123", "+999 1234567"])
def test_numbers_valid_nowhere_are_refused(given: str) -> None:
    with pytest.raises(ValidationError, match="not a valid phone number in CZ") as caught:
        normalizer_for_region("CZ")(given, field="to[0]")
    assert caught.value.field == "to[0]"


@pytest.mark.parametrize(
    "given", ["777\u00a0123\u00a0456", "tel:+420-777-123-456", "777_123_456\r\n"]
)
def test_the_region_reads_numbers_cleaned_as_without_one(given: str) -> None:
    assert normalizer_for_region("CZ")(given) == "420777123456"


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ("777 123 456 ext 12", "letters ('ext')"),
        ("777 123 456;12", "';', a dial-string separator"),
        ("tel:+420777123456;ext=12", "tel: URI parameters (';ext=12')"),
    ],
)
def test_the_region_refuses_what_would_send_to_another_number(given: str, named: str) -> None:
    with pytest.raises(ValidationError, match="sending to another number") as caught:
        normalizer_for_region("CZ")(given, field="to[0]")
    assert named in caught.value.rule


def test_a_region_must_be_a_known_code() -> None:
    with pytest.raises(ValidationError, match="ISO 3166") as caught:
        AsyncClient(api_key=API_KEY, default_region="Czechia")
    assert caught.value.field == "default_region"


def test_without_the_extra_a_region_is_refused_with_how_to_get_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "phonenumbers", None)  # as if not installed
    with pytest.raises(ConfigurationError, match=r'the phone extra .*pip install "\.\[phone\]"'):
        AsyncClient(api_key=API_KEY, default_region="CZ")
    AsyncClient(api_key=API_KEY)  # without a region, nothing is needed


async def test_every_send_reads_numbers_in_the_region() -> None:
    fake = FakeSmsManager()
    async with fake.async_client(default_region="CZ") as client:
        await client.send(Message("Hi", to=["777 123 456"]))
        await client.send_batch([Message("Hi", to=["777 654 321"])])
        await client.send_simple("603 123 456", "Hi", sender="Shop")
        result = await client.send_bulk(Message("Hi", to=["777 111 222", "12"]))
        with pytest.raises(ValidationError, match=r"message\.to\[0\]"):
            await client.send(Message("Hi", to=["0777 123 456"]))
    assert [(sent.endpoint, sent.phone_number) for sent in fake.ledger.sent] == [
        ("/message", "420777123456"),
        ("/messages", "420777654321"),
        ("/simple/message", "420603123456"),
        ("/messages", "420777111222"),
    ]
    assert (result.accepted, result.rejected) == (1, 1)
    assert len(fake.ledger.calls) == 4  # the refused number was refused before sending


async def test_a_journal_resumes_only_with_the_region_it_was_written_with(tmp_path: Path) -> None:
    fake = FakeSmsManager()
    journal = tmp_path / "campaign.db"
    message = Message("Hi", to=["777 123 456"])
    async with fake.async_client(default_region="CZ") as client:
        await client.send_bulk(message, journal=journal)
    async with fake.async_client() as client:
        # Keyed as "777123456" now, the recipient sent as "420777123456" would go again.
        with pytest.raises(JournalError, match="default_region='CZ'"):
            await client.send_bulk(message, journal=journal)
    async with fake.async_client(default_region="cz") as client:
        again = await client.send_bulk(message, journal=journal)
    assert (again.accepted, again.calls) == (1, 0)
