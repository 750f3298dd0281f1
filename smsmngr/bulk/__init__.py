"""Bulk sending: packing, fan-out, outcomes and the resume journal."""

from .._public import present_here
from ._journal import JournalError
from ._outcomes import BatchOutcome, BulkResult, OutcomeStatus, RecipientOutcome
from ._packing import minimum_calls
from ._plan import BulkPlan, PlannedText, plan

__all__ = [
    "BatchOutcome",
    "BulkPlan",
    "BulkResult",
    "JournalError",
    "OutcomeStatus",
    "PlannedText",
    "RecipientOutcome",
    "minimum_calls",
    "plan",
]

present_here(globals())
