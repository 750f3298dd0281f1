"""Message construction fuzzed: valid input becomes documented JSON; bad input raises
ValidationError and nothing else."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smsmngr import (
    DeliveryWindow,
    Message,
    Rcs,
    Sms,
    ValidationError,
    Viber,
    ViberButton,
    WhatsAppTemplate,
    WhatsAppText,
)
from smsmngr._wire import encode_json, message_to_wire
from smsmngr.models import FLOW_STEP_TYPES, STEPS_NEEDING_SENDER
from smsmngr.testing._rules import message_problem

texts = st.text(min_size=1, max_size=40)
urls = st.sampled_from(["https://example.com", "http://example.com/a?b=c"])
maybe = lambda strategy: st.none() | strategy  # noqa: E731
minutes = st.integers(1, 10_000) | st.floats(0.5, 10_000)
conditions = st.sampled_from(["sent", "delivered", "seen"])
steps = st.one_of(
    st.builds(Sms, body=maybe(texts), sender=maybe(texts), ttl=maybe(minutes),
              gateway=maybe(st.sampled_from(["high", "lowcost", "direct", "test"])),
              ttl_condition=maybe(conditions), type=maybe(st.sampled_from(["utf", "sms"]))),
    st.builds(Viber, body=maybe(texts), sender=maybe(texts), ttl=maybe(minutes),
              ttl_condition=maybe(conditions),
              buttons=maybe(st.lists(st.builds(ViberButton, texts, urls), max_size=1))),
    st.builds(WhatsAppText, body=maybe(texts), sender=maybe(texts), ttl=maybe(minutes),
              preview=maybe(st.booleans()), footer=maybe(texts), header=maybe(texts)),
    st.builds(WhatsAppTemplate, texts, language=texts, ttl_condition=maybe(conditions),
              params=maybe(st.lists(texts | st.dictionaries(texts, texts, min_size=1, max_size=1),
                                    max_size=3))),
    st.builds(Rcs, body=maybe(texts), ttl=maybe(minutes), ttl_condition=maybe(conditions)),
)  # fmt: skip
times = st.sampled_from(["00:00", "08:30", "21:00", "24:00"])
windows = st.builds(
    DeliveryWindow,
    days=maybe(st.lists(st.sampled_from(["monday", "wednesday", "sunday"]), max_size=3)),
    start=maybe(times),
    end=maybe(times),
    tz=maybe(st.sampled_from(["UTC", "Europe/Prague"])),
)
json_objects = st.dictionaries(texts, st.integers() | texts | st.booleans(), max_size=3)
aware = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), timezones=st.sampled_from([dt.timezone.utc])
).map(lambda at: at.replace(microsecond=0))  # the API's datetime is whole seconds


@st.composite
def messages(draw: st.DrawFn) -> Message:
    flow = draw(maybe(st.lists(steps, min_size=1, max_size=3)))
    needs_body = flow is None or any(
        not isinstance(s, WhatsAppTemplate) and s.body is None for s in flow
    )
    needs_sender = flow is not None and any(
        isinstance(s, STEPS_NEEDING_SENDER) and not s.sender for s in flow
    )
    return Message(
        draw(texts) if needs_body else draw(maybe(texts)),
        to=draw(st.lists(st.from_regex(r"\A42077[0-9]{7}\Z"), min_size=1, max_size=10)),
        sender=draw(texts) if needs_sender else draw(maybe(texts)),
        flow=flow,
        tag=draw(maybe(texts)),
        scheduled_at=draw(maybe(aware)),
        delivery_time=draw(maybe(windows)),
        callback=draw(maybe(st.just("https://example.com/hook"))),
        payload=draw(maybe(json_objects)),
        params=draw(maybe(json_objects)),
    )


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(messages())
def test_valid_messages_become_json_the_reference_accepts(message: Message) -> None:
    wire = json.loads(encode_json(message_to_wire(message, [r.phone_number for r in message.to])))
    assert message_problem(wire) is None, wire
    assert set(wire) <= {
        "body", "to", "sender", "flow", "tag", "datetime", "delivery_time", "callback",
        "payload", "params",
    }  # fmt: skip
    assert message_from_wire(wire) == message  # parses back: nothing lost on the way


STEP_TYPES = {step.key: step for step in FLOW_STEP_TYPES}


def message_from_wire(wire: dict[str, Any]) -> Message:
    """The reference's JSON read back into a Message, field by field."""
    fields = dict(wire)
    fields["to"] = [r["phone_number"] for r in fields["to"]]
    if "datetime" in fields:
        stamp = fields.pop("datetime").replace("Z", "+00:00")
        fields["scheduled_at"] = dt.datetime.fromisoformat(stamp)
    if "delivery_time" in fields:
        fields["delivery_time"] = DeliveryWindow(**fields["delivery_time"])
    if "flow" in fields:
        flow = []
        for step in fields["flow"]:
            ((key, options),) = step.items()
            if "buttons" in options:
                options["buttons"] = [ViberButton(**b) for b in options["buttons"]]
            flow.append(STEP_TYPES[key](**options))
        fields["flow"] = flow
    return Message(**fields)


anything = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=5)
    | (st.lists(st.integers(), max_size=2))
    | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)
)


@pytest.mark.slow  # 400 examples: seconds
@settings(max_examples=400, deadline=None)
@given(st.sampled_from([Message, Sms, Viber, WhatsAppText, WhatsAppTemplate, Rcs, DeliveryWindow]),
       st.dictionaries(st.sampled_from(["body", "to", "sender", "flow", "tag", "scheduled_at",
                                        "delivery_time", "callback", "payload", "params", "ttl",
                                        "gateway", "type", "ttl_condition", "buttons", "days",
                                        "start", "end", "template_name", "params_header"]),
                       anything, max_size=4))  # fmt: skip
def test_bad_input_raises_validation_error_only(cls: Any, fields: dict[str, Any]) -> None:
    try:
        cls(**fields)
    except ValidationError:
        pass
    except TypeError as error:  # an argument the class does not take at all
        assert "unexpected keyword" in str(error) or "missing" in str(error)  # noqa: PT017
