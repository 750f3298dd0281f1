"""The per-call hot path in-process, no network: pack 100 recipients, serialize the
body, read the answer, map it to outcomes and tally them.

    python -m benchmarks.hot_path [--calls N] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import json
import pstats
import tempfile
import time
from collections.abc import Iterator

from smsmngr import Message
from smsmngr._send_answers import parse_send_result
from smsmngr.bulk._campaign import Tally
from smsmngr.bulk._outcomes import BatchOutcome, OutcomeStatus, accepted_outcomes, read_answer
from smsmngr.bulk._packing import Call, Packer


def _answer(call: Call) -> bytes:
    accepted = [{"key": str(k), "message_id": f"id-{k:032d}"} for k in range(len(call.body))]
    return json.dumps({"request_id": "r" * 36, "accepted": accepted, "rejected": []}).encode()


def messages(count: int) -> Iterator[Message]:
    return (Message("Summer sale: 20% off today!", to=[f"4207{i:08d}"]) for i in range(count))


def run(calls: int) -> float:
    """Seconds per call, over ``calls`` calls of 100 recipients."""
    packer = Packer()
    tally = Tally(collect_outcomes=False)
    answer: bytes | None = None
    started = time.perf_counter()
    for index, message in enumerate(messages(calls * 100)):
        for item in packer.add(index, message):
            assert isinstance(item, Call)
            item.content()
            answer = answer or _answer(item)
            result = parse_send_result(
                json.loads(answer),
                status_code=200,
                headers={},
                recipients_per_message=tuple(len(c) for c in item.chunks),
                keyed_by_message=True,
            )
            accepted = read_answer(len(item.chunks), result).accepted
            build = functools.partial(accepted_outcomes, item.chunks, accepted, result.request_id)
            counts = {OutcomeStatus.ACCEPTED: sum(len(item.chunks[key]) for key, _ in accepted)}
            tally.add(BatchOutcome.deferred(counts, build, result.request_id))
    elapsed = time.perf_counter() - started
    assert sum(tally.counts.values()) == calls * 100
    return elapsed / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if args.profile:
        with tempfile.TemporaryDirectory() as folder:
            stats_file = f"{folder}/hot.prof"
            cProfile.runctx("run(args.calls)", globals(), {"run": run, "args": args}, stats_file)
            pstats.Stats(stats_file).sort_stats("tottime").print_stats(15)
    best = min(run(args.calls) for _ in range(5))
    print(f"hot path: {best * 1e6:.0f} µs per 100-recipient call ({best * 1e4:.2f} µs/recipient)")


if __name__ == "__main__":
    main()
