"""Every benchmark, each a ratio against a baseline measured in the same run.

    python -m benchmarks                 # full sizes; writes benchmarks/results/
    python -m benchmarks --quick --out /tmp/bench   # tiny sizes, to check the harness

The API side is a plain asyncio stand-in of the API (benchmarks/standin.py) on loopback
in another process,
so client and server do not share an event loop. Timed figures alternate the two
sides over several rounds and report medians.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import httpx

from smsmngr import DEFAULT_BASE_URL, AsyncClient, Client, Message
from smsmngr._stacks import HttpStackName
from smsmngr.bulk import minimum_calls
from smsmngr.webhooks import parse

API_KEY = "bench-key"
BODY = "Summer sale: 20% off everything today only!"
ROOT = Path(__file__).resolve().parent


@attrs.frozen
class Sizes:
    bulk: int
    batching: int
    single_sends: int
    memory: tuple[int, int]
    webhook_events: int
    rounds: int


FULL = Sizes(
    bulk=50_000,
    batching=5_000,
    single_sends=200,
    memory=(100_000, 1_000_000),
    webhook_events=20_000,
    rounds=3,
)
QUICK = Sizes(
    bulk=2_000, batching=300, single_sends=20, memory=(2_000, 10_000), webhook_events=500, rounds=1
)


@attrs.frozen
class Figure:
    name: str
    sdk: str
    baseline: str
    ratio: float
    goal: str
    met: bool | None


def numbers(count: int) -> list[str]:
    return [f"4207{i:08d}" for i in range(count)]


# -- the server -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """The stand-in API (``benchmarks.standin``) in a child process."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v2"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.standin", str(self.port), API_KEY],
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


def alternate(
    rounds: int, first: Callable[[], float], second: Callable[[], float]
) -> tuple[float, float]:
    """Medians of ``first`` and ``second``, run in alternating order."""
    a, b = rotate(rounds, [first, second])
    return a, b


def rotate(rounds: int, sides: list[Callable[[], float]]) -> list[float]:
    """The median of each of ``sides``, all run once per round, each round starting
    one further along, so that no side always runs first or after the same one."""
    times: list[list[float]] = [[] for _ in sides]
    for round_number in range(rounds):
        for offset in range(len(sides)):
            index = (round_number + offset) % len(sides)
            times[index].append(sides[index]())
    return [statistics.median(each) for each in times]


def timed(coroutine: Callable[[], Awaitable[Any]]) -> Callable[[], float]:
    def run() -> float:
        async def measure() -> float:
            started = time.perf_counter()
            await coroutine()
            return time.perf_counter() - started

        return asyncio.run(measure())

    return run


async def sdk_bulk(
    base_url: str, message: Message, concurrency: int, stack: HttpStackName = "httpx"
) -> None:
    async with AsyncClient(api_key=API_KEY, base_url=base_url, http_stack=stack) as client:
        result = await client.send_bulk(message, concurrency=concurrency, collect_outcomes=False)
    assert result.accepted == len(message.to), result.counts


def raw_bodies(count: int) -> list[bytes]:
    """What a hand-written client would post: 100-recipient /messages bodies."""
    to = numbers(count)
    bodies = []
    for start in range(0, count, 100):
        call = to[start : start + 100]
        messages = [
            {"body": BODY, "to": [{"phone_number": n} for n in call[i : i + 10]]}
            for i in range(0, len(call), 10)
        ]
        bodies.append(json.dumps(messages, separators=(",", ":")).encode())
    return bodies


def read_answer(status: int, content: bytes) -> int:
    """What a hand-written client does with an answer, as the SDK does: parse it, and
    count the messages accepted."""
    assert status == 200, status
    answer = json.loads(content)
    assert isinstance(answer["request_id"], str)
    return len([item["message_id"] for item in answer["accepted"]])


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


_ANSWER = json.dumps(
    {
        "request_id": "r" * 36,
        "accepted": [{"key": str(k), "message_id": f"id-{k:032d}"} for k in range(10)],
        "rejected": [],
    }
).encode()


def _answer_at_once(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=_ANSWER, headers={"content-type": "application/json"})


