"""FakeSmsManager: as strict as the API, with a ledger, faults and webhooks."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest

from smsmngr import (
    AsyncClient,
    AuthenticationError,
    DeliveryUncertainError,
    Message,
    RateLimitError,
    RetryPolicy,
    ServerError,
    Sms,
    Viber,
    WhatsAppText,
)
from smsmngr.testing import FakeSmsManager, Fault, FaultKind, FaultPlan, serve

from ..support import BASE_URL

pytestmark = pytest.mark.anyio

HI = Message("Hi", to=["420777123456"])


def raw(
    fake: FakeSmsManager, body: Any, path: str = "/v2/message", **headers: str
) -> httpx.Response:
    """A request straight to the fake, bypassing the SDK's own checks."""
    with httpx.Client(transport=fake.transport, base_url=BASE_URL.removesuffix("/v2")) as http:
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"x-api-key": fake.api_key, "content-type": "application/json", **headers}
        return http.post(path, content=content, headers=headers)


# -- strictness -------------------------------------------------------------------------


async def test_a_wrong_api_key_gets_the_documented_400() -> None:
    # The OpenAPI's 400 example of every sending endpoint; reference/errors.mdx.
    fake = FakeSmsManager(api_key="right")
    async with fake.async_client(api_key="wrong") as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.send(HI)
        with pytest.raises(AuthenticationError):
            await client.send_simple("420777123456", "Hi", sender="Shop", method="GET")
    assert caught.value.status_code == 400
    assert caught.value.body == {
        "Message": "User is not authorized to access this resource with an explicit deny"
    }
    assert fake.ledger.sent == []
    assert [call.status for call in fake.ledger.calls] == [400, 400]


async def test_get_simple_takes_the_key_from_the_query() -> None:
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        result = await client.send_simple("420777123456", "Hi", sender="Shop", method="GET")
    assert result.accepted
    assert fake.ledger.sent[0].message == {
        "body": "Hi",
        "to": [{"phone_number": "420777123456"}],
        "sender": "Shop",
    }


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"{not json", "not JSON"),
        ({"body": "Hi"}, "message.to"),
        ({"body": "Hi", "to": []}, "message.to"),
        ({"body": "Hi", "to": [{"phone_number": "1"}] * 11}, "message.to"),
        ({"body": "Hi", "to": ["420777123456"]}, "message.to[0]"),
        ({"body": "x" * 1001, "to": [{"phone_number": "420777123456"}]}, "message.body"),
        ({"to": [{"phone_number": "420777123456"}]}, "message.body"),
        ({"body": "Hi", "to": [{"phone_number": "420777123456"}], "colour": 1}, "message.colour"),
        ({"body": "Hi", "to": [{"phone_number": "4"}], "flow": []}, "message.flow"),
        ({"body": "Hi", "to": [{"phone_number": "4"}], "flow": [{"fax": {}}]}, "unknown channel"),
        (
            {"body": "Hi", "to": [{"phone_number": "4"}], "flow": [{"sms": {}, "viber": {}}]},
            "exactly one channel",
        ),
        ({"body": "Hi", "to": [{"phone_number": "4"}], "flow": [{"rcs": {"ttl": 0.4}}]}, "rcs.ttl"),
        (
            {
                "body": "Hi",
                "to": [{"phone_number": "4"}],
                "flow": [{"viber": {"buttons": [{}, {}]}}],
            },
            "viber.buttons",
        ),
        ({"body": "Hi", "to": [{"phone_number": "4"}], "datetime": "2025-01-11 10:00"}, "datetime"),
        ({"to": [{"phone_number": "4"}], "flow": [{"sms": {"sender": "x"}}]}, "message.body"),
    ],
)
def test_requests_breaking_the_reference_get_400_naming_the_problem(
    body: Any, problem: str
) -> None:
    fake = FakeSmsManager()
    response = raw(fake, body)
    assert response.status_code == 400
    assert problem in response.json()["Message"]
    assert fake.ledger.accepted_count == 0


def test_messages_takes_one_to_ten_messages() -> None:
    fake = FakeSmsManager()
    one = {"body": "Hi", "to": [{"phone_number": "420777123456"}]}
    assert raw(fake, [], "/v2/messages").status_code == 400
    assert raw(fake, [one] * 11, "/v2/messages").status_code == 400
    assert raw(fake, [one] * 10, "/v2/messages").status_code == 200


def test_unknown_paths_and_methods_are_refused() -> None:
    fake = FakeSmsManager()
    assert raw(fake, {}, "/v2/nothing").status_code == 404
    with httpx.Client(transport=fake.transport) as http:
        answer = http.get(f"{BASE_URL}/message", headers={"x-api-key": fake.api_key})
    assert answer.status_code == 405


