"""The bulk upload against send_bulk: time and peak memory of ``upload_bulk`` of
1,000,000 one-recipient messages (a generator) against ``send_bulk`` of the same list,
and peak memory at 1,000,000 against 100,000 recipients (flat: the ratio stays near 1).

    python -m benchmarks.upload                  # full sizes; writes results/upload.md
    python -m benchmarks.upload --quick --out /tmp/bench

Each measurement runs in a fresh process (peak RSS is per process) against the fake
API served by ``smsmngr mock`` in another one, its upload URLs on a second port.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from smsmngr import Client, Message

from ._shared import API_KEY, BODY, ROOT
from .run import Server

FULL, QUICK = (100_000, 1_000_000), (2_000, 10_000)


def messages(count: int) -> Iterator[Message]:
    return (Message(BODY, to=[f"4207{i:08d}"]) for i in range(count))


def one(kind: str, api_host: str, count: int) -> None:
    """One measurement, in this process: prints ``seconds peak_mib``."""
    with Client(api_key=API_KEY, api_host=api_host) as client:
        started = time.perf_counter()
        if kind == "upload":
            uploaded = client.upload_bulk(messages(count), bulk_id=f"bench-{count}")
            assert uploaded.recipients == count, uploaded
        else:
            sent = client.send_bulk(messages(count), concurrency=8, collect_outcomes=False)
            assert sent.accepted == count, sent.counts
        seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(f"{seconds:.3f} {peak_kib / 1024:.1f}")


def measured(kind: str, api_host: str, count: int) -> tuple[float, float]:
    output = subprocess.run(
        [sys.executable, "-m", "benchmarks.upload", "--one", kind, api_host, str(count)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT.parent,
    ).stdout
    seconds, peak = output.split()
    return float(seconds), float(peak)


def table(sizes: tuple[int, int]) -> str:
    small, large = sizes
    server = Server(mock=True)
    try:
        host = server.base_url.removesuffix("/v2")
        up_small = measured("upload", host, small)
        up_large = measured("upload", host, large)
        bulk_large = measured("send_bulk", host, large)
    finally:
        server.stop()
    flat = up_large[1] / up_small[1]
    rows = [
        ("upload_bulk time / send_bulk time", up_large[0], bulk_large[0], "s"),
        ("upload_bulk peak RSS / send_bulk peak RSS", up_large[1], bulk_large[1], "MiB"),
        (f"upload_bulk peak RSS, {large:,} / {small:,} (flat)", up_large[1], up_small[1], "MiB"),
    ]
    lines = [
        f"# Bulk upload, {large:,} one-recipient messages from a generator",
        "",
        "| figure | SDK | baseline | ratio |",
        "| --- | --- | --- | --- |",
    ]
    for name, sdk, baseline, unit in rows:
        lines.append(
            f"| {name} | {sdk:.2f} {unit} | {baseline:.2f} {unit} | {sdk / baseline:.2f} |"
        )
    verdict = "flat" if flat <= 1.2 else "NOT flat"
    lines += ["", f"Memory of upload_bulk is {verdict}: {flat:.2f}x from {small:,} to {large:,}."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes")
    parser.add_argument("--out", type=Path, default=ROOT / "results")
    parser.add_argument(
        "--one", nargs=3, metavar=("KIND", "API_HOST", "COUNT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.one:
        kind, host, count = args.one
        one(kind, host, int(count))
        return 0
    text = table(QUICK if args.quick else FULL)
    print(text, end="")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "upload.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
