"""The command line at its edges: each case was reproduced, each now one clear line."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from smsmngr.testing import FakeSmsManager, Fault, FaultKind, FaultPlan, serve

from .test_cli import run

pytestmark = pytest.mark.slow


@pytest.fixture
def api() -> Iterator[tuple[FakeSmsManager, list[str]]]:
    fake = FakeSmsManager()
    with serve(fake) as base_url:
        yield fake, ["--base-url", base_url, "--api-key", fake.api_key]


def one_line_error(result: subprocess.CompletedProcess[str], says: str) -> None:
    assert says in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def people(tmp_path: Path, rows: list[str], name: str = "people.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(["phone,name", *rows]) + "\n", encoding="utf-8")
    return path


def test_output_naming_the_input_file_is_refused_and_the_input_kept(
    api: tuple[FakeSmsManager, list[str]], tmp_path: Path
) -> None:
    fake, options = api
    csv_file = people(tmp_path, ["420777000001,Ann", "420777000002,Bob"])
    before = csv_file.read_text()
    result = run(*options, "bulk", str(csv_file), "--body", "Hi", "--output", str(csv_file))
    assert result.returncode == 2
    one_line_error(result, "is the input file")
    assert csv_file.read_text() == before
    assert fake.ledger.calls == []


@pytest.mark.parametrize("rate", ["0", "nan", "-1", "inf", "fast"])
def test_a_rate_that_is_not_a_pace_is_a_usage_error(tmp_path: Path, rate: str) -> None:
    csv_file = people(tmp_path, ["420777000001,Ann"])
    result = run("--api-key", "k", "bulk", str(csv_file), "--body", "Hi", "--rate", rate)
    assert result.returncode == 2
    assert "--rate" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_long_csv_field_is_read_and_a_huge_one_named(
    api: tuple[FakeSmsManager, list[str]], tmp_path: Path
) -> None:
    fake, options = api
    notes = tmp_path / "notes.csv"
    notes.write_text("phone,notes\n420777000001," + "n" * 200_000 + "\n")
    assert run(*options, "bulk", str(notes), "--body", "Hi").returncode == 0
    huge = tmp_path / "huge.csv"
    huge.write_text("phone,notes\n420777000001,ok\n420777000002," + "n" * 2_000_000 + "\n")
    result = run(*options, "bulk", str(huge), "--body", "Hi")
    assert result.returncode == 2
    one_line_error(result, "line 3")
    assert fake.ledger.accepted_count == 1  # only the first file went out


def test_webhook_parse_of_a_huge_code_prints_its_events(tmp_path: Path) -> None:
    body = tmp_path / "body.json"
    events = [{"type": "outgoing", "message_id": "m", "result": "failed",
               "result_info": "[" + "9" * 5_000 + "]"}]  # fmt: skip
    body.write_text(json.dumps(events))
    result = run("webhook", "parse", str(body))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["event"] == "DeliveryReport"


def test_a_cp1250_file_is_named_with_its_line_and_read_with_encoding(
    api: tuple[FakeSmsManager, list[str]], tmp_path: Path
) -> None:
    fake, options = api
    export = tmp_path / "export.csv"
    export.write_bytes("phone;name\n420777000001;Ann\n420777000002;Žofie\n".encode("cp1250"))
    refused = run(*options, "bulk", str(export), "--body", "Ahoj {name}")
    assert refused.returncode == 2
    one_line_error(refused, f"{export}: line 3 is not UTF-8")
    assert "--encoding" in refused.stderr
    result = run(*options, "bulk", str(export), "--body", "Ahoj {name}", "--encoding", "cp1250")
    assert result.returncode == 0, result.stderr
    assert {s.message["body"] for s in fake.ledger.sent} == {"Ahoj Ann", "Ahoj Žofie"}


def test_utf8_with_a_byte_order_mark_is_read(
    api: tuple[FakeSmsManager, list[str]], tmp_path: Path
) -> None:
    fake, options = api
    export = tmp_path / "bom.csv"
    export.write_bytes("phone,name\n420777000001,Žofie\n".encode("utf-8-sig"))
    assert run(*options, "bulk", str(export), "--body", "Ahoj {name}").returncode == 0
    assert fake.ledger.sent[0].message["body"] == "Ahoj Žofie"


def test_an_empty_phone_cell_refuses_that_row_alone_naming_it(
    api: tuple[FakeSmsManager, list[str]], tmp_path: Path
) -> None:
    fake, options = api
    csv_file = people(tmp_path, ["420777000001,Ann", ",Nobody", "420777000003,Cy"])
    output = tmp_path / "out.jsonl"
    result = run(*options, "bulk", str(csv_file), "--body", "Hi", "--output", str(output))
    assert result.returncode == 1
    assert f"{csv_file}: line 3: no phone number" in result.stderr
    assert fake.ledger.accepted_count == 2
    lines = [json.loads(line) for line in output.read_text().splitlines()]
    assert len(lines) == 3
    assert {
        "line": 3,
        "phone_number": "",
        "status": "rejected",
        "error": "no phone number",
    } in lines
    assert "total     3" in result.stdout


def test_output_to_a_pipe_closed_early_stops_quietly(
    api: tuple[FakeSmsManager, list[str]], tmp_path: Path
) -> None:
    _, options = api
    csv_file = people(tmp_path, [f"4207770{i:05d},P{i}" for i in range(3_000)])
    command = [sys.executable, "-m", "smsmngr", *options, "bulk", str(csv_file),
               "--body", "Hi {name}", "--output", "/dev/stdout"]  # fmt: skip
    smsmngr = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert smsmngr.stdout is not None
    first = [smsmngr.stdout.readline(), smsmngr.stdout.readline()]  # as | head -2 would
    smsmngr.stdout.close()
    _, errors = smsmngr.communicate(timeout=60)
    assert all(line.startswith(b"{") for line in first)
    assert b"Exception ignored" not in errors
    assert b"Traceback" not in errors
    assert b"portal is not running" not in errors


def test_ctrl_c_prints_the_summary_and_the_resume_command(tmp_path: Path) -> None:
    # Twenty calls of ten (one message a person) go through; every later one is held,
    # so Ctrl-C lands mid-campaign however slowly this process gets to send it.
    held = {number: Fault(FaultKind.SLOW, delay=5) for number in range(21, 301)}
    fake = FakeSmsManager(faults=FaultPlan(calls=held))
    csv_file = people(tmp_path, [f"4207770{i:05d},P{i}" for i in range(3_000)])
    journal, output = tmp_path / "sale.db", tmp_path / "out.jsonl"
    with serve(fake) as base_url:
        options = ["--base-url", base_url, "--api-key", fake.api_key]
        command = [sys.executable, "-m", "smsmngr", *options, "bulk", str(csv_file),
                   "--body", "Hi {name}", "--journal", str(journal), "--output", str(output),
                   "--concurrency", "2", "--rate", "500"]  # fmt: skip
        # A shell's background job (CI started with `&`) ignores SIGINT, and so would
        # the CLI, inheriting that: it gets Ctrl-C as a terminal would give it.
        smsmngr = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and fake.ledger.accepted_count < 200:
            time.sleep(0.05)
        smsmngr.send_signal(signal.SIGINT)
        printed, errors = smsmngr.communicate(timeout=60)
        assert smsmngr.returncode == 130, errors
        assert "accepted" in printed  # the summary so far
        rows = _table_rows(printed)
        assert rows["not sent yet"] > 0
        assert sum(rows.values()) - rows["total"] == rows["total"] == 3_000
        assert "resume with: smsmngr bulk" in errors
        for option in (f"--journal {journal}", f"--output {output}", "--concurrency 2",
                       "--rate 500", f"--base-url {base_url}"):  # fmt: skip
            assert option in errors
        assert fake.api_key not in errors
        fake.faults = FaultPlan()
        resumed = run(*options, "bulk", str(csv_file), "--body", "Hi {name}",
                      "--journal", str(journal), "--output", str(output),
                      "--resend-unknown")  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    lines = output.read_text().splitlines()
    assert len(lines) == 3_000  # every outcome, the journal's included
    assert max(fake.ledger.sends_per_phone_number().values()) <= 2  # unknowns, on request


def test_a_wrong_key_exits_2_from_bulk_as_from_send(tmp_path: Path) -> None:
    fake = FakeSmsManager(api_key="right")
    csv_file = people(tmp_path, [f"4207770{i:05d},P{i}" for i in range(500)])
    with serve(fake) as base_url:
        options = ["--base-url", base_url, "--api-key", "wrong"]
        sent = run(*options, "send", "--to", "420777000001", "--body", "Hi")
        bulk = run(*options, "bulk", str(csv_file), "--body", "Hi")
    assert sent.returncode == bulk.returncode == 2
    assert "not authorized" in bulk.stderr
    assert bulk.stderr.count("not authorized") == 1  # said once
    assert fake.ledger.call_counts["/messages"] == 1


@pytest.mark.parametrize("content", ["", "phone,name\n", "# nobody yet\n\n"])
def test_an_empty_input_file_is_a_usage_error(tmp_path: Path, content: str) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text(content)
    result = run("--api-key", "k", "bulk", str(empty), "--body", "Hi")
    assert result.returncode == 2
    one_line_error(result, "holds no recipients")


def _table_rows(printed: str) -> dict[str, int]:
    """The outcomes table's recipients by status, its total included."""
    table = printed.split("outcomes\n", 1)[1].splitlines()[1:]
    rows = {}
    for line in table:
        name, count = re.split(r"\s{2,}", line.strip())[:2]
        rows[name] = int(count.replace(",", ""))
        if name == "total":
            return rows
    raise AssertionError(printed)


