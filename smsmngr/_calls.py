"""Calls shared by more than one caller, each one request and one reading of its
answer: ``/messages`` (``send_batch()`` and every call of a bulk campaign), and the
REST API's reads (the status methods and reconciling a journal)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ._pacer import Pacer
from ._reading import Unreadable
from ._send_answers import parse_send_result
from ._status_errors import format_error
from ._transport import Reply, Transport
from .errors import ResponseFormatError
from .models import SendResult

__all__ = [
    "get_rest",
    "post_messages",
    "read_field",
    "request_object",
    "unreadable_answer",
]

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


async def request_object(transport: Transport, method: str, path: str, **options: Any) -> Reply:
    """One request whose answer must be a JSON object (as the REST and Verify APIs'
    are); ``options`` go to ``Transport.request``."""
    reply = await transport.request(method, path, **options)
    if not isinstance(reply.data, Mapping):
        raise unreadable_answer(
            f"{method} {path} answered {reply.status_code} with a body that is not a JSON object",
            reply,
        )
    return reply


async def get_rest(transport: Transport, path: str, query: Mapping[str, str]) -> Reply:
    """``GET`` a REST API v1 ``path``: a read, so retried after 5xx and lost answers."""
    return await request_object(
        transport, "GET", path, query=query, base_url=transport.rest_base_url, idempotent=True
    )


def read_field(answer: Reply, field: str, parse: Callable[[Any], _T], *, path: str) -> _T:
    """``parse`` of the object ``answer``'s ``field``, or ``ResponseFormatError``
    naming what is wrong."""
    try:
        return parse(answer.data.get(field))
    except Unreadable as error:
        reason = f"GET {path} answered with a {field!r} that is not as documented: {error}"
        raise unreadable_answer(reason, answer) from None


def unreadable_answer(reason: str, answer: Reply) -> ResponseFormatError:
    """``ResponseFormatError`` for ``answer``, with its status, headers and request id."""
    return format_error(
        reason, status_code=answer.status_code, body=answer.data, headers=answer.headers
    )
