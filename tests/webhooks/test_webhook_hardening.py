"""Webhook receivers against hostile and broken input: each case was reproduced."""

from __future__ import annotations

import functools
import io
import json
import logging
import time
from typing import Any

import anyio.lowlevel
import httpx
import pytest

from smsmngr import ConfigurationError
from smsmngr.webhooks import DeliveryReport, Event, asgi_receiver, parse, wsgi_receiver

pytestmark = pytest.mark.anyio

GOOD = {"type": "outgoing", "message_id": "m-1", "result": "delivered"}


def test_parsing_is_linear_in_the_size_of_result_info() -> None:
    # A quadratic reading took 5 s for 40 KB of spaces, and about an hour for 1 MiB.
    body = json.dumps([{**GOOD, "result_info": " " * (1024 * 1024)}])
    started = time.monotonic()
    (event,) = parse(body, max_bytes=4 * 1024 * 1024)
    assert time.monotonic() - started < 5
    assert isinstance(event, DeliveryReport)
    assert event.result_info is not None
    assert (event.result_info.code, event.result_info.description) == (None, None)


def test_a_code_of_thousands_of_digits_costs_neither_the_item_nor_the_batch() -> None:
    huge = {"type": "outgoing", "message_id": "m-2", "result": "failed",
            "result_info": "[" + "9" * 5_000 + "] Boom"}  # fmt: skip
    first, second = parse(json.dumps([huge, GOOD]))
    assert isinstance(first, DeliveryReport)
    assert first.result_info is not None
    assert (first.result_info.code, first.result_info.description) == (None, "Boom")
    assert isinstance(second, DeliveryReport)


async def test_both_receivers_handle_a_batch_holding_a_poison_item() -> None:
    body = json.dumps([{**GOOD, "result_info": "[" + "9" * 5_000 + "]"}, GOOD]).encode()
    received: list[list[Event]] = []
    asgi = asgi_receiver(received.append)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=asgi), base_url="http://a"
    ) as http:
        assert (await http.post("/", content=body)).status_code == 200
    wsgi = wsgi_receiver(received.append)
    with httpx.Client(transport=httpx.WSGITransport(app=wsgi), base_url="http://w") as http:
        assert http.post("/", content=body).status_code == 200
    assert [len(events) for events in received] == [2, 2]


@pytest.mark.parametrize("receiver", [asgi_receiver, wsgi_receiver])
@pytest.mark.parametrize("secret", [{"token": ""}, {"hmac_secret": ""}, {"hmac_secret": b""}])
def test_an_empty_secret_is_refused_when_the_receiver_is_built(
    receiver: Any, secret: dict[str, Any]
) -> None:
    with pytest.raises(ConfigurationError, match="must not be empty"):
        receiver(lambda events: None, **secret)


async def test_a_handler_failure_is_logged_without_personal_data(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def handle(events: list[Event]) -> None:
        raise ValueError("cannot store 420777123456: {'order': 'secret-order-7'}")

    app = asgi_receiver(handle)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://a"
    ) as http:
        with caplog.at_level(logging.DEBUG, logger="smsmngr"):
            answer = await http.post("/", content=json.dumps([GOOD]))
    assert answer.status_code == 500
    logged = "\n".join(
        record.getMessage() + (record.exc_text or "") + str(record.exc_info or "")
        for record in caplog.records
    )
    assert "ValueError" in logged
    assert "420777123456" not in logged
    assert "secret-order-7" not in logged


