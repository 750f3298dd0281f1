"""Where requests become JSON: a single cattrs converter and its hooks.

Requests omit absent fields and use the API's names (``scheduled_at`` travels as
``datetime``, in UTC with a ``Z``). Answers are read by ``_reading`` (see there why
not by cattrs).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
import cattrs

from .models import (
    FLOW_STEP_TYPES,
    Callback,
    DeliveryWindow,
    Gateway,
    Message,
    RcsButton,
    RcsCard,
    SmsType,
    TtlCondition,
    ViberButton,
    Weekday,
    WhatsAppButton,
    WhatsAppMedia,
)

__all__ = [
    "encode_json",
    "format_datetime",
    "message_to_wire",
    "simple_message_fields",
]

converter = cattrs.Converter(unstruct_collection_overrides={Sequence: list, tuple: list})


def format_datetime(value: dt.datetime) -> str:
    """An aware datetime as the API's UTC timestamp, in whole seconds like every example
    of the reference (a fraction of a second is dropped).

    >>> format_datetime(dt.datetime(2025, 1, 11, 11, 0, 0, 750_000,
    ...                             tzinfo=dt.timezone(dt.timedelta(hours=1))))
    '2025-01-11T10:00:00Z'
    """
    utc = value.astimezone(dt.timezone.utc)
    return utc.replace(tzinfo=None, microsecond=0).isoformat() + "Z"


converter.register_unstructure_hook(dt.datetime, format_datetime)
# Explicit hooks: these enums subclass str, which cattrs would otherwise pass through as is.
for _enum in (Gateway, SmsType, TtlCondition, Weekday):
    converter.register_unstructure_hook(_enum, lambda member: member.value)


def _object_hook(
    cls: type[Any], renames: Mapping[str, str] | None = None, omit: Sequence[str] = ()
) -> Callable[[Any], dict[str, Any]]:
    """Fields by their API names, absent ones left out, ``extra`` merged in.

    Values are unstructured by their own type, so a field that takes a typed class or a
    plain mapping or list sends either as it should.
    """
    names = [(a.name, (renames or {}).get(a.name, a.name)) for a in attrs.fields(cls)]
    names = [(name, wire) for name, wire in names if name not in ("extra", *omit)]
    has_extra = any(a.name == "extra" for a in attrs.fields(cls))
    unstructure = converter.unstructure

    def to_wire(obj: Any) -> dict[str, Any]:
        wire = {}
        for name, wire_name in names:
            value = getattr(obj, name)
            if value is not None:
                wire[wire_name] = unstructure(value)
        if has_extra and obj.extra:
            wire.update(unstructure(dict(obj.extra)))
        return wire

    return to_wire


for _value_class in (
    ViberButton,
    WhatsAppMedia,
    WhatsAppButton,
    RcsButton,
    RcsCard,
    Callback,
    DeliveryWindow,
):
    converter.register_unstructure_hook(_value_class, _object_hook(_value_class))


def _step_hook(step_type: type[Any]) -> Callable[[Any], dict[str, Any]]:
    fields_of = _object_hook(step_type)
    key = step_type.key
    return lambda step: {key: fields_of(step)}


for _step_type in FLOW_STEP_TYPES:
    converter.register_unstructure_hook(_step_type, _step_hook(_step_type))

# Recipients are written by the caller, already normalized (bulk writes them as text).
_message_fields = _object_hook(Message, {"scheduled_at": "datetime"}, omit=("to",))


def message_to_wire(message: Message, phone_numbers: Sequence[str]) -> dict[str, Any]:
    """The JSON object for ``message`` sent to ``phone_numbers`` (already normalized).

    >>> message_to_wire(Message("Hi", to=["+420 777 123 456"]), ["420777123456"])
    {'body': 'Hi', 'to': [{'phone_number': '420777123456'}]}
    """
    wire: dict[str, Any] = _message_fields(message)
    wire["to"] = [{"phone_number": number} for number in phone_numbers]
    return wire


def simple_message_fields(
    phone_number: str,
    message: str,
    *,
    sender: str,
    gateway: Gateway | str | None,
    scheduled_at: dt.datetime | None,
    custom_id: str | None,
) -> dict[str, str]:
    """Query or form fields of ``/simple/message``, absent ones left out."""
    fields = {"phone_number": phone_number, "message": message, "sender": sender}
    if gateway is not None:
        fields["gateway"] = gateway.value if isinstance(gateway, Gateway) else gateway
    if scheduled_at is not None:
        fields["datetime"] = format_datetime(scheduled_at)
    if custom_id is not None:
        fields["customID"] = custom_id
    return fields


def encode_json(value: Any) -> bytes:
    """Compact UTF-8 JSON, as sent on the wire: strict, so NaN and Infinity (which JSON
    has no words for) raise ``ValueError`` instead of going out as invalid JSON."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
