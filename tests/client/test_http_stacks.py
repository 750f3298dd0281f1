"""Every HTTP stack keeps the transport's promises: what is retried, what is reported as
"may have been sent", timeouts, pool sizes and secrets. Each test runs on httpx, httpx2
and aiohttp, against the fake API served on loopback (behind a proxy that breaks
connections where a test needs it)."""

from __future__ import annotations

import logging
import socket
import sys
from collections.abc import Iterator

import httpx
import httpx2
import pytest

from smsmngr import (
    AsyncClient,
    ConfigurationError,
    DeliveryUncertainError,
    Message,
    RetryEvent,
    RetryPolicy,
    ServerError,
    TransportError,
)
from smsmngr.testing import FakeSmsManager, Fault, FaultKind, FaultPlan, FaultProxy, SocketFault
from smsmngr.testing import serve as serve_fake

pytestmark = pytest.mark.anyio

STACKS = ["httpx", "httpx2", "aiohttp"]
RETRY = RetryPolicy(max_retries=2, backoff_base=0.001, backoff_max=0.001)
MESSAGE = Message("Hi", to=["420777123456"])


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # aiohttp runs on asyncio only; trio is tested below


@pytest.fixture(params=STACKS)
def stack(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def fake() -> FakeSmsManager:
    return FakeSmsManager()


@pytest.fixture
def base_url(fake: FakeSmsManager) -> Iterator[str]:
    with serve_fake(fake) as url:
        yield url


def client_for(stack: str, base_url: str, **options: object) -> AsyncClient:
    return AsyncClient(
        api_key="test-api-key",
        base_url=base_url,
        http_stack=stack,  # type: ignore[arg-type]
        retry=options.pop("retry", RETRY),  # type: ignore[arg-type]
        **options,  # type: ignore[arg-type]
    )


async def test_a_send_and_a_campaign_go_through(
    stack: str, fake: FakeSmsManager, base_url: str
) -> None:
    async with client_for(stack, base_url) as client:
        one = await client.send(MESSAGE)
        simple = await client.send_simple("420777123456", "Hi", sender="Shop", method="GET")
        bulk = await client.send_bulk(Message("Sale", to=[f"4207{i:08d}" for i in range(1_000)]))
    assert one.recipient_message_ids()[0] == fake.ledger.sent[0].message_id
    assert one.headers["content-type"] == "application/json"
    assert simple.accepted
    assert (bulk.accepted, bulk.calls) == (1_000, 10)


async def test_a_bulk_upload_goes_through_with_its_length_and_no_key(
    stack: str, fake: FakeSmsManager, base_url: str
) -> None:
    # The fake's storage port answers a chunked body 501 and a request with the key 403.
    host = base_url.removesuffix("/v2")
    async with client_for(stack, base_url, api_host=host) as client:
        result = await client.upload_bulk(
            Message("Sale", to=[f"4207{i:08d}" for i in range(3000)]), bulk_id="b"
        )
    assert result.recipients == len(fake.ledger.sent) == 3000


async def test_a_refused_connection_is_retried_then_certainly_not_sent(stack: str) -> None:
    with socket.socket() as placeholder:  # a port that nothing listens on
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]
    events: list[RetryEvent] = []
    async with client_for(stack, f"http://127.0.0.1:{port}/v2", on_retry=events.append) as client:
        with pytest.raises(TransportError, match="after 3 attempts") as caught:
            await client.send(MESSAGE)
    assert [event.attempt for event in events] == [2, 3]
    assert f"could not reach 127.0.0.1:{port} after 3 attempts" in str(caught.value)


