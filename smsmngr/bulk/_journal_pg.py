"""A campaign's state in PostgreSQL, shared by any number of workers (processes, hosts).

Each worker runs ``send_bulk(same input, journal=url, campaign=name)``. Before a group
of calls leaves, one round trip claims their recipients: each is inserted as
``sending`` under the worker's run, unless a row holds it already (``INSERT ... ON
CONFLICT``); one still held by another live worker is counted ``elsewhere``, one a
dead worker left in flight is ``unknown`` (claimed again only with
``resend_unknown=True``), and one certainly never processed is claimed again.
Settlements wait in memory and go in batches, with the next claim or every few calls,
so a campaign makes well under one round trip per ``/messages`` call.

A run is known alive by its database session (``pg_stat_activity``): a worker killed
at any moment loses its session, and with it the claims on its in-flight recipients.

The connection is synchronous; round trips in the campaign (``take``, ``flush``) run
in a worker thread through anyio, which works the same on asyncio and trio (psycopg's
async connection is asyncio-only) and, not being abandoned on cancellation, lets a
write finish that a cancellation would otherwise cut off. Measured (one worker,
200,000 recipients, the fake at 50 ms per call, a busy 2-core machine): round trips
in a thread 20-22 s, the same round trips made on the event loop 30 s (the loop
stalls for each, and so do the calls behind it); a slow database would stall it more.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import sqlite3
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import anyio

from .._delivery import FAILURE_RESULTS, UNTIMED, stage
from ..errors import JournalError
from . import _backend
from . import _journal_pg_sql as sql
from ._backend import (
    OPEN,
    SEND_AGAIN,
    SENDING,
    AccountChecks,
    Before,
    Opening,
    Unknown,
    held_before,
    journal_errors,
    keys_of,
)
from ._occurrences import Occurrences
from ._outcomes import BatchOutcome, OutcomeStatus, RecipientOutcome, outcomes_for_error
from ._reports import DeliveryCounts, RecordedReports, ReportTally

if TYPE_CHECKING:
    import psycopg

    from ..webhooks import DeliveryReport, Event
    from ._backend import Key, Taken
    from ._packing import Call

__all__ = ["PostgresJournal", "redacted"]

_LOCK_ID = 0x736D736D6E6772  # "smsmngr": the schema is created by one session at a time


def redacted(url: str) -> str:
    """The URL without its password, to name the database in errors."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def _explain(where: str, error: Exception) -> JournalError:
    import psycopg

    if isinstance(error, psycopg.OperationalError):
        return JournalError(
            f"{where}: the database cannot be reached ({type(error).__name__}): the campaign "
            "stops here. What this worker had in flight is unknown (never sent again "
            "unless resend_unknown=True); run it again once the database is back to go on."
        )
    return JournalError(f"{where}: the journal cannot be used: {type(error).__name__}: {error}")


def _driver_errors() -> type[Exception]:
    import psycopg

    return psycopg.Error


# A database error is a ``JournalError``, naming the campaign and the database.
_as_journal_error = journal_errors(_driver_errors, _explain)
# So is an error of the worker's own count of occurrences (a temporary SQLite file).
_as_count_error = journal_errors(
    lambda: sqlite3.Error,
    lambda where, error: JournalError(
        f"{where}: this worker's count of occurrences, in a temporary file, failed "
        f"({type(error).__name__}: {error}): the campaign stops here"
    ),
)


