"""smsmngr: an async-first SDK for the SmsManager JSON API v2 (SMS, Viber, WhatsApp, RCS).

>>> from smsmngr import Message
>>> Message("Hi", to=["420777123456"]).body
'Hi'
"""

import logging

from ._async_client import AsyncClient
from ._logs import configure_from_environment
from ._public import present_here
from ._redact import redact_sdk_loggers
from ._rest_account import AsyncAccount
from ._rest_status import AsyncStatus
from ._stacks import fastest_http_stack
from ._sync_client import Account, Client, Status, Verify
from ._transport import DEFAULT_BASE_URL, RetryEvent, RetryPolicy
from ._version import __version__
from .bulk import BatchOutcome, BulkResult, JournalError, OutcomeStatus, RecipientOutcome
from .errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    BulkStoppedError,
    ConfigurationError,
    DeliveryUncertainError,
    InvalidApiKeyError,
    InvalidCodeError,
    InvalidPhoneError,
    MissingApiKeyError,
    MissingFieldError,
    NotFoundError,
    PermissionDeniedError,
    PhoneRateLimitError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    SmsManagerError,
    TenantRateLimitError,
    TooManyAttemptsError,
    TransportError,
    ValidationError,
    ValidationExpiredError,
    ValidationNotFoundError,
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
from .verify import AsyncVerify

# A library logs, the application decides where to: nothing shows unless it says so
# (or sets SMSMANAGER_LOG=debug|info for a quick look).
logging.getLogger("smsmngr").addHandler(logging.NullHandler())
redact_sdk_loggers()
configure_from_environment()

__all__ = [
    "DEFAULT_BASE_URL",
    "APIError",
    "AcceptedItem",
    "Account",
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
    "DeliveryUncertainError",
    "DeliveryWindow",
    "FlowStep",
    "Gateway",
    "InvalidApiKeyError",
    "InvalidCodeError",
    "InvalidPhoneError",
    "JournalError",
    "Message",
    "MissingApiKeyError",
    "MissingFieldError",
    "NotFoundError",
    "OutcomeStatus",
    "PermissionDeniedError",
    "PhoneRateLimitError",
    "RateLimitError",
    "Rcs",
    "RcsButton",
    "RcsCard",
    "Recipient",
    "RecipientOutcome",
    "Recipients",
    "RejectedItem",
    "ResponseFormatError",
    "RetryEvent",
    "RetryPolicy",
    "SendResult",
    "ServerError",
    "SimpleSendResult",
    "Sms",
    "SmsManagerError",
    "SmsType",
    "Status",
    "TenantRateLimitError",
    "TooManyAttemptsError",
    "TransportError",
    "TtlCondition",
    "ValidationError",
    "ValidationExpiredError",
    "ValidationNotFoundError",
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
