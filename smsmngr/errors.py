"""The exception hierarchy: catch ``SmsManagerError`` for everything, or any level below.

::

    SmsManagerError
    ├── ValidationError            bad input, raised before any network call (*)
    │   └── PreflightError                  the key cannot send a campaign (preflight=True) (*)
    ├── ConfigurationError         no API key, an insecure base URL
    ├── TransportError             the request certainly never reached the API
    ├── DeliveryUncertainError     the API may have acted: do not blindly resend
    ├── BulkStoppedError           your input or callback raised: a campaign stopped early (*)
    ├── JournalError               a campaign's journal cannot be used (*)
    ├── WebhookError               a webhook body that cannot be read at all
    └── APIError                   the API answered with an error
        ├── BadRequestError        400
        │   └── InvalidNumbersError         no number sent was read as a phone number
        ├── AuthenticationError    401, or the 400 the sending API answers for a bad key
        ├── PermissionDeniedError  403
        ├── NotFoundError          404
        │   └── ListNotFoundError           a contact list with nothing to remove
        ├── RateLimitError         429: wait, then try again
        ├── ServerError            5xx (also a DeliveryUncertainError)
        ├── ResponseFormatError    a 2xx body that cannot be read (also a DeliveryUncertainError)
        ├── RefusedError           a 500 the reference documents as a definite refusal
        │   ├── InsufficientCreditError     the credit does not cover the order
        │   └── AlreadyCancelledError       the service or schedule was cancelled before
        ├── WhatsAppError          the WhatsApp Business API's refusal: 200, ``success: false``
        └── VerifyError            the Verify API's errors, one class per documented code
            ├── InvalidPhoneError, MissingFieldError, InvalidCodeError      (also BadRequestError)
            ├── MissingApiKeyError, InvalidApiKeyError                  (also AuthenticationError)
            ├── SessionNotFoundError                                        (also NotFoundError)
            ├── TenantRateLimitError, PhoneRateLimitError                  (also RateLimitError)
            ├── SessionEndedError  the session takes no more checks: start a new one
            │   ├── SessionExpiredError                                 (also BadRequestError)
            │   └── TooManyAttemptsError                    429, but waiting will not help
            └── VerifyInternalError                                         (also ServerError)

(*) Raised by ``send_bulk()``, it carries the stopped campaign's partial ``BulkResult``
as ``result`` (``CarriesBulkResult``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from .bulk import BulkResult, PreflightProblem

__all__ = [
    "APIError",
    "AlreadyCancelledError",
    "AuthenticationError",
    "BadRequestError",
    "BulkStoppedError",
    "CarriesBulkResult",
    "ConfigurationError",
    "DeliveryUncertainError",
    "InsufficientCreditError",
    "InvalidApiKeyError",
    "InvalidCodeError",
    "InvalidNumbersError",
    "InvalidPhoneError",
    "JournalError",
    "ListNotFoundError",
    "MissingApiKeyError",
    "MissingFieldError",
    "NotFoundError",
    "PermissionDeniedError",
    "PhoneRateLimitError",
    "PreflightError",
    "PreflightWarning",
    "RateLimitError",
    "RefusedError",
    "ResponseFormatError",
    "ServerError",
    "SessionEndedError",
    "SessionExpiredError",
    "SessionNotFoundError",
    "SmsManagerError",
    "TenantRateLimitError",
    "TooManyAttemptsError",
    "TransportError",
    "ValidationError",
    "VerifyError",
    "VerifyInternalError",
    "WebhookError",
    "WhatsAppError",
]


class SmsManagerError(Exception):
    """Base class of every error this SDK raises."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Errors cross process pools and task queues: rebuild from what __init__ took.
        return (_rebuild, (type(self), self.args, self.__dict__))


class CarriesBulkResult:
    """What the errors that can stop ``send_bulk()`` early have in common: ``result`` is
    the partial ``BulkResult`` (every recipient already sent is in it), or ``None``
    where the error did not come from ``send_bulk()``.

    >>> issubclass(JournalError, CarriesBulkResult), JournalError("locked").result
    (True, None)
    """

    result: BulkResult | None = None


