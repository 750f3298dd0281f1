"""The fake's sending API (JSON API v2): ``/message``, ``/message/priority``,
``/messages`` and ``/simple/message``, with the fault plan and the ledger they feed.

Every call is numbered, for the fault plan, and recorded in the ledger, unknown paths
included (under their own path, answered 404). A known path checks, in this order,
the method (405), the API key (400, the sending API's documented body), the
``Content-Type`` (415) and the request against the reference (400,
``{"Message": ...}``); an accepted recipient is recorded with the platform's form of
its number.
"""

from __future__ import annotations

import itertools
import json
import random
import uuid
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from ._answer import Answer, Request
from ._faults import Fault, FaultKind, FaultPlan
from ._ledger import CallRecord, Ledger, SentRecipient
from ._rules import SIMPLE_FIELDS, message_problem, simple_fields, stored_number

__all__ = ["SendingState", "answer_sending"]

_STATUS_OF_UNPROCESSED = {FaultKind.RATE_LIMIT: 429}
_STATUS_AFTER_PROCESSING = {FaultKind.SERVER_ERROR: 500, FaultKind.UNAVAILABLE: 503}
_ANSWERED_UNACCEPTED = (FaultKind.NOT_ACCEPTED, FaultKind.LEFT_OUT)
_JSON, _FORM = "application/json", "application/x-www-form-urlencoded"
# The OpenAPI's 415 example, verbatim (its trailing space included).
UNSUPPORTED_MEDIA_TYPE_BODY = {"message": "Unsupported Media Type "}
# The sending endpoints answer a wrong key with this 400 (OpenAPI, reference/errors.mdx).
WRONG_KEY_BODY = {"Message": "User is not authorized to access this resource with an explicit deny"}

Accepted = tuple[str, Any, tuple[str, ...]]
"""A processed call: its request id, the body answered, every number it carried."""


class SendingState:
    """The sending API's own state: its seeded ids and call numbers, and the ledger
    and acceptance times it writes (shared with the REST API, which reads them)."""

    def __init__(
        self, *, seed: int, ledger: Ledger, accepted_at: dict[str, float], calling_code: str
    ) -> None:
        self.ledger = ledger
        self.accepted_at = accepted_at
        self.calling_code = calling_code
        self._ids = random.Random(seed)  # noqa: S311 (ids, not secrets)
        self._call_numbers = itertools.count(1)

    def next_call(self) -> int:
        """The number of the next call (1-based): what a fault plan counts."""
        return next(self._call_numbers)

    def new_id(self) -> str:
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

    def sent(
        self,
        recipient: tuple[str, str, str],
        endpoint: str,
        call_number: int,
        message: Mapping[str, Any],
        clock: Callable[[], float],
    ) -> None:
        """Record one accepted ``(phone_number, message_id, request_id)``."""
        phone_number, message_id, request_id = recipient
        self.ledger.accepted_count += 1
        if self.ledger.detail == "full":
            self.accepted_at[message_id] = clock()
            number = stored_number(phone_number, self.calling_code)
            self.ledger.sent.append(
                SentRecipient(number, message_id, request_id, endpoint, call_number, message)
            )


class _Refused(Exception):
    def __init__(self, status: int, error: str, body: Any = None) -> None:
        self.status = status
        # The sending API's error shape (the OpenAPI's 400 of every sending endpoint).
        self.body = body if body is not None else {"Message": error}


class _Call:
    """One call to a known endpoint, while it is processed."""

    def __init__(
        self, state: SendingState, endpoint: str, number: int, clock: Callable[[], float]
    ) -> None:
        self.state, self.endpoint, self.number, self.clock = state, endpoint, number, clock

    def sent(self, recipient: tuple[str, str, str], message: Mapping[str, Any]) -> None:
        self.state.sent(recipient, self.endpoint, self.number, message, self.clock)


def _message(call: _Call, request: Request) -> Accepted:
    payload = _json(request.body)
    problem = message_problem(payload)
    if problem:
        raise _Refused(400, problem)
    request_id = call.state.new_id()
    accepted = []
    numbers = tuple(r["phone_number"] for r in payload["to"])
    for index, phone_number in enumerate(numbers):
        message_id = call.state.new_id()
        accepted.append({"key": str(index), "message_id": message_id})
        call.sent((phone_number, message_id, request_id), payload)
    return request_id, {"request_id": request_id, "accepted": accepted, "rejected": []}, numbers


