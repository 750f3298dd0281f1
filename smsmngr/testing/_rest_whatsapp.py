"""The fake's WhatsApp Business API (openapi/waba_rest/waba_restapi_v1.yaml): a WABA
connected to the key with one phone number and two approved templates, signup and
registration adding more, template changes seen by the list, a test template sent as
a WhatsApp message the ledger records, and analytics counted from the ledger.

Business failures are the reference's: 200 with ``success: false`` and its message;
a missing required field is a 400 naming it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ._events import channel_of
from ._ledger import SentRecipient
from ._rest import RestAnswer, RestCall, RestHandler
from ._routes import Routes
from ._whatsapp_state import phone_number

__all__ = ["ROUTES"]

NOT_FOUND = "Whatsapp account not found"
DAY, HALF_HOUR, MONTH = 86_400, 1_800, 2_592_000
_PERIODS = {"HALF_HOUR": HALF_HOUR, "DAY": DAY, "DAILY": DAY, "MONTH": MONTH, "MONTHLY": MONTH}
_DELIVERED = {"delivered", "seen"}


ROUTES: Routes[RestHandler] = Routes()
"""The WhatsApp Business API's operations, by method and path."""


def _failure(message: str) -> RestAnswer:
    return 200, {"success": False, "message": message}


def _required(body: Any, *fields: str) -> RestAnswer | None:
    """The 400 the reference answers a body without one of ``fields``."""
    given = body if isinstance(body, dict) else {}
    for name in fields:
        value = given.get(name)
        if value is None or value == "" or value == []:
            return 400, {"message": f"Missing '{name}' in request data"}
    return None


_WabaHandler = Callable[[RestCall, dict[str, Any]], RestAnswer]


def _waba(call: RestCall, *fields: str) -> tuple[dict[str, Any], RestAnswer | None]:
    """The body, and the answer that ends the call: a missing field, an unknown WABA."""
    body = call.body if isinstance(call.body, dict) else {}
    refused = _required(body, "waba_id", *fields)
    if refused is None and body["waba_id"] not in call.state.whatsapp.accounts:
        refused = _failure(NOT_FOUND)
    return body, refused


def _on_waba(*fields: str) -> Callable[[_WabaHandler], RestHandler]:
    """A WABA's operation: its handler is called with the body once the body names a
    known WABA and has ``fields``; otherwise the call ends with the refusal."""

    def decorate(handler: _WabaHandler) -> RestHandler:
        @functools.wraps(handler)
        def checked(call: RestCall) -> RestAnswer:
            body, refused = _waba(call, *fields)
            return refused or handler(call, body)

        return checked

    return decorate


@ROUTES("POST", "/whatsapp/signup")
def _signup(call: RestCall) -> RestAnswer:
    state, body = call.state.whatsapp, call.body if isinstance(call.body, dict) else {}
    token = f"signup-{state.new_id()}"
    state.tokens[token] = body.get("partner_client_id")
    return 200, {"success": True, "token": token, "redirect_url": "https://waba.smsmanager.com/"}


@ROUTES("POST", "/whatsapp/registration")
def _registration(call: RestCall) -> RestAnswer:
    state, body = call.state.whatsapp, call.body if isinstance(call.body, dict) else {}
    if any(not body.get(name) for name in ("token", "waba_id", "code")):
        return 401, {"message": "Missing required fields (token, waba_id, code) in request data"}
    if not body.get("phone_number_id") and not body.get("country"):
        message = "Missing required fields (phone_number_id or country) in request data"
        return 400, {"message": message}
    if body["token"] not in state.tokens:
        return _failure("Whatsapp phone number not registered")
    free = list(state.pool) if body.get("country") else []
    if body.get("phone_number_id"):
        digits = f"4202266{int(state.new_id()) % 100_000:05d}"  # the number the signup connected
        number = phone_number(digits, body["phone_number_id"], "")
    elif free:
        number = phone_number(free[0], state.new_id(), "")
        del state.pool[free[0]]
    else:
        return _failure("Whatsapp phone number not registered")
    waba_id = body["waba_id"]
    client_id = body.get("client_id") or state.tokens[body["token"]]
    account = {"client_id": client_id, "whatsapp_id": waba_id, "country": body.get("country")}
    state.accounts.setdefault(waba_id, {k: v for k, v in account.items() if v is not None})
    state.numbers.setdefault(waba_id, []).append(number)
    state.templates.setdefault(waba_id, [])
    answer = {"phone_number_id": number["phone_number_id"], "phone_number": number["phone_number"]}
    return 200, {"success": True, **answer}


