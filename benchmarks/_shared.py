"""What every benchmark module shares: sizes, figures, the alternation of sides, and
the bodies a hand-written client posts."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import attrs

API_KEY = "bench-key"
BODY = "Summer sale: 20% off everything today only!"
ROOT = Path(__file__).resolve().parent


@attrs.frozen
class Sizes:
    bulk: int
    batching: int
    single_sends: int
    memory: tuple[int, int]
    webhook_events: int
    rounds: int
    resume: int = 2_000
    """Recipients of the journaled campaign that is run once, then resumed."""


FULL = Sizes(
    bulk=50_000,
    batching=5_000,
    single_sends=200,
    memory=(100_000, 1_000_000),
    webhook_events=20_000,
    rounds=3,
    resume=1_000_000,
)
QUICK = Sizes(
    bulk=2_000, batching=300, single_sends=20, memory=(2_000, 10_000), webhook_events=500, rounds=1
)


@attrs.frozen
class Figure:
    name: str
    sdk: str
    baseline: str
    ratio: float
    goal: str
    met: bool | None


def numbers(count: int) -> list[str]:
    return [f"4207{i:08d}" for i in range(count)]


def alternate(
    rounds: int, first: Callable[[], float], second: Callable[[], float]
) -> tuple[float, float]:
    """Medians of ``first`` and ``second``, run in alternating order."""
    a, b = rotate(rounds, [first, second])
    return a, b


def rotate(rounds: int, sides: list[Callable[[], float]]) -> list[float]:
    """The median of each of ``sides``, all run once per round, each round starting
    one further along, so that no side always runs first or after the same one."""
    times: list[list[float]] = [[] for _ in sides]
    for round_number in range(rounds):
        for offset in range(len(sides)):
            index = (round_number + offset) % len(sides)
            times[index].append(sides[index]())
    return [statistics.median(each) for each in times]


def timed(
    coroutine: Callable[[], Awaitable[Any]], clock: Callable[[], float] = time.perf_counter
) -> Callable[[], float]:
    """How long ``coroutine()`` takes on a new event loop, by ``clock`` (``time.process_time``
    for this process's CPU time: what other work on a loaded machine moves least)."""

    def run() -> float:
        async def measure() -> float:
            started = clock()
            await coroutine()
            return clock() - started

        return asyncio.run(measure())

    return run


def raw_bodies(count: int) -> list[bytes]:
    """What a hand-written client would post: 100-recipient /messages bodies."""
    to = numbers(count)
    bodies = []
    for start in range(0, count, 100):
        call = to[start : start + 100]
        messages = [
            {"body": BODY, "to": [{"phone_number": n} for n in call[i : i + 10]]}
            for i in range(0, len(call), 10)
        ]
        bodies.append(json.dumps(messages, separators=(",", ":")).encode())
    return bodies


def read_answer(status: int, content: bytes) -> int:
    """What a hand-written client does with an answer, as the SDK does: parse it, and
    count the messages accepted."""
    assert status == 200, status
    answer = json.loads(content)
    assert isinstance(answer["request_id"], str)
    return len([item["message_id"] for item in answer["accepted"]])
