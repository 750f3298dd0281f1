"""The receivers in examples/ work as their docstrings say."""

from __future__ import annotations

import importlib
import json

import httpx
import pytest

pytestmark = pytest.mark.anyio

DELIVERED = [{"type": "outgoing", "message_id": "m-1", "result": "undelivered", "timestamp": 1}]
REPLY = [{"type": "incoming", "message_id": "m-1", "sender": "420777123456", "body": "Hi"}]


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMSMNGR_WEBHOOK_TOKEN", "t0k")


async def test_the_starlette_example_tracks_delivery_reports() -> None:
    module = importlib.reload(importlib.import_module("examples.starlette_receiver"))
    transport = httpx.ASGITransport(app=module.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
        # The documented callback URL, exactly: no trailing slash, no redirect.
        ok = await http.post("/smsmngr/webhook?token=t0k", content=json.dumps(DELIVERED))
        refused = await http.post("/smsmngr/webhook?token=bad", content=json.dumps(DELIVERED))
    assert (ok.status_code, refused.status_code) == (200, 403)
    assert module.tracker.latest("m-1").result == "undelivered"


def test_the_flask_example_collects_replies_beside_its_own_routes() -> None:
    module = importlib.reload(importlib.import_module("examples.flask_receiver"))
    client = module.app.test_client()
    assert client.post("/smsmngr/webhook?token=t0k", data=json.dumps(REPLY)).status_code == 200
    assert client.post("/smsmngr/webhook?token=bad", data=json.dumps(REPLY)).status_code == 403
    assert client.get("/").get_data(as_text=True) == "1 replies so far"
