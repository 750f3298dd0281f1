"""The only module that does HTTP: one request, its attempts, and what each one ended in.

Its parts are their own modules: the configuration (``_config``), the key
(``_auth``), whether to try again (``_retry``) and the error an answer stands for
(``_status_errors``). Retries happen only where the API certainly did not act: anything
that may have sent messages (a 5xx, a read timeout, a connection dropped after the
request left) raises ``DeliveryUncertainError``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import os
import sys
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import anyio
import httpx
from anyio.lowlevel import RunVar

from ._auth import ApiKeyAuth, Secret
from ._clock import PlatformClock
from ._config import (
    DEFAULT_TIMEOUT,
    KEEP,
    BaseUrls,
    Keep,
    checked_headers,
    checked_timeout,
    deadline,
    user_agent,
)
from ._pacer import Pacer
from ._retry import (
    DEFAULT_RETRY,
    Answered,
    GiveUp,
    Lost,
    Outcome,
    RetryEvent,
    RetryHook,
    RetryPolicy,
    Unreached,
    decide,
    parse_retry_after,
)
from ._stacks import HttpStack, Verdict
from ._status_errors import Answer, Reply, decode, error_for, read_reply
from .errors import (
    ConfigurationError,
    DeliveryUncertainError,
    SmsManagerError,
    TransportError,
    ValidationError,
)

__all__ = ["Reply", "Transport"]

logger = logging.getLogger("smsmngr")

_Outcome = Answer | Unreached | SmsManagerError
"""How one attempt ended: the answer, or what went wrong as a value (to raise unchained)."""


class _Connection:
    """The httpx client and the event loop and process it belongs to; shared by a
    client and the copies ``with_options()`` makes of it."""

    def __init__(self, stack: HttpStack, http_client: Any, timeout: httpx.Timeout) -> None:
        self.stack = stack
        self.owned = http_client is None
        self.timeout = timeout
        self.client = http_client if http_client is not None else self._new_client()
        self.bound_to: tuple[int, object] | None = None  # (process, event loop) of first use

    def _new_client(self) -> Any:
        return self.stack.make_client(self.timeout)

    def for_this_loop(self) -> Any:
        """The httpx client, checked against the event loop and process using it.

        An httpx client's connections belong to the event loop (and the process) that
        opened them: used from another, a request can go out and its answer be lost. So
        a client used from a second event loop is refused before anything is sent; in a
        forked child, the SDK's own httpx client is replaced (the parent's connections
        are not the child's), and a supplied one is refused.
        """
        if self.client.is_closed:
            raise ConfigurationError(
                "this client's connections are closed (by aclose(), the end of its `with` "
                "block, or a given http_client closed): nothing was sent; create a new client"
            )
        if self.stack.asyncio_only:
            _require_asyncio(self.stack.name)
        pid, loop = _forks, _event_loop_marker()
        if self.bound_to is None:
            self.bound_to = (pid, loop)
            return self.client
        bound_pid, bound_loop = self.bound_to
        if pid != bound_pid and self.owned:
            self.client = self._new_client()
            self.bound_to = (pid, loop)
        elif pid != bound_pid:
            raise ConfigurationError(
                "the http_client given to this client was used in another process (this "
                "one was forked from it): create the http_client, and the client, in the "
                "process that uses them"
            )
        elif loop is not bound_loop:
            raise ConfigurationError(
                "this client was first used in another event loop (a second asyncio.run or "
                "trio.run?): its connections belong to that loop. Create the client inside "
                "the event loop that uses it, or use the blocking Client from plain code"
            )
        return self.client


class Transport:
    """Sends one API request, retrying only what certainly did not reach the API."""

    def __init__(
        self,
        api_key: Secret,
        urls: BaseUrls,
        stack: HttpStack,
        http_client: Any = None,
        *,
        timeout: httpx.Timeout | float | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
        headers: Mapping[str, str] | None = None,
        app_info: str | None = None,
        on_retry: RetryHook | None = None,
    ) -> None:
        """``api_key``, ``urls`` and ``stack`` as ``_config`` and ``_stacks`` resolve
        them from a client's arguments and the environment; ``http_client`` is the
        caller's own, of ``stack``."""
        self._api_key = api_key
        self.base_url: str = urls.sending
        self.rest_base_url: str = urls.rest
        self.verify_base_url: str = urls.verify
        self._refused_urls = urls.refused
        # One pace per API: a 429 from the REST or Verify API does not hold sends back.
        self._pacers = {url: Pacer() for url in (urls.sending, urls.rest, urls.verify)}
        self._stack = stack
        self._connection = _Connection(stack, http_client, checked_timeout(timeout))
        self._is_copy = False
        self._header_auth = ApiKeyAuth(self._api_key, in_query=False)
        self._query_auth = ApiKeyAuth(self._api_key, in_query=True)
        self._clock = PlatformClock()
        self._headers = {"user-agent": user_agent(app_info), "accept": "application/json"}
        self._configure(timeout, retry, headers, on_retry)

    def _configure(
        self,
        timeout: httpx.Timeout | float | None,
        retry: RetryPolicy,
        headers: Mapping[str, str] | None,
        on_retry: RetryHook | None,
    ) -> None:
        if not isinstance(retry, RetryPolicy):
            raise ValidationError("retry", f"must be a RetryPolicy, got {type(retry).__name__}")
        if on_retry is not None and not callable(on_retry):
            raise ValidationError("on_retry", f"must be callable, got {type(on_retry).__name__}")
        self._timeout = checked_timeout(timeout)
        self._stack_timeout = self._stack.timeout(self._timeout)
        self._deadline = deadline(self._timeout)
        self.retry = retry
        self._on_retry = on_retry
        self._headers = {**self._headers, **checked_headers(headers)}
        self._json_headers = {**self._headers, "content-type": "application/json"}

    def with_options(
        self,
        *,
        timeout: httpx.Timeout | float | Keep | None = KEEP,
        retry: RetryPolicy | Keep = KEEP,
        headers: Mapping[str, str] | Keep = KEEP,
        on_retry: RetryHook | Keep | None = KEEP,
    ) -> Transport:
        """A copy with other options that shares this one's connections, pace and key;
        ``KEEP`` keeps this one's value, and ``headers`` are added to its own."""
        for name, value in (("retry", retry), ("headers", headers)):
            if value is None:
                raise ValidationError(
                    name, "cannot be None: leave it out, or pass KEEP, to keep the client's"
                )
        copy = object.__new__(Transport)
        copy.__dict__.update(self.__dict__)
        copy._is_copy = True
        copy._configure(
            self._timeout if timeout is KEEP else timeout,
            self.retry if retry is KEEP else retry,
            None if headers is KEEP else headers,
            self._on_retry if on_retry is KEEP else on_retry,
        )
        return copy

    def __repr__(self) -> str:
        return f"<Transport base_url={self.base_url!r}>"

    @property
    def clock_offset(self) -> float | None:
        """Seconds the API's clock is ahead of this machine's (the ``Date`` of its latest
        answer against the local time it arrived), or ``None`` before any answer."""
        return self._clock.offset

    def key_fingerprint(self, salt: bytes) -> str:
        """A salted HMAC of the API key: tells keys apart, and cannot give the key back."""
        return self._api_key.fingerprint(salt)

    def describe(self, error: BaseException) -> str:
        """A stack's exception as text for an SDK error, a retry event or a log line:
        without the key, and without the query of any URL it quotes."""
        return self._api_key.describe(error)

    async def aclose(self) -> None:
        # A copy's connections are its original's, closed with it.
        if self._connection.owned and not self._is_copy:
            await self._connection.client.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        json_content: bytes | None = None,
        form: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
        key_in_query: bool = False,
        pacer: Pacer | None = None,
        before_send: Callable[[], object] | None = None,
        base_url: str | None = None,
        idempotent: bool = False,
        retry_429: bool | Callable[[Any], bool] = True,
        send_key: bool = True,
        raw: bool = False,
        content: Any = None,
        headers: Mapping[str, str] | None = None,
        where: str | None = None,
    ) -> Reply:
        """Send a request and return the decoded 2xx answer, or raise a mapped error.

        ``json_content`` is a JSON body, already encoded; ``form`` a form body. Every
        attempt waits its turn with ``pacer`` (by default the client's own for the API at
        ``base_url``), and a 429 pauses that pacer, so concurrent requests back off
        together. ``before_send()``
        runs once the turn has come, right before each attempt leaves. ``base_url``
        (the sending API's by default) is where ``path`` is. An ``idempotent`` request
        (a read) is also retried after answers that may have been lost and after 5xx:
        repeating it sends nothing. ``retry_429=False`` raises a 429 at once (where it
        means "no more attempts", not "later"), and a function of the 429's body says
        whether this one is waited out; ``send_key=False`` sends no API key.
        ``raw=True`` gives a 2xx answer's bytes as they came (a file, not JSON).
        ``content`` is any other body (a re-iterable stream, sent with the ``headers``
        given), and ``where`` names the request in errors (``"METHOD path"`` by default).
        """
        refused = self._refused_urls.get(base_url or self.base_url)
        if refused is not None:
            raise ConfigurationError(refused)
        client = self._connection.for_this_loop()
        pacer = pacer if pacer is not None else self._pacers[base_url or self.base_url]
        sent_headers = self._headers if json_content is None else self._json_headers
        if headers:
            sent_headers = {**sent_headers, **headers}
        url = (base_url or self.base_url) + path
        build = functools.partial(
            client.build_request,
            method,
            url,
            content=json_content if json_content is not None else content,
            data=form,
            params=query,
            headers=sent_headers,
            timeout=self._stack_timeout,
        )
        send = functools.partial(
            client.send,
            # The key is added by httpx, so no frame of ours holds it in a local.
            auth=(self._query_auth if key_in_query else self._header_auth) if send_key else None,
        )
        where = where or f"{method} {path}"

        def wait_429(outcome: _Outcome) -> bool:
            if not callable(retry_429):
                return retry_429
            if isinstance(outcome, (Unreached, SmsManagerError)) or outcome.status_code != 429:
                return False
            return retry_429(decode(outcome))

        attempt = 0
        while True:
            await pacer.wait_turn()
            if before_send is not None:
                before_send()
            outcome = await self._attempt(build, send, where, url)
            # Raised here, outside any except block: no httpx exception is chained to an
            # SDK error, so no traceback of one (locals included) holds a request.
            if isinstance(outcome, SmsManagerError) and not isinstance(
                outcome, DeliveryUncertainError
            ):
                raise outcome
            seen = self._seen(outcome, where, attempt)
            decision = decide(
                self.retry, seen, attempt, idempotent=idempotent, retry_429=wait_429(outcome)
            )
            if isinstance(decision, GiveUp):
                return self._last(outcome, seen, decision, where, url, attempt, raw)
            if decision.pause_all:
                pacer.pause(decision.delay)
            attempt += 1
            delay, reason = decision.delay, decision.reason
            logger.warning("%s: %s, retry %d in %.2fs", where, reason, attempt, delay)
            if self._on_retry is not None:
                status_code = seen.status_code if isinstance(seen, Answered) else None
                self._tell_retry(RetryEvent(method, path, attempt + 1, delay, reason, status_code))
            await anyio.sleep(delay)

    def _seen(self, outcome: _Outcome, where: str, attempt: int) -> Outcome:
        """What the retry decision needs to know of an attempt."""
        if isinstance(outcome, Unreached):
            return outcome
        if isinstance(outcome, SmsManagerError):
            return Lost(type(outcome).__name__)
        self._clock.observe(outcome.headers.get("date"))
        logger.debug("%s answered %d (attempt %d)", where, outcome.status_code, attempt + 1)
        status = outcome.status_code
        # Only a refusal's wait is ever read: a success's is not looked up.
        retry_after = (
            parse_retry_after(outcome.headers.get("retry-after")) if status >= 400 else None
        )
        return Answered(status, outcome.reason_phrase, retry_after)

    @staticmethod
    def _last(
        outcome: _Outcome,
        seen: Outcome,
        decision: GiveUp,
        where: str,
        url: str,
        attempt: int,
        raw: bool,
    ) -> Reply:
        """The answer of the last attempt, or the error it ends in."""
        if isinstance(outcome, Unreached):
            raise TransportError(
                f"{where}: could not reach {_host_of(url)} after {attempt + 1} "
                f"attempts: {outcome.reason}"
            )
        if isinstance(outcome, SmsManagerError):
            raise outcome
        if decision is GiveUp.FINAL and raw and outcome.is_success:
            return Reply(outcome.status_code, outcome.content, outcome.headers)
        if decision is GiveUp.FINAL:
            return read_reply(outcome, where)
        retry_after = seen.retry_after if isinstance(seen, Answered) else None
        raise error_for(outcome, where, retry_after=retry_after)

    def _tell_retry(self, event: RetryEvent) -> None:
        try:
            self._on_retry(event)  # type: ignore[misc]
        except Exception as error:
            # Nothing of this request was processed: say so, with the hook's error.
            raise TransportError(
                f"{event.method} {event.path}: not sent, on_retry raised "
                f"{type(error).__name__}: {error}"
            ) from error

    async def _attempt(
        self,
        build: Callable[[], Any],
        send: Callable[[Any], Awaitable[Answer]],
        where: str,
        url: str,
    ) -> _Outcome:
        """One attempt: the answer, or what went wrong as a value (to raise unchained)."""
        try:
            request = build()
        except Exception as error:
            # Refused by the stack while building the request: nothing left.
            return TransportError(f"{where}: not sent, refused locally: {self.describe(error)}")
        try:
            if self._stack.keeps_deadline:
                return await send(request)
            # anyio.fail_after, without its two layers of context managers.
            deadline = self._deadline
            scope = anyio.CancelScope(
                deadline=math.inf if deadline is None else anyio.current_time() + deadline
            )
            with scope:
                return await send(request)
            raise TimeoutError  # reached only when the deadline cancelled the send
        except Exception as error:
            # The stack's verdict first: aiohttp's own timeouts are TimeoutErrors too
            # (asyncio's own class before Python 3.11).
            verdict = self._stack.verdict(error)
            if verdict is None and isinstance(error, (TimeoutError, asyncio.TimeoutError)):
                within = "" if self._deadline is None else f" within {self._deadline:g}s"
                return DeliveryUncertainError(
                    f"{where}: no whole answer{within} (the server answered too slowly); "
                    "the messages may have been sent"
                )
            if verdict is Verdict.RETRY:
                return Unreached(self.describe(error))
            if verdict is Verdict.NOT_SENT:
                return TransportError(
                    f"{where}: not sent to {_host_of(url)}: {self.describe(error)}"
                )
            if verdict is Verdict.UNCERTAIN:
                return DeliveryUncertainError(
                    f"{where}: the request was sent but its answer was lost "
                    f"({type(error).__name__}); the messages may have been sent"
                )
            if isinstance(error, (RuntimeError, OSError)):
                # An http client used where it cannot work (another event loop, a
                # forked process): whether the request left is unknown.
                return DeliveryUncertainError(
                    f"{where}: the HTTP client failed ({self.describe(error)}); "
                    "the messages may have been sent"
                )
            raise