class PostgresJournal(AccountChecks):
    """The state of campaign ``campaign`` in the PostgreSQL database ``url``; any
    number of workers share it. ``close()`` it to write what waits and end the run."""

    claims_calls = True

    def __init__(
        self,
        url: str,
        *,
        campaign: str,
        opening: Opening = OPEN,
    ) -> None:
        try:
            import psycopg
        except ImportError:
            raise JournalError(
                "a PostgreSQL journal needs psycopg: install smsmngr's postgres extra "
                "and psycopg[binary] (or psycopg[c])"
            ) from None
        self.path = f"campaign {campaign!r} in {redacted(url)}"
        self.campaign = campaign
        self._opening = opening
        self._run = uuid.uuid4().hex
        self._lock = threading.Lock()
        self._settles: dict[Key, tuple[RecipientOutcome, float | None]] = {}
        self._settled_calls = 0
        self._resent: dict[Key, Before] = {}  # claimed back from unknown (resend_unknown)
        self._put_back: dict[Key, Before] = {}
        self._descriptions: dict[bytes, str] = {}
        try:
            self._db: psycopg.Connection[Any] = psycopg.connect(url, autocommit=True)
        except psycopg.Error as error:
            raise _explain(self.path, error) from None
        try:
            self._open()
        except BaseException as error:
            self._db.close()
            if isinstance(error, psycopg.Error):
                raise _explain(self.path, error) from None
            raise
        # This run's occurrences of each (number, content), on local disk: memory stays flat.
        self._seen = sqlite3.connect("", isolation_level=None)
        self._occurrences = Occurrences(self._seen)

    def _open(self) -> None:
        db, opening = self._db, self._opening
        with db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_ID,))
            for statement in sql.SCHEMA:
                db.execute(statement)
            self._check_schema()
            known = db.execute(
                "SELECT 1 FROM smsmngr_meta WHERE campaign = %s LIMIT 1", (self.campaign,)
            ).fetchone()
            if opening.must_exist and known is None:
                raise JournalError(f"{self.path}: no such campaign (a campaign writes one)")
            self._meta("format", "smsmngr-journal-pg")
            if opening.check_region:
                self._check_region()
            if opening.account is not None:  # a run that may claim; readers leave no trace
                self._check_account(opening.account)
                db.execute(
                    "INSERT INTO smsmngr_runs (run, campaign, pid, started) SELECT %s, %s, "
                    "pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()",
                    (self._run, self.campaign),
                )
            self.resuming = known is not None

    def _check_schema(self) -> None:
        row = self._db.execute("SELECT max(version) FROM smsmngr_schema").fetchone()
        version = row[0] if row is not None else None
        if version is None:
            self._db.execute("INSERT INTO smsmngr_schema VALUES (%s)", (sql.SCHEMA_VERSION,))
        elif version > sql.SCHEMA_VERSION:
            raise JournalError(
                f"{self.path}: the database holds smsmngr's journal schema {version}, this "
                f"version of smsmngr knows schema {sql.SCHEMA_VERSION}: upgrade smsmngr "
                "(the database was left untouched)"
            )

    # -- the meta primitives of AccountChecks, per campaign -----------------------------

    def _meta(self, key: str, value: str) -> str:
        self._db.execute(
            "INSERT INTO smsmngr_meta VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
            (self.campaign, key, value),
        )
        row = self._db.execute(
            "SELECT value FROM smsmngr_meta WHERE campaign = %s AND key = %s",
            (self.campaign, key),
        ).fetchone()
        assert row is not None
        return str(row[0])

    def _set_meta(self, key: str, value: str) -> None:
        self._db.execute(
            "UPDATE smsmngr_meta SET value = %s WHERE campaign = %s AND key = %s",
            (value, self.campaign, key),
        )

    def _forget_account(self) -> None:
        self._db.execute(
            "DELETE FROM smsmngr_meta WHERE campaign = %s "
            "AND key IN ('base_url', 'rest_base_url', 'key_fingerprint')",
            (self.campaign,),
        )

    def _holds_anything(self) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM smsmngr_recipients WHERE campaign = %s AND status <> ALL(%s) LIMIT 1",
            (self.campaign, sorted(SEND_AGAIN)),
        ).fetchone()
        return row is not None

    # -- a campaign ------------------------------------------------------------------

    @_as_count_error
    def claim(
        self, keys: Sequence[tuple[str, bytes]], *, resend_unknown: bool = False
    ) -> list[tuple[int, None]]:
        """This run's next occurrence of each ``(number, content)``; what the database
        holds is learnt when the call is claimed (``take``, which also resends)."""
        return [(occurrence, None) for occurrence in self._occurrences.number(keys)]

    def describe(self, content: bytes, fields: Mapping[str, Any]) -> None:
        """Record what a content is, with the next round trip."""
        text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
        self._descriptions.setdefault(content, text)

    async def take(self, calls: Sequence[Call], *, resend_unknown: bool) -> list[Taken]:
        """Claim the recipients of ``calls`` in one round trip (with the settlements and
        descriptions that wait): each call comes back with what this worker sends."""
        numbers, contents, occurrences, givens = sql.columns(calls)
        pending = self._pending()
        claim = {
            "campaign": self.campaign,
            "run": self._run,
            "now": time.time(),
            "skew": self._opening.clock_offset(),
            "resend": resend_unknown,
            "numbers": numbers,
            "contents": contents,
            "occurrences": occurrences,
            "givens": givens,
            "block": hashlib.blake2b(
                f"{numbers}{contents}{occurrences}".encode(), digest_size=16
            ).digest(),
        }
        rows = await anyio.to_thread.run_sync(self._round_trip, pending, claim)
        if not rows:  # the usual answer: all claimed
            return [(call, None) for call in calls]
        if rows[0][0] == 0:  # all another's (a group another worker holds): only counted
            return [(None, _elsewhere_whole(call)) for call in calls]
        resent = {position - 1: row for position, status, row, *_ in rows if status == sql.RESENT}
        if resent:
            keys = itertools.chain.from_iterable(keys_of(call) for call in calls)
            self._resent.update(
                (key, tuple(json.loads(resent[place])))
                for place, key in enumerate(keys)
                if place in resent
            )
        others = {  # by place in the claim
            position - 1: tuple(row) for position, *row in rows if row[0] != sql.RESENT
        }
        places = itertools.count()
        return [_split(call, others, places) for call in calls]

    def sending(self, recipients: Iterable[tuple[Key, str]]) -> None:
        """Nothing to write: ``take`` recorded them as in flight."""

    def settle(self, outcomes: Iterable[tuple[Key, RecipientOutcome]]) -> None:
        """Keep final outcomes for the next round trip (``flush``, ``take``, ``close``)."""
        skew = self._opening.clock_offset()
        for key, outcome in outcomes:
            before = held_before(key, outcome, self._resent)
            if before is None:
                self._settles[key] = (outcome, skew)
            else:
                self._put_back[key] = before
        self._settled_calls += 1

    async def flush(self, calls: int = 1) -> None:
        """Write the settlements that wait, once at least ``calls`` calls' do."""
        if self._settled_calls >= calls and self._waiting():
            await anyio.to_thread.run_sync(self._round_trip, self._pending(), None)

    def close(self) -> None:
        """End the run, writing what still waits if the database takes it: a campaign
        writes it before its result, so only one stopped early gets here with any, and
        what it cannot write stays in flight, unknown, never sent again."""
        try:
            if self._waiting():
                self._round_trip(self._pending(), None)
        except JournalError:
            pass
        finally:
            self._db.close()
            self._seen.close()

    async def amend(self, verdicts: Sequence[tuple[Unknown, RecipientOutcome]]) -> set[Key]:
        """Write reconcile's verdicts on the recipients still as ``unknowns()`` read them
        (``AMEND``); answer the keys a worker settled meanwhile, left as it wrote them."""
        values = {
            "campaign": self.campaign,
            **sql.key_columns([unknown.key for unknown, _ in verdicts]),
            "sent_ats": sql.numbers(unknown.sent_at for unknown, _ in verdicts),
            "statuses": sql.texts(outcome.status.value for _, outcome in verdicts),
            "message_ids": sql.texts(outcome.message_id for _, outcome in verdicts),
            "errors": sql.texts(_backend.storable(outcome.error) for _, outcome in verdicts),
        }
        written = await anyio.to_thread.run_sync(self._amend, values)
        return {unknown.key for unknown, _ in verdicts} - written

    @_as_journal_error
    def _amend(self, values: dict[str, Any]) -> set[Key]:
        with self._lock:
            rows = self._db.execute(sql.AMEND, values).fetchall()
        return {(number, bytes(content), occurrence) for number, content, occurrence in rows}

    def _waiting(self) -> bool:
        return bool(self._settles or self._descriptions or self._put_back)

    def _pending(self) -> list[tuple[str, dict[str, Any]]]:
        """The statements that write what waits, which is then no longer waiting."""
        statements: list[tuple[str, dict[str, Any]]] = []
        if self._descriptions:
            described = sorted(self._descriptions.items())
            statements.append(
                (
                    sql.DESCRIBE,
                    {
                        "campaign": self.campaign,
                        "contents": [content for content, _ in described],
                        "fields": [fields for _, fields in described],
                    },
                )
            )
        if self._settles:
            keys, settled = zip(*self._settles.items(), strict=True)
            values = {
                "campaign": self.campaign,
                **sql.key_columns(keys),
                "statuses": sql.texts(outcome.status.value for outcome, _ in settled),
                "message_ids": sql.texts(outcome.message_id for outcome, _ in settled),
                "request_ids": sql.texts(outcome.request_id for outcome, _ in settled),
                "errors": sql.texts(_backend.storable(outcome.error) for outcome, _ in settled),
                "skews": sql.numbers(skew for _, skew in settled),
            }
            statements.append((sql.SETTLE, values))
        if self._put_back:
            rows = [
                [number, content.hex(), occurrence, *row]
                for (number, content, occurrence), row in self._put_back.items()
            ]
            statements.append(
                (
                    sql.PUT_BACK,
                    {"campaign": self.campaign, "run": self._run, "rows": json.dumps(rows)},
                )
            )
        self._settles, self._descriptions, self._put_back = {}, {}, {}
        self._settled_calls = 0
        return statements

    @_as_journal_error
    def _round_trip(
        self, pending: list[tuple[str, dict[str, Any]]], claim: dict[str, Any] | None
    ) -> list[tuple[Any, ...]]:
        """``pending`` writes, then the claim (if any) and what it left: one round trip."""
        with self._lock, self._db.pipeline():
            for statement, values in pending:
                self._db.execute(statement, values)
            if claim is None:
                return []
            claimed = self._db.execute(sql.CLAIM, claim)
        return claimed.fetchall()

    # -- after (or while) a campaign runs --------------------------------------------

    @_as_journal_error
    def unknowns(self) -> list[Unknown]:
        """Every recipient whose outcome is unknown, or whose worker died in its call."""
        rows = self._db.execute(sql.UNKNOWNS, {"campaign": self.campaign}).fetchall()
        return [Unknown.from_row(row) for row in rows]

    @_as_journal_error
    def holds_message_id(self, message_id: str) -> bool:
        found = self._db.execute(
            "SELECT 1 FROM smsmngr_recipients WHERE campaign = %s AND message_id = %s LIMIT 1",
            (self.campaign, message_id),
        ).fetchone()
        return found is not None

    @_as_journal_error
    def record_reports(self, events: Iterable[Event]) -> RecordedReports:
        """Fold the delivery reports among ``events`` in by message id, in one
        transaction (``_reports.record_reports`` is the file's twin)."""
        tally = ReportTally()
        rows = []
        for report in tally.reports(events):
            row = self._report_row(report)
            if isinstance(row, str):
                tally.refuse(report, row)
            else:
                rows.append(row)
        if rows:
            with self._db.transaction(), self._db.cursor() as cursor:
                cursor.executemany(sql.RECORD_REPORT, rows)
                tally.counts["changed"] = cursor.rowcount
                (tally.counts["matched"],) = cursor.execute(
                    sql.MATCHED, ([row[1] for row in rows], self.campaign)
                ).fetchone() or (0,)
        return tally.result()

    def _report_row(self, report: DeliveryReport) -> tuple[Any, ...] | str:
        """The row a report is kept as, or why the database cannot keep it."""
        info = report.result_info
        code = info.code if info else None
        texts = (report.message_id, report.result, info.description if info else None)
        if code is not None and not -(2**63) <= code < 2**63:
            return "the journal cannot store it: OverflowError"
        for text in texts:
            if _backend.storable(text) != text:  # a NUL, or a lone surrogate
                return "the journal cannot store it: UnicodeEncodeError"
        timestamp = report.timestamp.timestamp() if report.timestamp else None
        row = (self.campaign, *texts[:2], code, texts[2], stage(report.result), timestamp)
        return (*row, UNTIMED, UNTIMED)

    @_as_journal_error
    def outcome_counts(self) -> dict[str, int]:
        rows = self._db.execute(
            "SELECT status, count(*) FROM smsmngr_recipients WHERE campaign = %s GROUP BY status",
            (self.campaign,),
        ).fetchall()
        return {status: count for status, count in rows}

    @_as_journal_error
    def delivery_counts(self) -> DeliveryCounts:
        """Accepted recipients by their latest report's result, and the result codes
        of failed deliveries (``_reports.DeliveryCounts``)."""
        by_result = dict(self._db.execute(sql.DELIVERY_COUNTS, (self.campaign,)).fetchall())
        codes = self._db.execute(
            sql.FAILURE_CODES, (self.campaign, sorted(FAILURE_RESULTS))
        ).fetchall()
        return by_result, [tuple(row) for row in codes]


