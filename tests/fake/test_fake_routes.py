"""The fake routes each request by its exact path, and its modules import without a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import httpx
import pytest

import smsmngr.testing
from smsmngr.testing import FakeSmsManager

MESSAGE = {"body": "Hi", "to": [{"phone_number": "420777123456"}]}


@pytest.mark.parametrize("path", ["/elsewhere/message", "/v2/x/messages", "/api/v2/message"])
def test_a_sending_endpoint_under_another_path_is_not_found(path: str) -> None:
    fake = FakeSmsManager()
    with httpx.Client(transport=fake.transport, base_url="http://fake") as http:
        response = http.post(path, json=MESSAGE, headers={"x-api-key": fake.api_key})
    assert response.status_code == 404
    assert fake.ledger.sent == []


def test_an_unknown_sending_path_is_counted_under_its_own_path() -> None:
    fake = FakeSmsManager()
    with httpx.Client(transport=fake.transport, base_url="http://fake") as http:
        response = http.post("/v2/nothing", json=MESSAGE, headers={"x-api-key": fake.api_key})
    assert response.status_code == 404
    assert response.json() == {"Message": "no endpoint /v2/nothing"}
    assert fake.ledger.call_counts == {"/v2/nothing": 1}


def _imports(module: Path) -> set[str]:
    """The sibling modules ``module`` imports, at run time or for type checking."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    return {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module
    }


def test_the_fake_modules_import_one_another_without_a_cycle() -> None:
    folder = Path(smsmngr.testing.__file__).parent
    graph = {path.stem: _imports(path) for path in folder.glob("_*.py")}

    def reaches(start: str, target: str, seen: set[str]) -> bool:
        for name in graph.get(start, set()) - seen:
            if name == target or reaches(name, target, seen | {name}):
                return True
        return False

    assert [name for name in graph if reaches(name, name, set())] == []
