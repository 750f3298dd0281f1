"""The Verify API: one-time codes by SMS, checked by the platform (``client.verify``).

``start()`` sends a 6-digit code to a number and gives a ``token``; ``check()`` checks
the code the user typed. A session allows 6 checks (by default) and lasts about 10
minutes. A code check is never repeated by the SDK, whatever happens to it: each one
spends an attempt. With a ``verificationSecret`` on the account, answers carry an HMAC
``proof`` that another service can check without the key (``check_proof()``).

Example::

    started = await client.verify.start("420777123456")
    ...  # the user types the code they received
    result = await client.verify.check(started.token, code)
    result.verified, result.phone_number
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from ._calls import request_object
from ._transport import Transport
from ._wire import encode_json
from .errors import (
    APIError,
    InvalidApiKeyError,
    InvalidCodeError,
    InvalidPhoneError,
    MissingApiKeyError,
    MissingFieldError,
    PhoneRateLimitError,
    RateLimitError,
    ResponseFormatError,
    SessionExpiredError,
    SessionNotFoundError,
    TenantRateLimitError,
    TooManyAttemptsError,
    ValidationError,
    VerifyError,
    VerifyInternalError,
)
from .phone import PhoneNormalizer

__all__ = ["AsyncVerify", "ProofCheck", "Verification", "VerificationSession"]

CODE_LENGTH = 6


@attrs.frozen
class VerificationSession:
    """A validation started: its ``token`` for the checks, its ``status`` (``pending``,
    ``code_sent``, ``verified``, ``failed``, ``expired``), when it expires, and the
    ``proof`` where the account has a verification secret. ``timestamp`` is kept as
    the API gave it: the proof covers that exact text."""

    token: str
    status: str
    expires_at: dt.datetime
    timestamp: str
    proof: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class Verification:
    """The answer to a code check. ``verified`` says it; the other fields come with a
    verified code (``proof`` where the account has a verification secret)."""

    verified: bool
    phone_number: str | None = None
    token: str | None = None
    code: str | None = None
    timestamp: str | None = None
    proof: str | None = None
    verified_at: dt.datetime | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class ProofCheck:
    """Whether a proof is valid (and whether its validation has ``expired``: after 24
    hours), with the number and time of a session's verification where the API says."""

    valid: bool
    expired: bool = False
    phone_number: str | None = None
    verified_at: dt.datetime | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


def _waited_out(body: Any) -> bool:
    """Whether a 429 is waited out: not one about a single number (``PHONE_RATE_LIMIT``),
    which neither a retry nor a pause of the other calls would help."""
    return not (isinstance(body, Mapping) and body.get("error") == PhoneRateLimitError.code)


