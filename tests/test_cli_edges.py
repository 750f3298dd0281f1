"""The command line at its edges: each case was reproduced, each now one clear line."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from smsmngr.testing import FakeSmsManager, Fault, FaultKind, FaultPlan, serve

from .test_cli import run


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
    fake = FakeSmsManager(faults=FaultPlan(rates={Fault(FaultKind.SLOW, delay=0.1): 1.0}))
    csv_file = people(tmp_path, [f"4207770{i:05d},P{i}" for i in range(3_000)])
    journal, output = tmp_path / "sale.db", tmp_path / "out.jsonl"
    with serve(fake) as base_url:
        options = ["--base-url", base_url, "--api-key", fake.api_key]
        command = [sys.executable, "-m", "smsmngr", *options, "bulk", str(csv_file),
                   "--body", "Hi {name}", "--journal", str(journal), "--output", str(output),
                   "--concurrency", "2"]  # fmt: skip
        smsmngr = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and fake.ledger.accepted_count < 200:
            time.sleep(0.05)
        smsmngr.send_signal(signal.SIGINT)
        printed, errors = smsmngr.communicate(timeout=60)
        assert smsmngr.returncode == 130, errors
        assert "accepted" in printed  # the summary so far
        assert "resume with: smsmngr bulk" in errors
        assert f"--journal {journal}" in errors
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
    assert fake.ledger.call_counts["/messages"] == 1


@pytest.mark.parametrize("content", ["", "phone,name\n", "# nobody yet\n\n"])
def test_an_empty_input_file_is_a_usage_error(tmp_path: Path, content: str) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text(content)
    result = run("--api-key", "k", "bulk", str(empty), "--body", "Hi")
    assert result.returncode == 2
    one_line_error(result, "holds no recipients")
