"""After a campaign: what the platform says about the recipients a campaign could not
tell about, and what their delivery reports say about all of them.

``reconcile`` looks every ``unknown`` recipient of a journal up in the REST API's list
of messages sent (by its send day in the account's time zone, its number in every form
the platform may have stored it under, and its message's tag). Only a row that is
that very message (``_proof``) is proof that the platform processed it: it becomes
``accepted``, with the row's message id, and is never sent again. A recipient not
found ``grace`` after its send time (its call, or its schedule and delivery window),
on the platform's clock, is marked ``failed`` ("safe to send again"), so that a resume
sends it; one not found sooner stays ``unknown``. One that no row could prove (a
template, a converted body, a national number without ``account_country``) stays
``unknown``, with the reason: not finding it proves nothing. ``funnel`` folds
delivery reports in.
"""

from __future__ import annotations

import datetime as dt
import os
import zoneinfo
from collections.abc import AsyncIterator, Awaitable, Callable, Container, Iterable, Mapping
from itertools import groupby
from typing import TYPE_CHECKING

import attrs

from .._delivery import DELIVERED_RESULTS, FINAL_RESULTS, REPORTED_SENT
from ..status import MessageRow
from ._backend import JournalBackend, Key, Opening, Unknown, open_journal
from ._outcomes import OutcomeStatus, RecipientOutcome
from ._proof import (
    SLACK,
    Expected,
    expect,
    held_to_daytime,
    lookup_forms,
    not_older,
    proves,
    row_time,
    send_moment,
    sender_channel,
)
from ._reports import RecordedReports

if TYPE_CHECKING:
    from ..webhooks import Event

__all__ = [
    "Funnel",
    "Platform",
    "ReconcileResult",
    "funnel",
    "reconcile_journal",
    "record_delivery_reports",
]

_READING = Opening(check_region=False, must_exist=True)
"""How the journal is opened to read or amend it after its campaign."""

RowSource = Callable[[str, str, "str | None"], AsyncIterator[MessageRow]]
"""``rows(date, phone_number, tag)``: the platform's rows of that day for that number."""
Senders = Callable[[], Awaitable["Mapping[str, frozenset[str]] | str"]]
"""The key's registered senders by channel, or why they cannot be read."""

_SPILL = dt.timedelta(minutes=5)
"""A call just before midnight may be listed on the next day."""


@attrs.frozen
class ReconcileResult:
    """What reconciling a journal did to its ``unknown`` recipients."""

    found: int
    """On the platform: now ``accepted``, with their message id; never sent again."""
    send_again: int
    """Not found ``grace`` after their send time: now ``failed``; a resume sends them."""
    pending: int
    """Not found yet, within the grace period: still ``unknown``."""
    lookups: int
    """Days and number forms looked up in the REST API (each one or more pages)."""
    unprovable: int = 0
    """Still ``unknown``: no row could prove them and not finding one proves nothing."""
    reasons: Mapping[str, int] = attrs.field(factory=dict)
    """Why the ``unprovable`` ones stay unknown, and how many for each reason."""
    settled_meanwhile: int = 0
    """Settled by a campaign while reconcile looked them up (a shared journal's worker
    sending them again): left as it wrote them, counted nowhere else."""


@attrs.frozen
class Platform:
    """What reconciling knows of the account: its rows, its time zone (``None``: not
    known), the calling code of its country (``None``: not given), its clock's lead
    over this machine's in seconds, and its registered senders."""

    rows: RowSource
    tz: str | None
    calling_code: str | None
    clock_offset: float
    senders: Senders


async def reconcile_journal(
    journal: JournalBackend, platform: Platform, *, grace: dt.timedelta, now: dt.datetime
) -> ReconcileResult:
    """Look ``journal``'s unknown recipients up on ``platform``; see the module.
    ``now`` is this machine's time."""
    state = _Reconciling(journal, platform, now + dt.timedelta(seconds=platform.clock_offset))
    unknowns = journal.unknowns()
    for _, group in groupby(unknowns, key=lambda u: u.key[0]):
        verdicts = await state.settle_number(list(group), grace)
        if verdicts:
            state.count(verdicts, await journal.amend(verdicts))
    return ReconcileResult(
        state.found,
        state.send_again,
        state.pending,
        state.lookups,
        sum(state.reasons.values()),
        dict(state.reasons),
        state.settled_meanwhile,
    )


