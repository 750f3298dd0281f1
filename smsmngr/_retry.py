"""The retry policy, and the pure decision it makes after each attempt.

Only what certainly did not reach the API is retried (a connection that could not be
opened, a pool timeout, a 429), and a read (which sends nothing) also after a lost
answer or a 5xx. ``decide`` says whether to try again and after how long; the transport
does the waiting, and a campaign asks it whether a 429 stops every further call.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import enum
import random
from collections.abc import Callable
from typing import NamedTuple

import attrs

__all__ = [
    "DEFAULT_RETRY",
    "Answered",
    "GiveUp",
    "Lost",
    "Outcome",
    "Retry",
    "RetryEvent",
    "RetryHook",
    "RetryPolicy",
    "Unreached",
    "decide",
    "parse_retry_after",
]


@attrs.frozen
class RetryPolicy:
    """When and how long to wait before trying a request again.

    Only requests that certainly did not reach the API are retried, ``max_retries``
    times, waiting a random time up to ``backoff_base * 2**attempt`` (capped at
    ``backoff_max``), or exactly what a 429's ``Retry-After`` asks. A ``Retry-After``
    longer than ``max_retry_after`` is not waited for: ``RateLimitError`` is raised.

    >>> RetryPolicy(max_retries=0)  # never retry
    RetryPolicy(max_retries=0, backoff_base=0.5, backoff_max=8.0, max_retry_after=60.0)
    """

    max_retries: int = attrs.field(default=3, validator=attrs.validators.ge(0))
    backoff_base: float = attrs.field(default=0.5, validator=attrs.validators.ge(0))
    backoff_max: float = attrs.field(default=8.0, validator=attrs.validators.ge(0))
    max_retry_after: float = attrs.field(default=60.0, validator=attrs.validators.ge(0))

    def backoff(self, attempt: int) -> float:
        """Full jitter: a random wait up to the exponential bound."""
        # 2 ** 64 half-seconds already exceed any cap: past that, the bound stays put.
        bound = min(self.backoff_max, self.backoff_base * 2.0 ** min(attempt, 64))
        return random.uniform(0, bound)  # noqa: S311


DEFAULT_RETRY = RetryPolicy()


@attrs.frozen
class RetryEvent:
    """What ``on_retry`` is told before the SDK waits and tries a request again.

    ``attempt`` is the number of the attempt about to be made (2 for the first retry),
    ``delay`` the seconds it will wait first, and ``reason`` why the last attempt
    failed: a connection that could not be opened, a pool timeout, or a 429
    (``status_code`` then says so).

    >>> event = RetryEvent("POST", "/messages", attempt=2, delay=0.5,
    ...                    reason="429 Too Many Requests", status_code=429)
    >>> f"{event.method} {event.path}: {event.reason}, attempt {event.attempt} in {event.delay}s"
    'POST /messages: 429 Too Many Requests, attempt 2 in 0.5s'
    """

    method: str
    path: str
    attempt: int
    delay: float
    reason: str
    status_code: int | None = None


RetryHook = Callable[[RetryEvent], object]


class Unreached(NamedTuple):
    """An attempt that certainly never reached the API."""

    reason: str


class Lost(NamedTuple):
    """An attempt whose answer was lost: the request may have been processed."""

    error: str  # the name of the SDK error it raised


class Answered(NamedTuple):
    """An attempt the API answered."""

    status_code: int
    reason_phrase: str = ""
    retry_after: float | None = None


Outcome = Unreached | Lost | Answered


class Retry(NamedTuple):
    """Try again after ``delay`` seconds; ``pause_all``: every request waits too (a 429)."""

    delay: float
    reason: str
    pause_all: bool = False


class GiveUp(enum.Enum):
    """Why an attempt is the last one."""

    FINAL = "final"
    """Not an outcome that is retried: the answer (or error) stands."""
    EXHAUSTED = "exhausted"
    """``max_retries`` retries were made."""
    WAIT_TOO_LONG = "wait too long"
    """The answer (a 429) asked to wait longer than ``max_retry_after``: every further
    call would be refused alike."""


def decide(
    policy: RetryPolicy,
    outcome: Outcome,
    attempt: int,
    *,
    idempotent: bool = False,
    retry_429: bool = True,
) -> Retry | GiveUp:
    """What to do after attempt number ``attempt`` (0 for the first) ended in ``outcome``.

    An ``idempotent`` request (a read) is also retried after a lost answer or a 5xx;
    ``retry_429=False`` gives up at a 429 (where it means "no more attempts").

    >>> decide(RetryPolicy(), Answered(429, retry_after=2.0), 0)
    Retry(delay=2.0, reason='429 Too Many Requests', pause_all=True)
    >>> decide(RetryPolicy(), Answered(429, retry_after=600.0), 0)
    <GiveUp.WAIT_TOO_LONG: 'wait too long'>
    >>> decide(RetryPolicy(), Answered(500, "Internal Server Error"), 0)
    <GiveUp.FINAL: 'final'>
    """
    if isinstance(outcome, Unreached):
        reason = outcome.reason
    elif isinstance(outcome, Lost):
        if not idempotent:
            return GiveUp.FINAL
        reason = f"{outcome.error} (a read: safe to repeat)"
    else:
        status = outcome.status_code
        if not ((status == 429 and retry_429) or (idempotent and status >= 500)):
            return GiveUp.FINAL
        wait = outcome.retry_after
        if wait is not None and wait > policy.max_retry_after:
            return GiveUp.WAIT_TOO_LONG
        if attempt >= policy.max_retries:
            return GiveUp.EXHAUSTED
        if status == 429:
            delay = wait if wait is not None else policy.backoff(attempt)
            return Retry(delay, "429 Too Many Requests", pause_all=True)
        reason = f"{status} {outcome.reason_phrase} (a read)"
    if attempt >= policy.max_retries:
        return GiveUp.EXHAUSTED
    return Retry(policy.backoff(attempt), reason)


def parse_retry_after(value: str | None, *, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date.

    >>> parse_retry_after("2.5")
    2.5
    >>> parse_retry_after("Wed, 21 Oct 2015 07:28:05 GMT",
    ...                   now=dt.datetime(2015, 10, 21, 7, 28, tzinfo=dt.timezone.utc))
    5.0
    """
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.timezone.utc)
        seconds = (when - (now or dt.datetime.now(dt.timezone.utc))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)
