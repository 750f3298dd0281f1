"""The fake's contact lists and inbox as it keeps them, and the rule it sends by: a
number on the block list, or on the opt-out list for a message tagged
``promotional``, is reported ``rejected`` (``[304]``) when the fake sends."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Callable, Mapping
from typing import Any

from ._ledger import SentRecipient
from ._rules import stored_tag

__all__ = ["DEFAULT_SUBID", "ON_A_LIST", "ListsState", "list_refusal"]

ON_A_LIST = "[304] Phone number is blacklisted or opted-out"
DEFAULT_SUBID = "default"


class ListsState:
    """The account's lists by ``(list, subid)``, the download URLs given out, and the
    inbox (what the fake's ``reply()`` and ``inbound()`` received)."""

    def __init__(self) -> None:
        self.numbers: dict[tuple[str, str], dict[str, None]] = {}
        """Each list's numbers, in the order they were added."""
        self.downloads: dict[str, tuple[bytes, float]] = {}
        """Each download token's file and the time it expires."""
        self.inbox: list[tuple[float, dict[str, Any]]] = []
        """Each message received: when, and its ``GET /inbox`` item."""
        self.clock: Callable[[], float] = time.time
        self.calling_code: str = ""
        self.time_zone: str = "Europe/Prague"
        self._tokens = itertools.count(1)

    def bind(self, clock: Callable[[], float], calling_code: str, time_zone: str) -> None:
        """The fake's clock, the account's calling code and time zone."""
        self.clock, self.calling_code, self.time_zone = clock, calling_code, time_zone

    def new_token(self, name: str) -> str:
        return f"{name}-{next(self._tokens)}"

    def listed(self, name: str, number: str, subid: str = DEFAULT_SUBID) -> bool:
        return number in self.numbers.get((name, subid), {})

    def received(self, event: Mapping[str, Any]) -> None:
        """Keep an inbound event (a reply or a message) for ``GET /inbox``."""
        at = self.clock()
        moment = dt.datetime.fromtimestamp(int(at), dt.timezone.utc)
        item = {
            "ts_received": moment.isoformat().replace("+00:00", "Z"),
            "body": event.get("body", ""),
            "from": event.get("sender", ""),
            "to": event.get("recipient", ""),
            "gateway": event.get("gateway", "sms"),
            "payload": event.get("payload"),
        }
        self.inbox.append((at, item))


def list_refusal(lists: ListsState, sent: SentRecipient) -> tuple[str, str] | None:
    """The ``rejected`` report of a message to a listed number, if it is: the block
    list stops every message, the opt-out list those tagged ``promotional``."""
    if lists.listed("blacklist", sent.phone_number):
        return ("rejected", ON_A_LIST)
    promotional = "promotional" in stored_tag(sent.message).split(",")
    if promotional and lists.listed("optout", sent.phone_number):
        return ("rejected", ON_A_LIST)
    return None
