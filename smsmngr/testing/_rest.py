"""The fake's REST API v1: message status, statistics and credit, read from its ledger.

Statuses follow the delivery reports the fake generated: a recipient is ``sent`` once
its ``sent`` report went out, ``delivered`` once its final one did. Shapes, parameters
and error messages are the OpenAPI's (openapi/rest/restapi_v1.yaml). Tags are the
platform's: normalized and sorted, ``promotional`` when none was given; a ``tag``
filter is normalized the same way before matching.
"""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from ._account_book import BILLING_ID, AccountBook
from ._events import DEFAULT_SENDER, RESULT_INFO, _parts, channel_of
from ._ledger import SentRecipient
from ._lists_state import DEFAULT_SUBID, ListsState
from ._rest_keys import KeyState
from ._rest_messaging import MessagingState
from ._routes import Routes
from ._rules import normalized_tag, stored_tag
from ._whatsapp_state import WhatsAppState

__all__ = [
    "REST_PREFIX",
    "ROUTES",
    "RestAnswer",
    "RestCall",
    "RestHandler",
    "RestState",
    "answer_rest",
]

REST_PREFIX = "/v1/"
PAGE_SIZE = 100
"""Rows per page of ``GET /messages`` (the fake's choice; the reference gives none)."""
PRICE_CZK, PRICE_EUR = "0.89", "0.04"
PRICES: dict[str, Any] = {
    "sms": {
        "420": {"mcc": 230, "price_czk": 0.89, "price_eur": 0.04},
        "49": {"mcc": 262, "price_czk": 1.85, "price_eur": 0.08},
    },
    "viber": {"420": {"mcc": 230, "price_czk": 0.39, "price_eur": 0.016}},
}

RestAnswer = tuple[int, Any]
TIME_ZONE = "Europe/Prague"
"""The account's time zone (``/credit``'s ``tz``): ``GET /messages`` lists by its days."""
SENDERS: Mapping[str, tuple[str, ...]] = {"sms": (DEFAULT_SENDER,)}
"""The key's registered senders by channel (``/apikey/me``) unless the fake is given
others: a message naming none goes from these."""


class RestState:
    """What the REST API knows beyond the ledger: when each recipient was accepted,
    the latest status its reports gave, and the account's credit."""

    def __init__(self, credit_czk: str = "1000", clock: Callable[[], float] = time.time) -> None:
        self.credit_czk = credit_czk
        self.account: AccountBook = AccountBook(clock)
        """The paid services ordered, the low-credit alert and the billing contact."""
        self.accepted_at: dict[str, float] = {}
        self.latest: dict[str, str] = {}
        """The latest reported result of each message id."""
        self.info: dict[str, str] = {}
        """The latest reported ``result_info`` of each message id."""
        self.lists: ListsState = ListsState()
        self.keys: KeyState = KeyState()
        self.whatsapp: WhatsAppState = WhatsAppState()
        self.messaging: MessagingState = MessagingState()

    def reported(self, events: Iterable[Mapping[str, Any]]) -> None:
        for event in events:
            self.latest[event["message_id"]] = event["result"]
            self.info[event["message_id"]] = event["result_info"]


def _iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    moment = dt.datetime.fromtimestamp(int(timestamp), dt.timezone.utc)
    return moment.isoformat().replace("+00:00", "Z")


def _missing(message: str) -> RestAnswer:
    return 400, {"message": message}


@attrs.frozen
class RestCall:
    """One REST API request as the fake's handlers see it: ``path`` after ``/v1``,
    ``body`` the decoded JSON body (``None`` without one), ``params`` the path's
    parameters (``{connector}``), ``sent`` the ledger's recipients, ``headers`` the
    request's (``host`` among them)."""

    method: str
    path: str
    query: Mapping[str, str]
    body: Any
    sent: list[SentRecipient]
    state: RestState
    params: Mapping[str, str] = attrs.field(factory=dict)
    headers: Mapping[str, str] = attrs.field(factory=dict)


RestHandler = Callable[[RestCall], RestAnswer]


def answer_rest(call: RestCall, routes: Mapping[tuple[str, str], RestHandler]) -> RestAnswer:
    """The answer of the handler ``routes`` has for ``call``'s method and path: a path
    given exactly, or a template whose ``{name}`` segments take any one segment."""
    methods = set()
    for (method, template), handler in routes.items():
        params = _matched(template, call.path)
        if params is None:
            continue
        if method == call.method:
            return handler(attrs.evolve(call, params=params))
        methods.add(method)
    if methods:
        return 405, {"message": f"{call.method} is not allowed"}
    return 404, {"message": f"no endpoint {call.path}"}


