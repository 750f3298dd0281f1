"""From an HTTP answer to what the SDK hands over: the decoded 2xx ``Reply``, or the
SDK error its status stands for (``errors.py`` draws the hierarchy, this maps onto it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple, Protocol

from .errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
)

__all__ = [
    "REQUEST_ID_HEADERS",
    "Answer",
    "Reply",
    "error_for",
    "format_error",
    "read_reply",
    "request_id_of",
]

_ERROR_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
}


class Answer(Protocol):
    """An HTTP answer, read whole, as every stack gives one (an httpx or httpx2
    response, or the aiohttp stack's): headers whose lookups ignore case."""

    @property
    def status_code(self) -> int: ...
    @property
    def reason_phrase(self) -> str: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def is_success(self) -> bool: ...
    @property
    def text(self) -> str: ...
    @property
    def content(self) -> bytes: ...
    def json(self) -> Any: ...


class Reply(NamedTuple):
    status_code: int
    data: Any
    headers: Mapping[str, str]


REQUEST_ID_HEADERS = ("x-request-id", "x-amzn-requestid")
"""Where an answer without ``request_id`` in its body may carry one. The reference
documents no such header: these are the common names (the second is AWS API Gateway's)."""


def request_id_of(body: Any, headers: Mapping[str, str]) -> str | None:
    """The request id of an answer: its body's ``request_id``, or else a header's
    (``headers`` as httpx gives them, whose lookups ignore case).

    >>> request_id_of({"request_id": "r-1"}, {}), request_id_of("busy", {"x-request-id": "r-2"})
    ('r-1', 'r-2')
    """
    request_id = body.get("request_id") if isinstance(body, Mapping) else None
    if isinstance(request_id, str):
        return request_id
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value
    return None


def _json(response: Answer) -> Any:
    """The answer's JSON; ``ValueError`` for anything unreadable (nesting too deep for
    the parser included)."""
    try:
        return response.json()
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def decode(response: Answer) -> Any:
    """The answer's JSON, or its text when it is not JSON."""
    try:
        return _json(response)
    except ValueError:
        return response.text


def read_reply(response: Answer, where: str) -> Reply:
    if not response.is_success:
        raise error_for(response, where)
    try:
        return Reply(response.status_code, _json(response), response.headers)
    except ValueError:
        raise format_error(
            f"{where} answered {response.status_code} with a body that is not JSON",
            status_code=response.status_code,
            body=response.text,
            headers=response.headers,
        ) from None


def format_error(
    reason: str, *, status_code: int, body: Any, headers: Mapping[str, str]
) -> ResponseFormatError:
    """The error for a success answer whose body is not as documented, with its status,
    headers and request id: the one place such an error is built."""
    return ResponseFormatError(
        reason,
        status_code=status_code,
        body=body,
        request_id=request_id_of(body, headers),
        headers=headers,
    )


def error_for(response: Answer, where: str, *, retry_after: float | None = None) -> APIError:
    status = response.status_code
    body = decode(response)
    headers = response.headers
    request_id = request_id_of(body, headers)
    detail = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    if len(detail) > 300:
        detail = detail[:300] + "..."
    message = f"{where} answered {status} {response.reason_phrase}: {detail}".rstrip(": ")
    if status == 429:
        return RateLimitError(
            message, body=body, request_id=request_id, headers=headers, retry_after=retry_after
        )
    if status >= 500:
        message += " (the messages may have been sent)"
        return ServerError(
            message, status_code=status, body=body, request_id=request_id, headers=headers
        )
    error_type = _ERROR_BY_STATUS.get(status, APIError)
    if status == 400 and _is_wrong_key(body):
        error_type = AuthenticationError
    if error_type is AuthenticationError:
        # The sending API's 400 reads as a bad request: say what it means, then its text.
        message = f"{where}: the API key was refused ({status} {response.reason_phrase}): {detail}"
        message = message.rstrip(": ")
    return error_type(
        message, status_code=status, body=body, request_id=request_id, headers=headers
    )


def _is_wrong_key(body: Any) -> bool:
    """The sending API answers a bad key with 400 and this body (reference/errors.mdx):
    ``{"Message": "User is not authorized to access this resource with an explicit deny"}``."""
    text = body.get("Message") if isinstance(body, dict) else None
    return isinstance(text, str) and "not authorized" in text.lower()
