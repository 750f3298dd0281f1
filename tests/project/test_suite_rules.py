"""The suite's own ground rules: no test sees the developer's settings."""

from __future__ import annotations

import os

import pytest

from ..support import clear_settings


def test_every_smsmanager_setting_is_cleared_even_one_not_known_yet(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SMSMANAGER_REST_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("SMSMANAGER_A_SETTING_ADDED_LATER", "on")
    clear_settings(monkeypatch)
    assert [name for name in os.environ if name.startswith("SMSMANAGER_")] == []


def test_the_suite_starts_each_test_without_smsmanager_settings() -> None:
    assert [name for name in os.environ if name.startswith("SMSMANAGER_")] == []