class ValidationError(CarriesBulkResult, SmsManagerError, ValueError):
    """Input that breaks a documented rule; raised before anything is sent.

    ``field`` names the offending field as ``Class.field``, with the index of an item
    (``"Message.to[3]"``, ``"Message.flow[1].sender"``), or as the argument's name
    (``"code"``, ``"messages[2]"``); the message states the rule::

        >>> ValidationError("Message.body", "at most 1000 characters (got 1200)")
        ValidationError('Message.body: at most 1000 characters (got 1200)')

    Bad input met while ``send_bulk()`` reads its messages stops the campaign: the
    error then carries its partial ``result``.
    """

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


class ConfigurationError(SmsManagerError):
    """The client cannot be set up: no API key, a key or header no HTTP stack can send,
    or a base URL that would leak the key."""


class TransportError(SmsManagerError):
    """The request certainly never reached the API (connection refused, pool timeout).

    Nothing was sent, so sending again is safe.
    """


class DeliveryUncertainError(SmsManagerError):
    """The request left, but its outcome is unknown: the API may have sent the messages.

    Raised for a 5xx answer, a read timeout or a connection dropped mid-response.
    Resending may deliver twice; check delivery webhooks before trying again.
    """


class APIError(SmsManagerError):
    """The API answered with an error status (or an unreadable success body).

    ``status_code``, the decoded ``body`` (or the raw text), the answer's ``headers``
    (a case-insensitive mapping) and ``request_id``, where the body or a header carried
    one, are kept for logs and support tickets.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: object = None,
        request_id: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body = body
        self.request_id = request_id
        self.headers: Mapping[str, str] = headers if headers is not None else {}


class BadRequestError(APIError):
    """400: the API refused the request body or a field in it."""


class AuthenticationError(APIError):
    """The API key is missing or wrong: a 401, or the sending endpoints' 400 with
    ``{"Message": "User is not authorized ..."}`` (``status_code`` says which). Its
    message says that the API key was refused, then gives the API's text."""


class PermissionDeniedError(APIError):
    """403: the key is valid but not allowed (account or IP restriction)."""


class NotFoundError(APIError):
    """404: the endpoint does not exist at this base URL."""


class ListNotFoundError(NotFoundError):
    """404 "Optout not found" / "Blacklist not found" to a removal: the list has no
    numbers stored yet, so there was nothing to remove."""


class InvalidNumbersError(BadRequestError):
    """400 "No valid phone numbers": the platform read none of the numbers sent as a
    phone number; ``invalid`` lists those it named."""

    @property
    def invalid(self) -> tuple[str, ...]:
        listed = self.body.get("invalid") if isinstance(self.body, Mapping) else None
        return tuple(str(item) for item in listed) if isinstance(listed, list) else ()


class RateLimitError(APIError):
    """429: too many requests; ``retry_after`` is the server's wait in seconds, if it said."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int = 429,
        body: object = None,
        request_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(
            message, status_code=status_code, body=body, request_id=request_id, headers=headers
        )
        self.retry_after = retry_after


class ServerError(APIError, DeliveryUncertainError):
    """5xx: the API failed while handling the request, which may have been processed."""


class ResponseFormatError(APIError, DeliveryUncertainError):
    """A success status whose body is not what the API documents.

    The request was accepted by the server, so the messages may have been sent.
    """


class RefusedError(APIError):
    """The API answered 500 with a reason the reference documents as a refusal
    ("Service not found", "Invalid service id"): nothing was done, unlike a
    ``ServerError``, so it is safe to correct and send again."""


class InsufficientCreditError(RefusedError):
    """The account's credit does not cover the order (500 "Insufficient credit")."""


class AlreadyCancelledError(RefusedError):
    """What was to be cancelled already was (500 "Service already cancelled")."""


class WhatsAppError(APIError):
    """The WhatsApp Business API refused: it answers a business failure (an unknown
    WABA, Meta's rejection) with 200 and ``success: false``; ``reason`` is its message
    (``"Whatsapp account not found"``). Nothing was done."""

    @property
    def reason(self) -> str | None:
        message = self.body.get("message") if isinstance(self.body, Mapping) else None
        return message if isinstance(message, str) else None


