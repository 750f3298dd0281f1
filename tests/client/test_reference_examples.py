"""Every JSON API v2 example of the official reference, through the public API.

``tests/data/reference_examples.json`` holds each example of the reference's pages and
of its OpenAPI (``openapi/json/jsonapi_v2.yaml``) verbatim, with the page it comes
from. Request examples are built with the SDK's own classes, sent through a client,
and the JSON that goes out must equal the example; answers and webhooks must parse
to what they say.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from smsmngr import (
    AsyncClient,
    AuthenticationError,
    Callback,
    DeliveryWindow,
    FlowStep,
    Message,
    Rcs,
    RcsButton,
    RcsCard,
    Recipient,
    Sms,
    Viber,
    ViberButton,
    WhatsAppButton,
    WhatsAppMedia,
    WhatsAppTemplate,
    WhatsAppText,
)
from smsmngr.webhooks import (
    DeliveryReport,
    IncomingMessage,
    IncomingReply,
    InvalidEvent,
    UnknownEvent,
    parse,
)

from ..support import API_KEY, DATA, NO_WAIT

pytestmark = pytest.mark.anyio

EXAMPLES: list[dict[str, Any]] = json.loads(
    (DATA / "reference_examples.json").read_text(encoding="utf-8")
)


def examples(*kinds: str) -> list[Any]:
    """The examples of these kinds, each test named after its page and title."""
    return [
        pytest.param(e["example"], id=f"{e['page']}: {e['title']}")
        for e in EXAMPLES
        if e["kind"] in kinds
    ]


# -- building the SDK's objects from an example, with its own classes ----------------------


def _typed(cls: Callable[..., Any], fields: Mapping[str, Any]) -> Any:
    return cls(**fields)


def build_rcs_card(fields: Mapping[str, Any]) -> RcsCard:
    fields = dict(fields)
    if "buttons" in fields:
        fields["buttons"] = [_typed(RcsButton, b) for b in fields["buttons"]]
    return RcsCard(**fields)


def build_step(key: str, fields: Mapping[str, Any]) -> FlowStep:
    fields = dict(fields)
    if key == "sms":
        return Sms(**fields)
    if key == "viber":
        if "buttons" in fields:
            fields["buttons"] = [_typed(ViberButton, b) for b in fields["buttons"]]
        return Viber(**fields)
    if key == "whatsapp_text":
        for media in ("image", "video", "document", "audio"):
            if media in fields:
                fields[media] = _typed(WhatsAppMedia, fields[media])
        if "buttons" in fields:
            fields["buttons"] = [_typed(WhatsAppButton, b) for b in fields["buttons"]]
        return WhatsAppText(**fields)
    if key == "whatsapp_template":
        return WhatsAppTemplate(**fields)
    assert key == "rcs"
    if "buttons" in fields:
        fields["buttons"] = [_typed(RcsButton, b) for b in fields["buttons"]]
    if "card" in fields:
        fields["card"] = build_rcs_card(fields["card"])
    if "carousel" in fields:
        fields["carousel"] = [build_rcs_card(item) for item in fields["carousel"]]
    return Rcs(**fields)


def build_flow(flow: list[Mapping[str, Any]]) -> list[FlowStep]:
    steps = []
    for step in flow:
        ((key, fields),) = step.items()
        steps.append(build_step(key, fields))
    return steps


def build_message(example: Mapping[str, Any]) -> Message:
    fields = dict(example)
    fields["to"] = [Recipient(r["phone_number"]) for r in fields["to"]]
    if "datetime" in fields:
        stamp = fields.pop("datetime").replace("Z", "+00:00")
        fields["scheduled_at"] = dt.datetime.fromisoformat(stamp)
    if "delivery_time" in fields:
        fields["delivery_time"] = DeliveryWindow(**fields["delivery_time"])
    if isinstance(fields.get("callback"), Mapping):
        fields["callback"] = Callback(**fields["callback"])
    if "flow" in fields:
        fields["flow"] = build_flow(fields["flow"])
    return Message(**fields)


# -- a client whose requests are captured --------------------------------------------------


class Recorder:
    """Answers every request with ``answer`` (a success accepting every key by default)
    and keeps what was sent."""

    def __init__(self, answer: Any = None, status: int = 200) -> None:
        self.requests: list[httpx.Request] = []
        self._answer, self._status = answer, status

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self._answer is not None:
            return httpx.Response(self._status, json=self._answer)
        sent = json.loads(request.content)
        keys = len(sent) if isinstance(sent, list) else len(sent["to"])
        accepted = [{"key": str(k), "message_id": f"m{k}"} for k in range(keys)]
        return httpx.Response(200, json={"request_id": "r", "accepted": accepted, "rejected": []})

    def client(self) -> AsyncClient:
        http_client = httpx.AsyncClient(transport=httpx.MockTransport(self))
        return AsyncClient(api_key=API_KEY, retry=NO_WAIT, http_client=http_client)

    def sent(self) -> Any:
        return json.loads(self.requests[-1].content)


async def sent_for(message: Message) -> Any:
    recorder = Recorder()
    async with recorder.client() as client:
        await client.send(message)
    return recorder.sent()


# -- requests ------------------------------------------------------------------------------


@pytest.mark.parametrize("example", examples("message"))
async def test_a_message_example_goes_out_as_written(example: dict[str, Any]) -> None:
    assert await sent_for(build_message(example)) == example


@pytest.mark.parametrize("example", examples("messages"))
async def test_a_messages_example_goes_out_as_written(example: list[dict[str, Any]]) -> None:
    recorder = Recorder()
    async with recorder.client() as client:
        await client.send_batch([build_message(m) for m in example])
    assert recorder.sent() == example


@pytest.mark.parametrize("example", examples("step"))
async def test_a_flow_step_example_goes_out_as_written(example: dict[str, Any]) -> None:
    ((key, fields),) = example.items()
    message = Message("Fallback text", to=["420777123456"], flow=[build_step(key, fields)])
    assert (await sent_for(message))["flow"] == [example]


@pytest.mark.parametrize("example", examples("flow"))
async def test_a_flow_example_goes_out_as_written(example: dict[str, Any]) -> None:
    message = Message("Fallback text", to=["420777123456"], flow=build_flow(example["flow"]))
    assert (await sent_for(message))["flow"] == example["flow"]


@pytest.mark.parametrize("example", examples("field:whatsapp_template"))
async def test_a_template_field_example_goes_out_as_written(example: dict[str, Any]) -> None:
    step = WhatsAppTemplate("order_update", language="cs", sender="514578330250514", **example)
    (sent_step,) = (await sent_for(Message(to=["420777123456"], flow=[step])))["flow"]
    fields = sent_step["whatsapp_template"]
    assert {key: fields[key] for key in example} == example


@pytest.mark.parametrize("example", examples("field:whatsapp_text"))
async def test_a_whatsapp_text_field_example_goes_out_as_written(example: dict[str, Any]) -> None:
    step = WhatsAppText(
        sender="514578330250514",
        body="Continue?",
        buttons=[WhatsAppButton("Yes", id="yes")],
        **example,
    )
    (sent_step,) = (await sent_for(Message(to=["420777123456"], flow=[step])))["flow"]
    fields = sent_step["whatsapp_text"]
    assert {key: fields[key] for key in example} == example


@pytest.mark.parametrize("example", examples("field:message"))
async def test_a_message_field_example_goes_out_as_written(example: dict[str, Any]) -> None:
    sent = await sent_for(Message("See https://example.com", to=["420777123456"], **example))
    assert {key: sent[key] for key in example} == example


@pytest.mark.parametrize("example", examples("simple_form"))
async def test_a_simple_message_example_goes_out_as_written(example: dict[str, str]) -> None:
    recorder = Recorder({"request_id": "r", "message_id": "m", "accepted": True})
    scheduled = example.get("datetime")
    async with recorder.client() as client:
        await client.send_simple(
            example["phone_number"],
            example["message"],
            sender=example["sender"],
            custom_id=example.get("customID"),
            scheduled_at=(
                dt.datetime.fromisoformat(scheduled.replace("Z", "+00:00")) if scheduled else None
            ),
        )
    assert dict(parse_qsl(recorder.requests[-1].content.decode())) == example


# -- answers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("example", examples("response"))
async def test_an_answer_example_reads_as_it_says(example: dict[str, Any]) -> None:
    recorder = Recorder(example)
    recipients = 1 + max(int(item["key"]) for item in example["accepted"] + example["rejected"])
    async with recorder.client() as client:
        result = await client.send(Message("Hi", to=["420777123456"] * recipients))
    assert result.request_id == example["request_id"]
    assert [(item.key, item.message_id) for item in result.accepted] == [
        (int(item["key"]), item["message_id"]) for item in example["accepted"]
    ]
    assert [item.key for item in result.rejected] == [
        int(item["key"]) for item in example["rejected"]
    ]
    accepted_keys = {int(item["key"]) for item in example["accepted"]}
    ids = result.recipient_message_ids()
    assert [i for i, message_id in enumerate(ids) if message_id is None] == [
        k for k in range(recipients) if k not in accepted_keys
    ]  # decided by "accepted" alone (concepts/request-acceptance.mdx)


@pytest.mark.parametrize("example", examples("simple_response"))
async def test_a_simple_answer_example_reads_as_it_says(example: dict[str, Any]) -> None:
    recorder = Recorder(example)
    async with recorder.client() as client:
        result = await client.send_simple("420777123456", "Hi", sender="Shop")
    assert (result.request_id, result.accepted) == (example["request_id"], example["accepted"])
    assert result.message_id == example.get("message_id")


@pytest.mark.parametrize("example", examples("error"))
async def test_the_wrong_key_answer_is_an_authentication_error(example: dict[str, Any]) -> None:
    recorder = Recorder(example, status=400)
    async with recorder.client() as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.send(Message("Hi", to=["420777123456"]))
    assert caught.value.status_code == 400
    assert caught.value.body == example


@pytest.mark.parametrize("example", examples("webhook"))
def test_a_webhook_example_parses_to_the_documented_events(example: Any) -> None:
    items = example if isinstance(example, list) else [example]
    events = parse(json.dumps(example))
    assert len(events) == len(items)
    for item, event in zip(items, events, strict=True):
        assert not isinstance(event, (InvalidEvent, UnknownEvent)), event
        if item.get("type") == "incoming":
            expected = IncomingReply if "message_id" in item else IncomingMessage
            assert type(event) is expected
            assert (event.sender, event.body) == (item["sender"], item.get("body"))
            continue
        assert isinstance(event, DeliveryReport)
        assert (event.message_id, event.result) == (item["message_id"], item["result"])
        if "to" in item:
            assert event.phone_number == item["to"]["phone_number"]
        if "payload" in item:
            assert event.payload == item["payload"]
        if "result_info" in item:
            assert event.result_info is not None
            assert event.result_info.raw == item["result_info"]
        for channel in ("sms", "viber", "whatsapp_body", "whatsapp_template"):
            if channel in item:
                assert event.stats is not None
                assert (event.stats.country, event.stats.operator) == (
                    item[channel]["country"],
                    item[channel]["operator"],
                )


def test_every_kind_of_example_is_tested() -> None:
    tested = {
        "message", "messages", "step", "flow", "field:whatsapp_template", "field:whatsapp_text",
        "field:message", "simple_form", "response", "simple_response", "error", "webhook",
    }  # fmt: skip
    assert {e["kind"] for e in EXAMPLES} == tested
    assert len(EXAMPLES) >= 140
