"""The aiohttp stack: ``aiohttp.ClientSession`` driven directly (asyncio only).

It offers the transport the part of httpx's client API the transport uses
(``build_request``, ``send``, ``is_closed``, ``aclose``), and answers with the part of
an httpx response the transport reads, so that the transport's retry decision and
error mapping stay one. aiohttp's own retry of idempotent requests is switched off,
redirects are not followed, and no cookie is kept: only the SDK decides what is sent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs
import httpx

from ._config import deadline
from ._stacks import Verdict, ssl_context

if TYPE_CHECKING:
    import aiohttp

__all__ = ["AiohttpAnswer", "AiohttpClient", "AiohttpRequest", "aiohttp_timeout", "verdict"]


@attrs.define(eq=False, weakref_slot=False)
class AiohttpRequest:
    """One request, built and checked before anything is sent; the key is added to it
    by the client's auth, so no frame of the SDK holds it in a local."""

    method: str
    url: Any
    body: bytes | Mapping[str, str] | None
    params: Mapping[str, str] | None
    headers: dict[str, str]
    timeout: aiohttp.ClientTimeout

    def __repr__(self) -> str:
        return f"<AiohttpRequest {self.method} {self.url.path}>"


@attrs.define(eq=False, weakref_slot=False)
class AiohttpAnswer:
    """An answer, read whole, as the transport reads an httpx response."""

    status_code: int
    reason_phrase: str
    headers: Mapping[str, str]
    content: bytes
    _charset: str | None

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    def json(self) -> Any:
        return json.loads(self.content)

    @property
    def text(self) -> str:
        try:
            return self.content.decode(self._charset or "utf-8", errors="replace")
        except LookupError:  # a charset Python does not know
            return self.content.decode("utf-8", errors="replace")

    def __repr__(self) -> str:
        return f"<AiohttpAnswer [{self.status_code}]>"


def aiohttp_timeout(timeout: httpx.Timeout) -> aiohttp.ClientTimeout:
    """httpx's phases as aiohttp's: ``pool`` bounds the wait for a connection
    (aiohttp's ``connect``), ``connect`` the connecting, ``read`` each read, and the
    transport's deadline for a whole attempt is aiohttp's ``total`` (its timer runs
    until the answer is read: a trickling server cannot hold a call). aiohttp has no
    write timeout; the deadline covers writing too."""
    import aiohttp

    return aiohttp.ClientTimeout(
        total=deadline(timeout),
        connect=timeout.pool,
        sock_connect=timeout.connect,
        sock_read=timeout.read,
    )


class AiohttpClient:
    """An ``aiohttp.ClientSession`` (made on first use, in the running event loop)
    behind the client API the transport uses. The pool never limits (see ``_stacks``)."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None
        self.is_closed = False

    def session(self) -> aiohttp.ClientSession:
        """The session, made on first use: aiohttp binds it to the running loop."""
        if self._session is None:
            import aiohttp

            # The same certificate authorities as httpx's (certifi), on every stack.
            connector = aiohttp.TCPConnector(limit=0, limit_per_host=0, ssl=ssl_context())
            session = aiohttp.ClientSession(
                connector=connector, cookie_jar=aiohttp.DummyCookieJar(), trust_env=False
            )
            # aiohttp sends an idempotent request (GET) again by itself after a dropped
            # connection, though it may have been processed: only the SDK may decide.
            # Its one switch is private (aiohttp 3.11+); a test guards it.
            session._retry_connection = False
            self._session = session
        return self._session

    def build_request(
        self,
        method: str,
        url: str,
        *,
        content: bytes | None,
        data: Mapping[str, str] | None,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str],
        timeout: aiohttp.ClientTimeout,
    ) -> AiohttpRequest:
        """The request, its URL checked (a bad one raises here, before anything left)."""
        import aiohttp
        from yarl import URL

        parsed = URL(url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise aiohttp.InvalidURL(parsed.with_query(None))
        body = content if content is not None else data
        return AiohttpRequest(method, parsed, body, params, dict(headers), timeout)

    async def send(self, request: AiohttpRequest, *, auth: Any = None) -> AiohttpAnswer:
        """Send ``request`` (signed by ``auth``) and read its answer whole."""
        if auth is not None:
            auth.sign(request)
        async with self.session().request(
            request.method,
            request.url,
            params=request.params,
            data=request.body,
            headers=request.headers,
            timeout=request.timeout,
            allow_redirects=False,
        ) as response:
            content = await response.read()
            return AiohttpAnswer(
                response.status,
                response.reason or "",
                response.headers,
                content,
                response.charset,
            )

    async def aclose(self) -> None:
        self.is_closed = True
        if self._session is not None:
            await self._session.close()


def verdict(error: BaseException) -> Verdict | None:
    """What an aiohttp exception says about a request; ``None`` if it is not aiohttp's."""
    import aiohttp

    if not isinstance(error, aiohttp.ClientError):
        return None
    final = (
        aiohttp.ClientConnectorCertificateError,
        aiohttp.InvalidURL,
        aiohttp.NonHttpUrlClientError,
    )
    if isinstance(error, final):
        return Verdict.NOT_SENT
    # Waited for a connection, or to connect (ConnectionTimeoutError, aiohttp 3.10+), or
    # could not connect at all: the request never left.
    never_left = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)
    if isinstance(error, never_left):
        return Verdict.RETRY
    return Verdict.UNCERTAIN  # disconnected, reset or timed out once the request was out
