"""The only module that does HTTP: base URL, auth, timeouts, retries and error mapping.

Retries happen only where the API certainly did not act: a connection that could not
be opened, a pool timeout, or a 429. Anything that may have sent messages (a 5xx, a read
timeout, a connection dropped after the request left) raises ``DeliveryUncertainError``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import functools
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import platform
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final, NamedTuple
from urllib.parse import quote, quote_plus

import anyio
import attrs
import httpx
from anyio.lowlevel import RunVar

from ._pacer import Pacer
from ._redact import redact_queries
from ._stacks import HttpStack, HttpStackName, Verdict, stack_for, stack_of
from ._version import __version__
from ._wire import request_id_of
from .errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    DeliveryUncertainError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    SmsManagerError,
    TransportError,
    ValidationError,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_REST_BASE_URL",
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "KEEP",
    "Reply",
    "RetryEvent",
    "RetryPolicy",
    "Transport",
]

DEFAULT_BASE_URL = "https://api.smsmngr.com/v2"
DEFAULT_REST_BASE_URL = "https://rest-api.smsmngr.com/v1"
"""The REST API v1 (message status, statistics, credit), on the same key."""
DEFAULT_VERIFY_BASE_URL = "https://verify-api.smsmanager.com"
"""The Verify API (one-time codes), on the same key."""
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
API_KEY_ENV = "SMSMANAGER_API_KEY"
BASE_URL_ENV = "SMSMANAGER_BASE_URL"
REST_BASE_URL_ENV = "SMSMANAGER_REST_BASE_URL"
VERIFY_BASE_URL_ENV = "SMSMANAGER_VERIFY_BASE_URL"
API_HOST_ENV = "SMSMANAGER_API_HOST"
USER_AGENT = (
    f"smsmngr/{__version__} (Python {platform.python_version()}; "
    f"{platform.system() or 'unknown'} {platform.machine() or 'unknown'}) httpx/{httpx.__version__}"
)
# Headers the SDK sets itself: given as default or per-call headers, they would be lost.
_OWN_HEADERS = frozenset({"x-api-key", "content-type", "content-length", "host"})

logger = logging.getLogger("smsmngr")

_ERROR_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
}


@attrs.frozen
class RetryPolicy:
    """When and how long to wait before trying a request again.

    Only requests that certainly did not reach the API are retried, ``max_retries``
    times, waiting a random time up to ``backoff_base * 2**attempt`` (capped at
    ``backoff_max``), or exactly what a 429's ``Retry-After`` asks. A ``Retry-After``
    longer than ``max_retry_after`` is not waited for: ``RateLimitError`` is raised.

    >>> RetryPolicy(max_retries=0)  # never retry
    RetryPolicy(max_retries=0, backoff_base=0.5, backoff_max=8.0, max_retry_after=60.0)
    """

    max_retries: int = attrs.field(default=3, validator=attrs.validators.ge(0))
    backoff_base: float = attrs.field(default=0.5, validator=attrs.validators.ge(0))
    backoff_max: float = attrs.field(default=8.0, validator=attrs.validators.ge(0))
    max_retry_after: float = attrs.field(default=60.0, validator=attrs.validators.ge(0))

    def backoff(self, attempt: int) -> float:
        """Full jitter: a random wait up to the exponential bound."""
        # 2 ** 64 half-seconds already exceed any cap: past that, the bound stays put.
        bound = min(self.backoff_max, self.backoff_base * 2.0 ** min(attempt, 64))
        return random.uniform(0, bound)  # noqa: S311


DEFAULT_RETRY = RetryPolicy()


class Reply(NamedTuple):
    status_code: int
    data: Any
    headers: httpx.Headers


class _Keep:
    """The type of ``KEEP``: "the value the client already has"."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = _Keep()
"""For ``with_options()``: keep the original client's value (``timeout=None`` means none)."""