# -- answers and the ledger -------------------------------------------------------------


async def test_send_answers_the_documented_shape_with_unique_ids() -> None:
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        first = await client.send(Message("Hi", to=["420777000001", "420777000002"]))
        second = await client.send(HI, priority=True)
    ids = first.recipient_message_ids() + second.recipient_message_ids()
    assert len(set(ids)) == 3
    assert None not in ids
    assert first.request_id != second.request_id
    assert [s.endpoint for s in fake.ledger.sent] == ["/message", "/message", "/message/priority"]
    assert [s.message_id for s in fake.ledger.sent] == ids
    assert fake.ledger.call_counts == {"/message": 1, "/message/priority": 1}


async def test_batch_ids_are_per_message_and_the_ledger_holds_suffixed_ids() -> None:
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        result = await client.send_batch(
            [Message("A", to=["420777000001", "420777000002"]), Message("B", to=["420777000003"])]
        )
    assert len(result.accepted) == 2
    assert [s.message_id for s in fake.ledger.sent] == result.recipient_message_ids()
    assert fake.ledger.sent[2].message["body"] == "B"
    assert {s.request_id for s in fake.ledger.sent} == {result.request_id}


async def test_numbers_and_credit_are_judged_after_acceptance() -> None:
    # concepts/request-acceptance.mdx: phase 1 accepts, phase 2 rejects by webhook.
    fake = FakeSmsManager(refused_numbers=["+420 777 000 002"])
    raw_answer = raw(
        fake,
        {
            "body": "Hi",
            "to": [
                {"phone_number": "123"},
                {"phone_number": "420777000002"},
                {"phone_number": "420777000003"},
            ],
        },
    ).json()
    assert [item["key"] for item in raw_answer["accepted"]] == ["0", "1", "2"]
    assert raw_answer["rejected"] == []
    async with fake.async_client() as client:
        simple = await client.send_simple("420777000002", "Hi", sender="Shop")
    assert simple.accepted is True
    reports = {
        (e["to"]["phone_number"], e["result"], e["result_info"]) for e in fake.delivery_reports()
    }
    assert ("123", "rejected", "[302] Invalid phone number format") in reports
    assert ("420777000002", "rejected", "[307] Insufficient credit") in reports
    assert ("420777000003", "delivered", "[0] Delivered") in reports
    assert not any(result == "sent" for number, result, _ in reports if number == "123")


async def test_the_test_number_is_accepted_and_never_reported() -> None:
    # guides/testing.mdx: 420777777777 validates the request, delivers nothing, no report.
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        result = await client.send(Message("Hi", to=["420777777777", "420777000001"]))
    assert None not in result.recipient_message_ids()
    assert {e["to"]["phone_number"] for e in fake.delivery_reports()} == {"420777000001"}


async def test_the_test_gateway_produces_reports() -> None:
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        await client.send(Message("Hi", to=["420777000001"], flow=[Sms(gateway="test")]))
    assert [e["result"] for e in fake.delivery_reports()] == ["sending", "sent", "delivered"]


async def test_answers_that_accept_nothing_can_be_injected() -> None:
    fake = FakeSmsManager(faults=FaultPlan(calls={1: "not_accepted", 2: "left_out"}))
    two = Message("Hi", to=["420777000001", "420777000002"])
    async with fake.async_client() as client:
        listed = await client.send(two)
        left_out = await client.send_batch([two, HI])
        simple = await client.send_simple("420777000001", "Hi", sender="Shop", method="GET")
    assert [item.key for item in listed.rejected] == [0, 1]
    assert listed.accepted == left_out.accepted == left_out.rejected == ()
    assert listed.recipient_message_ids() == [None, None]
    assert simple.accepted is True  # call 3 has no fault
    assert [call.processed for call in fake.ledger.calls] == [False, False, True]


async def test_counts_mode_keeps_counters_only() -> None:
    fake = FakeSmsManager(ledger="counts")
    async with fake.async_client() as client:
        for _ in range(3):
            await client.send_batch([Message("A", to=["420777000001"] * 10)] * 10)
    assert fake.ledger.accepted_count == 300
    assert fake.ledger.call_counts["/messages"] == 3
    assert fake.ledger.sent == []
    assert fake.ledger.calls == []


# -- faults -----------------------------------------------------------------------------


