"""Constants and builders shared by the tests."""

from __future__ import annotations

import datetime as dt
import os
import time
import zoneinfo
from collections.abc import Callable
from pathlib import Path

import pytest

from smsmngr import DEFAULT_BASE_URL, DEFAULT_REST_BASE_URL, DEFAULT_VERIFY_BASE_URL, RetryPolicy

ROOT = Path(__file__).resolve().parent.parent
"""The project's checkout (or unpacked sdist)."""
DATA = Path(__file__).resolve().parent / "data"
"""Test data: the reference's examples, read out of its pages."""
BASE_URL = DEFAULT_BASE_URL
REST_BASE_URL = DEFAULT_REST_BASE_URL
VERIFY_BASE_URL = DEFAULT_VERIFY_BASE_URL
API_KEY = "test-key-7f3a9c"
NO_WAIT = RetryPolicy(max_retries=2, backoff_base=0, backoff_max=0)
SETTINGS_PREFIX = "SMSMANAGER_"


def numbers(count: int, start: int = 0) -> list[str]:
    """Distinct Czech mobile numbers: ``numbers(2) == ["420700000000", "420700000001"]``."""
    return [f"4207{i:08d}" for i in range(start, start + count)]


def accepted(*message_ids: str, request_id: str = "req-1") -> dict[str, object]:
    """A documented success body accepting keys 0.. with the given ids."""
    return {
        "request_id": request_id,
        "accepted": [{"key": str(i), "message_id": m} for i, m in enumerate(message_ids)],
        "rejected": [],
    }


def clear_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset every ``SMSMANAGER_*`` variable, so no test sees the developer's own."""
    for name in [name for name in os.environ if name.startswith(SETTINGS_PREFIX)]:
        monkeypatch.delenv(name)


def daytime_clock(hour: int = 10) -> Callable[[], float]:
    """A running platform clock that reads ``hour`` o'clock in Prague today: promotional
    SMS to Czech numbers go out only from 08:00 to 20:00, and reconcile waits for that,
    so tests that reconcile them must not depend on when they run."""
    prague = zoneinfo.ZoneInfo("Europe/Prague")
    today = dt.datetime.now(prague).date()
    offset = dt.datetime.combine(today, dt.time(hour), prague).timestamp() - time.time()
    return lambda: time.time() + offset
