"""The benchmark harness runs end to end at tiny sizes, so that it cannot rot.

No timing is asserted here: figures are claimed in benchmarks/, as ratios.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ..support import ROOT

pytestmark = pytest.mark.slow


def run_module(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )


def test_the_quick_benchmark_run_writes_every_figure(tmp_path: Path) -> None:
    result = run_module("benchmarks", "--quick", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    table = (tmp_path / "results.md").read_text()
    for figure in (
        "bulk throughput",
        "calls per campaign",
        "batching",
        "sync facade, send_bulk",
        "sync facade, one send",
        "bulk on aiohttp against the floor",
        "journaled campaign",
        "resume of 2,000 recipients",
        "transport's own cost",
        "memory",
        "webhook parsing",
        "import time",
    ):
        assert figure in table
    assert (
        "| calls per campaign (SDK / theoretical minimum) | 20 calls | 20 calls | 1.00 |" in table
    )


def test_the_hot_path_profile_runs() -> None:
    result = run_module("benchmarks.hot_path", "--calls", "20")
    assert result.returncode == 0, result.stderr
    assert "per 100-recipient call" in result.stdout


def test_the_soak_harness_runs_at_a_small_size(tmp_path: Path) -> None:
    result = run_module("benchmarks.soak", "--recipients", "3000", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    table = (tmp_path / "soak.md").read_text()
    assert "| recipients processed twice | 0 |" in table
    assert "| recipients reported | 3,000 of 3,000 |" in table
    assert "| unknown = answers lost (reset, stalled, 500, 503) | True |" in table


def test_the_upload_benchmark_runs_at_a_small_size(tmp_path: Path) -> None:
    result = run_module("benchmarks.upload", "--quick", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    table = (tmp_path / "upload.md").read_text()
    assert "| upload_bulk time / send_bulk time |" in table
    assert "upload_bulk peak RSS, 10,000 / 2,000 (flat)" in table
