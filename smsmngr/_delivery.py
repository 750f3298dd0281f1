"""Delivery results: how far along each one says a message is, and whether it is final.

The one owner of the webhook ``result`` vocabulary (jsonapi_v2.yaml; guides/webhooks.mdx
gives its order: ``sending``, then ``sent``, then a final result; ``seen`` comes after
``delivered``). Reports are folded by ``rank`` everywhere: ``DeliveryTracker`` in
memory, a campaign's journal in SQL. A report replaces the one held only when its rank
is higher, so repeats and late earlier results change nothing.

>>> stage("sent") < stage("a-new-result") < stage("delivered") < stage("seen")
True
>>> is_final("rejected"), is_final("sending"), is_final("a-new-result")
(True, False, False)
>>> import datetime as dt
>>> later = dt.datetime(2026, 7, 30, tzinfo=dt.timezone.utc)
>>> rank("delivered", None) < rank("delivered", later) < rank("seen", None)
True
"""

from __future__ import annotations

import datetime as dt
import enum

__all__ = [
    "DELIVERED_RESULTS",
    "FAILURE_RESULTS",
    "FINAL_RESULTS",
    "NEVER_SENT",
    "REPORTED_SENT",
    "UNTIMED",
    "Stage",
    "is_final",
    "rank",
    "stage",
]


class Stage(enum.IntEnum):
    """How far along a result says a message is; a later stage is never replaced by
    an earlier one."""

    SENDING = 1
    SENT = 2
    NEW = 3
    """A result this SDK does not know yet: past sending, not known to be final."""
    FINAL = 4
    SEEN = 5
    """Read by the recipient: after ``delivered``, and final too."""


_STAGES = {
    "sending": Stage.SENDING,
    "sent": Stage.SENT,
    "delivered": Stage.FINAL,
    "undelivered": Stage.FINAL,
    "failed": Stage.FINAL,
    "rejected": Stage.FINAL,
    "seen": Stage.SEEN,
}

FINAL_RESULTS = frozenset(result for result, at in _STAGES.items() if at >= Stage.FINAL)
"""No later result follows these."""
FAILURE_RESULTS = frozenset({"undelivered", "failed", "rejected"})
"""Final results of a message that did not reach its recipient."""
DELIVERED_RESULTS = frozenset({"delivered", "seen"})
"""Final results of a message that reached its recipient."""
REPORTED_SENT = frozenset({"sent", "delivered", "undelivered", "seen"})
"""Results that say the message went out to the network."""
NEVER_SENT = frozenset({"rejected"})
"""Results that say the message never went out (others may not say either way)."""
UNTIMED = 0.0
"""The time a report without one ranks at: before any timed report of its stage."""


def stage(result: str) -> Stage:
    """How far along ``result`` says its message is (``Stage.NEW``: not known yet)."""
    return _STAGES.get(result, Stage.NEW)


def is_final(result: str) -> bool:
    """No later result will follow (a new, unknown result counts as not final)."""
    return stage(result) >= Stage.FINAL


def rank(result: str, timestamp: dt.datetime | None) -> tuple[int, float]:
    """Where a report stands among its message's: by stage, then by time. The journal
    compares ``(stage, coalesce(timestamp, UNTIMED))`` the same way in SQL."""
    return stage(result), UNTIMED if timestamp is None else timestamp.timestamp()
