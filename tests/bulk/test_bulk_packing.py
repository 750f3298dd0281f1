"""Packing is pure: every recipient in exactly one call, no limit broken, fewest calls."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Sequence
from contextlib import closing
from itertools import groupby, pairwise
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smsmngr import Message, OutcomeStatus, RecipientOutcome
from smsmngr.bulk import minimum_calls
from smsmngr.bulk._occurrences import Occurrences
from smsmngr.bulk._packing import Call, FromJournal, Packer
from smsmngr.limits import MAX_REQUEST_BYTES

BODIES = ["Sale", "Hello", "Bye"]


@st.composite
def campaigns(draw: st.DrawFn) -> list[Message]:
    messages = []
    for _ in range(draw(st.integers(1, 40))):
        count = draw(st.integers(1, 35))
        bad = draw(st.sets(st.integers(0, count - 1), max_size=2))
        numbers = ["12" if i in bad else f"+420 7{len(messages):04d}{i:04d}" for i in range(count)]
        messages.append(Message(draw(st.sampled_from(BODIES)), to=numbers))
    return messages


def pack(messages: list[Message]) -> tuple[list[Call], list[RecipientOutcome]]:
    packer = Packer()
    calls: list[Call] = []
    rejections: list[RecipientOutcome] = []
    for index, message in enumerate(messages):
        for item in packer.add(index, message):
            (calls if isinstance(item, Call) else rejections).append(item)  # type: ignore[arg-type]
    calls.extend(packer.finish())
    return calls, rejections


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(campaigns())
def test_every_recipient_is_in_exactly_one_call_or_rejected(messages: list[Message]) -> None:
    calls, rejections = pack(messages)
    packed = [r[:3] for call in calls for chunk in call.chunks for r in chunk]
    rejected = [(o.message_index, o.recipient_index, o.phone_number) for o in rejections]
    given_recipients = [
        (mi, ri, r.phone_number) for mi, m in enumerate(messages) for ri, r in enumerate(m.to)
    ]
    assert sorted(packed + rejected) == sorted(given_recipients)
    assert len(set(packed)) == len(packed)
    assert all(o.status is OutcomeStatus.REJECTED and o.phone_number == "12" for o in rejections)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(campaigns())
def test_no_call_breaks_a_limit_and_the_wire_matches_the_mapping(messages: list[Message]) -> None:
    calls, _ = pack(messages)
    for call in calls:
        assert 1 <= len(call.body) <= 10
        assert len(call.body) == len(call.chunks)
        assert json.loads(call.content()) == [json.loads(text) for text in call.body]
        for wire, chunk in zip(map(json.loads, call.body), call.chunks, strict=True):
            assert 1 <= len(wire["to"]) <= 10
            assert [t["phone_number"] for t in wire["to"]] == [
                phone.replace("+", "").replace(" ", "") for _, _, phone, _, _ in chunk
            ]
            assert [t["phone_number"] for t in wire["to"]] == [slot[3] for slot in chunk]
            assert {messages[slot[0]].body for slot in chunk} == {wire["body"]}


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(campaigns())
def test_the_call_count_is_minimal(messages: list[Message]) -> None:
    calls, rejections = pack(messages)
    rejected_per_message = Counter(o.message_index for o in rejections)
    valid = [len(m.to) - rejected_per_message[i] for i, m in enumerate(messages)]
    # Adjacent messages with the same content share wire messages.
    merged = [
        sum(count for _, count in group)
        for _, group in groupby(
            zip([m.body for m in messages], valid, strict=True), key=lambda p: p[0]
        )
    ]
    assert len(calls) == minimum_calls(c for c in merged if c)
    assert len(calls) <= minimum_calls(c for c in valid if c)


def test_one_message_with_many_recipients_packs_lazily() -> None:
    message = Message("Hi", to=[f"4207{i:08d}" for i in range(100_000)])
    packer = Packer()
    items = packer.add(0, message)
    first = next(items)
    assert isinstance(first, Call)
    assert recipients(first) == 100
    hash(first)  # frozen, and so hashable
    assert sum(1 for _ in items) + 1 + len(list(packer.finish())) == 1000


def test_one_recipient_messages_with_the_same_text_merge_100_to_a_call() -> None:
    calls, _ = pack([Message("Sale", to=[f"4207{i:08d}"]) for i in range(250)])
    assert [recipients(call) for call in calls] == [100, 100, 50]


def test_messages_with_different_payloads_do_not_merge() -> None:
    messages = [Message("Hi", to=[f"4207{i:08d}"], payload={"i": i}) for i in range(3)]
    calls, _ = pack(messages)
    assert [json.loads(wire)["payload"] for wire in calls[0].body] == [{"i": 0}, {"i": 1}, {"i": 2}]


def test_recipients_a_journal_settled_come_out_instead_of_being_packed() -> None:
    asked: list[tuple[str, bytes]] = []

    def lookup(keys: Sequence[tuple[str, bytes]]) -> list[tuple[int, Any]]:
        asked.extend(keys)
        settled = ("accepted", "m-0", "r", None)
        return [(0, settled if number == "420700000001" else None) for number, _ in keys]

    packer = Packer(lookup)
    items = list(packer.add(0, Message("Hi", to=["+420700000001", "420700000002"])))
    items += list(packer.finish())
    (journal,) = [item for item in items if isinstance(item, FromJournal)]
    assert journal.outcome == RecipientOutcome(
        "+420700000001", 0, 0, OutcomeStatus.ACCEPTED, "m-0", "r", None
    )
    (call,) = [item for item in items if isinstance(item, Call)]
    assert [slot[3] for chunk in call.chunks for slot in chunk] == ["420700000002"]
    assert [number for number, _ in asked] == ["420700000001", "420700000002"]
    assert len({content for _, content in asked}) == 1 == len(set(call.contents))


def test_messages_whose_json_differs_never_share_a_wire_message() -> None:
    # Equal in Python (True == 1, 1 == 1.0), different on the wire.
    first = Message("Hi", to=["420700000001"], payload={"vip": 1, "id": 1.0})
    second = Message("Hi", to=["420700000002"], payload={"vip": True, "id": 1})
    assert first.payload == second.payload
    calls, _ = pack([first, second])
    payloads = [json.loads(wire)["payload"] for call in calls for wire in call.body]
    assert payloads == [{"vip": 1, "id": 1.0}, {"vip": True, "id": 1}]


def test_messages_of_a_few_recipients_are_asked_about_a_call_s_worth_at_a_time() -> None:
    # 2,500 one-recipient messages, their texts alternating and their numbers repeating:
    # the journal is asked 25 times, not 2,500, and each recipient still gets its
    # occurrence of its own number and text; an invalid number is refused where it is.
    messages = [Message(BODIES[i % 2], to=[f"4207000{i % 300:05d}" if i % 97 else "x"])
                for i in range(2_500)]  # fmt: skip
    asked: list[int] = []
    with closing(sqlite3.connect("")) as db:
        counter = Occurrences(db)

        def lookup(keys: Sequence[tuple[str, bytes]]) -> list[tuple[int, Any]]:
            asked.append(len(keys))
            return [(o, None) for o in counter.number(keys)]

        packer = Packer(lookup)
        items = [item for i, m in enumerate(messages) for item in packer.add(i, m)]
        items += packer.finish()
    # Asked about once a hundred recipients wait, less the invalid numbers among them.
    valid = [i % 97 != 0 for i in range(2_500)]
    assert asked == [sum(valid[k : k + 100]) for k in range(0, 2_500, 100)]
    rejected = [item.message_index for item in items if isinstance(item, RecipientOutcome)]
    assert rejected == [i for i in range(2_500) if i % 97 == 0]
    slots = sorted(slot for item in items if isinstance(item, Call) for chunk in item.chunks
                   for slot in chunk)  # fmt: skip
    seen: Counter[tuple[str, str]] = Counter()
    expected = []
    for i, message in enumerate(messages):
        if i % 97:
            (number,) = message.to.phone_numbers()
            expected.append((i, 0, number, number, seen[number, message.body or ""]))
            seen[number, message.body or ""] += 1
    assert slots == expected


def test_with_a_journal_a_call_still_comes_out_once_its_recipients_are_given() -> None:
    # Numbers wait for the journal no longer than a call's worth: the hundredth
    # one-recipient message of one text gives its call, as without a journal.
    packer = Packer(lambda keys: [(0, None)] * len(keys))
    messages = [Message("Hi", to=[f"4207000{i:05d}"]) for i in range(100)]
    given = [[type(item) for item in packer.add(i, m)] for i, m in enumerate(messages)]
    assert given == [[]] * 99 + [[Call]]


@settings(max_examples=100, deadline=None)
@given(campaigns(), st.integers(0, 40))
def test_a_journal_changes_nothing_of_what_is_packed(messages: list[Message], at: int) -> None:
    # With a journal, numbers wait to be asked about together, across messages: the
    # calls and the refusals (a message that cannot be sent among them) are still
    # exactly those of packing alone, each in the same order.
    broken = Message("Hi", to=["420700000009"])
    object.__setattr__(broken, "payload", {"a": {1, 2}})  # past the frozen class's checks
    messages = [*messages[:at], broken, *messages[at:]]
    alone, refused_alone = pack(messages)
    packer = Packer(lambda keys: [(0, None)] * len(keys))
    items = [item for i, m in enumerate(messages) for item in packer.add(i, m)]
    items += packer.finish()
    calls = [item for item in items if isinstance(item, Call)]
    assert [(c.body, c.chunks) for c in calls] == [(c.body, c.chunks) for c in alone]
    assert [item for item in items if isinstance(item, RecipientOutcome)] == refused_alone


def test_the_content_digest_ignores_key_order_but_not_values() -> None:
    contents = []
    for payload in ({"a": 1, "b": 2}, {"b": 2, "a": 1}, {"a": 1, "b": 3}):
        packer = Packer(lambda keys: [(0, None)] * len(keys))
        (call,) = [*packer.add(0, Message("Hi", to=["420700000001"], payload=payload)),
                   *packer.finish()]  # fmt: skip
        assert isinstance(call, Call)
        contents.append(call.contents[0])
    assert contents[0] == contents[1] != contents[2]


def test_the_wire_text_is_exactly_the_documented_json() -> None:
    message = Message("Ahoj “všichni”", to=["+420 700 000 001", "420700000002"], tag="t")
    calls, _ = pack([message, Message("Hi", to=["420700000003"])])
    assert json.loads(calls[0].content()) == [
        {
            "body": "Ahoj “všichni”",
            "tag": "t",
            "to": [{"phone_number": "420700000001"}, {"phone_number": "420700000002"}],
        },
        {"body": "Hi", "to": [{"phone_number": "420700000003"}]},
    ]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 60_000), min_size=1, max_size=30))
def test_no_call_passes_128_kb_unless_one_message_alone_does(payload_sizes: list[int]) -> None:
    # concepts/request-acceptance.mdx recommends no request over 128 KB.
    messages = [
        Message("Hi", to=[f"42077700{i:04d}"], payload={"note": "ž" * (size // 2)})
        for i, size in enumerate(payload_sizes)
    ]
    calls, _ = pack(messages)
    assert sum(len(chunk) for call in calls for chunk in call.chunks) == len(messages)
    for call in calls:
        assert len(call.content()) <= MAX_REQUEST_BYTES or len(call.body) == 1
    # and no call closed early without need: with the next message it would pass the limit
    for call, following in pairwise(calls):
        if len(call.body) < 10:
            assert len(call.content()) + len(following.body[0].encode()) + 1 > MAX_REQUEST_BYTES


def recipients(call: Call) -> int:
    return sum(len(chunk) for chunk in call.chunks)


def test_occurrences_are_counted_across_the_batches_a_journal_is_asked_about() -> None:
    # 2,500 recipients: the journal is asked about them a thousand at a time; numbers
    # repeat within and across batches, and invalid ones sit between them.
    given = [f"4207000{i % 700:05d}" if i % 97 else "not a number" for i in range(2_500)]
    with closing(sqlite3.connect("")) as db:
        counter = Occurrences(db)
        packer = Packer(lambda keys: [(o, None) for o in counter.number(keys)])
        items = [*packer.add(0, Message("Hi", to=given)), *packer.finish()]
    slots = [slot for item in items if isinstance(item, Call) for chunk in item.chunks
             for slot in chunk]  # fmt: skip
    rejected = [item.recipient_index for item in items if isinstance(item, RecipientOutcome)]
    assert rejected == [i for i in range(2_500) if i % 97 == 0]
    seen: Counter[str] = Counter()
    expected = []
    for i, number in enumerate(given):
        if i % 97:
            expected.append((i, number, seen[number]))
            seen[number] += 1
    assert [(slot[1], slot[3], slot[4]) for slot in slots] == expected