@pytest.mark.parametrize("fault", [SocketFault.RESET_BEFORE, SocketFault.RESET_AFTER])
async def test_a_connection_lost_after_the_request_left_is_uncertain_and_not_retried(
    stack: str, fake: FakeSmsManager, base_url: str, fault: SocketFault
) -> None:
    with FaultProxy(base_url, {fault: 1.0}) as proxy:
        async with client_for(stack, proxy.url) as client:
            with pytest.raises(DeliveryUncertainError, match="may have been sent"):
                await client.send(MESSAGE)
    assert len(proxy.requests) == 1  # never sent again
    assert len(fake.ledger.sent) == (1 if fault is SocketFault.RESET_AFTER else 0)


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_a_processed_then_cut_simple_send_reaches_the_server_once(
    stack: str, fake: FakeSmsManager, base_url: str, method: str
) -> None:
    # aiohttp repeats an idempotent request (GET) by itself after a dropped connection:
    # no stack may, only the SDK decides.
    with FaultProxy(base_url, {SocketFault.RESET_AFTER: 1.0}) as proxy:
        async with client_for(stack, proxy.url) as client:
            with pytest.raises(DeliveryUncertainError):
                await client.send_simple("420777123456", "Hi", sender="Shop", method=method)  # type: ignore[arg-type]
    assert len(proxy.requests) == 1
    assert len(fake.ledger.sent) == 1


async def test_the_aiohttp_session_has_its_own_retry_switched_off() -> None:
    # A private switch of aiohttp's (ClientSession._retry_connection, 3.11+): this fails
    # on any aiohttp where it no longer exists or is no longer read.
    import inspect

    import aiohttp

    assert "_retry_connection" in aiohttp.ClientSession.ATTRS
    assert "self._retry_connection" in inspect.getsource(aiohttp.ClientSession._request)
    async with client_for("aiohttp", "http://127.0.0.1:1/v2") as client:
        session = client._transport._connection.client.session()
        assert session._retry_connection is False


@pytest.mark.slow
async def test_an_answer_slower_than_the_read_timeout_is_uncertain(
    stack: str, fake: FakeSmsManager, base_url: str
) -> None:
    with FaultProxy(base_url, {SocketFault.STALL: 1.0}, stall=2.0) as proxy:
        async with client_for(stack, proxy.url, timeout=httpx.Timeout(5, read=0.2)) as client:
            with pytest.raises(DeliveryUncertainError):
                await client.send(MESSAGE)
    assert len(proxy.requests) == 1
    assert len(fake.ledger.sent) == 1  # processed: the answer came too late


async def test_a_429_is_waited_out_and_a_500_is_not_retried(stack: str) -> None:
    fake = FakeSmsManager(
        faults=FaultPlan(
            calls={1: Fault(FaultKind.RATE_LIMIT, retry_after=0.01), 3: "server_error"}
        )
    )
    with serve_fake(fake) as base_url:
        async with client_for(stack, base_url) as client:
            await client.send(MESSAGE)  # call 1: 429, call 2: accepted
            with pytest.raises(ServerError):
                await client.send(MESSAGE)  # call 3: 500 after processing
    assert [call.status for call in fake.ledger.calls] == [429, 200, 500]


@pytest.mark.slow
async def test_the_pool_holds_as_many_connections_as_the_campaign_runs_calls(stack: str) -> None:
    fake = FakeSmsManager(faults=FaultPlan(rates={Fault(FaultKind.SLOW, delay=0.3): 1.0}))
    concurrency = 30  # more than httpx keeps alive by default (20)
    recipients = [f"4207{i:08d}" for i in range(100 * concurrency * 2 + 100)]
    with serve_fake(fake) as base_url, FaultProxy(base_url, {}) as proxy:
        async with client_for(stack, proxy.url) as client:
            result = await client.send_bulk(Message("Sale", to=recipients), concurrency=concurrency)
    assert result.accepted == len(recipients)
    # One connection per call in flight, each reused: none opened again, none waited for.
    assert proxy.connections_opened == concurrency