def _host_of(url: str) -> str:
    """The host (and port, when the URL names one) that ``url`` is on: what an error
    that could not reach it names, rather than the whole URL."""
    parsed = httpx.URL(url)
    return parsed.host if parsed.port is None else f"{parsed.host}:{parsed.port}"


def _running_asyncio_loop() -> object | None:
    asyncio = sys.modules.get("asyncio")  # not imported for trio users
    return asyncio._get_running_loop() if asyncio is not None else None


def _require_asyncio(stack: str) -> None:
    import asyncio  # here: importing the SDK does not import asyncio for trio users

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        raise ConfigurationError(
            f"http_stack={stack!r} runs on asyncio only, and this is another event loop "
            "(trio?): use http_stack='httpx' or 'httpx2' there"
        ) from None


_LOOP_MARKER: RunVar[object] = RunVar("smsmngr_event_loop")

_forks = 0
"""How many forks this process is from the one that imported the SDK: unlike
``os.getpid()``, it cannot be fooled by a recycled pid, and costs nothing to read."""


def _forked() -> None:
    global _forks
    _forks += 1


if hasattr(os, "register_at_fork"):  # not on Windows, which cannot fork
    os.register_at_fork(after_in_child=_forked)


def _event_loop_marker() -> object:
    """An object unique to the running event loop (asyncio or trio): on asyncio, the
    loop itself (asyncio's own lookup, far cheaper than anyio's)."""
    loop = _running_asyncio_loop()
    if loop is not None:
        return loop
    try:
        return _LOOP_MARKER.get()
    except LookupError:
        marker = object()
        _LOOP_MARKER.set(marker)
        return marker