def _matched(template: str, path: str) -> dict[str, str] | None:
    if "{" not in template:
        return {} if template == path else None
    wanted, given = template.split("/"), path.split("/")
    if len(wanted) != len(given):
        return None
    params = {}
    for part, value in zip(wanted, given, strict=True):
        if part.startswith("{") and part.endswith("}") and value:
            params[part[1:-1]] = value
        elif part != value:
            return None
    return params


ROUTES: Routes[RestHandler] = Routes()
"""The REST API v1 operations answered from the ledger, by method and path."""


@ROUTES("GET", "/credit")
def _credit(call: RestCall) -> RestAnswer:
    credit = {
        "priceLevels": {},
        "credit_czk": call.state.credit_czk,
        "credit_eur": "0",
        "billing_id": BILLING_ID,
        "vat": "1",
        "currency": "czk",
        "tz": TIME_ZONE,
    }
    return 200, {"success": True, "credit": credit}


@ROUTES("GET", "/credit/prices")
def _prices(call: RestCall) -> RestAnswer:
    return 200, {"success": True, "prices": PRICES}


def _status(sent: SentRecipient, state: RestState) -> tuple[str | None, str | None, str | None]:
    """``(status_code, delivery_code, status_info)`` from the latest report."""
    result = state.latest.get(sent.message_id)
    if result is None or result == "sending":
        return None, None, None
    info = state.info.get(sent.message_id) or RESULT_INFO.get(result, result)
    if result in ("delivered", "seen"):
        return "200", "201" if result == "delivered" else "202", info
    if result in ("sent", "undelivered"):
        return "200", None, info
    return None, None, info  # rejected or failed: never sent


@ROUTES("GET", "/message")
def _message(call: RestCall) -> RestAnswer:
    query, sent, state = call.query, call.sent, call.state
    message_id = query.get("id")
    if not message_id:
        return _missing("Missing 'id' in request data")
    found = next((s for s in sent if s.message_id == message_id), None)
    if found is None:
        return 200, {"success": True, "message": None}
    status_code, delivery_code, status_info = _status(found, state)
    accepted_at = state.accepted_at.get(found.message_id)
    message = found.message
    status = {
        "status_code": status_code,
        "delivery_code": delivery_code,
        "status_info": status_info,
        "tag": stored_tag(message),
        "body": message.get("body") or "",
        "to": {"phone_number": found.phone_number},
        "request_id": found.request_id,
        "ts_created": _iso(accepted_at),
        "ts_sent": _iso(accepted_at) if status_code == "200" else None,
        "ts_delivered": _iso(accepted_at) if delivery_code else None,
        "ts_seen": None,
        "ts_clicked": None,
        "ts_updated": _iso(accepted_at),
        "flow": list(message.get("flow") or [{"sms": {}}]),
        "flow_index": "0",
        "flow_status": {"0": {"status_code": status_code, "delivery_code": delivery_code}},
        "price": float(PRICE_CZK) if status_code == "200" else None,
    }
    return 200, {"success": True, "message": status}


def _on(day: str, sent: SentRecipient, state: RestState) -> bool:
    """Whether ``sent`` was accepted on ``day``, a day in the account's time zone."""
    accepted_at = state.accepted_at.get(sent.message_id)
    if accepted_at is None:
        return False
    moment = dt.datetime.fromtimestamp(accepted_at, zoneinfo.ZoneInfo(TIME_ZONE))
    return moment.date().isoformat() == day


def _row(sent: SentRecipient, state: RestState) -> dict[str, Any]:
    status_code, delivery_code, _ = _status(sent, state)
    accepted_at = _iso(state.accepted_at.get(sent.message_id))
    message = sent.message
    body = _first_step(message).get("body") or message.get("body") or ""
    delivered = int(delivery_code is not None)
    return {
        "message_id": sent.message_id,
        "message_parts": _parts(body),
        "ts_sent": accepted_at if status_code == "200" else None,
        "ts_delivered": accepted_at if delivered else None,
        "ts_updated": accepted_at,
        "ts_clicked": None,
        "ts_seen": None,
        "ts_replied": None,
        "ts_optout": None,
        "sent": int(status_code == "200"),
        "delivered": delivered,
        "seen": 0,
        "clicked": 0,
        "replied": 0,
        "optout": 0,
        "nondelivered": int(state.latest.get(sent.message_id) == "undelivered"),
        "body": body,
        "flow": channel_of(dict(message)),
        "sender": _sender(message, state),
        "phone_number": sent.phone_number,
        "price_czk": PRICE_CZK if status_code == "200" else "0",
        "price_eur": PRICE_EUR if status_code == "200" else "0",
    }


