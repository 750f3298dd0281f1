"""Checking the WhatsApp Business API's arguments before any request: each a pure
function giving the value as sent, or a ``ValidationError`` naming the argument.

>>> moment("start", 1719792000), texts("template_ids", ["9876543210"])
(1719792000, ['9876543210'])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from ._checks import json_problem
from ._rest import nonempty
from ._status_errors import request_id_of
from ._steps import MAX_TEMPLATE_NAME_LENGTH
from ._transport import Reply
from ._whatsapp_types import TemplateComponent
from .errors import APIError, AuthenticationError, BadRequestError, ValidationError, WhatsAppError
from .phone import PhoneNormalizer

__all__ = [
    "CATEGORIES",
    "COMPONENT_TYPES",
    "CONVERSATION_CATEGORIES",
    "CONVERSATION_DIRECTIONS",
    "CONVERSATION_GRANULARITIES",
    "CONVERSATION_TYPES",
    "MESSAGE_GRANULARITIES",
    "NO_ACCOUNTS",
    "NUMBER_MODES",
    "Moment",
    "accounts_filter",
    "choice",
    "json_object",
    "moment",
    "numbers",
    "objects",
    "on_waba",
    "one_of",
    "optional_text",
    "optional_texts",
    "present",
    "refusal",
    "said",
    "span",
    "template_components",
    "template_name",
    "texts",
    "whatsapp_error",
]

CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION")
"""A template's categories (``/whatsapp/templates/create``)."""
COMPONENT_TYPES = ("HEADER", "BODY", "FOOTER", "BUTTONS")
"""A template's component types (``/whatsapp/templates/create``)."""
NUMBER_MODES = ("manual", "preassign", "assigned")
"""``/whatsapp/signup``'s ``phone_number`` modes."""
MESSAGE_GRANULARITIES = ("HALF_HOUR", "DAY", "MONTH")
CONVERSATION_GRANULARITIES = ("HALF_HOUR", "DAILY", "MONTHLY")
CONVERSATION_CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION", "SERVICE")
CONVERSATION_TYPES = ("FREE_ENTRY", "FREE_TIER", "REGULAR")
CONVERSATION_DIRECTIONS = ("BUSINESS_INITIATED", "USER_INITIATED")
NO_ACCOUNTS = "No whatsapp accounts found"
"""``/whatsapp/accounts/list``'s ``success: false`` for an empty list."""
Moment = dt.datetime | int
"""A time: an aware datetime, or Unix seconds."""


def on_waba(waba_id: object, token: object) -> dict[str, Any]:
    """The fields naming the WABA of an operation, and the signup token if given.

    >>> on_waba("1234567890", None)
    {'waba_id': '1234567890'}
    """
    return present(
        {"waba_id": nonempty("waba_id", waba_id), "token": optional_text("token", token)}
    )


def accounts_filter(client_id: object, waba_id: object, token: object) -> dict[str, Any]:
    """``/whatsapp/accounts/list``'s body: ``waba_id`` goes with ``token``, and only then.

    >>> accounts_filter("client-42", None, None)
    {'client_id': 'client-42'}
    """
    if (waba_id is None) != (token is None):
        field = "waba_id" if waba_id is None else "token"
        raise ValidationError(field, "waba_id and token go together (token authentication)")
    fields = {"client_id": client_id, "waba_id": waba_id, "token": token}
    return present({name: optional_text(name, value) for name, value in fields.items()})


def present(fields: Mapping[str, Any]) -> dict[str, Any]:
    """``fields`` without those left out (``None``)."""
    return {name: value for name, value in fields.items() if value is not None}


def template_name(field: str, value: object) -> str:
    """A template's name: what a ``WhatsAppTemplate`` step can send."""
    name = nonempty(field, value)
    if len(name) > MAX_TEMPLATE_NAME_LENGTH:
        rule = f"at most {MAX_TEMPLATE_NAME_LENGTH} characters (got {len(name)})"
        raise ValidationError(field, rule)
    return name


def span(start: object, end: object) -> dict[str, int]:
    """An analytics range's ``start`` and ``end``, each optional, in order."""
    sent = present(
        {
            "start": None if start is None else moment("start", start),
            "end": None if end is None else moment("end", end),
        }
    )
    if len(sent) == 2 and sent["start"] > sent["end"]:
        raise ValidationError("end", "must not be before start")
    return sent


def choice(field: str, value: object, allowed: Iterable[str]) -> str | None:
    """``one_of`` for an optional argument."""
    return None if value is None else one_of(field, value, allowed)


def optional_texts(
    field: str, values: object, allowed: Iterable[str] | None = None
) -> list[str] | None:
    """``texts`` for an optional argument."""
    return None if values is None else texts(field, values, allowed, a_filter=True)


def json_object(field: str, value: object) -> dict[str, Any]:
    """A JSON object.

    >>> json_object("body_inputs", {"language": "en_US"})
    {'language': 'en_US'}
    """
    return _object(field, value)


def template_components(values: object) -> list[dict[str, Any]]:
    """``components`` of the argument named so."""
    return components("components", values)


def said(answer: Mapping[str, Any], message: str) -> bool:
    """Whether an answer's ``message`` is ``message`` (in any case)."""
    given = answer.get("message")
    return isinstance(given, str) and given.strip().lower() == message.lower()


