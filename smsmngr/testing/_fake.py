"""``FakeSmsManager``: the API in memory, as strict as the real one, with a ledger."""

from __future__ import annotations

import email.utils
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

import anyio
import attrs
import httpx

from .._account import calling_code
from .._async_client import AsyncClient
from .._retry import RetryPolicy
from .._sync_client import Client
from . import _rest, _rest_account, _rest_keys, _rest_lists, _rest_messaging, _rest_whatsapp
from ._answer import Answer, Request
from ._asgi import FakeASGIApp
from ._events import inbound_event, reply_event, status_event
from ._faults import FaultKind, FaultPlan
from ._ledger import Ledger, SentRecipient
from ._lists_state import list_refusal
from ._rest import REST_PREFIX, TIME_ZONE, RestCall, RestHandler, RestState, answer_rest
from ._rest_lists import DOWNLOAD_PREFIX, answer_download
from ._rest_messaging import answer_upload
from ._routes import Routes
from ._rules import normalized_number
from ._sending import SendingState, answer_sending
from ._verify import VERIFY_PATHS, VerifyState, answer_verify

__all__ = ["FakeSmsManager"]

REST_ROUTES: Routes[RestHandler] = Routes(
    _rest.ROUTES,
    _rest_account.ROUTES,
    _rest_lists.ROUTES,
    _rest_keys.ROUTES,
    _rest_messaging.ROUTES,
    _rest_whatsapp.ROUTES,
)
"""Every REST API v1 and WhatsApp Business operation the fake answers, by method and
path: each area's module registers its own (a pair registered twice fails at import)."""

