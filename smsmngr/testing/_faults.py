"""Fault injection for the fake API, deterministic from a seed."""

from __future__ import annotations

import enum
import random
from collections.abc import Mapping
from typing import Any, TypeVar

import attrs

__all__ = ["Fault", "FaultKind", "FaultPlan"]


class FaultKind(enum.Enum):
    """What goes wrong with one call, and whether the fake processed its messages first."""

    CONNECT_ERROR = "connect_error"
    """The connection is refused: nothing reached the API (not processed)."""
    RATE_LIMIT = "rate_limit"
    """429 with ``Retry-After`` (not processed)."""
    UNAVAILABLE = "unavailable"
    """503 after processing: the messages were sent. A 503 may mean either, so the SDK
    counts it unknown, never sent again; the fake plays the case that costs a double
    send if a client repeats it."""
    DROP_BEFORE = "drop_before"
    """The connection drops after the request left, before processing (not processed)."""
    SERVER_ERROR = "server_error"
    """500 after processing: the messages were sent."""
    DROP_AFTER = "drop_after"
    """Processed, then the connection drops: the answer is lost."""
    SLOW = "slow"
    """Processed and answered after ``delay`` seconds."""
    NOT_ACCEPTED = "not_accepted"
    """200, with every entry of the call in ``rejected``: not accepted for processing
    (not processed; the reference says to send such entries again)."""
    LEFT_OUT = "left_out"
    """200, with both ``accepted`` and ``rejected`` empty: not processed either."""

    @property
    def processes(self) -> bool:
        """Whether a call with this fault has its messages processed."""
        return self in (
            FaultKind.SERVER_ERROR,
            FaultKind.UNAVAILABLE,
            FaultKind.DROP_AFTER,
            FaultKind.SLOW,
        )


@attrs.frozen
class Fault:
    """One fault: its kind, and for 429 the ``Retry-After``, for slow answers the delay."""

    kind: FaultKind = attrs.field(converter=FaultKind)
    retry_after: float = 0.0
    delay: float = 0.05


def _fault(value: Fault | FaultKind | str) -> Fault:
    return value if isinstance(value, Fault) else Fault(FaultKind(value))


# Keys may be Fault, FaultKind or a kind's name; Any, since Mapping keys are invariant.
def _rates(value: Mapping[Any, float]) -> dict[Fault, float]:
    rates = {_fault(fault): float(rate) for fault, rate in value.items()}
    if any(rate < 0 for rate in rates.values()) or sum(rates.values()) > 1:
        raise ValueError("fault rates must be non-negative and add up to at most 1")
    return rates


def _calls(value: Mapping[int, Any]) -> dict[int, Fault]:
    return {int(number): _fault(fault) for number, fault in value.items()}


@attrs.frozen
class FaultPlan:
    """Which calls fail, and how: by call number (1-based) or at random rates.

    The draw for call ``n`` depends only on ``seed`` and ``n``, so a plan replays the
    same faults however requests interleave.

    >>> plan = FaultPlan(calls={2: "server_error"}, rates={"rate_limit": 0.5}, seed=7)
    >>> plan.fault_for(2).kind
    <FaultKind.SERVER_ERROR: 'server_error'>
    """

    rates: Mapping[Fault, float] = attrs.field(factory=dict, converter=_rates)
    calls: Mapping[int, Fault] = attrs.field(factory=dict, converter=_calls)
    seed: int = 0

    @classmethod
    def mixed(cls, rate: float, *, seed: int = 0, retry_after: float = 0.0) -> FaultPlan:
        """Every kind of fault but ``SLOW``, together at ``rate``, in equal shares."""
        kinds = [kind for kind in FaultKind if kind is not FaultKind.SLOW]
        share = rate / len(kinds)
        return cls(rates={Fault(kind, retry_after=retry_after): share for kind in kinds}, seed=seed)

    def fault_for(self, call_number: int) -> Fault | None:
        planned = self.calls.get(call_number)
        if planned is not None or not self.rates:
            return planned
        return draw(self.rates, seed=self.seed, number=call_number)


_T = TypeVar("_T")


def draw(rates: Mapping[_T, float], *, seed: int, number: int) -> _T | None:
    """The choice for event ``number``: each key with its rate, or none. It depends only
    on ``seed`` and ``number``, so a run replays however events interleave."""
    value = random.Random(f"{seed}:{number}").random()  # noqa: S311 (faults, not secrets)
    for choice, rate in rates.items():
        if value < rate:
            return choice
        value -= rate
    return None