def per_call_figure(sizes: Sizes) -> Figure:
    """The SDK's own CPU time per 100-recipient call, in-process (no network): send_bulk
    through a transport that answers at once, less raw httpx posting pre-built bodies
    through the same transport, against a naive json.dumps of the body plus a json.loads
    of the answer."""
    count = sizes.bulk // 2
    message = Message(BODY, to=numbers(count))
    bodies = raw_bodies(count)
    calls = len(bodies)

    async def sdk() -> None:
        http = httpx.AsyncClient(transport=httpx.MockTransport(_answer_at_once))
        async with AsyncClient(api_key=API_KEY, http_client=http) as client:
            result = await client.send_bulk(message, concurrency=8, collect_outcomes=False)
        await http.aclose()
        assert result.accepted == count

    async def raw() -> None:
        queue = iter(bodies)
        headers = {"x-api-key": API_KEY, "content-type": "application/json"}
        transport = httpx.MockTransport(_answer_at_once)
        async with httpx.AsyncClient(transport=transport, base_url=DEFAULT_BASE_URL) as http:

            async def worker() -> None:
                for body in queue:
                    (await http.post("/messages", content=body, headers=headers)).json()

            await asyncio.gather(*(worker() for _ in range(8)))

    def naive() -> float:
        to = numbers(count)
        started = time.perf_counter()
        for start in range(0, count, 100):
            call = to[start : start + 100]
            json.dumps(
                [
                    {"body": BODY, "to": [{"phone_number": n} for n in call[i : i + 10]]}
                    for i in range(0, len(call), 10)
                ]
            )
            json.loads(_ANSWER)
        return time.perf_counter() - started

    rounds = max(3, sizes.rounds)
    sdk_time, raw_time = alternate(rounds, timed(sdk), timed(raw))
    naive_time = statistics.median(naive() for _ in range(rounds))
    own = (sdk_time - raw_time) / calls
    plain = naive_time / calls
    return Figure(
        "SDK's own cost per 100-recipient call, in-process (SDK beyond httpx / naive JSON)",
        f"{own * 1e6:.0f} µs",
        f"{plain * 1e6:.0f} µs",
        own / plain,
        "<= 1.30",
        own / plain <= 1.3,
    )


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
            "<= 1.10",
            sync / asynchronous <= 1.10,
        ),
        Figure(
            "sync facade, one send (median latency, Client / AsyncClient)",
            f"{sync_one * 1e3:.2f} ms",
            f"{async_one * 1e3:.2f} ms",
            sync_one / async_one,
            "(reported)",
            None,
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


def webhook_figure(sizes: Sizes) -> Figure:
    event = {
        "request_id": "bc36f3d1-d284-463a-921b-a3560c154649",
        "message_id": "e27ff0ac-87b5-4e1d-b644-5fc6029e2a11-3",
        "gateway": "sms",
        "timestamp": 1700000000,
        "payload": {"order": 7},
        "type": "outgoing",
        "to": {"phone_number": "420777123456"},
        "result": "delivered",
        "result_info": "[0] Delivered",
        "sms": {"sender": "Shop", "country": "230", "operator": "01", "price_czk": 0.9,
                "price_eur": 0.036, "count": 1, "gateway": "high"},
    }  # fmt: skip
    body = json.dumps([event] * sizes.webhook_events).encode()

    def typed() -> float:
        started = time.perf_counter()
        events = parse(body, max_bytes=len(body))
        assert len(events) == sizes.webhook_events
        return time.perf_counter() - started

    def by_hand() -> float:
        started = time.perf_counter()
        for item in json.loads(body):
            (item["message_id"], item["result"], item["result_info"], item["timestamp"])
            (item["to"]["phone_number"], item["sms"]["price_eur"])
        return time.perf_counter() - started

    sdk, baseline = alternate(max(3, sizes.rounds), typed, by_hand)
    count = sizes.webhook_events
    return Figure(
        "webhook parsing (events/s, parse / json.loads + dict access)",
        f"{count / sdk:,.0f}/s",
        f"{count / baseline:,.0f}/s",
        baseline / sdk,
        "(reported)",
        None,
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
        "(reported)",
        None,
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


GROUPS = ("bulk", "sync", "memory", "per-call", "webhooks", "import")


def measure(sizes: Sizes, groups: tuple[str, ...] = GROUPS) -> Iterator[Figure]:
    server = Server()
    try:
        if "bulk" in groups:
            yield from bulk_figures(server, sizes)
        if "sync" in groups:
            yield from sync_figures(server, sizes)
        if "memory" in groups:
            yield memory_figure(server, sizes)
    finally:
        server.stop()
    if "per-call" in groups:
        yield per_call_figure(sizes)
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
