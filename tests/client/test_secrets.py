"""The API key appears in no repr, log line, exception or traceback."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import traceback
from pathlib import Path

import httpx
import pytest
import respx

from smsmngr import (
    AsyncClient,
    BulkStoppedError,
    Client,
    ConfigurationError,
    Message,
    RetryEvent,
    SmsManagerError,
    TransportError,
)
from smsmngr.testing import FakeSmsManager, serve

from ..support import API_KEY, BASE_URL, NO_WAIT, accepted

pytestmark = pytest.mark.anyio


async def test_reprs_never_show_the_key(client: AsyncClient) -> None:
    assert API_KEY not in repr(client)
    assert API_KEY not in repr(client._transport)
    assert API_KEY not in repr(vars(client))
    with Client(api_key=API_KEY) as sync_client:
        assert API_KEY not in repr(sync_client)


async def test_no_log_record_at_any_level_shows_the_key(
    api: respx.MockRouter, client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    api.post("/message").mock(
        side_effect=[httpx.Response(429), httpx.Response(200, json=accepted("m"))]
    )
    api.get("/simple/message").respond(
        200, json={"request_id": "r", "message_id": "m", "accepted": True}
    )
    with caplog.at_level(logging.DEBUG):
        await client.send(Message("Hi", to=["420777123456"]))
        await client.send_simple("420777123456", "Hi", sender="Shop", method="GET")
    messages = [record.getMessage() for record in caplog.records]
    assert any("simple/message" in message for message in messages)  # httpx logged the URL
    assert any("apikey=***" in message for message in messages)
    assert not any(API_KEY in message for message in messages)


async def test_a_client_from_the_environment_does_not_show_the_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SMSMANAGER_API_KEY", API_KEY)
    async with AsyncClient(retry=NO_WAIT) as client:
        assert API_KEY not in repr(client)


async def test_only_the_get_simple_url_carries_the_key() -> None:
    urls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        urls.append(str(request.url))
        if request.url.path.endswith("/simple/message"):
            return httpx.Response(
                200, json={"request_id": "r", "message_id": "m", "accepted": True}
            )
        return httpx.Response(200, json=accepted("m0", "m1"))

    http_client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    async with AsyncClient(api_key=API_KEY, http_client=http_client) as client:
        await client.send(Message("Hi", to=["420777123456"]))
        await client.send(Message("Hi", to=["420777123456"]), priority=True)
        await client.send_batch([Message("Hi", to=["420777123456"])] * 2)
        await client.send_simple("420777123456", "Hi", sender="Shop")
        await client.send_simple("420777123456", "Hi", sender="Shop", method="GET")
        await client.send_bulk(Message("Hi", to=["420777123456"]))
    await http_client.aclose()
    carrying = [url for url in urls if API_KEY in url]
    assert len(urls) == 6
    assert len(carrying) == 1
    assert "/simple/message?" in carrying[0]


async def test_httpx_and_httpcore_debug_logs_never_show_the_key() -> None:
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(level=logging.DEBUG)
    loggers = [logging.getLogger(name) for name in ("httpx", "httpcore", "smsmngr")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
    fake = FakeSmsManager(api_key=API_KEY)
    try:
        with serve(fake) as base_url:
            async with AsyncClient(api_key=API_KEY, base_url=base_url) as client:
                await client.send(Message("Hi", to=["420777123456"]))
                await client.send_simple("420777123456", "Hi", sender="Shop", method="GET")
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
    assert any(r.name.startswith("httpcore") for r in records)  # the debug logs were on
    text = "\n".join(logging.Formatter("%(name)s %(message)s").format(r) for r in records)
    assert "simple/message" in text
    assert API_KEY not in text


def _every_exception_in_the_chain(error: BaseException) -> list[BaseException]:
    """The error and every exception chained to it, suppressed or not: a tool may walk
    the whole chain."""
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        pending += [current.__cause__, current.__context__]
    return seen


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(500, text="boom"),
        httpx.Response(401, json={"error": "bad key"}),
        httpx.Response(429, headers={"Retry-After": "0"}),
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("dropped"),
        httpx.UnsupportedProtocol("no"),
        httpx.Response(200, text="not json"),
    ],
)
async def test_errors_and_their_tracebacks_with_locals_never_show_the_key(
    api: respx.MockRouter, client: AsyncClient, answer: object
) -> None:
    # As Sentry and similar tools render them by default: every frame's local variables.
    api.post("/message").mock(side_effect=[answer] * 3)
    api.get("/simple/message").mock(side_effect=[answer] * 3)
    for call in (
        client.send(Message("Hi", to=["420777123456"])),
        client.send_simple("420777123456", "Hi", sender="Shop", method="GET"),
    ):
        with pytest.raises(SmsManagerError) as caught:
            await call
        assert API_KEY not in "".join(traceback.format_exception(caught.value))
        assert API_KEY not in repr(caught.value)
        for error in _every_exception_in_the_chain(caught.value):
            rendered = traceback.TracebackException.from_exception(error, capture_locals=True)
            assert API_KEY not in "".join(rendered.format())
            assert API_KEY not in repr(vars(error))


async def test_the_get_simple_log_line_shows_no_number_and_no_text(
    api: respx.MockRouter, client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    api.get("/simple/message").respond(
        200, json={"request_id": "r", "message_id": "m", "accepted": True}
    )
    with caplog.at_level(logging.INFO, logger="httpx"):
        await client.send_simple("420777123456", "Secret offer", sender="Shop", method="GET")
    (line,) = [r.getMessage() for r in caplog.records if "simple/message" in r.getMessage()]
    assert "420777123456" not in line
    assert "Secret" not in line
    assert "phone_number=***" in line


@pytest.mark.parametrize("around", ["\n", "\r\n", " ", "\t \n"])
async def test_a_key_read_from_a_file_is_sent_without_the_whitespace_around_it(
    api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch, around: str
) -> None:
    route = api.post("/message").respond(200, json=accepted("m"))
    async with AsyncClient(api_key=API_KEY + around, retry=NO_WAIT) as client:
        await client.send(Message("Hi", to=["420777123456"]))
    monkeypatch.setenv("SMSMANAGER_API_KEY", around + API_KEY + around)
    async with AsyncClient(retry=NO_WAIT) as client:
        await client.send(Message("Hi", to=["420777123456"]))
    assert [call.request.headers["x-api-key"] for call in route.calls] == [API_KEY, API_KEY]


@pytest.mark.parametrize("inside", ["\x00", "\n", "\r", "\x1b", "\x7f", "é"])
def test_a_key_with_a_character_no_header_can_carry_is_refused_unquoted(
    monkeypatch: pytest.MonkeyPatch, inside: str
) -> None:
    key = f"{API_KEY}{inside}tail"
    with pytest.raises(ConfigurationError, match="api_key: the API key holds") as caught:
        AsyncClient(api_key=key)
    errors = [caught.value]
    if inside != "\x00":  # an environment variable cannot hold a NUL
        monkeypatch.setenv("SMSMANAGER_API_KEY", key)
        with pytest.raises(ConfigurationError, match="SMSMANAGER_API_KEY: the API key") as env:
            AsyncClient()
        errors.append(env.value)
    for error in errors:
        assert f"at position {len(API_KEY) + 1}" in str(error)
        assert API_KEY not in str(error)
        assert "tail" not in str(error)


def test_a_key_of_whitespace_only_is_no_key() -> None:
    with pytest.raises(ConfigurationError, match="no API key"):
        AsyncClient(api_key=" \r\n")


async def test_a_stack_error_that_quotes_the_key_reaches_no_sdk_text_with_it(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    # As h11 quotes a header value it refuses: the key must not travel on in the text.
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v2/message":
            raise httpx.LocalProtocolError(f"Illegal header value b'{API_KEY}'")
        raise httpx.ConnectError(f"cannot connect with b'{API_KEY}'")

    events: list[RetryEvent] = []
    http_client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    caplog.set_level(logging.DEBUG)
    async with AsyncClient(
        api_key=API_KEY, http_client=http_client, retry=NO_WAIT, on_retry=events.append
    ) as client:
        with pytest.raises(TransportError) as refused:
            await client.send(Message("Hi", to=["420777123456"]))
        with pytest.raises(TransportError) as unreachable:
            await client.send_simple("420777123456", "Hi", sender="Shop")
        journal = tmp_path / "campaign.journal"
        result = await client.send_bulk(
            Message("Hi", to=["420777123456", "420777123457"]), journal=journal
        )
    await http_client.aclose()
    assert API_KEY.encode() not in journal.read_bytes()
    texts = [str(refused.value), str(unreachable.value), *(e.reason for e in events)]
    texts += [outcome.error or "" for outcome in result.outcomes]
    texts += [record.getMessage() for record in caplog.records]
    assert "Illegal header value b'***'" in texts[0]
    assert events
    assert not [text for text in texts if API_KEY in text]


async def test_an_exception_the_sdk_does_not_know_reaches_no_campaign_text_with_the_key(
    tmp_path: Path,
) -> None:
    # A stack's exception of a kind the SDK does not classify stops the campaign; its
    # text still passes through the same scrubbing as every other stack error.
    def handler(request: httpx.Request) -> httpx.Response:
        raise ValueError(f"cannot encode b'{API_KEY}'")

    http_client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    journal = tmp_path / "campaign.journal"
    async with AsyncClient(api_key=API_KEY, http_client=http_client, retry=NO_WAIT) as client:
        with pytest.raises(BulkStoppedError) as stopped:
            await client.send_bulk(Message("Hi", to=["420777123456"]), journal=journal)
    await http_client.aclose()
    outcomes = stopped.value.result.outcomes
    texts = [str(stopped.value), *(outcome.error or "" for outcome in outcomes)]
    assert outcomes
    assert all("cannot encode b'***'" in text for text in texts)
    assert API_KEY.encode() not in journal.read_bytes()


async def test_aiohttps_connect_timeout_quoting_the_get_url_is_redacted_everywhere(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A stack's connect timeout whose text is the full URL (aiohttp's
    # ConnectionTimeoutError's is): key, number and text included.
    import aiohttp

    def handler(request: httpx.Request) -> httpx.Response:
        text = f"Connection timeout to host {request.url}"
        raise httpx.ConnectTimeout(text) from aiohttp.ConnectionTimeoutError(text)

    events: list[RetryEvent] = []
    http_client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    caplog.set_level(logging.DEBUG)
    async with AsyncClient(
        api_key=API_KEY, http_client=http_client, retry=NO_WAIT, on_retry=events.append
    ) as client:
        with pytest.raises(TransportError) as caught:
            await client.send_simple("420777123456", "Secret offer", sender="Shop", method="GET")
    await http_client.aclose()
    message = str(caught.value)
    assert f"could not reach {httpx.URL(BASE_URL).host} after 3 attempts" in message
    assert "simple/message?phone_number=***&message=***&sender=***&apikey=***" in message
    texts = [message, *(event.reason for event in events)]
    texts += [record.getMessage() for record in caplog.records]
    assert any(record.name == "smsmngr" for record in caplog.records)  # the retry warnings
    for secret in (API_KEY, "420777123456", "Secret"):
        assert not [text for text in texts if secret in text]


@pytest.mark.slow
def test_smsmanager_log_redacts_what_any_of_its_loggers_pass_on() -> None:
    code = (
        "import logging, smsmngr; "
        "logging.getLogger('smsmngr.anything').warning("
        "'lost %s', 'http://h/v2/simple/message?apikey=k3y&phone_number=420777123456')"
    )
    finished = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "SMSMANAGER_LOG": "info"},
        check=True,
    )
    assert "simple/message?apikey=***&phone_number=***" in finished.stderr
    assert "k3y" not in finished.stderr
    assert "420777123456" not in finished.stderr


def test_a_log_line_with_the_url_in_its_format_is_redacted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="smsmngr"):
        logging.getLogger("smsmngr").info("lost http://h/v2/x?apikey=%s&n=%d", "k3y", 7)
    (record,) = caplog.records
    assert record.getMessage() == "lost http://h/v2/x?apikey=***&n=***"