class AsyncVerify:
    """The Verify API on a client's key and connections: ``client.verify``."""

    def __init__(self, transport: Transport, normalize: PhoneNormalizer) -> None:
        self._transport = transport
        self._normalize = normalize

    def __repr__(self) -> str:
        return f"<AsyncVerify base_url={self._transport.verify_base_url!r}>"

    async def start(
        self,
        phone_number: str,
        *,
        payload: Mapping[str, str] | None = None,
        turnstile_token: str | None = None,
    ) -> VerificationSession:
        """Send a code to ``phone_number`` (``POST /v1/validations``). ``payload`` is
        attached to the validation; ``turnstile_token`` is needed where the account
        requires Turnstile.

        Like a send, a start whose answer was lost is not repeated (a second code
        would go out): it raises ``DeliveryUncertainError``. A 429 is waited out, except
        ``PhoneRateLimitError`` (too many codes to this number), raised at once.

        Example::

            started = await client.verify.start("420777123456", payload={"user": "42"})
        """
        body: dict[str, Any] = {"phoneNumber": self._normalize(phone_number, field="phone_number")}
        if payload is not None:
            if not isinstance(payload, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in payload.items()
            ):
                raise ValidationError("payload", "must map strings to strings")
            body["payload"] = dict(payload)
        if turnstile_token is not None:
            body["turnstileToken"] = _text("turnstile_token", turnstile_token)
        answer = await self._call("POST", "/v1/validations", body)
        try:
            return VerificationSession(
                token=_string(answer, "token"),
                status=_string(answer, "status"),
                expires_at=_moment(_string(answer, "expiresAt")),
                timestamp=_string(answer, "timestamp"),
                proof=_optional(answer, "proof"),
                extra=_rest(answer, "token", "status", "expiresAt", "timestamp", "proof"),
            )
        except ValueError as error:
            raise _unreadable("/v1/validations", answer, error) from None

    async def check(self, token: str, code: str) -> Verification:
        """Check the ``code`` the user typed (``POST /v1/validations/{token}/verify``).

        A wrong code raises ``InvalidCodeError`` (``attempts_remaining`` says how many
        checks are left), an ended session ``SessionExpiredError``, spent attempts
        ``TooManyAttemptsError``. Never repeated: not after a 429, a 5xx or a lost
        answer, since each check spends an attempt (a lost one raises
        ``DeliveryUncertainError``; ask the user to try again).

        Example::

            result = await client.verify.check(started.token, "123456")
        """
        token = _text("token", token)
        if not (isinstance(code, str) and code.isascii() and code.isdecimal()):
            raise ValidationError("code", f"must be the {CODE_LENGTH} digits received")
        if len(code) != CODE_LENGTH:
            raise ValidationError("code", f"must be {CODE_LENGTH} digits, got {len(code)}")
        answer = await self._call(
            "POST", f"/v1/validations/{_path(token)}/verify", {"code": code}, retry_429=False
        )
        try:
            return Verification(
                verified=_flag(answer, "verified"),
                phone_number=_optional(answer, "phoneNumber"),
                token=_optional(answer, "token"),
                code=_optional(answer, "code"),
                timestamp=_optional(answer, "timestamp"),
                proof=_optional(answer, "proof"),
                verified_at=_optional_moment(answer, "verifiedAt"),
                extra=_rest(
                    answer, "verified", "phoneNumber", "token", "code", "timestamp", "proof",
                    "verifiedAt",
                ),
            )  # fmt: skip
        except ValueError as error:
            raise _unreadable("/v1/validations/{token}/verify", answer, error) from None

    async def check_proof(
        self, *, phone_number: str, token: str, code: str, timestamp: str, proof: str
    ) -> ProofCheck:
        """Check an HMAC proof without the API key (``POST /v1/verify-proof``): what
        another service can do with the fields of a ``Verification``. A read: repeated
        after 5xx and lost answers.

        Example::

            checked = await client.verify.check_proof(
                phone_number=v.phone_number, token=v.token, code=v.code,
                timestamp=v.timestamp, proof=v.proof,
            )
        """
        body = {
            "phoneNumber": _text("phone_number", phone_number),
            "token": _text("token", token),
            "code": _text("code", code),
            "timestamp": _text("timestamp", timestamp),
            "proof": _text("proof", proof),
        }
        answer = await self._call("POST", "/v1/verify-proof", body, idempotent=True, send_key=False)
        return _proof_check(answer, "/v1/verify-proof")

    async def confirm(self, token: str, proof: str) -> ProofCheck:
        """Check a proof against a stored validation (``PATCH /v1/validations/{token}``).

        Example::

            checked = await client.verify.confirm(result.token, result.proof)
        """
        path = f"/v1/validations/{_path(_text('token', token))}"
        answer = await self._call("PATCH", path, {"proof": _text("proof", proof)}, idempotent=True)
        return _proof_check(answer, "/v1/validations/{token}")

    async def _call(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any],
        *,
        idempotent: bool = False,
        retry_429: bool | Callable[[Any], bool] = _waited_out,
        send_key: bool = True,
    ) -> Mapping[str, Any]:
        try:
            return await request_object(
                self._transport,
                method,
                path,
                json_content=encode_json(dict(body)),
                base_url=self._transport.verify_base_url,
                idempotent=idempotent,
                retry_429=retry_429,
                send_key=send_key,
            )
        except APIError as error:
            raise verify_error(error) from None


