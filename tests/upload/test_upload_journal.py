"""upload_bulk with a journal: each bulk id is recorded with the file's digest and its
outcome, and one that was (or may have been) uploaded is not uploaded again through it
unless forced."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from smsmngr import DeliveryUncertainError, JournalError, Message, RefusedError
from smsmngr.testing import FakeSmsManager

from ..support import numbers

pytestmark = pytest.mark.anyio


def uploads(path: Path) -> list[tuple[str, str, int]]:
    with closing(sqlite3.connect(path)) as db:
        rows = db.execute("SELECT bulk_id, outcome, recipients FROM uploads").fetchall()
    return [(bulk_id, outcome, recipients) for bulk_id, outcome, recipients in rows]


async def test_an_uploaded_bulk_id_is_recorded_and_not_uploaded_again(tmp_path: Path) -> None:
    journal = tmp_path / "sale.db"
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        result = await client.upload_bulk(
            Message("Hi", to=numbers(5)), bulk_id="b", journal=journal
        )
        assert uploads(journal) == [("b", "uploaded", 5)]
        with pytest.raises(JournalError, match="force=True") as refused:
            await client.upload_bulk(Message("Hi", to=numbers(5)), bulk_id="b", journal=journal)
        assert "'b' was uploaded" in str(refused.value)
        assert result.sha256[:12] in str(refused.value)
        await client.upload_bulk(Message("Hi", to=numbers(1)), bulk_id="other", journal=journal)
    assert len(fake.ledger.sent) == 6


async def test_force_uploads_it_again(tmp_path: Path) -> None:
    journal = tmp_path / "sale.db"
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        for _ in range(2):
            await client.upload_bulk(
                Message("Hi", to=numbers(2)), bulk_id="b", journal=journal, force=True
            )
    assert len(fake.ledger.sent) == 4


async def test_an_uncertain_upload_is_refused_on_a_rerun(tmp_path: Path) -> None:
    journal = tmp_path / "sale.db"
    fake = FakeSmsManager()
    puts = 0

    def lost(request: httpx.Request) -> httpx.Response:
        nonlocal puts
        if request.method == "PUT":
            puts += 1
            fake.transport.handle_request(request)  # the storage took it...
            raise httpx.ReadError("connection reset")  # ...and its answer was lost
        return fake.transport.handle_request(request)

    async with fake.async_client(http_client=httpx.AsyncClient(transport=Sync(lost))) as client:
        with pytest.raises(DeliveryUncertainError):
            await client.upload_bulk(Message("Hi", to=numbers(3)), bulk_id="b", journal=journal)
        assert uploads(journal) == [("b", "uncertain", 3)]
        with pytest.raises(JournalError, match="may have been uploaded"):
            await client.upload_bulk(Message("Hi", to=numbers(3)), bulk_id="b", journal=journal)
    assert (puts, len(fake.ledger.sent)) == (1, 3)


async def test_a_failed_upload_may_be_run_again(tmp_path: Path) -> None:
    journal = tmp_path / "sale.db"
    fake = FakeSmsManager()
    refusing = True

    def refuse_first(request: httpx.Request) -> httpx.Response:
        if refusing and request.url.path.endswith("/messaging/url"):
            return httpx.Response(500, json={"message": "Failed to generate upload URL"})
        return fake.transport.handle_request(request)

    async with fake.async_client(
        http_client=httpx.AsyncClient(transport=Sync(refuse_first))
    ) as client:
        with pytest.raises(RefusedError):
            await client.upload_bulk(Message("Hi", to=numbers(3)), bulk_id="b", journal=journal)
        assert uploads(journal) == [("b", "failed", 3)]  # nothing went: nothing to guard
        refusing = False
        await client.upload_bulk(Message("Hi", to=numbers(3)), bulk_id="b", journal=journal)
    assert uploads(journal) == [("b", "uploaded", 3)]


async def test_a_refused_put_is_recorded_failed_and_may_be_run_again(tmp_path: Path) -> None:
    journal = tmp_path / "sale.db"
    fake = FakeSmsManager()
    refusing = True

    def refuse_put(request: httpx.Request) -> httpx.Response:
        if refusing and request.method == "PUT":
            return httpx.Response(403, text="<Code>SignatureDoesNotMatch</Code>")
        return fake.transport.handle_request(request)

    async with fake.async_client(http_client=httpx.AsyncClient(transport=Sync(refuse_put))) as c:
        with pytest.raises(Exception, match="403"):
            await c.upload_bulk(Message("Hi", to=numbers(3)), bulk_id="b", journal=journal)
        assert uploads(journal) == [("b", "failed", 3)]
        refusing = False
        await c.upload_bulk(Message("Hi", to=numbers(3)), bulk_id="b", journal=journal)
    assert len(fake.ledger.sent) == 3


async def test_a_journal_of_another_key_is_refused(tmp_path: Path) -> None:
    journal = tmp_path / "sale.db"
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        await client.upload_bulk(Message("Hi", to=numbers(1)), bulk_id="b", journal=journal)
    async with fake.async_client(api_key="another-key") as client:
        with pytest.raises(JournalError, match="another API key"):
            await client.upload_bulk(Message("Hi", to=numbers(1)), bulk_id="c", journal=journal)


class Sync(httpx.AsyncBaseTransport):
    """An async transport answering with a plain function (which may raise)."""

    def __init__(self, answer: object) -> None:
        self._answer = answer

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        return self._answer(request)  # type: ignore[operator, no-any-return]
