"""The sending API's answers (``/message``, ``/messages``, ``/simple/message``) read
into ``SendResult`` and ``SimpleSendResult``, by the readers of ``_reading``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._reading import (
    Unreadable,
    flag,
    index,
    items,
    optional,
    read_object,
    required,
    text,
)
from ._send_results import AcceptedItem, RejectedItem, SendResult, SimpleSendResult
from ._status_errors import format_error

__all__ = ["parse_send_result", "parse_simple_result"]

_request_id = required(text)


def _accepted(data: Any) -> AcceptedItem:
    return read_object(AcceptedItem, data, {"key": index, "message_id": required(text)})


def _rejected(data: Any) -> RejectedItem:
    return read_object(RejectedItem, data, {"key": index})


_accepted_items = items(_accepted)
_rejected_items = items(_rejected)


def parse_send_result(
    data: Any,
    *,
    status_code: int,
    headers: Mapping[str, str],
    recipients_per_message: tuple[int, ...],
    keyed_by_message: bool,
) -> SendResult:
    """Read a ``/message`` or ``/messages`` answer; unknown fields are kept in ``extra``.

    >>> parse_send_result({"request_id": "r-1", "accepted": [{"key": "0", "message_id": "m"}]},
    ...                   status_code=200, headers={}, recipients_per_message=(1,),
    ...                   keyed_by_message=False).accepted[0].key
    0
    """
    plain = _plain_answer(data, headers, recipients_per_message, keyed_by_message)
    if plain is not None:
        return plain
    readers = {
        "request_id": _request_id,
        "accepted": _accepted_items,
        "rejected": _rejected_items,
    }
    try:
        # Absent lists are empty; a null one is not as documented.
        listed = {"accepted": [], "rejected": [], **data} if isinstance(data, Mapping) else data
        return read_object(
            SendResult,
            listed,
            readers,
            headers=headers,
            _recipients_per_message=recipients_per_message,
            _keyed_by_message=keyed_by_message,
        )
    except Unreadable as error:
        raise _format_error(SendResult, error, data, status_code, headers) from None


_SEND_FIELDS = frozenset({"request_id", "accepted", "rejected"})


def _plain_answer(
    data: Any,
    headers: Mapping[str, str],
    recipients_per_message: tuple[int, ...],
    keyed_by_message: bool,
) -> SendResult | None:
    """The answer read in one pass when it is exactly the documented shape (every call
    of a campaign's is): a request id, accepted items of a key and a message id each,
    nothing rejected, no other field. ``None`` for anything else, which the readers
    then read field by field, keeping what is unknown and naming what is wrong."""
    if type(data) is not dict or not data.keys() <= _SEND_FIELDS:
        return None
    request_id, accepted = data.get("request_id"), data.get("accepted", [])
    if type(request_id) is not str or type(accepted) is not list:
        return None
    if data.get("rejected", []) != []:
        return None
    read = []
    for item in accepted:
        if type(item) is not dict or len(item) != 2:
            return None
        key, message_id = item.get("key"), item.get("message_id")
        if type(message_id) is not str:
            return None
        if type(key) is str and key.isascii() and key.isdecimal():
            key = int(key)
        elif type(key) is not int:
            return None
        read.append(AcceptedItem(key, message_id))
    return SendResult(
        request_id,
        tuple(read),
        headers=headers,
        _recipients_per_message=recipients_per_message,
        _keyed_by_message=keyed_by_message,
    )


def parse_simple_result(
    data: Any, *, status_code: int, headers: Mapping[str, str]
) -> SimpleSendResult:
    """Read a ``/simple/message`` answer."""
    readers = {"request_id": _request_id, "accepted": flag, "message_id": optional(text)}
    try:
        return read_object(SimpleSendResult, data, readers, headers=headers)
    except Unreadable as error:
        raise _format_error(SimpleSendResult, error, data, status_code, headers) from None


def _format_error(
    cls: type[Any], error: Unreadable, data: Any, status_code: int, headers: Mapping[str, str]
) -> Exception:
    reason = f"the API answered {status_code} with a body that is not a valid {cls.__name__}"
    return format_error(f"{reason}: {error}", status_code=status_code, body=data, headers=headers)
