"""The fake API as an ASGI application, for serving on loopback."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Protocol
from urllib.parse import parse_qsl

import anyio

from ._answer import Answer
from ._faults import FaultKind
from ._ledger import Ledger

__all__ = ["LEDGER_PATH", "FakeASGIApp"]

LEDGER_PATH = "/_fake/ledger"


class Served(Protocol):
    """What the app serves: a ``FakeSmsManager`` (named by shape, so that the fake can
    import this module without this one importing the fake)."""

    @property
    def ledger(self) -> Ledger: ...

    @property
    def handle(self) -> Callable[..., Answer]:
        """``handle(method, path, query, headers, body, *, storage=False)``."""


class FakeASGIApp:
    """Serves a ``FakeSmsManager`` over ASGI: ``uvicorn.run(fake.asgi_app, port=8000)``.

    ``GET <base>/_fake/ledger`` answers the ledger's counters, for tools and benchmarks
    in another process. Connection-level faults cannot be expressed in ASGI: a dropped
    connection is raised as an error, which the server answers as it answers a crash
    (500). For real socket faults, put a proxy in front.
    """

    def __init__(self, fake: Served, *, storage: bool = False) -> None:
        self.fake = fake
        self.storage = storage
        """Serves the storage host of the upload URLs (``fake.upload_app``) instead."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            event = await receive()
            chunks.append(event.get("body", b""))
            if not event.get("more_body"):
                break
        if scope["path"].endswith(LEDGER_PATH) and not self.storage:
            await _send_json(send, 200, self._ledger_counts())
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = dict(parse_qsl(scope["query_string"].decode("latin-1")))
        body = b"".join(chunks)
        answer = self.fake.handle(
            scope["method"], scope["path"], query, headers, body, storage=self.storage
        )
        if answer.fault is not None and answer.fault.kind is FaultKind.SLOW:
            await anyio.sleep(answer.fault.delay)
        if answer.status is None:
            raise ConnectionAbortedError("injected fault: the connection drops")
        await _send_json(send, answer.status, answer.body, answer.headers)

    def _ledger_counts(self) -> dict[str, Any]:
        ledger = self.fake.ledger
        return {
            "call_counts": dict(ledger.call_counts),
            "processed_call_counts": dict(ledger.processed_call_counts),
            "accepted_count": ledger.accepted_count,
        }


async def _send_json(
    send: Any, status: int, body: Any, headers: Mapping[str, str] | None = None
) -> None:
    raw = isinstance(body, bytes)  # a file (a contact list), not JSON
    content = body if raw else json.dumps(body).encode()
    given = {k.lower(): v for k, v in (headers or {}).items()}
    response_headers = [
        (b"content-type", given.pop("content-type", "application/json").encode()),
        (b"content-length", str(len(content)).encode()),
    ]
    response_headers += [(k.encode(), v.encode()) for k, v in given.items()]
    await send({"type": "http.response.start", "status": status, "headers": response_headers})
    await send({"type": "http.response.body", "body": content})
