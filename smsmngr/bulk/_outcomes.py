"""What became of each recipient, and the pure mapping from answers to outcomes."""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import attrs

from ..errors import BadRequestError, DeliveryUncertainError, SmsManagerError
from ..models import SendResult

__all__ = [
    "Answer",
    "BatchOutcome",
    "BulkResult",
    "OutcomeStatus",
    "RecipientOutcome",
    "Tally",
    "accepted_outcomes",
    "outcomes_for_error",
    "read_answer",
    "status_for_error",
]


class OutcomeStatus(str, enum.Enum):
    """Where a recipient of a bulk send ended."""

    ACCEPTED = "accepted"
    """The API accepted it: ``message_id`` is known."""
    REJECTED = "rejected"
    """Not accepted: the API's answer did not list it in ``accepted`` (after the retries
    a campaign makes), or local validation refused it. Nothing was sent; a journal
    resume sends it again. (A number the platform refuses later, in phase 2, is
    accepted here and gets a ``rejected`` delivery report by webhook.)"""
    FAILED = "failed"
    """Certainly not sent (the request never reached the API, or was never made)."""
    UNKNOWN = "unknown"
    """The request may have been processed (5xx, timeout, dropped connection):
    never resent unless asked."""
    ELSEWHERE = "elsewhere"
    """A shared journal's campaign only: another worker claimed it (it sends it, or has
    sent it); this one did not send it. A result counts it only when there are some."""

    # Printed as the plain name, so that ``print(result.counts)`` reads as a dict of
    # names on every Python (3.11 changed how a str enum formats).
    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    def __repr__(self) -> str:
        return repr(self.value)


class RecipientOutcome(NamedTuple):
    """One recipient's outcome; ``message_index`` and ``recipient_index`` point into the
    input, ``phone_number`` is as given.

    A named tuple, not an attrs class: one is made per recipient on the hot path, and
    a tuple is immutable and four times cheaper to build.
    """

    phone_number: str
    message_index: int
    recipient_index: int
    status: OutcomeStatus
    message_id: str | None = None
    request_id: str | None = None
    error: str | None = None


class BatchOutcome:
    """The outcomes of one HTTP call (or of recipients settled without one: rejected
    locally, or skipped because a journal already holds their outcome).

    ``counts`` is always at hand; ``outcomes``, one per recipient, is built on first
    use, so a campaign that only counts never pays for a million outcome objects.
    """

    __slots__ = ("_build", "_outcomes", "counts", "error", "exception", "request_id", "source")

    def __init__(
        self,
        outcomes: Sequence[RecipientOutcome] = (),
        request_id: str | None = None,
        error: str | None = None,
        source: str = "api",
        exception: Exception | None = None,
    ) -> None:
        self._outcomes: tuple[RecipientOutcome, ...] | None = tuple(outcomes)
        self._build: Callable[[], list[RecipientOutcome]] | None = None
        self.counts: dict[OutcomeStatus, int] = dict(Counter(o.status for o in self._outcomes))
        self.request_id: str | None = request_id
        self.error: str | None = error
        self.exception: Exception | None = exception
        """The error the call failed with, if it did (its type tells, say, a wrong key)."""
        self.source: str = source
        """``"api"`` for a call, ``"local"`` for local rejections, ``"journal"`` for
        outcomes a resumed campaign already had, ``"not_sent"`` after a stop."""

    @classmethod
    def deferred(
        cls,
        counts: dict[OutcomeStatus, int],
        build: Callable[[], list[RecipientOutcome]],
        request_id: str | None = None,
        source: str = "api",
        *,
        error: str | None = None,
    ) -> BatchOutcome:
        """A batch whose outcomes ``build()`` makes when first asked for."""
        # Made without __init__, which would count an empty tuple of outcomes: one of
        # these is made per call.
        batch = cls.__new__(cls)
        batch._outcomes, batch._build, batch.counts = None, build, counts
        batch.request_id, batch.error, batch.exception = request_id, error, None
        batch.source = source
        return batch

    @property
    def outcomes(self) -> tuple[RecipientOutcome, ...]:
        if self._outcomes is None:
            assert self._build is not None
            self._outcomes, self._build = tuple(self._build()), None
        return self._outcomes

    def __len__(self) -> int:
        """How many recipients the batch settles."""
        return sum(self.counts.values())

    def __repr__(self) -> str:
        counts = {status.value: count for status, count in self.counts.items()}
        return (
            f"BatchOutcome(counts={counts}, request_id={self.request_id!r}, source={self.source!r})"
        )


