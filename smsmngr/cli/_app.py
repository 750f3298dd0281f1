"""The ``smsmngr`` command: send, bulk, segments, webhook parse, mock, demo.

Exit codes: 0 every recipient accepted, 1 some were not, 2 a usage or configuration
error. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs

from .._sync_client import Client
from .._transport import API_KEY_ENV
from .._version import __version__
from ..bulk import OutcomeStatus
from ..bulk._journal import JournalError
from ..bulk._packing import Call, Packer
from ..errors import (
    AuthenticationError,
    ConfigurationError,
    PermissionDeniedError,
    SmsManagerError,
    ValidationError,
)
from ..models import Message, Rcs, Sms, Viber, WhatsAppText
from ..segments import count_segments, transliterate
from ._display import Progress, outcome_rows, print_table
from ._recipients import read_recipients

__all__ = ["main"]

EXIT_OK, EXIT_NOT_ALL_ACCEPTED, EXIT_USAGE = 0, 1, 2
CHANNELS: dict[str, type[Sms] | type[Viber] | type[WhatsAppText] | type[Rcs]] = {
    "sms": Sms,
    "viber": Viber,
    "whatsapp": WhatsAppText,
    "rcs": Rcs,
}
_USAGE_ERRORS = (
    ConfigurationError,
    ValidationError,
    JournalError,
    AuthenticationError,
    PermissionDeniedError,
)


class _UsageError(Exception):
    """A mistake in the command line or its files: exit 2."""


def _client(args: argparse.Namespace) -> Client:
    if not (args.api_key or os.environ.get(API_KEY_ENV)):
        raise _UsageError(f"no API key: pass --api-key or set {API_KEY_ENV}")
    return Client(api_key=args.api_key, base_url=args.base_url)


# -- send -------------------------------------------------------------------------------


def send(args: argparse.Namespace) -> int:
    flow = [CHANNELS[name]() for name in args.channel] or None
    message = Message(args.body, to=args.to, sender=args.sender, flow=flow)
    rows: list[list[object]]
    with _client(args) as client:
        if len(message.to) <= 10:
            result = client.send(message, priority=args.priority)
            ids = result.recipient_message_ids()
            rows = [
                # Not in the answer's accepted list: not accepted, nothing sent.
                [r.phone_number, "accepted" if i else "rejected", i or ""]
                for r, i in zip(message.to, ids, strict=True)
            ]
        else:
            bulk = client.send_bulk(message)
            rows = [[o.phone_number, o.status.value, o.message_id or ""] for o in bulk.outcomes]
    print_table("sent", ["phone number", "status", "message id"], rows)
    return EXIT_OK if all(row[1] == "accepted" for row in rows) else EXIT_NOT_ALL_ACCEPTED


# -- bulk -------------------------------------------------------------------------------


def bulk(args: argparse.Namespace) -> int:
    try:
        recipients = read_recipients(
            args.file, args.body, sender=args.sender, phone_column=args.phone_column
        )
    except (OSError, ValueError, UnicodeDecodeError) as error:
        raise _UsageError(str(error)) from None
    if args.dry_run:
        return dry_run(recipients.messages())
    total = recipients.count()
    with _client(args) as client:
        counts, first_error = run_campaign(
            client,
            recipients.messages(),
            total=total,
            concurrency=args.concurrency,
            rate=args.rate,
            journal=args.journal,
            output=args.output,
        )
    print_summary(counts, total)
    if first_error:
        print(f"first error: {first_error}", file=sys.stderr)
    return EXIT_OK if counts[OutcomeStatus.ACCEPTED] == total else EXIT_NOT_ALL_ACCEPTED


def run_campaign(
    client: Client,
    messages: Iterable[Message],
    *,
    total: int | None,
    concurrency: int,
    rate: float | None = None,
    journal: str | None = None,
    output: str | None = None,
) -> tuple[dict[OutcomeStatus, int], str | None]:
    """Send with a progress bar; write outcomes to ``output`` as JSON lines."""
    counts = dict.fromkeys(OutcomeStatus, 0)
    first_error = None
    out = open(output, "w", encoding="utf-8") if output else None  # noqa: SIM115
    try:
        with Progress(total) as progress:
            done = 0
            batches = client.iter_bulk(
                messages, concurrency=concurrency, max_requests_per_second=rate, journal=journal
            )
            for batch in batches:
                for status, count in batch.counts.items():
                    counts[status] += count
                if out is not None:
                    for outcome in batch.outcomes:
                        row = outcome._asdict()
                        row["status"] = outcome.status.value
                        out.write(json.dumps(row, ensure_ascii=False) + "\n")
                if batch.error and first_error is None:
                    first_error = batch.error
                done += len(batch)
                progress.update(done)
    finally:
        if out is not None:
            out.close()
    return counts, first_error


def print_summary(counts: dict[OutcomeStatus, int], total: int) -> None:
    print_table(
        "outcomes", ["status", "recipients", "share", "meaning"], outcome_rows(counts, total)
    )


def dry_run(messages: Iterable[Message]) -> int:
    """Print what would be sent, and send nothing."""
    packer = Packer()
    calls = rejected = recipients = parts = 0
    texts: Counter[str] = Counter()
    for index, message in enumerate(messages):
        items = list(packer.add(index, message))
        calls += sum(isinstance(item, Call) for item in items)
        invalid = len(items) - sum(isinstance(item, Call) for item in items)
        recipients += len(message.to)
        rejected += invalid
        texts[message.body or ""] += len(message.to) - invalid
    calls += sum(1 for _ in packer.finish())
    rows: list[list[object]] = []
    for text, count in texts.most_common():
        info = count_segments(text)
        parts += info.segments * count
        if len(rows) < 10:
            preview = text if len(text) <= 40 else text[:37] + "..."
            rows.append([preview, count, info.encoding, info.characters, info.segments])
    print_table("messages", ["text", "recipients", "encoding", "characters", "parts"], rows)
    if len(texts) > len(rows):
        print(f"... and {len(texts) - len(rows):,} more distinct texts")
    print(f"recipients: {recipients:,} ({rejected:,} invalid, would be rejected locally)")
    print(f"calls: {calls:,} (up to 100 recipients each)")
    print(f"total SMS parts: {parts:,}")
    print("dry run: nothing was sent")
    return EXIT_OK


# -- segments, webhook parse, mock ------------------------------------------------------


def segments(args: argparse.Namespace) -> int:
    info = count_segments(args.text)
    print(f"encoding:   {info.encoding}")
    print(f"characters: {info.characters}")
    print(f"units:      {info.units} ({'septets' if info.encoding == 'GSM-7' else 'UTF-16'})")
    print(f"segments:   {info.segments} (up to {info.per_segment} units each)")
    if info.encoding == "UCS-2":
        plain = transliterate(args.text)
        after = count_segments(plain)
        print(f"with type: sms the text would become {plain!r}: {after.segments} segment(s)")
    return EXIT_OK


def webhook_parse(args: argparse.Namespace) -> int:
    from ..webhooks import parse

    source = sys.stdin.buffer if args.file == "-" else Path(args.file).open("rb")  # noqa: SIM115
    with source:
        events = parse(source.read())
    for event in events:
        print(json.dumps({"event": type(event).__name__, **attrs.asdict(event)}, default=str))
    return EXIT_OK


def mock(args: argparse.Namespace) -> int:
    try:
        import uvicorn
    except ImportError:
        raise _UsageError('serving needs uvicorn: pip install "smsmngr[fake]"') from None
    from ..testing import FakeSmsManager

    fake = FakeSmsManager(api_key=args.mock_key, ledger=args.ledger)
    print(f"fake SmsManager API on http://127.0.0.1:{args.port}/v2 (API key {args.mock_key!r})")
    print("stop with Ctrl-C", flush=True)
    uvicorn.run(fake.asgi_app, host="127.0.0.1", port=args.port, log_level="warning")
    return EXIT_OK


# -- demo -------------------------------------------------------------------------------

DEMO_RECIPIENTS = 10_000


def demo(args: argparse.Namespace) -> int:
    from ..testing import FakeSmsManager, Fault, FaultKind, FaultPlan

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
    with fake.client() as client:
        counts, _ = run_campaign(client, messages, total=DEMO_RECIPIENTS, concurrency=8)
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
    return EXIT_OK if accounted else EXIT_NOT_ALL_ACCEPTED


# -- the parser -------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smsmngr", description="Send SMS, Viber, WhatsApp and RCS through SmsManager."
    )
    parser.add_argument("--version", action="version", version=f"smsmngr {__version__}")
    parser.add_argument("--api-key", help="API key (default: $SMSMANAGER_API_KEY)")
    parser.add_argument("--base-url", help="API base URL (default: $SMSMANAGER_BASE_URL)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log requests to stderr")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("send", help="send one message to up to a few recipients")
    p.add_argument("--to", action="append", required=True, help="a recipient (repeatable)")
    p.add_argument("--body", required=True)
    p.add_argument("--sender")
    p.add_argument("--priority", action="store_true", help="use the priority queue")
    p.add_argument(
        "--channel",
        action="append",
        default=[],
        choices=sorted(CHANNELS),
        help="a flow step, in fallback order (repeatable; default: SMS)",
    )
    p.set_defaults(run=send)

    p = commands.add_parser("bulk", help="send to every recipient of a file")
    p.add_argument("file", help="CSV with a phone column, or one number a line")
    p.add_argument("--body", required=True, help="the text; {column} takes a CSV column")
    p.add_argument("--sender")
    p.add_argument("--phone-column", help="the CSV column holding numbers")
    p.add_argument("--concurrency", type=int, default=8, help="calls in flight (default 8)")
    p.add_argument("--rate", type=float, help="at most this many calls a second")
    p.add_argument("--journal", help="SQLite file to resume from after a crash")
    p.add_argument("--output", help="write one outcome a line to this JSON Lines file")
    p.add_argument("--dry-run", action="store_true", help="show what would be sent; send nothing")
    p.set_defaults(run=bulk)

    p = commands.add_parser("segments", help="count the SMS parts of a text")
    p.add_argument("text")
    p.set_defaults(run=segments)

    p = commands.add_parser("webhook", help="webhook tools")
    webhook_commands = p.add_subparsers(dest="webhook_command", required=True, metavar="COMMAND")
    w = webhook_commands.add_parser("parse", help="print the typed events of a webhook body")
    w.add_argument("file", nargs="?", default="-", help="a file, or - for stdin (default)")
    w.set_defaults(run=webhook_parse)

    p = commands.add_parser("mock", help="serve the fake API on 127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--mock-key", default="test-api-key", help="the key it accepts")
    p.add_argument(
        "--ledger",
        choices=["full", "counts"],
        default="counts",
        help="what the fake remembers (GET /v2/_fake/ledger shows the counters)",
    )
    p.set_defaults(run=mock)

    p = commands.add_parser("demo", help="a 10,000-recipient campaign against the fake API")
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(run=demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        code: int = args.run(args)
    except (_UsageError, *_USAGE_ERRORS, OSError) as error:
        print(f"smsmngr: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except SmsManagerError as error:  # the API or the network failed the send
        print(f"smsmngr: error: {error}", file=sys.stderr)
        return EXIT_NOT_ALL_ACCEPTED
    except KeyboardInterrupt:
        print("smsmngr: interrupted", file=sys.stderr)
        return 130
    return code


def _run(argv: Any = None) -> None:
    sys.exit(main(argv))
