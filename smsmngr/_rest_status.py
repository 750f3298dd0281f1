"""The REST API's status reads (``client.status``): one message's status, the rows
sent on a day, and statistics per send request and per day.

Example::

    status = await client.status.get_message_status(message_id)
    async for row in client.status.iter_messages("2026-07-30", tag="summer-sale"):
        print(row.phone_number, row.delivered)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncGenerator, Iterable
from typing import NoReturn

from ._reading import Unreadable, items, optional
from ._rest import RestResource, day, nonempty, sub_account
from .errors import ValidationError
from .status import (
    DailyStats,
    MessageRow,
    MessageStatus,
    RequestStats,
    parse_daily_stats,
    parse_message_row,
    parse_message_status,
    parse_request_stats,
)

__all__ = ["AsyncStatus"]


class AsyncStatus(RestResource):
    """The REST API's status reads on a client's key and connections: ``client.status``."""

    async def get_message_status(self, message_id: str) -> MessageStatus | None:
        """The status of one message sent with this key (REST ``GET /message``), or
        ``None`` when the platform has no such message for this key.

        A read: retried after 5xx answers and timeouts, unlike a send.

        Example::

            status = await client.status.get_message_status(result.recipient_message_ids()[0])
            status.is_delivered if status else "not found"
        """
        query = {"id": nonempty("message_id", message_id)}
        answer = await self._call("GET", "/message", query=query, repeat=True)
        return self._read(answer, "message", optional(parse_message_status), where="GET /message")

    async def iter_messages(
        self,
        date: dt.date | str,
        *,
        tag: str | None = None,
        phone_number: str | None = None,
        subid: str | None = None,
    ) -> AsyncGenerator[MessageRow, None]:
        """Every recipient's row sent on ``date`` (REST ``GET /messages``), page by page,
        optionally only those with ``tag`` or to ``phone_number``, of the sub-account
        ``subid`` (the account's own by default).

        Example::

            async for row in client.status.iter_messages("2026-07-30", tag="summer-sale"):
                print(row.phone_number, row.delivered, row.price_czk)
        """
        query = {"date": day("date", date), **sub_account(subid)}
        if tag is not None:
            query["tag"] = nonempty("tag", tag)
        if phone_number is not None:
            query["phone_number"] = self._normalize(phone_number, field="phone_number")
        cursors: set[str] = set()
        while True:
            answer = await self._call("GET", "/messages", query=query, repeat=True)
            for row in self._read(answer, "messages", _rows, where="GET /messages"):
                yield row
            cursor = self._read(answer, "next_cursor", _cursor, where="GET /messages")
            if cursor is None:
                return
            if cursor in cursors:
                self._read(answer, "next_cursor", _repeated, where="GET /messages")
            cursors.add(cursor)
            query["cursor"] = cursor

    async def get_request_stats(
        self, request_id: str, date: dt.date | str, *, subid: str | None = None
    ) -> RequestStats | None:
        """The statistics of one send request on ``date`` (REST ``GET /request``) of the
        sub-account ``subid`` (the account's own by default), or ``None`` when there are
        none.

        Example::

            stats = await client.status.get_request_stats(result.request_id, dt.date.today())
        """
        query = {"date": day("date", date), "id": nonempty("request_id", request_id)}
        query.update(sub_account(subid))
        answer = await self._call("GET", "/request", query=query, repeat=True)
        return self._read(answer, "request", optional(parse_request_stats), where="GET /request")

    async def get_daily_stats(
        self,
        dates: Iterable[dt.date | str],
        *,
        tag: str | None = None,
        subid: str | None = None,
    ) -> tuple[DailyStats, ...]:
        """Sending statistics per date (REST ``GET /requests``) of the sub-account
        ``subid`` (the account's own by default); dates without any are left out.

        Example::

            for day in await client.status.get_daily_stats(["2026-07-29", "2026-07-30"]):
                print(day.date, day.count_delivered, day.tags)
        """
        days = [day("dates", date) for date in dates]
        if not days:
            raise ValidationError("dates", "at least one date is required")
        query = {"dates": ",".join(days), **sub_account(subid)}
        if tag is not None:
            query["tag"] = nonempty("tag", tag)
        answer = await self._call("GET", "/requests", query=query, repeat=True)
        return self._read(answer, "requests", _daily, where="GET /requests")


_rows = items(parse_message_row)
_daily = items(parse_daily_stats)


def _cursor(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise Unreadable(f"must be a cursor string or null, got {value!r}")
    return value


def _repeated(value: object) -> NoReturn:
    raise Unreadable(f"came back again: the pages would never end (the cursor {value!r})")
