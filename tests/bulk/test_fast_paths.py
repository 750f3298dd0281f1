"""The hot path's shortcuts (numbers already normalized, recognised at once; the
``/messages`` answer of the documented shape, read in one pass) give exactly what the
general path gives, and leave everything else to it."""

from __future__ import annotations

import json
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from smsmngr import Message, ValidationError, normalize_phone_number
from smsmngr._send_answers import _plain_answer, parse_send_result
from smsmngr.bulk._packing import Call, Packer
from smsmngr.errors import ResponseFormatError
from smsmngr.phone import all_normalized

_DIGITISH = st.sampled_from(list("0123456789+ -٣a"))


def _unchanged(number: Any) -> bool:
    try:
        return normalize_phone_number(number) == number
    except ValidationError:
        return False


@given(st.lists(st.text(_DIGITISH, max_size=17), max_size=6))
@example(["420777123456", "0420777123456"])  # one length, a leading zero
@example(["420777123456", "042077712345"])  # two lengths, a leading zero
@example(["1234567", "123456789012345"])
@example(["123456", "420777123456"])
@example(["4207771234567890"])
@example(["٤٢٠٧٧٧١٢٣٤٥٦"])
@example([])
def test_all_normalized_is_each_number_left_as_it_is(numbers: list[str]) -> None:
    assert all_normalized(numbers) == bool(numbers and all(map(_unchanged, numbers)))


def test_all_normalized_leaves_non_strings_to_the_checks() -> None:
    assert not all_normalized(["420777123456", 420777123456])  # type: ignore[list-item]


def _slow_normalize(number: str, *, field: str = "phone_number") -> str:
    """normalize_phone_number, but not it: the Packer then judges every number alone."""
    return normalize_phone_number(number, field=field)


def _pack(messages: list[Message], packer: Packer) -> list[Any]:
    out: list[Any] = []
    for index, message in enumerate(messages):
        out.extend(packer.add(index, message))
    out.extend(packer.finish())
    return out


