"""Every endpoint through AsyncClient against respx, on asyncio and trio."""

from __future__ import annotations

import datetime as dt
import json
import platform
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from smsmngr import (
    AsyncClient,
    ConfigurationError,
    Message,
    SendResult,
    Sms,
    ValidationError,
    Viber,
    __version__,
)

from ..support import API_KEY, BASE_URL, NO_WAIT, accepted

pytestmark = pytest.mark.anyio


async def test_send_posts_the_message_with_auth_and_user_agent(
    api: respx.MockRouter, client: AsyncClient
) -> None:
    route = api.post("/message").respond(200, json=accepted("m-a", "m-b"))
    result = await client.send(Message("Hi", to=["+420 777 123 456", "00420777654321"]))
    request = route.calls.last.request
    assert request.headers["x-api-key"] == API_KEY
    assert request.headers["user-agent"].startswith(
        f"smsmngr/{__version__} (Python {platform.python_version()}; "
    )
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {
        "body": "Hi",
        "to": [{"phone_number": "420777123456"}, {"phone_number": "420777654321"}],
    }
    assert isinstance(result, SendResult)
    assert result.request_id == "req-1"
    assert result.recipient_message_ids() == ["m-a", "m-b"]


async def test_priority_send_uses_the_priority_endpoint(
    api: respx.MockRouter, client: AsyncClient
) -> None:
    normal = api.post("/message").respond(200, json=accepted("x"))
    priority = api.post("/message/priority").respond(200, json=accepted("p"))
    await client.send(Message("Code 1234", to=["420777123456"]), priority=True)
    assert priority.call_count == 1
    assert normal.call_count == 0


async def test_send_batch_posts_an_array_and_expands_ids_per_recipient(
    api: respx.MockRouter, client: AsyncClient
) -> None:
    route = api.post("/messages").respond(200, json=accepted("m0", "m1"))
    result = await client.send_batch(
        [
            Message("A", to=["420777000001", "420777000002"]),
            Message(to=["420777000003"], flow=[Viber(body="v", sender="Shop"), Sms(body="s")]),
        ]
    )
    assert json.loads(route.calls.last.request.content) == [
        {"body": "A", "to": [{"phone_number": "420777000001"}, {"phone_number": "420777000002"}]},
        {
            "to": [{"phone_number": "420777000003"}],
            "flow": [{"viber": {"body": "v", "sender": "Shop"}}, {"sms": {"body": "s"}}],
        },
    ]
    assert result.recipient_message_ids() == ["m0-0", "m0-1", "m1-0"]


async def test_rejected_recipients_are_reported_not_raised(
    api: respx.MockRouter, client: AsyncClient
) -> None:
    api.post("/message").respond(
        200,
        json={
            "request_id": "r",
            "accepted": [{"key": "0", "message_id": "m"}],
            "rejected": [{"key": "1", "reason": "no credit"}],
        },
    )
    result = await client.send(Message("Hi", to=["420777123456", "420777654321"]))
    assert [item.key for item in result.rejected] == [1]
    assert result.recipient_message_ids() == ["m", None]


async def test_simple_post_sends_form_fields_with_the_key_in_a_header(
    api: respx.MockRouter, client: AsyncClient
) -> None:
    route = api.post("/simple/message").respond(
        200, json={"request_id": "r", "message_id": "m", "accepted": True}
    )
    result = await client.send_simple(
        "+420777123456",
        "Hi",
        sender="Shop",
        gateway="lowcost",
        scheduled_at=dt.datetime(2025, 1, 11, 10, tzinfo=dt.timezone.utc),
        custom_id="order-7",
    )
    request = route.calls.last.request
    assert request.headers["x-api-key"] == API_KEY
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert "apikey" not in str(request.url)
    assert parse_qs(request.content.decode()) == {
        "phone_number": ["420777123456"],
        "message": ["Hi"],
        "sender": ["Shop"],
        "gateway": ["lowcost"],
        "datetime": ["2025-01-11T10:00:00Z"],
        "customID": ["order-7"],
    }
    assert (result.message_id, result.accepted) == ("m", True)