def _batch(call: _Call, request: Request) -> Accepted:
    messages = _json(request.body)
    if not isinstance(messages, list) or not 1 <= len(messages) <= 10:
        raise _Refused(400, "messages: must be an array of 1 to 10 messages")
    for index, message in enumerate(messages):
        problem = message_problem(message, f"messages[{index}]")
        if problem:
            raise _Refused(400, problem)
    request_id = call.state.new_id()
    accepted = []
    for index, message in enumerate(messages):
        message_id = call.state.new_id()
        accepted.append({"key": str(index), "message_id": message_id})
        for position, recipient in enumerate(message["to"]):
            call.sent((recipient["phone_number"], f"{message_id}-{position}", request_id), message)
    every_number = tuple(r["phone_number"] for m in messages for r in m["to"])
    return (
        request_id,
        {"request_id": request_id, "accepted": accepted, "rejected": []},
        every_number,
    )


def _simple_query(call: _Call, request: Request) -> Accepted:
    return _simple(call, simple_fields(request.query))


def _simple_form(call: _Call, request: Request) -> Accepted:
    form = parse_qsl(request.body.decode("utf-8", "replace"))
    return _simple(call, simple_fields(dict(form)))


def _simple(call: _Call, fields: Mapping[str, str]) -> Accepted:
    unknown = set(fields) - SIMPLE_FIELDS
    if unknown:
        raise _Refused(400, f"unknown fields: {', '.join(sorted(unknown))}")
    phone_number, text = fields.get("phone_number"), fields.get("message")
    sender = fields.get("sender")
    request_id = call.state.new_id()
    if not phone_number or not text or not sender:
        # The OpenAPI's "Rejected missing parameter".
        return request_id, {"request_id": request_id, "accepted": False}, ()
    message_id = call.state.new_id()
    message: dict[str, Any] = {"body": text, "to": [{"phone_number": phone_number}]}
    message["sender"] = sender
    if "customID" in fields:  # the OpenAPI: stored in the payload, as customID
        message["payload"] = {"customID": fields["customID"]}
    call.sent((phone_number, message_id, request_id), message)
    body = {"request_id": request_id, "message_id": message_id, "accepted": True}
    return request_id, body, (phone_number,)


_Operation = Callable[[_Call, Request], Accepted]
# (method, exact path: the default base URL's /v2 and the endpoint) -> (the endpoint,
# as the ledger counts it; what answers it; the Content-Type it takes, None for a GET).
_ROUTES: dict[tuple[str, str], tuple[str, _Operation, str | None]] = {
    ("POST", "/v2/message"): ("/message", _message, _JSON),
    ("POST", "/v2/message/priority"): ("/message/priority", _message, _JSON),
    ("POST", "/v2/messages"): ("/messages", _batch, _JSON),
    ("POST", "/v2/simple/message"): ("/simple/message", _simple_form, _FORM),
    ("GET", "/v2/simple/message"): ("/simple/message", _simple_query, None),
}
_ENDPOINTS = {path: endpoint for (_, path), (endpoint, _, _) in _ROUTES.items()}