def test_a_resume_says_what_was_done_before_and_that_it_was_not_resent(
    api: tuple[FakeSmsManager, list[str]], tmp_path: Path
) -> None:
    fake, options = api
    csv_file = people(tmp_path, [f"4207770{i:05d},P{i}" for i in range(150)])
    bulk = [*options, "bulk", str(csv_file), "--body", "Hi", "--journal", str(tmp_path / "j.db")]
    first = run(*bulk)
    assert first.returncode == 0, first.stderr
    assert "this run made 2 calls to the API" in first.stdout
    resumed = run(*bulk)
    assert resumed.returncode == 0, resumed.stderr
    assert "150 recipients were settled by an earlier run" in resumed.stdout
    assert "this run sent none of them" in resumed.stdout
    assert "this run made 0 calls to the API" in resumed.stdout
    assert fake.ledger.call_counts["/messages"] == 2


def test_a_dry_run_refuses_a_row_without_a_number_by_line_like_the_real_run(
    api: tuple[FakeSmsManager, list[str]], tmp_path: Path
) -> None:
    fake, options = api
    csv_file = people(tmp_path, ["420777000001,Ann", ",Nobody", "420777000003,Cy"])
    dry = run("bulk", str(csv_file), "--body", "Hi", "--dry-run")
    real = run(*options, "bulk", str(csv_file), "--body", "Hi")
    refusal = f"{csv_file}: line 3: no phone number; refused"
    assert refusal in dry.stderr
    assert refusal in real.stderr
    assert "recipients: 3 (1 invalid" in dry.stdout
    assert fake.ledger.accepted_count == 2


