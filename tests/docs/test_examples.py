"""The receivers in examples/ work as their docstrings say."""

from __future__ import annotations

import importlib
import json

import httpx
import pytest

from ..support import BASE_URL

pytestmark = pytest.mark.anyio

DELIVERED = [{"type": "outgoing", "message_id": "m-1", "result": "undelivered", "timestamp": 1}]
REPLY = [{"type": "incoming", "message_id": "m-1", "sender": "420777123456", "body": "Hi"}]


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMSMANAGER_WEBHOOK_TOKEN", "t0k")


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


async def test_the_tracing_example_makes_a_span_per_attempt_without_the_key() -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from smsmngr import Message, RetryPolicy
    from smsmngr.testing import FakeSmsManager, FaultKind, FaultPlan

    module = importlib.import_module("examples.tracing")
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    # The first attempt gets a 429, so the call is retried: two attempts, two spans.
    fake = FakeSmsManager(faults=FaultPlan(calls={1: FaultKind.RATE_LIMIT}))
    async with module.traced_client(
        tracer_provider=provider,
        transport=fake.transport,
        api_key=fake.api_key,
        base_url=BASE_URL,
        retry=RetryPolicy(backoff_base=0, backoff_max=0),
    ) as client:
        await client.send(Message("Hi", to=["420777123456"]))
        await client.send_simple("420777123456", "Hi", sender="Shop", method="GET")
    spans = exporter.get_finished_spans()
    assert [span.name for span in spans] == ["POST", "POST", "GET"]
    # The attribute's name depends on the instrumentation's semantic-convention version.
    statuses = [
        (span.attributes or {}).get("http.response.status_code")
        or (span.attributes or {}).get("http.status_code")
        for span in spans
    ]
    assert statuses == [429, 200, 200]
    recorded = json.dumps([dict(span.attributes or {}) for span in spans])
    assert "/v2/message" in recorded
    assert "simple/message?phone_number=***&message=***&sender=***&apikey=***" in recorded
    assert fake.api_key not in recorded


async def test_the_login_example_verifies_a_number_and_counts_attempts() -> None:
    from smsmngr.testing import FakeSmsManager

    module = importlib.import_module("examples.login_verify")
    fake = FakeSmsManager()
    app = module.create_app(fake.async_client)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
            started = (await http.post("/login/start", json={"phone": "+420 777 123 456"})).json()
            wrong = await http.post(
                "/login/check", json={"token": started["token"], "code": "000000"}
            )
            code = fake.code_sent_to("420777123456")
            right = await http.post("/login/check", json={"token": started["token"], "code": code})
            bad = await http.post("/login/start", json={"phone": "12"})
    assert (wrong.status_code, wrong.json()["attempts_left"]) == (401, 5)
    assert (right.status_code, right.json()) == (200, {"phone": "420777123456"})
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/login/start", b"not json"),
        ("/login/start", b"\xff\xfe"),
        ("/login/start", b'["+420 777 123 456"]'),
        ("/login/check", b'{"token": "t"}'),
    ],
)
async def test_the_login_example_answers_a_body_it_cannot_read_with_a_400(
    path: str, body: bytes
) -> None:
    from smsmngr.testing import FakeSmsManager

    module = importlib.import_module("examples.login_verify")
    fake = FakeSmsManager()
    app = module.create_app(fake.async_client)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
            answer = await http.post(path, content=body)
    assert answer.status_code == 400
    assert "error" in answer.json()
    assert fake.ledger.calls == []


async def test_the_opt_out_example_adds_who_replied_stop(monkeypatch: pytest.MonkeyPatch) -> None:
    from smsmngr.testing import FakeSmsManager

    monkeypatch.setenv("SMSMANAGER_API_KEY", "unused-here")
    module = importlib.reload(importlib.import_module("examples.optout_receiver"))
    fake = FakeSmsManager()
    events = [
        {"type": "incoming", "message_id": "m-1", "sender": "420777123456", "body": " Stop "},
        {"type": "incoming", "sender": "420777654321", "recipient": "Shop", "body": "UNSUBSCRIBE"},
        {"type": "incoming", "sender": "420777000001", "recipient": "Shop", "body": "Stop it?"},
    ]
    async with fake.async_client() as client:
        app = module.opt_out_app(client, token="t0k")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
            ok = await http.post("/smsmngr/webhook?token=t0k", content=json.dumps(events))
        listed = [entry.phone_number for entry in await client.optout.list()]
    assert ok.status_code == 200
    assert listed == ["420777123456", "420777654321"]
