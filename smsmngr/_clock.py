"""The API's clock, as the ``Date`` headers of its answers tell it: the local clock may
be minutes off, and a journal judges a recipient's age by the platform's time."""

from __future__ import annotations

import email.utils
import time

__all__ = ["PlatformClock", "clock_offset"]


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


class PlatformClock:
    """The API's clock as its answers tell it; the local clock may be minutes off."""

    __slots__ = ("_date", "_server_time", "offset")

    def __init__(self) -> None:
        self.offset: float | None = None
        self._date: str | None = None  # the last Date read, and the time it stands for:
        self._server_time = 0.0  # it changes once a second, answers come far more often

    def observe(self, date_header: str | None) -> None:
        received_at = time.time()
        if date_header is not None and date_header == self._date:
            self.offset = self._server_time - received_at
            return
        offset = clock_offset(date_header, received_at)
        if offset is not None:
            self.offset = offset
            self._date, self._server_time = date_header, received_at + offset
