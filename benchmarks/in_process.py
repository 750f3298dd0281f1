"""The figures measured in-process, with no network: the SDK's own cost per call, the
transport's own cost per request, and webhook parsing."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from typing import Any

import httpx

from smsmngr import DEFAULT_BASE_URL, AsyncClient, Message
from smsmngr.webhooks import parse

from ._shared import (
    API_KEY,
    BODY,
    Figure,
    Sizes,
    alternate,
    numbers,
    raw_bodies,
    timed,
)

_ANSWER = json.dumps(
    {
        "request_id": "r" * 36,
        "accepted": [{"key": str(k), "message_id": f"id-{k:032d}"} for k in range(10)],
        "rejected": [],
    }
).encode()


def _answer_at_once(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=_ANSWER, headers={"content-type": "application/json"})


def per_call_figure(sizes: Sizes) -> Figure:
    """The SDK's own CPU time per 100-recipient call, in-process (no network): send_bulk
    through a transport that answers at once, less raw httpx posting pre-built bodies
    through the same transport, against a naive json.dumps of the body plus a json.loads
    of the answer."""
    count = sizes.bulk // 2
    message = Message(BODY, to=numbers(count))
    bodies = raw_bodies(count)
    calls = len(bodies)

    async def sdk() -> None:
        http = httpx.AsyncClient(transport=httpx.MockTransport(_answer_at_once))
        async with AsyncClient(api_key=API_KEY, http_client=http) as client:
            result = await client.send_bulk(message, concurrency=8, collect_outcomes=False)
        await http.aclose()
        assert result.accepted == count

    async def raw() -> None:
        queue = iter(bodies)
        headers = {"x-api-key": API_KEY, "content-type": "application/json"}
        transport = httpx.MockTransport(_answer_at_once)
        async with httpx.AsyncClient(transport=transport, base_url=DEFAULT_BASE_URL) as http:

            async def worker() -> None:
                for body in queue:
                    (await http.post("/messages", content=body, headers=headers)).json()

            await asyncio.gather(*(worker() for _ in range(8)))

    def naive() -> float:
        to = numbers(count)
        started = time.process_time()
        for start in range(0, count, 100):
            call = to[start : start + 100]
            json.dumps(
                [
                    {"body": BODY, "to": [{"phone_number": n} for n in call[i : i + 10]]}
                    for i in range(0, len(call), 10)
                ]
            )
            json.loads(_ANSWER)
        return time.process_time() - started

    # In CPU time, over more rounds than the other figures (each is short): the figure
    # is the difference of two timings, which a loaded machine moves most.
    rounds = max(7, sizes.rounds)
    sdk_time, raw_time = alternate(
        rounds, timed(sdk, time.process_time), timed(raw, time.process_time)
    )
    naive_time = statistics.median(naive() for _ in range(rounds))
    own = (sdk_time - raw_time) / calls
    plain = naive_time / calls
    return Figure(
        "SDK's own cost per 100-recipient call, in-process (SDK beyond httpx / naive JSON)",
        f"{own * 1e6:.0f} µs",
        f"{plain * 1e6:.0f} µs",
        own / plain,
        "<= 1.30",
        own / plain <= 1.3,
    )


def webhook_figure(sizes: Sizes) -> Figure:
    event = {
        "request_id": "bc36f3d1-d284-463a-921b-a3560c154649",
        "message_id": "e27ff0ac-87b5-4e1d-b644-5fc6029e2a11-3",
        "gateway": "sms",
        "timestamp": 1700000000,
        "payload": {"order": 7},
        "type": "outgoing",
        "to": {"phone_number": "420777123456"},
        "result": "delivered",
        "result_info": "[0] Delivered",
        "sms": {"sender": "Shop", "country": "230", "operator": "01", "price_czk": 0.9,
                "price_eur": 0.036, "count": 1, "gateway": "high"},
    }  # fmt: skip
    body = json.dumps([event] * sizes.webhook_events).encode()

    def typed() -> float:
        started = time.perf_counter()
        events = parse(body, max_bytes=len(body))
        assert len(events) == sizes.webhook_events
        return time.perf_counter() - started

    def by_hand() -> float:
        started = time.perf_counter()
        for item in json.loads(body):
            (item["message_id"], item["result"], item["result_info"], item["timestamp"])
            (item["to"]["phone_number"], item["sms"]["price_eur"])
        return time.perf_counter() - started

    sdk, baseline = alternate(max(3, sizes.rounds), typed, by_hand)
    count = sizes.webhook_events
    return Figure(
        "webhook parsing (events/s, parse / json.loads + dict access)",
        f"{count / sdk:,.0f}/s",
        f"{count / baseline:,.0f}/s",
        baseline / sdk,
        "(reported)",
        None,
    )


class _AnsweringAtOnce:
    """A stack's client that answers every request at once: what is left of a
    request's time is the transport's own."""

    is_closed = False

    def __init__(self) -> None:
        self.answer = httpx.Response(
            200,
            content=_ANSWER,
            headers={"content-type": "application/json", "date": "Wed, 02 Dec 2026 17:00:00 GMT"},
        )

    def build_request(self, method: str, url: str, **options: Any) -> tuple[str, str]:
        return (method, url)

    async def send(self, request: Any, *, auth: Any = None) -> httpx.Response:
        return self.answer


def transport_figure(sizes: Sizes) -> Figure:
    """The transport's own time per request (pace, loop check, deadline, retry decision,
    reading the answer's JSON), its stack answering at once, against naive JSON."""
    from smsmngr._config import resolve_api_key, resolve_base_urls
    from smsmngr._stacks import stack_for
    from smsmngr._transport import Transport

    requests = sizes.bulk // 10

    async def through_transport() -> None:
        urls = resolve_base_urls(DEFAULT_BASE_URL, None, None, None)
        transport = Transport(resolve_api_key(API_KEY), urls, stack_for("httpx"))
        transport._connection.client = _AnsweringAtOnce()
        for _ in range(requests):
            await transport.request("POST", "/messages", json_content=b"[]")

    def naive() -> float:
        started = time.perf_counter()
        for _ in range(requests):
            json.dumps([{"body": BODY, "to": [{"phone_number": "420700000000"}]}])
            json.loads(_ANSWER)
        return time.perf_counter() - started

    rounds = max(3, sizes.rounds)
    own, plain = alternate(rounds, timed(through_transport), naive)
    return Figure(
        "transport's own cost per request, in-process (Transport.request / naive JSON)",
        f"{own / requests * 1e6:.1f} µs",
        f"{plain / requests * 1e6:.1f} µs",
        own / plain,
        "(reported)",
        None,
    )
