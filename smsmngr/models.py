"""Value classes for the API's wire objects: messages, flow steps and results.

Every class is a frozen, slotted attrs class whose fields carry the API's own names.
Construction checks the documented rules and raises ``ValidationError`` naming the
field; phone numbers are checked when a message is sent, so that one bad number in a
bulk campaign rejects that recipient only.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar, Union

import attrs

from .errors import ValidationError

__all__ = [
    "MAX_BODY_LENGTH",
    "AcceptedItem",
    "DeliveryWindow",
    "FlowStep",
    "Gateway",
    "Message",
    "Rcs",
    "Recipient",
    "RejectedItem",
    "SendResult",
    "SimpleSendResult",
    "Sms",
    "SmsType",
    "TtlCondition",
    "Viber",
    "ViberButton",
    "Weekday",
    "WhatsAppTemplate",
    "WhatsAppText",
]

MAX_BODY_LENGTH = 1000
MAX_TEMPLATE_NAME_LENGTH = 100
MIN_RCS_TTL = 0.5


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


def _optional_str(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not isinstance(value, str):
        raise ValidationError(
            _field_name(instance, attribute), f"must be a string, got {type(value).__name__}"
        )


def _required_str(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise ValidationError(_field_name(instance, attribute), "must be a non-empty string")


def _body(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    _optional_str(instance, attribute, value)
    if value is None:
        return
    if not value:
        raise ValidationError(_field_name(instance, attribute), "must not be empty")
    if len(value) > MAX_BODY_LENGTH:
        raise ValidationError(
            _field_name(instance, attribute),
            f"at most {MAX_BODY_LENGTH} characters (got {len(value)})",
        )


def _ttl_at_least(minimum: float, *, inclusive: bool) -> Any:
    rule = f"at least {minimum}" if inclusive else f"greater than {minimum}"

    def validate(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None:
            return
        name = _field_name(instance, attribute)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationError(name, f"must be a number of minutes, got {value!r}")
        if not (value >= minimum if inclusive else value > minimum) or value != value:
            raise ValidationError(name, f"must be {rule} minutes, got {value!r}")

    return validate


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


# -- recipients and flow steps ------------------------------------------------------------


@attrs.frozen
class Recipient:
    """One recipient; ``phone_number`` is checked and normalized when the message is sent.

    >>> Recipient("+420 777 123 456")
    Recipient(phone_number='+420 777 123 456')
    """

    phone_number: str = attrs.field(validator=_required_str)


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
    ttl: float | None = attrs.field(default=None, validator=_ttl_at_least(0, inclusive=False))
    ttl_condition: TtlCondition | None = attrs.field(
        default=None, converter=_to_ttl_condition, validator=_member_of(TtlCondition)
    )
    type: SmsType | None = attrs.field(
        default=None, converter=_to_sms_type, validator=_member_of(SmsType)
    )


@attrs.frozen
class ViberButton:
    """The one button a Viber message may carry."""

    title: str = attrs.field(validator=_required_str)
    url: str = attrs.field(validator=_required_str)


def _viber_buttons(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    name = _field_name(instance, attribute)
    if not isinstance(value, tuple):
        raise ValidationError(name, f"must be a list of ViberButton, got {type(value).__name__}")
    if len(value) > 1:
        raise ValidationError(name, f"at most 1 button (got {len(value)})")
    for button in value:
        if not isinstance(button, ViberButton):
            raise ValidationError(name, f"must hold ViberButton, got {type(button).__name__}")


@attrs.frozen
class Viber:
    """A Viber flow step; ``sender`` must be pre-registered.

    >>> Viber(body="Sale!", buttons=[ViberButton("Shop", "https://example.com")]).buttons
    (ViberButton(title='Shop', url='https://example.com'),)
    """

    key: ClassVar[str] = "viber"

    body: str | None = attrs.field(default=None, validator=_body)
    sender: str | None = attrs.field(default=None, validator=_optional_str)
    buttons: tuple[ViberButton, ...] | None = attrs.field(
        default=None, converter=_optional_tuple, validator=_viber_buttons
    )
    ttl: float | None = attrs.field(default=None, validator=_ttl_at_least(0, inclusive=False))


@attrs.frozen
class WhatsAppText:
    """A free-form WhatsApp step; only delivered inside an open 24-hour customer window."""

    key: ClassVar[str] = "whatsapp_text"

    body: str | None = attrs.field(default=None, validator=_body)
    sender: str | None = attrs.field(default=None, validator=_optional_str)
    ttl: float | None = attrs.field(default=None, validator=_ttl_at_least(0, inclusive=False))


def _template_name(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    _required_str(instance, attribute, value)
    if len(value) > MAX_TEMPLATE_NAME_LENGTH:
        raise ValidationError(
            _field_name(instance, attribute),
            f"at most {MAX_TEMPLATE_NAME_LENGTH} characters (got {len(value)})",
        )


def _string_list(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    name = _field_name(instance, attribute)
    if not isinstance(value, tuple) or not all(isinstance(item, str) for item in value):
        raise ValidationError(name, f"must be a list of strings, got {value!r}")


@attrs.frozen
class WhatsAppTemplate:
    """A WhatsApp template step.

    ``params_header`` and ``params_buttons`` have no documented shape, so they are
    sent exactly as given.

    >>> WhatsAppTemplate("order_shipped", language="en", params=["Ann", "42"]).params
    ('Ann', '42')
    """

    key: ClassVar[str] = "whatsapp_template"

    template_name: str = attrs.field(validator=_template_name)
    sender: str | None = attrs.field(default=None, validator=_optional_str)
    language: str | None = attrs.field(default=None, validator=_optional_str)
    params: tuple[str, ...] | None = attrs.field(
        default=None, converter=_optional_tuple, validator=_string_list
    )
    params_header: Any = None
    params_buttons: Any = None
    ttl: float | None = attrs.field(default=None, validator=_ttl_at_least(0, inclusive=False))


@attrs.frozen
class Rcs:
    """An RCS step; ``ttl`` is at least half a minute."""

    key: ClassVar[str] = "rcs"

    body: str | None = attrs.field(default=None, validator=_body)
    sender: str | None = attrs.field(default=None, validator=_optional_str)
    ttl: float | None = attrs.field(
        default=None, validator=_ttl_at_least(MIN_RCS_TTL, inclusive=True)
    )
    ttl_condition: TtlCondition | None = attrs.field(
        default=None, converter=_to_ttl_condition, validator=_member_of(TtlCondition)
    )


FlowStep = Union[Sms, Viber, WhatsAppText, WhatsAppTemplate, Rcs]  # noqa: UP007 (runtime alias)
FLOW_STEP_TYPES: tuple[type[FlowStep], ...] = (Sms, Viber, WhatsAppText, WhatsAppTemplate, Rcs)


def _has_own_content(step: FlowStep) -> bool:
    return isinstance(step, WhatsAppTemplate) or step.body is not None


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


def _recipients(value: Any) -> Any:
    if isinstance(value, (str, Recipient)):
        value = (value,)
    converted = _optional_tuple(value)
    if not isinstance(converted, tuple):
        return converted
    return tuple(Recipient(item) if isinstance(item, str) else item for item in converted)


def _to(instance: Message, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, tuple):
        raise ValidationError(
            "Message.to", f"must be a list of phone numbers, got {type(value).__name__}"
        )
    if not value:
        raise ValidationError("Message.to", "at least one recipient is required")
    for index, recipient in enumerate(value):
        if not isinstance(recipient, Recipient):
            raise ValidationError(
                f"Message.to[{index}]",
                f"must be a phone number string or Recipient, got {type(recipient).__name__}",
            )


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


def _callback_url(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    _optional_str(instance, attribute, value)
    if value is not None and not value.startswith(("https://", "http://")):
        raise ValidationError(
            _field_name(instance, attribute), f"must be an absolute http(s) URL, got {value!r}"
        )


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
    ``send_bulk()`` any number. ``body`` may be left out when every flow step has its own.

    >>> import datetime as dt
    >>> m = Message("Hi", to=["420777123456"], sender="Shop",
    ...             scheduled_at=dt.datetime(2025, 1, 11, 10, tzinfo=dt.timezone.utc))
    >>> m.to
    (Recipient(phone_number='420777123456'),)
    """

    body: str | None = attrs.field(default=None, validator=_body)
    to: tuple[Recipient, ...] = attrs.field(default=(), converter=_recipients, validator=_to)
    sender: str | None = attrs.field(default=None, validator=_optional_str)
    flow: tuple[FlowStep, ...] | None = attrs.field(
        default=None, converter=_optional_tuple, validator=_flow
    )
    tag: str | None = attrs.field(default=None, validator=_optional_str)
    scheduled_at: dt.datetime | None = attrs.field(default=None, validator=_aware_datetime)
    delivery_time: DeliveryWindow | None = attrs.field(
        default=None, validator=_instance_of(DeliveryWindow)
    )
    callback: str | None = attrs.field(default=None, validator=_callback_url)
    payload: Mapping[str, Any] | None = attrs.field(default=None, validator=_mapping)
    params: Mapping[str, Any] | None = attrs.field(default=None, validator=_mapping)


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
    """A rejected entry: never sent (invalid number, no credit). Undocumented fields,
    such as a reason, are kept in ``extra``."""

    key: int
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class SendResult:
    """The answer to ``send()`` or ``send_batch()``.

    ``recipients_per_message`` and ``keyed_by_message`` are filled in by the client so
    that ``recipient_message_ids()`` can give one id per recipient.
    """

    request_id: str
    accepted: tuple[AcceptedItem, ...] = ()
    rejected: tuple[RejectedItem, ...] = ()
    extra: Mapping[str, Any] = attrs.field(factory=dict)
    recipients_per_message: tuple[int, ...] = ()
    keyed_by_message: bool = False

    def recipient_message_ids(self) -> list[str | None]:
        """One message id per recipient, in input order; ``None`` where it was rejected.

        For ``send_batch()`` the API gives one id per message, and recipient ``i`` of
        it is ``<message_id>-<i>``: the id that delivery webhooks carry.

        >>> r = SendResult("req", accepted=(AcceptedItem(1, "m"),),
        ...                recipients_per_message=(2, 2), keyed_by_message=True)
        >>> r.recipient_message_ids()
        [None, None, 'm-0', 'm-1']
        """
        if not self.keyed_by_message:
            count = sum(self.recipients_per_message)
            ids: list[str | None] = [None] * count
            for item in self.accepted:
                if 0 <= item.key < count:
                    ids[item.key] = item.message_id
            return ids
        by_message = {item.key: item.message_id for item in self.accepted}
        out: list[str | None] = []
        for index, count in enumerate(self.recipients_per_message):
            message_id = by_message.get(index)
            if message_id is None:
                out.extend([None] * count)
            else:
                out.extend(f"{message_id}-{i}" for i in range(count))
        return out


@attrs.frozen
class SimpleSendResult:
    """The answer to ``send_simple()``; ``message_id`` is ``None`` when not accepted."""

    request_id: str
    accepted: bool
    message_id: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)