_BY_CODE: dict[str, type[VerifyError]] = {
    cls.code: cls
    for cls in (
        InvalidPhoneError,
        MissingFieldError,
        MissingApiKeyError,
        InvalidApiKeyError,
        TenantRateLimitError,
        PhoneRateLimitError,
        VerifyInternalError,
    )
    if cls.code is not None
}
# Errors the reference gives by message only (guides/phone-verification.mdx names them
# invalid_code, expired, too_many_attempts, not_found), and by status as a last resort.
_BY_MESSAGE: dict[str, type[VerifyError]] = {
    "invalid code": InvalidCodeError,
    "validation expired": SessionExpiredError,
    "too many attempts": TooManyAttemptsError,
}
_BY_LOWER_CODE: dict[str, type[VerifyError]] = {
    "invalid_code": InvalidCodeError,
    "expired": SessionExpiredError,
    "too_many_attempts": TooManyAttemptsError,
    "rate_limited": TenantRateLimitError,
    "not_found": SessionNotFoundError,
}
_BY_STATUS: dict[int, type[VerifyError]] = {404: SessionNotFoundError, 500: VerifyInternalError}


def verify_error(error: APIError) -> APIError:
    """The Verify API's own error class for ``error``, the same error otherwise.

    >>> from smsmngr.errors import BadRequestError
    >>> verify_error(BadRequestError("400", status_code=400,
    ...                               body={"message": "Invalid code", "attemptsRemaining": 3}))
    InvalidCodeError('400')
    """
    body = error.body if isinstance(error.body, dict) else {}
    code, message = body.get("error"), body.get("message")
    cls = None
    if isinstance(code, str):
        cls = _BY_CODE.get(code) or _BY_LOWER_CODE.get(code.lower())
    if cls is None and isinstance(message, str):
        cls = _BY_MESSAGE.get(message.strip().lower())
    if cls is None:
        cls = _BY_STATUS.get(error.status_code)
    if cls is None:
        return error
    converted: VerifyError = cls(
        str(error),
        status_code=error.status_code,
        body=error.body,
        request_id=error.request_id,
        headers=error.headers,
    )
    if isinstance(converted, RateLimitError):
        converted.retry_after = getattr(error, "retry_after", None)
    return converted


def _text(field: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValidationError(field, "must be a non-empty string")
    return value


def _path(token: str) -> str:
    """A token as one path segment: anything that could leave it is refused."""
    if not all(c.isalnum() or c in "-_." for c in token) or not token.isascii():
        raise ValidationError("token", f"must be a token from start(), got {token!r}")
    if not token.strip("."):
        raise ValidationError(
            "token",
            f"must be a token from start(), got {token!r}: a segment of dots only is "
            "removed from the URL, so the call would go to another endpoint",
        )
    return token


def _string(answer: Mapping[str, Any], name: str) -> str:
    value = answer.get(name)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name}: expected a string, got {value!r}")
    return value


def _optional(answer: Mapping[str, Any], name: str) -> str | None:
    value = answer.get(name)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{name}: expected a string, got {value!r}")
    return value


def _flag(answer: Mapping[str, Any], name: str) -> bool:
    value = answer.get(name)
    if not isinstance(value, bool):
        raise ValueError(f"{name}: expected true or false, got {value!r}")
    return value


def _moment(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _optional_moment(answer: Mapping[str, Any], name: str) -> dt.datetime | None:
    value = _optional(answer, name)
    return None if value is None else _moment(value)


def _rest(answer: Mapping[str, Any], *known: str) -> dict[str, Any]:
    return {key: value for key, value in answer.items() if key not in known}


def _proof_check(answer: Mapping[str, Any], path: str) -> ProofCheck:
    try:
        expired = answer.get("expired", False)
        if not isinstance(expired, bool):
            raise ValueError(f"expired: expected true or false, got {expired!r}")
        return ProofCheck(
            valid=_flag(answer, "valid"),
            expired=expired,
            phone_number=_optional(answer, "phoneNumber"),
            verified_at=_optional_moment(answer, "verifiedAt"),
            extra=_rest(answer, "valid", "expired", "phoneNumber", "verifiedAt"),
        )
    except ValueError as error:
        raise _unreadable(path, answer, error) from None


def _unreadable(path: str, answer: Mapping[str, Any], error: ValueError) -> ResponseFormatError:
    return ResponseFormatError(
        f"{path} answered with a body that is not as documented: {error}",
        status_code=200,
        body=dict(answer),
    )
