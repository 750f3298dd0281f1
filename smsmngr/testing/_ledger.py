"""What the fake API did: every call, and every recipient it accepted."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

import attrs

from ._faults import FaultKind

__all__ = ["CallRecord", "Ledger", "SentRecipient"]


@attrs.frozen
class SentRecipient:
    """One accepted recipient: what was sent to whom, under which ids."""

    phone_number: str
    message_id: str
    request_id: str
    endpoint: str
    call_number: int
    message: Mapping[str, Any]
    """The message object as the API received it (for ``/simple/message``, its fields)."""


@attrs.frozen
class CallRecord:
    """One HTTP call and what became of it."""

    number: int
    endpoint: str
    status: int | None
    """The status answered, or ``None`` where the connection failed or dropped."""
    processed: bool
    """Whether its messages were processed (accepted recipients were sent)."""
    fault: FaultKind | None
    request_id: str | None
    phone_numbers: tuple[str, ...]
    """Every recipient the call carried, accepted or not."""


@attrs.define
class Ledger:
    """The fake's record. With ``detail="counts"`` only the counters are kept."""

    detail: str = "full"
    calls: list[CallRecord] = attrs.Factory(list)
    sent: list[SentRecipient] = attrs.Factory(list)
    call_counts: Counter[str] = attrs.Factory(Counter)
    processed_call_counts: Counter[str] = attrs.Factory(Counter)
    accepted_count: int = 0

    def sends_per_phone_number(self) -> Counter[str]:
        """How many times each number was sent to; more than 1 is a double send."""
        return Counter(record.phone_number for record in self.sent)

    def processed_phone_numbers(self) -> Counter[str]:
        """How many processed calls carried each number (accepted or rejected)."""
        return Counter(
            number for call in self.calls if call.processed for number in call.phone_numbers
        )

    def phone_numbers_in_calls(self, *faults: FaultKind) -> set[str]:
        """The recipients carried by calls that met one of ``faults``."""
        return {
            number for call in self.calls if call.fault in faults for number in call.phone_numbers
        }
