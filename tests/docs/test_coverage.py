"""The coverage map (docs/coverage.md) against the reference's operations
(tests/data/operations.json) and against both clients."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from smsmngr import AsyncClient, Client

from ..support import API_KEY, DATA, ROOT

OPERATIONS = json.loads((DATA / "operations.json").read_text())
ROW = re.compile(r"^\| (\w+) \| `([^`]+)` \| (\w+) \| `([^`]+)` \| (yes|no) \|$")


def coverage_rows() -> list[tuple[str, ...]]:
    lines = (ROOT / "docs" / "coverage.md").read_text().splitlines()
    table = [line for line in lines if line.startswith("| ") and not line.startswith("| ---")]
    header, *rows = table
    assert header == "| method | path | api | SDK | repeat |"
    parsed = []
    for row in rows:
        match = ROW.match(row)
        assert match, f"a row of docs/coverage.md is not as the header says: {row}"
        parsed.append(match.groups())
    return parsed


@pytest.fixture
def clients() -> Iterator[dict[str, Any]]:
    async_client = AsyncClient(api_key=API_KEY)
    with Client(api_key=API_KEY) as client:
        yield {"AsyncClient": async_client, "Client": client}


def test_every_operation_of_the_reference_has_one_row() -> None:
    documented = sorted((o["method"], o["path"], o["api"]) for o in OPERATIONS)
    covered = sorted((method, path, api) for method, path, api, _, _ in coverage_rows())
    assert len(documented) == 59
    missing = sorted(set(documented) - set(covered))
    unknown = sorted(set(covered) - set(documented))
    assert (missing, unknown) == ([], [])
    assert covered == documented, "an operation has more than one row"


def test_every_row_names_what_both_clients_have(clients: dict[str, Any]) -> None:
    absent = []
    for *_, sdk, _ in coverage_rows():
        head, *names = sdk.split(".")
        assert head == "client", sdk
        for kind, client in clients.items():
            target: Any = client
            for name in names:
                target = getattr(target, name, None)
            if not callable(target):
                absent.append(f"{kind}: {sdk}")
            elif kind == "Client" and inspect.iscoroutinefunction(target):
                absent.append(f"{kind}: {sdk} is async")
    assert absent == []
