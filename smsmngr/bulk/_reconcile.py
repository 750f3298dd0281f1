"""After a campaign: what the platform says about the recipients a campaign could not
tell about, and what their delivery reports say about all of them.

``reconcile`` looks every ``unknown`` recipient of a journal up in the REST API's list
of messages sent (by the day it was sent, its number and its message's tag). A row
found there is taken as proof that the platform processed it: it becomes ``accepted``,
with the row's message id, and is never sent again. A recipient not found ``grace``
after its call is marked ``failed`` ("safe to send again"), so that a resume sends it;
one not found sooner stays ``unknown``. ``funnel`` folds delivery reports in.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import AsyncIterator, Callable, Iterable
from itertools import groupby
from typing import TYPE_CHECKING

import attrs

from ..status import MessageRow
from ._journal import Journal, RecordedReports, Unknown
from ._outcomes import OutcomeStatus, RecipientOutcome

if TYPE_CHECKING:
    from ..webhooks import Event

__all__ = ["Funnel", "ReconcileResult", "funnel", "reconcile_journal", "record_delivery_reports"]

RowSource = Callable[[str, str, "str | None"], AsyncIterator[MessageRow]]
"""``rows(date, phone_number, tag)``: the platform's rows of that day for that number."""

_SLACK = 300.0
"""Seconds a row's time may precede the journal's record of its call (clocks differ)."""
_AROUND = dt.timedelta(hours=2)
"""Days are looked up around the call: the platform may count days in its own zone."""
_WAS_SENT = {"sent", "delivered", "undelivered", "seen"}
_DELIVERED = {"delivered", "seen"}


@attrs.frozen
class ReconcileResult:
    """What reconciling a journal did to its ``unknown`` recipients."""

    found: int
    """On the platform: now ``accepted``, with their message id; never sent again."""
    send_again: int
    """Not found ``grace`` after their call: now ``failed``; a resume sends them."""
    pending: int
    """Not found yet, within the grace period: still ``unknown``."""
    lookups: int
    """Days looked up in the REST API (each one or more pages)."""


async def reconcile_journal(
    journal: Journal, rows: RowSource, *, grace: dt.timedelta, now: dt.datetime
) -> ReconcileResult:
    """Look ``journal``'s unknown recipients up through ``rows``; see the module."""
    found = send_again = pending = lookups = 0
    unknowns = journal.unknowns()
    by_recipient = groupby(unknowns, key=lambda u: (u.key[0], u.key[1]))
    for (number, _), group in by_recipient:
        waiting = list(group)
        candidates: list[MessageRow] = []
        for day in _days(waiting):
            lookups += 1
            candidates += [row async for row in rows(day, number, waiting[0].tag)]
        matched = _match(journal, waiting, candidates)
        settled: list[tuple[tuple[str, bytes, int], RecipientOutcome]] = []
        deadline = now.timestamp() - grace.total_seconds()
        for unknown, found_row in zip(waiting, matched, strict=True):
            if found_row is not None:
                found += 1
                outcome = _outcome(unknown, OutcomeStatus.ACCEPTED, found_row)
                settled.append((unknown.key, outcome))
            elif unknown.sent_at is None or unknown.sent_at <= deadline:
                send_again += 1
                error = (
                    f"not on the platform {grace} after its call (reconciled): taken as "
                    "never processed, and sent again on resume"
                )
                outcome = _outcome(unknown, OutcomeStatus.FAILED, None, error)
                settled.append((unknown.key, outcome))
            else:
                pending += 1
        if settled:
            journal.settle(settled)
    return ReconcileResult(found, send_again, pending, lookups)


def _days(waiting: list[Unknown]) -> list[str]:
    days = set()
    for unknown in waiting:
        if unknown.sent_at is None:
            continue
        moment = dt.datetime.fromtimestamp(unknown.sent_at, dt.timezone.utc)
        days |= {
            (moment + shift).date().isoformat() for shift in (-_AROUND, dt.timedelta(), _AROUND)
        }
    return sorted(days)


