"""Requests carry exactly the documented JSON; responses are read tolerantly."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from smsmngr import (
    DeliveryWindow,
    Message,
    Rcs,
    ResponseFormatError,
    Sms,
    Viber,
    ViberButton,
    WhatsAppTemplate,
    WhatsAppText,
)
from smsmngr._reading import Unreadable, index, whole
from smsmngr._send_answers import parse_send_result, parse_simple_result
from smsmngr._wire import encode_json, message_to_wire

PRAGUE_WINTER = dt.timezone(dt.timedelta(hours=1))


def wire(message: Message) -> Any:
    """What actually goes on the wire, decoded again."""
    numbers = [r.phone_number for r in message.to]
    return json.loads(encode_json(message_to_wire(message, numbers)))


def test_minimal_message_is_body_and_to_only() -> None:
    assert wire(Message("Test message", to=["420777123456"])) == {
        "body": "Test message",
        "to": [{"phone_number": "420777123456"}],
    }


def test_every_message_field_has_its_documented_name_and_shape() -> None:
    message = Message(
        "Hi",
        to=["420777123456"],
        sender="Shop",
        tag="transactional",
        scheduled_at=dt.datetime(2025, 1, 11, 11, 0, tzinfo=PRAGUE_WINTER),
        delivery_time=DeliveryWindow(
            days=["monday", "friday"], start="08:00", end="21:00", tz="Europe/Prague"
        ),
        callback="https://example.com/hook?token=s3cret",
        payload={"order": 42, "nested": {"a": [1, 2]}},
        params={"_url": {"type": "short", "domain": "example.com"}, "_incoming": True},
    )
    assert wire(message) == {
        "body": "Hi",
        "to": [{"phone_number": "420777123456"}],
        "sender": "Shop",
        "tag": "transactional",
        "datetime": "2025-01-11T10:00:00Z",
        "delivery_time": {
            "days": ["monday", "friday"],
            "start": "08:00",
            "end": "21:00",
            "tz": "Europe/Prague",
        },
        "callback": "https://example.com/hook?token=s3cret",
        "payload": {"order": 42, "nested": {"a": [1, 2]}},
        "params": {"_url": {"type": "short", "domain": "example.com"}, "_incoming": True},
    }


def test_schedule_goes_out_in_whole_seconds_like_the_reference() -> None:
    at = dt.datetime(2025, 1, 11, 10, 0, 0, 750000, tzinfo=dt.timezone.utc)
    assert wire(Message("Hi", to=["1"], scheduled_at=at))["datetime"] == "2025-01-11T10:00:00Z"


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        (
            Sms(
                body="b", sender="Shop", gateway="lowcost", ttl=5, ttl_condition="sent", type="sms"
            ),
            {
                "sms": {
                    "body": "b",
                    "sender": "Shop",
                    "gateway": "lowcost",
                    "ttl": 5,
                    "ttl_condition": "sent",
                    "type": "sms",
                }
            },
        ),
        (Sms(gateway="test"), {"sms": {"gateway": "test"}}),
        (Sms(gateway="new-gateway"), {"sms": {"gateway": "new-gateway"}}),
        (
            Viber(body="b", sender="Brand", buttons=[ViberButton("Open", "https://x.cz")], ttl=60),
            {
                "viber": {
                    "body": "b",
                    "sender": "Brand",
                    "buttons": [{"title": "Open", "url": "https://x.cz"}],
                    "ttl": 60,
                }
            },
        ),
        (
            WhatsAppText(body="b", sender="123456", ttl=10),
            {"whatsapp_text": {"body": "b", "sender": "123456", "ttl": 10}},
        ),
        (
            WhatsAppTemplate(
                "order_shipped",
                sender="123456",
                language="cs",
                params=["Ann", "42"],
                params_header=["Header"],
                params_buttons=[{"type": "url", "text": "x"}],
                ttl=30,
            ),
            {
                "whatsapp_template": {
                    "template_name": "order_shipped",
                    "sender": "123456",
                    "language": "cs",
                    "params": ["Ann", "42"],
                    "params_header": ["Header"],
                    "params_buttons": [{"type": "url", "text": "x"}],
                    "ttl": 30,
                }
            },
        ),
        (
            Rcs(body="b", sender="agent", ttl=0.5, ttl_condition="seen"),
            {"rcs": {"body": "b", "sender": "agent", "ttl": 0.5, "ttl_condition": "seen"}},
        ),
    ],
)
def test_each_flow_step_is_one_key_holding_its_fields(step: Any, expected: Any) -> None:
    assert wire(Message("Hi", to=["1"], flow=[step]))["flow"] == [expected]


def test_flow_order_is_kept() -> None:
    flow = [Viber(sender="v"), Sms(sender="s"), Rcs(sender="r")]
    keys = [next(iter(step)) for step in wire(Message("Hi", to=["1"], flow=flow))["flow"]]
    assert keys == ["viber", "sms", "rcs"]


def test_send_result_keeps_unknown_fields_and_reads_keys_as_integers() -> None:
    result = parse_send_result(
        {
            "request_id": "r1",
            "accepted": [{"key": "1", "message_id": "m1", "parts": 2}],
            "rejected": [{"key": "0", "reason": "invalid number"}],
            "credit_left": 10,
        },
        status_code=200,
        headers={},
        recipients_per_message=(2,),
        keyed_by_message=False,
    )
    assert result.accepted[0].key == 1
    assert result.accepted[0].extra == {"parts": 2}
    assert result.rejected[0].key == 0
    assert result.rejected[0].extra == {"reason": "invalid number"}
    assert result.extra == {"credit_left": 10}
    assert result.recipient_message_ids() == [None, "m1"]


def test_missing_optional_lists_are_fine() -> None:
    result = parse_send_result(
        {"request_id": "r"},
        status_code=200,
        headers={},
        recipients_per_message=(1,),
        keyed_by_message=False,
    )
    assert result.accepted == ()
    assert result.rejected == ()


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ([], "expected a JSON object"),
        ("oops", "expected a JSON object"),
        ({"accepted": []}, "request_id"),
        ({"request_id": None}, "request_id"),
        ({"request_id": "r", "accepted": [{"key": "x", "message_id": "m"}]}, "accepted[0].key"),
        ({"request_id": "r", "accepted": [{"key": "0"}]}, "message_id"),
        ({"request_id": "r", "accepted": {"key": "0"}}, "accepted"),
    ],
)
def test_broken_send_result_raises_response_format_error(body: Any, says: str) -> None:
    with pytest.raises(ResponseFormatError, match=says.replace("[", r"\[").replace("]", r"\]")):
        parse_send_result(
            body, status_code=200, headers={}, recipients_per_message=(1,), keyed_by_message=False
        )


def test_simple_result_is_read_and_checked() -> None:
    result = parse_simple_result(
        {"request_id": "r", "message_id": "m", "accepted": True, "new": 1},
        status_code=200,
        headers={},
    )
    assert (result.request_id, result.message_id, result.accepted) == ("r", "m", True)
    assert result.extra == {"new": 1}
    with pytest.raises(ResponseFormatError, match="accepted"):
        parse_simple_result(
            {"request_id": "r", "message_id": "m", "accepted": "yes"}, status_code=200, headers={}
        )


def test_only_keys_read_numbers_from_strings() -> None:
    assert index("3") == 3
    with pytest.raises(Unreadable, match="whole number"):
        whole("3")  # any other number must be a JSON number
