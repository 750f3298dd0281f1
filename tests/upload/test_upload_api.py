"""upload_bulk and cancel_scheduled on the wire: every request, answer and error example
of POST /messaging/url and /messaging/cancel, the PUT to the presigned URL (no key, a
Content-Length, never repeated after a lost answer), and a fresh URL for an expired one."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from smsmngr import (
    AsyncClient,
    BadRequestError,
    DeliveryUncertainError,
    Message,
    PermissionDeniedError,
    RefusedError,
    ResponseFormatError,
    ServerError,
    ValidationError,
)
from smsmngr.upload import ScheduleCancelled, parse_cancelled, parse_upload_url

from ..support import API_KEY, DATA, REST_BASE_URL, numbers

pytestmark = pytest.mark.anyio

OPERATIONS = {o["path"]: o for o in json.loads((DATA / "operations.json").read_text())}
URL_OP, CANCEL_OP = OPERATIONS["/messaging/url"], OPERATIONS["/messaging/cancel"]
STORAGE = "smsmngr-bulk-uploads.s3.amazonaws.com"
PRESIGNED = f"https://{STORAGE}/bulk/abc.gz?X-Amz-Expires=60&X-Amz-Signature=f00d"
EXPIRED = "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"


def response(operation: dict[str, Any], status: int) -> list[Any]:
    return [r["example"] for r in operation["responses"] if r["status"] == status]


async def call(client: AsyncClient, operation: dict[str, Any]) -> object:
    if operation is URL_OP:
        return await client.upload_bulk(Message("Hi", to=numbers(1)), bulk_id="b")
    return await client.cancel_scheduled(bulk_id="b")


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        yield mock


def url_route(router: respx.MockRouter, *answers: Any) -> respx.Route:
    route = router.post(f"{REST_BASE_URL}/messaging/url")
    replies = [
        a if isinstance(a, (httpx.Response, Exception)) else httpx.Response(200, json=a)
        for a in answers
    ]
    route.side_effect = replies or [httpx.Response(200, json={"success": True, "url": PRESIGNED})]
    return route


def put_route(router: respx.MockRouter, *answers: Any) -> tuple[respx.Route, list[bytes]]:
    bodies: list[bytes] = []
    replies = list(answers) or [httpx.Response(200)]

    async def storage(request: httpx.Request) -> httpx.Response:
        bodies.append(await request.aread())
        reply = replies.pop(0) if len(replies) > 1 else replies[0]
        if isinstance(reply, Exception):
            raise reply
        return reply  # type: ignore[no-any-return]

    route = router.put(host=STORAGE)
    route.side_effect = storage
    return route, bodies


@pytest.mark.parametrize("example", URL_OP["requests"], ids=lambda e: e["name"])
async def test_each_documented_url_request_is_what_the_sdk_sends(
    router: respx.MockRouter, client: AsyncClient, example: dict[str, Any]
) -> None:
    sent = example["example"]
    route = url_route(router)
    put_route(router)
    stamp = sent.get("datetime")
    at = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else None
    await client.upload_bulk(
        Message("Hi", to=numbers(3)),
        bulk_id=sent["bulk_id"],
        at=at,
        compress=sent["filetype"] == "gz",
    )
    request = route.calls.last.request
    assert json.loads(request.content) == sent
    assert request.headers["x-api-key"] == API_KEY


@pytest.mark.parametrize("example", CANCEL_OP["requests"], ids=lambda e: e["name"])
async def test_each_documented_cancel_request_is_what_the_sdk_sends(
    router: respx.MockRouter, client: AsyncClient, example: dict[str, Any]
) -> None:
    (answer,) = response(CANCEL_OP, 200)
    route = router.post(f"{REST_BASE_URL}/messaging/cancel").respond(200, json=answer)
    result = await client.cancel_scheduled(**example["example"])
    assert json.loads(route.calls.last.request.content) == example["example"]
    assert (result.message, result.success, result.extra) == ("Schedule cancelled", True, {})


def entries(status: int) -> list[Any]:
    """``(operation, response)`` of each documented answer of both operations with ``status``,
    or above it for 400."""
    return [
        pytest.param(op, r, id=f"{op['path']} {r['status']}: {r['name']}")
        for op in (URL_OP, CANCEL_OP)
        for r in op["responses"]
        if r["status"] == status or (status == 400 and r["status"] > 400)
    ]


@pytest.mark.parametrize(("operation", "answer"), entries(200))
def test_the_documented_answers_read_whole(
    operation: dict[str, Any], answer: dict[str, Any]
) -> None:
    body = answer["example"]
    if operation is URL_OP:
        target = parse_upload_url(body)
        assert (target.url, target.success, target.extra) == (body["url"], True, {})
        assert body["url"] not in repr(target)  # a credential for its 60 seconds
    else:
        assert parse_cancelled(body) == ScheduleCancelled(success=True, message=body["message"])


async def test_the_documented_url_answer_is_where_the_file_goes(
    router: respx.MockRouter, client: AsyncClient
) -> None:
    (url_answer,) = response(URL_OP, 200)
    url_route(router, url_answer)
    put, bodies = put_route(router)
    result = await client.upload_bulk(Message("Hi", to=numbers(3)), bulk_id="b")
    assert str(put.calls.last.request.url).startswith(f"https://{STORAGE}/")
    assert len(bodies[0]) == result.bytes_sent


@pytest.mark.parametrize(("operation", "answer"), entries(400))
async def test_documented_errors_are_definite_and_not_repeated(
    router: respx.MockRouter,
    client: AsyncClient,
    operation: dict[str, Any],
    answer: dict[str, Any],
) -> None:
    status, body = answer["status"], answer["example"]
    route = router.post(f"{REST_BASE_URL}{operation['path']}").respond(status, json=body)
    put, _ = put_route(router)
    expected = BadRequestError if status == 400 else RefusedError
    with pytest.raises(expected) as raised:
        await call(client, operation)
    assert not isinstance(raised.value, DeliveryUncertainError)
    assert body["message"] in str(raised.value)
    assert (route.call_count, put.call_count) == (1, 0)


async def test_the_put_carries_no_key_and_a_content_length(
    router: respx.MockRouter, client: AsyncClient
) -> None:
    url_route(router)
    put, bodies = put_route(router)
    result = await client.upload_bulk(Message("Hi", to=numbers(25)), bulk_id="b")
    request = put.calls.last.request
    assert "x-api-key" not in request.headers
    assert API_KEY not in str(request.url)
    assert all(API_KEY not in value for value in request.headers.values())
    assert API_KEY.encode() not in gzip.decompress(bodies[0])
    assert request.headers["content-length"] == str(result.bytes_sent)
    assert "transfer-encoding" not in request.headers
    assert request.headers["content-type"] == "application/gzip"
    assert (result.messages, result.recipients, result.bulk_id) == (3, 25, "b")
    lines = gzip.decompress(bodies[0]).decode().splitlines()
    assert [len(json.loads(line)["to"]) for line in lines] == [10, 10, 5]


async def test_a_lost_answer_to_the_put_is_uncertain_and_not_repeated(
    router: respx.MockRouter, client: AsyncClient
) -> None:
    url_route(router)
    put, _ = put_route(router, httpx.ReadError("connection reset"))
    with pytest.raises(DeliveryUncertainError):
        await client.upload_bulk(Message("Hi", to=numbers(3)), bulk_id="b")
    assert put.call_count == 1


async def test_a_5xx_to_the_put_is_uncertain_and_not_repeated(
    router: respx.MockRouter, client: AsyncClient
) -> None:
    url_route(router)
    put, _ = put_route(router, httpx.Response(503, text="<Error>SlowDown</Error>"))
    with pytest.raises(ServerError):
        await client.upload_bulk(Message("Hi", to=numbers(3)), bulk_id="b")
    assert put.call_count == 1


async def test_a_put_that_never_connected_is_tried_again_whole(
    router: respx.MockRouter, client: AsyncClient
) -> None:
    url_route(router)
    put, bodies = put_route(router, httpx.ConnectError("refused"), httpx.Response(200))
    result = await client.upload_bulk(Message("Hi", to=numbers(3)), bulk_id="b")
    assert put.call_count == 2
    assert len(bodies[1]) == result.bytes_sent


async def test_a_lost_answer_to_the_url_request_is_not_repeated(
    router: respx.MockRouter, client: AsyncClient
) -> None:
    route = url_route(router, httpx.ReadError("reset"))
    put, _ = put_route(router)
    with pytest.raises(DeliveryUncertainError):
        await client.upload_bulk(Message("Hi", to=numbers(3)), bulk_id="b")
    assert (route.call_count, put.call_count) == (1, 0)


async def test_an_expired_url_gets_one_fresh_url(
    router: respx.MockRouter, client: AsyncClient
) -> None:
    route = url_route(router, *[{"success": True, "url": PRESIGNED}] * 2)
    put, bodies = put_route(router, httpx.Response(403, text=EXPIRED), httpx.Response(200))
    await client.upload_bulk(Message("Hi", to=numbers(3)), bulk_id="b")
    assert (route.call_count, put.call_count) == (2, 2)
    assert bodies[0] == bodies[1]


async def test_a_url_that_expires_twice_is_refused(
    router: respx.MockRouter, client: AsyncClient
) -> None:
    route = url_route(router, *[{"success": True, "url": PRESIGNED}] * 3)
    put, _ = put_route(router, httpx.Response(403, text=EXPIRED))
    with pytest.raises(PermissionDeniedError, match="expired"):
        await client.upload_bulk(Message("Hi", to=numbers(3)), bulk_id="b")
    assert (route.call_count, put.call_count) == (2, 2)


async def test_another_403_is_not_taken_for_expiry(
    router: respx.MockRouter, client: AsyncClient
) -> None:
    route = url_route(router)
    put, _ = put_route(router, httpx.Response(403, text="<Code>SignatureDoesNotMatch</Code>"))
    with pytest.raises(PermissionDeniedError):
        await client.upload_bulk(Message("Hi", to=numbers(3)), bulk_id="b")
    assert (route.call_count, put.call_count) == (1, 1)


@pytest.mark.parametrize("url", ["http://uploads.example.com/x", "ftp://127.0.0.1/x"])
async def test_a_url_in_clear_text_to_another_host_is_refused(
    router: respx.MockRouter, client: AsyncClient, url: str
) -> None:
    url_route(router, {"success": True, "url": url})
    put = router.put(url__startswith=url.split("/x")[0])
    with pytest.raises(ResponseFormatError, match="not https"):
        await client.upload_bulk(Message("Hi", to=numbers(3)), bulk_id="b")
    assert put.call_count == 0


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"bulk_id": ""}, "bulk_id"),
        ({"bulk_id": None}, "bulk_id"),
        ({"bulk_id": "b", "at": dt.datetime(2026, 7, 31, 8)}, "at"),
        ({"bulk_id": "b", "at": "2026-07-31T08:00:00Z"}, "at"),
        ({"bulk_id": "b", "compress": "yes"}, "compress"),
        ({"bulk_id": "b", "force": 1}, "force"),
    ],
)
async def test_bad_arguments_are_refused_before_any_call(
    router: respx.MockRouter, client: AsyncClient, options: dict[str, Any], field: str
) -> None:
    route = url_route(router)
    with pytest.raises(ValidationError) as raised:
        await client.upload_bulk(Message("Hi", to=numbers(1)), **options)
    assert raised.value.field == field
    assert route.call_count == 0


async def test_input_that_is_not_a_message_stops_before_anything_is_sent(
    router: respx.MockRouter, client: AsyncClient
) -> None:
    route = url_route(router)
    messages: list[Any] = [Message("Hi", to=numbers(1))] * 500 + [{"body": "Hi"}]
    with pytest.raises(ValidationError, match=r"messages\[500\]"):
        await client.upload_bulk(messages, bulk_id="b")
    assert route.call_count == 0


@pytest.mark.parametrize(
    "options", [{}, {"message_id": "m", "bulk_id": "b"}, {"bulk_id": ""}, {"message_id": 5}]
)
async def test_cancel_takes_exactly_one_id(
    router: respx.MockRouter, client: AsyncClient, options: dict[str, Any]
) -> None:
    route = router.post(f"{REST_BASE_URL}/messaging/cancel")
    with pytest.raises(ValidationError):
        await client.cancel_scheduled(**options)
    assert route.call_count == 0


async def test_all_recipients_refused_locally_sends_nothing(
    router: respx.MockRouter, client: AsyncClient
) -> None:
    route = url_route(router)
    result = await client.upload_bulk(Message("Hi", to=["12", "34"]), bulk_id="b")
    assert (result.recipients, result.bytes_sent, len(result.refused), result.total) == (
        0,
        0,
        2,
        2,
    )
    assert route.call_count == 0


async def test_the_schedule_is_sent_in_utc(router: respx.MockRouter, client: AsyncClient) -> None:
    route = url_route(router)
    put_route(router)
    prague = dt.timezone(dt.timedelta(hours=2))
    at = dt.datetime(2026, 7, 31, 10, 0, tzinfo=prague)
    result = await client.upload_bulk(Message("Hi", to=numbers(1)), bulk_id="b", at=at)
    assert json.loads(route.calls.last.request.content)["datetime"] == "2026-07-31T08:00:00Z"
    assert result.scheduled_at == at


async def test_a_lost_answer_to_a_cancel_is_not_repeated(
    router: respx.MockRouter, client: AsyncClient
) -> None:
    route = router.post(f"{REST_BASE_URL}/messaging/cancel")
    route.side_effect = httpx.ReadError("reset")
    with pytest.raises(DeliveryUncertainError):
        await client.cancel_scheduled(bulk_id="b")
    assert route.call_count == 1


def test_the_blocking_client_uploads_and_cancels() -> None:
    from smsmngr.testing import FakeSmsManager

    fake = FakeSmsManager()
    with fake.client() as client:
        result = client.upload_bulk(Message("Hi", to=numbers(3)), bulk_id="b")
        with pytest.raises(RefusedError):  # processed at once: nothing to cancel
            client.cancel_scheduled(bulk_id="b")
    assert result.recipients == len(fake.ledger.sent) == 3