def test_bulk_says_which_column_holds_the_numbers_and_takes_another(
    api: tuple[FakeSmsManager, list[str]], tmp_path: Path
) -> None:
    fake, options = api
    csv_file = tmp_path / "contacts.csv"
    csv_file.write_text("name,tel,mobile2\nAnn,420777000001,420777000009\n")
    found = run("bulk", str(csv_file), "--body", "Hi", "--dry-run")
    assert "phone numbers from column 'tel'" in found.stderr
    chosen = run(*options, "bulk", str(csv_file), "--body", "Hi", "--phone-column", "mobile2")
    assert chosen.returncode == 0, chosen.stderr
    assert "phone numbers from column 'mobile2'" in chosen.stderr
    assert [s.phone_number for s in fake.ledger.sent] == ["420777000009"]


@pytest.fixture
def mock_host() -> Iterator[tuple[FakeSmsManager, str]]:
    fake = FakeSmsManager(credit_czk="100")
    with serve(fake) as base_url:
        yield fake, base_url.removesuffix("/v2")


def test_api_host_points_every_command_at_the_mock(
    mock_host: tuple[FakeSmsManager, str], tmp_path: Path
) -> None:
    fake, host = mock_host
    numbers = tmp_path / "numbers.txt"
    numbers.write_text("420777000001\n")
    dry = run("--api-host", host, "--api-key", fake.api_key, "bulk", str(numbers), "--body",
              "Hi", "--dry-run")  # fmt: skip
    assert "credit: 100 CZK" in dry.stdout, dry.stderr
    env = {"SMSMANAGER_API_HOST": host, "SMSMANAGER_API_KEY": fake.api_key}
    started = run("verify", "start", "420777000001", env=env)
    assert started.returncode == 0, started.stderr


def test_a_command_pointed_at_the_mock_by_base_url_alone_sends_no_key_to_production(
    mock_host: tuple[FakeSmsManager, str], tmp_path: Path
) -> None:
    fake, host = mock_host
    env = {"SMSMANAGER_BASE_URL": host + "/v2", "SMSMANAGER_API_KEY": fake.api_key}
    numbers = tmp_path / "numbers.txt"
    numbers.write_text("420777000001\n")
    dry = run("bulk", str(numbers), "--body", "Hi", "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert "credit: not checked (the REST API was left on production" in dry.stdout
    assert "--api-host or SMSMANAGER_API_HOST" in dry.stdout
    started = run("verify", "start", "420777000001", env=env)
    assert started.returncode == 2
    one_line_error(started, "the Verify API was left on production")
    assert "--verify-base-url or SMSMANAGER_VERIFY_BASE_URL" in started.stderr
