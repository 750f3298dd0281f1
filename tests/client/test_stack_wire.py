"""What each HTTP stack puts on the wire and takes from it, seen by a plain server on
loopback: headers and options, redirects, timeouts, TLS set-up; and that the aiohttp
stack is aiohttp's own session, not httpx's client on top of it."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from smsmngr import APIError, AsyncClient, DeliveryUncertainError, Message, ServerError
from smsmngr._stacks import ssl_context

pytestmark = pytest.mark.anyio

STACKS = ["httpx", "httpx2", "aiohttp"]
API_KEY = "wire-key-5c1e"
MESSAGE = Message("Hi", to=["420777123456"])
ACCEPTED = b'{"request_id":"r-1","accepted":[{"key":"0","message_id":"m-1"}],"rejected":[]}'


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # aiohttp runs on asyncio only


@pytest.fixture(params=STACKS)
def stack(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class Recorder:
    """The requests a loopback server saw, each as its head's lines and its body."""

    def __init__(self, answers: list[bytes]) -> None:
        self.answers = answers
        self.requests: list[tuple[list[str], bytes]] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode()
                lines = head.strip().split("\r\n")
                length = next(
                    (
                        int(line.split(":")[1])
                        for line in lines
                        if line.lower().startswith("content-length:")
                    ),
                    0,
                )
                body = await reader.readexactly(length)
                self.requests.append((lines, body))
                answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
                writer.write(answer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def headers(self, number: int = 0) -> dict[str, str]:
        lines = self.requests[number][0][1:]
        fields = (line.partition(":") for line in lines)
        return {name.lower(): value.strip() for name, _, value in fields}


def answer(status: str, body: bytes, *extra: str) -> bytes:
    head = [f"HTTP/1.1 {status}", "content-type: application/json", *extra]
    head.append(f"content-length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


@asynccontextmanager
async def loopback(*answers: bytes) -> AsyncIterator[tuple[str, Recorder]]:
    recorder = Recorder(list(answers))
    server = await asyncio.start_server(recorder.serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/v2", recorder
    finally:
        server.close()


def client_for(stack: str, base_url: str, **options: object) -> AsyncClient:
    return AsyncClient(api_key=API_KEY, base_url=base_url, http_stack=stack, **options)  # type: ignore[arg-type]


async def test_the_key_headers_and_with_options_headers_reach_the_server(stack: str) -> None:
    async with (
        loopback(answer("200 OK", ACCEPTED)) as (url, server),
        client_for(stack, url, default_headers={"x-team": "growth"}) as client,
    ):
        await client.with_options(headers={"x-run": "7"}).send(MESSAGE)
    headers = server.headers()
    assert server.requests[0][0][0] == "POST /v2/message HTTP/1.1"
    assert headers["x-api-key"] == API_KEY
    assert headers["content-type"] == "application/json"
    assert headers["accept"] == "application/json"
    assert headers["user-agent"].startswith("smsmngr/")
    assert (headers["x-team"], headers["x-run"]) == ("growth", "7")
    assert server.requests[0][1].startswith(b'{"')


async def test_the_key_of_the_get_simple_endpoint_goes_in_its_query(stack: str) -> None:
    simple = b'{"request_id":"r-1","message_id":"m-1","accepted":true}'
    async with (
        loopback(answer("200 OK", simple)) as (url, server),
        client_for(stack, url) as client,
    ):
        await client.send_simple("420777123456", "Hi", sender="Shop", method="GET")
    request_line = server.requests[0][0][0]
    assert request_line.startswith("GET /v2/simple/message?")
    assert f"apikey={API_KEY}" in request_line
    assert "x-api-key" not in server.headers()


async def test_a_redirect_is_not_followed_so_nothing_is_sent_twice(stack: str) -> None:
    moved = answer("307 Temporary Redirect", b"", "location: /v2/elsewhere")
    async with loopback(moved) as (url, server), client_for(stack, url) as client:
        with pytest.raises(APIError) as caught:
            await client.send(MESSAGE)
    assert caught.value.status_code == 307
    assert len(server.requests) == 1


async def test_a_500s_text_body_is_read_whatever_its_charset(stack: str) -> None:
    body = "Chyba serveru: zpráva možná odešla".encode("iso-8859-2")
    broken = answer("500 Internal Server Error", body, "x-charset-note: 1")
    broken = broken.replace(b"application/json", b"text/plain; charset=iso-8859-2")
    async with loopback(broken) as (url, server), client_for(stack, url) as client:
        with pytest.raises(ServerError) as caught:
            await client.send(MESSAGE)
    assert "Chyba serveru: zpráva možná odešla" in str(caught.value)
    assert caught.value.headers["X-Charset-Note"] == "1"  # lookups ignore case
    assert len(server.requests) == 1


async def test_an_answer_cut_short_is_uncertain_and_not_retried(stack: str) -> None:
    cut = answer("200 OK", ACCEPTED)[:-10]  # the length promised, the body never finished

    async def serve_cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        seen.append(1)
        writer.write(cut)
        await writer.drain()
        writer.close()

    seen: list[int] = []
    server = await asyncio.start_server(serve_cut, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with client_for(stack, f"http://127.0.0.1:{port}/v2") as client:
            with pytest.raises(DeliveryUncertainError, match="may have been sent"):
                await client.send(MESSAGE)
    finally:
        server.close()
    assert seen == [1]


async def test_the_aiohttp_stack_is_aiohttps_own_session() -> None:
    import aiohttp

    from smsmngr._aiohttp import AiohttpClient

    async with loopback(answer("200 OK", ACCEPTED)) as (url, _):
        async with client_for("aiohttp", url) as client:
            await client.send(MESSAGE)
            http = client._transport._connection.client
            assert isinstance(http, AiohttpClient)
            assert isinstance(http.session(), aiohttp.ClientSession)
            assert isinstance(http.session().cookie_jar, aiohttp.DummyCookieJar)
        assert http.is_closed
        assert http.session().closed
    assert "httpx_aiohttp" not in sys.modules


def test_httpxs_timeouts_become_aiohttps_phases() -> None:
    from smsmngr._aiohttp import aiohttp_timeout

    timeout = aiohttp_timeout(httpx.Timeout(5.0, connect=2.0, read=7.0, pool=3.0))
    assert (timeout.total, timeout.connect, timeout.sock_connect, timeout.sock_read) == (
        2.0 + 5.0 + 7.0,  # the whole attempt's deadline: connect + write + read
        3.0,
        2.0,
        7.0,
    )
    assert aiohttp_timeout(httpx.Timeout(None)).total is None


@pytest.mark.slow
async def test_a_trickling_answer_cannot_hold_a_call_past_its_deadline(stack: str) -> None:
    given_up = asyncio.Event()
    trickled = asyncio.Event()

    async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 200\r\n\r\n")
        for _ in range(200):  # one byte each 0.1 s: no read waits long, the whole does
            await asyncio.sleep(0.1)
            if given_up.is_set():
                break
            writer.write(b" ")
        writer.close()
        trickled.set()

    server = await asyncio.start_server(trickle, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/v2"
    try:
        async with client_for(stack, url, timeout=0.3) as client:
            with pytest.raises(DeliveryUncertainError, match=r"no whole answer within 0\.9s"):
                await client.send(MESSAGE)
        given_up.set()
        await trickled.wait()  # within 0.1 s: the server would trickle on for 20 s
    finally:
        server.close()


def test_the_tls_context_is_made_once_for_the_same_certificate_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import certifi

    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    shared = ssl_context()
    assert ssl_context() is shared
    monkeypatch.setenv("SSL_CERT_FILE", certifi.where())
    assert ssl_context() is not shared  # a new setting is read, not the cached context
