"""The one place where models meet JSON: a single cattrs converter and its hooks.

Requests omit absent fields and use the API's names (``scheduled_at`` travels as
``datetime``, in UTC with a ``Z``). Responses are read tolerantly: unknown fields land
in ``extra``; a body that breaks the documented shape raises ``ResponseFormatError``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override

from ._status_errors import request_id_of
from .errors import ResponseFormatError
from .models import (
    FLOW_STEP_TYPES,
    AcceptedItem,
    Callback,
    DeliveryWindow,
    Gateway,
    Message,
    RcsButton,
    RcsCard,
    RejectedItem,
    SendResult,
    SimpleSendResult,
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
    "parse_send_result",
    "parse_simple_result",
    "simple_message_fields",
]

_T = TypeVar("_T")

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


# -- responses ----------------------------------------------------------------------------


def _strict_str(value: Any, _: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _key(value: Any, _: Any) -> int:
    # The API sends keys as strings holding a number ("0"); accept plain integers too.
    # Only keys are read so: any other number in an answer must be a JSON number.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdecimal():
        return int(value)
    raise ValueError(f"expected an index, got {value!r}")


def _strict_bool(value: Any, _: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {value!r}")
    return value


def _strict_int(value: Any, _: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected a whole number, got {value!r}")
    return value


converter.register_structure_hook(str, _strict_str)
converter.register_structure_hook(int, _strict_int)
converter.register_structure_hook(bool, _strict_bool)


def _keeping_extra(
    cls: type[_T], *, omit: Sequence[str] = (), hooks: Mapping[str, Callable[[Any, Any], Any]] = {}
) -> Callable[[Any, Any], _T]:
    """A structure hook that reads ``cls``'s fields (each with its hook in ``hooks``, if
    any) and keeps every other key in ``extra``."""
    omitted = {"extra", *omit}
    fields = attrs.fields(cls)  # type: ignore[arg-type]
    known = {a.name for a in fields if a.init} - omitted
    overrides: dict[str, Any] = {a.name: override(omit=True) for a in fields if a.name in omitted}
    overrides.update({name: override(struct_hook=hook) for name, hook in hooks.items()})
    structure_known = make_dict_structure_fn(cls, converter, **overrides)

    def structure(data: Any, _: Any) -> _T:
        if not isinstance(data, Mapping):
            raise TypeError(f"expected a JSON object, got {type(data).__name__}")
        obj = structure_known(data, cls)
        extra = {key: value for key, value in data.items() if key not in known}
        return attrs.evolve(obj, extra=extra) if extra else obj  # type: ignore[misc]

    return structure


converter.register_structure_hook(AcceptedItem, _keeping_extra(AcceptedItem, hooks={"key": _key}))
converter.register_structure_hook(RejectedItem, _keeping_extra(RejectedItem, hooks={"key": _key}))
converter.register_structure_hook(
    SendResult,
    _keeping_extra(SendResult, omit=("headers", "_recipients_per_message", "_keyed_by_message")),
)
converter.register_structure_hook(
    SimpleSendResult, _keeping_extra(SimpleSendResult, omit=("headers",))
)

_UNREADABLE = (cattrs.BaseValidationError, KeyError, TypeError, ValueError, AttributeError)


def _structure(data: Any, cls: type[_T], *, status_code: int, headers: Mapping[str, str]) -> _T:
    try:
        return converter.structure(data, cls)
    except _UNREADABLE as error:
        reasons = "; ".join(_reasons(error))
        raise ResponseFormatError(
            f"the API answered {status_code} with a body that is not a valid {cls.__name__}: "
            f"{reasons}",
            status_code=status_code,
            body=data,
            request_id=request_id_of(data, headers),
            headers=headers,
        ) from error


def _reasons(error: BaseException) -> list[str]:
    if isinstance(error, cattrs.BaseValidationError):
        return cattrs.transform_error(error)
    return [f"{type(error).__name__}: {error}"]


def parse_send_result(
    data: Any,
    *,
    status_code: int,
    headers: Mapping[str, str],
    recipients_per_message: tuple[int, ...],
    keyed_by_message: bool,
) -> SendResult:
    """Read a ``/message`` or ``/messages`` answer; unknown fields are kept in ``extra``."""
    result = _structure(data, SendResult, status_code=status_code, headers=headers)
    return attrs.evolve(
        result,
        headers=headers,
        _recipients_per_message=recipients_per_message,
        _keyed_by_message=keyed_by_message,
    )


def parse_simple_result(
    data: Any, *, status_code: int, headers: Mapping[str, str]
) -> SimpleSendResult:
    """Read a ``/simple/message`` answer."""
    result = _structure(data, SimpleSendResult, status_code=status_code, headers=headers)
    return attrs.evolve(result, headers=headers)