@attrs.frozen
class RetryEvent:
    """What ``on_retry`` is told before the SDK waits and tries a request again.

    ``attempt`` is the number of the attempt about to be made (2 for the first retry),
    ``delay`` the seconds it will wait first, and ``reason`` why the last attempt
    failed: a connection that could not be opened, a pool timeout, or a 429
    (``status_code`` then says so).

    >>> event = RetryEvent("POST", "/messages", attempt=2, delay=0.5,
    ...                    reason="429 Too Many Requests", status_code=429)
    >>> f"{event.method} {event.path}: {event.reason}, attempt {event.attempt} in {event.delay}s"
    'POST /messages: 429 Too Many Requests, attempt 2 in 0.5s'
    """

    method: str
    path: str
    attempt: int
    delay: float
    reason: str
    status_code: int | None = None


RetryHook = Callable[[RetryEvent], object]


class _Secret:
    """Holds the API key so that no repr, log line or traceback local shows it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def scrub(self, text: str) -> str:
        """``text`` without the key, as it is or as a URL carries it."""
        for form in {self._value, quote(self._value, safe=""), quote_plus(self._value)}:
            text = text.replace(form, "***")
        return text

    def __repr__(self) -> str:
        return "<secret>"


def resolve_api_key(api_key: str | None) -> _Secret:
    """The key, without the whitespace around it that a key pasted or read from a file
    brings (a line ending, a space); a key that holds any other character an HTTP
    header cannot carry (a control character, NUL included) is refused, unquoted."""
    source = "api_key" if api_key is not None else API_KEY_ENV
    key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
    if key is not None and not isinstance(key, str):
        raise ConfigurationError(f"api_key must be a string, got {type(key).__name__}")
    secret = _Secret((key or "").strip())
    if not secret.reveal():
        raise ConfigurationError(
            f"no API key: pass api_key=... or set the {API_KEY_ENV} environment variable"
        )
    problem = _unsendable_character(secret)
    if problem is not None:
        raise ConfigurationError(
            f"{source}: the API key holds {problem}, which an HTTP header cannot carry "
            "(an API key is printable ASCII): check how it was copied or read"
        )
    return secret


def _unsendable_character(secret: _Secret) -> str | None:
    """Where the key holds a character outside printable ASCII, said without the key."""
    for position, character in enumerate(secret.reveal(), 1):
        if not " " <= character <= "~":
            kind = "a control character" if character.isascii() else "a non-ASCII character"
            return f"{kind} (U+{ord(character):04X}) at position {position}"
    return None


def resolve_api_host(api_host: str | None) -> str | None:
    """The one host every API is on (``api_host``, else ``$SMSMANAGER_API_HOST``), if any.

    >>> resolve_api_host("http://127.0.0.1:8000/")
    'http://127.0.0.1:8000'
    """
    given = api_host or os.environ.get(API_HOST_ENV)
    if not given:
        return None
    name = "api_host" if api_host else API_HOST_ENV
    url = _checked_url(given, name)
    if httpx.URL(url).path not in ("", "/") or httpx.URL(url).query:
        raise ConfigurationError(
            f"{name} must be a scheme and a host (and port), without a path, got {given!r}: "
            "each API's path (/v2, /v1) is added to it"
        )
    return url


class _Api(NamedTuple):
    label: str
    option: str
    env: str
    path: str  # after the host, with api_host
    default: str


_SENDING = _Api("the JSON API", "base_url", BASE_URL_ENV, "/v2", DEFAULT_BASE_URL)
_REST = _Api("the REST API", "rest_base_url", REST_BASE_URL_ENV, "/v1", DEFAULT_REST_BASE_URL)
_VERIFY = _Api(
    "the Verify API", "verify_base_url", VERIFY_BASE_URL_ENV, "", DEFAULT_VERIFY_BASE_URL
)


class BaseUrls(NamedTuple):
    """Where each API is, and the APIs that may not be called (why, by base URL)."""

    sending: str
    rest: str
    verify: str
    refused: Mapping[str, str]


def resolve_base_urls(
    base_url: str | None,
    rest_base_url: str | None,
    verify_base_url: str | None,
    api_host: str | None,
) -> BaseUrls:
    """Each API's base URL: its own argument, else its own variable, else ``api_host``
    with its path, else production.

    With the sending API pointed elsewhere, an API left on production by default is
    refused (at its first call): the key would go where the user did not choose.
    """
    host = resolve_api_host(api_host)
    urls: list[str] = []
    refused: dict[str, str] = {}
    for api, given in ((_SENDING, base_url), (_REST, rest_base_url), (_VERIFY, verify_base_url)):
        chosen = given or os.environ.get(api.env) or (host + api.path if host else None)
        urls.append(_checked_url(chosen or api.default, api.option))
        if chosen is None and api is not _SENDING:
            refused[api.default] = _left_on_production(api, urls[0])
    sending, rest, verify = urls
    if sending == DEFAULT_BASE_URL:
        refused = {}
    return BaseUrls(sending, rest, verify, refused)


def _left_on_production(api: _Api, sending: str) -> str:
    return (
        f"{api.label} was left on production ({api.default}) while base_url points at "
        f"{sending}: the API key is not sent there. Point every API at one host with "
        f"api_host or {API_HOST_ENV}, or give {api.option} or {api.env} (a production URL "
        "given there is used)"
    )


def _checked_url(url: str, name: str) -> str:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as error:
        raise ConfigurationError(f"{name} is not a valid URL: {error}") from None
    if parsed.scheme == "http" and not _is_loopback(parsed.host):
        raise ConfigurationError(
            f"{name} must use https (plain http would expose the API key), got {url!r}; "
            "http is allowed only for loopback hosts"
        )
    if parsed.scheme not in ("https", "http") or not parsed.host:
        raise ConfigurationError(f"{name} must be an https URL, got {url!r}")
    return url.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_retry_after(value: str | None, *, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date.

    >>> parse_retry_after("2.5")
    2.5
    >>> parse_retry_after("Wed, 21 Oct 2015 07:28:05 GMT",
    ...                   now=dt.datetime(2015, 10, 21, 7, 28, tzinfo=dt.timezone.utc))
    5.0
    """
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.timezone.utc)
        seconds = (when - (now or dt.datetime.now(dt.timezone.utc))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def clock_offset(date_header: str | None, received_at: float) -> float | None:
    """Seconds a server's clock is ahead of ours, from the ``Date`` header of an answer
    received at ``received_at`` (local time), or ``None`` without a readable one.

    >>> clock_offset("Wed, 21 Oct 2015 08:28:00 GMT", 1445412480.0)
    3600.0
    """
    if not date_header:
        return None
    try:
        when = email.utils.parsedate_to_datetime(date_header)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return when.timestamp() - received_at


class _PlatformClock:
    """The API's clock as its answers tell it; the local clock may be minutes off."""

    __slots__ = ("offset",)

    def __init__(self) -> None:
        self.offset: float | None = None

    def observe(self, date_header: str | None) -> None:
        offset = clock_offset(date_header, time.time())
        if offset is not None:
            self.offset = offset


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
        pid, loop = os.getpid(), _event_loop_marker()
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
        *,
        api_key: str | None,
        base_url: str | None,
        rest_base_url: str | None = None,
        verify_base_url: str | None = None,
        api_host: str | None = None,
        timeout: httpx.Timeout | float | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
        http_client: Any = None,
        http_stack: HttpStackName | None = None,
        headers: Mapping[str, str] | None = None,
        app_info: str | None = None,
        on_retry: RetryHook | None = None,
    ) -> None:
        self._api_key = resolve_api_key(api_key)
        urls = resolve_base_urls(base_url, rest_base_url, verify_base_url, api_host)
        self.base_url: str = urls.sending
        self.rest_base_url: str = urls.rest
        self.verify_base_url: str = urls.verify
        self._refused_urls = urls.refused
        # One pace per API: a 429 from the REST or Verify API does not hold sends back.
        self._pacers = {url: Pacer() for url in (urls.sending, urls.rest, urls.verify)}
        if http_client is not None and http_stack is not None:
            raise ConfigurationError(
                "give http_stack or http_client, not both: an http_client is of its own stack"
            )
        stack = (
            stack_of(http_client) if http_client is not None else stack_for(http_stack or "httpx")
        )
        self._stack = stack
        self._connection = _Connection(stack, http_client, _checked_timeout(timeout))
        self._is_copy = False
        self._header_auth = _ApiKeyAuth(self._api_key, in_query=False)
        self._query_auth = _ApiKeyAuth(self._api_key, in_query=True)
        self._clock = _PlatformClock()
        user_agent = USER_AGENT if app_info is None else f"{USER_AGENT} {_token(app_info)}"
        self._headers = {"user-agent": user_agent, "accept": "application/json"}
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
        self._timeout = _checked_timeout(timeout)
        self._stack_timeout = self._stack.timeout(self._timeout)
        self._deadline = _deadline(self._timeout)
        self.retry = retry
        self._on_retry = on_retry
        self._headers = {**self._headers, **_checked_headers(headers)}

    def with_options(
        self,
        *,
        timeout: httpx.Timeout | float | _Keep | None,
        retry: RetryPolicy | None,
        headers: Mapping[str, str] | None,
        on_retry: RetryHook | _Keep | None,
    ) -> Transport:
        """A copy with other options that shares this one's connections, pace and key."""
        copy = object.__new__(Transport)
        copy.__dict__.update(self.__dict__)
        copy._is_copy = True
        copy._configure(
            self._timeout if isinstance(timeout, _Keep) else timeout,
            self.retry if retry is None else retry,
            headers,
            self._on_retry if isinstance(on_retry, _Keep) else on_retry,
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
        """A salted HMAC of the API key: tells keys apart, and cannot give the key back.

        >>> t = Transport(api_key="k", base_url=None)
        >>> t.key_fingerprint(b"salt") == t.key_fingerprint(b"salt") != t.key_fingerprint(b"s")
        True
        """
        return hmac.new(salt, self._api_key.reveal().encode(), hashlib.sha256).hexdigest()

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
        """
        refused = self._refused_urls.get(base_url or self.base_url)
        if refused is not None:
            raise ConfigurationError(refused)
        client = self._connection.for_this_loop()
        pacer = pacer if pacer is not None else self._pacers[base_url or self.base_url]
        headers = self._headers
        if json_content is not None:
            headers = {**headers, "content-type": "application/json"}
        url = (base_url or self.base_url) + path
        build = functools.partial(
            client.build_request,
            method,
            url,
            content=json_content,
            data=form,
            params=query,
            headers=headers,
            timeout=self._stack_timeout,
        )
        send = functools.partial(
            client.send,
            # The key is added by httpx, so no frame of ours holds it in a local.
            auth=(self._query_auth if key_in_query else self._header_auth) if send_key else None,
        )
        where = f"{method} {path}"
        attempt = 0
        while True:
            await pacer.wait_turn()
            if before_send is not None:
                before_send()
            outcome = await self._attempt(build, send, where, url)
            # Raised here, outside any except block: no httpx exception is chained to an
            # SDK error, so no traceback of one (locals included) holds a request.
            status_code = None
            if isinstance(outcome, _Retriable):
                if attempt >= self.retry.max_retries:
                    raise TransportError(
                        f"{where}: could not reach {_host_of(url)} after {attempt + 1} "
                        f"attempts: {outcome.reason}"
                    )
                delay = self.retry.backoff(attempt)
                reason = outcome.reason
            elif isinstance(outcome, SmsManagerError):
                repeatable = idempotent and isinstance(outcome, DeliveryUncertainError)
                if not repeatable or attempt >= self.retry.max_retries:
                    raise outcome
                delay = self.retry.backoff(attempt)
                reason = f"{type(outcome).__name__} (a read: safe to repeat)"
            else:
                response = outcome
                status = response.status_code
                self._clock.observe(response.headers.get("date"))
                logger.debug("%s answered %d (attempt %d)", where, status, attempt + 1)
                waited_out = status == 429 and (
                    retry_429(_decode(response)) if callable(retry_429) else retry_429
                )
                if not (waited_out or (idempotent and status >= 500)):
                    return _read(response, where)
                retry_after = parse_retry_after(response.headers.get("retry-after"))
                too_long = retry_after is not None and retry_after > self.retry.max_retry_after
                if attempt >= self.retry.max_retries or too_long:
                    raise _error_for(response, where, retry_after=retry_after)
                status_code = status
                if status == 429:
                    delay = retry_after if retry_after is not None else self.retry.backoff(attempt)
                    reason = "429 Too Many Requests"
                    pacer.pause(delay)
                else:
                    delay = self.retry.backoff(attempt)
                    reason = f"{status} {response.reason_phrase} (a read)"
            attempt += 1
            logger.warning("%s: %s, retry %d in %.2fs", where, reason, attempt, delay)
            if self._on_retry is not None:
                self._tell_retry(RetryEvent(method, path, attempt + 1, delay, reason, status_code))
            await anyio.sleep(delay)

    def _tell_retry(self, event: RetryEvent) -> None:
        try:
            self._on_retry(event)  # type: ignore[misc]
        except Exception as error:
            # Nothing of this request was processed: say so, with the hook's error.
            raise TransportError(
                f"{event.method} {event.path}: not sent, on_retry raised "
                f"{type(error).__name__}: {error}"
            ) from error

    def describe(self, error: BaseException) -> str:
        """A stack's exception as text for an SDK error, a retry event or a log line:
        without the key, and without the query of any URL it quotes."""
        return self._api_key.scrub(redact_queries(f"{type(error).__name__}: {error}"))

    async def _attempt(
        self,
        build: Callable[[], Any],
        send: Callable[[Any], Awaitable[httpx.Response]],
        where: str,
        url: str,
    ) -> httpx.Response | _Retriable | SmsManagerError:
        """One attempt: the answer, or what went wrong as a value (to raise unchained)."""
        try:
            request = build()
        except Exception as error:
            # Refused by the stack while building the request: nothing left.
            return TransportError(f"{where}: not sent, refused locally: {self.describe(error)}")
        try:
            with anyio.fail_after(self._deadline):
                return await send(request)
        except TimeoutError:
            return DeliveryUncertainError(
                f"{where}: no whole answer within {self._deadline}s (the server answered "
                "too slowly); the messages may have been sent"
            )
        except Exception as error:
            verdict = self._stack.verdict(error)
            if verdict is Verdict.RETRY:
                return _Retriable(self.describe(error))
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


def _event_loop_marker() -> object:
    """An object unique to the running event loop (asyncio or trio)."""
    try:
        return _LOOP_MARKER.get()
    except LookupError:
        marker = object()
        _LOOP_MARKER.set(marker)
        return marker


class _Retriable(NamedTuple):
    """An attempt that certainly never reached the API."""

    reason: str


class _ApiKeyAuth:
    """Adds the key to each request: in the ``x-api-key`` header, or, for the GET
    simple endpoint, as the ``apikey`` query parameter. A plain callable, which httpx
    and httpx2 both take as ``auth``."""

    def __init__(self, secret: _Secret, *, in_query: bool) -> None:
        self._secret = secret
        self._in_query = in_query

    def __call__(self, request: Any) -> Any:
        if self._in_query:
            request.url = request.url.copy_merge_params({"apikey": self._secret.reveal()})
        else:
            request.headers["x-api-key"] = self._secret.reveal()
        return request

    def __repr__(self) -> str:
        return "<api key>"


def _checked_headers(headers: Mapping[str, str] | None) -> dict[str, str]:
    """Extra request headers, refusing those the SDK sets itself (they would be lost)."""
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        raise ValidationError("headers", f"must be a mapping, got {type(headers).__name__}")
    checked = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise ValidationError(f"headers[{name!r}]", "names and values must be strings")
        _check_header_on_the_wire(name, value)
        if name.lower() in _OWN_HEADERS:
            hint = " (pass api_key=)" if name.lower() == "x-api-key" else ""
            raise ValidationError(f"headers[{name!r}]", f"is set by the SDK itself{hint}")
        checked[name.lower()] = value
    return checked


_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def _check_header_on_the_wire(name: str, value: str) -> None:
    """Refuse what no stack can send as it is (each would raise its own error, or
    aiohttp send ``x-api-key : other``); the value is not quoted: it may be a secret."""
    if not _HEADER_NAME.fullmatch(name):
        raise ConfigurationError(
            f"headers[{name!r}]: a header name is one token of ASCII letters, digits and "
            "!#$%&'*+-.^_`|~ (no space, no line break, no other character)"
        )
    for position, character in enumerate(value, 1):
        if not (" " <= character <= "~" or character == "\t"):
            raise ConfigurationError(
                f"headers[{name!r}]: a header value is printable ASCII, with no line break "
                f"or other control character; U+{ord(character):04X} at position {position}"
            )


def _checked_timeout(timeout: httpx.Timeout | float | None) -> httpx.Timeout:
    if isinstance(timeout, httpx.Timeout):
        phases: tuple[object, ...] = tuple(timeout.as_dict().values())
    else:
        phases = (timeout,)
    for phase in phases:
        if phase is not None and (
            isinstance(phase, bool) or not isinstance(phase, (int, float)) or not phase >= 0
        ):
            raise ValidationError(
                "timeout", f"must be seconds (0 or more), an httpx.Timeout or None, got {phase!r}"
            )
    return httpx.Timeout(timeout)


def _token(app_info: str) -> str:
    """``app_info`` as a User-Agent product token: printable ASCII, no line breaks."""
    if not isinstance(app_info, str) or not app_info.strip():
        raise ValidationError("app_info", "must be a non-empty string, such as 'shop/2.1'")
    if not (app_info.isascii() and app_info.isprintable()):
        raise ValidationError("app_info", f"must be printable ASCII, got {app_info!r}")
    return app_info.strip()


def _deadline(phases: httpx.Timeout) -> float | None:
    """How long one attempt may take in all: httpx's timeouts apply to each read, so a
    server trickling its answer a byte at a time would hold a call for ever without it.
    The sum of the connect, write and read timeouts; no deadline without them."""
    parts = (phases.connect, phases.write, phases.read)
    if any(part is None for part in parts):
        return None
    return sum(part for part in parts if part is not None)


def _json(response: httpx.Response) -> Any:
    """The answer's JSON; ``ValueError`` for anything unreadable (nesting too deep for
    the parser included)."""
    try:
        return response.json()
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def _decode(response: httpx.Response) -> Any:
    try:
        return _json(response)
    except ValueError:
        return response.text


def _read(response: httpx.Response, where: str) -> Reply:
    if not response.is_success:
        raise _error_for(response, where)
    try:
        return Reply(response.status_code, _json(response), response.headers)
    except ValueError:
        raise ResponseFormatError(
            f"{where} answered {response.status_code} with a body that is not JSON",
            status_code=response.status_code,
            body=response.text,
            request_id=request_id_of(None, response.headers),
            headers=response.headers,
        ) from None


def _error_for(
    response: httpx.Response, where: str, *, retry_after: float | None = None
) -> APIError:
    status = response.status_code
    body = _decode(response)
    headers = response.headers
    request_id = request_id_of(body, headers)
    detail = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    if len(detail) > 300:
        detail = detail[:300] + "..."
    message = f"{where} answered {status} {response.reason_phrase}: {detail}".rstrip(": ")
    if status == 429:
        return RateLimitError(
            message, body=body, request_id=request_id, headers=headers, retry_after=retry_after
        )
    if status >= 500:
        message += " (the messages may have been sent)"
        return ServerError(
            message, status_code=status, body=body, request_id=request_id, headers=headers
        )
    error_type = _ERROR_BY_STATUS.get(status, APIError)
    if status == 400 and _is_wrong_key(body):
        error_type = AuthenticationError
    if error_type is AuthenticationError:
        # The sending API's 400 reads as a bad request: say what it means, then its text.
        message = f"{where}: the API key was refused ({status} {response.reason_phrase}): {detail}"
        message = message.rstrip(": ")
    return error_type(
        message, status_code=status, body=body, request_id=request_id, headers=headers
    )


def _is_wrong_key(body: Any) -> bool:
    """The sending API answers a bad key with 400 and this body (reference/errors.mdx):
    ``{"Message": "User is not authorized to access this resource with an explicit deny"}``."""
    text = body.get("Message") if isinstance(body, dict) else None
    return isinstance(text, str) and "not authorized" in text.lower()