def _first_step(message: Mapping[str, Any]) -> Mapping[str, Any]:
    """The step a row shows (the fake sends by the first)."""
    flow = message.get("flow")
    step = next(iter(flow[0].values())) if flow else {}
    return step if isinstance(step, Mapping) else {}


def _sender(message: Mapping[str, Any], state: RestState) -> str:
    """The sender a row shows: the step's, the message's, or one the key registered."""
    step = _first_step(message)
    registered = state.keys.registered(channel_of(dict(message)))
    return str(step.get("sender") or message.get("sender") or registered)


def _sent_of(call: RestCall) -> list[SentRecipient]:
    """What the key sent, as the sub-account ``subid`` reads it: the JSON API sends on
    the account's own (``default``), so another sub-account has sent nothing."""
    return call.sent if call.query.get("subid", DEFAULT_SUBID) == DEFAULT_SUBID else []


def _sent_on(call: RestCall, day: str, tag: str | None = None) -> list[SentRecipient]:
    """What the key sent on ``day`` (in the account's time zone), with ``tag`` if given."""
    wanted = None if tag is None else normalized_tag(tag)
    return [
        s
        for s in _sent_of(call)
        if _on(day, s, call.state) and (wanted is None or stored_tag(s.message) == wanted)
    ]


@ROUTES("GET", "/messages")
def _messages(call: RestCall) -> RestAnswer:
    query, state = call.query, call.state
    day = query.get("date")
    if not day:
        return _missing("Missing 'date' or 'xapikey' in request data")
    phone_number = query.get("phone_number")
    rows = [
        s
        for s in _sent_on(call, day, query.get("tag"))
        if phone_number is None or s.phone_number == phone_number
    ]
    start = int(query.get("cursor") or 0)
    page = rows[start : start + PAGE_SIZE]
    following = start + PAGE_SIZE
    next_cursor = str(following) if following < len(rows) else None
    answer = {
        "success": True,
        "messages": [_row(s, state) for s in page],
        "next_cursor": next_cursor,
    }
    return 200, answer


def _counts(recipients: list[SentRecipient], state: RestState) -> dict[str, int]:
    rows = [_row(s, state) for s in recipients]
    return {
        "count_delivered": sum(r["delivered"] for r in rows),
        "count_nondelivered": sum(r["nondelivered"] for r in rows),
        "count_sent": sum(r["sent"] for r in rows),
        "count_notsent": sum(1 - r["sent"] for r in rows),
        "count_replied": 0,
        "count_optout": 0,
        "msg_sent": sum(r["message_parts"] * r["sent"] for r in rows),
    }


@ROUTES("GET", "/request")
def _request(call: RestCall) -> RestAnswer:
    state = call.state
    day, request_id = call.query.get("date"), call.query.get("id")
    if not day or not request_id:
        return _missing("Missing 'date' or 'request_id' in request data")
    recipients = [s for s in _sent_on(call, day) if s.request_id == request_id]
    if not recipients:
        return 200, {"success": True, "request": None}
    counts = _counts(recipients, state)
    times = sorted(state.accepted_at[s.message_id] for s in recipients)
    stats = {
        **{name: str(value) for name, value in counts.items()},
        "price_czk": f"{counts['count_sent'] * float(PRICE_CZK):g}",
        "price_eur": f"{counts['count_sent'] * float(PRICE_EUR):g}",
        "first_ts_sent": _iso(times[0]),
        "last_ts_sent": _iso(times[-1]),
    }
    return 200, {"success": True, "request": stats}


@ROUTES("GET", "/requests")
def _requests(call: RestCall) -> RestAnswer:
    state = call.state
    dates = call.query.get("dates")
    if not dates:
        return _missing("Missing 'dates' or 'xapikey' in request data")
    days = []
    for day in dates.split(","):
        recipients = _sent_on(call, day, call.query.get("tag"))  # by tag: the fake's choice
        if not recipients:
            continue
        times = sorted(state.accepted_at[s.message_id] for s in recipients)
        tags = sorted({stored_tag(s.message) for s in recipients})
        stats: dict[str, Any] = {
            **_counts(recipients, state),
            "count_seen": 0,
            "count_clicked": 0,
            "first_ts_sent": _iso(times[0]),
            "last_ts_sent": _iso(times[-1]),
            "msg_mccmnc": {},
        }
        days.append({"date": day, "tags": tags, "stats": stats})
    return 200, {"success": True, "requests": days}
