"""``FakeSmsManager``: the API in memory, as strict as the real one, with a ledger."""

from __future__ import annotations

import email.utils
import itertools
import json
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal
from urllib.parse import parse_qsl

import anyio
import attrs
import httpx

from .._account import calling_code
from .._async_client import AsyncClient
from .._retry import RetryPolicy
from .._sync_client import Client
from ._asgi import FakeASGIApp
from ._events import inbound_event, reply_event, status_event
from ._faults import Fault, FaultKind, FaultPlan
from ._ledger import CallRecord, Ledger, SentRecipient
from ._rest import REST_PREFIX, RestState, answer_rest
from ._rules import (
    SIMPLE_FIELDS,
    message_problem,
    normalized_number,
    simple_fields,
    stored_number,
)
from ._verify import VERIFY_PATHS, VerifyState, answer_verify

__all__ = ["FakeSmsManager"]

ENDPOINTS = ("/message/priority", "/simple/message", "/messages", "/message")
_STATUS_OF_UNPROCESSED = {FaultKind.RATE_LIMIT: 429}
_STATUS_AFTER_PROCESSING = {FaultKind.SERVER_ERROR: 500, FaultKind.UNAVAILABLE: 503}
_JSON, _FORM = "application/json", "application/x-www-form-urlencoded"
# The OpenAPI's 415 example, verbatim (its trailing space included).
UNSUPPORTED_MEDIA_TYPE_BODY = {"message": "Unsupported Media Type "}
_WEBHOOK_EPOCH = 1_700_000_000
# Clients made by the fake wait a millisecond, not seconds, before retrying.
FAST_RETRY = RetryPolicy(backoff_base=0.001, backoff_max=0.01)


@attrs.frozen
class Answer:
    """What the fake answers one request: a status and body, or a failed connection."""

    status: int | None
    body: Any = None
    headers: Mapping[str, str] = attrs.Factory(dict)
    fault: Fault | None = None


class _Refused(Exception):
    def __init__(self, status: int, error: str, body: Any = None) -> None:
        self.status = status
        # The sending API's error shape (the OpenAPI's 400 of every sending endpoint).
        self.body = body if body is not None else {"Message": error}


# The sending endpoints answer a wrong key with this 400 (OpenAPI, reference/errors.mdx).
WRONG_KEY_BODY = {"Message": "User is not authorized to access this resource with an explicit deny"}
TEST_NUMBER = "420777777777"
"""guides/testing.mdx: processed, never delivered, and no delivery report."""
_ANSWERED_UNACCEPTED = (FaultKind.NOT_ACCEPTED, FaultKind.LEFT_OUT)


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


