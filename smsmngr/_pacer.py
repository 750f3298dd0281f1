"""One pace, a shared pause and a rate cap, for every request of a campaign or of a
client to one API (each API has its own: a 429 from one does not hold back another)."""

from __future__ import annotations

import anyio

__all__ = ["Pacer"]


class Pacer:
    """Hands out turns to send: never before a shared pause ends, nor faster than a cap.

    A 429 seen by one worker pauses all of them (``pause``), and
    ``max_requests_per_second`` spaces requests evenly. Used from one event loop.
    """

    def __init__(self, max_requests_per_second: float | None = None) -> None:
        if max_requests_per_second is not None and not max_requests_per_second > 0:
            raise ValueError("max_requests_per_second must be greater than 0")
        self._interval = 1 / max_requests_per_second if max_requests_per_second else 0.0
        self._next_turn = 0.0
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """Hold every request back for ``seconds`` from now."""
        self._paused_until = max(self._paused_until, anyio.current_time() + seconds)

    async def wait_turn(self) -> None:
        """Wait until this request may go."""
        if not self._interval and not self._paused_until:
            return  # no cap, and no pause since the last one ended: nothing to wait for
        while True:
            now = anyio.current_time()
            start = max(now, self._paused_until, self._next_turn)
            if start <= now:
                break
            await anyio.sleep(start - now)
        self._paused_until = 0.0  # past by now: the next turn takes the fast path
        if self._interval:
            self._next_turn = max(now, self._next_turn) + self._interval
