"""The checks and conversions behind the models' fields, as attrs validators.

Each validator raises ``ValidationError`` naming the field as ``Class.field`` and the
rule it breaks; a converter shapes what it can (a list into a tuple, a known string into
its enum member) and leaves the rest for its validator to refuse with a clear message.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
import re
from collections.abc import Mapping
from typing import Any, TypeVar

import attrs

from .errors import ValidationError

__all__ = [
    "MAX_BODY_LENGTH",
    "MIN_TTL",
    "aware_datetime",
    "body",
    "check_aware",
    "clock",
    "extra",
    "extra_field",
    "field_name",
    "gateway_name",
    "http_url",
    "instance_of",
    "int_between",
    "json_problem",
    "json_value",
    "list_of",
    "mapping",
    "member_of",
    "member_or_value",
    "object_of",
    "one_of",
    "optional_bool",
    "optional_str",
    "optional_tuple",
    "required_str",
    "ttl",
    "ttl_field",
]

MAX_BODY_LENGTH = 1000
"""The longest ``body`` the platform keeps whole, in characters."""

_E = TypeVar("_E", bound=enum.Enum)


def field_name(instance: object, attribute: attrs.Attribute[Any]) -> str:
    return f"{type(instance).__name__}.{attribute.name}"


def member_or_value(enum_cls: type[_E], value: Any) -> Any:
    """A known string as its enum member; anything else is left for the validator."""
    if value is None or isinstance(value, enum_cls):
        return value
    try:
        return enum_cls(value)
    except ValueError:
        return value


def member_of(enum_cls: type[enum.Enum]) -> Any:
    allowed = ", ".join(repr(m.value) for m in enum_cls)

    def validate(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None and not isinstance(value, enum_cls):
            raise ValidationError(
                field_name(instance, attribute), f"must be one of {allowed}, got {value!r}"
            )

    return validate


def gateway_name(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    # Gateways are open-ended (custom gateways exist), so any non-empty name is sent.
    if value is not None and not (isinstance(value, str) and value):
        raise ValidationError(
            field_name(instance, attribute),
            f"must be a Gateway or a non-empty string, got {value!r}",
        )


def _sdk_object(value: Any) -> Any:
    """SDK value classes validate themselves: in a JSON check they stand for themselves."""
    if attrs.has(type(value)):
        return None
    raise TypeError(f"{type(value).__name__} is not a JSON type")


def json_problem(value: Any) -> str | None:
    """Why ``value`` cannot be sent as strict JSON (UTF-8, no NaN), if it cannot."""
    try:
        json.dumps(value, allow_nan=False, ensure_ascii=False, default=_sdk_object).encode()
    except (TypeError, ValueError, RecursionError) as error:
        if isinstance(error, UnicodeEncodeError):
            return "holds a lone surrogate, which UTF-8 cannot carry"
        return f"must be JSON ({error})"
    return None


def json_value(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        problem = json_problem(value)
        if problem is not None:
            raise ValidationError(field_name(instance, attribute), problem)


def optional_str(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise ValidationError(
            field_name(instance, attribute), f"must be a string, got {type(value).__name__}"
        )
    if not value.isascii():
        json_value(instance, attribute, value)  # lone surrogates cannot be sent


def required_str(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise ValidationError(field_name(instance, attribute), "must be a non-empty string")
    optional_str(instance, attribute, value)


def body(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    optional_str(instance, attribute, value)
    if value is None:
        return
    if not value:
        raise ValidationError(field_name(instance, attribute), "must not be empty")
    if len(value) > MAX_BODY_LENGTH:
        raise ValidationError(
            field_name(instance, attribute),
            f"at most {MAX_BODY_LENGTH} characters (got {len(value)}): the platform would "
            f"truncate it to its first {MAX_BODY_LENGTH}",
        )


MIN_TTL = 0.5
"""The shortest ``ttl`` any step takes, in minutes (the OpenAPI's ``minimum: 0.5``)."""


def ttl(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    name = field_name(instance, attribute)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(name, f"must be a number of minutes, got {value!r}")
    if not value >= MIN_TTL:  # also refuses NaN
        raise ValidationError(name, f"must be at least {MIN_TTL} minutes, got {value!r}")
    if not math.isfinite(value):
        raise ValidationError(name, f"must be a finite number of minutes, got {value!r}")


def optional_tuple(value: Any) -> Any:
    if value is None or isinstance(value, (str, bytes, Mapping)):
        return value  # left for the validator to refuse with a clear message
    try:
        return tuple(value)
    except TypeError:
        return value


def mapping(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not isinstance(value, Mapping):
        raise ValidationError(
            field_name(instance, attribute),
            f"must be a JSON object (a mapping), got {type(value).__name__}",
        )
    json_value(instance, attribute, value)


def optional_bool(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not isinstance(value, bool):
        raise ValidationError(
            field_name(instance, attribute), f"must be True or False, got {value!r}"
        )


def one_of(*allowed: str) -> Any:
    listed = ", ".join(repr(value) for value in allowed)

    def validate(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None and value not in allowed:
            raise ValidationError(
                field_name(instance, attribute), f"must be one of {listed}, got {value!r}"
            )

    return validate


def int_between(low: int, high: int) -> Any:
    def validate(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(
                field_name(instance, attribute),
                f"must be a whole number from {low} to {high}, got {value!r}",
            )

    return validate


def instance_of(cls: type) -> Any:
    def validate(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None and not isinstance(value, cls):
            raise ValidationError(
                field_name(instance, attribute),
                f"must be a {cls.__name__}, got {type(value).__name__}",
            )

    return validate


def object_of(typed: type, *, other: str = "a mapping") -> Any:
    """A nested object: the SDK's typed class, or a plain mapping sent as given."""

    def validate(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None and not isinstance(value, (typed, Mapping)):
            raise ValidationError(
                field_name(instance, attribute),
                f"must be a {typed.__name__} or {other}, got {type(value).__name__}",
            )
        if isinstance(value, Mapping):
            json_value(instance, attribute, value)

    return validate


def list_of(
    typed: type | tuple[type, ...],
    what: str,
    *,
    at_most: int | None = None,
    noun: str = "item",
    beyond: str = "",
) -> Any:
    """A list whose items are ``typed``; ``what`` names them in the error, and ``beyond``
    says what the platform would do with items past ``at_most``."""

    def validate(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None:
            return
        name = field_name(instance, attribute)
        if not isinstance(value, tuple):
            raise ValidationError(name, f"must be a list of {what}, got {type(value).__name__}")
        if at_most is not None and len(value) > at_most:
            plural = "" if at_most == 1 else "s"
            raise ValidationError(
                name, f"at most {at_most} {noun}{plural} (got {len(value)}){beyond}"
            )
        for index, item in enumerate(value):
            if not isinstance(item, typed):
                raise ValidationError(
                    f"{name}[{index}]", f"must be {what}, got {type(item).__name__}"
                )
        json_value(instance, attribute, value)

    return validate


def extra(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """``extra`` carries fields the API adds later; a field the class has goes by its name."""
    if type(value) is dict and not value:
        return  # as almost every message has it: nothing to check
    name = field_name(instance, attribute)
    if not isinstance(value, Mapping):
        raise ValidationError(
            name, f"must be a JSON object (a mapping), got {type(value).__name__}"
        )
    own = {field.name for field in attrs.fields(type(instance))}  # type: ignore[arg-type]
    own |= getattr(type(instance), "wire_names", set())
    for key in value:
        if not isinstance(key, str):
            raise ValidationError(name, f"keys must be strings, got {key!r}")
        if key in own:
            raise ValidationError(name, f"{key!r} is a field of its own: pass {key}=... instead")
    if value:
        json_value(instance, attribute, value)


def extra_field() -> Any:
    return attrs.field(factory=dict, kw_only=True, validator=extra)


def ttl_field() -> Any:
    return attrs.field(default=None, validator=ttl)


def http_url(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    optional_str(instance, attribute, value)
    if value is not None and not value.startswith(("https://", "http://")):
        raise ValidationError(
            field_name(instance, attribute), f"must be an absolute http(s) URL, got {value!r}"
        )


_CLOCK = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d|24:00")


def clock(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not (isinstance(value, str) and _CLOCK.fullmatch(value)):
        raise ValidationError(
            field_name(instance, attribute), f"must be a time as 'HH:MM', got {value!r}"
        )


def aware_datetime(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        check_aware(field_name(instance, attribute), value)


def check_aware(name: str, value: Any) -> None:
    """Refuse anything but a timezone-aware datetime that UTC can write."""
    if not isinstance(value, dt.datetime):
        raise ValidationError(name, f"must be a datetime, got {type(value).__name__}")
    if value.utcoffset() is None:
        raise ValidationError(
            name, "must be timezone-aware (a naive datetime is ambiguous); e.g. tzinfo=timezone.utc"
        )
    try:
        value.astimezone(dt.timezone.utc)
    except OverflowError:
        raise ValidationError(name, f"is outside the years UTC can write: {value!r}") from None
