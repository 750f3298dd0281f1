"""A campaign's state on disk (SQLite), so that no content goes to the same number
twice through one journal, however often, and in whatever shape, the input is sent.

Each recipient is keyed by the number it is sent to, a digest of the content it gets,
and its occurrence (0 for the first time this input gives that number that content,
1 for a deliberate second time, ...). So the same content never goes to the same
number twice through one journal, whatever the shape or order of the input, and a
different text is a different entry: it is sent.

A call's recipients are written as ``sending`` right before the request leaves and get
their outcome when it answers. Starting again: ``accepted`` ones are skipped,
``sending`` ones (the process died mid-call) and ``unknown`` ones are reported as
unknown and not resent unless asked, and ``failed`` and ``rejected`` ones (never
processed) are sent again.

The campaign holds the file locked for as long as it runs, so a second process, or a
second campaign in this one, gets ``JournalError`` instead of sending the same people
again. A journal knows its account: it keeps a salted fingerprint of the API key (never
the key) and the base URLs it was written against, and refuses another by name (after
a key rotation on the same account, ``key_rotated=True`` records the new key). The
file uses a rollback journal, not a write-ahead log: between writes,
everything is in the one file, which may be copied whenever no campaign runs on it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import JournalError
from . import _backend, _reports
from ._backend import (
    OPEN,
    SEND_AGAIN,
    SENDING,
    AccountChecks,
    Before,
    Key,
    Opening,
    Unknown,
    held_before,
    journal_errors,
)
from ._occurrences import Occurrences
from ._outcomes import OutcomeStatus, RecipientOutcome

if TYPE_CHECKING:
    from ..webhooks import Event
    from ._backend import Key, Taken
    from ._packing import Call

__all__ = ["Journal"]

_FORMAT = "smsmngr-journal-6"
_HELD = (
    "SELECT status, message_id, request_id, error, sent_at, given, skew FROM recipients "
    "WHERE phone_number = ? AND content = ? AND occurrence = ?"
)
_PUT_BACK = (
    "UPDATE recipients SET (status, message_id, request_id, error, sent_at, given, skew) "
    "= (?, ?, ?, ?, ?, ?, ?) WHERE phone_number = ? AND content = ? AND occurrence = ?"
)
"""A recipient's row as it was (``_HELD``) before this run took it back from unknown."""
_UNKNOWN = frozenset({OutcomeStatus.UNKNOWN.value, SENDING})
"""Unknown, or in flight when a process died: unknown too."""
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS recipients (
        phone_number TEXT NOT NULL,
        content BLOB NOT NULL,
        occurrence INTEGER NOT NULL,
        status TEXT NOT NULL,
        message_id TEXT,
        request_id TEXT,
        error TEXT,
        sent_at REAL,
        given TEXT,
        skew REAL,
        PRIMARY KEY (phone_number, content, occurrence)
    ) WITHOUT ROWID""",
    # What each content is (its wire fields but "to"), for looking its recipients up.
    """CREATE TABLE IF NOT EXISTS contents (
        content BLOB PRIMARY KEY,
        fields TEXT NOT NULL
    ) WITHOUT ROWID""",
    _reports.SCHEMA,
    # Bulk uploads (upload_bulk): one row per bulk id, so that none goes twice by accident.
    """CREATE TABLE IF NOT EXISTS uploads (
        bulk_id TEXT PRIMARY KEY,
        sha256 TEXT NOT NULL,
        outcome TEXT NOT NULL,
        recipients INTEGER NOT NULL,
        at REAL NOT NULL
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS by_message_id ON recipients (message_id)",
)


def _explain(path: str, error: sqlite3.Error) -> JournalError:
    """The reason a database error stops a journal, in words that say what to do."""
    text = str(error).lower()
    if "locked" in text or "busy" in text:
        return JournalError(
            f"{path} is in use by another campaign (another process, or another send_bulk "
            "in this one); wait until it ends, or give another path"
        )
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return JournalError(
            f"{path} cannot be written ({error}); a journal must be writable, on a writable "
            "filesystem: copy it somewhere writable and resume from the copy"
        )
    if "not a database" in text:
        return JournalError(
            f"{path} is not an smsmngr journal; it was left untouched. "
            "Give a new path for a new campaign."
        )
    if "malformed" in text or "corrupt" in text:
        return JournalError(
            f"{path} is damaged ({error}); it was left untouched. Resuming from it could "
            "send someone twice: inspect it, or start a new campaign elsewhere."
        )
    return JournalError(f"{path}: the journal cannot be used: {error}")


# A database error while the campaign runs is a ``JournalError``, naming the file.
_as_journal_error = journal_errors(lambda: sqlite3.Error, _explain)  # type: ignore[arg-type]


def _connect(path: str) -> sqlite3.Connection:
    # timeout=0: a journal another campaign holds is refused at once, not waited for.
    return sqlite3.connect(path, isolation_level=None, timeout=0)