@ROUTES("POST", "/whatsapp/phone_numbers/verify")
def _verify_number(call: RestCall) -> RestAnswer:
    state, body = call.state.whatsapp, call.body if isinstance(call.body, dict) else {}
    if not body.get("phone_number") or not body.get("code"):
        return 400, {"message": "Missing 'phone_number' or 'code' in request data"}
    if body["phone_number"] not in state.pool:
        return _failure("Whatsapp phone number not found")
    state.pool[body["phone_number"]] = True
    return 200, {"success": True, "message": "Whatsapp phone number verified"}


@ROUTES("POST", "/whatsapp/phone_numbers/check")
def _check_number(call: RestCall) -> RestAnswer:
    state, body = call.state.whatsapp, call.body if isinstance(call.body, dict) else {}
    refused = _required(body, "phone_number")
    if refused is not None:
        return refused
    verified = state.pool.get(body["phone_number"])
    if verified is None:
        return _failure("Whatsapp phone number not exist")
    if not verified:
        return _failure("Whatsapp phone number not verified")
    return 200, {"success": True}


@ROUTES("POST", "/whatsapp/phone_numbers/list")
@_on_waba()
def _list_numbers(call: RestCall, body: dict[str, Any]) -> RestAnswer:
    return 200, {"success": True, "phone_numbers": call.state.whatsapp.numbers[body["waba_id"]]}


@ROUTES("POST", "/whatsapp/accounts/list")
def _list_accounts(call: RestCall) -> RestAnswer:
    body = call.body if isinstance(call.body, dict) else {}
    client_id = body.get("client_id")
    accounts = [
        account
        for account in call.state.whatsapp.accounts.values()
        if client_id is None or account.get("client_id") == client_id
    ]
    if not accounts:
        return _failure("No whatsapp accounts found")
    return 200, {"success": True, "accounts": accounts}


@ROUTES("POST", "/whatsapp/templates/list")
@_on_waba()
def _list_templates(call: RestCall, body: dict[str, Any]) -> RestAnswer:
    return 200, {"success": True, "templates": call.state.whatsapp.templates[body["waba_id"]]}


def _created(call: RestCall, template: dict[str, Any], failure: str) -> RestAnswer:
    """``template`` added to its WABA's list: approved at once (the fake's choice)."""
    state, waba_id = call.state.whatsapp, call.body["waba_id"]
    templates = state.templates[waba_id]
    if any(
        t["name"] == template["name"] and t["language"] == template["language"] for t in templates
    ):
        return _failure(failure)
    stored = {**template, "status": "APPROVED", "id": state.new_id()}
    templates.append(stored)
    answer = {"template_id": stored["id"], "status": "APPROVED", "category": stored["category"]}
    return 200, {"success": True, **answer}


def _template(call: RestCall, *required: str) -> tuple[dict[str, Any], RestAnswer | None]:
    """The template a creation sends, and the answer that ends the call: no WABA, or a
    ``required`` field missing."""
    body, refused = _waba(call, "template")
    template = body.get("template")
    template = template if isinstance(template, dict) else {}
    if refused is None and any(not template.get(name) for name in required):
        refused = _failure("Whatsapp template creation failed")
    return template, refused


@ROUTES("POST", "/whatsapp/templates/create")
def _create(call: RestCall) -> RestAnswer:
    template, refused = _template(call, "name", "language", "category", "components")
    if refused is not None:
        return refused
    components = [_uploaded(c) for c in template["components"] if isinstance(c, dict)]
    wanted = {k: template[k] for k in ("name", "language", "category")}
    return _created(call, {**wanted, "components": components}, "Whatsapp template creation failed")


