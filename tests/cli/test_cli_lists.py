"""``smsmngr optout``, ``smsmngr blacklist`` and ``smsmngr inbox`` against the fake
served on loopback (as ``smsmngr mock`` serves it), run in this process."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from pathlib import Path

import pytest

from smsmngr import Message
from smsmngr.cli._app import main
from smsmngr.testing import FakeSmsManager, serve

NOW = 1_785_400_000.0


@pytest.fixture
def mock() -> Iterator[tuple[FakeSmsManager, list[str]]]:
    fake = FakeSmsManager(clock=lambda: NOW)
    with serve(fake) as base_url:
        yield fake, ["--api-host", base_url.removesuffix("/v2"), "--api-key", fake.api_key]


def test_numbers_are_added_listed_and_removed(
    mock: tuple[FakeSmsManager, list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, options = mock
    more = tmp_path / "numbers.txt"
    more.write_text("420777000002\n\n+420 777 000 003\n")
    assert main(["optout", "add", "420777000001", "--file", str(more), *options]) == 0
    assert "optout: 3 numbers accepted" in capsys.readouterr().out
    assert main(["optout", "list", *options]) == 0
    assert capsys.readouterr().out.split() == ["420777000001", "420777000002", "420777000003"]
    assert main(["optout", "remove", "420777000001", *options]) == 0
    assert "optout: 1 removed, 2 left" in capsys.readouterr().out
    assert main(["optout", "remove", "--all", *options]) == 0
    assert "every number removed" in capsys.readouterr().out
    assert main(["optout", "list", *options]) == 0
    assert capsys.readouterr().err == "optout: no numbers\n"


def test_the_block_list_is_its_own_and_an_empty_removal_says_why(
    mock: tuple[FakeSmsManager, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    _, options = mock
    assert main(["blacklist", "add", "420777000001", "--subid", "shop", *options]) == 0
    assert main(["blacklist", "list", *options]) == 0
    assert main(["blacklist", "list", "--subid", "shop", *options]) == 0
    assert capsys.readouterr().out.split()[-1] == "420777000001"
    assert main(["blacklist", "remove", "420777000009", *options]) == 1
    assert "the block list is empty: nothing to remove" in capsys.readouterr().err


def test_bad_input_is_a_usage_error_before_any_call(
    mock: tuple[FakeSmsManager, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    fake, options = mock
    assert main(["optout", "add", *options]) == 2
    assert main(["optout", "remove", "420777000001", "--all", *options]) == 2
    assert main(["blacklist", "add", "777 123 456 ext 1", *options]) == 2
    assert "numbers[0]" in capsys.readouterr().err
    assert fake.rest.lists.numbers == {}
    with pytest.raises(SystemExit):
        main(["inbox", "--date", "30.7.2026", *options])


def test_the_inbox_shows_a_days_messages_and_marks_opt_outs(
    mock: tuple[FakeSmsManager, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    fake, options = mock
    with fake.client() as client:
        client.send(Message("Sale", to=["420777000001"]))
    fake.reply(fake.ledger.sent[0], "Stop")
    fake.inbound("420777000002", "420777654321", "Hello?")
    day = dt.datetime.fromtimestamp(NOW, zoneinfo.ZoneInfo("Europe/Prague")).date()
    assert main(["inbox", "--date", day.isoformat(), *options]) == 0
    out = capsys.readouterr().out
    assert "420777000001" in out
    assert "Stop  (opt-out)" in out
    assert "Hello?" in out
    assert "Hello?  (opt-out)" not in out
