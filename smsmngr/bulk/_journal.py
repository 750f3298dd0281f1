"""A campaign's state on disk (SQLite), so that a killed campaign resumes without
sending anyone twice.

Each call's recipients are written as ``sending`` before the request leaves and get
their outcome when it answers. Starting again: ``accepted`` ones are skipped,
``sending`` ones (the process died mid-call) and ``unknown`` ones are reported as
unknown and not resent unless asked, and ``failed`` and ``rejected`` ones (never
processed) are sent again.
"""

from __future__ import annotations

import functools
import os
import sqlite3
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast

from ..errors import SmsManagerError
from ._outcomes import OutcomeStatus, RecipientOutcome

__all__ = ["Journal", "JournalError"]

_FORMAT = "smsmngr-journal-1"
_SENDING = "sending"
# Certainly never processed: a resume sends these again.
_SEND_AGAIN = {OutcomeStatus.FAILED.value, OutcomeStatus.REJECTED.value}
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS recipients (
    message_index INTEGER NOT NULL,
    recipient_index INTEGER NOT NULL,
    phone_number TEXT NOT NULL,
    status TEXT NOT NULL,
    message_id TEXT,
    request_id TEXT,
    error TEXT,
    PRIMARY KEY (message_index, recipient_index)
) WITHOUT ROWID;
"""


class JournalError(SmsManagerError):
    """The journal file cannot be used: not a journal, or for other input."""


_F = TypeVar("_F", bound=Callable[..., Any])


def _as_journal_error(method: _F) -> _F:
    """A database error while the campaign runs is a ``JournalError``, naming the file."""

    @functools.wraps(method)
    def wrapper(self: Journal, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as error:
            raise JournalError(f"{self.path}: the journal cannot be used: {error}") from None

    return cast(_F, wrapper)


class Journal:
    """The state of one campaign in a SQLite file; use it from one thread."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        existed = os.path.exists(self.path) and os.path.getsize(self.path) > 0
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None)
        except sqlite3.DatabaseError as error:
            raise JournalError(f"{self.path}: the journal cannot be opened: {error}") from None
        try:
            if existed:
                self._check_format()
                self._check_integrity()
            self._db.execute("PRAGMA journal_mode=WAL")
            # A killed process loses nothing committed in WAL mode; only power loss could.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self._db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('format', ?)", (_FORMAT,)
            )
            self.resuming = (
                self._db.execute("SELECT 1 FROM recipients LIMIT 1").fetchone() is not None
            )
        except BaseException as error:
            self._db.close()  # a refused journal leaves no connection open behind it
            if isinstance(error, sqlite3.DatabaseError):
                message = f"{self.path} is not a usable smsmngr journal: {error}"
                raise JournalError(message) from None
            raise

    def _check_format(self) -> None:
        try:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        except sqlite3.DatabaseError:
            row = None
        if row is None or row[0] != _FORMAT:
            raise JournalError(
                f"{self.path} is not an smsmngr journal; it was left untouched. "
                "Give a new path for a new campaign."
            )

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
    def known(self, message_index: int, phones: list[str]) -> dict[int, RecipientOutcome]:
        """Recipients of one message with an outcome already, by recipient index."""
        rows = self._db.execute(
            "SELECT recipient_index, phone_number, status, message_id, request_id, error "
            "FROM recipients WHERE message_index = ?",
            (message_index,),
        ).fetchall()
        known = {}
        for recipient_index, phone, status, message_id, request_id, error in rows:
            given = phones[recipient_index] if recipient_index < len(phones) else None
            if given != phone:
                raise JournalError(
                    f"{self.path} belongs to other input: messages[{message_index}]"
                    f".to[{recipient_index}] was {phone!r}, now {given!r}"
                )
            if status == _SENDING:
                status = OutcomeStatus.UNKNOWN.value
                error = "the campaign stopped while this was being sent"
            if status in _SEND_AGAIN:
                continue
            known[recipient_index] = RecipientOutcome(
                phone,
                message_index,
                recipient_index,
                OutcomeStatus(status),
                message_id,
                request_id,
                error,
            )
        return known

    @_as_journal_error
    def sending(self, recipients: Iterable[tuple[int, int, str]]) -> None:
        """Record that these recipients are about to be sent."""
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO recipients "
                "(message_index, recipient_index, phone_number, status) VALUES (?, ?, ?, ?)",
                [(mi, ri, phone, _SENDING) for mi, ri, phone in recipients],
            )

    @_as_journal_error
    def settle(self, outcomes: Iterable[RecipientOutcome]) -> None:
        """Record final outcomes."""
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO recipients VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        o.message_index,
                        o.recipient_index,
                        o.phone_number,
                        o.status.value,
                        o.message_id,
                        o.request_id,
                        o.error,
                    )
                    for o in outcomes
                ],
            )
