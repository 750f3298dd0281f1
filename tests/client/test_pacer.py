"""The pacer on a virtual clock: a shared pause and an even rate cap, no real waiting;
and one pace per API, so that a 429 from one API holds back only that API."""

from __future__ import annotations

import types

import anyio
import httpx
import pytest
import respx

import smsmngr._pacer
from smsmngr import (
    DEFAULT_BASE_URL,
    DEFAULT_REST_BASE_URL,
    DEFAULT_VERIFY_BASE_URL,
    AsyncClient,
    Message,
    PhoneRateLimitError,
    RetryEvent,
    RetryPolicy,
)
from smsmngr._pacer import Pacer

from ..support import accepted

VALIDATION = {
    "token": "t-1",
    "status": "code_sent",
    "expiresAt": "2026-07-30T10:15:00Z",
    "timestamp": "2026-07-30T10:05:00Z",
}


class VirtualClock:
    def __init__(self) -> None:
        self.now = 0.0

    def current_time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> VirtualClock:
    virtual = VirtualClock()
    fake_anyio = types.SimpleNamespace(current_time=virtual.current_time, sleep=virtual.sleep)
    monkeypatch.setattr(smsmngr._pacer, "anyio", fake_anyio)
    return virtual


def test_a_rate_cap_spaces_turns_evenly(clock: VirtualClock) -> None:
    pacer = Pacer(max_requests_per_second=10)
    turns = []

    async def take_turns() -> None:
        for _ in range(5):
            await pacer.wait_turn()
            turns.append(round(clock.now, 6))

    anyio.run(take_turns)
    assert turns == [0.0, 0.1, 0.2, 0.3, 0.4]


def test_a_pause_holds_back_every_later_turn(clock: VirtualClock) -> None:
    pacer = Pacer()

    async def scenario() -> list[float]:
        await pacer.wait_turn()
        first = clock.now
        pacer.pause(2.5)  # a 429 seen by one worker
        await pacer.wait_turn()  # another worker's next request
        return [first, clock.now]

    assert anyio.run(scenario) == [0.0, 2.5]


def test_a_second_pause_after_one_has_passed_holds_turns_back_again(
    clock: VirtualClock,
) -> None:
    pacer = Pacer()

    async def scenario() -> list[float]:
        pacer.pause(1.0)
        await pacer.wait_turn()  # waits the first pause out
        await pacer.wait_turn()  # nothing paused any more: at once
        passed = clock.now
        pacer.pause(2.0)
        await pacer.wait_turn()
        return [passed, clock.now]

    assert anyio.run(scenario) == [1.0, 3.0]


def test_without_a_cap_or_pause_turns_are_immediate(clock: VirtualClock) -> None:
    pacer = Pacer()

    async def many() -> None:
        for _ in range(100):
            await pacer.wait_turn()

    anyio.run(many)
    assert clock.now == 0.0


def test_the_cap_must_be_positive() -> None:
    with pytest.raises(ValueError, match="greater than 0"):
        Pacer(max_requests_per_second=0)


def _held_back_by_a_429_from(api: str, clock: VirtualClock) -> dict[str, float]:
    """How long a send, and then another call to ``api``, wait their turn while a call
    to ``api`` waits out a 429 that asked for an hour."""
    retried = anyio.Event()
    retry = RetryPolicy(max_retries=1, max_retry_after=7200)
    waits: dict[str, float] = {}

    async def call_api(client: AsyncClient) -> None:
        if api == "verify":
            await client.verify.start("420777123456")
        else:
            await client.status.get_message_status("m-1")

    async def scenario() -> None:
        async with (
            AsyncClient(api_key="k", retry=retry, on_retry=lambda event: retried.set()) as client,
            anyio.create_task_group() as tasks,
        ):
            tasks.start_soon(call_api, client)  # waits out its 429 (really) until cancelled
            await retried.wait()
            await client.send(Message("Hi", to=["420777123456"]))
            waits["send"] = clock.now
            await call_api(client)
            waits[api] = clock.now
            tasks.cancel_scope.cancel()

    with respx.mock(assert_all_called=False) as router:
        router.post(f"{DEFAULT_BASE_URL}/message").respond(200, json=accepted("m-1"))
        limited = httpx.Response(429, headers={"Retry-After": "3600"}, json={})
        router.post(f"{DEFAULT_VERIFY_BASE_URL}/v1/validations").mock(
            side_effect=[limited, httpx.Response(200, json=VALIDATION)]
        )
        router.get(f"{DEFAULT_REST_BASE_URL}/message").mock(
            side_effect=[limited, httpx.Response(200, json={"message": None})]
        )
        anyio.run(scenario)
    return waits


@pytest.mark.parametrize("api", ["verify", "rest"])
def test_a_429_from_the_rest_or_verify_api_holds_back_that_api_only(
    clock: VirtualClock, api: str
) -> None:
    assert _held_back_by_a_429_from(api, clock) == {"send": 0.0, api: 3600.0}


def test_a_429_about_one_number_is_neither_retried_nor_holds_anything_back(
    clock: VirtualClock,
) -> None:
    retries: list[RetryEvent] = []

    async def scenario() -> float:
        async with AsyncClient(api_key="k", on_retry=retries.append) as client:
            with pytest.raises(PhoneRateLimitError):
                await client.verify.start("420777123456")
            await client.verify.start("420777654321")
            await client.send(Message("Hi", to=["420777123456"]))
        return clock.now

    with respx.mock() as router:
        router.post(f"{DEFAULT_BASE_URL}/message").respond(200, json=accepted("m-1"))
        one_number = httpx.Response(
            429,
            headers={"Retry-After": "60"},
            json={"error": "PHONE_RATE_LIMIT", "message": "Too many attempts for this number"},
        )
        route = router.post(f"{DEFAULT_VERIFY_BASE_URL}/v1/validations").mock(
            side_effect=[one_number, httpx.Response(200, json=VALIDATION)]
        )
        assert anyio.run(scenario) == 0.0
    assert (route.call_count, retries) == (2, [])