class Journal(AccountChecks):
    """The state of one campaign in a SQLite file, locked while open; use it from one
    thread, and ``close()`` it to release the lock."""

    claims_calls = False

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        opening: Opening = OPEN,
    ) -> None:
        self.path = os.fspath(path)
        self._opening = opening
        existed = os.path.exists(self.path) and os.path.getsize(self.path) > 0
        if opening.must_exist and not existed:
            raise JournalError(f"{self.path}: no journal there (a campaign writes one)")
        try:
            self._db = _connect(self.path)
        except sqlite3.Error as error:
            raise _explain(self.path, error) from None
        try:
            self._open(existed)
        except BaseException as error:
            self._db.close()  # a refused journal leaves no connection (and no lock) behind
            if isinstance(error, sqlite3.Error):
                raise _explain(self.path, error) from None
            raise

    def _open(self, existed: bool) -> None:
        db = self._db
        # Held from the first write until close: the lock that keeps a second campaign out.
        db.execute("PRAGMA locking_mode=EXCLUSIVE")
        db.execute("BEGIN IMMEDIATE")
        try:
            if existed:
                self._check_format()
                self._check_integrity()
            for statement in _SCHEMA:
                db.execute(statement)
            db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('format', ?)", (_FORMAT,))
            if self._opening.check_region:
                self._check_region()
            if self._opening.account is not None:
                self._check_account(self._opening.account)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        # A killed process loses nothing committed: the OS has every write. (A power cut
        # can damage the file; a damaged journal is refused, never trusted.)
        db.execute("PRAGMA synchronous=OFF")
        db.execute("PRAGMA journal_mode=DELETE")
        self._occurrences = Occurrences(db)
        self._resent: dict[Key, Before] = {}  # unknown before, sent again (resend_unknown)
        self.resuming = db.execute("SELECT 1 FROM recipients LIMIT 1").fetchone() is not None

    def _check_format(self) -> None:
        try:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        except sqlite3.OperationalError as error:
            if "no such table" not in str(error):
                raise
            row = None
        if row is None or not str(row[0]).startswith("smsmngr-journal-"):
            raise JournalError(
                f"{self.path} is not an smsmngr journal; it was left untouched. "
                "Give a new path for a new campaign."
            )
        if row[0] != _FORMAT:
            # No migration: an older journal lacks what reconciling needs to prove a
            # recipient (its message's fields, the number as given, its account).
            raise JournalError(
                f"{self.path} was written by another version of smsmngr ({row[0]}, this one "
                f"reads {_FORMAT}); it was left untouched. Finish its campaign with that "
                "version, or give a new path."
            )

    def _meta(self, key: str, value: str) -> str:
        """The journal's ``key``, recorded as ``value`` if it has none yet."""
        self._db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (key, value))
        (held,) = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(held)

    def _set_meta(self, key: str, value: str) -> None:
        self._db.execute("UPDATE meta SET value = ? WHERE key = ?", (value, key))

    def _forget_account(self) -> None:
        self._db.execute(
            "DELETE FROM meta WHERE key IN ('base_url', 'rest_base_url', 'key_fingerprint')"
        )

    def _holds_anything(self) -> bool:
        held = self._db.execute(
            "SELECT 1 FROM recipients WHERE status NOT IN (?, ?) "
            "UNION ALL SELECT 1 FROM uploads WHERE outcome != 'failed' LIMIT 1",
            tuple(SEND_AGAIN),
        ).fetchone()
        return held is not None

    def _check_integrity(self) -> None:
        (verdict,) = self._db.execute("PRAGMA quick_check(1)").fetchone()
        if verdict != "ok":
            raise JournalError(
                f"{self.path} is damaged ({verdict}); it was left untouched. Resuming from it "
                "could send someone twice: inspect it, or start a new campaign elsewhere."
            )

    def close(self) -> None:
        self._db.close()

    @_as_journal_error
    def claim(
        self, keys: Sequence[tuple[str, bytes]], *, resend_unknown: bool = False
    ) -> list[tuple[int, tuple[Any, ...] | None]]:
        """For each ``(number, content)``: this run's next occurrence of it, and the
        ``(status, message_id, request_id, error)`` the journal holds for it, if any
        (``sending`` comes back as ``unknown``: the process died mid-call). With
        ``resend_unknown``, an unknown one comes back as not held, to be sent again."""
        occurrences = self._occurrences.number(keys)
        if not self.resuming:
            return [(occurrence, None) for occurrence in occurrences]
        return [
            (occurrence, self._held((number, content, occurrence), resend_unknown))
            for (number, content), occurrence in zip(keys, occurrences, strict=True)
        ]

    def _held(self, key: Key, resend_unknown: bool) -> tuple[Any, ...] | None:
        row = self._db.execute(_HELD, key).fetchone()
        if row is None or row[0] in SEND_AGAIN:
            return None
        if resend_unknown and row[0] in _UNKNOWN:  # sent again, on purpose
            self._resent[key] = tuple(row)
            return None
        if row[0] == SENDING:
            return (OutcomeStatus.UNKNOWN.value, None, None, "the campaign stopped during its call")
        return tuple(row[:4])

    @_as_journal_error
    def describe(self, content: bytes, fields: Mapping[str, Any]) -> None:
        """Record what a content is (its wire fields but ``to``), once."""
        text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
        self._db.execute("INSERT OR IGNORE INTO contents VALUES (?, ?)", (content, text))

    async def take(self, calls: Sequence[Call], *, resend_unknown: bool) -> list[Taken]:
        """Calls are sent whole: their recipients were claimed as they were packed."""
        return [(call, None) for call in calls]

    async def flush(self, calls: int = 1) -> None:
        """Nothing waits: every write is made when it is asked for."""

    @_as_journal_error
    def sending(self, recipients: Iterable[tuple[Key, str]]) -> None:
        """Record that these recipients (keys, with each number as given) are about to
        be sent, when, and how far the API's clock was ahead, if known."""
        now, skew = time.time(), self._opening.clock_offset()
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO recipients (phone_number, content, occurrence, status, "
                "sent_at, given, skew) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(*key, SENDING, now, given, skew) for key, given in recipients],
            )

    @_as_journal_error
    def settle(self, outcomes: Iterable[tuple[Key, RecipientOutcome]]) -> None:
        """Record final outcomes (keeping when each recipient was sent, and learning
        the API's clock from this answer if the call left before any told it)."""
        skew = self._opening.clock_offset()
        settled, restored = [], []
        for key, o in outcomes:
            before = held_before(key, o, self._resent)
            if before is None:
                error = _backend.storable(o.error)
                settled.append((*key, o.status.value, o.message_id, o.request_id, error, skew))
            else:
                restored.append((*before, *key))
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT INTO recipients (phone_number, content, occurrence, status, "
                "message_id, request_id, error, skew) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT DO UPDATE SET "
                "status = excluded.status, message_id = excluded.message_id, "
                "request_id = excluded.request_id, error = excluded.error, "
                "skew = coalesce(recipients.skew, excluded.skew)",
                settled,
            )
            self._db.executemany(_PUT_BACK, restored)

    async def amend(self, verdicts: Sequence[tuple[Unknown, RecipientOutcome]]) -> set[Key]:
        """Write reconcile's verdicts: the file is this process's alone while it is open,
        so every recipient is still as ``unknowns()`` read it."""
        self.settle((unknown.key, outcome) for unknown, outcome in verdicts)
        return set()

    # -- bulk uploads ---------------------------------------------------------------------

    @_as_journal_error
    def upload_of(self, bulk_id: str) -> tuple[str, str, int, float] | None:
        """The ``(sha256, outcome, recipients, at)`` recorded for ``bulk_id``, if any."""
        row = self._db.execute(
            "SELECT sha256, outcome, recipients, at FROM uploads WHERE bulk_id = ?", (bulk_id,)
        ).fetchone()
        return None if row is None else (row[0], row[1], row[2], row[3])

    @_as_journal_error
    def record_upload(self, bulk_id: str, sha256: str, outcome: str, recipients: int) -> None:
        """Record ``bulk_id``'s file (its digest) and its outcome (``uploading`` right
        before the PUT, then ``uploaded``, ``uncertain`` or ``failed``)."""
        self._db.execute(
            "INSERT OR REPLACE INTO uploads VALUES (?, ?, ?, ?, ?)",
            (bulk_id, sha256, outcome, recipients, time.time()),
        )

    # -- after a campaign: reconciling and delivery reports -----------------------------

    @_as_journal_error
    def unknowns(self) -> list[Unknown]:
        """Every recipient whose outcome is unknown (or whose call a crash cut off)."""
        rows = self._db.execute(
            "SELECT r.phone_number, r.content, r.occurrence, r.given, r.sent_at, r.skew, "
            "c.fields FROM recipients r LEFT JOIN contents c ON c.content = r.content "
            "WHERE r.status IN (?, ?) ORDER BY r.phone_number, r.content, r.occurrence",
            (OutcomeStatus.UNKNOWN.value, SENDING),
        ).fetchall()
        return [Unknown.from_row(row) for row in rows]

    @_as_journal_error
    def holds_message_id(self, message_id: str) -> bool:
        found = self._db.execute(
            "SELECT 1 FROM recipients WHERE message_id = ? LIMIT 1", (message_id,)
        ).fetchone()
        return found is not None

    @_as_journal_error
    def record_reports(self, events: Iterable[Event]) -> _reports.RecordedReports:
        """Fold the delivery reports among ``events`` in by message id (``_reports``)."""
        return _reports.record_reports(self._db, events, self.holds_message_id)

    @_as_journal_error
    def outcome_counts(self) -> dict[str, int]:
        rows = self._db.execute("SELECT status, count(*) FROM recipients GROUP BY status")
        return {status: count for status, count in rows}

    @_as_journal_error
    def delivery_counts(self) -> _reports.DeliveryCounts:
        """Accepted recipients by their latest report's result, and the result codes
        of failed deliveries (``_reports.DeliveryCounts``)."""
        return _reports.delivery_counts(self._db)