@attrs.frozen
class BulkResult:
    """Every recipient of a bulk send, accounted for.

    ``counts`` always add up to ``total``; ``outcomes`` lists them all unless the send
    ran with ``collect_outcomes=False``.
    """

    total: int
    counts: Mapping[OutcomeStatus, int]
    outcomes: tuple[RecipientOutcome, ...] = ()
    request_ids: tuple[str, ...] = ()
    calls: int = 0
    stopped_by: str | None = None
    """Why the campaign stopped early (a wrong key, or the same refusal again and
    again), if it did."""

    @property
    def accepted(self) -> int:
        return self.counts[OutcomeStatus.ACCEPTED]

    @property
    def rejected(self) -> int:
        return self.counts[OutcomeStatus.REJECTED]

    @property
    def failed(self) -> int:
        return self.counts[OutcomeStatus.FAILED]

    @property
    def unknown(self) -> int:
        return self.counts[OutcomeStatus.UNKNOWN]

    @property
    def elsewhere(self) -> int:
        """Recipients another worker of a shared campaign claimed (see ``OutcomeStatus``)."""
        return self.counts.get(OutcomeStatus.ELSEWHERE, 0)


Recipients = Sequence[tuple[Any, ...]]
"""The recipients of one wire message, each a tuple that starts ``(message_index,
recipient_index, phone_number, ...)``."""


class Answer(NamedTuple):
    """A ``/messages`` answer read per wire message of the call."""

    accepted: list[tuple[int, str]]
    """Each accepted wire message's index in the call, with its message id."""
    not_accepted: list[tuple[int, str]]
    """Each other wire message's index in the call, with why it was not accepted."""


def read_answer(wire_messages: int, result: SendResult) -> Answer:
    """Split a call's answer by wire message: ``accepted`` alone decides
    (concepts/request-acceptance.mdx); an entry in ``rejected``, or in neither list,
    was not accepted for processing and may be sent again."""
    message_ids = {item.key: item.message_id for item in result.accepted}
    reasons = {item.key: _reason(item.extra) for item in result.rejected}
    accepted, not_accepted = [], []
    for key in range(wire_messages):
        message_id = message_ids.get(key)
        if message_id is not None:
            accepted.append((key, message_id))
        else:
            not_accepted.append((key, reasons.get(key, "not in the answer's accepted list")))
    return Answer(accepted, not_accepted)


def accepted_outcomes(
    chunks: Sequence[Recipients], accepted: Sequence[tuple[int, str]], request_id: str
) -> list[RecipientOutcome]:
    """One outcome per recipient of accepted wire messages: recipient ``i`` of message
    ``<id>`` is ``<id>-<i>``, the id its delivery webhooks carry."""
    return [
        RecipientOutcome(
            r[2], r[0], r[1], OutcomeStatus.ACCEPTED, f"{message_id}-{position}", request_id
        )
        for key, message_id in accepted
        for position, r in enumerate(chunks[key])
    ]


def _reason(extra: Mapping[str, object]) -> str:
    for field in ("reason", "error", "message", "description"):
        if isinstance(extra.get(field), str):
            return f"listed in rejected: {extra[field]}"
    return "listed in the answer's rejected list"


def status_for_error(error: SmsManagerError) -> OutcomeStatus:
    """The outcome of a call that raised ``error``."""
    if isinstance(error, DeliveryUncertainError):
        return OutcomeStatus.UNKNOWN
    if isinstance(error, BadRequestError):
        return OutcomeStatus.REJECTED
    # Never reached the API, or refused before processing (401, 403, 429, other 4xx).
    return OutcomeStatus.FAILED


def outcomes_for_error(
    chunks: Sequence[Recipients],
    status: OutcomeStatus,
    error: str | None,
    request_id: str | None = None,
) -> list[RecipientOutcome]:
    """The same outcome for every recipient of a call."""
    return [
        RecipientOutcome(r[2], r[0], r[1], status, None, request_id, error)
        for recipients in chunks
        for r in recipients
    ]


class Tally:
    """Folds batch outcomes into a ``BulkResult``."""

    def __init__(self, *, collect_outcomes: bool) -> None:
        # "elsewhere" is counted only by a shared campaign that has some.
        self.counts = dict.fromkeys(OutcomeStatus, 0)
        del self.counts[OutcomeStatus.ELSEWHERE]
        self._outcomes: list[RecipientOutcome] | None = [] if collect_outcomes else None
        self._request_ids: list[str] | None = [] if collect_outcomes else None

    def add(self, batch: BatchOutcome) -> None:
        for status, count in batch.counts.items():
            self.counts[status] = self.counts.get(status, 0) + count
        if self._outcomes is not None:
            self._outcomes.extend(batch.outcomes)
        if self._request_ids is not None and batch.request_id is not None:
            self._request_ids.append(batch.request_id)

    def result(self, *, calls: int, stopped_by: str | None) -> BulkResult:
        outcomes: tuple[RecipientOutcome, ...] = ()
        if self._outcomes is not None:
            self._outcomes.sort(key=lambda o: (o.message_index, o.recipient_index))
            outcomes = tuple(self._outcomes)
        return BulkResult(
            total=sum(self.counts.values()),
            counts=self.counts,
            outcomes=outcomes,
            request_ids=tuple(self._request_ids or ()),
            calls=calls,
            stopped_by=stopped_by,
        )