def refusal(answer: Reply, where: str) -> WhatsAppError:
    """The error of a business failure: 200 with ``success: false``."""
    reason = answer.data.get("message")
    return WhatsAppError(
        f"{where} was refused: {reason}",
        status_code=answer.status_code,
        body=answer.data,
        request_id=request_id_of(answer.data, answer.headers),
        headers=answer.headers,
    )


def whatsapp_error(error: APIError) -> APIError:
    """The error a 400 or 401 stands for by its message: the reference answers missing
    fields with 401 on ``/registration``, and a missing key or token with 400.

    >>> from smsmngr.errors import BadRequestError
    >>> body = {"message": "Missing 'xapikey' or 'token' in request data"}
    >>> whatsapp_error(BadRequestError("refused", status_code=400, body=body))
    AuthenticationError('refused')
    """
    body = error.body if isinstance(error.body, Mapping) else {}
    message = str(body.get("message") or "").lower()
    if "xapikey" in message:
        kind: type[APIError] = AuthenticationError
    elif message.startswith("missing"):
        kind = BadRequestError
    else:
        return error
    if type(error) is kind:
        return error
    return kind(
        str(error),
        status_code=error.status_code,
        body=error.body,
        request_id=error.request_id,
        headers=error.headers,
    )


def optional_text(field: str, value: object) -> str | None:
    """``value``, a non-empty string, or ``None``.

    >>> optional_text("client_id", None), optional_text("client_id", "client-42")
    (None, 'client-42')
    """
    return None if value is None else nonempty(field, value)


def one_of(field: str, value: object, allowed: Iterable[str]) -> str:
    """``value`` if it is one of ``allowed``.

    >>> one_of("granularity", "DAY", ("DAY", "MONTH"))
    'DAY'
    """
    choices = tuple(allowed)
    if value not in choices:
        raise ValidationError(field, f"must be one of {', '.join(choices)}, got {value!r}")
    return str(value)


def moment(field: str, value: object) -> int:
    """A time as the API takes it, Unix seconds: an aware datetime or whole seconds.

    >>> moment("end", dt.datetime(2024, 7, 31, tzinfo=dt.timezone.utc))
    1722384000
    """
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValidationError(field, "must be an aware datetime (a naive one names no time)")
        return int(value.timestamp())
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise ValidationError(field, f"must be an aware datetime or Unix seconds, got {value!r}")


def _listed(field: str, values: object, *, a_filter: bool = False) -> list[Any]:
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise ValidationError(field, f"must be a list, got {type(values).__name__}")
    listed = list(values)
    if not listed:
        hint = " (leave it out for no filter)" if a_filter else ""
        raise ValidationError(field, f"must not be empty{hint}")
    return listed


def texts(
    field: str, values: object, allowed: Iterable[str] | None = None, *, a_filter: bool = False
) -> list[str]:
    """A non-empty list of non-empty strings (each one of ``allowed`` where given);
    ``a_filter`` says that leaving the argument out is the way to filter nothing."""
    choices = None if allowed is None else tuple(allowed)
    checked = []
    for place, value in enumerate(_listed(field, values, a_filter=a_filter)):
        named = f"{field}[{place}]"
        checked.append(nonempty(named, value) if choices is None else one_of(named, value, choices))
    return checked


def numbers(field: str, values: object, normalize: PhoneNormalizer) -> list[str] | None:
    """A non-empty list of phone numbers, each normalized (digits only); ``None`` for none."""
    if values is None:
        return None
    return [
        normalize(value, field=f"{field}[{place}]")
        for place, value in enumerate(_listed(field, values, a_filter=True))
    ]


def objects(field: str, values: object) -> list[dict[str, Any]]:
    """A non-empty list of JSON objects."""
    checked = []
    for place, value in enumerate(_listed(field, values)):
        checked.append(_object(f"{field}[{place}]", value))
    return checked


def _object(field: str, value: object) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ValidationError(field, f"must be a mapping, got {type(value).__name__}")
    problem = json_problem(value)
    if problem is not None:
        raise ValidationError(field, problem)
    return dict(value)


def components(field: str, values: object) -> list[dict[str, Any]]:
    """Template components as Meta takes them: mappings or listed ``TemplateComponent``
    values, each with a ``type`` among ``HEADER``, ``BODY``, ``FOOTER``, ``BUTTONS``.

    >>> components("components", [TemplateComponent(type="BODY", text="Hi {{1}}")])
    [{'type': 'BODY', 'text': 'Hi {{1}}'}]
    """
    checked = []
    for place, value in enumerate(_listed(field, values)):
        named = f"{field}[{place}]"
        wire = _object(named, _wire(value) if isinstance(value, TemplateComponent) else value)
        kind = wire.get("type")
        if not isinstance(kind, str) or kind.upper() not in COMPONENT_TYPES:
            rule = f"must be one of {', '.join(COMPONENT_TYPES)}, got {kind!r}"
            raise ValidationError(f"{named}.type", rule)
        checked.append(wire)
    return checked


def _wire(component: TemplateComponent) -> dict[str, Any]:
    """A listed component as Meta's object again (what was empty left out)."""
    fields = {
        "type": component.type,
        "format": component.format,
        "text": component.text,
        "buttons": [dict(button) for button in component.buttons] or None,
        "example": dict(component.example) or None,
    }
    return {**{k: v for k, v in fields.items() if v is not None}, **component.extra}
