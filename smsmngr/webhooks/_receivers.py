"""Ready webhook receivers: an ASGI app and a WSGI app, no framework needed.

Both answer 2xx only after the handler returned, and after whatever awaitable it
returned was awaited, so a failing handler gets the events delivered again by the
platform. Refused requests are logged without their contents.
"""

from __future__ import annotations

import hashlib
import hmac
import inspect
import logging
import os
import traceback
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any
from urllib.parse import unquote

import anyio
import anyio.to_thread
import attrs

from ..errors import ConfigurationError, WebhookError
from ._events import Event
from ._parse import DEFAULT_MAX_BYTES, parse

__all__ = ["asgi_receiver", "wsgi_receiver"]

logger = logging.getLogger("smsmngr.webhooks")

Handler = Callable[[list[Event]], Any]


@attrs.frozen
class _Refusal:
    status: int
    reason: str


_REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    405: "Method Not Allowed",
    411: "Length Required",
    413: "Content Too Large",
    500: "Internal Server Error",
}


@attrs.frozen
class _Rules:
    """What a request must satisfy before the handler sees it."""

    token: str | None
    token_param: str
    hmac_secret: bytes | None
    signature_header: str
    max_body_bytes: int

    def refuse_early(self, method: str, query: str, content_length: str | None) -> _Refusal | None:
        if method != "POST":
            return _Refusal(405, "only POST is accepted")
        declared = None if content_length is None else _declared_length(content_length)
        if content_length is not None and declared is None:
            return _Refusal(400, "Content-Length is not a number of ASCII digits")
        if self.token is not None:
            given = _query_value(query, self.token_param)
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                return _Refusal(403, "missing or wrong token")
        if declared is not None and declared > self.max_body_bytes:
            return _Refusal(413, "body too large")
        return None

    def read(self, body: bytes, headers: Mapping[str, str]) -> list[Event] | _Refusal:
        if len(body) > self.max_body_bytes:
            return _Refusal(413, "body too large")
        if self.hmac_secret is not None:
            given = headers.get(self.signature_header.lower(), "").strip().lower()
            given = given.removeprefix("sha256=")
            expected = hmac.new(self.hmac_secret, body, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(given.encode(), expected.encode()):
                return _Refusal(403, "missing or wrong signature")
        try:
            return parse(body, max_bytes=self.max_body_bytes)
        except WebhookError as error:
            return _Refusal(400, str(error).split(":")[0])  # no body contents in the log


def _declared_length(value: str) -> int | None:
    """A Content-Length header as a number, or None when it is not ASCII digits
    (``str.isdigit`` also takes ``"²"``, which ``int`` refuses).

    >>> _declared_length("12"), _declared_length("²"), _declared_length("-1")
    (12, None, None)
    """
    if not (value.isascii() and value.isdigit()):
        return None
    # int() refuses over 4300 digits; anything this long is over any body limit anyway.
    return int(value) if len(value) <= 18 else 10**18


def _query_value(query: str, name: str) -> str:
    """The last value of ``name`` in a query string, percent-decoded only: a ``+`` stays
    a ``+`` (a standard base64 token keeps its ``+``), not a space as in forms.

    >>> _query_value("token=ab+c%2Fd%3D&x=1", "token")
    'ab+c/d='
    >>> _query_value("x=1", "token")
    ''
    """
    found = ""
    for part in query.split("&"):
        key, _, value = part.partition("=")
        if unquote(key) == name:
            found = unquote(value)
    return found


def _rules(
    token: str | None,
    token_param: str,
    hmac_secret: str | bytes | None,
    signature_header: str,
    max_body_bytes: int,
) -> _Rules:
    # An empty secret would match an empty (or missing) one: authentication off, silently.
    if token is not None and not token:
        raise ConfigurationError("token must not be empty: give a long random secret, or None")
    if hmac_secret is not None and not hmac_secret:
        raise ConfigurationError("hmac_secret must not be empty: give a secret, or None")
    secret = hmac_secret.encode() if isinstance(hmac_secret, str) else hmac_secret
    return _Rules(token, token_param, secret, signature_header, max_body_bytes)


def _recording(
    handler: Handler | None, journal: str | os.PathLike[str] | None, campaign: str | None
) -> Handler:
    """``handler``, after the reports among the events are recorded into ``journal``."""
    if journal is None:
        if handler is None:
            raise ConfigurationError("a receiver needs a handler, or a journal= to record into")
        if campaign is not None:
            raise ConfigurationError("campaign= names a campaign in journal=: give journal= too")
        return handler
    from ..bulk._backend import is_database_url

    if is_database_url(journal) != (campaign is not None):
        raise ConfigurationError(
            "campaign= goes with a postgresql:// journal, and only with one (a journal file "
            "holds one campaign)"
        )
    from ..bulk import record_delivery_reports

    def record(events: list[Event]) -> Any:
        record_delivery_reports(journal, events, campaign=campaign)
        return handler(events) if handler is not None else None

    return record


def _is_async_callable(handler: Callable[..., Any]) -> bool:
    """Whether calling ``handler`` gives a coroutine without blocking: run it on the loop."""
    call = type(handler).__call__  # an object with ``async def __call__``
    return inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(call)


def _boxed_call(handler: Handler, events: list[Event]) -> tuple[Any]:
    return (handler(events),)


async def _awaited(result: Awaitable[Any]) -> Any:
    return await result


def _refused(refusal: _Refusal) -> int:
    """The status that answers a refusal, once it is logged."""
    logger.warning("webhook refused with %d: %s", refusal.status, refusal.reason)
    return refusal.status


async def _handled_async(handler: Handler, events: list[Event], *, on_the_loop: bool) -> int:
    """200 once ``handler`` is done with ``events``, 500 (logged) if it raised."""
    try:
        if on_the_loop:
            result = handler(events)
        else:
            # Boxed: trio refuses a coroutine as a thread's result.
            (result,) = await anyio.to_thread.run_sync(_boxed_call, handler, events)
        # Whatever the handler's shape (a partial, an object, a lambda), what it
        # returns is awaited before the answer: a 200 tells the platform it is done.
        if inspect.isawaitable(result):
            await result
    except Exception as error:
        _log_handler_failure(error)
        return 500
    return 200


def _handled(handler: Handler, events: list[Event]) -> int:
    """200 once ``handler`` is done with ``events`` (an awaitable it returns run to its
    end on an event loop of its own), 500 (logged) if it raised."""
    try:
        result = handler(events)
        if inspect.isawaitable(result):
            anyio.run(_awaited, result)
    except Exception as error:
        _log_handler_failure(error)
        return 500
    return 200


def _log_handler_failure(error: Exception) -> None:
    """Where the handler failed, by type and place: its message may carry a phone
    number or a payload, and logs carry no personal data."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno} in {frames[-1].name}" if frames else ""
    logger.error(
        "webhook handler raised %s%s; answering 500 for redelivery", type(error).__name__, where
    )


def asgi_receiver(
    handler: Callable[[list[Event]], Awaitable[Any] | Any] | None = None,
    *,
    token: str | None = None,
    token_param: str = "token",  # noqa: S107 (a parameter name, not a secret)
    hmac_secret: str | bytes | None = None,
    signature_header: str = "X-Signature",
    max_body_bytes: int = DEFAULT_MAX_BYTES,
    journal: str | os.PathLike[str] | None = None,
    campaign: str | None = None,
) -> Callable[[Any, Any, Any], Awaitable[None]]:
    """An ASGI app that parses each POST and calls ``handler(events)``.

    ``handler`` may be async, or sync (it then runs in a worker thread); an awaitable it
    returns is awaited before the answer. With ``token``,
    the callback URL must carry ``?token=...`` (compared in constant time); with
    ``hmac_secret``, the ``signature_header`` must hold the hex HMAC-SHA256 of the body.
    With ``journal=`` (and ``campaign=`` for a PostgreSQL journal), the delivery reports
    are recorded into the campaign's journal first (``record_delivery_reports``), then
    ``handler``, if any, is called: a receiver replica writes reports as they arrive,
    while the campaign's workers run.

    Example::

        async def handle(events):
            for event in events:
                ...
        app = asgi_receiver(handle, token=os.environ["WEBHOOK_TOKEN"])
    """
    rules = _rules(token, token_param, hmac_secret, signature_header, max_body_bytes)
    handler = _recording(handler, journal, campaign)
    on_the_loop = _is_async_callable(handler)

    async def receive_events(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = scope.get("query_string", b"").decode("latin-1")
        outcome: list[Event] | _Refusal | None = rules.refuse_early(
            scope["method"], query, headers.get("content-length")
        )
        if outcome is None:
            chunks, size = [], 0
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    # The sender left before the body ended: a truncated body is not the
                    # events, and nobody is there to answer. It will deliver again.
                    logger.warning("webhook sender disconnected before the body ended")
                    return
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > rules.max_body_bytes:
                    outcome = _Refusal(413, "body too large")
                    break
                chunks.append(chunk)
                if not message.get("more_body"):
                    break
            if outcome is None:
                outcome = rules.read(b"".join(chunks), headers)
        if isinstance(outcome, _Refusal):
            status = _refused(outcome)
        else:
            status = await _handled_async(handler, outcome, on_the_loop=on_the_loop)
        await _asgi_answer(send, status)

    return _ASGIApp(receive_events)


class _ASGIApp:
    """An ASGI application object: frameworks route to an object as to an ASGI app
    (Starlette's ``Route`` takes a plain function for a request handler instead)."""

    def __init__(self, app: Callable[[Any, Any, Any], Awaitable[None]]) -> None:
        self._app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self._app(scope, receive, send)


def _plain_answer(status: int) -> tuple[bytes, list[tuple[str, str]]]:
    """The body and headers of every answer: the reason phrase as plain text."""
    body = _REASONS.get(status, "").encode()
    headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]
    if status == 405:
        headers.append(("Allow", "POST"))
    return body, headers


async def _asgi_answer(send: Any, status: int) -> None:
    body, headers = _plain_answer(status)
    raw_headers = [(name.lower().encode(), value.encode()) for name, value in headers]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


def wsgi_receiver(
    handler: Callable[[list[Event]], Any] | None = None,
    *,
    token: str | None = None,
    token_param: str = "token",  # noqa: S107 (a parameter name, not a secret)
    hmac_secret: str | bytes | None = None,
    signature_header: str = "X-Signature",
    max_body_bytes: int = DEFAULT_MAX_BYTES,
    journal: str | os.PathLike[str] | None = None,
    campaign: str | None = None,
) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    """A WSGI app that parses each POST and calls ``handler(events)``; see
    ``asgi_receiver`` for the options. ``handler`` is best a plain function: an
    awaitable it returns (an async handler's coroutine) is run to its end on an event
    loop of its own, as Flask runs async views, before the answer.

    Example::

        app = wsgi_receiver(lambda events: save(events), hmac_secret=SECRET)
        app = wsgi_receiver(journal="postgresql://db/sms", campaign="sale")  # reports only
    """
    rules = _rules(token, token_param, hmac_secret, signature_header, max_body_bytes)
    handler = _recording(handler, journal, campaign)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        length = environ.get("CONTENT_LENGTH") or None
        outcome: list[Event] | _Refusal | None = rules.refuse_early(
            environ.get("REQUEST_METHOD", ""), environ.get("QUERY_STRING", ""), length
        )
        if outcome is None:
            if length is None:
                outcome = _Refusal(411, "a Content-Length is required")
            else:
                outcome = rules.read(environ["wsgi.input"].read(int(length)), headers)
        status = _refused(outcome) if isinstance(outcome, _Refusal) else _handled(handler, outcome)
        body, answer_headers = _plain_answer(status)
        start_response(f"{status} {_REASONS.get(status, '')}", answer_headers)
        return [body]

    return app
