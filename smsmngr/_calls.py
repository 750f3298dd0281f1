"""The ``/messages`` call, made by ``send_batch()`` and by every call of a bulk
campaign: one request and one reading of its answer for both."""

from __future__ import annotations

from collections.abc import Callable

from ._pacer import Pacer
from ._transport import Transport
from ._wire import parse_send_result
from .models import SendResult

__all__ = ["post_messages"]


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
