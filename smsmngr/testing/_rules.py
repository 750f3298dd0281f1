"""The fake API's reading of requests, straight from the API reference.

Written apart from the SDK's models on purpose: if both shared code, a mistake in it
would pass both the SDK and its tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "SIMPLE_FIELDS",
    "message_problem",
    "normalized_number",
    "normalized_tag",
    "simple_fields",
    "stored_tag",
]

Check = Callable[[Any], bool]

_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
_GATEWAYS = {"high", "lowcost", "direct", "custom", "simhost", "gsm", "test"}
_TTL_CONDITIONS = {"sent", "delivered", "seen"}
_CLOCK = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d|24:00")
_UTC_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z")


def _string(value: Any) -> bool:
    return isinstance(value, str)


def _body(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 1000


def _minutes(minimum: float, *, inclusive: bool) -> Check:
    def check(value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        return value >= minimum if inclusive else value > minimum

    return check


def _one_of(allowed: set[str]) -> Check:
    return lambda value: value in allowed


def _list_of(check: Check, *, at_most: int | None = None) -> Check:
    def checks(value: Any) -> bool:
        return (
            isinstance(value, list)
            and (at_most is None or len(value) <= at_most)
            and all(check(item) for item in value)
        )

    return checks


def _object(required: set[str], checks: dict[str, Check]) -> Check:
    """An object with these fields, the ``required`` ones present; unknown fields pass
    (nested objects are the platform's to read further)."""

    def check(value: Any) -> bool:
        return (
            isinstance(value, dict)
            and required <= set(value)
            and all(checks.get(key, _anything)(item) for key, item in value.items())
        )

    return check


def _anything(value: Any) -> bool:
    return True


def _is_object(value: Any) -> bool:
    return isinstance(value, dict)


def _boolean(value: Any) -> bool:
    return isinstance(value, bool)


def _url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://"))


def _int_range(low: int, high: int) -> Check:
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and low <= v <= high


_TTL = _minutes(0.5, inclusive=True)  # the OpenAPI: ttl minimum 0.5 on every channel
_CONDITION = _one_of(_TTL_CONDITIONS)
_MEDIA = _object({"link"}, {"link": _url, "caption": _string, "filename": _string})
_RCS_BUTTON = _object(
    {"type", "text"},
    {"type": _one_of({"reply", "url"}), "text": _string, "postback": _string, "url": _url},
)
_RCS_CARD = _object(
    set(),
    {
        "title": _string,
        "description": _string,
        "file": _url,
        "thumbnail": _url,
        "type": _string,
        "buttons": _list_of(_RCS_BUTTON),
    },
)
_TEMPLATE_PARAM: Check = lambda v: isinstance(v, str) or (isinstance(v, dict) and len(v) == 1)  # noqa: E731
_TEMPLATE_PARAMS = _list_of(_TEMPLATE_PARAM)
_HEADER_PARAMS = _list_of(lambda v: isinstance(v, (str, dict)), at_most=1)
_BUTTON_PARAMS = _list_of(lambda v: v is None or isinstance(v, (str, dict)))

STEP_FIELDS: dict[str, dict[str, Check]] = {
    "sms": {
        "body": _body,
        "sender": _string,
        "gateway": _one_of(_GATEWAYS),
        "ttl": _TTL,
        "ttl_condition": _CONDITION,
        "type": _one_of({"utf", "sms"}),
    },
    "viber": {
        "body": _body,
        "sender": _string,
        "buttons": _list_of(_object({"title", "url"}, {"title": _string, "url": _url}), at_most=1),
        "ttl": _TTL,
        "ttl_condition": _CONDITION,
    },
    "whatsapp_text": {
        "body": _body,
        "sender": _string,
        "preview": _boolean,
        "image": _MEDIA,
        "video": _MEDIA,
        "document": _MEDIA,
        "audio": _MEDIA,
        "buttons": _list_of(_object({"title"}, {"title": _string, "id": _string}), at_most=3),
        "url": _url,
        "title": _string,
        "header": _string,
        "footer": _string,
        "raw": _is_object,
        "ttl": _TTL,
    },
    "whatsapp_template": {
        "template_name": lambda v: isinstance(v, str) and 0 < len(v) <= 100,
        "sender": _string,
        "language": _string,
        "params": _TEMPLATE_PARAMS,
        "params_header": _HEADER_PARAMS,
        "params_buttons": _BUTTON_PARAMS,
        # reference/whatsapp-templates.mdx: the older names of the same three fields.
        "parameters_body": _TEMPLATE_PARAMS,
        "parameters_header": _HEADER_PARAMS,
        "parameters_buttons": _BUTTON_PARAMS,
        "params_carousel": _list_of(_is_object),
        "params_lto": _list_of(lambda v: isinstance(v, (str, int)) and not isinstance(v, bool)),
        "ttl": _TTL,
        "ttl_condition": _CONDITION,
    },
    "rcs": {
        "body": _body,
        "sender": _string,
        "ttl": _TTL,
        "ttl_condition": _CONDITION,
        "buttons": _list_of(_RCS_BUTTON),
        "card": _RCS_CARD,
        "carousel": _list_of(_RCS_CARD),
        "raw": _is_object,
    },
}

_CALLBACK_OBJECT = _object(
    {"url"},
    {
        "url": _url,
        "method": _one_of({"POST", "PUT", "PATCH", "GET"}),
        "content_type": _one_of({"application/json", "application/x-www-form-urlencoded"}),
        "headers": lambda v: isinstance(v, dict) and len(v) <= 20,
        "batch_size": _int_range(1, 500),
        "timeout_ms": _int_range(1000, 10000),
    },
)


def _delivery_time(value: Any) -> bool:
    if not isinstance(value, dict) or not set(value) <= {"days", "start", "end", "tz"}:
        return False
    days = value.get("days", [])
    return (
        isinstance(days, list)
        and all(day in _WEEKDAYS for day in days)
        and all(_CLOCK.fullmatch(value[k]) for k in ("start", "end") if k in value)
        and isinstance(value.get("tz", ""), str)
    )


MESSAGE_FIELDS: dict[str, Check] = {
    "body": _body,
    "sender": _string,
    "tag": _string,
    "messageTag": _string,  # the deprecated alias of tag
    "datetime": lambda v: isinstance(v, str) and _UTC_DATETIME.fullmatch(v) is not None,
    "delivery_time": _delivery_time,
    "callback": lambda v: _url(v) or _CALLBACK_OBJECT(v),
    "payload": lambda v: isinstance(v, dict),
    "params": lambda v: isinstance(v, dict),
}


def _fields_problem(obj: dict[str, Any], checks: dict[str, Check], where: str) -> str | None:
    for key, value in obj.items():
        check = checks.get(key)
        if check is None:
            return f"{where}.{key}: unknown field"
        if not check(value):
            return f"{where}.{key}: invalid value"
    return None


def _step_problem(step: Any, where: str) -> str | None:
    if not isinstance(step, dict) or len(step) != 1:
        return f"{where}: must hold exactly one channel"
    ((channel, fields),) = step.items()
    if channel not in STEP_FIELDS:
        return f"{where}: unknown channel {channel!r}"
    if not isinstance(fields, dict):
        return f"{where}.{channel}: must be an object"
    if channel == "whatsapp_template":
        for required in ("template_name", "language"):
            if required not in fields:
                return f"{where}.{channel}.{required}: required"
    return _fields_problem(fields, STEP_FIELDS[channel], f"{where}.{channel}")


def message_problem(message: Any, where: str = "message") -> str | None:
    """What is wrong with one Message object, or ``None`` when it follows the reference."""
    if not isinstance(message, dict):
        return f"{where}: must be an object"
    to = message.get("to")
    if not isinstance(to, list) or not 1 <= len(to) <= 10:
        return f"{where}.to: must hold 1 to 10 recipients"
    for index, recipient in enumerate(to):
        if not (
            isinstance(recipient, dict)
            and set(recipient) == {"phone_number"}
            and isinstance(recipient["phone_number"], str)
        ):
            return f"{where}.to[{index}]: must be {{'phone_number': string}}"
    flow = message.get("flow")
    if flow is not None:
        if not isinstance(flow, list) or not flow:
            return f"{where}.flow: must be a non-empty array"
        for index, step in enumerate(flow):
            problem = _step_problem(step, f"{where}.flow[{index}]")
            if problem:
                return problem
    rest = {key: value for key, value in message.items() if key not in ("to", "flow")}
    problem = _fields_problem(rest, MESSAGE_FIELDS, where)
    if problem:
        return problem
    for index, step in enumerate(flow or []):
        ((channel, fields),) = step.items()
        if channel in _SENDER_REQUIRED and not (fields.get("sender") or message.get("sender")):
            return (
                f"{where}.flow[{index}].{channel}.sender: required, in the step or as the "
                "message's sender"
            )
    if "body" not in message:
        steps = [next(iter(step.items())) for step in flow or []]
        if not steps or not all(_has_content(channel, fields) for channel, fields in steps):
            return f"{where}.body: required unless every flow step has its own"
    return None


_SENDER_REQUIRED = {"viber", "whatsapp_text", "whatsapp_template"}
"""The step schemas that require ``sender`` (the root ``sender`` stands in for it)."""
_CONTENT_WITHOUT_BODY = {
    "whatsapp_template": {"template_name"},
    "whatsapp_text": {"image", "video", "document", "audio", "raw"},
    "rcs": {"card", "carousel", "raw"},
}


def _has_content(channel: str, fields: dict[str, Any]) -> bool:
    """A step whose content needs no body: a template, media, a card (the reference's
    examples send these without one)."""
    return "body" in fields or bool(_CONTENT_WITHOUT_BODY.get(channel, set()) & set(fields))


def stored_number(number: str, calling_code: str) -> str:
    """The number as the platform stores it: normalized, and a national one (9 digits
    or fewer: the fake's reading) with the account's ``calling_code``.

    >>> stored_number("0777 123 456", "420"), stored_number("+49 170 1234567", "420")
    ('420777123456', '491701234567')
    """
    digits = normalized_number(number)
    if digits is None:
        return number  # judged in phase 2, as it was given
    return calling_code + digits if len(digits) <= 9 else digits


def normalized_number(number: str) -> str | None:
    """The number as the API normalizes it (every non-digit, then every leading zero
    removed), or ``None`` when that leaves no plausible number (judged in phase 2)."""
    digits = "".join(c for c in number if c.isascii() and c.isdigit()).lstrip("0")
    return digits if 7 <= len(digits) <= 15 else None


_TAG_CHARACTERS = re.compile(r"[^a-z0-9\-._]")
DEFAULT_TAG = "promotional"


def normalized_tag(tag: str | None) -> str:
    """The tag as the platform stores it: each comma-separated tag lowercased and cut
    to ``a-z0-9-._``, the tags sorted; ``promotional`` when none is left.

    >>> normalized_tag("VIP, Summer Sale!")
    'summersale,vip'
    >>> normalized_tag(None)
    'promotional'
    """
    tags = [_TAG_CHARACTERS.sub("", part.lower()) for part in (tag or "").split(",")]
    return ",".join(sorted(t for t in tags if t)) or DEFAULT_TAG


def stored_tag(message: Mapping[str, Any]) -> str:
    """The tag the platform stores for ``message`` (``tag``, or its alias ``messageTag``)."""
    return normalized_tag(message.get("tag", message.get("messageTag")))


SIMPLE_FIELDS = {"apikey", "phone_number", "message", "sender", "gateway", "datetime", "customID"}
_SIMPLE_ALIASES = {"number": "phone_number", "body": "message", "time": "datetime"}


def simple_fields(fields: Mapping[str, str]) -> dict[str, str]:
    """A ``/simple/message`` request's fields under their names, its documented aliases
    (``number``, ``body``, ``time``) read as the fields they stand for; a field given
    under both names keeps the field's own.

    >>> simple_fields({"number": "420777123456", "body": "Hi"})
    {'phone_number': '420777123456', 'message': 'Hi'}
    """
    named = {_SIMPLE_ALIASES.get(key, key): value for key, value in fields.items()}
    return {**named, **{key: value for key, value in fields.items() if key in SIMPLE_FIELDS}}
