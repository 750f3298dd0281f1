"""scripts/generate_sync.py: the committed Client is fresh, and new methods need nothing else."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import ModuleType

import pytest

from smsmngr._blocking import BlockingRunner

from ..support import ROOT

SCRIPT = ROOT / "scripts" / "generate_sync.py"


@pytest.fixture
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_sync", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_the_committed_sync_client_is_not_stale() -> None:
    check = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_check_fails_when_the_file_drifts(
    generator: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = tmp_path / "_sync_client.py"
    stale.write_text(generator.generate() + "# edited by hand\n")
    monkeypatch.setattr(generator, "TARGET", stale)
    monkeypatch.setattr(generator, "ROOT", tmp_path)
    monkeypatch.setattr(sys, "argv", ["generate_sync.py", "--check"])
    assert generator.main() == 1


def test_a_new_coroutine_and_async_generator_need_only_the_script(
    generator: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = (ROOT / "smsmngr" / "_async_client.py").read_text()
    source = source.replace(
        "    async def aclose(self) -> None:",
        '''    async def ping(self, text: str, /, *, times: int = 1) -> str:
        """Say ``text`` back; ``await client.ping("x")``."""
        return text * times

    async def stream(self, count: int) -> AsyncIterator[int]:
        """Count up, an async iterator."""
        for number in range(count):
            yield number

    async def aclose(self) -> None:''',
    )
    changed = tmp_path / "_async_client.py"
    changed.write_text(source)
    monkeypatch.setattr(generator, "SOURCE", changed)
    text = generator.generate()
    assert "    def ping(self, text: str, /, *, times: int = 1) -> str:" in text
    assert '"""Say ``text`` back; ``client.ping("x")``."""' in text
    assert "return self._runner.call(AsyncClient.ping, text, times=times)" in text
    assert "    def stream(self, count: int) -> Generator[int, None, None]:" in text
    assert '"""Count up, an iterator."""' in text
    assert "yield from self._runner.iterate(AsyncClient.stream, count)" in text
    compile(text, "_sync_client.py", "exec")


class _Counter:
    def __init__(self) -> None:
        self.closed_iterators = 0
        self.closed = False

    async def count(self, limit: int) -> AsyncIterator[int]:
        try:
            for number in range(limit):
                yield number
        finally:
            self.closed_iterators += 1

    async def aclose(self) -> None:
        self.closed = True


def test_the_runner_turns_an_async_iterator_into_a_plain_one() -> None:
    runner = BlockingRunner(_Counter())
    items: Iterator[int] = runner.iterate(_Counter.count, 4)
    assert list(items) == [0, 1, 2, 3]
    early = runner.iterate(_Counter.count, 100)
    assert next(early) == 0
    early.close()  # leaving early closes the async iterator on the loop
    assert runner.client.closed_iterators == 2
    runner.close(_Counter.aclose)
    assert runner.client.closed


def test_the_docstring_rewrite_renames_only_the_sdks_client(generator: ModuleType) -> None:
    doc = "An ``AsyncClient``, smsmngr.AsyncClient, or httpx2.AsyncClient or httpx.AsyncClient."
    assert generator.blocking_doc(doc) == (
        "An ``Client``, smsmngr.Client, or httpx2.AsyncClient or httpx.AsyncClient."
    )
