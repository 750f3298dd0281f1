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
from typing import Any, TypeVar

import attrs

from ._calls import request_object, unreadable_answer
from ._reading import (
    Reader,
    Unreadable,
    flag,
    iso_timestamp,
    nonempty_text,
    read_object,
    text,
)
from ._rest import Resource, segment
from ._transport import Reply
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
    SessionExpiredError,
    SessionNotFoundError,
    TenantRateLimitError,
    TooManyAttemptsError,
    ValidationError,
    VerifyError,
    VerifyInternalError,
)

__all__ = ["AsyncVerify", "ProofCheck", "Verification", "VerificationSession"]

CODE_LENGTH = 6
_T = TypeVar("_T")


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
    """As the API gave it: the proof covers that exact text."""
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


class AsyncVerify(Resource):
    """The Verify API on a client's key and connections: ``client.verify``."""

    def _base_url(self) -> str:
        return self._transport.verify_base_url

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
            body["turnstileToken"] = _given("turnstile_token", turnstile_token)
        answer = await self._call("POST", "/v1/validations", body)
        readers = {
            "token": nonempty_text,
            "status": nonempty_text,
            "expires_at": _moment,
            "timestamp": nonempty_text,
            "proof": text,
        }
        return _read(VerificationSession, answer, readers, "/v1/validations")

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
        token = _given("token", token)
        if not (isinstance(code, str) and code.isascii() and code.isdecimal()):
            raise ValidationError("code", f"must be the {CODE_LENGTH} digits received")
        if len(code) != CODE_LENGTH:
            raise ValidationError("code", f"must be {CODE_LENGTH} digits, got {len(code)}")
        answer = await self._call(
            "POST", f"/v1/validations/{_path(token)}/verify", {"code": code}, retry_429=False
        )
        readers = {
            "verified": flag,
            **dict.fromkeys(("phone_number", "token", "code", "timestamp", "proof"), text),
            "verified_at": iso_timestamp,
        }
        return _read(Verification, answer, readers, "/v1/validations/{token}/verify")

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
            "phoneNumber": _given("phone_number", phone_number),
            "token": _given("token", token),
            "code": _given("code", code),
            "timestamp": _given("timestamp", timestamp),
            "proof": _given("proof", proof),
        }
        answer = await self._call("POST", "/v1/verify-proof", body, idempotent=True, send_key=False)
        return _proof_check(answer, "/v1/verify-proof")

    async def confirm(self, token: str, proof: str) -> ProofCheck:
        """Check a proof against a stored validation (``PATCH /v1/validations/{token}``).

        Example::

            checked = await client.verify.confirm(result.token, result.proof)
        """
        path = f"/v1/validations/{_path(_given('token', token))}"
        answer = await self._call("PATCH", path, {"proof": _given("proof", proof)}, idempotent=True)
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
    ) -> Reply:
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


def _given(field: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValidationError(field, "must be a non-empty string")
    return value


def _path(token: str) -> str:
    """A token as one path segment: anything that could leave it is refused."""
    return segment("token", token, what="a token from start()")


def _moment(value: object) -> dt.datetime:
    return iso_timestamp(nonempty_text(value))  # type: ignore[return-value]


def _expired(value: object) -> bool:
    return value is not None and flag(value)


_NAMES = {"phone_number": "phoneNumber", "verified_at": "verifiedAt", "expires_at": "expiresAt"}


def _read(cls: Callable[..., _T], answer: Reply, readers: Mapping[str, Reader], path: str) -> _T:
    try:
        return read_object(cls, answer.data, readers, names=_NAMES)
    except Unreadable as error:
        reason = f"{path} answered with a body that is not as documented: {error}"
        raise unreadable_answer(reason, answer) from None


def _proof_check(answer: Reply, path: str) -> ProofCheck:
    readers = {
        "valid": flag,
        "expired": _expired,
        "phone_number": text,
        "verified_at": iso_timestamp,
    }
    return _read(ProofCheck, answer, readers, path)