def answer_sending(
    request: Request,
    state: SendingState,
    *,
    api_key: str,
    faults: FaultPlan | None,
    clock: Callable[[], float],
) -> Answer:
    """Answer one call to the sending API, applying ``faults`` and recording it."""
    number = state.next_call()
    endpoint = _ENDPOINTS.get(request.path, request.path)
    body = request.body
    fault = faults.fault_for(number) if faults is not None else None
    if fault is not None and fault.kind in _ANSWERED_UNACCEPTED:
        request_id = state.new_id()
        _record(state, number, endpoint, 200, fault, request_id, _numbers_in(state, body))
        return Answer(200, _unaccepted(endpoint, body, fault.kind, request_id), fault=fault)
    if fault is not None and not fault.kind.processes:
        status = _STATUS_OF_UNPROCESSED.get(fault.kind)
        _record(state, number, endpoint, status, fault, None, _numbers_in(state, body))
        retry_headers = {"retry-after": f"{fault.retry_after:g}"} if status == 429 else {}
        return Answer(status, {"error": "injected fault"}, retry_headers, fault)
    try:
        call = _Call(state, endpoint, number, clock)
        request_id, answer_body, numbers = _process(request, call, api_key)
    except _Refused as refused:
        _record(state, number, endpoint, refused.status, fault, None, _numbers_in(state, body))
        return Answer(refused.status, refused.body, fault=fault)
    status = 200
    if fault is not None and fault.kind in _STATUS_AFTER_PROCESSING:
        status = _STATUS_AFTER_PROCESSING[fault.kind]
        answer_body = {"error": "injected fault after processing"}
    elif fault is not None and fault.kind is FaultKind.DROP_AFTER:
        status = None
    _record(state, number, endpoint, status, fault, request_id, numbers, processed=True)
    return Answer(status, answer_body, fault=fault)


def _process(request: Request, call: _Call, api_key: str) -> Accepted:
    route = _ROUTES.get((request.method, request.path))
    if route is None:
        if request.path in _ENDPOINTS:
            raise _Refused(405, f"{request.method} is not allowed on {call.endpoint}")
        raise _Refused(404, f"no endpoint {request.path}")
    _, operation, content_type = route
    headers = request.headers
    key = request.query.get("apikey") if content_type is None else headers.get("x-api-key")
    if key != api_key:
        raise _Refused(400, "wrong API key", WRONG_KEY_BODY)
    # Checked synchronously, after the key (concepts/request-acceptance.mdx).
    if content_type is not None and _media_type(headers) != content_type:
        raise _Refused(415, "Unsupported Media Type", UNSUPPORTED_MEDIA_TYPE_BODY)
    return operation(call, request)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        raise _Refused(400, "the body is not JSON") from None


def _media_type(headers: Mapping[str, str]) -> str:
    """``application/json`` of ``application/json; charset=utf-8``."""
    return headers.get("content-type", "").partition(";")[0].strip().lower()


def _unaccepted(endpoint: str, body: bytes, kind: FaultKind, request_id: str) -> Any:
    """A 200 that accepts nothing: every entry in ``rejected``, or in neither list."""
    if endpoint == "/simple/message":
        return {"request_id": request_id, "accepted": False}
    try:
        payload = json.loads(body)
    except ValueError:
        payload = []
    if endpoint == "/messages":
        entries = len(payload) if isinstance(payload, list) else 0
    else:
        to = payload.get("to") if isinstance(payload, dict) else None
        entries = len(to) if isinstance(to, list) else 0
    rejected = (
        [{"key": str(key)} for key in range(entries)] if kind is FaultKind.NOT_ACCEPTED else []
    )
    return {"request_id": request_id, "accepted": [], "rejected": rejected}


def _numbers_in(state: SendingState, body: bytes) -> tuple[str, ...]:
    """Every recipient a call's body names, for the ledger (none when it keeps counts)."""
    if state.ledger.detail != "full":
        return ()
    try:
        payload = json.loads(body)
    except ValueError:
        return ()
    messages = payload if isinstance(payload, list) else [payload]
    return tuple(
        recipient["phone_number"]
        for message in messages
        if isinstance(message, dict) and isinstance(message.get("to"), list)
        for recipient in message["to"]
        if isinstance(recipient, dict) and isinstance(recipient.get("phone_number"), str)
    )


def _record(
    state: SendingState,
    number: int,
    endpoint: str,
    status: int | None,
    fault: Fault | None,
    request_id: str | None,
    phone_numbers: tuple[str, ...],
    *,
    processed: bool = False,
) -> None:
    ledger = state.ledger
    ledger.call_counts[endpoint] += 1
    if processed:
        ledger.processed_call_counts[endpoint] += 1
    if ledger.detail == "full":
        kind = fault.kind if fault is not None else None
        ledger.calls.append(
            CallRecord(number, endpoint, status, processed, kind, request_id, phone_numbers)
        )