def _split(call: Call, others: Mapping[int, tuple[Any, ...]], places: Iterator[int]) -> Taken:
    """What of ``call`` this run claimed, and the outcomes of the rest; ``others`` has a
    row for each recipient not claimed, by its place (``places`` counts the recipients
    of the claim, in order)."""
    outcomes: list[RecipientOutcome] = []

    def mine(content: bytes, slot: tuple[Any, ...]) -> bool:
        row = others.get(next(places))
        if row is None:
            return True
        message_index, recipient_index, given, _, _ = slot
        outcomes.append(RecipientOutcome(given, message_index, recipient_index, *_elsewhere(row)))
        return False

    kept = call.only(mine)
    return kept, BatchOutcome(outcomes, source="journal") if outcomes else None


def _elsewhere_whole(call: Call) -> BatchOutcome:
    """The outcomes of a call another run sends whole: counted now, made if asked for
    (from its recipients alone, not its text)."""
    recipients = sum(len(chunk) for chunk in call.chunks)
    build = functools.partial(outcomes_for_error, call.chunks, OutcomeStatus.ELSEWHERE, None)
    return BatchOutcome.deferred({OutcomeStatus.ELSEWHERE: recipients}, build, source="journal")


def _elsewhere(row: tuple[Any, ...]) -> tuple[OutcomeStatus, Any, Any, Any]:
    """The outcome of a recipient this run did not claim, ``(status, message_id,
    request_id, error)`` from its row: ``unknown`` when a run that is gone left it in
    flight or unknown, else (no status) ``elsewhere``: another run sends it, or settled it."""
    status, message_id, request_id, error = row
    if status is None:
        return OutcomeStatus.ELSEWHERE, None, None, None
    if status == SENDING:
        return OutcomeStatus.UNKNOWN, None, None, "its worker stopped during its call"
    return OutcomeStatus.UNKNOWN, message_id, request_id, error