class FakeSmsManager:
    """An in-memory SmsManager JSON API v2 for tests, demos and benchmarks.

    It checks the API key (a wrong one gets the sending API's documented 400) and the
    ``Content-Type`` (415), validates every request against the reference (400,
    ``{"Message": ...}``), and answers with the documented shapes and fresh ids; where
    the reference is silent, its choices are listed in docs/testing.md. As the
    platform does, it judges numbers and credit
    after accepting (phase 2): an invalid number, or one listed in ``refused_numbers``
    (say, without credit), is accepted and gets a ``rejected`` delivery report. It
    keeps a ``ledger`` of every call and every accepted recipient. ``faults`` injects
    failures (``FaultKind.NOT_ACCEPTED`` and ``LEFT_OUT`` answer 200 without accepting);
    ``ledger="counts"`` keeps counters only, for very large runs. It serves the REST
    API v1's reads too (message status, statistics, ``credit_czk``, prices), from the
    ledger and the delivery reports it generated, under ``/v1/``, and the Verify API
    with its limits (``verification_secret`` adds proofs; ``code_sent_to(number)`` gives
    the code a user would have received).

    ``clock`` is the platform's time: every answer carries it as its ``Date``, and
    messages are listed by their day in the account's time zone (``Europe/Prague``).
    ``account_country`` (``"CZ"`` by default) is the country the account is registered
    in: a national number (9 digits or fewer once normalized, the fake's reading: the
    reference does not say how the platform tells) is stored with its calling code, as
    the platform does, so ``0777 123 456`` is stored and listed as ``420777123456``.
    Clients it makes are given the same ``account_country``.

    Example::

        fake = FakeSmsManager()
        async with fake.async_client() as client:
            await client.send(Message("Hi", to=["420777123456"]))
        assert fake.ledger.sent[0].phone_number == "420777123456"
    """

    def __init__(
        self,
        api_key: str = "test-api-key",
        *,
        refused_numbers: Iterable[str] = (),
        final_results: Mapping[str, str] | None = None,
        faults: FaultPlan | None = None,
        seed: int = 0,
        ledger: Literal["full", "counts"] = "full",
        credit_czk: str = "1000",
        verification_secret: str | None = None,
        clock: Callable[[], float] = time.time,
        account_country: str = "CZ",
    ) -> None:
        self.api_key = api_key
        self.account_country = account_country
        self._calling_code = calling_code(account_country) or ""
        self.clock = clock
        """The platform's time (seconds since the epoch)."""
        self.refused_numbers: set[str] = {normalized_number(n) or n for n in refused_numbers}
        self.final_results: dict[str, str] = dict(final_results or {})
        self.faults = faults
        self.ledger: Ledger = Ledger(detail=ledger)
        self.rest: RestState = RestState(credit_czk=credit_czk)
        """What the REST API v1 serves beyond the ledger (credit, latest statuses)."""
        self.verify: VerifyState = VerifyState(seed=seed, secret=verification_secret, clock=clock)
        """The Verify API's sessions (``clock`` tells its time, for expiry)."""
        self._ids = random.Random(seed)  # noqa: S311 (ids, not secrets)
        self._call_numbers = itertools.count(1)
        self._clock = itertools.count(_WEBHOOK_EPOCH)
        self._reported = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<FakeSmsManager calls={sum(self.ledger.call_counts.values())}>"

    # -- ways to plug it in -----------------------------------------------------------

    @property
    def transport(self) -> FakeTransport:
        """An httpx transport (sync and async) that answers from this fake."""
        return FakeTransport(self)

    def async_client(self, **options: Any) -> AsyncClient:
        """An ``AsyncClient`` wired to this fake; ``options`` go to its constructor."""
        return AsyncClient(**self._client_options(options))

    def client(self, **options: Any) -> Client:
        """A blocking ``Client`` wired to this fake; ``options`` go to its constructor."""
        return Client(**self._client_options(options))

    def _client_options(self, options: dict[str, Any]) -> dict[str, Any]:
        defaults = {
            "api_key": self.api_key,
            "retry": FAST_RETRY,
            "account_country": self.account_country,
        }
        if "http_client" not in options:
            defaults["http_client"] = httpx.AsyncClient(transport=self.transport)
        return {**defaults, **options}

    @property
    def asgi_app(self) -> FakeASGIApp:
        """This fake as an ASGI application, to serve on loopback (``uvicorn``)."""
        return FakeASGIApp(self)

    # -- the API ----------------------------------------------------------------------

    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> Answer:
        """Answer one request, applying the fault plan and recording it in the ledger."""
        verify_path = path[path.find("/v1/") :] if "/v1/" in path else ""
        if verify_path.startswith(VERIFY_PATHS):
            with self._lock:
                verify_status, verify_answer = answer_verify(
                    method, verify_path, headers, body, self.verify, self.api_key, self._code_sent
                )
            return Answer(verify_status, verify_answer)
        if REST_PREFIX in path:
            return self._answer_rest(method, path, query, headers)
        with self._lock:
            number = next(self._call_numbers)
            endpoint = next((e for e in ENDPOINTS if path.endswith(e)), path)
            fault = self.faults.fault_for(number) if self.faults is not None else None
            if fault is not None and fault.kind in _ANSWERED_UNACCEPTED:
                request_id = self._new_id()
                self._record(number, endpoint, 200, fault, request_id, self._numbers_in(body))
                return Answer(200, _unaccepted(endpoint, body, fault.kind, request_id), fault=fault)
            if fault is not None and not fault.kind.processes:
                status = _STATUS_OF_UNPROCESSED.get(fault.kind)
                self._record(number, endpoint, status, fault, None, self._numbers_in(body))
                retry_headers = {"retry-after": f"{fault.retry_after:g}"} if status == 429 else {}
                return Answer(status, {"error": "injected fault"}, retry_headers, fault)
            try:
                request_id, answer_body, numbers = self._process(
                    method, endpoint, query, headers, body, number
                )
            except _Refused as refused:
                self._record(number, endpoint, refused.status, fault, None, self._numbers_in(body))
                return Answer(refused.status, refused.body, fault=fault)
            status = 200
            if fault is not None and fault.kind in _STATUS_AFTER_PROCESSING:
                status = _STATUS_AFTER_PROCESSING[fault.kind]
                answer_body = {"error": "injected fault after processing"}
            elif fault is not None and fault.kind is FaultKind.DROP_AFTER:
                status = None
            self._record(number, endpoint, status, fault, request_id, numbers, processed=True)
            return Answer(status, answer_body, fault=fault)

    def _process(
        self,
        method: str,
        endpoint: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
        call_number: int,
    ) -> tuple[str, Any, tuple[str, ...]]:
        if endpoint not in ENDPOINTS:
            raise _Refused(404, f"no endpoint {endpoint}")
        simple = endpoint == "/simple/message"
        if method != "POST" and not (simple and method == "GET"):
            raise _Refused(405, f"{method} is not allowed on {endpoint}")
        key = query.get("apikey") if simple and method == "GET" else headers.get("x-api-key")
        if key != self.api_key:
            raise _Refused(400, "wrong API key", WRONG_KEY_BODY)
        # Checked synchronously, after the key (concepts/request-acceptance.mdx).
        if method == "POST" and _media_type(headers) != (_FORM if simple else _JSON):
            raise _Refused(415, "Unsupported Media Type", UNSUPPORTED_MEDIA_TYPE_BODY)
        if simple:
            fields = query if method == "GET" else dict(parse_qsl(body.decode("utf-8", "replace")))
            return self._accept_simple(simple_fields(fields), call_number)
        try:
            payload = json.loads(body)
        except ValueError:
            raise _Refused(400, "the body is not JSON") from None
        if endpoint == "/messages":
            if not isinstance(payload, list) or not 1 <= len(payload) <= 10:
                raise _Refused(400, "messages: must be an array of 1 to 10 messages")
            for index, message in enumerate(payload):
                problem = message_problem(message, f"messages[{index}]")
                if problem:
                    raise _Refused(400, problem)
            return self._accept_batch(payload, call_number)
        problem = message_problem(payload)
        if problem:
            raise _Refused(400, problem)
        return self._accept_message(payload, endpoint, call_number)

    def _answer_rest(
        self, method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str]
    ) -> Answer:
        """The REST API v1: reads from the ledger, outside the fault plan (which numbers
        the sending calls)."""
        if headers.get("x-api-key") != self.api_key:
            # The fake's choice: the REST reference documents no answer to a wrong key.
            return Answer(401, {"message": "Unauthorized"})
        if method != "GET":
            return Answer(405, {"message": f"{method} is not allowed"})
        with self._lock:
            rest_path = path[path.index(REST_PREFIX) + len(REST_PREFIX) - 1 :]
            status, body = answer_rest(rest_path, query, self.ledger.sent, self.rest)
        return Answer(status, body)

    def _code_sent(self, phone_number: str, text: str) -> None:
        """A Verify API code, sent as an SMS the ledger records."""
        message = {"body": text, "to": [{"phone_number": phone_number}]}
        self._sent(phone_number, self._new_id(), self._new_id(), "/v1/validations", 0, message)

    def code_sent_to(self, phone_number: str) -> str:
        """The last Verify API code sent to ``phone_number`` (what the user would type),
        in any form ``verify.start`` accepted: ``code_sent_to("+420 777 123 456")``."""
        number = normalized_number(phone_number)
        for session in reversed(list(self.verify.sessions.values())):
            if session.phone_number == number:
                return session.code
        raise LookupError(f"no code was sent to {phone_number}")

    def _new_id(self) -> str:
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

    def _phase_two_result(self, phone_number: str) -> tuple[str, str] | None:
        """The ``rejected`` report of a message refused after acceptance, if it is."""
        number = normalized_number(phone_number)
        if number is None:
            return ("rejected", "[302] Invalid phone number format")
        if number in self.refused_numbers:
            return ("rejected", "[307] Insufficient credit")
        return None

    def _accept_message(
        self, message: dict[str, Any], endpoint: str, call_number: int
    ) -> tuple[str, Any, tuple[str, ...]]:
        request_id = self._new_id()
        accepted: list[dict[str, str]] = []
        rejected: list[dict[str, str]] = []
        numbers = tuple(r["phone_number"] for r in message["to"])
        for index, phone_number in enumerate(numbers):
            message_id = self._new_id()
            accepted.append({"key": str(index), "message_id": message_id})
            self._sent(phone_number, message_id, request_id, endpoint, call_number, message)
        body = {"request_id": request_id, "accepted": accepted, "rejected": rejected}
        return request_id, body, numbers

    def _accept_batch(
        self, messages: list[dict[str, Any]], call_number: int
    ) -> tuple[str, Any, tuple[str, ...]]:
        request_id = self._new_id()
        accepted: list[dict[str, str]] = []
        rejected: list[dict[str, str]] = []
        for index, message in enumerate(messages):
            numbers = [r["phone_number"] for r in message["to"]]
            message_id = self._new_id()
            accepted.append({"key": str(index), "message_id": message_id})
            for position, phone_number in enumerate(numbers):
                self._sent(
                    phone_number,
                    f"{message_id}-{position}",
                    request_id,
                    "/messages",
                    call_number,
                    message,
                )
        body = {"request_id": request_id, "accepted": accepted, "rejected": rejected}
        every_number = tuple(r["phone_number"] for m in messages for r in m["to"])
        return request_id, body, every_number

    def _accept_simple(
        self, fields: Mapping[str, str], call_number: int
    ) -> tuple[str, Any, tuple[str, ...]]:
        unknown = set(fields) - SIMPLE_FIELDS
        if unknown:
            raise _Refused(400, f"unknown fields: {', '.join(sorted(unknown))}")
        phone_number, text = fields.get("phone_number"), fields.get("message")
        sender = fields.get("sender")
        if not phone_number or not text or not sender:
            request_id = self._new_id()  # the OpenAPI's "Rejected missing parameter"
            return request_id, {"request_id": request_id, "accepted": False}, ()
        request_id = self._new_id()
        message_id = self._new_id()
        message: dict[str, Any] = {
            "body": text,
            "to": [{"phone_number": phone_number}],
            "sender": sender,
        }
        if "customID" in fields:  # the OpenAPI: stored in the payload, as customID
            message["payload"] = {"customID": fields["customID"]}
        self._sent(phone_number, message_id, request_id, "/simple/message", call_number, message)
        body = {"request_id": request_id, "message_id": message_id, "accepted": True}
        return request_id, body, (phone_number,)

    # -- the ledger -------------------------------------------------------------------

    def _sent(
        self,
        phone_number: str,
        message_id: str,
        request_id: str,
        endpoint: str,
        call_number: int,
        message: dict[str, Any],
    ) -> None:
        self.ledger.accepted_count += 1
        if self.ledger.detail == "full":
            self.rest.accepted_at[message_id] = self.clock()
            phone_number = stored_number(phone_number, self._calling_code)
            self.ledger.sent.append(
                SentRecipient(phone_number, message_id, request_id, endpoint, call_number, message)
            )

    def _numbers_in(self, body: bytes) -> tuple[str, ...]:
        if self.ledger.detail != "full":
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
        self,
        number: int,
        endpoint: str,
        status: int | None,
        fault: Fault | None,
        request_id: str | None,
        phone_numbers: tuple[str, ...],
        *,
        processed: bool = False,
    ) -> None:
        ledger = self.ledger
        ledger.call_counts[endpoint] += 1
        if processed:
            ledger.processed_call_counts[endpoint] += 1
        if ledger.detail == "full":
            kind = fault.kind if fault is not None else None
            ledger.calls.append(
                CallRecord(number, endpoint, status, processed, kind, request_id, phone_numbers)
            )

    # -- webhooks ---------------------------------------------------------------------

    def delivery_reports(self) -> list[dict[str, Any]]:
        """Status events for every recipient accepted since the last call, in the
        documented order (guides/webhooks.mdx): ``sending``, ``sent``, then the final
        result (``final_results[number]``, ``delivered`` by default). A number that is
        invalid or in ``refused_numbers`` gets one ``rejected`` report instead (phase 2),
        and the test number 420777777777 gets none."""
        with self._lock:
            pending = self.ledger.sent[self._reported :]
            self._reported = len(self.ledger.sent)
            events = []
            for sent in pending:
                if normalized_number(sent.phone_number) == TEST_NUMBER:
                    continue
                refused = self._phase_two_result(sent.phone_number)
                if refused is not None:
                    result, info = refused
                    events.append(
                        status_event(sent, result, timestamp=next(self._clock), info=info)
                    )
                    continue
                final = self.final_results.get(sent.phone_number, "delivered")
                if final != "rejected":
                    for step in ("sending", "sent"):
                        events.append(status_event(sent, step, timestamp=next(self._clock)))
                events.append(status_event(sent, final, timestamp=next(self._clock)))
            self.rest.reported(events)
            return events

    def reply(self, sent: SentRecipient, body: str) -> dict[str, Any]:
        """The event of ``sent``'s recipient replying ``body``."""
        return reply_event(sent, body, timestamp=next(self._clock))

    def inbound(
        self, sender: str, recipient: str, body: str, *, gateway: str = "sms"
    ) -> dict[str, Any]:
        """The event of a message arriving at ``recipient`` that answers nothing."""
        return inbound_event(sender, recipient, body, gateway=gateway, timestamp=next(self._clock))

    def webhook_requests(self) -> list[tuple[str | None, list[dict[str, Any]]]]:
        """Pending delivery reports grouped as the platform POSTs them: one JSON array per
        callback URL (``None`` for messages without one: the account's webhook)."""
        by_callback: dict[str | None, list[dict[str, Any]]] = {}
        sent_by_id = {s.message_id: s for s in self.ledger.sent}
        for event in self.delivery_reports():
            callback = sent_by_id[event["message_id"]].message.get("callback")
            url = callback.get("url") if isinstance(callback, dict) else callback
            by_callback.setdefault(url, []).append(event)
        return list(by_callback.items())

    async def deliver_webhooks(
        self, http_client: httpx.AsyncClient, *, default_url: str | None = None
    ) -> list[httpx.Response]:
        """POST pending delivery reports to each message's ``callback`` URL (or
        ``default_url`` for messages without one) and return the answers."""
        responses = []
        for url, events in self.webhook_requests():
            target = url or default_url
            if target is not None:
                responses.append(await http_client.post(target, json=events))
        return responses