async def test_no_log_line_holds_the_key_or_a_recipient(
    stack: str, base_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with client_for(stack, base_url) as client:
        await client.send_simple("420777123456", "Secret text", sender="Shop", method="GET")
        await client.send(MESSAGE)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "GET" in logged  # the stack's request lines were captured, and redacted
    for secret in ("test-api-key", "420777123456", "Secret"):
        assert secret not in logged


@pytest.mark.parametrize("line_ending", ["\n", "\r\n", " "])
async def test_a_key_read_from_a_file_is_sent_without_its_line_ending(
    stack: str, fake: FakeSmsManager, base_url: str, line_ending: str
) -> None:
    async with AsyncClient(
        api_key=fake.api_key + line_ending,
        base_url=base_url,
        http_stack=stack,  # type: ignore[arg-type]
    ) as client:
        await client.send(MESSAGE)
        await client.send_simple("420777123456", "Hi", sender="Shop", method="GET")
    assert len(fake.ledger.sent) == 2


async def test_aiohttps_connect_timeout_quotes_no_url_query_anywhere(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # aiohttp's ConnectionTimeoutError text is the whole URL: on the GET simple
    # endpoint, the key, the number and the text.
    import asyncio

    import aiohttp

    async def connect_times_out(*args: object, **kwargs: object) -> None:
        raise asyncio.TimeoutError

    monkeypatch.setattr(aiohttp.BaseConnector, "connect", connect_times_out)
    caplog.set_level(logging.DEBUG)
    events: list[RetryEvent] = []
    async with client_for("aiohttp", "http://127.0.0.1:9/v2", on_retry=events.append) as client:
        with pytest.raises(TransportError) as caught:
            await client.send_simple("420777123456", "Secret offer", sender="Shop", method="GET")
    assert "could not reach 127.0.0.1:9 after 3 attempts" in str(caught.value)
    assert "Connection timeout to host" in str(caught.value)
    texts = [str(caught.value), *(event.reason for event in events)]
    texts += [record.getMessage() for record in caplog.records]
    for secret in ("test-api-key", "420777123456", "Secret"):
        assert not [text for text in texts if secret in text]


async def test_a_callers_httpx2_client_is_used(fake: FakeSmsManager, base_url: str) -> None:
    async with httpx2.AsyncClient() as http_client:
        async with AsyncClient(
            api_key="test-api-key", base_url=base_url, http_client=http_client
        ) as client:
            await client.send(MESSAGE)
        assert not http_client.is_closed  # a caller's client stays open
    assert len(fake.ledger.sent) == 1


def test_a_stack_and_a_client_together_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="not both"):
        AsyncClient(api_key="k", http_stack="httpx2", http_client=httpx.AsyncClient())


def test_an_unknown_stack_or_client_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="one of httpx, httpx2, aiohttp"):
        AsyncClient(api_key="k", http_stack="requests")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match=r"httpx\.AsyncClient or an httpx2\.AsyncClient"):
        AsyncClient(api_key="k", http_client=httpx.Client())


@pytest.mark.parametrize(("stack", "module"), [("httpx2", "httpx2"), ("aiohttp", "aiohttp")])
def test_a_stack_not_installed_says_which_extra_to_install(
    stack: str, module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(
        ConfigurationError, match=rf'the {stack} extra .*pip install "\.\[{stack}\]"'
    ):
        AsyncClient(api_key="k", http_stack=stack)  # type: ignore[arg-type]


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_aiohttp_under_trio_is_refused_before_sending(
    fake: FakeSmsManager, base_url: str
) -> None:
    async with client_for("aiohttp", base_url) as client:
        with pytest.raises(ConfigurationError, match="asyncio only"):
            await client.send(MESSAGE)
    assert fake.ledger.calls == []


@pytest.mark.parametrize("module_name", ["httpx", "httpx2"])
def test_a_blocking_http_client_is_refused_at_construction(module_name: str) -> None:
    module = pytest.importorskip(module_name)
    with module.Client() as blocking, pytest.raises(ConfigurationError) as refused:
        AsyncClient(api_key="k", http_client=blocking)
    assert str(refused.value) == (
        "http_client must be an httpx.AsyncClient or an httpx2.AsyncClient, "
        f"got a blocking {module_name}.Client (the SDK awaits its requests)"
    )