async def test_each_fault_is_what_the_client_sees_and_the_ledger_knows() -> None:
    plan = FaultPlan(
        calls={
            1: Fault(FaultKind.RATE_LIMIT, retry_after=0),
            3: FaultKind.UNAVAILABLE,
            4: FaultKind.SERVER_ERROR,
            5: FaultKind.DROP_BEFORE,
            6: FaultKind.DROP_AFTER,
            7: FaultKind.CONNECT_ERROR,
            9: Fault(FaultKind.SLOW, delay=0.01),
        }
    )
    fake = FakeSmsManager(faults=plan)
    async with fake.async_client() as client:
        await client.send(HI)  # call 1 is a 429, retried as call 2
        with pytest.raises(ServerError):
            await client.send(HI)  # 3: 503 after processing
        with pytest.raises(ServerError):
            await client.send(HI)  # 4: 500 after processing
        with pytest.raises(DeliveryUncertainError):
            await client.send(HI)  # 5: dropped before processing
        with pytest.raises(DeliveryUncertainError):
            await client.send(HI)  # 6: dropped after processing
        await client.send(HI)  # 7 refused to connect, retried as 8
        await client.send(HI)  # 9: slow
    calls = [(c.number, c.fault, c.status, c.processed) for c in fake.ledger.calls]
    assert calls == [
        (1, FaultKind.RATE_LIMIT, 429, False),
        (2, None, 200, True),
        (3, FaultKind.UNAVAILABLE, 503, True),
        (4, FaultKind.SERVER_ERROR, 500, True),
        (5, FaultKind.DROP_BEFORE, None, False),
        (6, FaultKind.DROP_AFTER, None, True),
        (7, FaultKind.CONNECT_ERROR, None, False),
        (8, None, 200, True),
        (9, FaultKind.SLOW, 200, True),
    ]
    assert fake.ledger.accepted_count == 6  # calls 2, 3, 4, 6, 8, 9
    assert fake.ledger.processed_phone_numbers() == {"420777123456": 6}


async def test_rate_limit_carries_retry_after() -> None:
    fake = FakeSmsManager(faults=FaultPlan(calls={1: Fault(FaultKind.RATE_LIMIT, retry_after=120)}))
    async with fake.async_client(retry=RetryPolicy(max_retry_after=60)) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.send(HI)
    assert caught.value.retry_after == 120


def test_fault_plans_are_deterministic_from_their_seed() -> None:
    def draws(seed: int) -> list[FaultKind | None]:
        plan = FaultPlan.mixed(0.3, seed=seed)
        return [f.kind if (f := plan.fault_for(n)) else None for n in range(1, 2001)]

    assert draws(1) == draws(1)
    assert draws(1) != draws(2)
    share = sum(kind is not None for kind in draws(1)) / 2000
    assert 0.25 < share < 0.35
    assert {kind for kind in draws(1) if kind} == set(FaultKind) - {FaultKind.SLOW}


def test_fault_rates_over_one_are_refused() -> None:
    with pytest.raises(ValueError, match="at most 1"):
        FaultPlan(rates={"rate_limit": 0.7, "drop_after": 0.5})


# -- webhooks ---------------------------------------------------------------------------


async def test_delivery_reports_follow_the_documented_shape() -> None:
    fake = FakeSmsManager(final_results={"420777000002": "undelivered"})
    async with fake.async_client() as client:
        await client.send(
            Message("Hi", to=["420777000001", "420777000002"], payload={"order": 7}, sender="Shop")
        )
    events = fake.delivery_reports()
    # guides/webhooks.mdx: sending, then sent, then the final result.
    assert [(e["to"]["phone_number"], e["result"]) for e in events] == [
        ("420777000001", "sending"),
        ("420777000001", "sent"),
        ("420777000001", "delivered"),
        ("420777000002", "sending"),
        ("420777000002", "sent"),
        ("420777000002", "undelivered"),
    ]
    delivered = events[2]
    assert delivered["type"] == "outgoing"
    assert delivered["gateway"] == "sms"
    assert delivered["message_id"] == fake.ledger.sent[0].message_id
    assert delivered["request_id"] == fake.ledger.sent[0].request_id
    assert delivered["payload"] == {"order": 7}
    assert delivered["result_info"] == "[0] Delivered"
    assert isinstance(delivered["timestamp"], int)
    assert set(delivered["sms"]) == {
        "sender",
        "country",
        "operator",
        "price_czk",
        "price_eur",
        "count",
        "gateway",
    }
    assert delivered["sms"]["sender"] == "Shop"
    assert fake.delivery_reports() == []  # each recipient is reported once


async def test_channel_stats_objects_are_named_per_channel() -> None:
    fake = FakeSmsManager(final_results={"420777000003": "rejected"})
    async with fake.async_client() as client:
        viber = Viber(body="v", sender="Shop")
        await client.send(Message(to=["420777000001"], flow=[viber, Sms(body="s")]))
        whatsapp = WhatsAppText(body="w", sender="514578330250514")
        await client.send(Message(to=["420777000002"], flow=[whatsapp]))
        await client.send(Message("Hi", to=["420777000003"]))
    events = fake.delivery_reports()
    assert events[2]["gateway"] == "viber"
    assert "viber" in events[2]
    assert isinstance(events[2]["viber"]["country"], int)  # MCC and MNC are integers
    assert "whatsapp_body" in events[5]
    assert events[6]["result"] == "rejected"  # nothing before it: never sent
    assert events[6]["result_info"] == "[307] Insufficient credit"


