"""Value classes for the API's wire objects: messages, flow steps and results.

Every class is a frozen, slotted attrs class whose fields carry the API's own names.
Construction checks the documented rules and raises ``ValidationError`` naming the
field; phone numbers are checked when a message is sent, so that one bad number in a
bulk campaign rejects that recipient only.

This module holds the ``Message`` and its parts and is the public home of every model:
the flow steps live in ``_steps``, the answers to sending in ``_send_results`` and the
field checks in ``_checks``.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, overload

import attrs

from . import _checks as check
from ._checks import MAX_BODY_LENGTH
from ._checks import MIN_TTL as MIN_TTL
from ._public import present_here
from ._send_results import AcceptedItem, RejectedItem, SendResult, SimpleSendResult
from ._steps import FLOW_STEP_TYPES as FLOW_STEP_TYPES
from ._steps import STEPS_NEEDING_SENDER as STEPS_NEEDING_SENDER
from ._steps import (
    FlowStep,
    Gateway,
    Rcs,
    RcsButton,
    RcsCard,
    Sms,
    SmsType,
    TtlCondition,
    Viber,
    ViberButton,
    WhatsAppButton,
    WhatsAppMedia,
    WhatsAppTemplate,
    WhatsAppText,
    has_own_content,
)
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


# -- recipients and callbacks -------------------------------------------------------------


@attrs.frozen
class Recipient:
    """One recipient; ``phone_number`` is checked and normalized when the message is sent.

    >>> Recipient("+420 777 123 456")
    Recipient(phone_number='+420 777 123 456')
    """

    phone_number: str = attrs.field(validator=check.required_str)


MAX_CALLBACK_HEADERS = 20


def _headers(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    check.mapping(instance, attribute, value)
    if value is not None and len(value) > MAX_CALLBACK_HEADERS:
        raise ValidationError(
            check.field_name(instance, attribute),
            f"at most {MAX_CALLBACK_HEADERS} headers (got {len(value)})",
        )


@attrs.frozen
class Callback:
    """Where and how the platform delivers this message's webhooks.

    ``item`` and ``body`` are templates of the request the platform sends; the rest
    shapes it. ``Message.callback`` also takes a plain URL.

    >>> Callback("https://example.com/hook", method="PUT", batch_size=50).batch_size
    50
    """

    url: str = attrs.field(validator=[check.required_str, check.http_url])
    method: str | None = attrs.field(
        default=None, validator=check.one_of("POST", "PUT", "PATCH", "GET")
    )
    content_type: str | None = attrs.field(
        default=None,
        validator=check.one_of("application/json", "application/x-www-form-urlencoded"),
    )
    headers: Mapping[str, str] | None = attrs.field(default=None, validator=_headers)
    item: Any = attrs.field(default=None, validator=check.json_value)
    body: Any = attrs.field(default=None, validator=check.json_value)
    batch_size: int | None = attrs.field(default=None, validator=check.int_between(1, 500))
    timeout_ms: int | None = attrs.field(default=None, validator=check.int_between(1000, 10000))
    extra: Mapping[str, Any] = check.extra_field()


# -- delivery window ----------------------------------------------------------------------


class Weekday(str, enum.Enum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"


def _weekdays(value: Any) -> Any:
    converted = check.optional_tuple(value)
    if isinstance(converted, tuple):
        return tuple(check.member_or_value(Weekday, day) for day in converted)
    return converted


def _weekday_list(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    name = check.field_name(instance, attribute)
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
    start: str | None = attrs.field(default=None, validator=check.clock)
    end: str | None = attrs.field(default=None, validator=check.clock)
    tz: str | None = attrs.field(default=None, validator=check.optional_str)


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
    converted = check.optional_tuple(value)
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
            if not has_own_content(step):
                raise ValidationError(
                    "Message.body",
                    f"required because flow[{index}] ({type(step).__name__}) has no body",
                )


def _callback(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, (Callback, Mapping)):
        return
    check.http_url(instance, attribute, value)


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

    body: str | None = attrs.field(default=None, validator=check.body)
    to: Recipients = attrs.field(factory=Recipients, converter=_recipients, validator=_to)
    sender: str | None = attrs.field(default=None, validator=check.optional_str)
    flow: tuple[FlowStep, ...] | None = attrs.field(
        default=None, converter=check.optional_tuple, validator=_flow
    )
    tag: str | None = attrs.field(default=None, validator=check.optional_str)
    scheduled_at: dt.datetime | None = attrs.field(default=None, validator=check.aware_datetime)
    delivery_time: DeliveryWindow | None = attrs.field(
        default=None, validator=check.instance_of(DeliveryWindow)
    )
    callback: str | Callback | Mapping[str, Any] | None = attrs.field(
        default=None, validator=_callback
    )
    payload: Mapping[str, Any] | None = attrs.field(default=None, validator=check.mapping)
    params: Mapping[str, Any] | None = attrs.field(default=None, validator=check.mapping)
    extra: Mapping[str, Any] = check.extra_field()


present_here(globals())
