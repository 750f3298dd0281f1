"""Workers sharing one campaign through the PostgreSQL journal: recipients per second
with 1, 2 and 4 worker processes, and what each journal costs.

    python -m benchmarks.postgres            # 200,000 recipients; writes results/postgres.md
    python -m benchmarks.postgres --recipients 4000 --out /tmp/b   # a quick look

The fake API is served over loopback, answering every call after ``--latency`` seconds
(50 ms, as the real API over the internet: this machine has 2 cores, so without latency
the workers would only compete for CPU). Each worker is a process running ``send_bulk``
of the same campaign at concurrency 8; the campaign's time runs from the first worker's
start to the last one's end. One worker without a journal, and one with a SQLite journal,
give the ratios. PostgreSQL is ``--postgres-url``, or a throwaway cluster started here
(as the test suite does).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from smsmngr._stacks import STACK_NAMES
from smsmngr.testing import FakeSmsManager, Fault, FaultKind, FaultPlan, serve

ROOT = Path(__file__).resolve().parent
WORKER = """
import json, sys, time
from smsmngr import Client, Message
url, journal, campaign, count, stack = sys.argv[1:6]
count = int(count)
numbers = [f"4207{i:08d}" for i in range(count)]
message = Message("Summer sale: 20% off today only!", to=numbers)
with Client(api_key="test-api-key", base_url=url, http_stack=stack) as client:
    print("ready", flush=True)
    sys.stdin.readline()  # every worker starts at once, once all are ready
    start = time.time()
    result = client.send_bulk(
        message, journal=journal or None, campaign=campaign or None, concurrency=8,
        collect_outcomes=False,
    )
    end = time.time()
print(json.dumps({"start": start, "end": end, "accepted": result.accepted}))
"""


def run_campaign(
    base_url: str,
    workers: int,
    recipients: int,
    journal: str,
    campaign: str,
    *,
    split: bool,
    stack: str = "httpx",
) -> dict[str, float]:
    """One campaign by ``workers`` processes: its time and recipients per second. With
    ``split``, each worker sends its own share without a journal: the machine's ceiling
    for that many workers, with no coordination at all."""
    share = recipients // workers if split else recipients
    command = [sys.executable, "-c", WORKER, base_url, journal, campaign, str(share), stack]
    running = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(workers)
    ]
    for worker in running:
        assert worker.stdout is not None
        if worker.stdout.readline().strip() != "ready":
            raise SystemExit("a worker failed to start")
    for worker in running:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    reports = []
    for worker in running:
        out, _ = worker.communicate(timeout=3600)
        if worker.returncode != 0:
            raise SystemExit(f"a worker failed ({worker.returncode})")
        reports.append(json.loads(out))
    seconds = max(r["end"] for r in reports) - min(r["start"] for r in reports)
    accepted = sum(r["accepted"] for r in reports)
    if accepted != share * workers if split else accepted != recipients:
        raise SystemExit(f"{accepted} recipients accepted of {recipients}")
    return {"seconds": seconds, "per_second": recipients / seconds}


@contextmanager
def postgres(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    from tests.postgres.cluster import binaries, throwaway_cluster

    bin_dir = binaries()
    if bin_dir is None:
        raise SystemExit("no PostgreSQL binaries here: give --postgres-url")
    with throwaway_cluster(bin_dir) as cluster:
        yield cluster.url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=200_000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--postgres-url")
    parser.add_argument("--out", type=Path, default=ROOT / "results")
    parser.add_argument(
        "--http-stack",
        choices=STACK_NAMES,
        default="httpx",
        help="the workers' HTTP stack (default: httpx, the client's own default)",
    )
    args = parser.parse_args()
    fake = FakeSmsManager(
        ledger="counts", faults=FaultPlan(rates={Fault(FaultKind.SLOW, delay=args.latency): 1.0})
    )
    figures: dict[str, dict[str, float]] = {}
    with (
        postgres(args.postgres_url) as url,
        serve(fake) as base_url,
        tempfile.TemporaryDirectory() as tmp,
    ):

        def campaign(
            name: str, workers: int, journal: str, *, named: bool = False, split: bool = False
        ) -> None:
            label = uuid.uuid4().hex[:8] if named else ""
            figures[name] = run_campaign(
                base_url,
                workers,
                args.recipients,
                journal,
                label,
                split=split,
                stack=args.http_stack,
            )
            print(f"{name}: {figures[name]['per_second']:,.0f} recipients/s", flush=True)

        campaign("no journal, 1 worker", 1, "")
        campaign("SQLite journal, 1 worker", 1, str(Path(tmp) / "j.db"))
        for workers in (1, 2, 4):
            campaign(f"PostgreSQL journal, {workers} worker(s)", workers, url, named=True)
        for workers in (2, 4):
            campaign(
                f"ceiling: {workers} workers, each its share, no journal", workers, "", split=True
            )
    write(args, figures)


def write(args: argparse.Namespace, figures: dict[str, dict[str, float]]) -> None:
    one = figures["PostgreSQL journal, 1 worker(s)"]["per_second"]
    rows = [
        f"| {name} | {f['seconds']:.1f} | {f['per_second']:,.0f} | {f['per_second'] / one:.2f} |"
        for name, f in figures.items()
    ]
    none = figures["no journal, 1 worker"]["per_second"]
    scaling = []
    for workers in (2, 4):
        shared = figures[f"PostgreSQL journal, {workers} worker(s)"]["per_second"]
        ceiling = figures[f"ceiling: {workers} workers, each its share, no journal"]["per_second"]
        scaling.append(
            f"- {workers} workers against 1: {shared / one:.2f} (the machine's ceiling for "
            f"{workers}, without any journal: {ceiling / none:.2f})"
        )
    sqlite = figures["SQLite journal, 1 worker"]["per_second"]
    text = "\n".join(
        [
            f"{args.recipients:,} recipients, the fake API on loopback answering each call "
            f"after {args.latency * 1000:.0f} ms, concurrency 8 per worker on {args.http_stack}, "
            "worker processes "
            f"on a {os.cpu_count()}-core machine, load average {os.getloadavg()[0]:.1f} at "
            "the end (`python -m benchmarks.postgres`).",
            "",
            "| campaign | seconds | recipients/s | against 1 PostgreSQL worker |",
            "| --- | --- | --- | --- |",
            *rows,
            "",
            "Recipients per second, PostgreSQL workers:",
            "",
            *scaling,
            "",
            "Cost of the journal, one worker (time, so above 1 is slower):",
            "",
            f"- PostgreSQL against no journal: {none / one:.3f}",
            f"- PostgreSQL against SQLite: {sqlite / one:.3f}",
            f"- SQLite against no journal: {none / sqlite:.3f}",
            "",
        ]
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "postgres.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
