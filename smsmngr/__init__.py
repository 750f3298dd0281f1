"""smsmngr: an async-first SDK for SmsManager: the JSON API v2 (SMS, Viber, WhatsApp,
RCS), the REST API v1's reads (statuses, statistics, credit, prices) and the Verify API.

>>> from smsmngr import Message
>>> Message("Hi", to=["420777123456"]).body
'Hi'
"""

import logging

from ._async_client import AsyncClient
from ._config import (
    DEFAULT_BASE_URL,
    DEFAULT_REST_BASE_URL,
    DEFAULT_VERIFY_BASE_URL,
    KEEP,
    Keep,
)
from ._logs import configure_from_environment
from ._public import present_here
from ._redact import redact_sdk_loggers
from ._rest_account import AsyncAccount
from ._rest_status import AsyncStatus
from ._retry import RetryEvent, RetryPolicy
from ._stacks import fastest_http_stack
from ._sync_client import Account, Client, Status, Verify
from ._version import __version__
from .bulk import BatchOutcome, BulkResult, OutcomeStatus, RecipientOutcome, ReconcileResult
from .errors import (
    AlreadyCancelledError,
    APIError,
    AuthenticationError,
    BadRequestError,
    BulkStoppedError,
    ConfigurationError,
    DeliveryUncertainError,
    InsufficientCreditError,
    InvalidApiKeyError,
    InvalidCodeError,
    InvalidPhoneError,
    JournalError,
    MissingApiKeyError,
    MissingFieldError,
    NotFoundError,
    PermissionDeniedError,
    PhoneRateLimitError,
    RateLimitError,
    RefusedError,
    ResponseFormatError,
    ServerError,
    SessionEndedError,
    SessionExpiredError,
    SessionNotFoundError,
    SmsManagerError,
    TenantRateLimitError,
    TooManyAttemptsError,
    TransportError,
    ValidationError,
    VerifyError,
    VerifyInternalError,
    WebhookError,
)
from .models import (
    AcceptedItem,
    Callback,
    DeliveryWindow,
    FlowStep,
    Gateway,
    Message,
    Rcs,
    RcsButton,
    RcsCard,
    Recipient,
    Recipients,
    RejectedItem,
    SendResult,
    SimpleSendResult,
    Sms,
    SmsType,
    TtlCondition,
    Viber,
    ViberButton,
    Weekday,
    WhatsAppButton,
    WhatsAppMedia,
    WhatsAppTemplate,
    WhatsAppText,
)
from .phone import normalize_phone_number
from .status import (
    Credit,
    DailyStats,
    MessageRow,
    MessageStatus,
    Price,
    PriceList,
    RequestStats,
)
from .upload import ScheduleCancelled, UploadResult
from .verify import AsyncVerify, ProofCheck, Verification, VerificationSession

# A library logs, the application decides where to: nothing shows unless it says so
# (or sets SMSMANAGER_LOG=debug|info for a quick look).
logging.getLogger("smsmngr").addHandler(logging.NullHandler())
redact_sdk_loggers()
configure_from_environment()

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_REST_BASE_URL",
    "DEFAULT_VERIFY_BASE_URL",
    "KEEP",
    "APIError",
    "AcceptedItem",
    "Account",
    "AlreadyCancelledError",
    "AsyncAccount",
    "AsyncClient",
    "AsyncStatus",
    "AsyncVerify",
    "AuthenticationError",
    "BadRequestError",
    "BatchOutcome",
    "BulkResult",
    "BulkStoppedError",
    "Callback",
    "Client",
    "ConfigurationError",
    "Credit",
    "DailyStats",
    "DeliveryUncertainError",
    "DeliveryWindow",
    "FlowStep",
    "Gateway",
    "InsufficientCreditError",
    "InvalidApiKeyError",
    "InvalidCodeError",
    "InvalidPhoneError",
    "JournalError",
    "Keep",
    "Message",
    "MessageRow",
    "MessageStatus",
    "MissingApiKeyError",
    "MissingFieldError",
    "NotFoundError",
    "OutcomeStatus",
    "PermissionDeniedError",
    "PhoneRateLimitError",
    "Price",
    "PriceList",
    "ProofCheck",
    "RateLimitError",
    "Rcs",
    "RcsButton",
    "RcsCard",
    "Recipient",
    "RecipientOutcome",
    "Recipients",
    "ReconcileResult",
    "RefusedError",
    "RejectedItem",
    "RequestStats",
    "ResponseFormatError",
    "RetryEvent",
    "RetryPolicy",
    "ScheduleCancelled",
    "SendResult",
    "ServerError",
    "SessionEndedError",
    "SessionExpiredError",
    "SessionNotFoundError",
    "SimpleSendResult",
    "Sms",
    "SmsManagerError",
    "SmsType",
    "Status",
    "TenantRateLimitError",
    "TooManyAttemptsError",
    "TransportError",
    "TtlCondition",
    "UploadResult",
    "ValidationError",
    "Verification",
    "VerificationSession",
    "Verify",
    "VerifyError",
    "VerifyInternalError",
    "Viber",
    "ViberButton",
    "WebhookError",
    "Weekday",
    "WhatsAppButton",
    "WhatsAppMedia",
    "WhatsAppTemplate",
    "WhatsAppText",
    "__version__",
    "fastest_http_stack",
    "normalize_phone_number",
]

present_here(globals())
