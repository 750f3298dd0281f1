"""Webhook parsing, helpers, the tracker and the receivers."""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import hashlib
import hmac
import json
import logging
from typing import Any

import anyio.lowlevel
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smsmngr import Message, Viber, WebhookError
from smsmngr.testing import FakeSmsManager
from smsmngr.webhooks import (
    DeliveryReport,
    DeliveryTracker,
    Event,
    IncomingMessage,
    IncomingReply,
    InvalidEvent,
    ResultInfo,
    UnknownEvent,
    asgi_receiver,
    parse,
    split_message_id,
    wsgi_receiver,
)

# The documented examples, as the reference shows them.
SENT = {
    "request_id": "bc36f3d1-d284-463a-921b-a3560c154649",
    "message_id": "e27ff0ac-87b5-4e1d-b644-5fc6029e2a11",
    "gateway": "sms",
    "timestamp": 1700000000,
    "payload": {"order": 7},
    "type": "outgoing",
    "to": {"phone_number": "420777123456"},
    "result": "delivered",
    "result_info": "[0] Delivered",
    "sms": {
        "sender": "Shop",
        "country": "230",
        "operator": "01",
        "price_czk": 0.9,
        "price_eur": 0.036,
        "count": 1,
        "gateway": "high",
    },
}
REPLY = {
    "request_id": "bc36f3d1-d284-463a-921b-a3560c154649",
    "message_id": "e27ff0ac-87b5-4e1d-b644-5fc6029e2a11",
    "payload": {"order": 7},
    "gateway": "sms",
    "timestamp": 1700000000,
    "type": "incoming",
    "sender": "420777123456",
    "recipient": "420777654321",
    "body": "Thank you!",
}
INBOUND = {
    "gateway": "whatsapp",
    "timestamp": 1700000000,
    "type": "incoming",
    "sender": "420777123456",
    "recipient": "420777654321",
    "body": "STOP",
}


def test_a_delivery_report_is_read_field_by_field() -> None:
    (report,) = parse(json.dumps([SENT]))
    assert isinstance(report, DeliveryReport)
    assert report.message_id == SENT["message_id"]
    assert report.request_id == SENT["request_id"]
    assert report.timestamp == dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.timezone.utc)
    assert report.phone_number == "420777123456"
    assert report.payload == {"order": 7}
    assert report.result_info == ResultInfo(0, "Delivered", "[0] Delivered")
    assert report.stats is not None
    assert (report.stats.channel, report.stats.country, report.stats.count) == ("sms", 230, 1)
    assert report.stats.operator == 1  # "01" in the body: MNC is an integer
    assert report.stats.price_eur == decimal.Decimal("0.036")
    assert (report.is_final, report.is_failure, report.was_sent) == (True, False, True)


def test_replies_and_inbound_messages_are_told_apart_by_message_id() -> None:
    reply, inbound = parse([REPLY, INBOUND])
    assert isinstance(reply, IncomingReply)
    assert (reply.sender, reply.recipient, reply.body) == (
        "420777123456",
        "420777654321",
        "Thank you!",
    )
    assert isinstance(inbound, IncomingMessage)
    assert (inbound.gateway, inbound.body) == ("whatsapp", "STOP")


def test_an_event_with_a_result_and_no_type_is_a_delivery_report() -> None:
    untyped = {k: v for k, v in SENT.items() if k != "type"}
    assert isinstance(parse(untyped)[0], DeliveryReport)


def test_an_event_with_a_sender_and_no_type_or_result_is_incoming() -> None:
    # The incoming schemas' ``type`` defaults to ``incoming`` (jsonapi_v2.yaml).
    reply = {k: v for k, v in REPLY.items() if k != "type"}
    inbound = {k: v for k, v in INBOUND.items() if k != "type"}
    assert [type(e) for e in parse([reply, inbound])] == [IncomingReply, IncomingMessage]


def test_an_event_without_type_result_or_sender_stays_unknown() -> None:
    assert [type(e) for e in parse([{"body": "Hi"}, {"type": "survey", "sender": "1"}])] == [
        UnknownEvent,
        UnknownEvent,
    ]


def test_one_object_bytes_text_and_decoded_json_all_parse() -> None:
    for body in (SENT, [SENT], json.dumps(SENT), json.dumps([SENT]).encode()):
        assert [type(e) for e in parse(body)] == [DeliveryReport]


def test_a_mixed_batch_keeps_its_order() -> None:
    events = parse([SENT, REPLY, INBOUND, {"type": "survey", "x": 1}])
    assert [type(e) for e in events] == [
        DeliveryReport,
        IncomingReply,
        IncomingMessage,
        UnknownEvent,
    ]


def test_new_fields_results_and_gateways_are_kept_not_fatal() -> None:
    event = {**SENT, "result": "read_receipt", "gateway": "telepathy", "priority": "high"}
    (report,) = parse([event])
    assert isinstance(report, DeliveryReport)
    assert (report.result, report.gateway, report.extra) == (
        "read_receipt",
        "telepathy",
        {"priority": "high"},
    )
    assert not report.is_final


