"""What became of each recipient, and the pure mapping from answers to outcomes."""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

import attrs

from ..errors import BadRequestError, DeliveryUncertainError, SmsManagerError
from ..models import SendResult

__all__ = [
    "BatchOutcome",
    "BulkResult",
    "OutcomeStatus",
    "RecipientOutcome",
    "counts_for_answer",
    "outcomes_for_answer",
    "outcomes_for_error",
    "status_for_error",
]


class OutcomeStatus(str, enum.Enum):
    """Where a recipient of a bulk send ended."""

    ACCEPTED = "accepted"
    """The API accepted it: ``message_id`` is known."""
    REJECTED = "rejected"
    """Refused by the API (invalid number, no credit) or by local validation: never sent."""
    FAILED = "failed"
    """Certainly not sent (the request never reached the API, or was never made)."""
    UNKNOWN = "unknown"
    """The request may have been processed (5xx, timeout, dropped connection):
    never resent unless asked."""


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

    __slots__ = ("_build", "_outcomes", "counts", "error", "request_id", "source")

    def __init__(
        self,
        outcomes: Sequence[RecipientOutcome] = (),
        request_id: str | None = None,
        error: str | None = None,
        source: str = "api",
    ) -> None:
        self._outcomes: tuple[RecipientOutcome, ...] | None = tuple(outcomes)
        self._build: Callable[[], list[RecipientOutcome]] | None = None
        self.counts: dict[OutcomeStatus, int] = dict(Counter(o.status for o in self._outcomes))
        self.request_id = request_id
        self.error = error
        self.source = source
        """``"api"`` for a call, ``"local"`` for local rejections, ``"journal"`` for
        outcomes a resumed campaign already had, ``"not_sent"`` after a stop."""

    @classmethod
    def deferred(
        cls,
        counts: dict[OutcomeStatus, int],
        build: Callable[[], list[RecipientOutcome]],
        request_id: str | None,
    ) -> BatchOutcome:
        """A batch whose outcomes ``build()`` makes when first asked for."""
        batch = cls(request_id=request_id)
        batch._outcomes, batch._build, batch.counts = None, build, counts
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
    """Why the campaign stopped early (a 401 or 403), if it did."""

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


Recipients = Sequence[tuple[int, int, str]]
"""The recipients of one wire message: ``(message_index, recipient_index, phone_number)``."""


def counts_for_answer(chunks: Sequence[Recipients], result: SendResult) -> dict[OutcomeStatus, int]:
    """How many recipients of a call each status gets, without building outcomes."""
    accepted = {item.key for item in result.accepted}
    rejected = {item.key for item in result.rejected}
    counts: dict[OutcomeStatus, int] = {}
    for key, recipients in enumerate(chunks):
        if key in accepted:
            status = OutcomeStatus.ACCEPTED
        elif key in rejected:
            status = OutcomeStatus.REJECTED
        else:
            status = OutcomeStatus.UNKNOWN
        counts[status] = counts.get(status, 0) + len(recipients)
    return counts


def outcomes_for_answer(chunks: Sequence[Recipients], result: SendResult) -> list[RecipientOutcome]:
    """Map a ``/messages`` answer back to every recipient of the call."""
    accepted = {item.key: item.message_id for item in result.accepted}
    rejected = {item.key: item.extra for item in result.rejected}
    outcomes = []
    for key, recipients in enumerate(chunks):
        message_id = accepted.get(key)
        if message_id is not None:
            outcomes += [
                RecipientOutcome(
                    phone,
                    mi,
                    ri,
                    OutcomeStatus.ACCEPTED,
                    f"{message_id}-{position}",
                    result.request_id,
                )
                for position, (mi, ri, phone) in enumerate(recipients)
            ]
            continue
        if key in rejected:
            status, error = OutcomeStatus.REJECTED, _reason(rejected[key])
        else:
            status, error = OutcomeStatus.UNKNOWN, "the answer did not mention this message"
        outcomes += [
            RecipientOutcome(phone, mi, ri, status, None, result.request_id, error)
            for mi, ri, phone in recipients
        ]
    return outcomes


def _reason(extra: Mapping[str, object]) -> str:
    for field in ("reason", "error", "message", "description"):
        if isinstance(extra.get(field), str):
            return str(extra[field])
    return "rejected by the API"


def status_for_error(error: SmsManagerError) -> OutcomeStatus:
    """The outcome of a call that raised ``error``."""
    if isinstance(error, DeliveryUncertainError):
        return OutcomeStatus.UNKNOWN
    if isinstance(error, BadRequestError):
        return OutcomeStatus.REJECTED
    # Never reached the API, or refused before processing (401, 403, 429, other 4xx).
    return OutcomeStatus.FAILED


def outcomes_for_error(
    chunks: Sequence[Recipients], status: OutcomeStatus, error: str, request_id: str | None = None
) -> list[RecipientOutcome]:
    """The same outcome for every recipient of a call."""
    return [
        RecipientOutcome(phone, mi, ri, status, None, request_id, error)
        for recipients in chunks
        for mi, ri, phone in recipients
    ]
