"""The flow steps of a message, one class a channel, and the enums they take.

``Message.flow`` tries its steps in order: ``Sms``, ``Viber``, ``WhatsAppText``,
``WhatsAppTemplate`` and ``Rcs``, each with the channel's own fields.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, ClassVar, Union

import attrs

from . import _checks as check
from .errors import ValidationError

__all__ = [
    "FLOW_STEP_TYPES",
    "STEPS_NEEDING_SENDER",
    "FlowStep",
    "Gateway",
    "Rcs",
    "RcsButton",
    "RcsCard",
    "Sms",
    "SmsType",
    "TtlCondition",
    "Viber",
    "ViberButton",
    "WhatsAppButton",
    "WhatsAppMedia",
    "WhatsAppTemplate",
    "WhatsAppText",
    "has_own_content",
]


class Gateway(str, enum.Enum):
    """SMS gateways. Unknown gateway names are passed through as plain strings."""

    HIGH = "high"
    """The default, high-quality routing."""
    LOWCOST = "lowcost"
    """Low-cost routing."""
    DIRECT = "direct"
    """From a dedicated virtual number."""
    CUSTOM = "custom"
    """Through SIM hosting."""
    SIMHOST = "simhost"
    """Through SIM hosting (the alternative to ``custom``)."""
    GSM = "gsm"
    """Through your own GSM gateway."""
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


def _to_gateway(value: Any) -> Any:
    return check.member_or_value(Gateway, value)


def _to_ttl_condition(value: Any) -> Any:
    return check.member_or_value(TtlCondition, value)


def _to_sms_type(value: Any) -> Any:
    return check.member_or_value(SmsType, value)


def _ttl_condition_field() -> Any:
    return attrs.field(
        default=None,
        converter=_to_ttl_condition,
        validator=check.member_of(TtlCondition),
    )


@attrs.frozen
class Sms:
    """An SMS flow step.

    >>> Sms(sender="Shop", gateway="lowcost", type=SmsType.SMS)  # doctest: +ELLIPSIS
    Sms(body=None, sender='Shop', gateway=<Gateway.LOWCOST: 'lowcost'>, ...)
    """

    key: ClassVar[str] = "sms"

    body: str | None = attrs.field(default=None, validator=check.body)
    sender: str | None = attrs.field(default=None, validator=check.optional_str)
    gateway: Gateway | str | None = attrs.field(
        default=None, converter=_to_gateway, validator=check.gateway_name
    )
    ttl: float | None = check.ttl_field()
    ttl_condition: TtlCondition | None = _ttl_condition_field()
    type: SmsType | None = attrs.field(
        default=None, converter=_to_sms_type, validator=check.member_of(SmsType)
    )
    extra: Mapping[str, Any] = check.extra_field()


@attrs.frozen
class ViberButton:
    """The one button a Viber message may carry."""

    title: str = attrs.field(validator=check.required_str)
    url: str = attrs.field(validator=check.required_str)


@attrs.frozen
class Viber:
    """A Viber flow step; ``sender`` must be pre-registered.

    >>> Viber(body="Sale!", buttons=[ViberButton("Shop", "https://example.com")]).buttons
    (ViberButton(title='Shop', url='https://example.com'),)
    """

    key: ClassVar[str] = "viber"

    body: str | None = attrs.field(default=None, validator=check.body)
    sender: str | None = attrs.field(default=None, validator=check.optional_str)
    buttons: tuple[ViberButton | Mapping[str, Any], ...] | None = attrs.field(
        default=None,
        converter=check.optional_tuple,
        validator=check.list_of(
            (ViberButton, Mapping), "ViberButton or a mapping", at_most=1, noun="button"
        ),
    )
    ttl: float | None = check.ttl_field()
    ttl_condition: TtlCondition | None = _ttl_condition_field()
    extra: Mapping[str, Any] = check.extra_field()


@attrs.frozen
class WhatsAppMedia:
    """An image, video, document or audio file of a WhatsApp text step.

    >>> WhatsAppMedia("https://example.com/invoice.pdf", filename="invoice.pdf").filename
    'invoice.pdf'
    """

    link: str = attrs.field(validator=[check.required_str, check.http_url])
    caption: str | None = attrs.field(default=None, validator=check.optional_str)
    filename: str | None = attrs.field(default=None, validator=check.optional_str)
    extra: Mapping[str, Any] = check.extra_field()


def _media_field() -> Any:
    return attrs.field(default=None, validator=check.object_of(WhatsAppMedia))


@attrs.frozen
class WhatsAppButton:
    """A quick-reply button; ``id`` comes back in the webhook after a tap."""

    title: str = attrs.field(validator=check.required_str)
    id: str | None = attrs.field(default=None, validator=check.optional_str)


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

    body: str | None = attrs.field(default=None, validator=check.body)
    sender: str | None = attrs.field(default=None, validator=check.optional_str)
    preview: bool | None = attrs.field(default=None, validator=check.optional_bool)
    image: WhatsAppMedia | Mapping[str, Any] | None = _media_field()
    video: WhatsAppMedia | Mapping[str, Any] | None = _media_field()
    document: WhatsAppMedia | Mapping[str, Any] | None = _media_field()
    audio: WhatsAppMedia | Mapping[str, Any] | None = _media_field()
    buttons: tuple[WhatsAppButton | Mapping[str, Any], ...] | None = attrs.field(
        default=None,
        converter=check.optional_tuple,
        validator=check.list_of(
            (WhatsAppButton, Mapping),
            "WhatsAppButton or a mapping",
            at_most=MAX_WHATSAPP_BUTTONS,
            noun="button",
            beyond=f": the platform would drop every button past the first {MAX_WHATSAPP_BUTTONS}",
        ),
    )
    url: str | None = attrs.field(default=None, validator=check.http_url)
    title: str | None = attrs.field(default=None, validator=check.optional_str)
    header: str | None = attrs.field(default=None, validator=check.optional_str)
    footer: str | None = attrs.field(default=None, validator=check.optional_str)
    raw: Mapping[str, Any] | None = attrs.field(default=None, validator=check.mapping)
    ttl: float | None = check.ttl_field()
    extra: Mapping[str, Any] = check.extra_field()


MAX_TEMPLATE_NAME_LENGTH = 100


def _template_name(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    check.required_str(instance, attribute, value)
    if len(value) > MAX_TEMPLATE_NAME_LENGTH:
        raise ValidationError(
            check.field_name(instance, attribute),
            f"at most {MAX_TEMPLATE_NAME_LENGTH} characters (got {len(value)})",
        )


def _template_params(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    name = check.field_name(instance, attribute)
    if not isinstance(value, tuple):
        raise ValidationError(name, f"must be a list of strings or one-key mappings, got {value!r}")
    for index, item in enumerate(value):
        named = isinstance(item, Mapping) and len(item) == 1
        if not (isinstance(item, str) or named):
            raise ValidationError(
                f"{name}[{index}]",
                f"must be a string, or a one-key mapping for a named variable, got {item!r}",
            )
    check.json_value(instance, attribute, value)


def _one_header(value: Any) -> Any:
    """A header is a one-element list on the wire; a bare string or mapping is that element."""
    if isinstance(value, (str, Mapping)):
        return (value,)
    return check.optional_tuple(value)


def _template_header(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    name = check.field_name(instance, attribute)
    if not (isinstance(value, tuple) and len(value) == 1 and isinstance(value[0], (str, Mapping))):
        raise ValidationError(
            name, f"must be one string or mapping (a template has one header), got {value!r}"
        )
    check.json_value(instance, attribute, value)


def _lto(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    name = check.field_name(instance, attribute)
    valid = isinstance(value, tuple) and all(
        isinstance(item, str) or (isinstance(item, int) and not isinstance(item, bool))
        for item in value
    )
    if not valid:
        raise ValidationError(name, f"must be a list of timestamps in milliseconds, got {value!r}")


def _one_or_list(value: Any) -> Any:
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return (value,)
    return check.optional_tuple(value)


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
    sender: str | None = attrs.field(default=None, validator=check.optional_str)
    language: str = attrs.field(default=None, validator=check.required_str)
    params: tuple[str | Mapping[str, Any], ...] | None = attrs.field(
        default=None, converter=check.optional_tuple, validator=_template_params
    )
    params_header: tuple[str | Mapping[str, Any]] | None = attrs.field(
        default=None, converter=_one_header, validator=_template_header
    )
    params_buttons: tuple[str | Mapping[str, Any] | None, ...] | None = attrs.field(
        default=None,
        converter=check.optional_tuple,
        validator=check.list_of((str, Mapping, type(None)), "a string, a mapping or None"),
    )
    params_carousel: tuple[Mapping[str, Any], ...] | None = attrs.field(
        default=None, converter=check.optional_tuple, validator=check.list_of(Mapping, "a mapping")
    )
    params_lto: tuple[str | int, ...] | None = attrs.field(
        default=None, converter=_one_or_list, validator=_lto
    )
    ttl: float | None = check.ttl_field()
    ttl_condition: TtlCondition | None = _ttl_condition_field()
    extra: Mapping[str, Any] = check.extra_field()


@attrs.frozen
class RcsButton:
    """A reply suggestion (``type="reply"``) or a link (``type="url"``, with ``url``)."""

    type: str = attrs.field(validator=check.one_of("reply", "url"))
    text: str = attrs.field(validator=check.required_str)
    postback: str | None = attrs.field(default=None, validator=check.optional_str)
    url: str | None = attrs.field(default=None, validator=check.http_url)
    description: str | None = attrs.field(default=None, validator=check.optional_str)
    webview: str | None = attrs.field(default=None, validator=check.optional_str)
    extra: Mapping[str, Any] = check.extra_field()

    def __attrs_post_init__(self) -> None:
        if self.type == "url" and self.url is None:
            raise ValidationError("RcsButton.url", "required when type is 'url'")


_RCS_BUTTONS = check.list_of((RcsButton, Mapping), "RcsButton or a mapping")


@attrs.frozen
class RcsCard:
    """A rich card, alone (``Rcs(card=...)``) or in a carousel, where ``type`` names the
    media type of ``file``."""

    title: str | None = attrs.field(default=None, validator=check.optional_str)
    description: str | None = attrs.field(default=None, validator=check.optional_str)
    file: str | None = attrs.field(default=None, validator=check.http_url)
    thumbnail: str | None = attrs.field(default=None, validator=check.http_url)
    buttons: tuple[RcsButton | Mapping[str, Any], ...] | None = attrs.field(
        default=None, converter=check.optional_tuple, validator=_RCS_BUTTONS
    )
    type: str | None = attrs.field(default=None, validator=check.optional_str)
    extra: Mapping[str, Any] = check.extra_field()


@attrs.frozen
class Rcs:
    """An RCS step: text with ``buttons``, a rich ``card``, a ``carousel`` of cards, or
    ``raw`` content for the RCS API.

    >>> Rcs(sender="shop_agent", card=RcsCard(title="Sale", file="https://example.com/a.jpg")).card.title
    'Sale'
    """

    key: ClassVar[str] = "rcs"

    body: str | None = attrs.field(default=None, validator=check.body)
    sender: str | None = attrs.field(default=None, validator=check.optional_str)
    ttl: float | None = check.ttl_field()
    ttl_condition: TtlCondition | None = _ttl_condition_field()
    buttons: tuple[RcsButton | Mapping[str, Any], ...] | None = attrs.field(
        default=None, converter=check.optional_tuple, validator=_RCS_BUTTONS
    )
    card: RcsCard | Mapping[str, Any] | None = attrs.field(
        default=None, validator=check.object_of(RcsCard)
    )
    carousel: tuple[RcsCard | Mapping[str, Any], ...] | None = attrs.field(
        default=None,
        converter=check.optional_tuple,
        validator=check.list_of((RcsCard, Mapping), "RcsCard or a mapping"),
    )
    raw: Mapping[str, Any] | None = attrs.field(default=None, validator=check.mapping)
    extra: Mapping[str, Any] = check.extra_field()


FlowStep = Union[Sms, Viber, WhatsAppText, WhatsAppTemplate, Rcs]  # noqa: UP007 (runtime alias)


FLOW_STEP_TYPES: tuple[type[FlowStep], ...] = (Sms, Viber, WhatsAppText, WhatsAppTemplate, Rcs)


STEPS_NEEDING_SENDER = (Viber, WhatsAppText, WhatsAppTemplate)
"""Steps the reference requires a ``sender`` on, their own or the message's."""


def has_own_content(step: FlowStep) -> bool:
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
