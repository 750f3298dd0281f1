"""Every Python snippet of the README and docs/ runs, so none can rot.

Each runs in a fresh directory against a fresh fake API served on 127.0.0.1, with
``SMSMANAGER_API_KEY`` and the three APIs' base URLs pointed at it, as a user's
environment would be. A snippet is a whole program unless an HTML comment right
above its fence says otherwise:

- ``<!-- snippet: fragment -->`` marks a piece of a larger program: it may ``await``
  at the top level, and the comment's further lines, unseen by readers, run first to
  give it the names the page around it gives (``fake`` is the fake it talks to).
- ``<!-- snippet: not run: why -->`` marks one that cannot run here; ``NOT_RUN`` names
  each, so none is left out unnoticed.

A snippet's ``test_*`` functions are called, and ``input()`` answers with the code the
fake's Verify API sent last, as a user would type it.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from smsmngr import AsyncClient, Client
from smsmngr.testing import FakeSmsManager, serve

from ..support import ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```([^`\n]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
MARKER = re.compile(r"<!--[ \t]*snippet:((?:(?!-->).)*)-->\s*\Z", re.DOTALL)

NOT_RUN = {
    ("docs/options.md", "http2=True needs h2, which no extra of smsmngr installs"),
    ("docs/workers.md", "needs a PostgreSQL server (tests/postgres makes these calls)"),
}


class Block(NamedTuple):
    """One fenced block of a page."""

    page: str
    line: int  # of the opening fence
    language: str
    code: str
    marker: str  # the snippet comment right above it, or ""

    @property
    def directive(self) -> str:
        return self.marker.split("\n", 1)[0].strip()

    @property
    def setup(self) -> str:
        return self.marker.partition("\n")[2]


def _blocks() -> list[Block]:
    blocks = []
    for page in PAGES:
        text = page.read_text()
        for fence in FENCE.finditer(text):
            marker = MARKER.search(text, 0, fence.start())
            blocks.append(
                Block(
                    page=str(page.relative_to(ROOT)),
                    line=text.count("\n", 0, fence.start()) + 1,
                    language=fence.group(1).strip(),
                    code=fence.group(2),
                    marker=marker.group(1) if marker else "",
                )
            )
    return blocks


BLOCKS = _blocks()
PYTHON = [block for block in BLOCKS if block.language == "python"]
RUN = [block for block in PYTHON if not block.directive.startswith("not run:")]


def _close_clients(namespace: dict[str, Any]) -> list[Any]:
    """Close the blocking clients a snippet left open; answer its async ones."""
    for value in namespace.values():
        if isinstance(value, Client):
            value.close()
    return [value for value in namespace.values() if isinstance(value, AsyncClient)]


def _call_tests(namespace: dict[str, Any], page: str) -> None:
    for name, value in list(namespace.items()):
        code = getattr(value, "__code__", None)
        if name.startswith("test_") and code is not None and code.co_filename == page:
            result = value()
            if inspect.iscoroutine(result):
                asyncio.run(result)


def _run(block: Block, namespace: dict[str, Any]) -> None:
    # Blank lines before the code keep a traceback's line numbers the page's own.
    source = "\n" * block.line + block.code
    if block.directive == "":
        exec(compile(source, block.page, "exec"), namespace)  # noqa: S102
        for client in _close_clients(namespace):
            asyncio.run(client.aclose())
        _call_tests(namespace, block.page)
        return
    assert block.directive == "fragment", f"{block.page}:{block.line}: {block.directive!r}"
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    steps = [
        compile(block.setup, f"{block.page} (snippet setup)", "exec", flags=flags),
        compile(source, block.page, "exec", flags=flags),
    ]

    async def run_in_one_loop() -> None:
        for step in steps:
            awaitable = eval(step, namespace)  # noqa: S307
            if inspect.iscoroutine(awaitable):
                await awaitable
        for client in _close_clients(namespace):
            await client.aclose()

    asyncio.run(run_in_one_loop())
    _call_tests(namespace, block.page)


def _typed_code(fake: FakeSmsManager) -> Callable[..., str]:
    def typed(prompt: object = "") -> str:
        return fake.code_sent_to(fake.ledger.sent[-1].phone_number)

    return typed


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeSmsManager]:
    """A fake API on 127.0.0.1 that the environment points every API at."""
    fake = FakeSmsManager()
    with serve(fake) as base_url:
        root = base_url.removesuffix("/v2")
        monkeypatch.setenv("SMSMANAGER_API_KEY", fake.api_key)
        monkeypatch.setenv("SMSMANAGER_BASE_URL", base_url)
        monkeypatch.setenv("SMSMANAGER_REST_BASE_URL", f"{root}/v1")
        monkeypatch.setenv("SMSMANAGER_VERIFY_BASE_URL", root)
        monkeypatch.chdir(tmp_path)
        yield fake


@pytest.mark.slow  # each serves its own fake on loopback: about a tenth of a second
@pytest.mark.parametrize("block", RUN, ids=[f"{b.page}:{b.line}" for b in RUN])
def test_the_snippet_runs(block: Block, fake: FakeSmsManager) -> None:
    _run(block, {"__name__": "__main__", "fake": fake, "input": _typed_code(fake)})


def test_the_snippets_not_run_are_the_known_ones() -> None:
    not_run = {
        (block.page, block.directive.removeprefix("not run:").strip())
        for block in PYTHON
        if block not in RUN
    }
    assert not_run == NOT_RUN
    assert len(RUN) + len(NOT_RUN) == len(PYTHON) > 0


def test_every_block_names_its_language_and_none_hides_python() -> None:
    unnamed = [f"{b.page}:{b.line}" for b in BLOCKS if not b.language]
    assert unnamed == [], "a fence without a language: python, bash, text, ..."
    hidden = [
        f"{b.page}:{b.line}"
        for b in BLOCKS
        if b.language != "python" and re.search(r"(?m)^(from smsmngr|import smsmngr)", b.code)
    ]
    assert hidden == [], "Python in a block that is not marked python is never run"


def test_a_snippet_marker_stands_above_a_python_block() -> None:
    misplaced = [f"{b.page}:{b.line}" for b in BLOCKS if b.marker and b.language != "python"]
    assert misplaced == []
    count = sum(len(re.findall(r"(?m)^<!--[ \t]*snippet:", page.read_text())) for page in PAGES)
    assert count == sum(1 for b in BLOCKS if b.marker), "a snippet comment above no block"
