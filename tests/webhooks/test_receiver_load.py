"""The ASGI receiver on a real server under concurrent load, and hostile requests."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading

import httpx
import pytest

from smsmngr.testing import serve
from smsmngr.webhooks import DeliveryReport, Event, asgi_receiver

EVENTS, PER_POST, CONCURRENCY = 10_000, 50, 20
SECRET = b"hmac-key"


def report(number: int) -> dict[str, object]:
    return {"type": "outgoing", "message_id": f"m-{number}", "result": "delivered"}


@pytest.mark.slow
def test_10000_events_in_concurrent_posts_reach_the_handler_once_each() -> None:
    seen: list[str] = []
    lock = threading.Lock()
    answered_before_handled: list[bytes] = []

    async def handle(events: list[Event]) -> None:
        await asyncio.sleep(0.001)  # a handler that takes a moment: 2xx must wait for it
        with lock:
            seen.extend(e.message_id for e in events if isinstance(e, DeliveryReport))

    app = asgi_receiver(handle, token="t0k", hmac_secret=SECRET, max_body_bytes=64_000)
    batches = [range(start, start + PER_POST) for start in range(0, EVENTS, PER_POST)]
    bodies = [
        (json.dumps([report(i) for i in batch]).encode(), {f"m-{i}" for i in batch})
        for batch in batches
    ]

    async def deliver(root: str) -> list[int]:
        queue = iter(bodies)
        statuses: list[int] = []
        async with httpx.AsyncClient(base_url=root, timeout=30) as http:

            async def poster() -> None:
                for body, ids in queue:
                    signature = hmac.new(SECRET, body, hashlib.sha256).hexdigest()
                    answer = await http.post(
                        "/?token=t0k", content=body, headers={"X-Signature": signature}
                    )
                    with lock:
                        if not ids <= set(seen):
                            answered_before_handled.append(body)
                    statuses.append(answer.status_code)

            await asyncio.gather(*(poster() for _ in range(CONCURRENCY)))
        return statuses

    with serve(app) as root:
        statuses = asyncio.run(deliver(root))
    assert statuses == [200] * len(bodies)
    assert sorted(seen) == sorted(f"m-{i}" for i in range(EVENTS))  # each exactly once
    assert answered_before_handled == []  # every 200 came after its events were handled


@pytest.mark.parametrize(
    ("path", "body", "signed", "status"),
    [
        ("/?token=t0k", b"[" + b" " * 70_000 + b"]", True, 413),
        ("/?token=t0k", b"{not json", True, 400),
        ("/?token=nope", json.dumps([report(1)]).encode(), True, 403),
        ("/?token=t0k", json.dumps([report(1)]).encode(), False, 403),
    ],
)
def test_hostile_requests_are_refused_without_calling_the_handler(
    path: str, body: bytes, signed: bool, status: int
) -> None:
    calls: list[list[Event]] = []
    app = asgi_receiver(calls.append, token="t0k", hmac_secret=SECRET, max_body_bytes=64_000)
    signature = hmac.new(SECRET, body, hashlib.sha256).hexdigest() if signed else "0" * 64
    with serve(app) as root:
        answer = httpx.post(root + path, content=body, headers={"X-Signature": signature})
    assert answer.status_code == status
    assert calls == []
