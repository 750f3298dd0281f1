"""Value classes for the API's wire objects: messages, flow steps and results.

Every class is a frozen, slotted attrs class whose fields carry the API's own names.
Construction checks the documented rules and raises ``ValidationError`` naming the
field; phone numbers are checked when a message is sent, so that one bad number in a
bulk campaign rejects that recipient only.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, TypeVar, Union, overload

import attrs

from .errors import ValidationError

__all__ = [
    "MAX_BODY_LENGTH",
    "AcceptedItem",
    "Callback",
    "DeliveryWindow",
    "FlowStep",
    "Gateway",
    "Message",
    "Rcs",
    "RcsButton",
    "RcsCard",
    "Recipient",
    "Recipients",
    "RejectedItem",
    "SendResult",
    "SimpleSendResult",
    "Sms",
    "SmsType",
    "TtlCondition",
    "Viber",
    "ViberButton",
    "Weekday",
    "WhatsAppButton",
    "WhatsAppMedia",
    "WhatsAppTemplate",
    "WhatsAppText",
]

MAX_BODY_LENGTH = 1000
MAX_TEMPLATE_NAME_LENGTH = 100


class Gateway(str, enum.Enum):
    """SMS gateways. Unknown gateway names are passed through as plain strings."""

    HIGH = "high"
    LOWCOST = "lowcost"
    DIRECT = "direct"
    CUSTOM = "custom"
    SIMHOST = "simhost"
    GSM = "gsm"
    TEST = "test"
    """The paid test gateway: nothing is delivered, but real webhooks are generated."""


class SmsType(str, enum.Enum):
    """``utf`` keeps Unicode (70 chars a segment); ``sms`` transliterates to GSM-7 (160)."""

    UTF = "utf"
    SMS = "sms"


class TtlCondition(str, enum.Enum):
    """What a step must reach before its ``ttl`` runs out, or the next step is tried."""

    SENT = "sent"
    DELIVERED = "delivered"
    SEEN = "seen"


class Weekday(str, enum.Enum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"


# -- validators ---------------------------------------------------------------------------

_E = TypeVar("_E", bound=enum.Enum)


def _field_name(instance: object, attribute: attrs.Attribute[Any]) -> str:
    return f"{type(instance).__name__}.{attribute.name}"


def _enum_or_value(enum_cls: type[_E], value: Any) -> Any:
    """A known string as its enum member; anything else is left for the validator."""
    if value is None or isinstance(value, enum_cls):
        return value
    try:
        return enum_cls(value)
    except ValueError:
        return value


def _to_gateway(value: Any) -> Any:
    return _enum_or_value(Gateway, value)


def _to_ttl_condition(value: Any) -> Any:
    return _enum_or_value(TtlCondition, value)


def _to_sms_type(value: Any) -> Any:
    return _enum_or_value(SmsType, value)


def _member_of(enum_cls: type[enum.Enum]) -> Any:
    allowed = ", ".join(repr(m.value) for m in enum_cls)

    def validate(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None and not isinstance(value, enum_cls):
            raise ValidationError(
                _field_name(instance, attribute), f"must be one of {allowed}, got {value!r}"
            )

    return validate


def _gateway(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    # Gateways are open-ended (custom gateways exist), so any non-empty name is sent.
    if value is not None and not (isinstance(value, str) and value):
        raise ValidationError(
            _field_name(instance, attribute),
            f"must be a Gateway or a non-empty string, got {value!r}",
        )


def _sdk_object(value: Any) -> Any:
    """SDK value classes validate themselves: in a JSON check they stand for themselves."""
    if attrs.has(type(value)):
        return None
    raise TypeError(f"{type(value).__name__} is not a JSON type")


def _json_problem(value: Any) -> str | None:
    """Why ``value`` cannot be sent as strict JSON (UTF-8, no NaN), if it cannot."""
    try:
        json.dumps(value, allow_nan=False, ensure_ascii=False, default=_sdk_object).encode()
    except (TypeError, ValueError, RecursionError) as error:
        if isinstance(error, UnicodeEncodeError):
            return "holds a lone surrogate, which UTF-8 cannot carry"
        return f"must be JSON ({error})"
    return None


def _json(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        problem = _json_problem(value)
        if problem is not None:
            raise ValidationError(_field_name(instance, attribute), problem)


def _optional_str(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise ValidationError(
            _field_name(instance, attribute), f"must be a string, got {type(value).__name__}"
        )
    if not value.isascii():
        _json(instance, attribute, value)  # lone surrogates cannot be sent


def _required_str(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise ValidationError(_field_name(instance, attribute), "must be a non-empty string")
    _optional_str(instance, attribute, value)


def _body(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    _optional_str(instance, attribute, value)
    if value is None:
        return
    if not value:
        raise ValidationError(_field_name(instance, attribute), "must not be empty")
    if len(value) > MAX_BODY_LENGTH:
        raise ValidationError(
            _field_name(instance, attribute),
            f"at most {MAX_BODY_LENGTH} characters (got {len(value)}): the platform would "
            f"truncate it to its first {MAX_BODY_LENGTH}",
        )


MIN_TTL = 0.5
"""The shortest ``ttl`` any step takes, in minutes (the OpenAPI's ``minimum: 0.5``)."""


def _ttl(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    name = _field_name(instance, attribute)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(name, f"must be a number of minutes, got {value!r}")
    if not value >= MIN_TTL:  # also refuses NaN
        raise ValidationError(name, f"must be at least {MIN_TTL} minutes, got {value!r}")
    if not math.isfinite(value):
        raise ValidationError(name, f"must be a finite number of minutes, got {value!r}")


def _optional_tuple(value: Any) -> Any:
    if value is None or isinstance(value, (str, bytes, Mapping)):
        return value  # left for the validator to refuse with a clear message
    try:
        return tuple(value)
    except TypeError:
        return value


def _mapping(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not isinstance(value, Mapping):
        raise ValidationError(
            _field_name(instance, attribute),
            f"must be a JSON object (a mapping), got {type(value).__name__}",
        )
    _json(instance, attribute, value)


def _optional_bool(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not isinstance(value, bool):
        raise ValidationError(
            _field_name(instance, attribute), f"must be True or False, got {value!r}"
        )


def _one_of(*allowed: str) -> Any:
    listed = ", ".join(repr(value) for value in allowed)

    def validate(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None and value not in allowed:
            raise ValidationError(
                _field_name(instance, attribute), f"must be one of {listed}, got {value!r}"
            )

    return validate


def _int_between(low: int, high: int) -> Any:
    def validate(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(
                _field_name(instance, attribute),
                f"must be a whole number from {low} to {high}, got {value!r}",
            )

    return validate


def _object(typed: type, *, other: str = "a mapping") -> Any:
    """A nested object: the SDK's typed class, or a plain mapping sent as given."""

    def validate(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None and not isinstance(value, (typed, Mapping)):
            raise ValidationError(
                _field_name(instance, attribute),
                f"must be a {typed.__name__} or {other}, got {type(value).__name__}",
            )
        if isinstance(value, Mapping):
            _json(instance, attribute, value)

    return validate


def _list_of(
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
        name = _field_name(instance, attribute)
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
        _json(instance, attribute, value)

    return validate


def _extra(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """``extra`` carries fields the API adds later; a field the class has goes by its name."""
    name = _field_name(instance, attribute)
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
        _json(instance, attribute, value)


def _extra_field() -> Any:
    return attrs.field(factory=dict, kw_only=True, validator=_extra)


def _ttl_field() -> Any:
    return attrs.field(default=None, validator=_ttl)


def _ttl_condition_field() -> Any:
    return attrs.field(
        default=None, converter=_to_ttl_condition, validator=_member_of(TtlCondition)
    )


# -- recipients, callbacks and flow steps -------------------------------------------------


@attrs.frozen
class Recipient:
    """One recipient; ``phone_number`` is checked and normalized when the message is sent.

    >>> Recipient("+420 777 123 456")
    Recipient(phone_number='+420 777 123 456')
    """

    phone_number: str = attrs.field(validator=_required_str)


def _http_url(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    _optional_str(instance, attribute, value)
    if value is not None and not value.startswith(("https://", "http://")):
        raise ValidationError(
            _field_name(instance, attribute), f"must be an absolute http(s) URL, got {value!r}"
        )


def _headers(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    _mapping(instance, attribute, value)
    if value is not None and len(value) > MAX_CALLBACK_HEADERS:
        raise ValidationError(
            _field_name(instance, attribute),
            f"at most {MAX_CALLBACK_HEADERS} headers (got {len(value)})",
        )


MAX_CALLBACK_HEADERS = 20


@attrs.frozen
class Callback:
    """Where and how the platform delivers this message's webhooks.

    ``item`` and ``body`` are templates of the request the platform sends; the rest
    shapes it. ``Message.callback`` also takes a plain URL.

    >>> Callback("https://example.com/hook", method="PUT", batch_size=50).batch_size
    50
    """

    url: str = attrs.field(validator=[_required_str, _http_url])
    method: str | None = attrs.field(default=None, validator=_one_of("POST", "PUT", "PATCH", "GET"))
    content_type: str | None = attrs.field(
        default=None,
        validator=_one_of("application/json", "application/x-www-form-urlencoded"),
    )
    headers: Mapping[str, str] | None = attrs.field(default=None, validator=_headers)
    item: Any = attrs.field(default=None, validator=_json)
    body: Any = attrs.field(default=None, validator=_json)
    batch_size: int | None = attrs.field(default=None, validator=_int_between(1, 500))
    timeout_ms: int | None = attrs.field(default=None, validator=_int_between(1000, 10000))
    extra: Mapping[str, Any] = _extra_field()


@attrs.frozen
class Sms:
    """An SMS flow step.

    >>> Sms(sender="Shop", gateway="lowcost", type=SmsType.SMS)  # doctest: +ELLIPSIS
    Sms(body=None, sender='Shop', gateway=<Gateway.LOWCOST: 'lowcost'>, ...)
    """

    key: ClassVar[str] = "sms"

    body: str | None = attrs.field(default=None, validator=_body)
    sender: str | None = attrs.field(default=None, validator=_optional_str)
    gateway: Gateway | str | None = attrs.field(
        default=None, converter=_to_gateway, validator=_gateway
    )
    ttl: float | None = _ttl_field()
    ttl_condition: TtlCondition | None = _ttl_condition_field()
    type: SmsType | None = attrs.field(
        default=None, converter=_to_sms_type, validator=_member_of(SmsType)
    )
    extra: Mapping[str, Any] = _extra_field()


@attrs.frozen
class ViberButton:
    """The one button a Viber message may carry."""

    title: str = attrs.field(validator=_required_str)
    url: str = attrs.field(validator=_required_str)


@attrs.frozen
class Viber:
    """A Viber flow step; ``sender`` must be pre-registered.

    >>> Viber(body="Sale!", buttons=[ViberButton("Shop", "https://example.com")]).buttons
    (ViberButton(title='Shop', url='https://example.com'),)
    """

    key: ClassVar[str] = "viber"

    body: str | None = attrs.field(default=None, validator=_body)
    sender: str | None = attrs.field(default=None, validator=_optional_str)
    buttons: tuple[ViberButton | Mapping[str, Any], ...] | None = attrs.field(
        default=None,
        converter=_optional_tuple,
        validator=_list_of(
            (ViberButton, Mapping), "ViberButton or a mapping", at_most=1, noun="button"
        ),
    )
    ttl: float | None = _ttl_field()
    ttl_condition: TtlCondition | None = _ttl_condition_field()
    extra: Mapping[str, Any] = _extra_field()


@attrs.frozen
class WhatsAppMedia:
    """An image, video, document or audio file of a WhatsApp text step.

    >>> WhatsAppMedia("https://example.com/invoice.pdf", filename="invoice.pdf").filename
    'invoice.pdf'
    """

    link: str = attrs.field(validator=[_required_str, _http_url])
    caption: str | None = attrs.field(default=None, validator=_optional_str)
    filename: str | None = attrs.field(default=None, validator=_optional_str)
    extra: Mapping[str, Any] = _extra_field()


def _media_field() -> Any:
    return attrs.field(default=None, validator=_object(WhatsAppMedia))


@attrs.frozen
class WhatsAppButton:
    """A quick-reply button; ``id`` comes back in the webhook after a tap."""

    title: str = attrs.field(validator=_required_str)
    id: str | None = attrs.field(default=None, validator=_optional_str)


MAX_WHATSAPP_BUTTONS = 3


@attrs.frozen
class WhatsAppText:
    """A free-form WhatsApp step; only delivered inside an open 24-hour customer window.

    Besides text it carries one kind of content: a media file (``image``, ``video``,
    ``document``, ``audio``), up to 3 quick-reply ``buttons``, a link button (``url``
    with ``title``), or ``raw`` content for the WhatsApp API.

    >>> WhatsAppText(sender="514578330250514", body="Continue?",
    ...              buttons=[WhatsAppButton("Yes", id="yes")]).buttons
    (WhatsAppButton(title='Yes', id='yes'),)
    """

    key: ClassVar[str] = "whatsapp_text"

    body: str | None = attrs.field(default=None, validator=_body)
    sender: str | None = attrs.field(default=None, validator=_optional_str)
    preview: bool | None = attrs.field(default=None, validator=_optional_bool)
    image: WhatsAppMedia | Mapping[str, Any] | None = _media_field()
    video: WhatsAppMedia | Mapping[str, Any] | None = _media_field()
    document: WhatsAppMedia | Mapping[str, Any] | None = _media_field()
    audio: WhatsAppMedia | Mapping[str, Any] | None = _media_field()
    buttons: tuple[WhatsAppButton | Mapping[str, Any], ...] | None = attrs.field(
        default=None,
        converter=_optional_tuple,
        validator=_list_of(
            (WhatsAppButton, Mapping),
            "WhatsAppButton or a mapping",
            at_most=MAX_WHATSAPP_BUTTONS,
            noun="button",
            beyond=f": the platform would drop every button past the first {MAX_WHATSAPP_BUTTONS}",
        ),
    )
    url: str | None = attrs.field(default=None, validator=_http_url)
    title: str | None = attrs.field(default=None, validator=_optional_str)
    header: str | None = attrs.field(default=None, validator=_optional_str)
    footer: str | None = attrs.field(default=None, validator=_optional_str)
    raw: Mapping[str, Any] | None = attrs.field(default=None, validator=_mapping)
    ttl: float | None = _ttl_field()
    extra: Mapping[str, Any] = _extra_field()


def _template_name(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    _required_str(instance, attribute, value)
    if len(value) > MAX_TEMPLATE_NAME_LENGTH:
        raise ValidationError(
            _field_name(instance, attribute),
            f"at most {MAX_TEMPLATE_NAME_LENGTH} characters (got {len(value)})",
        )


def _template_params(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    name = _field_name(instance, attribute)
    if not isinstance(value, tuple):
        raise ValidationError(name, f"must be a list of strings or one-key mappings, got {value!r}")
    for index, item in enumerate(value):
        named = isinstance(item, Mapping) and len(item) == 1
        if not (isinstance(item, str) or named):
            raise ValidationError(
                f"{name}[{index}]",
                f"must be a string, or a one-key mapping for a named variable, got {item!r}",
            )
    _json(instance, attribute, value)


def _one_header(value: Any) -> Any:
    """A header is a one-element list on the wire; a bare string or mapping is that element."""
    if isinstance(value, (str, Mapping)):
        return (value,)
    return _optional_tuple(value)


def _template_header(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    name = _field_name(instance, attribute)
    if not (isinstance(value, tuple) and len(value) == 1 and isinstance(value[0], (str, Mapping))):
        raise ValidationError(
            name, f"must be one string or mapping (a template has one header), got {value!r}"
        )
    _json(instance, attribute, value)


def _lto(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    name = _field_name(instance, attribute)
    valid = isinstance(value, tuple) and all(
        isinstance(item, str) or (isinstance(item, int) and not isinstance(item, bool))
        for item in value
    )
    if not valid:
        raise ValidationError(name, f"must be a list of timestamps in milliseconds, got {value!r}")


def _one_or_list(value: Any) -> Any:
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return (value,)
    return _optional_tuple(value)


@attrs.frozen
class WhatsAppTemplate:
    """A WhatsApp template step; ``language`` is required.

    ``params`` fill the body's variables (strings in order, or one-key mappings for
    named variables); ``params_header`` is the one header value (a string or an
    object); ``params_buttons`` go by button position, ``None`` for a static button.

    >>> WhatsAppTemplate("order_shipped", language="en", params=["Ann", {"order": "42"}]).params
    ('Ann', {'order': '42'})
    """

    key: ClassVar[str] = "whatsapp_template"

    template_name: str = attrs.field(validator=_template_name)
    sender: str | None = attrs.field(default=None, validator=_optional_str)
    language: str = attrs.field(default=None, validator=_required_str)
    params: tuple[str | Mapping[str, Any], ...] | None = attrs.field(
        default=None, converter=_optional_tuple, validator=_template_params
    )
    params_header: tuple[str | Mapping[str, Any]] | None = attrs.field(
        default=None, converter=_one_header, validator=_template_header
    )
    params_buttons: tuple[str | Mapping[str, Any] | None, ...] | None = attrs.field(
        default=None,
        converter=_optional_tuple,
        validator=_list_of((str, Mapping, type(None)), "a string, a mapping or None"),
    )
    params_carousel: tuple[Mapping[str, Any], ...] | None = attrs.field(
        default=None, converter=_optional_tuple, validator=_list_of(Mapping, "a mapping")
    )
    params_lto: tuple[str | int, ...] | None = attrs.field(
        default=None, converter=_one_or_list, validator=_lto
    )
    ttl: float | None = _ttl_field()
    ttl_condition: TtlCondition | None = _ttl_condition_field()
    extra: Mapping[str, Any] = _extra_field()


@attrs.frozen
class RcsButton:
    """A reply suggestion (``type="reply"``) or a link (``type="url"``, with ``url``)."""

    type: str = attrs.field(validator=_one_of("reply", "url"))
    text: str = attrs.field(validator=_required_str)
    postback: str | None = attrs.field(default=None, validator=_optional_str)
    url: str | None = attrs.field(default=None, validator=_http_url)
    description: str | None = attrs.field(default=None, validator=_optional_str)
    webview: str | None = attrs.field(default=None, validator=_optional_str)
    extra: Mapping[str, Any] = _extra_field()

    def __attrs_post_init__(self) -> None:
        if self.type == "url" and self.url is None:
            raise ValidationError("RcsButton.url", "required when type is 'url'")


_RCS_BUTTONS = _list_of((RcsButton, Mapping), "RcsButton or a mapping")


@attrs.frozen
class RcsCard:
    """A rich card, alone (``Rcs(card=...)``) or in a carousel, where ``type`` names the
    media type of ``file``."""

    title: str | None = attrs.field(default=None, validator=_optional_str)
    description: str | None = attrs.field(default=None, validator=_optional_str)
    file: str | None = attrs.field(default=None, validator=_http_url)
    thumbnail: str | None = attrs.field(default=None, validator=_http_url)
    buttons: tuple[RcsButton | Mapping[str, Any], ...] | None = attrs.field(
        default=None, converter=_optional_tuple, validator=_RCS_BUTTONS
    )
    type: str | None = attrs.field(default=None, validator=_optional_str)
    extra: Mapping[str, Any] = _extra_field()


@attrs.frozen
class Rcs:
    """An RCS step: text with ``buttons``, a rich ``card``, a ``carousel`` of cards, or
    ``raw`` content for the RCS API.

    >>> Rcs(sender="shop_agent", card=RcsCard(title="Sale", file="https://example.com/a.jpg")).card.title
    'Sale'
    """

    key: ClassVar[str] = "rcs"

    body: str | None = attrs.field(default=None, validator=_body)
    sender: str | None = attrs.field(default=None, validator=_optional_str)
    ttl: float | None = _ttl_field()
    ttl_condition: TtlCondition | None = _ttl_condition_field()
    buttons: tuple[RcsButton | Mapping[str, Any], ...] | None = attrs.field(
        default=None, converter=_optional_tuple, validator=_RCS_BUTTONS
    )
    card: RcsCard | Mapping[str, Any] | None = attrs.field(default=None, validator=_object(RcsCard))
    carousel: tuple[RcsCard | Mapping[str, Any], ...] | None = attrs.field(
        default=None,
        converter=_optional_tuple,
        validator=_list_of((RcsCard, Mapping), "RcsCard or a mapping"),
    )
    raw: Mapping[str, Any] | None = attrs.field(default=None, validator=_mapping)
    extra: Mapping[str, Any] = _extra_field()


FlowStep = Union[Sms, Viber, WhatsAppText, WhatsAppTemplate, Rcs]  # noqa: UP007 (runtime alias)
FLOW_STEP_TYPES: tuple[type[FlowStep], ...] = (Sms, Viber, WhatsAppText, WhatsAppTemplate, Rcs)
STEPS_NEEDING_SENDER = (Viber, WhatsAppText, WhatsAppTemplate)
"""Steps the reference requires a ``sender`` on, their own or the message's."""


def _has_own_content(step: FlowStep) -> bool:
    """Whether a step needs no body from its message."""
    if isinstance(step, WhatsAppTemplate) or step.body is not None:
        return True
    if isinstance(step, WhatsAppText):
        return any(
            value is not None
            for value in (step.image, step.video, step.document, step.audio, step.raw)
        )
    if isinstance(step, Rcs):
        return step.card is not None or step.carousel is not None or step.raw is not None
    return False


# -- delivery window ----------------------------------------------------------------------

_CLOCK = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d|24:00")


def _clock(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not (isinstance(value, str) and _CLOCK.fullmatch(value)):
        raise ValidationError(
            _field_name(instance, attribute), f"must be a time as 'HH:MM', got {value!r}"
        )


def _weekdays(value: Any) -> Any:
    converted = _optional_tuple(value)
    if isinstance(converted, tuple):
        return tuple(_enum_or_value(Weekday, day) for day in converted)
    return converted


def _weekday_list(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    name = _field_name(instance, attribute)
    if not isinstance(value, tuple):
        raise ValidationError(name, f"must be a list of weekdays, got {value!r}")
    for day in value:
        if not isinstance(day, Weekday):
            raise ValidationError(name, f"must hold 'monday' to 'sunday', got {day!r}")


@attrs.frozen
class DeliveryWindow:
    """When delivery is allowed: on ``days``, between ``start`` and ``end`` in ``tz``.

    >>> window = DeliveryWindow(days=["monday", "friday"], start="08:00", end="21:00",
    ...                         tz="Europe/Prague")
    >>> window.days
    (<Weekday.MONDAY: 'monday'>, <Weekday.FRIDAY: 'friday'>)
    """

    days: tuple[Weekday, ...] | None = attrs.field(
        default=None, converter=_weekdays, validator=_weekday_list
    )
    start: str | None = attrs.field(default=None, validator=_clock)
    end: str | None = attrs.field(default=None, validator=_clock)
    tz: str | None = attrs.field(default=None, validator=_optional_str)


# -- the message --------------------------------------------------------------------------


class Recipients(Sequence[Recipient]):
    """A message's recipients, kept as they were given: ``to[i]`` is a ``Recipient``,
    made when it is read, so a message to a million numbers holds a million strings
    rather than a million objects. Compares equal to the same recipients, or to a
    tuple of ``Recipient``.

    >>> to = Recipients(["420777123456", Recipient("420777654321")])
    >>> to[0], len(to), list(to.phone_numbers())
    (Recipient(phone_number='420777123456'), 2, ['420777123456', '420777654321'])
    """

    __slots__ = ("_items", "_plain")

    def __init__(self, items: Iterable[str | Recipient] = ()) -> None:
        self._items: tuple[str | Recipient, ...] = tuple(items)
        self._plain = _plain_numbers(self._items)

    def phone_numbers(self) -> Sequence[str]:
        """The phone numbers, as given."""
        if self._plain is not None:
            return self._plain
        return [item if isinstance(item, str) else item.phone_number for item in self._items]

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> Recipient: ...
    @overload
    def __getitem__(self, index: slice) -> Recipients: ...
    def __getitem__(self, index: int | slice) -> Recipient | Recipients:
        if isinstance(index, slice):
            return Recipients(self._items[index])
        item = self._items[index]
        return Recipient(item) if isinstance(item, str) else item

    def __iter__(self) -> Iterator[Recipient]:
        for item in self._items:
            yield Recipient(item) if isinstance(item, str) else item

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Recipients):
            return list(self.phone_numbers()) == list(other.phone_numbers())
        if isinstance(other, tuple):
            return tuple(self) == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self.phone_numbers()))

    def __repr__(self) -> str:
        return f"Recipients({list(self.phone_numbers())!r})"


def _plain_numbers(items: tuple[Any, ...]) -> tuple[str, ...] | None:
    """``items`` when every one is a non-empty ASCII string (checked at C speed: the
    common case of a bulk message), else ``None``."""
    try:
        joined = "".join(items)
    except TypeError:
        return None
    if joined.isascii() and "" not in items:
        return items
    return None


def _recipients(value: Any) -> Any:
    if isinstance(value, Recipients):
        return value
    if isinstance(value, (str, Recipient)):
        value = (value,)
    converted = _optional_tuple(value)
    if not isinstance(converted, tuple):
        return converted  # left for the validator to refuse
    return Recipients(converted)


def _to(instance: Message, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, Recipients):
        raise ValidationError(
            "Message.to", f"must be a list of phone numbers, got {type(value).__name__}"
        )
    if not value:
        raise ValidationError("Message.to", "at least one recipient is required")
    if value._plain is not None:
        return  # all plain strings, checked already
    for index, item in enumerate(value._items):
        if isinstance(item, Recipient):
            continue
        if not isinstance(item, str):
            raise ValidationError(
                f"Message.to[{index}]",
                f"must be a phone number string or Recipient, got {type(item).__name__}",
            )
        try:
            Recipient(item)
        except ValidationError as error:
            raise ValidationError(f"Message.to[{index}]", error.rule) from None


def _flow(instance: Message, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        if not isinstance(value, tuple):
            raise ValidationError(
                "Message.flow", f"must be a list of flow steps, got {type(value).__name__}"
            )
        if not value:
            raise ValidationError("Message.flow", "must not be empty when given")
        for index, step in enumerate(value):
            if not isinstance(step, FLOW_STEP_TYPES):
                raise ValidationError(
                    f"Message.flow[{index}]",
                    "must be one of Sms, Viber, WhatsAppText, WhatsAppTemplate, Rcs, "
                    f"got {type(step).__name__}",
                )
    if value is not None and not instance.sender:
        for index, step in enumerate(value):
            if isinstance(step, STEPS_NEEDING_SENDER) and not step.sender:
                raise ValidationError(
                    f"Message.flow[{index}].sender",
                    f"required on a {step.key} step: give flow[{index}] ({step.key}) a "
                    "sender, or the message one (Message.sender, for every step without its own)",
                )
    if instance.body is None:
        if value is None:
            raise ValidationError("Message.body", "required when there is no flow")
        for index, step in enumerate(value):
            if not _has_own_content(step):
                raise ValidationError(
                    "Message.body",
                    f"required because flow[{index}] ({type(step).__name__}) has no body",
                )


def _aware_datetime(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    name = _field_name(instance, attribute)
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


def _callback(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, (Callback, Mapping)):
        return
    _http_url(instance, attribute, value)


def _instance_of(cls: type) -> Any:
    def validate(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None and not isinstance(value, cls):
            raise ValidationError(
                _field_name(instance, attribute),
                f"must be a {cls.__name__}, got {type(value).__name__}",
            )

    return validate


@attrs.frozen
class Message:
    """One message to one or more recipients.

    A message may hold any number of recipients: ``send()`` takes up to 10,
    ``send_bulk()`` any number. ``body`` may be left out when every flow step has its
    own content; Viber and WhatsApp steps need a sender, their own or ``sender``.
    ``scheduled_at`` goes out as the API's ``datetime``, in UTC and in whole seconds (a
    fraction of a second is dropped). ``callback`` is a URL or a ``Callback``; ``extra``
    holds fields the API adds later, merged into the JSON.

    >>> import datetime as dt
    >>> m = Message("Hi", to=["420777123456"], sender="Shop",
    ...             scheduled_at=dt.datetime(2025, 1, 11, 10, tzinfo=dt.timezone.utc))
    >>> m.to
    Recipients(['420777123456'])
    """

    wire_names: ClassVar[frozenset[str]] = frozenset({"datetime"})

    body: str | None = attrs.field(default=None, validator=_body)
    to: Recipients = attrs.field(factory=Recipients, converter=_recipients, validator=_to)
    sender: str | None = attrs.field(default=None, validator=_optional_str)
    flow: tuple[FlowStep, ...] | None = attrs.field(
        default=None, converter=_optional_tuple, validator=_flow
    )
    tag: str | None = attrs.field(default=None, validator=_optional_str)
    scheduled_at: dt.datetime | None = attrs.field(default=None, validator=_aware_datetime)
    delivery_time: DeliveryWindow | None = attrs.field(
        default=None, validator=_instance_of(DeliveryWindow)
    )
    callback: str | Callback | Mapping[str, Any] | None = attrs.field(
        default=None, validator=_callback
    )
    payload: Mapping[str, Any] | None = attrs.field(default=None, validator=_mapping)
    params: Mapping[str, Any] | None = attrs.field(default=None, validator=_mapping)
    extra: Mapping[str, Any] = _extra_field()


# -- results ------------------------------------------------------------------------------


@attrs.frozen
class AcceptedItem:
    """An accepted entry: ``key`` is a recipient index (``/message``) or a message index
    (``/messages``); unknown fields are kept in ``extra``."""

    key: int
    message_id: str
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class RejectedItem:
    """An entry the answer lists in ``rejected``: not accepted for processing, nothing
    sent, to be sent again (concepts/request-acceptance.mdx). Undocumented fields, such
    as a reason, are kept in ``extra``."""

    key: int
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class SendResult:
    """The answer to ``send()`` or ``send_batch()``.

    ``accepted`` alone says what was accepted for processing: an entry in ``rejected``,
    or in neither list, was not, and may be sent again. ``headers`` are the answer's
    HTTP headers (lookups ignore case).
    """

    request_id: str
    accepted: tuple[AcceptedItem, ...] = ()
    rejected: tuple[RejectedItem, ...] = ()
    extra: Mapping[str, Any] = attrs.field(factory=dict)
    headers: Mapping[str, str] = attrs.field(factory=dict, eq=False, repr=False)
    # How many recipients each message sent had, and whether the answer's keys number
    # messages (``/messages``) or recipients (``/message``): what the client sent, for
    # ``recipient_message_ids()``.
    _recipients_per_message: tuple[int, ...] = attrs.field(
        default=(), repr=False, alias="_recipients_per_message"
    )
    _keyed_by_message: bool = attrs.field(default=False, repr=False, alias="_keyed_by_message")

    def recipient_message_ids(self) -> list[str | None]:
        """One message id per recipient, in input order; ``None`` where it was not accepted.

        For ``send_batch()`` the API gives one id per message, and recipient ``i`` of
        it is ``<message_id>-<i>``: the id that delivery webhooks carry.
        """
        if not self._keyed_by_message:
            count = sum(self._recipients_per_message)
            ids: list[str | None] = [None] * count
            for item in self.accepted:
                if 0 <= item.key < count:
                    ids[item.key] = item.message_id
            return ids
        by_message = {item.key: item.message_id for item in self.accepted}
        out: list[str | None] = []
        for index, count in enumerate(self._recipients_per_message):
            message_id = by_message.get(index)
            if message_id is None:
                out.extend([None] * count)
            else:
                out.extend(f"{message_id}-{i}" for i in range(count))
        return out


@attrs.frozen
class SimpleSendResult:
    """The answer to ``send_simple()``; ``message_id`` is ``None`` when not accepted.

    ``headers`` are the answer's HTTP headers (lookups ignore case).
    """

    request_id: str
    accepted: bool
    message_id: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)
    headers: Mapping[str, str] = attrs.field(factory=dict, eq=False, repr=False)
