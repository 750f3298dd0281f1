"""``parse()``: a webhook body into typed events, telling kinds apart as the API does."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from ..errors import WebhookError
from ._events import (
    ChannelStats,
    DeliveryReport,
    Event,
    IncomingMessage,
    IncomingReply,
    InvalidEvent,
    ResultInfo,
    UnknownEvent,
)

__all__ = ["DEFAULT_MAX_BYTES", "parse"]

DEFAULT_MAX_BYTES = 1024 * 1024
STATS_KEYS = ("sms", "viber", "whatsapp_body", "whatsapp_template", "rcs")
_REPORT_FIELDS = {
    "type", "request_id", "message_id", "gateway", "timestamp", "payload", "to", "result",
    "result_info", *STATS_KEYS,
}  # fmt: skip
_REPLY_FIELDS = {
    "type", "request_id", "message_id", "payload", "gateway", "timestamp", "sender",
    "recipient", "body",
}  # fmt: skip
_STATS_FIELDS = ("sender", "country", "operator", "price_czk", "price_eur", "count", "gateway")


class _Unreadable(Exception):
    """One item's field has the wrong type."""


def parse(body: bytes | str | Any, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Event]:
    """The events of one webhook body, in order.

    ``body`` is the raw bytes or text of the POST, or JSON already decoded; an array or
    a single object. A body that cannot be read at all raises ``WebhookError``; one bad
    item becomes an ``InvalidEvent`` and the others are read as usual.

    >>> [type(e).__name__ for e in parse(b'[{"type": "incoming", "sender": "420777123456"}]')]
    ['IncomingMessage']
    """
    if isinstance(body, (bytes, bytearray, memoryview, str)):
        size = len(body.encode() if isinstance(body, str) else body)
        if size > max_bytes:
            raise WebhookError(f"webhook body too large: {size} bytes (limit {max_bytes})")
        try:
            body = json.loads(bytes(body) if not isinstance(body, str) else body)
        except (ValueError, RecursionError) as error:
            raise WebhookError(f"webhook body is not JSON: {error}") from None
    if isinstance(body, Mapping):
        items: list[Any] = [body]
    elif isinstance(body, list):
        items = body
    else:
        raise WebhookError(
            f"webhook body must be a JSON array or object, got {type(body).__name__}"
        )
    return [_event(item) for item in items]


def _event(item: Any) -> Event:
    if not isinstance(item, Mapping):
        return InvalidEvent(item, f"an event must be a JSON object, got {type(item).__name__}")
    try:
        kind = item.get("type")
        if kind is None:  # each schema's default: outgoing reports carry a result
            kind = "outgoing" if "result" in item else "incoming" if "sender" in item else None
        if kind == "outgoing":
            return _delivery_report(item)
        if kind == "incoming":
            return _reply(item) if "message_id" in item else _incoming(item)
    except _Unreadable as error:
        return InvalidEvent(item, str(error))
    except (ValueError, TypeError, OverflowError, RecursionError) as error:
        # Whatever else one item holds, it must not cost the rest of the batch.
        return InvalidEvent(item, f"unreadable: {type(error).__name__}")
    return UnknownEvent(item)


def _text(item: Mapping[str, Any], key: str, *, required: bool = False) -> Any:
    value = item.get(key)
    if value is None:
        if required:
            raise _Unreadable(f"{key!r} is required")
        return None
    if not isinstance(value, str):
        raise _Unreadable(f"{key!r} must be a string, got {type(value).__name__}")
    return value


def _number(item: Mapping[str, Any], key: str) -> Any:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return float(value) if "." in value else int(value)
        except ValueError:
            pass
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    raise _Unreadable(f"{key!r} must be a number, got {value!r}")


def _timestamp(item: Mapping[str, Any]) -> dt.datetime | None:
    seconds = _number(item, "timestamp")
    if seconds is None:
        return None
    try:
        return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise _Unreadable(f"'timestamp' is out of range: {seconds!r}") from None


def _object(item: Mapping[str, Any], key: str) -> Any:
    value = item.get(key)
    if value is not None and not isinstance(value, Mapping):
        raise _Unreadable(f"{key!r} must be an object, got {type(value).__name__}")
    return value


def _extra(item: Mapping[str, Any], known: set[str]) -> dict[str, Any]:
    return {key: value for key, value in item.items() if key not in known}


def _delivery_report(item: Mapping[str, Any]) -> DeliveryReport:
    to = _object(item, "to")
    info = _text(item, "result_info")
    stats = None
    for key in STATS_KEYS:
        raw = _object(item, key)
        if raw is not None:
            stats = _stats(key, raw)
            break
    return DeliveryReport(
        message_id=_text(item, "message_id", required=True),
        result=_text(item, "result", required=True),
        request_id=_text(item, "request_id"),
        gateway=_text(item, "gateway"),
        timestamp=_timestamp(item),
        payload=_object(item, "payload"),
        phone_number=_text(to, "phone_number") if to is not None else None,
        result_info=ResultInfo.parse(info) if info is not None else None,
        stats=stats,
        extra=_extra(item, _REPORT_FIELDS),
    )


def _stats(channel: str, raw: Mapping[str, Any]) -> ChannelStats:
    def code(key: str) -> int | str | None:
        # MCC and MNC are integers in the OpenAPI; a code sent as text is read as one,
        # and text that is not a short number is kept as it came.
        value = raw.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            digits = value.strip()
            short_number = digits.isascii() and digits.isdecimal() and len(digits) <= 6
            return int(digits) if short_number else value
        if value is None:
            return None
        raise _Unreadable(f"{channel}.{key} must be a code, got {value!r}")

    count = _number(raw, "count")
    if isinstance(count, float) and not count.is_integer():
        raise _Unreadable(f"{channel}.count must be a whole number, got {count!r}")
    return ChannelStats(
        channel=channel,
        sender=_text(raw, "sender"),
        country=code("country"),
        operator=code("operator"),
        price_czk=_number(raw, "price_czk"),
        price_eur=_number(raw, "price_eur"),
        count=int(count) if count is not None else None,
        gateway=_text(raw, "gateway"),
        extra=_extra(raw, set(_STATS_FIELDS)),
    )


def _reply(item: Mapping[str, Any]) -> IncomingReply:
    return IncomingReply(
        message_id=_text(item, "message_id", required=True),
        sender=_text(item, "sender", required=True),
        recipient=_text(item, "recipient"),
        body=_text(item, "body"),
        request_id=_text(item, "request_id"),
        gateway=_text(item, "gateway"),
        timestamp=_timestamp(item),
        payload=_object(item, "payload"),
        extra=_extra(item, _REPLY_FIELDS),
    )


def _incoming(item: Mapping[str, Any]) -> IncomingMessage:
    return IncomingMessage(
        sender=_text(item, "sender", required=True),
        recipient=_text(item, "recipient"),
        body=_text(item, "body"),
        gateway=_text(item, "gateway"),
        timestamp=_timestamp(item),
        extra=_extra(item, _REPLY_FIELDS),
    )