def _match(
    journal: Journal, waiting: list[Unknown], candidates: list[MessageRow]
) -> list[MessageRow | None]:
    """A row for each waiting recipient, or ``None``: each row used once, none that
    another recipient of the journal already holds, none from before the call, rows
    with the same text first."""
    unique = {row.message_id: row for row in candidates}.values()
    free = [row for row in unique if not journal.holds_message_id(row.message_id)]
    matched: list[MessageRow | None] = []
    for unknown in waiting:
        usable = [row for row in free if _not_before(row, unknown.sent_at)]
        usable.sort(key=lambda row: row.body != unknown.body)
        row = usable[0] if usable else None
        if row is not None:
            free.remove(row)
        matched.append(row)
    return matched


def _not_before(row: MessageRow, sent_at: float | None) -> bool:
    times = [t for t in (row.ts_sent, row.ts_updated, row.ts_delivered) if t is not None]
    if sent_at is None or not times:
        return True
    return max(times).timestamp() >= sent_at - _SLACK


def _outcome(
    unknown: Unknown, status: OutcomeStatus, row: MessageRow | None, error: str | None = None
) -> RecipientOutcome:
    number = unknown.key[0]
    message_id = row.message_id if row is not None else None
    # The journal keeps a recipient by its key; its place in some input is not needed.
    return RecipientOutcome(number, -1, -1, status, message_id, None, error)


@attrs.frozen
class Funnel:
    """A campaign's delivery funnel from its journal: how many recipients were
    accepted, then sent, then delivered or not, by their latest delivery report."""

    recipients: int
    accepted: int
    sent: int
    """Accepted, and reported sent (delivered, undelivered or seen included)."""
    delivered: int
    undelivered: int
    rejected: int
    """Accepted, then rejected by the platform (a number or credit refused)."""
    failed: int
    awaiting: int
    """Accepted, without a final report yet."""
    not_accepted: dict[str, int]
    """The campaign's other outcomes: ``rejected``, ``failed``, ``unknown``."""
    top_failures: tuple[tuple[int | None, str | None, int], ...]
    """``(result code, description, recipients)`` of failed deliveries, most first."""


def funnel(journal: str | os.PathLike[str]) -> Funnel:
    """The delivery funnel of the campaign ``journal`` holds (after it ran).

    Example::

        record_delivery_reports("sale.db", parse(webhook_body))
        print(funnel("sale.db"))
    """
    opened = Journal(journal, check_region=False, must_exist=True)
    try:
        statuses = opened.outcome_counts()
        by_result, failures = opened.delivery_counts()
    finally:
        opened.close()
    accepted = statuses.get(OutcomeStatus.ACCEPTED.value, 0)
    finals = {"delivered", "seen", "undelivered", "rejected", "failed"}
    not_accepted: dict[str, int] = {}
    for status, count in statuses.items():
        if status != OutcomeStatus.ACCEPTED:
            # A call cut off by a crash is what a resume reports it as: unknown.
            name = OutcomeStatus.UNKNOWN.value if status == "sending" else status
            not_accepted[name] = not_accepted.get(name, 0) + count
    return Funnel(
        recipients=sum(statuses.values()),
        accepted=accepted,
        sent=sum(count for result, count in by_result.items() if result in _WAS_SENT),
        delivered=sum(count for result, count in by_result.items() if result in _DELIVERED),
        undelivered=by_result.get("undelivered", 0),
        rejected=by_result.get("rejected", 0),
        failed=by_result.get("failed", 0),
        awaiting=sum(count for result, count in by_result.items() if result not in finals),
        not_accepted=not_accepted,
        top_failures=tuple(failures),
    )


def record_delivery_reports(
    journal: str | os.PathLike[str], events: Iterable[Event]
) -> RecordedReports:
    """Fold delivery reports (events from ``smsmngr.webhooks.parse``, ``read_events``
    or a receiver) into a campaign's journal, by message id, and say how many matched
    its recipients. Other events are skipped; a report the journal cannot store is
    refused alone (``refused``), so a receiver that records reports never fails a
    whole batch for one. The journal must not be in use by a running campaign.

    Example::

        from smsmngr.webhooks import parse
        recorded = record_delivery_reports("sale.db", parse(webhook_body))
        print(recorded.matched, "of", recorded.reports, "reports are this campaign's")
    """
    opened = Journal(journal, check_region=False, must_exist=True)
    try:
        return opened.record_reports(events)
    finally:
        opened.close()