class FakeTransport(httpx.AsyncBaseTransport, httpx.BaseTransport):
    """Answers httpx requests from a ``FakeSmsManager``, raising the injected
    connection faults as the network would."""

    def __init__(self, fake: FakeSmsManager) -> None:
        self._fake = fake

    def _answer(self, request: httpx.Request) -> Answer:
        answer = self._fake.handle(
            request.method,
            request.url.path,
            dict(request.url.params),
            request.headers,
            request.content,
        )
        # The platform's clock, as a client learns it (the Date of every answer).
        date = email.utils.formatdate(self._fake.clock(), usegmt=True)
        return attrs.evolve(answer, headers={"date": date, **answer.headers})

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        answer = self._answer(request)
        if answer.fault is not None and answer.fault.kind is FaultKind.SLOW:
            await anyio.sleep(answer.fault.delay)
        return _response(request, answer)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        answer = self._answer(request)
        if answer.fault is not None and answer.fault.kind is FaultKind.SLOW:
            time.sleep(answer.fault.delay)
        return _response(request, answer)


def _media_type(headers: Mapping[str, str]) -> str:
    """``application/json`` of ``application/json; charset=utf-8``."""
    return headers.get("content-type", "").partition(";")[0].strip().lower()


def _response(request: httpx.Request, answer: Answer) -> httpx.Response:
    kind = answer.fault.kind if answer.fault is not None else None
    if kind is FaultKind.CONNECT_ERROR:
        raise httpx.ConnectError("connection refused (injected fault)", request=request)
    if answer.status is None:
        raise httpx.RemoteProtocolError(
            "Server disconnected without sending a response (injected fault)", request=request
        )
    return httpx.Response(answer.status, json=answer.body, headers=answer.headers)
