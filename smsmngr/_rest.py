"""What every REST API v1 resource shares (``client.status``, ``client.account``, and
each area added beside them): one call whose repetition after a lost answer is decided
per operation, the reference's definite 500s, an empty list's 404, and reading a field.

A resource is a small class over the client's transport; its methods check their
arguments (``ValidationError`` naming the field) before any request, call ``_call``,
and read the answer with ``_read``:

    class AsyncInbox(RestResource):
        async def list(self, date):
            query = {"date": day("date", date)}
            answer = await self._call("GET", "/inbox", query=query, repeat=True)
            return self._read(answer, "inbox", _messages, where="GET /inbox")
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx

from ._calls import request_object, unreadable_answer
from ._reading import Unreadable
from ._transport import Reply, Transport
from ._wire import encode_json
from .errors import (
    AlreadyCancelledError,
    APIError,
    InsufficientCreditError,
    NotFoundError,
    RefusedError,
    ServerError,
    ValidationError,
)
from .phone import PhoneNormalizer

__all__ = [
    "Resource",
    "RestResource",
    "day",
    "error_message",
    "narrowed",
    "nonempty",
    "refused_error",
    "segment",
    "sub_account",
]

_T = TypeVar("_T")
_E = TypeVar("_E", bound=APIError)

# The 500s the reference documents as a definite refusal (openapi/rest/restapi_v1.yaml,
# /credit/order, /credit/cancel and /messaging/*): nothing was done, so they are not
# "may have been processed". Every other 5xx keeps that meaning.
_REFUSALS: dict[str, type[RefusedError]] = {
    "insufficient credit": InsufficientCreditError,
    "service already cancelled": AlreadyCancelledError,
    "invalid service id": RefusedError,
    "service not found": RefusedError,
    "no available sender for this service": RefusedError,
    # /messaging/url and /messaging/cancel: no URL was made, no schedule was cancelled.
    "failed to generate upload url": RefusedError,
    "failed to cancel schedule": RefusedError,
    # /optout and /blacklist (POST, DELETE): the change was not queued or not made.
    "enqueue failed": RefusedError,
    "delete failed": RefusedError,
    # /partner/signup, /recipient/register: a failure reported, nothing registered.
    "failed to new partner registration": RefusedError,
    "failed to register recipient": RefusedError,
    # openapi/waba_rest: /whatsapp/signup's 500 says the signup was not started.
    "failed to whatsapp registration": RefusedError,
}


def refused_error(error: APIError) -> APIError:
    """The definite error a documented refusal stands for; ``error`` otherwise.

    >>> from smsmngr.errors import ServerError
    >>> refused_error(ServerError("500", status_code=500, body={"message": "Insufficient credit"}))
    InsufficientCreditError('500')
    """
    message = error_message(error.body)
    cls = _REFUSALS.get(message.strip().lower()) if isinstance(message, str) else None
    if cls is None or not isinstance(error, ServerError):
        return error
    return narrowed(error, cls, str(error).replace(" (the messages may have been sent)", ""))


def narrowed(error: APIError, cls: type[_E], message: str | None = None) -> _E:
    """``error`` as the more precise ``cls`` (with ``message``), the same answer kept."""
    return cls(
        str(error) if message is None else message,
        status_code=error.status_code,
        body=error.body,
        request_id=error.request_id,
        headers=error.headers,
    )


def error_message(body: object) -> str | None:
    """The ``message`` of an error body, at its top or in its one nested object (the
    lists' DELETE answers ``{"optout": {"message": ...}}``).

    >>> error_message({"message": "Missing 'to'"}), error_message({"optout": {"message": "x"}})
    ("Missing 'to'", 'x')
    """
    if not isinstance(body, Mapping):
        return None
    nested = [value for value in body.values() if isinstance(value, Mapping)]
    found = body.get("message", nested[0].get("message") if len(nested) == 1 else None)
    return found if isinstance(found, str) else None


class Resource:
    """The base of every API area's resource (``client.verify``, ``client.status``...):
    the client's transport and its reading of phone numbers."""

    def __init__(self, transport: Transport, normalize: PhoneNormalizer) -> None:
        self._transport = transport
        self._normalize = normalize

    def _base_url(self) -> str:
        return self._transport.rest_base_url

    def __repr__(self) -> str:
        return f"<{type(self).__name__} base_url={self._base_url()!r}>"


class RestResource(Resource):
    """The base of a REST API v1 (and WhatsApp Business API) resource."""

    async def _call(
        self,
        method: str,
        path: str,
        *,
        repeat: bool,
        query: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        empty_on_404: bool = False,
    ) -> Reply:
        """``method path`` on the REST API with ``query`` and a JSON ``body``.

        ``repeat`` says whether the operation may be sent again after a lost answer or
        a 5xx: true for reads (the WhatsApp Business API's reads are POSTs), never for
        what changes something. ``empty_on_404``: the reference answers an empty list
        with 404 and ``success: true``, given back as an answer with no fields (``{}``).
        """
        try:
            return await request_object(
                self._transport,
                method,
                path,
                query=query,
                json_content=encode_json(dict(body)) if body is not None else None,
                base_url=self._transport.rest_base_url,
                idempotent=repeat,
            )
        except NotFoundError as error:
            if empty_on_404 and isinstance(error.body, Mapping) and error.body.get("success"):
                return Reply(error.status_code, {}, httpx.Headers(error.headers))
            raise
        except ServerError as error:
            raise refused_error(error) from None

    @staticmethod
    def _read(answer: Reply, field: str | None, parse: Callable[[Any], _T], *, where: str) -> _T:
        """``parse`` of the answer's ``field`` (the whole answer for ``None``), or a
        ``ResponseFormatError`` naming what is wrong."""
        try:
            return parse(answer.data if field is None else answer.data.get(field))
        except Unreadable as error:
            named = f"a {field!r}" if field is not None else "a body"
            reason = f"{where} answered with {named} that is not as documented: {error}"
            raise unreadable_answer(reason, answer) from None


def nonempty(field: str, value: object) -> str:
    """``value``, a non-empty string, or a ``ValidationError`` naming ``field``.

    >>> nonempty("tag", "x")
    'x'
    """
    if not isinstance(value, str) or not value:
        raise ValidationError(field, "must be a non-empty string")
    return value


def sub_account(subid: str | None) -> dict[str, str]:
    """The ``subid`` field for the sub-account ``subid``; none for the account's own
    (the reference's default).

    >>> sub_account("shop-2"), sub_account(None)
    ({'subid': 'shop-2'}, {})
    """
    return {} if subid is None else {"subid": nonempty("subid", subid)}


def day(field: str, value: object) -> str:
    """A date as the REST API takes it (``YYYY-MM-DD``).

    >>> day("date", dt.date(2026, 7, 30)), day("date", "2026-07-30")
    ('2026-07-30', '2026-07-30')
    """
    if isinstance(value, dt.datetime):
        raise ValidationError(field, "must be a date, not a datetime (the API counts by day)")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise ValidationError(field, f"must be a date or 'YYYY-MM-DD', got {value!r}")


def segment(field: str, value: object, *, what: str = "one path segment") -> str:
    """``value`` as one segment of a URL path: anything that could leave it is refused.

    >>> segment("connector", "klaviyo")
    'klaviyo'
    """
    if not isinstance(value, str) or not value:
        raise ValidationError(field, f"must be {what}, a non-empty string")
    if not all(c.isalnum() or c in "-_." for c in value) or not value.isascii():
        raise ValidationError(field, f"must be {what}, got {value!r}")
    if not value.strip("."):
        raise ValidationError(
            field,
            f"must be {what}, got {value!r}: a segment of dots only is "
            "removed from the URL, so the call would go to another endpoint",
        )
    return value
