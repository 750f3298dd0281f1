"""``smsmngr upload`` and ``smsmngr schedule cancel``, run in-process against the fake
served on loopback (its upload URLs on a second port), as against ``smsmngr mock``."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from smsmngr.cli import main
from smsmngr.testing import FakeSmsManager, serve

START = 1_785_000_000.0


class Clock:
    now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def served() -> Iterator[tuple[FakeSmsManager, Clock, list[str]]]:
    clock = Clock()
    fake = FakeSmsManager(clock=clock)
    with serve(fake) as base_url:
        yield fake, clock, ["--api-host", base_url.removesuffix("/v2"), "--api-key", fake.api_key]


def people(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "people.csv"
    path.write_text("\n".join(["phone,name", *rows]) + "\n", encoding="utf-8")
    return path


def test_upload_sends_a_csv_as_one_file(
    served: tuple[FakeSmsManager, Clock, list[str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake, _, options = served
    rows = [f"42077700{i:04d},P{i}" for i in range(25)]
    code = main(
        ["upload", str(people(tmp_path, rows)), "--bulk-id", "b", "--body", "Hi {name}", *options]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "25 recipients" in out
    assert "25 messages" in out  # one text per name: a wire message each
    assert sorted(s.message["body"] for s in fake.ledger.sent)[:2] == ["Hi P0", "Hi P1"]
    assert len(fake.ledger.sent) == 25


def test_upload_reads_json_lines_of_rows(
    served: tuple[FakeSmsManager, Clock, list[str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake, _, options = served
    path = tmp_path / "people.jsonl"
    lines = [
        {"phone": "420777000001", "name": "Jana"},
        {"phone": "12", "name": "Bad"},
        {"name": "No"},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    code = main(
        ["upload", str(path), "--bulk-id", "b", "--body", "Hi {name}", "--no-compress", *options]
    )
    captured = capsys.readouterr()
    assert code == 1  # two refused locally
    assert [s.message["body"] for s in fake.ledger.sent] == ["Hi Jana"]
    assert "line 3: no phone number" in captured.err
    assert "'12'" in captured.err
    assert "2 recipients refused locally" in captured.out


def test_a_scheduled_upload_is_cancelled_and_never_goes(
    served: tuple[FakeSmsManager, Clock, list[str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake, clock, options = served
    at = dt.datetime.fromtimestamp(START + 600, dt.timezone.utc).isoformat()
    path = people(tmp_path, ["420777000001,Jana"])
    assert main(["upload", str(path), "--bulk-id", "b", "--body", "Hi", "--at", at, *options]) == 0
    assert main(["schedule", "cancel", "--bulk-id", "b", *options]) == 0
    assert "Schedule cancelled" in capsys.readouterr().out
    clock.now += 3600
    fake.process_scheduled()
    assert fake.ledger.sent == []
    assert main(["schedule", "cancel", "--bulk-id", "b", *options]) == 1  # nothing left
    assert "Failed to cancel schedule" in capsys.readouterr().err


def test_a_rerun_with_the_journal_is_refused_until_forced(
    served: tuple[FakeSmsManager, Clock, list[str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake, _, options = served
    journal = str(tmp_path / "sale.db")
    command = ["upload", str(people(tmp_path, ["420777000001,Jana"])), "--bulk-id", "b"]
    command += ["--body", "Hi", "--journal", journal, *options]
    assert main(command) == 0
    assert main(command) == 2
    assert "--force" in capsys.readouterr().err
    assert main([*command, "--force"]) == 0
    assert len(fake.ledger.sent) == 2
    with closing(sqlite3.connect(journal)) as db:
        assert db.execute("SELECT outcome FROM uploads").fetchall() == [("uploaded",)]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--at", "2030-07-31T08:00:00"], "time zone"),
        (["--at", "tomorrow"], "ISO 8601"),
    ],
)
def test_a_time_without_a_zone_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(
            [
                "upload",
                str(people(tmp_path, ["420777000001,J"])),
                "--bulk-id",
                "b",
                "--body",
                "Hi",
                *args,
            ]
        )
    assert exited.value.code == 2
    assert says in capsys.readouterr().err


def test_cancel_takes_one_id(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["schedule", "cancel"])
    with pytest.raises(SystemExit):
        main(["schedule", "cancel", "--bulk-id", "b", "--message-id", "m"])
    assert "not allowed with" in capsys.readouterr().err


@pytest.mark.slow
def test_upload_and_cancel_work_against_smsmngr_mock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from .test_cli import _free_port, _mock, _wait_until_listening, read_banner

    port = _free_port()
    server = _mock(port)
    assert server.stdout is not None
    try:
        banner = read_banner(server)
        assert "storage host, http://127.0.0.1:" in banner
        _wait_until_listening(port)
        options = ["--api-host", f"http://127.0.0.1:{port}", "--api-key", "test-api-key"]
        path = people(tmp_path, ["420777000001,Jana", "420777000002,Petr"])
        command = ["upload", str(path), "--bulk-id", "b", "--body", "Hi {name}", *options]
        assert main([*command, "--at", "2099-01-01T08:00:00Z"]) == 0
        assert "2 recipients" in capsys.readouterr().out
        assert main(["schedule", "cancel", "--bulk-id", "b", *options]) == 0
        assert main(["upload", str(path), "--bulk-id", "now", "--body", "Hi", *options]) == 0
    finally:
        server.terminate()
        server.wait(10)
        server.stdout.close()
