"""``smsmngr mock`` (the fake API on loopback) and ``smsmngr demo`` (a campaign
against it, in memory)."""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import socket
import sys
from contextlib import closing

from smsmngr import Message, OutcomeStatus

from ._common import Commands, Common, Exit, UsageError, checked_number
from ._display import Progress, print_summary

__all__ = ["register"]

DEMO_RECIPIENTS = 10_000
_PORT = checked_number(
    int, "must be a port number from 1 to 65535", lambda port: 1 <= port <= 65535
)


def register(commands: Commands, common: Common) -> None:
    """Add ``mock`` and ``demo``."""
    p = commands.add_parser("mock", help="serve the fake API on 127.0.0.1", **common)
    p.add_argument(
        "--port", type=_PORT, default=8000, help="the port to serve on, 1-65535 (default 8000)"
    )
    p.add_argument("--mock-key", default="test-api-key", help="the key it accepts")
    p.add_argument(
        "--ledger",
        choices=["full", "counts"],
        default="counts",
        help="what the fake remembers (GET /v2/_fake/ledger shows the counters)",
    )
    p.set_defaults(run=mock)

    p = commands.add_parser(
        "demo", help="a 10,000-recipient campaign against the fake API", **common
    )
    p.add_argument(
        "--seed",
        type=int,
        default=1,
        help="picks which calls the fake fails: the same seed, the same run (default 1)",
    )
    p.set_defaults(run=demo)


def mock(args: argparse.Namespace) -> int:
    try:
        import uvicorn
    except ImportError:
        raise UsageError(
            "serving needs uvicorn: install the fake extra "
            '(in a checkout: python -m pip install ".[fake]")'
        ) from None
    from smsmngr.testing import FakeSmsManager, serve

    _refuse_a_port_in_use(args.port)
    fake = FakeSmsManager(api_key=args.mock_key, ledger=args.ledger)
    codes = logging.getLogger("smsmngr.testing")  # the Verify codes it sends, on stdout
    codes.addHandler(logging.StreamHandler(sys.stdout))
    codes.setLevel(logging.INFO)
    codes.propagate = False
    host = f"http://127.0.0.1:{args.port}"
    print(f"fake SmsManager API on {host}: the JSON API (/v2), the REST API (/v1) and the")
    print(f"Verify API (/v1/validations), all on the API key {args.mock_key!r}; it prints")
    print("every code it sends by Verify, for `smsmngr verify check`.")
    print("Point the SDK and the command line at it, every API at once:")
    print(f"  export SMSMANAGER_API_HOST={host}")
    print(f"  export SMSMANAGER_API_KEY={shlex.quote(args.mock_key)}")
    with serve(fake.upload_app) as storage:  # the host of its upload URLs: another port
        fake.upload_base_url = storage
        print(f"Bulk upload URLs point to its storage host, {storage}.")
        print("stop with Ctrl-C", flush=True)
        uvicorn.run(fake.asgi_app, host="127.0.0.1", port=args.port, log_level="warning")
    return Exit.OK


def _refuse_a_port_in_use(port: int) -> None:
    with socket.socket() as sock:
        if os.name != "nt":  # as uvicorn binds: a port left in TIME_WAIT is free
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as error:
            raise UsageError(
                f"port {port} on 127.0.0.1 is not free ({error.strerror}): pick another with --port"
            ) from None


def demo(args: argparse.Namespace) -> int:
    from smsmngr.testing import FakeSmsManager, Fault, FaultKind, FaultPlan

    faults = FaultPlan(
        rates={
            Fault(FaultKind.SLOW, delay=0.15): 0.85,  # so that there is something to watch
            Fault(FaultKind.RATE_LIMIT, retry_after=0.2): 0.04,
            Fault(FaultKind.CONNECT_ERROR): 0.04,
            Fault(FaultKind.SERVER_ERROR): 0.02,
            Fault(FaultKind.DROP_AFTER): 0.01,
            Fault(FaultKind.NOT_ACCEPTED): 0.02,
        },
        seed=args.seed,
    )
    fake = FakeSmsManager(faults=faults, ledger="counts")
    numbers = (f"4207{i:08d}" for i in range(DEMO_RECIPIENTS))
    messages = (Message("Summer sale: 20% off today only!", to=[n]) for n in numbers)
    print(f"Sending to {DEMO_RECIPIENTS:,} recipients through an in-memory SmsManager API")
    print("that injects faults (429s, refused connections, 500s, lost answers, answers")
    print("that accept nothing)...\n")
    counts = dict.fromkeys(OutcomeStatus, 0)
    with fake.client() as client, Progress(DEMO_RECIPIENTS) as progress:
        batches = client.iter_bulk(messages, concurrency=8)
        with closing(batches):
            for batch in batches:
                for status, count in batch.counts.items():
                    counts[status] += count
                progress.update(sum(counts.values()))
    print_summary(counts, DEMO_RECIPIENTS)
    calls = fake.ledger.processed_call_counts["/messages"]
    print(
        f"\n{DEMO_RECIPIENTS:,} recipients went out in about {calls} calls of up to 100, "
        "8 at a time; 429s paused every worker, refused connections were retried, and what "
        "an answer did not accept was sent again."
    )
    print(
        f"{counts[OutcomeStatus.UNKNOWN]:,} recipients whose calls may have been processed "
        "(500, lost answer) are 'unknown' and were not resent: no one got the text twice."
    )
    accounted = sum(counts.values()) == DEMO_RECIPIENTS
    return Exit.OK if accounted else Exit.NOT_ALL_ACCEPTED
