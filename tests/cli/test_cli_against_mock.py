"""Each command a person runs on the platform's areas, once, against a real
``smsmngr mock`` process on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from smsmngr.cli._app import main

from .test_cli import _free_port, _mock, _wait_until_listening, read_banner


@pytest.fixture
def options() -> Iterator[list[str]]:
    port = _free_port()
    server = _mock(port)
    assert server.stdout is not None
    try:
        read_banner(server)
        _wait_until_listening(port)
        yield ["--api-host", f"http://127.0.0.1:{port}", "--api-key", "test-api-key"]
    finally:
        server.terminate()
        server.wait(10)
        server.stdout.close()


@pytest.mark.slow
def test_every_command_of_the_platforms_areas_works_against_the_mock(
    options: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"phone_number": "420777000001"}\n{"phone_number": "420777000002"}\n')
    runs: list[tuple[list[str], str]] = [
        (["account"], "credit:"),
        (["optout", "add", "420777123456"], "optout: 1 number accepted"),
        (["optout", "list"], "420777123456"),
        (["optout", "remove", "420777123456"], "optout: 1 removed, 0 left"),
        (["blacklist", "add", "420777111222"], "blacklist: 1 number accepted"),
        (["blacklist", "list"], "420777111222"),
        (["blacklist", "remove", "--all"], "every number removed"),
        (["inbox"], "inbox"),
        (["whatsapp", "templates"], "order_update"),
        (["webhook", "set-url", "https://example.com/hook"], "-> https://example.com/hook"),
        (["account"], "webhook: https://example.com/hook"),
        (
            ["upload", str(rows), "--bulk-id", "later", "--body", "Hi", "--at", "2099-01-01T08:00:00Z"],  # noqa: E501
            "uploaded bulk 'later': 2 recipients in\n  1 message,",
        ),
        (["schedule", "cancel", "--bulk-id", "later"], "cancelled"),
    ]  # fmt: skip
    for command, says in runs:
        assert main([*command, *options]) == 0, command
        captured = capsys.readouterr()
        assert says in captured.out, (command, captured)
