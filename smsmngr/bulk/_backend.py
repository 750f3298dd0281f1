"""What a journal backend does for a campaign, and the checks every backend shares.

A campaign talks to its journal through ``JournalBackend``: the SQLite file
(``_journal.Journal``, one process) and the PostgreSQL database (``_journal_pg``,
many workers) both implement it. A backend that claims recipients per recipient, as
they are packed, answers ``claim`` with what it holds; one shared by workers claims
whole calls in ``take`` (one round trip for a group of calls) and writes settlements
in batches (``flush``). ``open_journal`` picks the backend from what ``journal=`` is.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar, cast

import attrs

from ..errors import JournalError, ValidationError
from ._outcomes import BatchOutcome, OutcomeStatus, RecipientOutcome

if TYPE_CHECKING:
    from ..webhooks import Event
    from . import _reports
    from ._packing import Call

__all__ = [
    "SENDING",
    "SEND_AGAIN",
    "Account",
    "AccountChecks",
    "Before",
    "JournalBackend",
    "Key",
    "Taken",
    "Unknown",
    "given_of",
    "held_before",
    "is_database_url",
    "journal_errors",
    "keys_of",
    "open_journal",
    "storable",
]

SENDING = "sending"
"""A recipient whose call is out (or, shared, claimed for a call): unknown if it stays so."""
SEND_AGAIN = frozenset({OutcomeStatus.FAILED.value, OutcomeStatus.REJECTED.value})
"""Certainly never processed: a resume sends these again."""

Key = tuple[str, bytes, int]
"""A recipient in a journal: ``(number, content digest, occurrence)``."""

Before = tuple[Any, ...]
"""A recipient's row as it was when this run took it back from unknown (in the columns
its journal puts back)."""

Taken = tuple["Call | None", "BatchOutcome | None"]
"""A call as claimed: what of it this worker sends (``None``: nothing), and the
outcomes of the recipients it does not send (another worker's, or settled before)."""


class Unknown(NamedTuple):
    """A recipient whose outcome is unknown, and what is needed to look it up: the
    number as it was given, when its call left (local clock) and how far the API's
    clock was ahead then (``None``: not known), and its message's wire fields."""

    key: Key
    given: str | None
    sent_at: float | None
    skew: float | None
    fields: Mapping[str, Any] | None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Unknown:
        """From a journal's ``(number, content, occurrence, given, sent_at, skew,
        fields)`` row, ``fields`` as JSON text."""
        number, content, occurrence, given, sent_at, skew, fields = row
        key = (number, bytes(content), occurrence)
        return cls(key, given, sent_at, skew, json.loads(fields) if fields is not None else None)


class Account(NamedTuple):
    """What a journal is written against: the key (as ``fingerprint(salt)``, a salted
    HMAC, never the key) and the base URLs of the sending and REST APIs."""

    fingerprint: Callable[[bytes], str]
    base_url: str
    rest_base_url: str


@attrs.frozen(kw_only=True)
class Opening:
    """How a journal is opened: what it must match and what it may take for granted."""

    region: str | None = None
    """The client's ``default_region``, which the journal's numbers were read with."""
    check_region: bool = True
    must_exist: bool = False
    account: Account | None = None
    """The account it must belong to (``None``: not checked)."""
    key_rotated: bool = False
    """Whether an earlier key of the same account wrote it."""
    clock_offset: Callable[[], float | None] = lambda: None
    """The client's clock against the API's, recorded with each send."""


OPEN = Opening()
"""A journal opened with nothing to check but its region."""


class JournalBackend(Protocol):
    """What a campaign, ``reconcile``, ``funnel`` and the reports need of a journal."""

    path: str
    """What names the journal in errors (a file's path, a URL without its password)."""
    resuming: bool
    claims_calls: bool
    """Whether recipients are claimed by whole calls in ``take`` (a shared journal)."""

    @property
    def region(self) -> str: ...
    def claim(
        self, keys: Sequence[tuple[str, bytes]], *, resend_unknown: bool = False
    ) -> Sequence[tuple[int, tuple[Any, ...] | None]]: ...
    def describe(self, content: bytes, fields: Mapping[str, Any]) -> None: ...
    async def take(self, calls: Sequence[Call], *, resend_unknown: bool) -> list[Taken]: ...
    def sending(self, recipients: Iterable[tuple[Key, str]]) -> None: ...
    def settle(self, outcomes: Iterable[tuple[Key, RecipientOutcome]]) -> None: ...
    async def flush(self, calls: int = 1) -> None: ...
    async def amend(self, verdicts: Sequence[tuple[Unknown, RecipientOutcome]]) -> set[Key]:
        """Write reconcile's verdicts on recipients still as ``unknowns()`` read them;
        answer the keys left alone (settled meanwhile)."""
        ...

    def close(self) -> None: ...
    def unknowns(self) -> list[Unknown]: ...
    def holds_message_id(self, message_id: str) -> bool: ...
    def record_reports(self, events: Iterable[Event]) -> _reports.RecordedReports: ...
    def outcome_counts(self) -> dict[str, int]: ...
    def delivery_counts(self) -> _reports.DeliveryCounts: ...


class AccountChecks:
    """The region and account checks, on a backend's ``meta`` primitives: ``_meta(key,
    value)`` (the value held, recorded as ``value`` if none), ``_set_meta``,
    ``_forget_account`` and ``_holds_anything``; what to check against is the
    backend's ``_opening``."""

    path: str
    _opening: Opening

    @property
    def region(self) -> str:
        """The ``default_region`` its numbers were read with (``""``: none)."""
        return self._opening.region or ""

    def _meta(self, key: str, value: str) -> str:
        raise NotImplementedError

    def _set_meta(self, key: str, value: str) -> None:
        raise NotImplementedError

    def _forget_account(self) -> None:
        raise NotImplementedError

    def _holds_anything(self) -> bool:
        """Whether any recipient may have been processed (not only failed or rejected)."""
        raise NotImplementedError

    def _check_region(self) -> None:
        """Numbers are keyed as the client normalized them: a client reading national
        numbers differently would key the same recipient apart, and send it twice."""
        mine = self.region
        region = self._meta("region", mine)
        if region != mine:
            then = f"default_region={region!r}" if region else "no default_region"
            now = f"default_region={mine!r}" if mine else "none"
            raise JournalError(
                f"{self.path} was written by a client with {then}, this one has {now}: its "
                "numbers would be read differently and could be sent twice. Resume with "
                "the same default_region; the journal was left untouched."
            )

    def _check_account(self, account: Account) -> None:
        """Another account finds none of this one's messages, so every unknown would be
        sent again, and a mock's acceptances would pass for the platform's. A journal
        whose recipients were all certainly never processed (a wrong key, say) holds
        nothing of any account's: it takes the new key and URLs."""
        salt = bytes.fromhex(self._meta("key_salt", os.urandom(16).hex()))
        wanted = {
            "base_url": account.base_url,
            "rest_base_url": account.rest_base_url,
            "key_fingerprint": account.fingerprint(salt),
        }
        held = {name: self._meta(name, value) for name, value in wanted.items()}
        # Asked only on a difference: on a shared database it reads the recipients.
        if held != wanted and not self._holds_anything():
            self._forget_account()
            held = {name: self._meta(name, value) for name, value in wanted.items()}
        for name in ("base_url", "rest_base_url"):
            if held[name] != wanted[name]:
                raise JournalError(
                    f"{self.path} was written against {name}={held[name]!r}, this client "
                    f"uses {wanted[name]!r}: the messages it holds are not there, and resuming "
                    f"or reconciling could send them twice. Use the same {name}; the journal "
                    "was left untouched."
                )
        if held["key_fingerprint"] == wanted["key_fingerprint"]:
            return
        if not self._opening.key_rotated:
            raise JournalError(
                f"{self.path} was written with another API key (the journal keeps only a "
                "fingerprint of it): another account holds none of its messages, and resuming "
                "or reconciling could send them twice. Use the key it was written with; if that "
                "key was rotated on the same account, pass key_rotated=True (command line: "
                "--key-rotated) to go on with the new one. The journal was left untouched."
            )
        self._set_meta("key_fingerprint", wanted["key_fingerprint"])


_F = TypeVar("_F", bound=Callable[..., Any])


def storable(text: str | None) -> str | None:
    """An outcome's text as a journal keeps it: what no database takes (a lone surrogate,
    which JSON may carry, or a NUL) replaced, so an odd answer cannot stop the journal.

    >>> storable("listed in rejected: \\udc80\\x00")
    'listed in rejected: ?\ufffd'
    """
    if text is None or (text.isascii() and "\x00" not in text):
        return text
    return text.encode("utf-8", "replace").decode().replace("\x00", "\ufffd")


def journal_errors(
    errors: Callable[[], type[Exception]], explain: Callable[[str, Exception], JournalError]
) -> Callable[[_F], _F]:
    """A decorator for a backend's methods: a database error (``errors()``, asked when
    one is raised, so that a driver is imported only by its backend) becomes the
    ``JournalError`` ``explain(self.path, error)`` gives."""

    def decorate(method: _F) -> _F:
        @functools.wraps(method)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except Exception as error:
                if isinstance(error, errors()):
                    raise explain(self.path, error) from None
                raise

        return cast(_F, wrapper)

    return decorate


def is_database_url(journal: object) -> bool:
    """Whether ``journal=`` names a PostgreSQL database rather than a file."""
    return isinstance(journal, str) and journal.startswith(("postgresql://", "postgres://"))


def open_journal(
    journal: str | os.PathLike[str],
    *,
    campaign: str | None,
    opening: Opening = OPEN,
) -> JournalBackend:
    """The journal ``journal`` names: a SQLite file (one campaign; ``campaign`` must
    be ``None``) or a PostgreSQL URL (``campaign`` names the campaign in it)."""
    if is_database_url(journal):
        if not isinstance(campaign, str) or not campaign.strip():
            raise ValidationError(
                "campaign",
                f"must name the campaign in a PostgreSQL journal (a non-empty text), "
                f"got {campaign!r}",
            )
        from ._journal_pg import PostgresJournal  # here: psycopg is an extra

        assert isinstance(journal, str)
        return PostgresJournal(journal, campaign=campaign, opening=opening)
    if campaign is not None:
        raise ValidationError(
            "campaign",
            "is for a PostgreSQL journal (journal='postgresql://...'); a journal file "
            "holds one campaign",
        )
    from ._journal import Journal

    return Journal(journal, opening=opening)


def keys_of(call: Call) -> Iterator[Key]:
    """The journal key of each recipient of a call, in its order."""
    for content, chunk in zip(call.contents, call.chunks, strict=True):
        for _, _, _, number, occurrence in chunk:
            yield number, content, occurrence


def given_of(call: Call) -> Iterator[tuple[Key, str]]:
    """Each recipient's journal key, with its number as it was given."""
    for content, chunk in zip(call.contents, call.chunks, strict=True):
        for _, _, given, number, occurrence in chunk:
            yield (number, content, occurrence), given


def held_before(key: Key, outcome: RecipientOutcome, resent: Mapping[Key, Before]) -> Before | None:
    """What a journal puts back for a recipient this run took back from unknown (one an
    earlier run may have sent) and certainly did not send now (``failed``, ``rejected``):
    its row as it was (unknown, with that earlier send's time to reconcile by), never a
    status a plain rerun sends again. ``None``: record ``outcome`` (the run's result
    always says what this run did)."""
    if outcome.status.value in SEND_AGAIN:
        return resent.get(key)
    return None