def _uploaded(component: dict[str, Any]) -> dict[str, Any]:
    """An image header's ``base64_image`` becomes a ``header_handle``, as Meta keeps it."""
    example = component.get("example")
    if not isinstance(example, dict) or "base64_image" not in example:
        return component
    rest = {k: v for k, v in example.items() if k != "base64_image"}
    return {**component, "example": {**rest, "header_handle": ["4::fake-handle"]}}


@ROUTES("POST", "/whatsapp/templates/library/create")
def _create_from_library(call: RestCall) -> RestAnswer:
    template, refused = _template(call, "name", "language", "library_template_name")
    if refused is not None:
        return refused
    text = f"{template['library_template_name']}: {{{{1}}}}"
    stored = {
        "name": template["name"],
        "language": template["language"],
        "category": template.get("category") or "UTILITY",
        "components": [{"type": "BODY", "text": text}],
    }
    return _created(call, stored, "Whatsapp template creation failed")


def _find(call: RestCall, template_id: str) -> dict[str, Any] | None:
    templates = call.state.whatsapp.templates[call.body["waba_id"]]
    return next((t for t in templates if t["id"] == template_id), None)


@ROUTES("POST", "/whatsapp/templates/edit")
@_on_waba("template_id")
def _edit(call: RestCall, body: dict[str, Any]) -> RestAnswer:
    found = _find(call, body["template_id"])
    given = body.get("template")
    change: dict[str, Any] = given if isinstance(given, dict) else {}
    if found is None or not (change.get("category") or change.get("components")):
        return _failure("Whatsapp template edit failed")
    if change.get("category"):
        found["category"] = change["category"]
    for component in change.get("components") or []:
        kept = [c for c in found["components"] if c.get("type") != component.get("type")]
        found["components"] = [*kept, _uploaded(component)]
    return 200, {"success": True, "message": "Whatsapp template updated"}


@ROUTES("POST", "/whatsapp/templates/delete")
@_on_waba("template_name")
def _delete(call: RestCall, body: dict[str, Any]) -> RestAnswer:
    templates = call.state.whatsapp.templates[body["waba_id"]]
    kept = [t for t in templates if t["name"] != body["template_name"]]
    if len(kept) == len(templates):
        return _failure("Whatsapp template deletion failed")
    templates[:] = kept
    return 200, {"success": True, "message": "Whatsapp template deleted"}


@ROUTES("POST", "/whatsapp/templates/test")
@_on_waba("sender", "phone_number", "template")
def _test(call: RestCall, body: dict[str, Any]) -> RestAnswer:
    state, template = call.state.whatsapp, body["template"]
    waba_id = body["waba_id"]
    known = isinstance(template, dict) and any(
        t["name"] == template.get("name") and t["language"] == template.get("language")
        for t in state.templates[waba_id]
    )
    senders = {n["phone_number_id"] for n in state.numbers[waba_id]}
    if not known or body["sender"] not in senders or state.record is None:
        return _failure("Whatsapp template test failed")
    step = {
        "sender": body["sender"],
        "template_name": template["name"],
        "language": template["language"],
        "params": _example_params(template.get("components")),
    }
    message = {
        "flow": [{"whatsapp_template": step}],
        "to": [{"phone_number": body["phone_number"]}],
    }
    message_id = state.record(str(body["phone_number"]), message)
    answer = {"message": "Whatsapp template tested", "wamid": f"wamid.{message_id}"}
    return 200, {"success": True, **answer}


def _example_params(components: Any) -> list[str]:
    """The ``BODY``'s example values: what a test sends as its parameters."""
    for component in components if isinstance(components, list) else []:
        example = component.get("example") if isinstance(component, dict) else None
        rows = example.get("body_text") if isinstance(example, dict) else None
        if component.get("type") == "BODY" and isinstance(rows, list) and rows:
            return [str(value) for value in rows[0]]
    return []


def _whatsapp_sent(call: RestCall, start: float, end: float) -> list[SentRecipient]:
    """The WhatsApp recipients the ledger accepted from ``start`` to ``end``."""
    accepted_at = call.state.accepted_at
    return [
        s
        for s in call.sent
        if channel_of(dict(s.message)).startswith("whatsapp")
        and start <= accepted_at.get(s.message_id, -1) < end
    ]