@st.composite
def _campaigns(draw: st.DrawFn) -> list[Message]:
    messages = []
    for m in range(draw(st.integers(1, 12))):
        count = draw(st.integers(1, 45))
        kind = draw(st.sampled_from(["plain", "formatted", "one bad", "leading zero"]))
        numbers = [f"4207{m:03d}{i:05d}" for i in range(count)]
        if kind == "formatted":
            numbers[0] = "+" + numbers[0]
        elif kind == "one bad":
            numbers[-1] = "12"
        elif kind == "leading zero":
            numbers[count // 2] = "0" + numbers[count // 2]
        messages.append(Message(draw(st.sampled_from(["Sale", "Bye"])), to=numbers))
    return messages


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(_campaigns())
def test_packing_numbers_already_normalized_packs_as_judging_each(
    messages: list[Message],
) -> None:
    assert _pack(messages, Packer()) == _pack(messages, Packer(normalize=_slow_normalize))


def test_packing_a_large_plain_message_fills_every_call() -> None:
    message = Message("Sale", to=[f"42077{i:07d}" for i in range(1005)])
    calls = _pack([message], Packer())
    assert calls == _pack([message], Packer(normalize=_slow_normalize))
    assert all(isinstance(c, Call) for c in calls)
    assert [sum(map(len, c.chunks)) for c in calls] == [100] * 10 + [5]
    assert calls[-1].chunks[0][-1] == (0, 1004, "420770001004", "420770001004", 0)


def test_messages_alike_but_for_an_empty_extra_share_a_wire_message() -> None:
    # Each Message gets its own empty `extra`, which sends nothing, whatever its type.
    alike = [
        Message("Sale", to=["420700000001"]),
        Message("Sale", to=["420700000002"], extra=MappingProxyType({})),
        Message("Sale", to=["420700000003"], extra={}),
    ]
    (call,) = _pack(alike, Packer())
    assert call.body == (
        '{"body":"Sale","to":['
        + ",".join(f'{{"phone_number":"42070000000{i}"}}' for i in (1, 2, 3))
        + "]}",
    )
    with_extra = [*alike, Message("Sale", to=["420700000004"], extra={"x": 1})]
    (call,) = _pack(with_extra, Packer())
    assert [json.loads(wire).get("x") for wire in call.body] == [None, 1]


_DOCUMENTED = {
    "request_id": "bc36f3d1-d284-463a-921b-a3560c154649",
    "accepted": [{"key": "0", "message_id": "m-0"}, {"key": "1", "message_id": "m-1"}],
    "rejected": [],
}


_OPTIONS: dict[str, Any] = {
    "status_code": 200,
    "headers": {"x-a": "1"},
    "recipients_per_message": (1, 2),
    "keyed_by_message": True,
}


def _field_by_field(answer: Any) -> Any:
    """The answer read by the general readers (the one-pass reading takes dicts only)."""
    return parse_send_result(MappingProxyType(answer), **_OPTIONS)


@pytest.mark.parametrize(
    "answer",
    [
        _DOCUMENTED,
        {"request_id": "r", "accepted": [{"key": 3, "message_id": "m"}]},
        {"request_id": "r"},
        {"request_id": "", "accepted": [], "rejected": []},
    ],
)
def test_the_documented_answer_is_read_in_one_pass_as_field_by_field(answer: Any) -> None:
    fast = _plain_answer(answer, {"x-a": "1"}, (1, 2), True)
    read = _field_by_field(answer)
    assert fast is not None
    assert fast == read == parse_send_result(answer, **_OPTIONS)
    assert fast.recipient_message_ids() == read.recipient_message_ids()
    assert fast.headers == {"x-a": "1"}


@pytest.mark.parametrize(
    ("answer", "read"),
    [
        ({**_DOCUMENTED, "note": "kept"}, lambda r: r.extra == {"note": "kept"}),
        (
            {**_DOCUMENTED, "rejected": [{"key": "2", "reason": "x"}]},
            lambda r: r.rejected[0].extra == {"reason": "x"},
        ),
        (
            {**_DOCUMENTED, "accepted": [{"key": "0", "message_id": "m", "price": 1}]},
            lambda r: r.accepted[0].extra == {"price": 1},
        ),
        ({**_DOCUMENTED, "accepted": [{"key": True, "message_id": "m"}]}, "accepted[0].key"),
        ({**_DOCUMENTED, "accepted": [{"key": "٣", "message_id": "m"}]}, "accepted[0].key"),
        ({**_DOCUMENTED, "accepted": [{"key": "0", "message_id": None}]}, "message_id"),
        ({**_DOCUMENTED, "accepted": [{"key": "0", "id": "m"}]}, "message_id"),
        ({**_DOCUMENTED, "accepted": None}, "accepted"),
        ({**_DOCUMENTED, "rejected": None}, "rejected"),
        ({**_DOCUMENTED, "request_id": 7}, "request_id"),
        ({"accepted": []}, "request_id"),
        ([_DOCUMENTED], "JSON object"),
    ],
)
def test_any_other_answer_is_read_field_by_field(answer: Any, read: Any) -> None:
    """Kept in extra, or refused naming the field, as before the one-pass reading."""
    assert _plain_answer(answer, {}, (1,), True) is None
    if callable(read):
        assert read(parse_send_result(answer, **_OPTIONS))
    else:
        with pytest.raises(ResponseFormatError, match="not a valid SendResult") as raised:
            parse_send_result(answer, **_OPTIONS)
        assert read in str(raised.value)


@pytest.mark.parametrize(
    ("extra", "rule"),
    [
        ({"body": "x"}, "'body' is a field of its own"),
        ({1: 2}, "keys must be strings, got 1"),
        ([], "must be a JSON object (a mapping), got list"),
        ({"x": float("nan")}, "must be JSON"),
    ],
)
def test_an_extra_with_anything_in_it_is_still_checked(extra: Any, rule: str) -> None:
    # Only an empty dict skips the check of Message.extra.
    with pytest.raises(ValidationError, match=r"^Message\.extra: ") as raised:
        Message("Sale", to=["420777123456"], extra=extra)
    assert rule in str(raised.value)


def test_an_empty_extra_of_any_mapping_type_is_accepted() -> None:
    assert Message("Sale", to=["420777123456"], extra={}).extra == {}
    assert Message("Sale", to=["420777123456"], extra=MappingProxyType({})).extra == {}
