"""Construction checks every documented rule and names the field it broke."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import tracemalloc
from typing import Any

import attrs
import pytest

from smsmngr import (
    DeliveryWindow,
    Gateway,
    Message,
    Rcs,
    Recipient,
    SendResult,
    Sms,
    SmsType,
    TtlCondition,
    ValidationError,
    Viber,
    ViberButton,
    Weekday,
    WhatsAppButton,
    WhatsAppTemplate,
    WhatsAppText,
)
from smsmngr._send_answers import parse_send_result

UTC = dt.timezone.utc


def refused(field: str, rule: str, build: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        build()
    assert caught.value.field == field
    assert rule in str(caught.value)


def test_body_is_at_most_1000_characters() -> None:
    assert Message("x" * 1000, to=["420777123456"]).body == "x" * 1000
    refused("Message.body", "at most 1000", lambda: Message("x" * 1001, to=["420777123456"]))


def test_a_long_body_is_refused_saying_the_platform_would_truncate_it() -> None:
    refused("Sms.body", "the platform would truncate it to its first 1000", lambda: Sms("x" * 1001))


def test_a_fourth_whatsapp_button_is_refused_saying_the_platform_would_drop_it() -> None:
    three = [WhatsAppButton(title) for title in ("Yes", "No", "Later")]
    assert len(WhatsAppText(body="?", buttons=three).buttons or ()) == 3
    refused(
        "WhatsAppText.buttons",
        "at most 3 buttons (got 4): the platform would drop every button past the first 3",
        lambda: WhatsAppText(body="?", buttons=[*three, WhatsAppButton("Never")]),
    )


STEPS_WITHOUT_SENDER = [
    Viber(body="v"),
    WhatsAppText(body="w"),
    WhatsAppTemplate("welcome", language="en"),
]


@pytest.mark.parametrize("step", STEPS_WITHOUT_SENDER, ids=lambda step: step.key)
def test_viber_and_whatsapp_steps_need_a_sender_of_their_own_or_the_messages(step: Any) -> None:
    key = step.key
    refused(
        "Message.flow[1].sender",
        f"required on a {key} step: give flow[1] ({key}) a sender",
        lambda: Message("Hi", to=["420777123456"], flow=[Sms(), step]),
    )
    assert Message("Hi", to=["420777123456"], sender="Shop", flow=[Sms(), step]).flow
    own = attrs.evolve(step, sender="514578330250514")
    assert Message("Hi", to=["420777123456"], flow=[Sms(), own]).flow


def test_sms_and_rcs_steps_need_no_sender() -> None:
    assert Message("Hi", to=["420777123456"], flow=[Sms(), Rcs()]).sender is None


def test_body_is_required_without_a_flow() -> None:
    refused("Message.body", "required", lambda: Message(to=["420777123456"]))


def test_body_is_required_when_a_step_lacks_one() -> None:
    refused(
        "Message.body",
        "flow[1] (Viber) has no body",
        lambda: Message(to=["420777123456"], flow=[Sms(body="a"), Viber(sender="Shop")]),
    )


def test_body_may_be_left_out_when_every_step_has_content() -> None:
    message = Message(
        to=["420777123456"],
        flow=[
            Sms(body="a"),
            WhatsAppTemplate("welcome", sender="514578330250514", language="en"),
            Rcs(body="r"),
        ],
    )
    assert message.body is None


def test_empty_body_is_refused() -> None:
    refused("Message.body", "must not be empty", lambda: Message("", to=["420777123456"]))


def test_to_needs_at_least_one_recipient() -> None:
    refused("Message.to", "at least one recipient", lambda: Message("Hi", to=[]))


def test_to_accepts_strings_and_recipients_and_one_plain_string() -> None:
    message = Message("Hi", to=["420777123456", Recipient("420777654321")])
    assert message.to == (Recipient("420777123456"), Recipient("420777654321"))
    assert Message("Hi", to="420777123456").to == (Recipient("420777123456"),)


def test_to_refuses_numbers_as_integers() -> None:
    refused("Message.to[1]", "got int", lambda: Message("Hi", to=["420777123456", 420777654321]))


def test_to_keeps_any_number_of_recipients_for_bulk() -> None:
    assert len(Message("Hi", to=[f"420777{i:06d}" for i in range(250)]).to) == 250


def test_phone_numbers_are_not_checked_at_construction() -> None:
    # One bad number must be able to travel in a bulk message and be rejected alone.
    assert Message("Hi", to=["nonsense"]).to == (Recipient("nonsense"),)


def test_flow_must_not_be_empty_when_given() -> None:
    refused("Message.flow", "must not be empty", lambda: Message("Hi", to=["1"], flow=[]))


def test_a_flow_step_must_name_a_channel() -> None:
    refused(
        "Message.flow[0]",
        "must be one of Sms, Viber, WhatsAppText, WhatsAppTemplate, Rcs, got dict",
        lambda: Message("Hi", to=["1"], flow=[{"body": "x"}]),
    )


def test_viber_takes_at_most_one_button() -> None:
    button = ViberButton("Open", "https://example.com")
    assert Viber(buttons=[button]).buttons == (button,)
    refused("Viber.buttons", "at most 1 button", lambda: Viber(buttons=[button, button]))


@pytest.mark.parametrize("step", [Sms, Viber, WhatsAppText, Rcs])
@pytest.mark.parametrize("ttl", [0, 0.1, 0.49, -1, float("nan"), True, "5"])
def test_ttl_is_at_least_half_a_minute_on_every_step(step: Any, ttl: Any) -> None:
    # The OpenAPI gives every channel's ttl "minimum: 0.5".
    assert step(body="x", ttl=0.5).ttl == 0.5
    refused(f"{step.__name__}.ttl", "", lambda: step(body="x", ttl=ttl))


def test_a_template_ttl_is_at_least_half_a_minute_too() -> None:
    refused(
        "WhatsAppTemplate.ttl",
        "at least 0.5",
        lambda: WhatsAppTemplate("t", language="en", ttl=0.1),
    )


def test_template_name_is_required_and_at_most_100_characters() -> None:
    assert WhatsAppTemplate("t" * 100, language="en").template_name == "t" * 100
    refused(
        "WhatsAppTemplate.template_name",
        "at most 100",
        lambda: WhatsAppTemplate("t" * 101, language="en"),
    )
    refused(
        "WhatsAppTemplate.template_name", "non-empty", lambda: WhatsAppTemplate("", language="en")
    )


def test_template_language_is_required() -> None:
    refused("WhatsAppTemplate.language", "non-empty", lambda: WhatsAppTemplate("t"))


def test_template_params_are_strings_or_named_variables() -> None:
    named = WhatsAppTemplate("t", language="cs", params=["Ann", {"day": "Monday"}])
    assert named.params == ("Ann", {"day": "Monday"})
    refused(
        "WhatsAppTemplate.params[0]",
        "a string, or a one-key mapping",
        lambda: WhatsAppTemplate("t", language="cs", params=[1]),
    )
    refused(
        "WhatsAppTemplate.params[0]",
        "one-key mapping",
        lambda: WhatsAppTemplate("t", language="cs", params=[{"a": "1", "b": "2"}]),
    )


def test_naive_scheduled_at_is_refused() -> None:
    refused(
        "Message.scheduled_at",
        "timezone-aware",
        lambda: Message("Hi", to=["1"], scheduled_at=dt.datetime(2025, 1, 1, 10)),
    )


def test_enums_accept_their_string_values() -> None:
    step = Sms(gateway="test", type="sms", ttl_condition="seen")
    assert step.gateway is Gateway.TEST
    assert step.type is SmsType.SMS
    assert step.ttl_condition is TtlCondition.SEEN
    assert DeliveryWindow(days=["sunday"]).days == (Weekday.SUNDAY,)


def test_closed_enums_refuse_unknown_values_listing_the_allowed_ones() -> None:
    refused("Sms.type", "must be one of 'utf', 'sms'", lambda: Sms(type="ascii"))
    refused("Rcs.ttl_condition", "'seen'", lambda: Rcs(ttl_condition="read"))
    refused("DeliveryWindow.days", "'monday' to 'sunday'", lambda: DeliveryWindow(days=["mon"]))


def test_unknown_gateways_pass_through_as_strings() -> None:
    assert Sms(gateway="future-gateway").gateway == "future-gateway"


def test_delivery_window_times_are_hh_mm() -> None:
    assert DeliveryWindow(start="08:00", end="24:00").end == "24:00"
    refused("DeliveryWindow.start", "'HH:MM'", lambda: DeliveryWindow(start="8:00"))
    refused("DeliveryWindow.end", "'HH:MM'", lambda: DeliveryWindow(end="25:00"))


def test_callback_must_be_an_http_url() -> None:
    refused(
        "Message.callback", "absolute http(s) URL", lambda: Message("Hi", to=["1"], callback="x")
    )


def test_payload_and_params_must_be_objects() -> None:
    refused("Message.payload", "JSON object", lambda: Message("Hi", to=["1"], payload=[1]))
    refused("Message.params", "JSON object", lambda: Message("Hi", to=["1"], params="x"))


def test_long_payloads_and_sender_aliases_are_not_blocked() -> None:
    message = Message(
        "Hi", to=["1"], sender="A very long sender alias", payload={"blob": "x" * 100_000}
    )
    assert message.sender == "A very long sender alias"


def test_models_are_frozen() -> None:
    message = Message("Hi", to=["420777123456"])
    with pytest.raises(AttributeError):
        message.body = "changed"  # type: ignore[misc]


def test_recipient_message_ids_for_message_endpoint_follow_recipient_keys() -> None:
    result = parse_send_result(
        {
            "request_id": "r",
            "accepted": [{"key": "2", "message_id": "c"}, {"key": 0, "message_id": "a"}],
        },
        status_code=200,
        headers={},
        recipients_per_message=(3,),
        keyed_by_message=False,
    )
    assert result.recipient_message_ids() == ["a", None, "c"]


def test_recipient_message_ids_for_messages_endpoint_expand_per_recipient() -> None:
    result = parse_send_result(
        {
            "request_id": "r",
            "accepted": [{"key": "0", "message_id": "m0"}, {"key": "2", "message_id": "m2"}],
        },
        status_code=200,
        headers={},
        recipients_per_message=(2, 1, 3),
        keyed_by_message=True,
    )
    assert result.recipient_message_ids() == ["m0-0", "m0-1", None, "m2-0", "m2-1", "m2-2"]


def test_send_results_expose_no_bookkeeping_of_the_client() -> None:
    public = {a.alias for a in attrs.fields(SendResult)} - {
        "_recipients_per_message",
        "_keyed_by_message",
    }
    assert public == {"request_id", "accepted", "rejected", "extra", "headers"}
    assert "recipients_per_message" not in repr(SendResult("r"))


def test_recipients_are_kept_as_given_and_read_as_recipients() -> None:
    message = Message("Hi", to=["420777123456", Recipient("420777654321")])
    assert message.to[0] == Recipient("420777123456")
    assert message.to == (Recipient("420777123456"), Recipient("420777654321"))
    assert message.to == Message("Hi", to=["420777123456", "420777654321"]).to
    assert hash(message.to) == hash(Message("Hi", to=["420777123456", "420777654321"]).to)
    assert list(message.to[1:]) == [Recipient("420777654321")]
    assert list(message.to.phone_numbers()) == ["420777123456", "420777654321"]


@pytest.mark.parametrize(
    ("given", "rule"), [("", "non-empty string"), ("\ud800", "lone surrogate"), (42, "got int")]
)
def test_a_bad_recipient_is_named_by_its_place(given: object, rule: str) -> None:
    with pytest.raises(ValidationError, match=rule) as caught:
        Message("Hi", to=["420777123456", given])  # type: ignore[list-item]
    assert caught.value.field == "Message.to[1]"


def test_a_message_to_many_numbers_builds_no_object_per_number() -> None:
    numbers = [f"4207{i:08d}" for i in range(200_000)]
    tracemalloc.start()
    try:
        message = Message("Hi", to=numbers)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(message.to) == 200_000
    # A tuple of the strings, and their checking, not 200,000 Recipient objects (~11 MB).
    assert peak < 5 * 1024 * 1024


@pytest.mark.parametrize(
    "module_name", ["smsmngr.models", "smsmngr._steps", "smsmngr._send_results", "smsmngr._checks"]
)
def test_the_models_are_kept_in_modules_under_500_lines(module_name: str) -> None:
    source = inspect.getsource(importlib.import_module(module_name))
    assert len(source.splitlines()) < 500
