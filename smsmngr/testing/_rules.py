"""The fake API's reading of requests, straight from the API reference.

Written apart from the SDK's models on purpose: if both shared code, a mistake in it
would pass both the SDK and its tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = ["message_problem", "normalized_number"]

Check = Callable[[Any], bool]

_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
_GATEWAYS = {"high", "lowcost", "direct", "custom", "simhost", "gsm", "test"}
_TTL_CONDITIONS = {"sent", "delivered", "seen"}
_CLOCK = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d|24:00")
_UTC_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z")
_SEPARATORS = str.maketrans("", "", " -.()")


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


def _string_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _viber_buttons(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) <= 1
        and all(
            isinstance(b, dict) and set(b) == {"title", "url"} and all(map(_string, b.values()))
            for b in value
        )
    )


def _anything(value: Any) -> bool:
    return True


_POSITIVE = _minutes(0, inclusive=False)

STEP_FIELDS: dict[str, dict[str, Check]] = {
    "sms": {
        "body": _body,
        "sender": _string,
        "gateway": _one_of(_GATEWAYS),
        "ttl": _POSITIVE,
        "ttl_condition": _one_of(_TTL_CONDITIONS),
        "type": _one_of({"utf", "sms"}),
    },
    "viber": {"body": _body, "sender": _string, "buttons": _viber_buttons, "ttl": _POSITIVE},
    "whatsapp_text": {"body": _body, "sender": _string, "ttl": _POSITIVE},
    "whatsapp_template": {
        "template_name": lambda v: isinstance(v, str) and 0 < len(v) <= 100,
        "sender": _string,
        "language": _string,
        "params": _string_list,
        "params_header": _anything,
        "params_buttons": _anything,
        "ttl": _POSITIVE,
    },
    "rcs": {
        "body": _body,
        "sender": _string,
        "ttl": _minutes(0.5, inclusive=True),
        "ttl_condition": _one_of(_TTL_CONDITIONS),
    },
}


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
    "datetime": lambda v: isinstance(v, str) and _UTC_DATETIME.fullmatch(v) is not None,
    "delivery_time": _delivery_time,
    "callback": lambda v: isinstance(v, str) and v.startswith(("http://", "https://")),
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
    if channel == "whatsapp_template" and "template_name" not in fields:
        return f"{where}.{channel}.template_name: required"
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
    if "body" not in message:
        steps = [next(iter(step.items())) for step in flow or []]
        if not steps or any(
            channel != "whatsapp_template" and "body" not in fields for channel, fields in steps
        ):
            return f"{where}.body: required unless every flow step has its own"
    return None


def normalized_number(number: str) -> str | None:
    """The number as the API normalizes it, or ``None`` when it is not a valid number."""
    digits = number.translate(_SEPARATORS)
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("00"):
        digits = digits[2:]
    if digits.isascii() and digits.isdecimal() and 7 <= len(digits) <= 15:
        return digits
    return None