def test_one_bad_item_does_not_block_the_others() -> None:
    events = parse([SENT, 42, {**SENT, "timestamp": "yesterday"}, {**REPLY, "sender": 5}, INBOUND])
    assert [type(e) for e in events] == [
        DeliveryReport, InvalidEvent, InvalidEvent, InvalidEvent, IncomingMessage
    ]  # fmt: skip
    assert isinstance(events[1], InvalidEvent)
    assert events[1].raw == 42
    assert "timestamp" in events[2].reason  # type: ignore[union-attr]
    assert "sender" in events[3].reason  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("body", "says"),
    [(b"{not json", "not JSON"), (b"42", "array or object"), ('"text"', "array or object")],
)
def test_unreadable_bodies_raise_webhook_error(body: Any, says: str) -> None:
    with pytest.raises(WebhookError, match=says):
        parse(body)


def test_oversized_bodies_raise_webhook_error() -> None:
    with pytest.raises(WebhookError, match="too large"):
        parse(b"[" + b" " * 100 + b"]", max_bytes=50)


@pytest.mark.parametrize(
    ("raw", "code", "description"),
    [
        ("[0] Delivered", 0, "Delivered"),
        ("[307]", 307, None),
        ("Delivered", None, "Delivered"),
        ("", None, None),
        ("[] Odd", None, "Odd"),
        ("[x1] Odd", None, "Odd"),
    ],
)
def test_result_info_with_either_part_missing(
    raw: str, code: int | None, description: str | None
) -> None:
    info = ResultInfo.parse(raw)
    assert (info.code, info.description, info.raw) == (code, description, raw)


def test_rejected_means_never_sent() -> None:
    (report,) = parse([{**SENT, "result": "rejected", "result_info": "[307] Insufficient credit"}])
    assert isinstance(report, DeliveryReport)
    assert (report.was_sent, report.is_failure, report.is_final) == (False, True, True)


def test_the_dedup_key_is_message_id_and_result() -> None:
    (report,) = parse([SENT])
    assert isinstance(report, DeliveryReport)
    assert report.dedup_key == (SENT["message_id"], "delivered")


def test_split_message_id() -> None:
    assert split_message_id("abc-9") == ("abc", 9)
    assert split_message_id(str(SENT["message_id"])) == (SENT["message_id"], None)


def report(message_id: str, result: str, second: int) -> DeliveryReport:
    when = dt.datetime.fromtimestamp(1700000000 + second, tz=dt.timezone.utc)
    return DeliveryReport(message_id, result, timestamp=when)


def test_the_tracker_ignores_duplicates_and_late_earlier_statuses() -> None:
    tracker = DeliveryTracker()
    assert tracker.add(report("m", "sent", 0))
    assert tracker.add(report("m", "delivered", 5))
    assert not tracker.add(report("m", "delivered", 5))  # the same event again
    assert not tracker.add(report("m", "sent", 0))  # late, and earlier
    assert tracker.add(report("m", "seen", 9))
    assert tracker.latest("m").result == "seen"  # type: ignore[union-attr]
    out_of_order = DeliveryTracker()
    out_of_order.add_all(
        [report("n", "undelivered", 7), report("n", "sent", 1), report("n", "sending", 2)]
    )
    assert out_of_order.latest("n").result == "undelivered"  # type: ignore[union-attr]
    assert len(tracker) == 1


def test_the_tracker_follows_the_documented_sequence_sending_sent_delivered() -> None:
    # guides/webhooks.mdx: sending -> sent -> delivered; a late "sending" changes nothing.
    tracker = DeliveryTracker()
    assert tracker.add(report("m", "sending", 0))
    assert tracker.add(report("m", "sent", 1))
    assert not tracker.add(report("m", "sending", 2))
    assert tracker.latest("m").result == "sent"  # type: ignore[union-attr]


def test_the_fakes_events_parse_back_as_typed_events() -> None:
    fake = FakeSmsManager(final_results={"420777000002": "failed"})
    with fake.client() as client:
        client.send_bulk(
            [
                Message("Hi", to=["420777000001", "420777000002"], payload={"a": 1}),
                Message(to=["420777000003"], flow=[Viber(body="v", sender="Shop")]),
            ]
        )
    events = parse(json.dumps(fake.delivery_reports()))
    events.append(parse([fake.reply(fake.ledger.sent[0], "Thanks")])[0])
    assert all(not isinstance(e, (InvalidEvent, UnknownEvent)) for e in events)
    tracker = DeliveryTracker()
    tracker.add_all(events)
    assert {r.message_id: r.result for r in tracker} == {
        fake.ledger.sent[0].message_id: "delivered",
        fake.ledger.sent[1].message_id: "failed",
        fake.ledger.sent[2].message_id: "delivered",
    }
    base, index = split_message_id(fake.ledger.sent[1].message_id)
    assert (base, index) == (fake.ledger.sent[0].message_id[:-2], 1)
    assert isinstance(events[-1], IncomingReply)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.sampled_from(
                ["type", "result", "message_id", "timestamp", "sender", "to", "sms", "x"]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=30,
)


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(json_values)
def test_parse_raises_nothing_but_webhook_error_on_any_json(value: Any) -> None:
    try:
        events = parse(value)
    except WebhookError:
        return
    assert all(
        isinstance(e, (DeliveryReport, IncomingReply, IncomingMessage, UnknownEvent, InvalidEvent))
        for e in events
    )


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_parse_raises_nothing_but_webhook_error_on_any_bytes(body: bytes) -> None:
    with contextlib.suppress(WebhookError):
        assert isinstance(parse(body), list)


