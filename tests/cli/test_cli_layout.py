"""The command line's layout: a module per command group, each adding its own commands."""

from __future__ import annotations

import argparse
from pathlib import Path
from types import ModuleType

import pytest

from smsmngr.cli import (
    _account,
    _app,
    _billing,
    _bulk,
    _journal,
    _lists,
    _mock,
    _segments,
    _send,
    _upload,
    _verify,
    _webhook,
    _whatsapp,
)

CLI = Path(_app.__file__).parent

GROUPS: dict[ModuleType, list[str]] = {
    _send: ["send"],
    _bulk: ["bulk"],
    _upload: ["upload", "schedule cancel"],
    _segments: ["segments"],
    _webhook: ["webhook parse", "webhook set-url"],
    _journal: ["journal show", "journal reconcile", "journal reports"],
    _account: ["account"],
    _verify: ["verify start", "verify check"],
    _billing: ["billing invoices", "billing pdf"],
    _lists: [
        "optout list",
        "optout add",
        "optout remove",
        "blacklist list",
        "blacklist add",
        "blacklist remove",
        "inbox",
    ],
    _whatsapp: ["whatsapp templates"],
    _mock: ["mock", "demo"],
}


def _leaves(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, object]:
    """Each command a parser leads to, by its full name, and what it runs."""
    found: dict[str, object] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found |= _leaves(sub, f"{prefix} {name}".strip())
    if not found and prefix:
        found[prefix] = parser.get_default("run")
    return found


@pytest.mark.parametrize(("group", "names"), list(GROUPS.items()), ids=[g.__name__ for g in GROUPS])
def test_each_group_adds_its_own_commands_and_runs_its_own_code(
    group: ModuleType, names: list[str]
) -> None:
    top = argparse.ArgumentParser()
    group.register(top.add_subparsers(), {})
    leaves = _leaves(top)
    assert list(leaves) == names
    assert {getattr(run, "__module__", None) for run in leaves.values()} == {group.__name__}


def test_the_command_line_is_the_groups_commands_in_their_order() -> None:
    commands = [name for names in GROUPS.values() for name in names]
    assert list(_leaves(_app.parser())) == commands


def test_no_module_of_the_command_line_is_over_500_lines() -> None:
    lengths = {path.name: len(path.read_text().splitlines()) for path in CLI.glob("*.py")}
    assert {name: n for name, n in lengths.items() if n > 500} == {}
