"""The messages the account received (``client.inbox``): replies and inbound
messages by day, for when no webhook caught them.

Example::

    for message in await client.inbox.list("2026-07-30"):
        print(message.sender, message.body)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from ._reading import items, mapping, optional, optional_text, read_object, readers_for
from ._rest import RestResource, day

__all__ = ["AsyncInbox", "InboxMessage"]


@attrs.frozen
class InboxMessage:
    """One message received (``GET /inbox``): ``sender`` is the number it came from
    (the API's ``from``; ``None`` where it gives none), ``recipient`` your number or
    sender it went to (``to``), and ``payload`` the payload of the message it answers,
    if any."""

    sender: str | None = None
    body: str | None = None
    recipient: str | None = None
    gateway: str | None = None
    ts_received: dt.datetime | None = None
    payload: Mapping[str, Any] | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


_READERS = readers_for(InboxMessage, sender=optional_text, payload=optional(mapping))
_NAMES = {"sender": "from", "recipient": "to"}


def parse_inbox_message(data: Any) -> InboxMessage:
    """One item of a ``GET /inbox`` answer's ``inbox``."""
    return read_object(InboxMessage, data, _READERS, names=_NAMES)


_messages = items(parse_inbox_message)


class AsyncInbox(RestResource):
    """The account's received messages on a client's key and connections: ``client.inbox``."""

    async def list(self, date: dt.date | str) -> tuple[InboxMessage, ...]:
        """The messages received on ``date`` (REST ``GET /inbox``), as the platform
        lists them. A read: repeated after a lost answer.

        Example::

            for message in await client.inbox.list(dt.date.today()):
                print(message.ts_received, message.sender, message.body)
        """
        query = {"date": day("date", date)}
        answer = await self._call("GET", "/inbox", query=query, repeat=True)
        return self._read(answer, "inbox", _messages, where="GET /inbox")