# Clients made by the fake wait a millisecond, not seconds, before retrying.
FAST_RETRY = RetryPolicy(backoff_base=0.001, backoff_max=0.01)
_WEBHOOK_EPOCH = 1_700_000_000
TEST_NUMBER = "420777777777"
"""guides/testing.mdx: processed, never delivered, and no delivery report."""


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
    API v1 too (message status, statistics, ``credit_czk``, prices, from the ledger and
    the delivery reports it generated; the opt-out and block lists, which its reports
    honour; the inbox of its ``reply()`` and ``inbound()``), under ``/v1/``, and the Verify API
    with its limits (``verification_secret`` adds proofs; ``code_sent_to(number)`` gives
    the code a user would have received).

    ``clock`` is the platform's time: every answer carries it as its ``Date``, and
    messages are listed by their day in the account's time zone (``Europe/Prague``).
    ``account_country`` (``"CZ"`` by default) is the country the account is registered
    in: a national number (9 digits or fewer once normalized, the fake's reading: the
    reference does not say how the platform tells) is stored with its calling code, as
    the platform does, so ``0777 123 456`` is stored and listed as ``420777123456``.
    Clients it makes are given the same ``account_country``. Its key is a top-level
    key with ``key_scope`` (``"full"``), blocked with ``key_blocked=True`` (then it can
    only read ``/apikey/me``), with ``senders`` registered by channel
    (``{"sms": ["SmsManager"]}`` by default); child keys made through ``/apikey/add``
    read and change the REST API.

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
        key_scope: str = "full",
        key_blocked: bool = False,
        senders: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        self._api_key = api_key
        self.account_country = account_country
        self.clock = clock
        """The platform's time (seconds since the epoch)."""
        self.refused_numbers: set[str] = {normalized_number(n) or n for n in refused_numbers}
        self.final_results: dict[str, str] = dict(final_results or {})
        self.faults = faults
        self.ledger: Ledger = Ledger(detail=ledger)
        self.rest: RestState = RestState(credit_czk=credit_czk, clock=clock)
        """What the REST API v1 serves beyond the ledger (credit, latest statuses, keys)."""
        self.rest.keys.add_own(
            api_key, scope=key_scope, blocked=key_blocked, senders=senders or _rest.SENDERS
        )
        self.verify: VerifyState = VerifyState(seed=seed, secret=verification_secret, clock=clock)
        """The Verify API's sessions (``clock`` tells its time, for expiry)."""
        self._sending = SendingState(
            seed=seed,
            ledger=self.ledger,
            accepted_at=self.rest.accepted_at,
            calling_code=calling_code(account_country) or "",
        )
        self.rest.messaging.bind(self._sending, clock, api_key)
        self.rest.lists.bind(clock, self._sending.calling_code, TIME_ZONE)
        self.rest.whatsapp.record, self.rest.whatsapp.clock = self._template_tested, clock
        self._clock = itertools.count(_WEBHOOK_EPOCH)
        self._reported = 0
        self._lock = threading.Lock()

    @property
    def api_key(self) -> str:
        """The fake's own key; set it to rotate the key (its child keys stay its)."""
        return self._api_key

    @api_key.setter
    def api_key(self, key: str) -> None:
        self.rest.keys.rotate(self._api_key, key)
        self._api_key = key

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

    @property
    def upload_app(self) -> FakeASGIApp:
        """The storage host of its upload URLs as an ASGI application (a second port)."""
        return FakeASGIApp(self, storage=True)

    # -- the API ----------------------------------------------------------------------

    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
        *,
        storage: bool = False,
    ) -> Answer:
        """Answer one request, applying the fault plan and recording it in the ledger.

        Each API answers its own operations by exact path; its mount point (``/v1/``
        for REST, ``/v1/validations`` and ``/v1/verify-proof`` for Verify, anything
        else for sending) decides which one answers a path it does not know.
        ``storage``: the request went to the storage host of the upload URLs."""
        with self._lock:
            if storage:
                request = Request(method, path, query, headers, body)
                return answer_upload(self.rest.messaging, request)
            self.rest.messaging.run_due()
            if path.startswith(VERIFY_PATHS):
                status, answer = answer_verify(
                    method, path, headers, body, self.verify, self.api_key, self._code_sent
                )
                return Answer(status, answer)
            if path.startswith(DOWNLOAD_PREFIX):
                return answer_download(path, query, headers, self.rest.lists, self.api_key)
            if path.startswith(REST_PREFIX):
                return self._answer_rest(Request(method, path, query, headers, body))
            return answer_sending(
                Request(method, path, query, headers, body),
                self._sending,
                # A blocked key is refused as a wrong one: "invalid or has been disabled".
                api_key=self.api_key if self.rest.keys.usable(self.api_key) else "",
                faults=self.faults,
                clock=self.clock,
            )

    @property
    def upload_base_url(self) -> str:
        """Where the presigned upload URLs point: a host of their own in-process, the
        second port when served (``serve()`` and ``smsmngr mock`` set it)."""
        return self.rest.messaging.upload_base

    @upload_base_url.setter
    def upload_base_url(self, url: str) -> None:
        self.rest.messaging.upload_base = url

    def process_scheduled(self) -> None:
        """Process the scheduled uploads whose time has come on the fake's clock (every
        request and ``delivery_reports()`` do it first on their own)."""
        with self._lock:
            self.rest.messaging.run_due()

    def _answer_rest(self, request: Request) -> Answer:
        """The REST API v1: reads from the ledger, outside the fault plan (which numbers
        the sending calls)."""
        key = request.headers.get("x-api-key") or ""
        me = request.method == "GET" and request.path == f"{REST_PREFIX}apikey/me"
        if not (self.rest.keys.usable(key) or (me and key in self.rest.keys.keys)):
            # The fake's choice: the REST reference documents no answer to a wrong key;
            # a blocked key reads only /apikey/me (which shows it blocked).
            return Answer(401, {"message": "Unauthorized"})
        try:
            data = json.loads(request.body) if request.body else None
        except ValueError:
            return Answer(400, {"message": "Invalid JSON in request data"})
        rest_path = request.path[len(REST_PREFIX) - 1 :]
        call = RestCall(
            request.method,
            rest_path,
            request.query,
            data,
            self.ledger.sent,
            self.rest,
            headers=request.headers,
        )
        status, answer = answer_rest(call, REST_ROUTES)
        return Answer(status, answer)

    def _code_sent(self, phone_number: str, text: str) -> None:
        """A Verify API code, sent as an SMS the ledger records."""
        message = {"body": text, "to": [{"phone_number": phone_number}]}
        message_id = self._sending.new_id()
        recipient = (phone_number, message_id, self._sending.new_id())
        self._sending.sent(recipient, "/v1/validations", 0, message, self.clock)

    def _template_tested(self, phone_number: str, message: Mapping[str, Any]) -> str:
        """A WhatsApp test template, sent as a message the ledger records; its id."""
        message_id = self._sending.new_id()
        recipient = (phone_number, message_id, self._sending.new_id())
        self._sending.sent(recipient, "/v1/whatsapp/templates/test", 0, message, self.clock)
        return message_id

    def code_sent_to(self, phone_number: str) -> str:
        """The last Verify API code sent to ``phone_number`` (what the user would type),
        in any form ``verify.start`` accepted: ``code_sent_to("+420 777 123 456")``."""
        number = normalized_number(phone_number)
        for session in reversed(list(self.verify.sessions.values())):
            if session.phone_number == number:
                return session.code
        raise LookupError(f"no code was sent to {phone_number}")

    def _phase_two_result(self, sent: SentRecipient) -> tuple[str, str] | None:
        """The ``rejected`` report of a message refused after acceptance, if it is."""
        number = normalized_number(sent.phone_number)
        if number is None:
            return ("rejected", "[302] Invalid phone number format")
        if number in self.refused_numbers:
            return ("rejected", "[307] Insufficient credit")
        return list_refusal(self.rest.lists, sent)

    # -- webhooks ---------------------------------------------------------------------

    def delivery_reports(self) -> list[dict[str, Any]]:
        """Status events for every recipient accepted since the last call, in the
        documented order (guides/webhooks.mdx): ``sending``, ``sent``, then the final
        result (``final_results[number]``, ``delivered`` by default). A number that is
        invalid or in ``refused_numbers`` gets one ``rejected`` report instead (phase 2),
        and the test number 420777777777 gets none."""
        with self._lock:
            self.rest.messaging.run_due()
            pending = self.ledger.sent[self._reported :]
            self._reported = len(self.ledger.sent)
            events = []
            for sent in pending:
                if normalized_number(sent.phone_number) == TEST_NUMBER:
                    continue
                if sent.message_id in self.rest.messaging.cancelled:
                    continue
                refused = self._phase_two_result(sent)
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
        """The event of ``sent``'s recipient replying ``body`` (kept in the inbox)."""
        event = reply_event(sent, body, timestamp=next(self._clock))
        self.rest.lists.received(event)
        return event

    def inbound(
        self, sender: str, recipient: str, body: str, *, gateway: str = "sms"
    ) -> dict[str, Any]:
        """The event of a message arriving at ``recipient`` that answers nothing (kept
        in the inbox)."""
        event = inbound_event(sender, recipient, body, gateway=gateway, timestamp=next(self._clock))
        self.rest.lists.received(event)
        return event

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
        ``default_url``, else the key's ``default_callback_url``, for messages without
        one) and return the answers."""
        responses = []
        own = self.rest.keys.keys[self.api_key].default_callback_url
        for url, events in self.webhook_requests():
            target = url or default_url or own or None
            if target is not None:
                responses.append(await http_client.post(target, json=events))
        return responses


class FakeTransport(httpx.AsyncBaseTransport, httpx.BaseTransport):
    """Answers httpx requests from a ``FakeSmsManager``, raising the injected
    connection faults as the network would."""

    def __init__(self, fake: FakeSmsManager) -> None:
        self._fake = fake

    def _answer(self, request: httpx.Request) -> Answer:
        storage = httpx.URL(self._fake.upload_base_url)
        on_storage = (request.url.host, request.url.port) == (storage.host, storage.port)
        answer = self._fake.handle(
            request.method,
            request.url.path,
            dict(request.url.params),
            request.headers,
            request.content,
            storage=on_storage,
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


def _response(request: httpx.Request, answer: Answer) -> httpx.Response:
    kind = answer.fault.kind if answer.fault is not None else None
    if kind is FaultKind.CONNECT_ERROR:
        raise httpx.ConnectError("connection refused (injected fault)", request=request)
    if answer.status is None:
        raise httpx.RemoteProtocolError(
            "Server disconnected without sending a response (injected fault)", request=request
        )
    if isinstance(answer.body, bytes):  # a file (a contact list), not JSON
        return httpx.Response(answer.status, content=answer.body, headers=answer.headers)
    return httpx.Response(answer.status, json=answer.body, headers=answer.headers)
