"""The API's clock as its answers' Date headers tell it: read once per Date text, and
still right as local time moves on under the same Date."""

from __future__ import annotations

import pytest

import smsmngr._clock
from smsmngr._clock import PlatformClock

DATE = "Wed, 21 Oct 2015 08:28:00 GMT"  # 1445416080 since the epoch


def test_the_offset_follows_local_time_under_the_same_date(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = PlatformClock()
    now = [1445412480.0]
    monkeypatch.setattr(smsmngr._clock.time, "time", lambda: now[0])
    clock.observe(DATE)
    assert clock.offset == 3600.0
    now[0] += 0.75  # the next answer, within the same second of the server's
    clock.observe(DATE)
    assert clock.offset == 3599.25


def test_a_new_date_is_read_and_an_unreadable_one_keeps_the_last_offset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = PlatformClock()
    monkeypatch.setattr(smsmngr._clock.time, "time", lambda: 1445416080.0)
    clock.observe(DATE)
    assert clock.offset == 0.0
    clock.observe("Wed, 21 Oct 2015 08:28:05 GMT")
    assert clock.offset == 5.0
    clock.observe("not a date")
    clock.observe(None)
    assert clock.offset == 5.0