class _Reconciling:
    def __init__(
        self, journal: JournalBackend, platform: Platform, platform_now: dt.datetime
    ) -> None:
        self.journal = journal
        self.platform = platform
        self.now = platform_now
        self.zone = _zone(platform.tz)
        self.looked_up: dict[tuple[str, str, str | None], list[MessageRow]] = {}
        """This number's rows (one number at a time: memory stays flat)."""
        self.lookups = 0
        self.registered: Mapping[str, frozenset[str]] | str | None = None
        self.found = self.send_again = self.pending = self.settled_meanwhile = 0
        self.reasons: dict[str, int] = {}

    async def settle_number(
        self, waiting: list[Unknown], grace: dt.timedelta
    ) -> list[tuple[Unknown, RecipientOutcome]]:
        """Outcomes for the unknown recipients of one number, earliest call first."""
        waiting.sort(key=lambda u: u.sent_at or 0.0)
        self.looked_up.clear()
        taken: set[str] = set()
        verdicts = []
        for unknown in waiting:
            verdict = await self._judge(unknown, grace, taken)
            if verdict is None:
                self.pending += 1
                continue
            status, row, reason = verdict
            if row is not None:
                taken.add(row.message_id)
            verdicts.append((unknown, _outcome(unknown, status, row, reason)))
        return verdicts

    def count(self, verdicts: list[tuple[Unknown, RecipientOutcome]], left: set[Key]) -> None:
        """Count the verdicts the journal took; ``left``: recipients settled meanwhile."""
        for unknown, outcome in verdicts:
            if unknown.key in left:
                self.settled_meanwhile += 1
            elif outcome.status is OutcomeStatus.ACCEPTED:
                self.found += 1
            elif outcome.status is OutcomeStatus.FAILED:
                self.send_again += 1
            else:
                reason = outcome.error or ""
                self.reasons[reason] = self.reasons.get(reason, 0) + 1

    async def _judge(
        self, unknown: Unknown, grace: dt.timedelta, taken: set[str]
    ) -> tuple[OutcomeStatus, MessageRow | None, str | None] | None:
        """Accepted with its row, failed, unknown with a reason, or ``None``: pending."""
        unknown_ = OutcomeStatus.UNKNOWN
        if unknown.fields is None or unknown.sent_at is None:
            return unknown_, None, "the journal does not say what was sent, or when"
        expected = expect(unknown.fields)
        skew = unknown.skew if unknown.skew is not None else self.platform.clock_offset
        call = dt.datetime.fromtimestamp(unknown.sent_at + skew, dt.timezone.utc)
        forms, number_reason = lookup_forms(
            unknown.key[0],
            unknown.given,
            international=bool(self.journal.region),
            calling_code=self.platform.calling_code,
        )
        daytime = held_to_daytime(expected, forms)
        try:
            sends = send_moment(call, expected.scheduled_at, expected.window, daytime=daytime)
        except ValueError as error:
            return unknown_, None, f"its send time cannot be told: {error}"
        registered = await self._registered(expected)
        if isinstance(registered, str):
            return unknown_, None, registered
        undated = False
        proving: list[MessageRow] = []
        tag = unknown.fields.get("tag")
        for form in forms:
            for day in self._days(call, sends):
                for row in await self._rows(day, form, tag):
                    if row.message_id in taken or self.journal.holds_message_id(row.message_id):
                        continue
                    if not any(proves(row, step, forms, registered) for step in expected.steps):
                        continue
                    recent = not_older(row, call)
                    if recent:
                        proving.append(row)
                    undated = undated or recent is None
            if proving:
                # The earliest: a later call's recipient of the same number and text
                # (they come earliest call first) may have only later rows to prove it.
                return OutcomeStatus.ACCEPTED, min(proving, key=lambda r: row_time(r) or call), None
        if undated:
            return unknown_, None, "a row that matches tells no time: it may be older than the call"
        reason = "; ".join(expected.unprovable) or number_reason
        if reason is not None:
            return unknown_, None, reason
        if self.now < sends + grace + SLACK:
            return None  # the platform's clock is known to a second or two
        verdict = (
            f"not on the platform {grace} after its send time (reconciled): taken as never "
            "processed, and sent again on resume"
        )
        return OutcomeStatus.FAILED, None, verdict

    async def _registered(self, expected: Expected) -> Mapping[str, frozenset[str]] | str:
        """The key's senders, read once, if a step names none."""
        if all(step.sender is not None for step in expected.steps):
            return {}
        if self.registered is None:
            self.registered = await self.platform.senders()
        if isinstance(self.registered, str):
            return f"the message names no sender, and {self.registered}"
        for step in expected.steps:
            channels = {sender_channel(channel) for channel in step.channels}
            if step.sender is None and not any(self.registered.get(c) for c in channels):
                # The platform sent it from a sender the key does not list: no row can
                # be told from another message's.
                return "the message names no sender, and the key lists none for its channel"
        return self.registered

    def _days(self, call: dt.datetime, sends: dt.datetime) -> list[str]:
        """The days (in the account's time zone) a message called at ``call`` and sent
        at ``sends`` (later, if scheduled or windowed) may be listed on: the reference
        does not say which of the two; without the zone, every day it may be anywhere."""
        moments = {call, sends}
        if self.zone is None:
            spread = [m + dt.timedelta(hours=h) for m in moments for h in (-14, 0, 14)]
            return sorted({m.date().isoformat() for m in spread})
        return sorted(
            {m.astimezone(self.zone).date().isoformat() for m in moments for m in (m, m + _SPILL)}
        )

    async def _rows(self, day: str, number: str, tag: str | None) -> list[MessageRow]:
        key = (day, number, tag)
        if key not in self.looked_up:
            self.lookups += 1
            self.looked_up[key] = [row async for row in self.platform.rows(day, number, tag)]
        return self.looked_up[key]


