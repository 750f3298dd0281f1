"""Every benchmark, each a ratio against a baseline measured in the same run.

    python -m benchmarks                 # full sizes; writes benchmarks/results/
    python -m benchmarks --quick --out /tmp/bench   # tiny sizes, to check the harness

The API side is a plain asyncio stand-in of the API (``benchmarks/standin.py``) on
loopback in another process, so client and server do not share an event loop and the
server is never the bottleneck. Timed figures rotate their sides over several rounds
and report medians.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from smsmngr import AsyncClient, Client, Message
from smsmngr._stacks import HttpStackName
from smsmngr.bulk import minimum_calls

from ._shared import (
    API_KEY,
    BODY,
    FULL,
    QUICK,
    ROOT,
    Figure,
    Sizes,
    alternate,
    numbers,
    raw_bodies,
    read_answer,
    rotate,
    timed,
)
from .in_process import per_call_figure, transport_figure, webhook_figure
from .journaled import journal_figures

# -- the server -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """The stand-in API (``benchmarks.standin``) in a child process, or ``smsmngr mock``
    keeping counts only (``mock=True``: for what the stand-in does not serve)."""

    def __init__(self, *, mock: bool = False) -> None:
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v2"
        command = ["benchmarks.standin", str(self.port), API_KEY]
        if mock:
            command = ["smsmngr", "mock", "--port", str(self.port), "--mock-key", API_KEY]
            command += ["--ledger", "counts"]
        self.process = subprocess.Popen(
            [sys.executable, "-m", *command],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=ROOT.parent,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the stand-in API did not start")

    def calls(self) -> int:
        return int(httpx.get(f"{self.base_url}/_calls").json()["calls"])

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


# -- measurements -----------------------------------------------------------------------


async def sdk_bulk(
    base_url: str, message: Message, concurrency: int, stack: HttpStackName = "httpx"
) -> None:
    async with AsyncClient(api_key=API_KEY, base_url=base_url, http_stack=stack) as client:
        result = await client.send_bulk(message, concurrency=concurrency, collect_outcomes=False)
    assert result.accepted == len(message.to), result.counts


async def raw_bulk(
    base_url: str, bodies: list[bytes], concurrency: int, module: Any = httpx
) -> None:
    """A hand-written client: ``module`` (httpx or httpx2) posting pre-built bodies."""
    queue = iter(bodies)
    headers = {"x-api-key": API_KEY, "content-type": "application/json"}
    async with module.AsyncClient(base_url=base_url) as http:

        async def worker() -> None:
            for body in queue:
                response = await http.post("/messages", content=body, headers=headers)
                read_answer(response.status_code, response.content)

        await asyncio.gather(*(worker() for _ in range(concurrency)))


async def raw_aiohttp_bulk(base_url: str, bodies: list[bytes], concurrency: int) -> None:
    """A hand-written client on aiohttp posting pre-built bodies: the floor."""
    import aiohttp

    queue = iter(bodies)
    headers = {"x-api-key": API_KEY, "content-type": "application/json"}
    url = f"{base_url}/messages"
    async with aiohttp.ClientSession() as http:

        async def worker() -> None:
            for body in queue:
                async with http.post(url, data=body, headers=headers) as response:
                    read_answer(response.status, await response.read())

        await asyncio.gather(*(worker() for _ in range(concurrency)))


async def one_send_each(base_url: str, to: list[str], concurrency: int) -> None:
    async with AsyncClient(api_key=API_KEY, base_url=base_url) as client:
        queue = iter(to)

        async def worker() -> None:
            for number in queue:
                await client.send(Message(BODY, to=[number]))

        await asyncio.gather(*(worker() for _ in range(concurrency)))


def bulk_figures(server: Server, sizes: Sizes) -> list[Figure]:
    import httpx2

    concurrency = 8
    url = server.base_url
    message = Message(BODY, to=numbers(sizes.bulk))
    bodies = raw_bodies(sizes.bulk)
    sdk, raw, sdk2, raw2, fast, floor = rotate(
        sizes.rounds,
        [
            timed(lambda: sdk_bulk(url, message, concurrency)),
            timed(lambda: raw_bulk(url, bodies, concurrency)),
            timed(lambda: sdk_bulk(url, message, concurrency, "httpx2")),
            timed(lambda: raw_bulk(url, bodies, concurrency, httpx2)),
            timed(lambda: sdk_bulk(url, message, concurrency, "aiohttp")),
            timed(lambda: raw_aiohttp_bulk(url, bodies, concurrency)),
        ],
    )

    def rate(seconds: float) -> str:
        return f"{seconds:.2f} s ({sizes.bulk / seconds:,.0f}/s)"

    def bulk(name: str, ours: float, theirs: float, goal: float | None) -> Figure:
        ratio = ours / theirs
        met = None if goal is None else ratio <= goal
        shown = "(reported)" if goal is None else f"<= {goal:.2f}"
        return Figure(name, rate(ours), rate(theirs), ratio, shown, met)

    n = f"{sizes.bulk:,} recipients"
    figures = [
        bulk(f"bulk throughput, {n} (time, SDK / raw httpx)", sdk, raw, 1.10),
        bulk(f"bulk on httpx2, {n} (time, SDK on httpx2 / raw httpx2)", sdk2, raw2, 1.10),
        bulk(f"bulk on aiohttp, {n} (time, SDK on aiohttp / raw httpx)", fast, raw, 0.35),
        bulk(f"bulk on aiohttp against the floor, {n} (time, SDK / raw aiohttp)", fast, floor, 2.0),
        bulk(f"the floor, {n} (time, raw aiohttp / raw httpx)", floor, raw, None),
    ]
    before = server.calls()
    timed(lambda: sdk_bulk(server.base_url, message, concurrency))()
    calls, minimum = server.calls() - before, minimum_calls([sizes.bulk])
    figures.append(
        Figure(
            "calls per campaign (SDK / theoretical minimum)",
            f"{calls:,} calls",
            f"{minimum:,} calls",
            calls / minimum,
            "= 1.00",
            calls == minimum,
        )
    )
    to = numbers(sizes.batching)
    batched, single = alternate(
        sizes.rounds,
        timed(lambda: sdk_bulk(server.base_url, Message(BODY, to=to), concurrency)),
        timed(lambda: one_send_each(server.base_url, to, concurrency)),
    )
    figures.append(
        Figure(
            f"batching, {sizes.batching:,} recipients (recipients/s, send_bulk / one send each)",
            f"{sizes.batching / batched:,.0f}/s",
            f"{sizes.batching / single:,.0f}/s",
            single / batched,
            "> 1 (speed-up)",
            single > batched,
        )
    )
    return figures


def sync_figures(server: Server, sizes: Sizes) -> list[Figure]:
    message = Message(BODY, to=numbers(sizes.bulk))

    def sync_bulk() -> float:
        with Client(api_key=API_KEY, base_url=server.base_url) as client:
            started = time.perf_counter()
            result = client.send_bulk(message, concurrency=8, collect_outcomes=False)
            elapsed = time.perf_counter() - started
        assert result.accepted == sizes.bulk
        return elapsed

    sync, asynchronous = alternate(
        sizes.rounds, sync_bulk, timed(lambda: sdk_bulk(server.base_url, message, 8))
    )
    one = Message(BODY, to=["420700000001"])

    def sync_latency() -> float:
        with Client(api_key=API_KEY, base_url=server.base_url) as client:
            client.send(one)  # warm: thread and connection
            times = []
            for _ in range(sizes.single_sends):
                started = time.perf_counter()
                client.send(one)
                times.append(time.perf_counter() - started)
        return statistics.median(times)

    def async_latency() -> float:
        async def measure() -> float:
            async with AsyncClient(api_key=API_KEY, base_url=server.base_url) as client:
                await client.send(one)
                times = []
                for _ in range(sizes.single_sends):
                    started = time.perf_counter()
                    await client.send(one)
                    times.append(time.perf_counter() - started)
            return statistics.median(times)

        return asyncio.run(measure())

    sync_one, async_one = alternate(sizes.rounds, sync_latency, async_latency)
    return [
        Figure(
            f"sync facade, send_bulk of {sizes.bulk:,} (time, Client / AsyncClient)",
            f"{sync:.2f} s",
            f"{asynchronous:.2f} s",
            sync / asynchronous,
            "<= 1.05",
            sync / asynchronous <= 1.05,
        ),
        Figure(
            "sync facade, one send (median latency, Client / AsyncClient)",
            f"{sync_one * 1e3:.2f} ms",
            f"{async_one * 1e3:.2f} ms",
            sync_one / async_one,
            "<= 1.20",
            sync_one / async_one <= 1.2,
        ),
    ]


def memory_figure(server: Server, sizes: Sizes) -> Figure:
    def peak_mib(count: int) -> float:
        output = subprocess.run(
            [sys.executable, "-m", "benchmarks.memory", server.base_url, API_KEY, str(count)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT.parent,
        ).stdout
        return float(output.strip())

    small_size, large_size = sizes.memory
    small, large = peak_mib(small_size), peak_mib(large_size)
    return Figure(
        f"memory, peak RSS over a generator, outcomes off ({large_size:,} / {small_size:,})",
        f"{large:.1f} MiB",
        f"{small:.1f} MiB",
        large / small,
        "<= 1.2, and <= 100 MiB",
        large / small <= 1.2 and large <= 100,
    )


def import_figure(sizes: Sizes) -> Figure:
    def import_time(module: str) -> Callable[[], float]:
        def run() -> float:
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
            return time.perf_counter() - started

        return run

    rounds = max(5, sizes.rounds)
    ours, httpx_alone = alternate(rounds, import_time("smsmngr"), import_time("httpx"))
    return Figure(
        "import time (python -c 'import smsmngr' / 'import httpx')",
        f"{ours * 1e3:.0f} ms",
        f"{httpx_alone * 1e3:.0f} ms",
        ours / httpx_alone,
        "<= 1.30",
        ours / httpx_alone <= 1.3,
    )


# -- report -----------------------------------------------------------------------------


def machine() -> str:
    return (
        f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"httpx {httpx.__version__}, httpx2 {_version('httpx2')}, aiohttp {_version('aiohttp')}"
    )


def _version(distribution: str) -> str:
    from importlib.metadata import version

    return version(distribution)


def markdown(figures: list[Figure], sizes: Sizes) -> str:
    lines = [
        f"Machine: {machine()}. Rounds: {sizes.rounds} (medians).",
        "",
        "| figure | SDK | baseline | ratio | goal | met |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for f in figures:
        met = {True: "yes", False: "**no**", None: ""}[f.met]
        lines.append(f"| {f.name} | {f.sdk} | {f.baseline} | {f.ratio:.2f} | {f.goal} | {met} |")
    return "\n".join(lines) + "\n"


def chart(figures: list[Figure], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(9, 4.5))
    names = [f.name.split(" (")[0] for f in figures]
    colors = [
        "tab:green" if f.met else "tab:red" if f.met is False else "tab:gray" for f in figures
    ]
    ax.barh(names, [f.ratio for f in figures], color=colors)
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("ratio, log scale (green: goal met, red: not met, grey: reported)")
    ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


GROUPS = (
    "bulk",
    "sync",
    "memory",
    "journal",
    "per-call",
    "transport",
    "webhooks",
    "import",
)


def measure(sizes: Sizes, groups: tuple[str, ...] = GROUPS) -> Iterator[Figure]:
    server = Server()
    try:
        if "bulk" in groups:
            yield from bulk_figures(server, sizes)
        if "sync" in groups:
            yield from sync_figures(server, sizes)
        if "memory" in groups:
            yield memory_figure(server, sizes)
        if "journal" in groups:
            yield from journal_figures(server.base_url, sizes)
    finally:
        server.stop()
    if "per-call" in groups:
        yield per_call_figure(sizes)
    if "transport" in groups:
        yield transport_figure(sizes)
    if "webhooks" in groups:
        yield webhook_figure(sizes)
    if "import" in groups:
        yield import_figure(sizes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one round")
    parser.add_argument("--out", type=Path, default=ROOT / "results")
    parser.add_argument(
        "--only", choices=GROUPS, action="append", help="measure these groups only (repeatable)"
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    figures = []
    for figure in measure(sizes, tuple(args.only or GROUPS)):
        print(f"{figure.name}: {figure.sdk} vs {figure.baseline} -> {figure.ratio:.2f}", flush=True)
        figures.append(figure)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.md").write_text(markdown(figures, sizes))
    drawn = chart(figures, args.out / "results.png")
    print(f"wrote {args.out / 'results.md'}" + (" and results.png" if drawn else ""))
    if drawn and args.out == ROOT / "results" and not args.only:
        # The documentation's performance page shows the latest full run's chart.
        shutil.copyfile(
            args.out / "results.png", ROOT.parent / "docs" / "assets" / "performance.png"
        )
    return 0
