"""smsmngr: an async-first SDK for SmsManager: the JSON API v2 (SMS, Viber, WhatsApp,
RCS), the REST API v1 (statuses, statistics, credit, prices, contact lists, inbox) and
the Verify API.

>>> from smsmngr import Message
>>> Message("Hi", to=["420777123456"]).body
'Hi'
"""

import logging

from . import whatsapp
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
from ._sync_client import Account, Billing, Client, ContactList, Inbox, Status, Verify, WhatsApp
from ._version import __version__
from .billing import AsyncBilling, BillingContact, BillingDetails, Invoice, TopUp
from .bulk import BatchOutcome, BulkResult, OutcomeStatus, RecipientOutcome, ReconcileResult
from .credit import (
    CreditAlert,
    Service,
    ServiceCancellation,
    ServiceCatalog,
    ServiceOrder,
    ServicePrice,
)
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
    InvalidNumbersError,
    InvalidPhoneError,
    JournalError,
    ListNotFoundError,
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
    WhatsAppError,
)
from .inbox import AsyncInbox, InboxMessage
from .lists import AddedNumbers, AsyncContactList, ListEntry, RemovedNumbers
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
from .whatsapp import *  # noqa: F403  (the WhatsApp Business API's types: whatsapp.__all__)

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
    "AddedNumbers",
    "AlreadyCancelledError",
    "AsyncAccount",
    "AsyncBilling",
    "AsyncClient",
    "AsyncContactList",
    "AsyncInbox",
    "AsyncStatus",
    "AsyncVerify",
    "AuthenticationError",
    "BadRequestError",
    "BatchOutcome",
    "Billing",
    "BillingContact",
    "BillingDetails",
    "BulkResult",
    "BulkStoppedError",
    "Callback",
    "Client",
    "ConfigurationError",
    "ContactList",
    "Credit",
    "CreditAlert",
    "DailyStats",
    "DeliveryUncertainError",
    "DeliveryWindow",
    "FlowStep",
    "Gateway",
    "Inbox",
    "InboxMessage",
    "InsufficientCreditError",
    "InvalidApiKeyError",
    "InvalidCodeError",
    "InvalidNumbersError",
    "InvalidPhoneError",
    "Invoice",
    "JournalError",
    "Keep",
    "ListEntry",
    "ListNotFoundError",
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
    "RemovedNumbers",
    "RequestStats",
    "ResponseFormatError",
    "RetryEvent",
    "RetryPolicy",
    "ScheduleCancelled",
    "SendResult",
    "ServerError",
    "Service",
    "ServiceCancellation",
    "ServiceCatalog",
    "ServiceOrder",
    "ServicePrice",
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
    "TopUp",
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
    "WhatsApp",
    "WhatsAppButton",
    "WhatsAppError",
    "WhatsAppMedia",
    "WhatsAppTemplate",
    "WhatsAppText",
    "__version__",
    "fastest_http_stack",
    "normalize_phone_number",
]
__all__ += whatsapp.__all__

present_here(globals())