class VerifyError(APIError):
    """An error of the Verify API. ``code`` is its documented error code (``"INVALID_PHONE"``,
    ``"PHONE_RATE_LIMIT"``, ...) where the answer gave one, and ``attempts_remaining``
    how many code checks the session has left, where the API said."""

    code: ClassVar[str | None] = None

    def __init_subclass__(cls, *, code: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code

    @property
    def attempts_remaining(self) -> int | None:
        body = self.body
        value = body.get("attemptsRemaining") if isinstance(body, dict) else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None


class InvalidPhoneError(VerifyError, BadRequestError, code="INVALID_PHONE"):
    """400 ``INVALID_PHONE``: the number cannot be validated."""


class MissingFieldError(VerifyError, BadRequestError, code="MISSING_FIELD"):
    """400 ``MISSING_FIELD``: a required field was not sent."""


class SessionEndedError(VerifyError):
    """The validation session takes no more code checks: it expired or spent its
    attempts. Waiting will not help; start a new validation (``verify.start()``)."""


class InvalidCodeError(VerifyError, BadRequestError, code="INVALID_CODE"):
    """400 "Invalid code": the code does not match; ``attempts_remaining`` says how many
    checks are left (the code check was spent)."""


class SessionExpiredError(SessionEndedError, BadRequestError, code="EXPIRED"):
    """400 "Validation expired": the session ended (about 10 minutes); start a new one."""


class MissingApiKeyError(VerifyError, AuthenticationError, code="MISSING_API_KEY"):
    """401 ``MISSING_API_KEY``: no ``X-API-Key`` header."""


class InvalidApiKeyError(VerifyError, AuthenticationError, code="INVALID_API_KEY"):
    """401 ``INVALID_API_KEY``: the key is wrong or disabled."""


class SessionNotFoundError(VerifyError, NotFoundError, code="NOT_FOUND"):
    """404: no validation session with this token."""


class TenantRateLimitError(VerifyError, RateLimitError, code="TENANT_RATE_LIMIT"):
    """429 ``TENANT_RATE_LIMIT``: the account started too many validations; wait."""


class PhoneRateLimitError(VerifyError, RateLimitError, code="PHONE_RATE_LIMIT"):
    """429 ``PHONE_RATE_LIMIT``: too many validations of this number; wait."""


class TooManyAttemptsError(SessionEndedError, code="TOO_MANY_ATTEMPTS"):
    """429 "Too many attempts": the session's code checks (6 by default) are spent.
    Though the status is 429, it is no ``RateLimitError``: waiting will not help;
    start a new validation."""


class VerifyInternalError(VerifyError, ServerError, code="INTERNAL_ERROR"):
    """500 ``INTERNAL_ERROR``."""


class BulkStoppedError(CarriesBulkResult, SmsManagerError):
    """A bulk send stopped early because code of the caller's raised: the input
    iterator, or ``on_progress``. ``__cause__`` is that exception, and ``result`` (from
    ``send_bulk``) the partial result. Nothing more was sent after it."""


class JournalError(CarriesBulkResult, SmsManagerError):
    """The journal file cannot be used: in use by another campaign, not writable, not
    a journal, or damaged. A stopped campaign's partial result is ``result``."""


class PreflightError(ValidationError):
    """The key cannot send a campaign (``preflight=True``): it is blocked, or a sender
    a message names is not registered for its channel. ``problems`` names each one
    (``PreflightProblem``); nothing was sent after they were found."""

    def __init__(self, problems: Sequence[PreflightProblem]) -> None:
        super().__init__("preflight", "; ".join(problem.text for problem in problems))
        self.problems: tuple[PreflightProblem, ...] = tuple(problems)


class PreflightWarning(UserWarning):
    """The key's scope may not allow what a campaign needs (``preflight=True``)."""


class WebhookError(SmsManagerError):
    """A webhook body that is not JSON, not an object or array, or too large."""


def _rebuild(cls: type[SmsManagerError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    error = Exception.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error
