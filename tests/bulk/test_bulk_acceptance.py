"""What an answer's ``accepted`` and ``rejected`` mean in a campaign
(concepts/request-acceptance.mdx, reference/errors.mdx, reference/rate-limits.mdx)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from smsmngr import AsyncClient, Message, OutcomeStatus, ValidationError
from smsmngr.testing import FakeSmsManager, FaultKind, FaultPlan

from ..support import API_KEY, NO_WAIT, numbers

pytestmark = pytest.mark.anyio


async def test_entries_not_accepted_at_first_are_sent_again_until_accepted() -> None:
    # Call 1's answer lists everything in "rejected", call 3's holds two empty lists.
    fake = FakeSmsManager(faults=FaultPlan(calls={1: "not_accepted", 3: "left_out"}))
    async with fake.async_client() as client:
        result = await client.send_bulk(Message("Hi", to=numbers(1_000)), concurrency=4)
    assert result.accepted == 1_000
    assert result.calls == 10 + 2
    assert max(fake.ledger.processed_phone_numbers().values()) == 1  # nobody twice
    assert sorted(o.message_id for o in result.outcomes) == sorted(
        s.message_id for s in fake.ledger.sent
    )


async def test_only_the_entries_not_accepted_go_again_and_ids_follow_them() -> None:
    bodies: list[list[dict[str, object]]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        messages = json.loads(request.content)
        bodies.append(messages)
        if len(bodies) == 1:  # accepts keys 0-4, lists 5-7 in rejected, leaves out 8-9
            return httpx.Response(200, json={
                "request_id": "r1",
                "accepted": [{"key": str(k), "message_id": f"first-{k}"} for k in range(5)],
                "rejected": [{"key": str(k)} for k in range(5, 8)],
            })  # fmt: skip
        accepted = [{"key": str(k), "message_id": f"again-{k}"} for k in range(len(messages))]
        return httpx.Response(200, json={"request_id": "r2", "accepted": accepted, "rejected": []})

    http_client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    async with AsyncClient(api_key=API_KEY, retry=NO_WAIT, http_client=http_client) as client:
        result = await client.send_bulk(Message("Hi", to=numbers(100)))
    assert len(bodies) == 2
    first_numbers = [m["to"][0]["phone_number"] for m in bodies[0]]  # type: ignore[index]
    again_numbers = [m["to"][0]["phone_number"] for m in bodies[1]]  # type: ignore[index]
    assert again_numbers == first_numbers[5:]
    assert result.accepted == 100
    ids = [o.message_id for o in result.outcomes]
    assert ids[:10] == [f"first-0-{i}" for i in range(10)]
    assert ids[50:60] == [f"again-0-{i}" for i in range(10)]  # the 6th wire message, resent
    assert {o.request_id for o in result.outcomes[50:]} == {"r2"}


async def test_what_stays_not_accepted_is_rejected_and_a_resume_sends_it(tmp_path: Path) -> None:
    journal = tmp_path / "campaign.db"
    to = numbers(500)
    fake = FakeSmsManager(faults=FaultPlan(calls={2: "not_accepted"}))
    async with fake.async_client() as client:
        first = await client.send_bulk(
            Message("Hi", to=to), journal=journal, not_accepted_retries=0, concurrency=1
        )
    assert (first.accepted, first.rejected) == (400, 100)
    rejected = [o for o in first.outcomes if o.status is OutcomeStatus.REJECTED]
    assert "not accepted by the API after 1 attempts" in (rejected[0].error or "")
    assert fake.ledger.accepted_count == 400

    async with fake.async_client() as client:
        second = await client.send_bulk(Message("Hi", to=to), journal=journal)
    assert second.accepted == 500  # 400 from the journal, 100 sent now
    assert {o.phone_number for o in rejected} == {s.phone_number for s in fake.ledger.sent[400:]}
    assert max(fake.ledger.sends_per_phone_number().values()) == 1


async def test_a_wrong_key_answered_400_stops_the_campaign_at_once() -> None:
    # The sending API answers a bad key with 400 {"Message": "User is not authorized..."}.
    fake = FakeSmsManager(api_key="right")
    async with fake.async_client(api_key="wrong") as client:
        result = await client.send_bulk(Message("Hi", to=numbers(10_000)), concurrency=8)
    assert fake.ledger.call_counts["/messages"] == 1  # the first call goes alone
    assert result.failed == 10_000  # not accepted, not rejected: a resume sends them all
    assert result.stopped_by is not None
    assert "AuthenticationError" in result.stopped_by


async def test_a_resume_with_the_right_key_sends_everyone(tmp_path: Path) -> None:
    journal = tmp_path / "campaign.db"
    fake = FakeSmsManager(api_key="right")
    async with fake.async_client(api_key="wrong") as client:
        await client.send_bulk(Message("Hi", to=numbers(300)), journal=journal)
    async with fake.async_client(api_key="right") as client:
        result = await client.send_bulk(Message("Hi", to=numbers(300)), journal=journal)
    assert result.accepted == 300
    assert fake.ledger.accepted_count == 300


async def test_single_messages_refused_the_same_way_stop_the_campaign() -> None:
    fake = FakeSmsManager()  # it refuses fields the reference does not know (400)
    refused = Message("Hi", to=numbers(10_000), extra={"colour": "red"})
    async with fake.async_client() as client:
        result = await client.send_bulk(refused, concurrency=1)
    assert result.stopped_by is not None
    assert "3 messages in a row refused with the same answer" in result.stopped_by
    assert fake.ledger.call_counts["/messages"] < 10  # not two calls for each of 10,000
    assert result.accepted == 0
    assert result.rejected + result.failed == 10_000


async def test_server_errors_stay_unknown_and_are_not_resent() -> None:
    fake = FakeSmsManager(faults=FaultPlan(calls={2: FaultKind.SERVER_ERROR}))
    async with fake.async_client() as client:
        result = await client.send_bulk(Message("Hi", to=numbers(300)), concurrency=1)
    assert (result.accepted, result.unknown) == (200, 100)
    assert fake.ledger.call_counts["/messages"] == 3


@pytest.mark.parametrize("retries", [-1, 1.5, True])
async def test_not_accepted_retries_must_be_a_count(retries: object) -> None:
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        with pytest.raises(ValidationError, match="not_accepted_retries"):
            await client.send_bulk(Message("Hi", to=numbers(1)), not_accepted_retries=retries)  # type: ignore[arg-type]
    assert fake.ledger.calls == []
