"""``smsmngr whatsapp templates`` against the fake served on loopback, as ``smsmngr
mock`` serves it: its default WABA is listed without any setup."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from smsmngr.cli._app import main
from smsmngr.testing import FakeSmsManager, serve


@pytest.fixture
def mock_host() -> Iterator[tuple[FakeSmsManager, str]]:
    fake = FakeSmsManager()
    with serve(fake) as base_url:
        yield fake, base_url.removesuffix("/v2")


def test_templates_of_every_waba_on_the_key_are_listed(
    mock_host: tuple[FakeSmsManager, str], capsys: pytest.CaptureFixture[str]
) -> None:
    fake, host = mock_host
    code = main(["--api-host", host, "--api-key", fake.api_key, "whatsapp", "templates"])
    shown = capsys.readouterr().out
    assert code == 0
    assert "2 WhatsApp template(s)" in shown
    assert "order_update" in shown
    assert "welcome" in shown


def test_templates_of_a_named_waba_and_an_unknown_one(
    mock_host: tuple[FakeSmsManager, str], capsys: pytest.CaptureFixture[str]
) -> None:
    fake, host = mock_host
    options = ["--api-host", host, "--api-key", fake.api_key, "whatsapp", "templates"]
    assert main([*options, "--waba-id", "1234567890"]) == 0
    assert "order_update" in capsys.readouterr().out
    assert main([*options, "--waba-id", "404"]) != 0
    assert "Whatsapp account not found" in capsys.readouterr().err
