"""The one JSON form of webhook events: written by ``to_json``, read by ``from_json``
and ``read_events``, whatever the size or layout of the file."""

from __future__ import annotations

import io
import json

import pytest

from smsmngr.webhooks import (
    DeliveryReport,
    IncomingMessage,
    InvalidEvent,
    WebhookError,
    from_json,
    parse,
    read_events,
    to_json,
)

BODY = [
    {
        "type": "outgoing", "message_id": "m-0", "request_id": "r", "gateway": "sms",
        "timestamp": 1700000000.5, "payload": {"order": [1, {"x": None}]},
        "to": {"phone_number": "420777000001"}, "result": "undelivered",
        "result_info": "[303] Number not allowed",
        "sms": {"sender": "Shop", "country": "230", "operator": 1, "price_czk": "0.89",
                "count": 2, "gateway": "g", "new_stat": True},
        "new_field": "kept",
    },
    {"type": "incoming", "message_id": "m-0", "sender": "420777000001", "body": "STOP",
     "timestamp": 1700000001, "later": 1},
    {"type": "incoming", "sender": "420777000002", "recipient": "420600000000", "body": "Hi"},
    {"type": "newkind", "anything": [1, 2]},
    {"type": "outgoing", "message_id": 7, "result": "sent"},
    "not an object",
]  # fmt: skip


def test_every_kind_of_event_reads_back_as_it_was_written() -> None:
    events = parse(json.dumps(BODY))
    assert {type(e).__name__ for e in events} == {
        "DeliveryReport", "IncomingReply", "IncomingMessage", "UnknownEvent", "InvalidEvent"
    }  # fmt: skip
    written = [json.loads(json.dumps(to_json(event))) for event in events]
    assert [from_json(data) for data in written] == events


def test_the_form_names_the_kind_and_gives_times_in_iso_8601() -> None:
    report = to_json(parse(json.dumps(BODY[:1]))[0])
    assert report["event"] == "DeliveryReport"
    assert report["timestamp"] == "2023-11-14T22:13:20.500000+00:00"
    assert report["result_info"] == {
        "code": 303, "description": "Number not allowed", "raw": "[303] Number not allowed"
    }  # fmt: skip
    assert report["stats"]["channel"] == "sms"
    assert report["extra"] == {"new_field": "kept"}


def test_a_deeply_nested_payload_is_written_without_recursing_into_it() -> None:
    deep = '{"a":' * 500 + "1" + "}" * 500
    body = f'[{{"type": "outgoing", "message_id": "m", "result": "sent", "payload": {deep}}}]'
    (report,) = parse(body)
    line = json.dumps(to_json(report))
    assert from_json(json.loads(line)) == report


def test_a_raw_webhook_item_is_read_as_parse_reads_it() -> None:
    assert from_json(BODY[2]) == parse(json.dumps(BODY[2]))[0]


def test_an_unreadable_event_is_an_invalid_event_with_the_reason() -> None:
    wrong_type = from_json({"event": "DeliveryReport", "message_id": 7, "result": "sent"})
    assert isinstance(wrong_type, InvalidEvent)
    assert "'message_id' must be a string" in wrong_type.reason
    no_zone = from_json({"event": "IncomingMessage", "sender": "1", "timestamp": "2023-11-14"})
    assert isinstance(no_zone, InvalidEvent)
    assert "UTC offset" in no_zone.reason
    not_a_kind = from_json({"event": "Mystery"})
    assert isinstance(not_a_kind, InvalidEvent)
    assert "Mystery" in not_a_kind.reason


def test_read_events_takes_ndjson_of_raw_items_and_of_written_events() -> None:
    raw_lines = "\n".join(json.dumps(item) for item in BODY[:3])
    written = "\n".join(json.dumps(to_json(e)) for e in parse(json.dumps(BODY[:3])))
    from_raw = list(read_events(io.BytesIO(raw_lines.encode())))
    from_written = list(read_events(io.BytesIO(written.encode())))
    assert from_raw == from_written == parse(json.dumps(BODY[:3]))


def test_read_events_reads_a_body_of_any_size_and_layout() -> None:
    items = [
        {"type": "outgoing", "message_id": f"m-{i}", "result": "delivered", "note": "x" * 40}
        for i in range(30_000)
    ]
    body = json.dumps(items, indent=2).encode()
    assert len(body) > 2 * 1024 * 1024  # over parse's default limit for one POST
    events = list(read_events(io.BytesIO(body)))
    assert len(events) == 30_000
    assert all(isinstance(e, DeliveryReport) for e in events)
    assert events[-1].message_id == "m-29999"


def test_read_events_reads_bodies_one_after_another() -> None:
    text = '[{"type": "incoming", "sender": "1"}]\n\n{"type": "incoming", "sender": "2"}  []\n'
    events = list(read_events(io.BytesIO(text.encode())))
    assert [e.sender for e in events if isinstance(e, IncomingMessage)] == ["1", "2"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"result": "sent", "message_id": "m"}\n{"result": tru}\n', "line 2: not JSON"),
        ('{"result": "sent", "message_id": "m"}\n42\n', "line 2: a webhook body must be"),
        ('[{"result": "sent"', "line 1: not JSON"),
    ],
)
def test_text_that_is_not_a_webhook_body_is_refused_by_its_line(text: str, expected: str) -> None:
    with pytest.raises(WebhookError, match=expected):
        list(read_events(io.BytesIO(text.encode())))


def test_a_file_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(WebhookError, match="not UTF-8"):
        list(read_events(io.BytesIO(b'[{"sender": "\xff"}]')))