async def test_simple_get_puts_the_key_in_the_query_only(
    api: respx.MockRouter, client: AsyncClient
) -> None:
    route = api.get("/simple/message").respond(
        200, json={"request_id": "r", "message_id": "m", "accepted": True}
    )
    await client.send_simple("420777123456", "Hi", sender="Shop", method="GET")
    request = route.calls.last.request
    assert "x-api-key" not in request.headers
    assert dict(request.url.params) == {
        "apikey": API_KEY,
        "phone_number": "420777123456",
        "message": "Hi",
        "sender": "Shop",
    }


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (
            lambda c: c.send(Message("Hi", to=[f"4207770000{i:02d}" for i in range(11)])),
            "message.to",
        ),
        (lambda c: c.send(Message("Hi", to=["420777123456", "12"])), "message.to[1]"),
        (lambda c: c.send_batch([]), "messages"),
        (lambda c: c.send_batch([Message("Hi", to=["420777123456"])] * 11), "messages"),
        (
            lambda c: c.send_batch(
                [Message("A", to=["420777123456"]), Message("B", to=["420777123456"] * 11)]
            ),
            "messages[1].to",
        ),
        (lambda c: c.send_batch([Message("A", to=["420777123456"]), "B"]), "messages[1]"),
        (lambda c: c.send_simple("bad", "Hi", sender="Shop"), "phone_number"),
        (lambda c: c.send_simple("420777123456", "", sender="Shop"), "message"),
        (
            lambda c: c.send_simple(
                "420777123456", "Hi", sender="Shop", scheduled_at=dt.datetime(2025, 1, 1)
            ),
            "scheduled_at",
        ),
        (lambda c: c.send_simple("420777123456", "Hi", sender="Shop", method="PUT"), "method"),
        # The OpenAPI requires sender on /simple/message, GET and POST alike.
        (lambda c: c.send_simple("420777123456", "Hi", sender=""), "sender"),
        (lambda c: c.send_simple("420777123456", "Hi", sender=None), "sender"),
    ],
)
async def test_bad_input_is_refused_before_any_request(
    api: respx.MockRouter, client: AsyncClient, call: object, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        await call(client)  # type: ignore[operator]
    assert caught.value.field == field
    assert api.calls.call_count == 0


async def test_send_over_ten_recipients_points_to_send_bulk(client: AsyncClient) -> None:
    with pytest.raises(ValidationError, match="use send_bulk"):
        await client.send(Message("Hi", to=[f"4207770000{i:02d}" for i in range(11)]))


async def test_api_key_and_base_url_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SMSMANAGER_API_KEY", "env-key")
    monkeypatch.setenv("SMSMANAGER_BASE_URL", "http://127.0.0.1:8765/v2/")
    with respx.mock(base_url="http://127.0.0.1:8765/v2") as router:
        route = router.post("/message").respond(200, json=accepted("m"))
        async with AsyncClient() as client:
            await client.send(Message("Hi", to=["420777123456"]))
    assert route.calls.last.request.headers["x-api-key"] == "env-key"


async def test_a_missing_api_key_is_a_clear_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="SMSMANAGER_API_KEY"):
        AsyncClient()


@pytest.mark.parametrize(
    "url",
    [BASE_URL.replace("https://", "http://"), "http://10.0.0.5/v2", "ftp://x/v2", "not a url"],
)
async def test_plain_http_is_refused_except_for_loopback(url: str) -> None:
    with pytest.raises(ConfigurationError):
        AsyncClient(api_key=API_KEY, base_url=url)


@pytest.mark.parametrize(
    "url", ["http://localhost:8000/v2", "http://127.0.0.1/v2", "http://[::1]:9/v2"]
)
async def test_plain_http_is_allowed_on_loopback(url: str) -> None:
    async with AsyncClient(api_key=API_KEY, base_url=url) as client:
        assert url.rstrip("/") in repr(client)


async def test_a_supplied_http_client_is_used_and_left_open() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=accepted("m"))

    http_client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    async with AsyncClient(api_key=API_KEY, http_client=http_client, retry=NO_WAIT) as client:
        await client.send(Message("Hi", to=["420777123456"]))
    assert seen[0].url == f"{BASE_URL}/message"
    assert not http_client.is_closed
    await http_client.aclose()
