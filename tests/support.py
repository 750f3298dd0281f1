"""Constants and builders shared by the tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from smsmngr import RetryPolicy
from smsmngr.testing import FakeSmsManager

BASE_URL = "https://api.smsmngr.com/v2"
API_KEY = "test-key-7f3a9c"
NO_WAIT = RetryPolicy(max_retries=2, backoff_base=0, backoff_max=0)


def accepted(*message_ids: str, request_id: str = "req-1") -> dict[str, object]:
    """A documented success body accepting keys 0.. with the given ids."""
    return {
        "request_id": request_id,
        "accepted": [{"key": str(i), "message_id": m} for i, m in enumerate(message_ids)],
        "rejected": [],
    }


@contextmanager
def served(fake: FakeSmsManager) -> Iterator[str]:
    """Serve the fake on a free loopback port; yields its base URL, stops on exit."""
    with served_app(fake.asgi_app, lifespan="on") as root:
        yield f"{root}/v2"


@contextmanager
def served_app(app: Any, lifespan: str = "off") -> Iterator[str]:
    """Serve an ASGI app on a free loopback port with uvicorn; yields its root URL."""
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error", lifespan=lifespan)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started, "the fake server did not start"
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
