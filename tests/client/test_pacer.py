"""The pacer on a virtual clock: a shared pause and an even rate cap, no real waiting."""

from __future__ import annotations

import types

import anyio
import pytest

import smsmngr._pacer
from smsmngr._pacer import Pacer


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
