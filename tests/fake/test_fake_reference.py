"""FakeSmsManager answers as the reference does, where users' tests would otherwise
pass or fail for the wrong reasons: aliases, Content-Type, senders, tags, error
shapes, delivery reports and what a 503 means."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from smsmngr import DeliveryUncertainError, Message, ServerError, Sms, Viber, WhatsAppTemplate
from smsmngr.testing import FakeSmsManager, FaultKind, FaultPlan

from ..support import BASE_URL, DATA

pytestmark = pytest.mark.anyio

API = BASE_URL.removesuffix("/v2")
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
ONE = {"body": "Hi", "to": [{"phone_number": "420777123456"}]}
EXAMPLES: list[dict[str, Any]] = json.loads(
    (DATA / "reference_examples.json").read_text(encoding="utf-8")
)


def post(
    fake: FakeSmsManager, path: str, content: bytes | str, content_type: str | None = JSON
) -> httpx.Response:
    """A POST straight to the fake, with exactly this ``Content-Type`` (or none)."""
    headers = {"x-api-key": fake.api_key}
    if content_type is not None:
        headers["content-type"] = content_type
    with httpx.Client(transport=fake.transport, base_url=API) as http:
        return http.post(path, content=content, headers=headers)


def post_json(fake: FakeSmsManager, body: Any, path: str = "/v2/message") -> httpx.Response:
    return post(fake, path, json.dumps(body))


# -- every request example of the reference ------------------------------------------------


@pytest.mark.parametrize(
    "example",
    [
        pytest.param(e, id=f"{e['page']}: {e['title']}")
        for e in EXAMPLES
        if e["kind"] in ("message", "messages", "simple_form")
    ],
)
def test_every_request_example_of_the_reference_is_accepted(example: dict[str, Any]) -> None:
    fake = FakeSmsManager()
    if example["kind"] == "simple_form":
        answer = post(fake, "/v2/simple/message", urlencode(example["example"]), FORM)
        assert answer.json()["accepted"] is True
    else:
        path = "/v2/messages" if example["kind"] == "messages" else "/v2/message"
        answer = post_json(fake, example["example"], path)
        assert answer.status_code == 200, answer.text
        assert answer.json()["accepted"]


# -- documented aliases -------------------------------------------------------------------


def test_message_tag_is_the_documented_alias_of_tag() -> None:
    fake = FakeSmsManager()
    assert post_json(fake, {**ONE, "messageTag": "Newsletter"}).status_code == 200
    (row,) = rest_get(fake, "/messages", date=today(), tag="newsletter")["messages"]
    assert row["message_id"] == fake.ledger.sent[0].message_id


def test_simple_message_takes_number_body_and_time_for_its_fields() -> None:
    fake = FakeSmsManager()
    form = {
        "number": "420777123456",
        "body": "Hi",
        "sender": "Shop",
        "time": "2025-01-11T10:00:00Z",
    }
    answer = post(fake, "/v2/simple/message", urlencode(form), FORM)
    assert answer.json()["accepted"] is True
    (sent,) = fake.ledger.sent
    assert (sent.phone_number, sent.message["body"]) == ("420777123456", "Hi")
    query = {"apikey": fake.api_key, "number": "420777123456", "body": "Hi", "sender": "Shop"}
    with httpx.Client(transport=fake.transport, base_url=API) as http:
        assert http.get("/v2/simple/message", params=query).json()["accepted"] is True


def test_a_simple_custom_id_is_stored_in_the_payload() -> None:
    # The OpenAPI: "It is stored in the message payload (as customID)".
    fake = FakeSmsManager()
    form = {"phone_number": "420777123456", "message": "Hi", "sender": "Shop", "customID": "7"}
    post(fake, "/v2/simple/message", urlencode(form), FORM)
    assert fake.delivery_reports()[-1]["payload"] == {"customID": "7"}


@pytest.mark.parametrize("name", ["parameters_body", "parameters_header", "parameters_buttons"])
def test_template_parameters_take_their_older_documented_names(name: str) -> None:
    fake = FakeSmsManager()
    step = {"template_name": "order", "language": "en", "sender": "514578330250514", name: ["7"]}
    answer = post_json(fake, {"to": ONE["to"], "flow": [{"whatsapp_template": step}]})
    assert answer.status_code == 200, answer.text


# -- Content-Type, checked synchronously --------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content", "content_type"),
    [
        ("/v2/message", json.dumps(ONE), "text/plain"),
        ("/v2/message", json.dumps(ONE), None),
        ("/v2/message/priority", json.dumps(ONE), FORM),
        ("/v2/messages", json.dumps([ONE]), "text/plain"),
        ("/v2/simple/message", json.dumps({"phone_number": "420777123456"}), JSON),
    ],
)
def test_a_wrong_content_type_is_a_415(path: str, content: str, content_type: str | None) -> None:
    fake = FakeSmsManager()
    answer = post(fake, path, content, content_type)
    assert answer.status_code == 415
    assert answer.json() == {"message": "Unsupported Media Type "}  # the OpenAPI's example
    assert fake.ledger.accepted_count == 0


def test_a_charset_parameter_is_no_other_content_type() -> None:
    fake = FakeSmsManager()
    assert post(fake, "/v2/message", json.dumps(ONE), f"{JSON}; charset=utf-8").status_code == 200


# -- required senders ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "step",
    [
        {"viber": {"body": "Hi"}},
        {"whatsapp_text": {"body": "Hi"}},
        {"whatsapp_template": {"template_name": "order", "language": "en"}},
    ],
)
def test_viber_and_whatsapp_steps_need_a_sender_in_the_step_or_the_message(
    step: dict[str, Any],
) -> None:
    fake = FakeSmsManager()
    ((channel, _),) = step.items()
    refused = post_json(fake, {**ONE, "flow": [{"sms": {}}, step]})
    assert refused.status_code == 400
    assert f"message.flow[1].{channel}.sender" in refused.json()["Message"]
    assert post_json(fake, {**ONE, "sender": "Shop", "flow": [step]}).status_code == 200


def test_sms_and_rcs_steps_need_no_sender() -> None:
    fake = FakeSmsManager()
    assert post_json(fake, {**ONE, "flow": [{"sms": {}}, {"rcs": {}}]}).status_code == 200


# -- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v2/message", b"{not json"),
        ("/v2/message", b'{"body": "Hi"}'),
        ("/v2/messages", b"[]"),
    ],
)
def test_validation_errors_have_the_references_shape(path: str, body: bytes) -> None:
    answer = post(FakeSmsManager(), path, body)
    assert answer.status_code == 400
    assert set(answer.json()) == {"Message"}


# -- tags, as the platform normalizes them ------------------------------------------------


def today() -> str:
    return dt.datetime.now(dt.timezone.utc).date().isoformat()


def rest_get(fake: FakeSmsManager, path: str, **query: str) -> Any:
    with httpx.Client(transport=fake.transport, base_url=f"{API}/v1") as http:
        answer = http.get(path, params=query, headers={"x-api-key": fake.api_key})
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_tags_are_stored_and_matched_as_the_platform_normalizes_them() -> None:
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        await client.send(Message("A", to=["420777000001"], tag="Summer Sale!"))
        await client.send(Message("B", to=["420777000002"], tag="VIP, Summer_2025"))
        await client.send(Message("C", to=["420777000003"]))
        statuses = [await client.status.get_message_status(s.message_id) for s in fake.ledger.sent]
        assert [s.tag for s in statuses if s is not None] == [
            "summersale",
            "summer_2025,vip",
            "promotional",
        ]
        rows = client.status.iter_messages(today(), tag="SummerSale")
        found = [row.phone_number async for row in rows]
        assert found == ["420777000001"]
        rows = client.status.iter_messages(today(), tag="vip,summer_2025")
        both = [r.phone_number async for r in rows]
        assert both == ["420777000002"]
        (day,) = await client.status.get_daily_stats([dt.date.fromisoformat(today())])
    assert day.tags == ("promotional", "summer_2025,vip", "summersale")


# -- delivery reports ---------------------------------------------------------------------


async def test_failed_and_undelivered_reports_carry_the_references_codes() -> None:
    # guides/webhooks.mdx; [302] and [303] are rejection codes (the OpenAPI's result_info).
    fake = FakeSmsManager(final_results={"420777000001": "failed", "420777000002": "undelivered"})
    async with fake.async_client() as client:
        await client.send(Message("Hi", to=["420777000001", "420777000002"]))
    finals = {e["to"]["phone_number"]: e["result_info"] for e in fake.delivery_reports()}
    assert finals == {"420777000001": "[3] Failed", "420777000002": "[1] Undelivered"}


async def test_a_report_has_a_payload_only_when_the_message_had_one() -> None:
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        await client.send(Message("Hi", to=["420777000001"]))
        await client.send(Message("Hi", to=["420777000002"], payload={"order": "7"}))
    events = fake.delivery_reports()
    assert {"payload" in e for e in events if e["to"]["phone_number"] == "420777000001"} == {False}
    assert events[-1]["payload"] == {"order": "7"}
    assert "payload" not in fake.reply(fake.ledger.sent[0], "Thanks")


async def test_only_sms_statistics_name_a_gateway() -> None:
    # The OpenAPI's viber, whatsapp_body and whatsapp_template objects have no gateway.
    fake = FakeSmsManager()
    template = WhatsAppTemplate("order", language="en", sender="514578330250514")
    async with fake.async_client() as client:
        await client.send(Message(to=["420777000001"], flow=[Viber(body="v", sender="Shop")]))
        await client.send(Message(to=["420777000002"], flow=[template]))
        await client.send(Message("s", to=["420777000003"], flow=[Sms(gateway="lowcost")]))
    stats = {
        key: event[key]
        for event in fake.delivery_reports()
        for key in ("viber", "whatsapp_template", "sms")
        if key in event
    }
    assert "gateway" not in stats["viber"]
    assert "gateway" not in stats["whatsapp_template"]
    assert stats["sms"]["gateway"] == "lowcost"


# -- 503 ----------------------------------------------------------------------------------


async def test_a_503_may_have_been_processed_as_the_sdk_reads_it() -> None:
    fake = FakeSmsManager(faults=FaultPlan(calls={1: FaultKind.UNAVAILABLE}))
    async with fake.async_client() as client:
        with pytest.raises(ServerError) as caught:
            await client.send(Message("Hi", to=["420777000001"]))
    assert isinstance(caught.value, DeliveryUncertainError)
    assert caught.value.status_code == 503
    ((number, status, processed),) = [(c.number, c.status, c.processed) for c in fake.ledger.calls]
    assert (number, status, processed) == (1, 503, True)
    assert fake.ledger.sends_per_phone_number() == {"420777000001": 1}
