"""``client.whatsapp`` against the fake: templates listed, created, edited, deleted and
tested, signup to registration, analytics from the ledger, and every argument checked
before any request."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from smsmngr import (
    AsyncClient,
    Message,
    MessageTemplate,
    TemplateComponent,
    ValidationError,
    WhatsAppError,
    WhatsAppTemplate,
)
from smsmngr.testing import FakeSmsManager

from ..support import API_KEY

pytestmark = pytest.mark.anyio

WABA = "1234567890"
SENDER = "109876543210987"
BODY = {"type": "BODY", "text": "Hi {{1}}", "example": {"body_text": [["Ann"]]}}


@pytest.fixture
def fake() -> FakeSmsManager:
    return FakeSmsManager()


@pytest.fixture
async def wa(fake: FakeSmsManager) -> Any:
    async with fake.async_client() as client:
        yield client.whatsapp


async def templates(wa: Any) -> dict[str, MessageTemplate]:
    return {t.name: t async for t in wa.iter_templates(WABA)}


async def test_the_fake_has_a_waba_with_a_number_and_templates_from_the_start(wa: Any) -> None:
    (account,) = await wa.list_accounts()
    assert (account.waba_id, account.client_id) == (WABA, "client-42")
    (number,) = await wa.list_phone_numbers(WABA)
    assert (number.phone_number_id, number.status) == (SENDER, "CONNECTED")
    listed = await templates(wa)
    assert listed["order_update"].status == "APPROVED"
    assert listed["order_update"].components[0].text.startswith("Ahoj {{1}}")
    assert await wa.list_accounts(client_id="someone-else") == ()


async def test_created_edited_and_deleted_templates_are_listed_so(wa: Any) -> None:
    created = await wa.create_template(
        WABA, "autumn_sale", language="en_US", category="MARKETING", components=[BODY]
    )
    assert (await templates(wa))["autumn_sale"].id == created.template_id
    footer = {"type": "FOOTER", "text": "Bye"}
    await wa.edit_template(WABA, created.template_id, category="UTILITY", components=[footer])
    edited = (await templates(wa))["autumn_sale"]
    assert edited.category == "UTILITY"
    assert {c.type for c in edited.components} == {"BODY", "FOOTER"}
    outcome = await wa.delete_template(WABA, "autumn_sale")
    assert outcome.message == "Whatsapp template deleted"
    assert "autumn_sale" not in await templates(wa)
    with pytest.raises(WhatsAppError, match="deletion failed"):
        await wa.delete_template(WABA, "autumn_sale")


async def test_a_template_from_the_library_is_listed(wa: Any) -> None:
    created = await wa.create_template_from_library(
        WABA, "delivery_update_1", language="en_US", library_template_name="delivery_update"
    )
    assert created.category == "UTILITY"
    assert "delivery_update_1" in await templates(wa)


async def test_a_test_template_is_a_whatsapp_message_in_the_ledger(
    fake: FakeSmsManager, wa: Any
) -> None:
    welcome = (await templates(wa))["welcome"]
    sent = await wa.send_test_template(
        WABA,
        sender=SENDER,
        phone_number="+420 777 000 001",
        name=welcome.name,
        language=welcome.language,
        components=welcome.components,
    )
    (recipient,) = fake.ledger.sent
    assert sent.wamid == f"wamid.{recipient.message_id}"
    step = recipient.message["flow"][0]["whatsapp_template"]
    assert (recipient.phone_number, step["template_name"], step["params"]) == (
        "420777000001",
        "welcome",
        ["Ann"],
    )
    with pytest.raises(WhatsAppError, match="test failed"):  # not a number of this WABA
        await wa.send_test_template(
            WABA, sender="1", phone_number="420777000001", name="welcome", language="en_US",
            components=[BODY],
        )  # fmt: skip


async def test_a_listed_template_gives_its_sending_step(fake: FakeSmsManager) -> None:
    async with fake.async_client() as client:
        order = (await templates(client.whatsapp))["order_update"]
        step = order.step(sender=SENDER, params=["Ann", "42"])
        assert step == WhatsAppTemplate(
            "order_update", sender=SENDER, language="cs", params=["Ann", "42"]
        )
        await client.send(Message(to=["420777000002"], flow=[step]))
    assert fake.ledger.sent[0].message["flow"][0]["whatsapp_template"]["language"] == "cs"


async def test_analytics_count_the_ledgers_whatsapp_messages(fake: FakeSmsManager) -> None:
    async with fake.async_client() as client:
        order = (await templates(client.whatsapp))["order_update"]
        step = order.step(sender=SENDER, params=["Ann", "42"])
        await client.send(Message(to=["420777000002", "420777000003"], flow=[step]))
        await client.send(Message("Not WhatsApp", to=["420777000004"]))
        fake.delivery_reports()
        messages = await client.whatsapp.get_message_analytics(WABA, granularity="MONTH")
        assert [(p.sent, p.delivered) for p in messages.data_points] == [(2, 2)]
        conversations = await client.whatsapp.get_conversation_analytics(WABA)
        assert [(p.category, p.conversations) for p in conversations.data_points] == [
            ("UTILITY", 2)
        ]
        with pytest.raises(WhatsAppError, match="insights"):
            await client.whatsapp.get_template_analytics(WABA, [order.id])
        assert await client.whatsapp.enable_template_analytics(WABA) == {"success": True}
        stats = await client.whatsapp.get_template_analytics(WABA, [order.id])
        assert [p.sent for p in stats.templates[0].data_points] == [2]
        before = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
        old = await client.whatsapp.get_message_analytics(WABA, start=0, end=before)
        assert old.data_points == ()


async def test_signup_registration_and_a_pool_numbers_verification(wa: Any) -> None:
    signup = await wa.signup(business_name="Shop", number_mode="preassign", country="cz")
    assert signup.token not in repr(signup)  # a secret, as the key is
    done = await wa.register(signup.token, "555", "meta-code", country="cz")
    assert (await wa.list_phone_numbers("555"))[0].phone_number == done.phone_number
    with pytest.raises(WhatsAppError, match="not registered"):
        await wa.register("not-a-token", "556", "meta-code", phone_number_id="1")
    check = await wa.check_phone_number("420226633285")
    assert (check.available, check.reason) == (False, "Whatsapp phone number not verified")
    await wa.verify_phone_number("420226633285", "123456")
    assert (await wa.check_phone_number("420226633285")).available
    assert not (await wa.check_phone_number("420111111111")).available


def test_the_blocking_client_lists_templates(fake: FakeSmsManager) -> None:
    with fake.client() as client:
        names = [t.name for t in client.whatsapp.iter_templates(WABA)]
        assert names == ["order_update", "welcome"]
        assert repr(client.whatsapp).startswith("<WhatsApp base_url=")


NEW: dict[str, Any] = {"language": "en", "category": "UTILITY", "components": [BODY]}
TEST: dict[str, Any] = {"phone_number": "420777000001", "name": "x", **NEW}
del TEST["category"]


def create(name: str = "x", **changes: Any) -> Any:
    return lambda wa: wa.create_template(WABA, name, **{**NEW, **changes})


def analytics(**arguments: Any) -> Any:
    return lambda wa: wa.get_message_analytics(WABA, **arguments)


def conversations(**arguments: Any) -> Any:
    return lambda wa: wa.get_conversation_analytics(WABA, **arguments)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda wa: wa.list_phone_numbers(""), "waba_id"),
        (lambda wa: wa.list_accounts(token="t"), "waba_id"),
        (lambda wa: wa.list_accounts(waba_id=WABA), "token"),
        (lambda wa: wa.signup(number_mode="other"), "number_mode"),
        (lambda wa: wa.register("t", WABA, "c"), "phone_number_id"),
        (lambda wa: wa.register("t", WABA, "c", phone_number_id="1", country="cz"), "country"),
        (lambda wa: wa.register("t", WABA, "c", country="cz", logo="x.png"), "logo"),
        (lambda wa: wa.verify_phone_number("12", "1"), "phone_number"),
        (create(category="SPAM"), "category"),
        (create("x" * 101), "name"),
        (create(components=[]), "components"),
        (create(components=[{"type": "SIDE"}]), "components[0].type"),
        (create(components=[{"type": "BODY", "n": float("nan")}]), "components[0]"),
        (lambda wa: wa.create_template_from_library(
            WABA, "x", language="en", library_template_name="l", button_inputs="URL"
        ), "button_inputs"),
        (lambda wa: wa.edit_template(WABA, "1"), "category"),
        (lambda wa: wa.send_test_template(WABA, sender="", **TEST), "sender"),
        (analytics(granularity="DAILY"), "granularity"),
        (analytics(start=dt.datetime(2026, 1, 1)), "start"),
        (analytics(start=2, end=1), "end"),
        (analytics(phone_numbers=["420777000001", "x"]), "phone_numbers[1]"),
        (conversations(directions=["SIDEWAYS"]), "directions[0]"),
        (conversations(categories="MARKETING"), "categories"),
        (lambda wa: wa.get_template_analytics(WABA, []), "template_ids"),
    ],
)  # fmt: skip
async def test_bad_arguments_are_named_before_any_request(call: Any, field: str) -> None:
    requests: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, json={"success": True})

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    async with AsyncClient(api_key=API_KEY, http_client=http) as client:
        with pytest.raises(ValidationError) as raised:
            await call(client.whatsapp)
    assert raised.value.field == field
    assert requests == []


@pytest.mark.parametrize(
    ("call", "says"),
    [
        (create(components=[]), "components: must not be empty"),
        (lambda wa: wa.get_template_analytics(WABA, []), "template_ids: must not be empty"),
        (analytics(phone_numbers=[]), "phone_numbers: must not be empty (leave it out"),
        (conversations(types=[]), "types: must not be empty (leave it out"),
    ],
)
async def test_an_empty_list_is_told_to_be_left_out_only_where_it_filters(
    call: Any, says: str
) -> None:
    async with AsyncClient(api_key=API_KEY) as client:
        with pytest.raises(ValidationError) as raised:
            await call(client.whatsapp)
    assert str(raised.value).startswith(says), raised.value
    assert ("leave it out" in str(raised.value)) == says.endswith("leave it out")


async def test_listed_components_can_be_sent_back(fake: FakeSmsManager) -> None:
    header = TemplateComponent(type="HEADER", format="IMAGE", example={"header_handle": ["h"]})
    async with fake.async_client() as faked:
        await faked.whatsapp.edit_template(WABA, "9876543210", components=[header])
        order = (await templates(faked.whatsapp))["order_update"]
    assert [c.type for c in order.components] == ["BODY", "HEADER"]
    assert order.components[1] == header
