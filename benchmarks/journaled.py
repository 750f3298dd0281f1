"""Journaled campaigns: a first run with a journal against the same without one, and a
resume of a campaign whose recipients were all accepted against its first run."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from smsmngr import AsyncClient, Message

from ._shared import API_KEY, BODY, Figure, Sizes, alternate, numbers, timed


async def _campaign(base_url: str, message: Message, journal: Path | None) -> None:
    async with AsyncClient(api_key=API_KEY, base_url=base_url) as client:
        result = await client.send_bulk(
            message, concurrency=8, collect_outcomes=False, journal=journal
        )
    assert result.accepted == len(message.to), result.counts


def journal_figures(base_url: str, sizes: Sizes) -> list[Figure]:
    message = Message(BODY, to=numbers(sizes.bulk))
    with tempfile.TemporaryDirectory() as folder:
        runs = iter(range(10**6))

        async def journaled() -> None:
            await _campaign(base_url, message, Path(folder) / f"first-{next(runs)}.journal")

        with_journal, without = alternate(
            sizes.rounds, timed(journaled), timed(lambda: _campaign(base_url, message, None))
        )
        big = Message(BODY, to=numbers(sizes.resume))
        journal = Path(folder) / "resumed.journal"
        started = time.perf_counter()
        timed(lambda: _campaign(base_url, big, journal))()
        first = time.perf_counter() - started
        resumed = timed(lambda: _campaign(base_url, big, journal))()
    return [
        Figure(
            f"journaled campaign, {sizes.bulk:,} recipients (time, first run with a "
            "journal / without)",
            f"{with_journal:.2f} s",
            f"{without:.2f} s",
            with_journal / without,
            "<= 1.50",
            with_journal / without <= 1.5,
        ),
        Figure(
            f"resume of {sizes.resume:,} recipients all accepted (time, resume / first run)",
            f"{resumed:.2f} s ({resumed / sizes.resume * 1e6:.1f} µs/recipient)",
            f"{first:.2f} s",
            resumed / first,
            "<= 0.30",
            resumed / first <= 0.3,
        ),
    ]
