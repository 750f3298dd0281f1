"""The coverage map (docs/coverage.md) against the reference's operations
(tests/data/operations.json) and against both clients."""

from __future__ import annotations

import inspect
import json
import re
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from smsmngr import APIError, AsyncClient, Client, RefusedError, SmsManagerError

from ..operation_calls import CALLS
from ..support import API_KEY, DATA, NO_WAIT, ROOT

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


def test_every_operation_has_one_minimal_call() -> None:
    assert sorted(CALLS) == sorted((o["method"], o["path"]) for o in OPERATIONS)


def _lost(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("the answer was lost", request=request)


def _busy(request: httpx.Request) -> httpx.Response:
    return httpx.Response(503, json={"message": "busy"})


@pytest.mark.anyio
@pytest.mark.parametrize("failure", [_lost, _busy], ids=["lost answer", "503"])
@pytest.mark.parametrize(
    "row", [pytest.param(row, id=f"{row[0]} {row[1]}") for row in coverage_rows()]
)
async def test_the_repeat_column_is_what_the_sdk_does(
    row: tuple[str, ...], failure: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    method, path, _, _, repeat = row
    # the reference's number is in no number plan: the Verify calls are checked without
    # the smsmngr[phone] extra, which would refuse it before any request
    monkeypatch.setitem(sys.modules, "phonenumbers", None)
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return failure(request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    async with AsyncClient(api_key=API_KEY, retry=NO_WAIT, http_client=http) as client:
        with pytest.raises(SmsManagerError):
            await CALLS[method, path](client)
    assert sent, "the call was refused before any request"
    where = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path))
    assert all(r.method == method and re.search(f"{where}$", r.url.path) for r in sent)
    assert len(sent) == (1 + NO_WAIT.max_retries if repeat == "yes" else 1)


REPEATED = {(method, path): repeat for method, path, _, _, repeat in coverage_rows()}
ERROR_EXAMPLES = [
    pytest.param(o, r, id=f"{o['method']} {o['path']} {r['status']}: {r['name']}")
    for o in OPERATIONS
    for r in o["responses"]
    if r["status"] >= 400
]


@pytest.mark.anyio
@pytest.mark.parametrize(("operation", "response"), ERROR_EXAMPLES)
async def test_every_documented_error_is_a_definite_sdk_error(
    operation: dict[str, Any], response: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each documented error status and message raises an ``APIError`` carrying that
    status; a documented 500 of an operation that changes something is a refusal, not
    "may have been processed"; a 404 that says ``success: true`` (an empty list) raises
    nothing."""
    monkeypatch.setitem(sys.modules, "phonenumbers", None)
    status, body = response["status"], response["example"]

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body)

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    async with AsyncClient(api_key=API_KEY, retry=NO_WAIT, http_client=http) as client:
        call = CALLS[operation["method"], operation["path"]]
        if body.get("success") is True:
            assert not await call(client)
            return
        with pytest.raises(APIError) as raised:
            await call(client)
    assert raised.value.status_code == status
    if status >= 500 and REPEATED[operation["method"], operation["path"]] == "no":
        assert isinstance(raised.value, RefusedError), raised.value  # nothing was done
