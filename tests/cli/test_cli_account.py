"""``smsmngr account``, ``smsmngr webhook set-url`` and the pre-flight of
``bulk --dry-run``, run in-process against the fake served on loopback (the mock)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from smsmngr.cli import main
from smsmngr.testing import FakeSmsManager, serve

SENDERS = {"sms": ["Shop"], "viber": ["ShopViber"]}


@pytest.fixture
def fake() -> FakeSmsManager:
    return FakeSmsManager(senders=SENDERS)


@pytest.fixture
def options(fake: FakeSmsManager) -> Iterator[list[str]]:
    with serve(fake) as base_url:
        root = base_url.removesuffix("/v2")
        yield ["--api-host", root, "--api-key", fake.api_key]


def test_account_shows_the_key_and_the_credit(
    fake: FakeSmsManager, options: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    fake.rest.keys.keys[fake.api_key].note = "eshop"
    assert main(["account", *options]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "key:     enabled, scope full",
        "note:    eshop",
        "account: prepaid, CZK, Europe/Prague",
        "webhook: (none: only messages with a callback report)",
        "senders: sms: Shop; viber: ShopViber",
        "credit:  1000 CZK",
    ]


def test_webhook_set_url_keeps_the_note_and_names_the_senders(
    fake: FakeSmsManager, options: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    own = fake.rest.keys.keys[fake.api_key]
    own.note = "eshop"
    assert main(["webhook", "set-url", "https://shop.example/hook", *options]) == 0
    assert (own.default_callback_url, own.note) == ("https://shop.example/hook", "eshop")
    assert capsys.readouterr().out.splitlines() == [
        "default webhook URL: (none) -> https://shop.example/hook",
        "senders now reporting to it: sms: Shop; viber: ShopViber",
    ]
    assert main(["webhook", "set-url", "", *options]) == 0
    assert own.default_callback_url == ""
    assert "https://shop.example/hook -> (none)" in capsys.readouterr().out


def test_webhook_set_url_refused_for_the_api_scope_is_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake = FakeSmsManager(key_scope="api")
    with serve(fake) as base_url:
        options = ["--api-host", base_url.removesuffix("/v2"), "--api-key", fake.api_key]
        assert main(["webhook", "set-url", "https://x.example/h", *options]) == 2
        assert main(["webhook", "set-url", "not-a-url", *options]) == 2
    err = capsys.readouterr().err.splitlines()
    assert "not allowed to change settings" in err[0]
    assert "default_callback_url: must be an http(s) URL" in err[1]


def test_a_dry_run_names_what_would_stop_the_campaign(
    options: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    numbers = tmp_path / "numbers.txt"
    numbers.write_text("420777000001\n420777000002\n")
    good = main(["bulk", str(numbers), "--body", "Hi", "--sender", "Shop", "--dry-run", *options])
    assert good == 0
    assert "pre-flight: the key may send this campaign" in capsys.readouterr().out
    bad = main(["bulk", str(numbers), "--body", "Hi", "--sender", "Else", "--dry-run", *options])
    assert bad == 1
    out = capsys.readouterr().out
    assert "pre-flight: sender 'Else' is not registered for sms on this key" in out
    assert "dry run: nothing was sent" in out


def test_a_dry_run_with_a_blocked_key_says_so_and_sends_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeSmsManager(key_blocked=True)
    numbers = tmp_path / "numbers.txt"
    numbers.write_text("420777000001\n")
    with serve(fake) as base_url:
        options = ["--api-host", base_url.removesuffix("/v2"), "--api-key", fake.api_key]
        assert main(["bulk", str(numbers), "--body", "Hi", "--dry-run", *options]) == 1
    assert "pre-flight: the API key is blocked" in capsys.readouterr().out
    assert fake.ledger.sent == []
