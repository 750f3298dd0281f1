"""The WhatsApp Business API's answers as typed values (``client.whatsapp``), each read
from the reference's wire names into names that read well, unknown fields in ``extra``.

>>> parse_phone_number({"phone_number_id": "1", "phone_number_status": "CONNECTED"}).status
'CONNECTED'
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Mapping
from typing import Any

import attrs

from ._reading import (
    Reader,
    epoch_timestamp,
    flag,
    items,
    listed,
    mapping,
    read_object,
    readers_for,
    text,
)
from ._steps import WhatsAppTemplate

__all__ = [
    "ConversationAnalytics",
    "ConversationDataPoint",
    "MessageAnalytics",
    "MessageDataPoint",
    "MessageTemplate",
    "PhoneNumberCheck",
    "TemplateAnalytics",
    "TemplateButtonClicks",
    "TemplateComponent",
    "TemplateCreated",
    "TemplateDataPoint",
    "TemplateStats",
    "TemplateTestResult",
    "WhatsAppAccount",
    "WhatsAppOutcome",
    "WhatsAppPhoneNumber",
    "WhatsAppRegistration",
    "WhatsAppSignup",
]

_ANSWER = ("success",)
"""The flag every answer carries: read before its fields, not kept in ``extra``."""


@attrs.frozen
class WhatsAppSignup:
    """An embedded signup started: the short-lived ``token`` (1 hour; a secret, masked
    in the repr) and the hosted ``redirect_url`` to send the user to."""

    token: str = attrs.field(repr=lambda _: "'***'")
    redirect_url: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class WhatsAppRegistration:
    """A completed registration: the phone number registered on the WABA."""

    phone_number_id: str | None = None
    phone_number: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class WhatsAppOutcome:
    """What an operation that changes something answered: its ``message``
    (``"Whatsapp template deleted"``)."""

    message: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class PhoneNumberCheck:
    """Whether a pre-provisioned number exists and is verified (``available``), and
    the platform's ``reason`` when it is not (``"Whatsapp phone number not verified"``)."""

    available: bool
    reason: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class WhatsAppPhoneNumber:
    """A phone number of a WABA: its ``phone_number_id`` (the sender of WhatsApp
    steps), the number in digits and ``formatted``, ``status`` and ``quality``."""

    phone_number_id: str | None = None
    phone_number: str | None = None
    name: str | None = None
    formatted: str | None = None
    status: str | None = None
    quality: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class WhatsAppAccount:
    """A WhatsApp Business Account connected to the key; ``waba_id`` is what the other
    operations take."""

    waba_id: str | None = None
    name: str | None = None
    client_id: str | None = None
    currency: str | None = None
    owner_name: str | None = None
    owner_id: str | None = None
    country: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class TemplateComponent:
    """One component of a template (``HEADER``, ``BODY``, ``FOOTER``, ``BUTTONS``), as
    Meta gives it: ``text`` with its ``{{1}}`` placeholders, a header's ``format``, the
    ``buttons`` and the ``example`` values; other Meta fields stay in ``extra``."""

    type: str | None = None
    format: str | None = None
    text: str | None = None
    buttons: tuple[Mapping[str, Any], ...] = ()
    example: Mapping[str, Any] = attrs.field(factory=dict)
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class MessageTemplate:
    """A message template of a WABA (Meta's template object): ``name`` and
    ``language`` name it when sending, ``status`` says whether it may be sent
    (``APPROVED``).

    >>> MessageTemplate(name="order_update", language="cs").step(params=["Ann"]).params
    ('Ann',)
    """

    name: str | None = None
    language: str | None = None
    status: str | None = None
    category: str | None = None
    id: str | None = None
    components: tuple[TemplateComponent, ...] = ()
    extra: Mapping[str, Any] = attrs.field(factory=dict)

    def step(self, **arguments: Any) -> WhatsAppTemplate:
        """A ``WhatsAppTemplate`` step sending this template; ``arguments`` are the
        step's other fields (``sender``, ``params``...)."""
        return WhatsAppTemplate(self.name or "", language=self.language or "", **arguments)