async def test_a_sender_that_disconnects_mid_body_is_not_taken_for_a_whole_body() -> None:
    handled: list[list[Event]] = []
    sent: list[dict[str, Any]] = []
    app = asgi_receiver(handled.append)
    body = json.dumps([GOOD]).encode()
    messages = [
        {"type": "http.request", "body": body[:10], "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "headers": [], "query_string": b""}
    await app(scope, receive, send)
    assert handled == []
    assert sent == []  # nobody to answer; the platform delivers again


class _AsyncCallable:
    def __init__(self, handled: list[list[Event]], *, fail: bool = False) -> None:
        self.handled, self.fail = handled, fail

    async def __call__(self, events: list[Event]) -> None:
        await _store(self.handled, events, fail=self.fail)


async def _store(handled: list[list[Event]], events: list[Event], *, fail: bool = False) -> None:
    await anyio.lowlevel.checkpoint()  # the work happens only once the coroutine runs
    if fail:
        raise OSError("the database is down")
    handled.append(events)


def _async_object(handled: list[list[Event]], fail: bool) -> Any:
    return _AsyncCallable(handled, fail=fail)


def _async_partial(handled: list[list[Event]], fail: bool) -> Any:
    return functools.partial(_store, handled, fail=fail)


def _lambda_returning_a_coroutine(handled: list[list[Event]], fail: bool) -> Any:
    return lambda events: _store(handled, events, fail=fail)


ASYNC_SHAPES = [_async_object, _async_partial, _lambda_returning_a_coroutine]


@pytest.mark.parametrize("shape", ASYNC_SHAPES)
@pytest.mark.parametrize("fail", [False, True])
async def test_the_asgi_receiver_answers_after_an_async_handler_of_any_shape_ran(
    shape: Any, fail: bool
) -> None:
    handled: list[list[Event]] = []
    app = httpx.ASGITransport(app=asgi_receiver(shape(handled, fail)))
    async with httpx.AsyncClient(transport=app, base_url="http://a") as http:
        answer = await http.post("/", content=json.dumps([GOOD]))
    assert (answer.status_code, len(handled)) == ((500, 0) if fail else (200, 1))


@pytest.mark.parametrize("shape", ASYNC_SHAPES)
@pytest.mark.parametrize("fail", [False, True])
def test_the_wsgi_receiver_answers_after_an_async_handler_of_any_shape_ran(
    shape: Any, fail: bool
) -> None:
    handled: list[list[Event]] = []
    app = wsgi_receiver(shape(handled, fail))
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://w") as http:
        answer = http.post("/", content=json.dumps([GOOD]))
    assert (answer.status_code, len(handled)) == ((500, 0) if fail else (200, 1))


def _wsgi_status(app: Any, **environ: str) -> str:
    statuses: list[str] = []
    body = json.dumps([GOOD]).encode()
    base = {"REQUEST_METHOD": "POST", "QUERY_STRING": "", "wsgi.input": io.BytesIO(body)}
    app({**base, **environ}, lambda status, headers: statuses.append(status))
    return statuses[0]


async def _asgi_status(app: Any, query: bytes, headers: list[tuple[bytes, bytes]]) -> int:
    body = json.dumps([GOOD]).encode()
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "headers": headers, "query_string": query}
    await app(scope, receive, send)
    return int(sent[0]["status"])


@pytest.mark.parametrize("length", ["²", "1_0", "-1", " 12"])
async def test_a_content_length_of_anything_but_ascii_digits_is_refused_before_the_token(
    length: str,
) -> None:
    handled: list[list[Event]] = []
    asgi = asgi_receiver(handled.append, token="t")
    assert await _asgi_status(asgi, b"", [(b"content-length", length.encode())]) == 400
    wsgi = wsgi_receiver(handled.append, token="t")
    assert _wsgi_status(wsgi, CONTENT_LENGTH=length).startswith("400")
    assert handled == []


async def test_a_content_length_of_thousands_of_digits_is_too_large_not_a_crash() -> None:
    length = "9" * 5_000  # int() refuses over 4300 digits
    handled: list[list[Event]] = []
    asgi = asgi_receiver(handled.append, token="t")
    header = [(b"content-length", length.encode())]
    assert await _asgi_status(asgi, b"token=t", header) == 413
    wsgi = wsgi_receiver(handled.append, token="t")
    assert _wsgi_status(wsgi, QUERY_STRING="token=t", CONTENT_LENGTH=length).startswith("413")
    assert handled == []


@pytest.mark.parametrize("query", ["token=ab+c/d==", "token=ab%2Bc%2Fd%3D%3D"])
async def test_a_token_holding_a_plus_is_accepted_as_written(query: str) -> None:
    handled: list[list[Event]] = []
    token = "ab+c/d=="  # standard base64
    asgi = asgi_receiver(handled.append, token=token)
    length = [(b"content-length", str(len(json.dumps([GOOD]))).encode())]
    assert await _asgi_status(asgi, query.encode(), length) == 200
    wsgi = wsgi_receiver(handled.append, token=token)
    length_env = str(len(json.dumps([GOOD])))
    assert _wsgi_status(wsgi, QUERY_STRING=query, CONTENT_LENGTH=length_env).startswith("200")
    assert len(handled) == 2
    assert await _asgi_status(asgi, b"token=ab c/d==", length) == 403