# -- receivers --------------------------------------------------------------------------

pytestmark = pytest.mark.anyio
BODY = json.dumps([SENT, REPLY]).encode()


class Recorder:
    def __init__(self, fail: bool = False) -> None:
        self.batches: list[list[Event]] = []
        self.fail = fail

    def __call__(self, events: list[Event]) -> None:
        self.batches.append(events)
        if self.fail:
            raise RuntimeError("the database is down")


def asgi_client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hooks")


async def test_asgi_receiver_calls_the_handler_then_answers_200() -> None:
    received: list[list[Event]] = []

    async def handle(events: list[Event]) -> None:
        received.append(events)

    async with asgi_client(asgi_receiver(handle, token="s3cret")) as http:
        answer = await http.post("/?token=s3cret", content=BODY)
    assert answer.status_code == 200
    assert [[type(e) for e in batch] for batch in received] == [[DeliveryReport, IncomingReply]]


async def test_asgi_receiver_runs_a_sync_handler_and_answers_500_when_it_fails(
    caplog: pytest.LogCaptureFixture,
) -> None:
    recorder = Recorder(fail=True)
    async with asgi_client(asgi_receiver(recorder)) as http:
        answer = await http.post("/", content=BODY)
    assert answer.status_code == 500  # so that the platform delivers again
    assert len(recorder.batches) == 1


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "status"),
    [
        ("GET", "/?token=s3cret", b"", {}, 405),
        ("POST", "/", BODY, {}, 403),
        ("POST", "/?token=wrong", BODY, {}, 403),
        ("POST", "/?token=s3cret", b"{broken", {}, 400),
        ("POST", "/?token=s3cret", b"[" + b" " * 2000 + b"]", {}, 413),
        ("POST", "/?token=s3cret", BODY, {"x-signature": "00" * 32}, 403),
    ],
)
async def test_asgi_receiver_refuses_bad_requests_without_calling_the_handler(
    method: str,
    path: str,
    body: bytes,
    headers: dict[str, str],
    status: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    recorder = Recorder()
    secret = b"hmac-key" if headers else None
    app = asgi_receiver(recorder, token="s3cret", hmac_secret=secret, max_body_bytes=1000)
    with caplog.at_level(logging.WARNING, logger="smsmngr.webhooks"):
        async with asgi_client(app) as http:
            answer = await http.request(method, path, content=body, headers=headers)
    assert answer.status_code == status
    assert recorder.batches == []
    assert "420777123456" not in caplog.text  # no personal data in the log


async def test_a_valid_hmac_signature_is_accepted() -> None:
    recorder = Recorder()
    signature = hmac.new(b"hmac-key", BODY, hashlib.sha256).hexdigest()
    async with asgi_client(asgi_receiver(recorder, hmac_secret="hmac-key")) as http:
        answer = await http.post("/", content=BODY, headers={"X-Signature": signature})
    assert answer.status_code == 200
    assert len(recorder.batches) == 1


async def test_the_fake_delivers_webhooks_into_the_receiver() -> None:
    tracker = DeliveryTracker()
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        await client.send(Message("Hi", to=["420777000001"], callback="http://hooks/?token=t"))
    async with asgi_client(asgi_receiver(tracker.add_all, token="t")) as http:
        answers = await fake.deliver_webhooks(http)
    assert [a.status_code for a in answers] == [200]
    assert tracker.latest(fake.ledger.sent[0].message_id).result == "delivered"  # type: ignore[union-attr]


def test_wsgi_receiver_calls_the_handler_and_refuses_bad_requests() -> None:
    recorder = Recorder()
    app = wsgi_receiver(recorder, token="s3cret")
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://hooks") as http:
        assert http.post("/?token=s3cret", content=BODY).status_code == 200
        assert http.post("/?token=nope", content=BODY).status_code == 403
        assert http.get("/?token=s3cret").status_code == 405
        assert http.post("/?token=s3cret", content=b"nope").status_code == 400
    assert len(recorder.batches) == 1
    failing = wsgi_receiver(Recorder(fail=True))
    with httpx.Client(transport=httpx.WSGITransport(app=failing), base_url="http://h") as http:
        assert http.post("/", content=BODY).status_code == 500


def test_wsgi_receiver_runs_an_async_handler_to_its_end_before_answering() -> None:
    handled: list[list[Event]] = []

    async def handle(events: list[Event]) -> None:
        await anyio.lowlevel.checkpoint()
        handled.append(events)

    app = wsgi_receiver(handle)
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://h") as http:
        assert http.post("/", content=BODY).status_code == 200
    assert len(handled) == 1
