"""The fake's bulk upload: URLs on a storage host of their own that refuses the API key
and expires after 60 seconds of the fake's clock, uploaded files processed into the
ledger like /messages calls, scheduled ones at their time, cancelled ones never."""

from __future__ import annotations

import datetime as dt
import gzip
import json

import httpx
import pytest

from smsmngr import Message, RefusedError
from smsmngr.testing import FakeSmsManager, serve

from ..support import numbers

pytestmark = pytest.mark.anyio

START = 1_785_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


def later(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(START + seconds, dt.timezone.utc)


async def test_an_uploaded_file_goes_into_the_ledger_like_messages_calls() -> None:
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        result = await client.upload_bulk(Message("Sale", to=numbers(25)), bulk_id="b")
    assert result.recipients == 25
    assert sorted(s.phone_number for s in fake.ledger.sent) == numbers(25)
    assert {s.endpoint for s in fake.ledger.sent} == {"/messaging/url"}
    assert fake.ledger.sent[0].message["body"] == "Sale"
    assert fake.ledger.processed_call_counts["/messaging/url"] == 1


async def test_delivery_reports_follow_as_for_any_message() -> None:
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        await client.upload_bulk(Message("Sale", to=numbers(2)), bulk_id="b", compress=False)
    reports = fake.delivery_reports()
    assert [e["result"] for e in reports].count("delivered") == 2


async def test_a_scheduled_upload_waits_for_its_time_on_the_fakes_clock() -> None:
    clock = Clock()
    fake = FakeSmsManager(clock=clock)
    async with fake.async_client() as client:
        await client.upload_bulk(Message("Later", to=numbers(3)), bulk_id="b", at=later(3600))
        clock.now += 3599
        fake.process_scheduled()
        assert fake.ledger.sent == []
        clock.now += 1
        await client.account.get_credit()  # any request lets the fake's time pass
    assert len(fake.ledger.sent) == 3


async def test_a_cancelled_upload_never_goes() -> None:
    clock = Clock()
    fake = FakeSmsManager(clock=clock)
    async with fake.async_client() as client:
        await client.upload_bulk(Message("Later", to=numbers(3)), bulk_id="b", at=later(600))
        cancelled = await client.cancel_scheduled(bulk_id="b")
        assert cancelled.message == "Schedule cancelled"
        clock.now += 3600
        fake.process_scheduled()
        assert fake.ledger.sent == []
        with pytest.raises(RefusedError, match="Failed to cancel schedule"):
            await client.cancel_scheduled(bulk_id="b")  # nothing scheduled left
    assert fake.delivery_reports() == []


async def test_an_upload_already_processed_cannot_be_cancelled() -> None:
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        await client.upload_bulk(Message("Now", to=numbers(1)), bulk_id="b")
        with pytest.raises(RefusedError):
            await client.cancel_scheduled(bulk_id="b")


async def test_a_scheduled_message_cancelled_by_id_gets_no_reports() -> None:
    clock = Clock()
    fake = FakeSmsManager(clock=clock)
    async with fake.async_client() as client:
        sent = await client.send(Message("Later", to=numbers(1), scheduled_at=later(600)))
        (message_id,) = sent.recipient_message_ids()
        await client.cancel_scheduled(message_id=message_id)
        with pytest.raises(RefusedError):
            await client.cancel_scheduled(message_id=message_id)
        now = await client.send(Message("Now", to=numbers(1, start=5)))
        with pytest.raises(RefusedError):  # not scheduled: nothing to cancel
            await client.cancel_scheduled(message_id=now.recipient_message_ids()[0])
    assert [e["message_id"] for e in fake.delivery_reports()] == [
        now.recipient_message_ids()[0]
    ] * 3


def storage_request(fake: FakeSmsManager, token_url: str, **options: object) -> httpx.Response:
    with httpx.Client(transport=fake.transport) as http:
        return http.put(token_url, **options)  # type: ignore[arg-type]


def new_url(fake: FakeSmsManager, filetype: str = "jsonl") -> str:
    with httpx.Client(transport=fake.transport, headers={"x-api-key": fake.api_key}) as http:
        answer = http.post(
            "https://rest-api.smsmngr.com/v1/messaging/url",
            json={"bulk_id": "b", "filetype": filetype},
        )
    assert answer.status_code == 200
    return str(answer.json()["url"])


LINE = json.dumps({"body": "Hi", "to": [{"phone_number": "420777000001"}]}).encode() + b"\n"
JSONL = {"content-type": "application/jsonl"}


def test_the_storage_refuses_a_request_that_carries_the_api_key() -> None:
    fake = FakeSmsManager()
    url = new_url(fake)
    answer = storage_request(fake, url, content=LINE, headers={**JSONL, "x-api-key": fake.api_key})
    assert answer.status_code == 403
    assert "API key" in answer.text
    answer = storage_request(fake, url + "&k=" + fake.api_key, content=LINE, headers=JSONL)
    assert answer.status_code == 403
    assert fake.ledger.sent == []


def test_a_url_expires_after_60_seconds_of_the_fakes_clock() -> None:
    clock = Clock()
    fake = FakeSmsManager(clock=clock)
    url = new_url(fake)
    clock.now += 61
    answer = storage_request(fake, url, content=LINE, headers=JSONL)
    assert (answer.status_code, "expired" in answer.text) == (403, True)
    clock.now -= 2
    assert storage_request(fake, url, content=LINE, headers=JSONL).status_code == 200
    assert len(fake.ledger.sent) == 1


def test_the_storage_takes_only_a_file_with_its_length_and_signed_type() -> None:
    fake = FakeSmsManager()
    url = new_url(fake, "gz")
    chunked = storage_request(
        fake, url, content=iter([LINE]), headers={"content-type": "application/gzip"}
    )
    assert chunked.status_code == 501
    assert storage_request(fake, url, content=LINE, headers=JSONL).status_code == 403
    body = gzip.compress(LINE * 3)
    answer = storage_request(fake, url, content=body, headers={"content-type": "application/gzip"})
    assert answer.status_code == 200
    assert len(fake.ledger.sent) == 3


def test_lines_that_are_not_messages_are_left_out() -> None:
    fake = FakeSmsManager()
    url = new_url(fake)
    body = LINE + b"not json\n" + b'{"body": "no recipients"}\n' + LINE
    assert storage_request(fake, url, content=body, headers=JSONL).status_code == 200
    (upload,) = fake.rest.messaging.uploads.values()
    assert (upload.recipients, upload.refused_lines) == (2, 2)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"filetype": "gz"}, "Missing 'bulk_id' or 'filetype' or 'datetime' in request data"),
        ({"bulk_id": "b", "filetype": "csv"}, "Unsupported filetype"),
        ({"bulk_id": "b", "filetype": "gz", "datetime": "soon"}, "Missing 'bulk_id'"),
    ],
)
def test_the_fake_refuses_url_requests_as_documented(body: dict[str, str], message: str) -> None:
    fake = FakeSmsManager()
    with httpx.Client(transport=fake.transport, headers={"x-api-key": fake.api_key}) as http:
        answer = http.post("https://rest-api.smsmngr.com/v1/messaging/url", json=body)
    assert answer.status_code == 400
    assert answer.json()["message"].startswith(message)


def test_served_uploads_go_to_a_second_port_over_loopback() -> None:
    fake = FakeSmsManager()
    with serve(fake) as base_url:
        host = base_url.removesuffix("/v2")
        storage = fake.upload_base_url
        assert storage.startswith("http://127.0.0.1:")
        assert storage != host
        with fake.client(api_host=host, http_client=None) as client:
            result = client.upload_bulk(Message("Hi", to=numbers(12)), bulk_id="b")
    assert result.recipients == len(fake.ledger.sent) == 12
    assert fake.upload_base_url == "https://uploads.fake-smsmngr.invalid"  # restored