def _span(call: RestCall, body: Mapping[str, Any]) -> tuple[int, int]:
    now = int(call.state.whatsapp.clock())
    return int(body.get("start") or now - 30 * DAY), int(body.get("end") or now)


def _periods(start: int, end: int, granularity: str) -> Iterable[tuple[int, int]]:
    size = _PERIODS.get(granularity, DAY)
    first = start - start % size
    return ((t, t + size) for t in range(first, end, size))


@ROUTES("POST", "/whatsapp/analytics/messages")
@_on_waba()
def _message_analytics(call: RestCall, body: dict[str, Any]) -> RestAnswer:
    start, end = _span(call, body)
    granularity = body.get("granularity") or "DAY"
    numbers = body.get("phone_numbers")
    points = []
    for low, high in _periods(start, end, granularity):
        sent = [
            s for s in _whatsapp_sent(call, low, high) if not numbers or s.phone_number in numbers
        ]
        if sent:
            delivered = sum(call.state.latest.get(s.message_id) in _DELIVERED for s in sent)
            points.append({"start": low, "end": high, "sent": len(sent), "delivered": delivered})
    answer = {
        "granularity": granularity,
        "phone_numbers": list(numbers or []),
        "country_codes": list(body.get("country_codes") or []),
        "data_points": points,
    }
    return 200, {"success": True, **answer}


def _category_of(call: RestCall, recipient: SentRecipient) -> str:
    step = next(iter(recipient.message["flow"][0].values()))
    for template in call.state.whatsapp.templates.get(call.body["waba_id"], []):
        if template["name"] == step.get("template_name"):
            return str(template["category"])
    return "SERVICE"


@ROUTES("POST", "/whatsapp/analytics/conversations")
@_on_waba()
def _conversation_analytics(call: RestCall, body: dict[str, Any]) -> RestAnswer:
    start, end = _span(call, body)
    categories = body.get("conversation_categories")
    points = []
    for low, high in _periods(start, end, body.get("granularity") or "DAILY"):
        counted: dict[str, int] = {}
        for recipient in _whatsapp_sent(call, low, high):
            category = _category_of(call, recipient)
            if not categories or category in categories:
                counted[category] = counted.get(category, 0) + 1
        for category, conversations in sorted(counted.items()):
            points.append(
                {
                    "start": low,
                    "end": high,
                    "conversation": conversations,
                    "cost": 0.0,
                    "conversation_category": category,
                    "conversation_type": "REGULAR",
                    "conversation_direction": "BUSINESS_INITIATED",
                }
            )
    return 200, {"success": True, "data_points": points}


@ROUTES("POST", "/whatsapp/analytics/templates")
@_on_waba("template_ids")
def _template_analytics(call: RestCall, body: dict[str, Any]) -> RestAnswer:
    if body["waba_id"] not in call.state.whatsapp.insights:
        return _failure("Whatsapp template insights not enabled")
    start, end = _span(call, body)
    granularity = body.get("granularity") or "DAILY"
    data = []
    for template_id in body["template_ids"]:
        found = _find(call, template_id)
        points = []
        for low, high in _periods(start, end, granularity):
            sent = [
                s
                for s in _whatsapp_sent(call, low, high)
                if found is not None
                and next(iter(s.message["flow"][0].values())).get("template_name") == found["name"]
            ]
            if sent:
                delivered = sum(call.state.latest.get(s.message_id) in _DELIVERED for s in sent)
                point = {"start": low, "end": high, "sent": len(sent), "delivered": delivered}
                points.append({**point, "read": 0, "clicked": []})
        data.append({"template_id": template_id, "granularity": granularity, "data_points": points})
    return 200, {"success": True, "data": data, "paging": {"cursors": {}}}


@ROUTES("POST", "/whatsapp/analytics/templates/enable")
@_on_waba()
def _enable(call: RestCall, body: dict[str, Any]) -> RestAnswer:
    call.state.whatsapp.insights.add(body["waba_id"])
    return 200, {"success": True, "result": {"success": True}}
