"""``parse()``: a webhook body into typed events, telling kinds apart as the API does."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

from .._reading import (
    Reader,
    Unreadable,
    amount,
    epoch_timestamp,
    field,
    mapping,
    optional,
    read_fields,
    read_object,
    required,
    text,
)
from ..errors import WebhookError
from . import _events as events

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


def parse(body: bytes | str | Any, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[events.Event]:
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


def _event(item: Any) -> events.Event:
    if not isinstance(item, Mapping):
        return events.InvalidEvent(
            item, f"an event must be a JSON object, got {type(item).__name__}"
        )
    try:
        kind = item.get("type")
        if kind is None:  # each schema's default: outgoing reports carry a result
            kind = "outgoing" if "result" in item else "incoming" if "sender" in item else None
        if kind == "outgoing":
            return _delivery_report(item)
        if kind == "incoming":
            return _reply(item) if "message_id" in item else _incoming(item)
    except Unreadable as error:
        return events.InvalidEvent(item, str(error))
    except (ValueError, TypeError, OverflowError, RecursionError) as error:
        # Whatever else one item holds, it must not cost the rest of the batch.
        return events.InvalidEvent(item, f"unreadable: {type(error).__name__}")
    return events.UnknownEvent(item)


_text = required(text)
_payload = optional(mapping)
_REPORT_READERS: dict[str, Reader] = {
    "message_id": _text,
    "result": _text,
    "request_id": text,
    "gateway": text,
    "payload": _payload,
}
_INCOMING_READERS: dict[str, Reader] = {
    "sender": _text,
    "recipient": text,
    "body": text,
    "gateway": text,
}
_REPLY_READERS: dict[str, Reader] = {
    "message_id": _text,
    **_INCOMING_READERS,
    "request_id": text,
    "payload": _payload,
}


def report_fields(item: Mapping[str, Any], timestamp: Reader) -> dict[str, Any]:
    """The fields a delivery report has in every form, ``timestamp`` read by ``timestamp``
    (a webhook's is in seconds since 1970, ``to_json``'s in ISO 8601)."""
    return read_fields(item, {**_REPORT_READERS, "timestamp": timestamp})


def reply_fields(item: Mapping[str, Any], timestamp: Reader) -> dict[str, Any]:
    """The fields of an ``IncomingReply`` (see ``report_fields``)."""
    return read_fields(item, {**_REPLY_READERS, "timestamp": timestamp})


def incoming_fields(item: Mapping[str, Any], timestamp: Reader) -> dict[str, Any]:
    """The fields of an ``IncomingMessage`` (see ``report_fields``)."""
    return read_fields(item, {**_INCOMING_READERS, "timestamp": timestamp})


def _extra(item: Mapping[str, Any], known: Collection[str]) -> dict[str, Any]:
    return {key: value for key, value in item.items() if key not in known}


def _delivery_report(item: Mapping[str, Any]) -> events.DeliveryReport:
    to = field(item, "to", _payload)
    info = field(item, "result_info", text)
    stats = None
    for key in STATS_KEYS:
        raw = field(item, key, _payload)
        if raw is not None:
            stats = read_stats(key, raw)
            break
    return events.DeliveryReport(
        **report_fields(item, epoch_timestamp),
        phone_number=field(to, "phone_number", text) if to is not None else None,
        result_info=events.ResultInfo.parse(info) if info is not None else None,
        stats=stats,
        extra=_extra(item, _REPORT_FIELDS),
    )


def _network_code(value: Any) -> int | str | None:
    # MCC and MNC are integers in the OpenAPI; a code sent as text is read as one,
    # and text that is not a short number is kept as it came.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        digits = value.strip()
        short_number = digits.isascii() and digits.isdecimal() and len(digits) <= 6
        return int(digits) if short_number else value
    if value is None:
        return None
    raise Unreadable(f"must be a code, got {value!r}")


def _parts(value: Any) -> int | None:
    number = amount(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise Unreadable(f"must be a whole number, got {value!r}")
    return int(number)


_STATS_READERS: dict[str, Reader] = {
    "sender": text,
    "country": _network_code,
    "operator": _network_code,
    "price_czk": amount,
    "price_eur": amount,
    "count": _parts,
    "gateway": text,
}


def read_stats(channel: str, raw: Mapping[str, Any]) -> events.ChannelStats:
    """The ``ChannelStats`` of ``channel`` from its object ``raw``."""
    try:
        return read_object(events.ChannelStats, raw, _STATS_READERS, channel=channel)
    except Unreadable as error:
        raise error.within(channel) from None


def _reply(item: Mapping[str, Any]) -> events.IncomingReply:
    return events.IncomingReply(
        **reply_fields(item, epoch_timestamp), extra=_extra(item, _REPLY_FIELDS)
    )


def _incoming(item: Mapping[str, Any]) -> events.IncomingMessage:
    return events.IncomingMessage(
        **incoming_fields(item, epoch_timestamp), extra=_extra(item, _REPLY_FIELDS)
    )
