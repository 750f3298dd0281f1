"""Calls shared by more than one caller, each one request and one reading of its
answer: ``/messages`` (``send_batch()`` and every call of a bulk campaign), and the
REST API's reads (the status methods and reconciling a journal)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ._pacer import Pacer
from ._transport import Transport
from ._wire import parse_send_result
from .errors import ResponseFormatError, SmsManagerError
from .models import SendResult

__all__ = ["get_rest", "post_messages", "read_field", "registered_senders", "request_object"]

_T = TypeVar("_T")


async def post_messages(
    transport: Transport,
    content: bytes,
    recipients_per_message: tuple[int, ...],
    *,
    pacer: Pacer | None = None,
    before_send: Callable[[], object] | None = None,
) -> SendResult:
    """``POST /messages`` with ``content``, a JSON array of wire messages carrying these
    many recipients each; the answer is read into a ``SendResult`` or raises."""
    reply = await transport.request(
        "POST", "/messages", json_content=content, pacer=pacer, before_send=before_send
    )
    return parse_send_result(
        reply.data,
        status_code=reply.status_code,
        headers=reply.headers,
        recipients_per_message=recipients_per_message,
        keyed_by_message=True,
    )


async def request_object(
    transport: Transport, method: str, path: str, **options: Any
) -> Mapping[str, Any]:
    """One request whose answer must be a JSON object (as the REST and Verify APIs'
    are); ``options`` go to ``Transport.request``."""
    reply = await transport.request(method, path, **options)
    if not isinstance(reply.data, Mapping):
        raise ResponseFormatError(
            f"{method} {path} answered {reply.status_code} with a body that is not a JSON object",
            status_code=reply.status_code,
            body=reply.data,
            headers=reply.headers,
        )
    return reply.data


async def get_rest(transport: Transport, path: str, query: Mapping[str, str]) -> Mapping[str, Any]:
    """``GET`` a REST API v1 ``path``: a read, so retried after 5xx and lost answers."""
    return await request_object(
        transport, "GET", path, query=query, base_url=transport.rest_base_url, idempotent=True
    )


def read_field(
    answer: Mapping[str, Any], field: str, parse: Callable[[Any], _T], *, path: str
) -> _T:
    """``parse(answer[field])``, or ``ResponseFormatError`` naming what is wrong."""
    try:
        return parse(answer.get(field))
    except (ValueError, TypeError) as error:
        raise ResponseFormatError(
            f"GET {path} answered with a {field!r} that is not as documented: {error}",
            status_code=200,
            body=dict(answer),
        ) from None


async def registered_senders(transport: Transport) -> Mapping[str, frozenset[str]] | str:
    """The key's registered senders by channel (REST ``GET /apikey/me``), or why they
    cannot be read."""
    try:
        answer = await get_rest(transport, "/apikey/me", {})
    except SmsManagerError as error:
        return f"the key's registered senders cannot be read (GET /apikey/me: {error})"
    me = answer.get("me")
    listed = me.get("senders") if isinstance(me, Mapping) else None
    senders: dict[str, set[str]] = {}
    for sender in listed if isinstance(listed, list) else []:
        if isinstance(sender, Mapping):
            senders.setdefault(str(sender.get("flow")), set()).add(str(sender.get("value")))
    return {channel: frozenset(values) for channel, values in senders.items()}