def _zone(name: str | None) -> zoneinfo.ZoneInfo | None:
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


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


def funnel(journal: str | os.PathLike[str], *, campaign: str | None = None) -> Funnel:
    """The delivery funnel of the campaign ``journal`` holds (after it ran, or while it
    runs, for a PostgreSQL journal: ``campaign`` names it there).

    Example::

        record_delivery_reports("sale.db", parse(webhook_body))
        print(funnel("sale.db"))
    """
    opened = open_journal(journal, campaign=campaign, opening=_READING)
    try:
        statuses = opened.outcome_counts()
        by_result, failures = opened.delivery_counts()
    finally:
        opened.close()
    accepted = statuses.get(OutcomeStatus.ACCEPTED.value, 0)

    def reported(results: Container[str | None]) -> int:
        """Accepted recipients whose latest report is one of ``results``."""
        return sum(count for result, count in by_result.items() if result in results)

    not_accepted: dict[str, int] = {}
    for status, count in statuses.items():
        if status != OutcomeStatus.ACCEPTED:
            # A call cut off by a crash is what a resume reports it as: unknown.
            name = OutcomeStatus.UNKNOWN.value if status == "sending" else status
            not_accepted[name] = not_accepted.get(name, 0) + count
    return Funnel(
        recipients=sum(statuses.values()),
        accepted=accepted,
        sent=reported(REPORTED_SENT),
        delivered=reported(DELIVERED_RESULTS),
        undelivered=reported({"undelivered"}),
        rejected=reported({"rejected"}),
        failed=reported({"failed"}),
        awaiting=sum(by_result.values()) - reported(FINAL_RESULTS),
        not_accepted=not_accepted,
        top_failures=tuple(failures),
    )


def record_delivery_reports(
    journal: str | os.PathLike[str], events: Iterable[Event], *, campaign: str | None = None
) -> RecordedReports:
    """Fold delivery reports (events from ``smsmngr.webhooks.parse``, ``read_events``
    or a receiver) into a campaign's journal, by message id, and say how many matched
    its recipients. Other events are skipped; a report the journal cannot store is
    refused alone (``refused``), so a receiver that records reports never fails a
    whole batch for one. A journal file must not be in use by a running campaign; a
    PostgreSQL journal (``campaign`` names the campaign) takes reports while its
    workers run.

    Example::

        from smsmngr.webhooks import parse
        recorded = record_delivery_reports("sale.db", parse(webhook_body))
        print(recorded.matched, "of", recorded.reports, "reports are this campaign's")
    """
    opened = open_journal(journal, campaign=campaign, opening=_READING)
    try:
        return opened.record_reports(events)
    finally:
        opened.close()
