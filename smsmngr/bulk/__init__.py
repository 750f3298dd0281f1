"""Bulk sending: packing, fan-out, outcomes and the resume journal."""

from .._public import present_here
from ._journal import JournalError
from ._outcomes import BatchOutcome, BulkResult, OutcomeStatus, RecipientOutcome
from ._packing import minimum_calls

__all__ = [
    "BatchOutcome",
    "BulkResult",
    "JournalError",
    "OutcomeStatus",
    "RecipientOutcome",
    "minimum_calls",
]

present_here(globals())
