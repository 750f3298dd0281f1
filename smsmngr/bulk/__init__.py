"""Bulk sending: packing, fan-out, outcomes and the resume journal."""

from .._public import present_here
from ..errors import JournalError
from ._outcomes import BatchOutcome, BulkResult, OutcomeStatus, RecipientOutcome
from ._packing import minimum_calls
from ._plan import BulkPlan, PlannedText, plan
from ._preflight import PreflightProblem, campaign_problems, scope_warnings
from ._reconcile import Funnel, ReconcileResult, funnel, record_delivery_reports
from ._reports import RecordedReports

__all__ = [
    "BatchOutcome",
    "BulkPlan",
    "BulkResult",
    "Funnel",
    "JournalError",
    "OutcomeStatus",
    "PlannedText",
    "PreflightProblem",
    "RecipientOutcome",
    "ReconcileResult",
    "RecordedReports",
    "campaign_problems",
    "funnel",
    "minimum_calls",
    "plan",
    "record_delivery_reports",
    "scope_warnings",
]

present_here(globals())