async def test_replies_and_inbound_messages() -> None:
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        await client.send(
            Message("Hi", to=["420777000001"], sender="420777999999", payload={"a": 1})
        )
    sent = fake.ledger.sent[0]
    reply = fake.reply(sent, "Thanks!")
    assert reply == {
        "request_id": sent.request_id,
        "message_id": sent.message_id,
        "payload": {"a": 1},
        "gateway": "sms",
        "timestamp": reply["timestamp"],
        "type": "incoming",
        "sender": "420777000001",
        "recipient": "420777999999",
        "body": "Thanks!",
    }
    inbound = fake.inbound("420777000005", "420777999999", "STOP", gateway="whatsapp")
    assert "message_id" not in inbound
    assert inbound["type"] == "incoming"
    assert inbound["gateway"] == "whatsapp"


async def test_webhooks_are_posted_as_arrays_to_each_callback() -> None:
    received: dict[str, list[Any]] = {}

    def receiver(request: httpx.Request) -> httpx.Response:
        received.setdefault(str(request.url), []).append(json.loads(request.content))
        return httpx.Response(200)

    fake = FakeSmsManager()
    async with fake.async_client() as client:
        await client.send(Message("A", to=["420777000001"], callback="https://a.example/hook"))
        await client.send(
            Message("B", to=["420777000002", "420777000003"], callback="https://b.example/hook")
        )
        await client.send(Message("C", to=["420777000004"]))
    async with httpx.AsyncClient(transport=httpx.MockTransport(receiver)) as http:
        answers = await fake.deliver_webhooks(http, default_url="https://account.example/hook")
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [len(batch[0]) for batch in received.values()] == [3, 6, 3]
    assert list(received) == [
        "https://a.example/hook",
        "https://b.example/hook",
        "https://account.example/hook",
    ]


# -- ways to plug it in -----------------------------------------------------------------


def test_the_blocking_client_works_against_the_fake() -> None:
    fake = FakeSmsManager()
    with fake.client() as client:
        result = client.send_batch([HI, HI])
    assert len(result.accepted) == 2
    assert fake.ledger.accepted_count == 2


async def test_the_asgi_app_answers_like_the_transport() -> None:
    fake = FakeSmsManager()
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.asgi_app))
    async with AsyncClient(
        api_key=fake.api_key, base_url="http://127.0.0.1/v2", http_client=http
    ) as client:
        result = await client.send(HI)
        simple = await client.send_simple("420777123456", "Hi", sender="Shop", method="GET")
    await http.aclose()
    assert result.recipient_message_ids() == [fake.ledger.sent[0].message_id]
    assert simple.accepted


@pytest.fixture
def served_fake() -> Iterator[tuple[FakeSmsManager, str]]:
    fake = FakeSmsManager(faults=FaultPlan(calls={2: FaultKind.SERVER_ERROR}))
    with serve(fake) as base_url:
        yield fake, base_url


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_the_fake_served_on_loopback_by_uvicorn(
    served_fake: tuple[FakeSmsManager, str],
) -> None:
    fake, base_url = served_fake
    async with AsyncClient(api_key=fake.api_key, base_url=base_url) as client:
        await client.send(HI)
        with pytest.raises(ServerError):
            await client.send(HI)  # call 2 fails after processing
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            f"{base_url}/message", json={"body": "Hi"}, headers={"x-api-key": fake.api_key}
        )
    assert answer.status_code == 400
    assert fake.ledger.accepted_count == 2


def test_the_pytest_plugin_gives_a_fresh_fake(smsmngr_fake: FakeSmsManager) -> None:
    with smsmngr_fake.client() as client:
        client.send(HI)
    assert smsmngr_fake.ledger.accepted_count == 1


def test_the_fake_is_safe_to_share_across_threads() -> None:
    fake = FakeSmsManager()

    def send_some() -> None:
        with fake.client() as client:
            for _ in range(20):
                client.send(HI)

    threads = [threading.Thread(target=send_some) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert fake.ledger.accepted_count == 80
    assert len({s.message_id for s in fake.ledger.sent}) == 80
    assert sorted(c.number for c in fake.ledger.calls) == list(range(1, 81))


async def test_slow_faults_really_wait() -> None:
    fake = FakeSmsManager(faults=FaultPlan(calls={1: Fault(FaultKind.SLOW, delay=0.2)}))
    async with fake.async_client() as client:
        with anyio.move_on_after(0.05) as scope:
            await client.send(HI)
    assert scope.cancelled_caught
