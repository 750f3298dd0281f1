"""The long soak: a campaign through real socket faults, with the figures reported.

    python -m benchmarks.soak                     # 500,000 recipients; writes results/soak.md
    python -m benchmarks.soak --recipients 5000 --out /tmp/b

The set-up tests/bulk/test_soak.py shares, at ten times its size: the fake API on loopback
behind a proxy that resets and stalls connections, the fake answering some calls
429, 500 or 503. The figures hold what the client reported against what the server
processed.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from smsmngr import AsyncClient, BulkResult, Message, OutcomeStatus, RetryPolicy
from smsmngr.testing import (
    FakeSmsManager,
    Fault,
    FaultKind,
    FaultPlan,
    FaultProxy,
    SocketFault,
    serve,
)

ROOT = Path(__file__).resolve().parent
SERVER_FAULTS = {
    Fault(FaultKind.RATE_LIMIT, retry_after=0.01): 0.03,
    Fault(FaultKind.SERVER_ERROR): 0.02,
    Fault(FaultKind.UNAVAILABLE): 0.02,
}


def socket_faults(stall: float) -> dict[SocketFault, float]:
    """The proxy's fault rates: resets before and after the server, and ``stall``."""
    return {SocketFault.RESET_BEFORE: 0.03, SocketFault.RESET_AFTER: 0.03, SocketFault.STALL: stall}


@contextmanager
def faulty_api(*, seed: int, stall: float) -> Iterator[tuple[FakeSmsManager, FaultProxy]]:
    """The fake on loopback, faulting some calls, behind a proxy faulting sockets.

    Shared with tests/bulk/test_soak.py. Example::

        with faulty_api(seed=5, stall=0.01) as (fake, proxy):
            ...  # point a client at proxy.url
    """
    fake = FakeSmsManager(faults=FaultPlan(rates=SERVER_FAULTS, seed=seed))
    with serve(fake) as url, FaultProxy(url, socket_faults(stall), seed=seed + 1) as proxy:
        yield fake, proxy


def lost_answers(fake: FakeSmsManager, proxy: FaultProxy) -> set[str]:
    """Recipients whose answer never came back: reset or stalled, or answered 500/503."""
    return proxy.faulted_phone_numbers() | fake.ledger.phone_numbers_in_calls(
        FaultKind.SERVER_ERROR, FaultKind.UNAVAILABLE
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=500_000)
    parser.add_argument("--out", type=Path, default=ROOT / "results")
    args = parser.parse_args()
    count = args.recipients
    message = Message("Soak", to=[f"4207{i:08d}" for i in range(count)])

    async def run(api_key: str, base_url: str) -> tuple[float, BulkResult]:
        async with AsyncClient(
            api_key=api_key,
            base_url=base_url,
            timeout=httpx.Timeout(10.0, read=0.5),
            retry=RetryPolicy(backoff_base=0.01, backoff_max=0.05),
        ) as client:
            started = time.perf_counter()
            result = await client.send_bulk(message, concurrency=8)
            return time.perf_counter() - started, result

    with faulty_api(seed=11, stall=0.005) as (fake, proxy):
        elapsed, result = asyncio.run(run(fake.api_key, proxy.url))

    processed = fake.ledger.processed_phone_numbers()
    outcomes = result.outcomes
    unknown = {o.phone_number for o in outcomes if o.status is OutcomeStatus.UNKNOWN}
    lost = lost_answers(fake, proxy)
    sent = {s.phone_number: s.message_id for s in fake.ledger.sent}
    accepted_ok = sum(
        1
        for o in outcomes
        if o.status is OutcomeStatus.ACCEPTED
        and processed[o.phone_number] == 1
        and sent[o.phone_number] == o.message_id
    )
    socket_faults = Counter(r.fault.value for r in proxy.requests if r.fault)
    server_faults = Counter(c.fault.value for c in fake.ledger.calls if c.fault)
    rows = [
        ("recipients", f"{count:,}"),
        ("time", f"{elapsed:.1f} s ({count / elapsed:,.0f} recipients/s)"),
        ("calls the client made (minimum)", f"{result.calls:,} ({-(-count // 100):,})"),
        ("requests through the proxy", f"{len(proxy.requests):,}"),
        ("socket faults", ", ".join(f"{k} {v}" for k, v in sorted(socket_faults.items()))),
        ("server faults", ", ".join(f"{k} {v}" for k, v in sorted(server_faults.items()))),
        ("outcomes", ", ".join(f"{s.value} {n:,}" for s, n in result.counts.items())),
        ("recipients reported", f"{len(outcomes):,} of {count:,}"),
        ("recipients processed twice", f"{sum(1 for n in processed.values() if n > 1)}"),
        ("accepted and processed exactly once", f"{accepted_ok:,} of {result.accepted:,}"),
        ("unknown = answers lost (reset, stalled, 500, 503)", str(unknown == lost)),
    ]
    table = "| figure | value |\n| --- | --- |\n" + "".join(f"| {k} | {v} |\n" for k, v in rows)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "soak.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
