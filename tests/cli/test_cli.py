"""The real console script, run in subprocesses against the fake API on loopback."""

from __future__ import annotations

import json
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from smsmngr import Client, Message
from smsmngr.testing import FakeSmsManager, FaultKind, FaultPlan, serve

pytestmark = pytest.mark.slow

SCRIPT = Path(sys.executable).parent / "smsmngr"


def run(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SMSMANAGER_")}
    return subprocess.run(
        [sys.executable, "-m", "smsmngr", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env={**clean, **(env or {})},
        timeout=120,
        check=False,
    )


@pytest.fixture
def api() -> Iterator[tuple[FakeSmsManager, list[str]]]:
    fake = FakeSmsManager()
    with serve(fake) as base_url:
        yield fake, ["--base-url", base_url, "--api-key", fake.api_key]


def test_the_installed_script_runs() -> None:
    result = subprocess.run([str(SCRIPT), "--version"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert result.stdout.startswith("smsmngr ")


def test_send_prints_ids_and_exits_0(api: tuple[FakeSmsManager, list[str]]) -> None:
    fake, options = api
    to = ["--to", "+420 777 000 001", "--to", "420777000002"]
    channels = ["--channel", "viber", "--channel", "sms"]
    result = run(*options, "send", *to, "--body", "Hi", "--sender", "Shop", *channels)
    assert result.returncode == 0, result.stderr
    assert [s.phone_number for s in fake.ledger.sent] == ["420777000001", "420777000002"]
    assert fake.ledger.sent[0].message["flow"] == [{"viber": {}}, {"sms": {}}]
    assert fake.ledger.sent[0].message["sender"] == "Shop"
    assert fake.ledger.sent[0].message_id in result.stdout


def test_send_exits_1_when_a_recipient_is_not_accepted() -> None:
    fake = FakeSmsManager(faults=FaultPlan(calls={1: "not_accepted"}))
    with serve(fake) as base_url:
        result = run("--base-url", base_url, "--api-key", fake.api_key,
                     "send", "--to", "420777000009", "--body", "Hi")  # fmt: skip
    assert result.returncode == 1
    assert "rejected" in result.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["send", "--to", "12", "--body", "Hi"], "7 to 15 digits"),
        (["send", "--to", "420777000001", "--body", "x" * 1001], "at most 1000"),
        (
            ["send", "--to", "420777000001", "--body", "Hi", "--channel", "viber"],
            "Message.flow[0].sender: required on a viber step",
        ),
        (["bulk", "missing.csv", "--body", "Hi"], "missing.csv"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    api: tuple[FakeSmsManager, list[str]], args: list[str], says: str
) -> None:
    fake, options = api
    result = run(*options, *args)
    assert result.returncode == 2
    assert says in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert fake.ledger.calls == []


def test_a_missing_api_key_is_said_as_the_command_line_spells_it() -> None:
    result = run("send", "--to", "420777000001", "--body", "Hi")
    assert result.returncode == 2
    assert "no API key: pass --api-key or set the SMSMANAGER_API_KEY" in result.stderr
    assert "api_key" not in result.stderr
    assert "Traceback" not in result.stderr


def test_global_options_are_taken_after_the_command_too(
    api: tuple[FakeSmsManager, list[str]],
) -> None:
    fake, options = api
    result = run("send", *options, "--to", "420777000001", "--body", "Hi")
    assert result.returncode == 0, result.stderr
    root = options[1].removesuffix("/v2")
    started = run("verify", "start", "420777123456", "--api-host", root, "--api-key", fake.api_key)
    assert started.returncode == 0, started.stderr
    assert fake.ledger.call_counts["/message"] == 1


def test_an_option_given_before_the_command_is_kept_when_not_repeated_after(
    api: tuple[FakeSmsManager, list[str]],
) -> None:
    _, options = api
    result = run(options[0], options[1], "send", *options[2:], "--to", "420777000001",
                 "--body", "Hi", "-v")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "POST" in result.stderr  # --verbose after the command logs too


def test_usage_errors_exit_2() -> None:
    assert run("send", "--body", "Hi").returncode == 2
    assert run("frobnicate").returncode == 2


def test_bulk_sends_a_csv_with_columns_in_the_body_and_writes_outcomes(
    api: tuple[FakeSmsManager, list[str]], tmp_path: Path
) -> None:
    fake, options = api
    rows = ["phone,name"] + [f"420777{i:06d},Person {i}" for i in range(250)] + ["nonsense,Eve"]
    csv_file = tmp_path / "people.csv"
    csv_file.write_text("\n".join(rows) + "\n")
    output = tmp_path / "outcomes.jsonl"
    result = run(*options, "bulk", str(csv_file), "--body", "Hi {name}!", "--output", str(output),
                 "--concurrency", "4")  # fmt: skip
    assert result.returncode == 1  # one invalid number
    lines = [json.loads(line) for line in output.read_text().splitlines()]
    assert len(lines) == 251
    assert {line["status"] for line in lines} == {"accepted", "rejected"}
    assert fake.ledger.sent[1].message["body"] == "Hi Person 1!"
    assert "accepted" in result.stdout
    assert "accepted  250" in result.stdout
    assert "not accepted, nothing sent: safe to send again" in result.stdout


def test_bulk_reads_one_number_a_line(
    api: tuple[FakeSmsManager, list[str]], tmp_path: Path
) -> None:
    fake, options = api
    numbers = tmp_path / "numbers.txt"
    numbers.write_text("# customers\n420777000001\n\n420777000002\n")
    result = run(*options, "bulk", str(numbers), "--body", "Sale")
    assert result.returncode == 0, result.stderr
    assert fake.ledger.accepted_count == 2


def test_bulk_dry_run_sends_nothing_and_reports_parts(tmp_path: Path) -> None:
    csv_file = tmp_path / "people.csv"
    csv_file.write_text("phone;name\n420777000001;Žofie\n420777000002;Bob\n12;Bad\n")
    result = run("bulk", str(csv_file), "--body", "Ahoj {name}! " + "x" * 150, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "UCS-2" in result.stdout
    assert "GSM-7" in result.stdout
    assert "recipients: 3 (1 invalid" in result.stdout
    assert "calls: 1" in result.stdout
    # Žofie: 162 UCS-2 characters, 3 parts; Bob: exactly 160 GSM-7 characters, 1 part.
    assert "total SMS parts: 4" in result.stdout
    assert "nothing was sent" in result.stdout


def test_segments_explains_the_encoding() -> None:
    result = run("segments", "Zlutý kůň")
    assert result.returncode == 0
    assert "UCS-2" in result.stdout
    assert "'Zluty kun'" in result.stdout
    plain = run("segments", "{" * 81)
    assert "units:      162" in plain.stdout
    assert "segments:   2" in plain.stdout


def test_webhook_parse_prints_typed_events() -> None:
    body = json.dumps([
        {"type": "outgoing", "message_id": "m-0", "result": "delivered", "timestamp": 1700000000},
        {"type": "incoming", "sender": "420777000001", "body": "STOP"},
    ])  # fmt: skip
    result = run("webhook", "parse", "-", stdin=body)
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["event"] for e in events] == ["DeliveryReport", "IncomingMessage"]
    assert events[0]["timestamp"].startswith("2023-11-14")
    broken = run("webhook", "parse", "-", stdin="{nope")
    assert broken.returncode == 1
    assert "not JSON" in broken.stderr


def test_the_demo_runs_offline_and_accounts_for_everyone() -> None:
    result = run("demo")
    assert result.returncode == 0, result.stderr
    assert "10,000" in result.stdout
    assert "unknown" in result.stdout
    assert "Traceback" not in result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _mock(port: int) -> subprocess.Popen[str]:
    """``smsmngr mock`` in a child process, its banner on a pipe."""
    return subprocess.Popen(
        [sys.executable, "-m", "smsmngr", "mock", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def read_banner(server: subprocess.Popen[str]) -> str:
    """What ``smsmngr mock`` prints before it serves."""
    assert server.stdout is not None
    banner = ""
    while not banner.endswith("stop with Ctrl-C\n"):
        line = server.stdout.readline()
        assert line, f"the mock ended before its banner: {banner!r}"
        banner += line
    return banner


def _wait_until_listening(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)


def test_mock_serves_every_api_and_prints_the_lines_to_export() -> None:
    port = _free_port()
    server = _mock(port)
    assert server.stdout is not None
    try:
        banner = read_banner(server)
        assert "Verify API" in banner
        exports = dict(
            line.strip().removeprefix("export ").split("=", 1)
            for line in banner.splitlines()
            if line.strip().startswith("export ")
        )
        assert exports == {
            "SMSMANAGER_API_HOST": f"http://127.0.0.1:{port}",
            "SMSMANAGER_API_KEY": "test-api-key",
        }
        _wait_until_listening(port)
        host, key = exports["SMSMANAGER_API_HOST"], exports["SMSMANAGER_API_KEY"]
        with Client(api_key=key, api_host=host) as client:
            result = client.send(Message("Hi", to=["420777000001"]))
            assert result.recipient_message_ids()[0]
            assert client.account.get_credit().balance is not None
            assert client.verify.start("420777000001").token
    finally:
        server.terminate()
        server.wait(10)
        server.stdout.close()


def test_mock_on_a_port_in_use_exits_2_before_any_banner() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("mock", "--port", str(port))
    assert result.returncode == 2
    assert result.stdout == ""
    assert f"port {port} on 127.0.0.1 is not free" in result.stderr
    assert "--port" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("port", ["99999", "0", "-1", "http"])
def test_mock_on_a_port_that_cannot_be_is_a_usage_error(port: str) -> None:
    result = run("mock", "--port", port)
    assert result.returncode == 2
    assert "argument --port" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("command", "option", "says"),
    [
        (["send"], "--body", "the text"),
        (["send"], "--sender", "the sender name or number"),
        (["bulk"], "--sender", "the sender name or number"),
        (["bulk"], "--phone-column", "phone, phone_number, number"),
        (["mock"], "--port", "the port to serve on"),
        (["demo"], "--seed", "the same seed, the same run"),
        (["segments"], "text", "the message text"),
    ],
)
def test_every_option_is_explained_in_help(command: list[str], option: str, says: str) -> None:
    shown = run(*command, "--help")
    assert shown.returncode == 0
    explained = " ".join(shown.stdout.split("options:", 1)[0 if option == "text" else 1].split())
    described = rf"{re.escape(option)}( [A-Z_]+)? [^-]*{re.escape(says)}"
    assert re.search(described, explained), explained


def test_mock_prints_each_verify_code_so_verify_check_can_succeed() -> None:
    port = _free_port()
    server = _mock(port)
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in server.stdout or ()])
    reader.start()
    try:
        _wait_until_listening(port)
        root = f"http://127.0.0.1:{port}"
        options = ["--api-key", "test-api-key", "--base-url", f"{root}/v2"]
        verify = [*options, "--verify-base-url", root, "verify"]
        started = run(*verify, "start", "+420 777 123 456")
        assert started.returncode == 0, started.stderr
        token = started.stdout.split()[1]
        line = ""
        while "Verify code" not in line:
            line = lines.get(timeout=30)
        assert "420777123456" in line
        assert token[:8] in line
        code = re.search(r"Verify code (\d{6}) ", line)
        assert code is not None, line
        checked = run(*verify, "check", token, code.group(1))
        assert (checked.returncode, checked.stdout.strip()) == (0, "verified: 420777123456")
    finally:
        server.terminate()
        server.wait(10)
        reader.join(10)
        if server.stdout is not None:
            server.stdout.close()


@pytest.fixture
def both_apis() -> Iterator[tuple[FakeSmsManager, list[str]]]:
    fake = FakeSmsManager(faults=FaultPlan(calls={2: FaultKind.DROP_AFTER}), credit_czk="1.5")
    with serve(fake) as base_url:
        rest = base_url.removesuffix("/v2") + "/v1"
        yield fake, ["--base-url", base_url, "--rest-base-url", rest, "--api-key", fake.api_key]


def test_a_dry_run_shows_the_credit_and_warns_when_it_is_short(
    both_apis: tuple[FakeSmsManager, list[str]], tmp_path: Path
) -> None:
    fake, options = both_apis
    numbers = tmp_path / "numbers.txt"
    numbers.write_text("\n".join(f"4207{i:08d}" for i in range(10)) + "\n4917012345678\n")
    result = run(*options, "bulk", str(numbers), "--body", "Hi", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "credit: 1.5 CZK" in result.stdout
    # 10 parts at 0.89 CZK, 1 at 1.85 (the fake's price list).
    assert "estimated cost by SMS: 10.75 CZK" in result.stdout
    assert "warning: the credit (1.5 CZK) is lower than the estimate" in result.stdout
    assert fake.ledger.calls == []


def test_a_journal_is_reconciled_resumed_and_its_funnel_shown(
    both_apis: tuple[FakeSmsManager, list[str]], tmp_path: Path
) -> None:
    fake, options = both_apis
    numbers = tmp_path / "numbers.txt"
    numbers.write_text("\n".join(f"4207{i:08d}" for i in range(300)) + "\n")
    journal = str(tmp_path / "j.db")
    bulk = ["bulk", str(numbers), "--body", "Hi", "--journal", journal, "--concurrency", "1"]
    first = run(*options, *bulk)
    assert first.returncode == 1  # call 2's answer was lost: 100 unknown
    reconciled = run(*options, "journal", "reconcile", journal, "--grace-minutes", "0")
    assert reconciled.returncode == 0, reconciled.stderr
    assert re.search(r"found on the platform: accepted\s+100\s", reconciled.stdout)
    resumed = run(*options, *bulk)
    assert resumed.returncode == 0, resumed.stderr  # every recipient accepted now
    assert max(fake.ledger.sends_per_phone_number().values()) == 1
    reports = tmp_path / "reports.json"
    reports.write_text(json.dumps(fake.delivery_reports()))
    folded = run("journal", "reports", journal, str(reports))
    # Three reports a recipient (sending, sent, delivered), each a newer status.
    assert "900 events read: 900 delivery reports, 900 of them" in folded.stdout, folded.stderr
    shown = run("journal", "show", journal, "--plot", str(tmp_path / "funnel.png"))
    assert shown.returncode == 0, shown.stderr
    assert "delivered" in shown.stdout
    assert (tmp_path / "funnel.png").stat().st_size > 0


def test_verify_start_and_check(both_apis: tuple[FakeSmsManager, list[str]]) -> None:
    fake, options = both_apis
    root = options[options.index("--base-url") + 1].removesuffix("/v2")
    verify = [*options, "--verify-base-url", root, "verify"]
    started = run(*verify, "start", "+420 777 123 456")
    assert started.returncode == 0, started.stderr
    token = started.stdout.split()[1]
    wrong = run(*verify, "check", token, "000000")
    assert wrong.returncode == 1
    assert "Invalid code" in wrong.stderr
    assert "5 attempt(s) left" in wrong.stderr
    right = run(*verify, "check", token, fake.code_sent_to("420777123456"))
    assert (right.returncode, right.stdout.strip()) == (0, "verified: 420777123456")


def test_journal_reports_takes_what_webhook_parse_prints(tmp_path: Path) -> None:
    journal = str(tmp_path / "j.db")
    fake = FakeSmsManager(final_results={"420700000002": "undelivered"})
    with fake.client() as client:
        client.send_bulk(Message("Hi", to=["420700000001", "420700000002"]), journal=journal)
    body = tmp_path / "body.json"
    body.write_text(json.dumps(fake.delivery_reports()))
    parsed = run("webhook", "parse", str(body))
    lines = tmp_path / "events.jsonl"
    lines.write_text(parsed.stdout)
    folded = run("journal", "reports", journal, str(lines))
    assert "6 events read: 6 delivery reports, 6 of them" in folded.stdout, folded.stderr
    shown = run("journal", "show", journal)
    assert re.search(r"delivered\s+1\s", shown.stdout)
    assert re.search(r"undelivered\s+1\s", shown.stdout)


def test_a_journal_is_refused_with_another_key_unless_it_was_rotated(
    both_apis: tuple[FakeSmsManager, list[str]], tmp_path: Path
) -> None:
    fake, options = both_apis
    numbers = tmp_path / "numbers.txt"
    numbers.write_text("\n".join(f"4207{i:08d}" for i in range(10)) + "\n")
    journal = str(tmp_path / "j.db")
    assert run(*options, "bulk", str(numbers), "--body", "Hi", "--journal", journal).returncode == 0
    fake.api_key = "rotated-key"
    new_key = [*options[:-1], "rotated-key"]
    refused = run(*new_key, "journal", "reconcile", journal)
    assert refused.returncode == 2
    assert "another API key" in refused.stderr
    assert "--key-rotated" in refused.stderr
    reconciled = run(*new_key, "journal", "reconcile", journal, "--key-rotated")
    assert reconciled.returncode == 0, reconciled.stderr