@attrs.frozen
class TemplateCreated:
    """A template created: its Meta ``template_id``, with the ``status`` and
    ``category`` Meta gave where it said (a template from the library)."""

    template_id: str | None = None
    status: str | None = None
    category: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class TemplateTestResult:
    """A test template message sent: its WhatsApp message id ``wamid``."""

    wamid: str | None = None
    message: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class MessageDataPoint:
    """Messages sent and delivered in one period."""

    start: dt.datetime | None = None
    end: dt.datetime | None = None
    sent: int = 0
    delivered: int = 0
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class MessageAnalytics:
    """Messaging analytics of a WABA, one data point per period of ``granularity``."""

    granularity: str | None = None
    phone_numbers: tuple[str, ...] = ()
    country_codes: tuple[str, ...] = ()
    data_points: tuple[MessageDataPoint, ...] = ()
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class ConversationDataPoint:
    """Conversations and their ``cost`` in one period, for one category, type and
    direction (as the request's ``dimensions`` split them)."""

    start: dt.datetime | None = None
    end: dt.datetime | None = None
    conversations: int = 0
    cost: decimal.Decimal | None = None
    category: str | None = None
    type: str | None = None
    direction: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class ConversationAnalytics:
    """Conversation analytics of a WABA."""

    data_points: tuple[ConversationDataPoint, ...] = ()
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class TemplateButtonClicks:
    """How many times one button of a template was clicked."""

    type: str | None = None
    button_content: str | None = None
    count: int = 0
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class TemplateDataPoint:
    """One template's messages sent, delivered, read and clicked in one period."""

    start: dt.datetime | None = None
    end: dt.datetime | None = None
    sent: int = 0
    delivered: int = 0
    read: int = 0
    clicked: tuple[TemplateButtonClicks, ...] = ()
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class TemplateStats:
    """The analytics of one template."""

    template_id: str | None = None
    granularity: str | None = None
    data_points: tuple[TemplateDataPoint, ...] = ()
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class TemplateAnalytics:
    """Per-template analytics; ``paging`` is Meta's, as given."""

    templates: tuple[TemplateStats, ...] = ()
    paging: Mapping[str, Any] = attrs.field(factory=dict)
    extra: Mapping[str, Any] = attrs.field(factory=dict)


def _parser(cls: type, names: Mapping[str, str] | None = None, /, **special: Reader) -> Reader:
    """A reader of ``cls`` from an object, ``names`` mapping fields to wire names."""
    readers = readers_for(cls, **special)
    return lambda data: read_object(cls, data, readers, names=names, ignore=_ANSWER)


_when = {"start": epoch_timestamp, "end": epoch_timestamp}

parse_signup = _parser(WhatsAppSignup, redirect_url=text)
parse_registration = _parser(WhatsAppRegistration)
parse_outcome = _parser(WhatsAppOutcome, message=text)
parse_phone_number = _parser(
    WhatsAppPhoneNumber,
    {
        "formatted": "phone_number_formated",
        "status": "phone_number_status",
        "quality": "phone_number_quality",
    },
    name=text,
)
parse_account = _parser(
    WhatsAppAccount,
    {
        "waba_id": "whatsapp_id",
        "name": "whatsapp_name",
        "currency": "whatsapp_currency",
        "owner_name": "whatsapp_owner_name",
        "owner_id": "whatsapp_owner_id",
    },
)
_component = _parser(TemplateComponent, text=text, buttons=listed(mapping), example=mapping)
parse_template = _parser(MessageTemplate, name=text, language=text, components=listed(_component))
parse_created = _parser(TemplateCreated)
parse_test_result = _parser(TemplateTestResult, message=text)
parse_message_analytics = _parser(
    MessageAnalytics,
    phone_numbers=listed(text),
    country_codes=listed(text),
    data_points=listed(_parser(MessageDataPoint, **_when)),
)
parse_conversation_analytics = _parser(
    ConversationAnalytics,
    data_points=listed(
        _parser(
            ConversationDataPoint,
            {
                "conversations": "conversation",
                "category": "conversation_category",
                "type": "conversation_type",
                "direction": "conversation_direction",
            },
            **_when,
        )
    ),
)
_template_point = _parser(TemplateDataPoint, clicked=listed(_parser(TemplateButtonClicks)), **_when)
parse_template_analytics = _parser(
    TemplateAnalytics,
    {"templates": "data"},
    templates=listed(_parser(TemplateStats, data_points=listed(_template_point))),
)
parse_check = _parser(
    PhoneNumberCheck, {"available": "success", "reason": "message"}, available=flag, reason=text
)
parse_phone_numbers = items(parse_phone_number)
parse_accounts = listed(parse_account)  # none: "No whatsapp accounts found"
parse_templates = items(parse_template)
