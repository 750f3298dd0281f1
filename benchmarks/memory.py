"""Peak RSS (MiB) of one send_bulk over a generator, outcomes not collected.

python -m benchmarks.memory BASE_URL API_KEY COUNT
"""

from __future__ import annotations

import resource
import sys
from collections.abc import Iterator
from pathlib import Path

from smsmngr import Client, Message


def messages(count: int) -> Iterator[Message]:
    return (Message("Summer sale!", to=[f"4207{i:08d}"]) for i in range(count))


def main() -> None:
    base_url, api_key, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with Client(api_key=api_key, base_url=base_url) as client:
        result = client.send_bulk(messages(count), concurrency=8, collect_outcomes=False)
    assert result.accepted == count, result.counts
    print(f"{peak_kib() / 1024:.1f}")


def peak_kib() -> int:
    """This process's peak RSS. Linux's ``ru_maxrss`` survives exec, and so counts the
    benchmark process that forked this one; ``VmHWM`` belongs to this program alone."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1])


if __name__ == "__main__":
    main()
