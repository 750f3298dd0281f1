"""The ``smsmngr`` command: send, bulk, segments, webhook, journal, verify, mock, demo.

Exit codes: 0 every recipient accepted, 1 some were not, 2 a usage or configuration
error. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import math
import os
import re
import shlex
import socket
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, TextIO

# The command line is a user of the library like any other: public names only.
from smsmngr import (
    AuthenticationError,
    Client,
    ConfigurationError,
    JournalError,
    Message,
    OutcomeStatus,
    PermissionDeniedError,
    Rcs,
    Sms,
    SmsManagerError,
    ValidationError,
    VerifyError,
    Viber,
    WhatsAppText,
    __version__,
    fastest_http_stack,
)
from smsmngr.bulk import BulkPlan, funnel, plan, record_delivery_reports
from smsmngr.limits import MESSAGES_PER_CALL, RECIPIENTS_PER_MESSAGE
from smsmngr.segments import count_segments, transliterate

from ._display import Progress, outcome_rows, print_table
from ._recipients import PHONE_COLUMNS, RecipientsFile, read_recipients

__all__ = ["main"]

EXIT_OK, EXIT_NOT_ALL_ACCEPTED, EXIT_USAGE = 0, 1, 2
CHANNELS: dict[str, type[Sms] | type[Viber] | type[WhatsAppText] | type[Rcs]] = {
    "sms": Sms,
    "viber": Viber,
    "whatsapp": WhatsAppText,
    "rcs": Rcs,
}
_SHOWN_REFUSALS = 5
_USAGE_ERRORS = (
    ConfigurationError,
    ValidationError,
    JournalError,
    AuthenticationError,
    PermissionDeniedError,
)


class _UsageError(Exception):
    """A mistake in the command line or its files: exit 2."""


def _client(args: argparse.Namespace, *, fastest: bool = False) -> Client:
    # A campaign's CPU time is the client's own: it runs on the fastest stack installed.
    http_stack = fastest_http_stack() if fastest else None
    try:
        return Client(
            api_key=args.api_key,
            base_url=args.base_url,
            rest_base_url=args.rest_base_url,
            verify_base_url=args.verify_base_url,
            api_host=args.api_host,
            http_stack=http_stack,
            account_country=args.account_country,
        )
    except ConfigurationError as error:
        raise _UsageError(command_line_spelling(str(error))) from None


_PYTHON_OPTIONS = re.compile(
    r"\b(api_key|api_host|base_url|rest_base_url|verify_base_url)\b(=\.\.\.)?"
)


def command_line_spelling(text: str) -> str:
    """The library's message with its option names as the command line spells them.

    >>> command_line_spelling("no API key: pass api_key=... or set SMSMANAGER_API_KEY")
    'no API key: pass --api-key or set SMSMANAGER_API_KEY'
    """
    return _PYTHON_OPTIONS.sub(lambda match: "--" + match[1].replace("_", "-"), text)


# -- send -------------------------------------------------------------------------------


def send(args: argparse.Namespace) -> int:
    flow = [CHANNELS[name]() for name in args.channel] or None
    message = Message(args.body, to=args.to, sender=args.sender, flow=flow)
    rows: list[list[object]]
    with _client(args) as client:
        if len(message.to) <= RECIPIENTS_PER_MESSAGE:
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
    _refuse_overwriting_inputs(args)
    try:
        recipients = read_recipients(
            args.file,
            args.body,
            sender=args.sender,
            phone_column=args.phone_column,
            encoding=args.encoding,
        )
        if args.dry_run:
            return dry_run(recipients, args)
        total = recipients.count()  # reads the whole file once: its errors come out here
    except (OSError, ValueError, LookupError) as error:
        raise _UsageError(str(error)) from None
    if total == 0:
        raise _UsageError(f"{args.file} holds no recipients")
    _say_phone_column(recipients)
    campaign = _Campaign(total)
    try:
        with _client(args, fastest=True) as client, _output(args.output) as out:
            campaign.run(client, recipients, out, args)
    except KeyboardInterrupt:
        campaign.print_summary(stopped=True)
        print(f"smsmngr: interrupted; {_resume_hint(args)}", file=sys.stderr)
        return 130
    campaign.print_summary()
    if campaign.wrong_key is not None:  # the first error too: said once
        print(f"smsmngr: error: {campaign.wrong_key}", file=sys.stderr)
        return EXIT_USAGE
    if campaign.first_error:
        print(f"first error: {campaign.first_error}", file=sys.stderr)
    accepted = campaign.counts[OutcomeStatus.ACCEPTED] == total
    return EXIT_OK if accepted else EXIT_NOT_ALL_ACCEPTED


def _refuse_overwriting_inputs(args: argparse.Namespace) -> None:
    """``--output`` is written from the start: it must not be the input or the journal."""
    if not args.output or not os.path.exists(args.output):
        return
    for name, path in (("the input file", args.file), ("the journal", args.journal)):
        if path and os.path.exists(path) and os.path.samefile(args.output, path):
            raise _UsageError(f"--output {args.output} is {name}: writing it would destroy it")


def _say_phone_column(recipients: RecipientsFile) -> None:
    if recipients.is_csv:
        print(f"phone numbers from column {recipients.phone_column!r}", file=sys.stderr)


def _refused_rows(recipients: RecipientsFile) -> int:
    """Say which rows were refused, by line; how many."""
    for line, reason in recipients.refused_rows:
        print(f"{recipients.path}: line {line}: {reason}; refused", file=sys.stderr)
    return len(recipients.refused_rows)


def _resume_hint(args: argparse.Namespace) -> str:
    """The command that resumes this one: every option it was given, but the key."""
    if not args.journal:
        return "without --journal, what was sent cannot be told from what was not"
    defaults = vars(_parser().parse_args(["bulk", "file", "--body", "text"]))
    command = ["smsmngr", "bulk", args.file, "--body", args.body]
    for name, value in vars(args).items():
        if name in ("api_key", "file", "body") or value == defaults.get(name, value):
            continue
        command.append("--" + name.replace("_", "-"))
        if value is not True:
            command.append(f"{value:g}" if isinstance(value, float) else str(value))
    return "resume with: " + " ".join(shlex.quote(part) for part in command)


@contextmanager
def _output(path: str | None) -> Iterator[TextIO | None]:
    if path is None:
        yield None
        return
    with open(path, "w", encoding="utf-8") as out:
        yield out


class _Campaign:
    """A bulk run from the command line: the counts so far, and what to tell."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.counts: Counter[OutcomeStatus] = Counter(dict.fromkeys(OutcomeStatus, 0))
        self.first_error: str | None = None
        self.wrong_key: str | None = None
        self.already_done = 0
        """Recipients an earlier run settled (from the journal): not sent again."""
        self.calls = 0

    def run(
        self,
        client: Client,
        recipients: RecipientsFile,
        out: TextIO | None,
        args: argparse.Namespace,
    ) -> None:
        """Send with a progress bar; write every outcome to ``out`` as JSON lines (those
        a journal already held included)."""
        with Progress(self.total) as progress:
            batches = client.iter_bulk(
                recipients.messages(),
                concurrency=args.concurrency,
                max_requests_per_second=args.rate,
                journal=args.journal,
                resend_unknown=args.resend_unknown,
                key_rotated=args.key_rotated,
            )
            with closing(batches):
                for batch in batches:
                    self.counts.update(batch.counts)
                    if batch.source == "journal":
                        self.already_done += sum(batch.counts.values())
                    elif batch.source == "api":
                        self.calls += 1
                    if out is not None:
                        for outcome in batch.outcomes:
                            row = outcome._asdict()
                            row["status"] = outcome.status.value
                            out.write(json.dumps(row, ensure_ascii=False) + "\n")
                    if batch.error and self.first_error is None:
                        self.first_error = batch.error
                    if isinstance(batch.exception, (AuthenticationError, PermissionDeniedError)):
                        self.wrong_key = str(batch.exception)
                    progress.update(sum(self.counts.values()))
        self.counts[OutcomeStatus.REJECTED] += _refused_rows(recipients)
        if out is not None:
            for line, reason in recipients.refused_rows:
                row = {"line": line, "phone_number": "", "status": "rejected", "error": reason}
                out.write(json.dumps(row) + "\n")

    def print_summary(self, *, stopped: bool = False) -> None:
        """The outcomes table (with the recipients not sent yet, when ``stopped``), then
        what this run did itself."""
        not_sent = self.total - sum(self.counts.values()) if stopped else 0
        print_summary(self.counts, self.total, not_sent=not_sent)
        if self.already_done:
            print(
                f"{self.already_done:,} recipients were settled by an earlier run (the "
                "journal says so): none of them was sent again"
            )
        print(f"this run made {self.calls:,} calls to the API")


def print_summary(counts: dict[OutcomeStatus, int], total: int, *, not_sent: int = 0) -> None:
    rows = outcome_rows(counts, total, not_sent=not_sent)
    print_table("outcomes", ["status", "recipients", "share", "meaning"], rows)


def dry_run(recipients: RecipientsFile, args: argparse.Namespace) -> int:
    """Print what would be sent, and what it would cost; send nothing. Rows the real run
    would refuse are refused the same way."""
    planned = plan(recipients.messages())
    _say_phone_column(recipients)
    refused = _refused_rows(recipients)
    shown = planned.texts[:10]
    rows: list[list[object]] = [
        [
            text.text if len(text.text) <= 40 else text.text[:37] + "...",
            text.recipients,
            text.segments.encoding,
            text.segments.characters,
            text.segments.segments,
        ]
        for text in shown
    ]
    print_table("messages", ["text", "recipients", "encoding", "characters", "parts"], rows)
    if len(planned.texts) > len(shown):
        print(f"... and {len(planned.texts) - len(shown):,} more distinct texts")
    print(
        f"recipients: {planned.recipients + refused:,} ({planned.rejected + refused:,} "
        "invalid, would be rejected locally)"
    )
    per_call = RECIPIENTS_PER_MESSAGE * MESSAGES_PER_CALL
    print(f"calls: {planned.calls:,} (up to {per_call} recipients each)")
    print(f"total SMS parts: {planned.parts:,}")
    _print_cost(planned, args)
    print("dry run: nothing was sent")
    return EXIT_OK


def _print_cost(planned: BulkPlan, args: argparse.Namespace) -> None:
    """The credit balance and the campaign's estimated cost, when a key is at hand."""
    try:
        client = _client(args)
    except _UsageError as error:
        print(f"credit: not checked ({error})")
        return
    with client:
        try:
            credit, prices = client.account.get_credit(), client.account.get_prices()
        except ConfigurationError as error:  # the REST API is not where the others are
            print(f"credit: not checked ({command_line_spelling(str(error))})")
            return
    currency = credit.currency or "czk"
    balance = credit.balance
    cost, unpriced = planned.cost(prices, currency)
    print(f"credit: {balance} {currency.upper()}")
    note = f" ({unpriced:,} parts to countries without a listed price)" if unpriced else ""
    print(f"estimated cost by SMS: {cost:.2f} {currency.upper()}{note}")
    if balance is not None and balance < cost:
        print(f"warning: the credit ({balance} {currency.upper()}) is lower than the estimate")


# -- journal ----------------------------------------------------------------------------


def journal_show(args: argparse.Namespace) -> int:
    shown = funnel(args.journal)
    counts = {OutcomeStatus.ACCEPTED: shown.accepted} | {
        OutcomeStatus(status): count for status, count in shown.not_accepted.items()
    }
    print_summary(counts, shown.recipients)
    stages: list[tuple[str, int]] = [
        ("accepted", shown.accepted),
        ("sent", shown.sent),
        ("delivered", shown.delivered),
        ("undelivered", shown.undelivered),
        ("rejected after acceptance", shown.rejected),
        ("failed", shown.failed),
        ("no final report yet", shown.awaiting),
    ]
    rows: list[list[object]] = [
        [name, f"{count:,}", _share(count, shown.accepted)] for name, count in stages
    ]
    print_table("delivery funnel", ["stage", "recipients", "of accepted"], rows)
    if shown.top_failures:
        failures = [
            [code, description or "", f"{count:,}"]
            for code, description, count in shown.top_failures
        ]
        print_table("failed deliveries", ["code", "result", "recipients"], failures)
    if args.plot:
        _plot_funnel(stages, args.plot)
        print(f"wrote {args.plot}")
    return EXIT_OK


def _share(count: int, total: int) -> str:
    return f"{100 * count / total:.1f}%" if total else "-"


def _plot_funnel(stages: list[tuple[str, int]], path: str) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise _UsageError("--plot needs matplotlib: pip install matplotlib") from None
    figure, axes = plt.subplots(figsize=(7, 3.5))
    axes.barh([name for name, _ in stages], [count for _, count in stages], color="tab:blue")
    axes.invert_yaxis()
    axes.set_xlabel("recipients")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def journal_reconcile(args: argparse.Namespace) -> int:
    if not (math.isfinite(args.grace_minutes) and args.grace_minutes >= 0):
        raise _UsageError(f"--grace-minutes must be 0 or more, got {args.grace_minutes}")
    grace = dt.timedelta(minutes=args.grace_minutes)
    with _client(args) as client:
        result = client.reconcile(args.journal, grace=grace, key_rotated=args.key_rotated)
    rows = [
        ["found on the platform: accepted", f"{result.found:,}"],
        ["not found: sent again on resume", f"{result.send_again:,}"],
        ["not found yet: still unknown", f"{result.pending:,}"],
        ["cannot be proved: still unknown", f"{result.unprovable:,}"],
    ]
    print_table("reconciled", ["unknown recipients", "count"], rows)
    for reason, count in result.reasons.items():
        print(f"still unknown ({count:,}): {reason}")
    return EXIT_OK


def journal_reports(args: argparse.Namespace) -> int:
    recorded = record_delivery_reports(args.journal, _events_in(args.files))
    print(
        f"{recorded.events:,} events read: {recorded.reports:,} delivery reports, "
        f"{recorded.matched:,} of them for recipients of {args.journal}, "
        f"{recorded.changed:,} changed a status"
    )
    for refused in recorded.refused[:_SHOWN_REFUSALS]:
        print(f"refused: {refused.reason}", file=sys.stderr)
    if len(recorded.refused) > _SHOWN_REFUSALS:
        print(f"refused: {len(recorded.refused) - _SHOWN_REFUSALS:,} more", file=sys.stderr)
    if not recorded.reports:
        print(
            "smsmngr: error: no delivery report recognised: give webhook bodies (JSON), "
            "raw webhook items or `smsmngr webhook parse` output, one a line or not",
            file=sys.stderr,
        )
        return EXIT_NOT_ALL_ACCEPTED
    if not recorded.matched:
        print(
            f"smsmngr: error: none of the {recorded.reports:,} delivery reports is for a "
            f"recipient of {args.journal}: are they another campaign's?",
            file=sys.stderr,
        )
        return EXIT_NOT_ALL_ACCEPTED
    return EXIT_OK


def _events_in(files: Sequence[str]) -> Iterator[Any]:
    """The events of each file (``-``: stdin), read as they go; an error names the file."""
    from smsmngr.webhooks import WebhookError, read_events

    for name in files:
        source = sys.stdin.buffer if name == "-" else Path(name).open("rb")  # noqa: SIM115
        with source:
            try:
                yield from read_events(source)
            except WebhookError as error:
                raise WebhookError(f"{name}: {error}") from None


# -- verify -----------------------------------------------------------------------------


def verify_start(args: argparse.Namespace) -> int:
    with _client(args) as client:
        started = client.verify.start(args.phone_number)
    print(f"token:   {started.token}")
    print(f"expires: {started.expires_at.isoformat()}")
    return EXIT_OK


def verify_check(args: argparse.Namespace) -> int:
    with _client(args) as client:
        try:
            result = client.verify.check(args.token, args.code)
        except VerifyError as error:
            left = error.attempts_remaining
            tail = f"; {left} attempt(s) left" if left is not None else ""
            print(f"not verified: {_one_line(error)}{tail}", file=sys.stderr)
            return EXIT_NOT_ALL_ACCEPTED
    if not result.verified:
        print("not verified", file=sys.stderr)
        return EXIT_NOT_ALL_ACCEPTED
    print(f"verified: {result.phone_number}")
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
    from smsmngr.webhooks import InvalidEvent, read_events, to_json

    source = sys.stdin.buffer if args.file == "-" else Path(args.file).open("rb")  # noqa: SIM115
    with source:
        for event in read_events(source):
            try:
                line = json.dumps(to_json(event))
            except RecursionError:  # what json could read, one level deeper
                line = json.dumps(to_json(InvalidEvent(None, "nested too deeply to print")))
            print(line)
    return EXIT_OK


def mock(args: argparse.Namespace) -> int:
    try:
        import uvicorn
    except ImportError:
        raise _UsageError(
            "serving needs uvicorn: install the fake extra "
            '(in a checkout: python -m pip install ".[fake]")'
        ) from None
    from smsmngr.testing import FakeSmsManager

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
    print("stop with Ctrl-C", flush=True)
    uvicorn.run(fake.asgi_app, host="127.0.0.1", port=args.port, log_level="warning")
    return EXIT_OK


def _refuse_a_port_in_use(port: int) -> None:
    with socket.socket() as sock:
        if os.name != "nt":  # as uvicorn binds: a port left in TIME_WAIT is free
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as error:
            raise _UsageError(
                f"port {port} on 127.0.0.1 is not free ({error.strerror}): pick another with --port"
            ) from None


# -- demo -------------------------------------------------------------------------------

DEMO_RECIPIENTS = 10_000


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
    return EXIT_OK if accounted else EXIT_NOT_ALL_ACCEPTED


# -- the parser -------------------------------------------------------------------------


_KEY_ROTATED = (
    "the journal was written with an earlier key of this same account, since rotated: "
    "record the new one and go on"
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smsmngr", description="Send SMS, Viber, WhatsApp and RCS through SmsManager."
    )
    parser.add_argument("--version", action="version", version=f"smsmngr {__version__}")
    _global_options(parser, default=None)
    # The same options after a command's name: not given there, they keep the value given
    # before it (argparse.SUPPRESS leaves it alone).
    after = argparse.ArgumentParser(add_help=False)
    _global_options(after, default=argparse.SUPPRESS)
    common: dict[str, Any] = {"parents": [after]}
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("send", help="send one message to up to a few recipients", **common)
    p.add_argument("--to", action="append", required=True, help="a recipient (repeatable)")
    p.add_argument("--body", required=True, help="the text (up to 1000 characters)")
    p.add_argument("--sender", help="the sender name or number (default: the account's)")
    p.add_argument("--priority", action="store_true", help="use the priority queue")
    p.add_argument(
        "--channel",
        action="append",
        default=[],
        choices=sorted(CHANNELS),
        help="a flow step, in fallback order (repeatable; default: SMS; viber and whatsapp "
        "need --sender)",
    )
    p.set_defaults(run=send)

    p = commands.add_parser("bulk", help="send to every recipient of a file", **common)
    p.add_argument("file", help="CSV with a phone column, or one number a line")
    p.add_argument("--body", required=True, help="the text; {column} takes a CSV column")
    p.add_argument("--sender", help="the sender name or number (default: the account's)")
    p.add_argument(
        "--phone-column",
        help="the CSV column holding numbers (default: the first column named "
        f"{', '.join(PHONE_COLUMNS)})",
    )
    p.add_argument(
        "--concurrency", type=_positive_int, default=8, help="calls in flight (default 8)"
    )
    p.add_argument("--rate", type=_positive_rate, help="at most this many calls a second")
    p.add_argument("--journal", help="SQLite file to resume from after a crash")
    p.add_argument("--key-rotated", action="store_true", help=_KEY_ROTATED)
    p.add_argument("--output", help="write one outcome a line to this JSON Lines file")
    p.add_argument(
        "--resend-unknown",
        action="store_true",
        help="with --journal: send again recipients whose outcome was unknown",
    )
    p.add_argument(
        "--encoding",
        default="utf-8-sig",
        help="the file's text encoding (default UTF-8, with or without a BOM; e.g. cp1250)",
    )
    p.add_argument("--dry-run", action="store_true", help="show what would be sent; send nothing")
    p.set_defaults(run=bulk)

    p = commands.add_parser("segments", help="count the SMS parts of a text", **common)
    p.add_argument("text", help="the message text (quote it)")
    p.set_defaults(run=segments)

    p = commands.add_parser("webhook", help="webhook tools", **common)
    webhook_commands = p.add_subparsers(dest="webhook_command", required=True, metavar="COMMAND")
    w = webhook_commands.add_parser(
        "parse", help="print the events of webhook bodies, one a line in their JSON form", **common
    )
    w.add_argument(
        "file", nargs="?", default="-", help="bodies or NDJSON, any size; - for stdin (default)"
    )
    w.set_defaults(run=webhook_parse)

    p = commands.add_parser("journal", help="a campaign's journal, after it ran", **common)
    journal_commands = p.add_subparsers(dest="journal_command", required=True, metavar="COMMAND")
    j = journal_commands.add_parser(
        "show", help="the campaign's outcomes and delivery funnel", **common
    )
    j.add_argument("journal")
    j.add_argument("--plot", metavar="PNG", help="also draw the funnel to this file (matplotlib)")
    j.set_defaults(run=journal_show)
    j = journal_commands.add_parser(
        "reconcile", help="look unknown recipients up on the platform (REST API)", **common
    )
    j.add_argument("journal")
    j.add_argument(
        "--grace-minutes",
        type=float,
        default=30.0,
        help="after this long unfound recipients are sent again on resume (default 30)",
    )
    j.add_argument("--key-rotated", action="store_true", help=_KEY_ROTATED)
    j.set_defaults(run=journal_reconcile)
    j = journal_commands.add_parser(
        "reports", help="fold delivery reports into the journal", **common
    )
    j.add_argument("journal")
    j.add_argument(
        "files",
        nargs="+",
        help="webhook bodies, raw items or `webhook parse` output, any size; - for stdin",
    )
    j.set_defaults(run=journal_reports)

    p = commands.add_parser("verify", help="one-time codes by SMS (the Verify API)", **common)
    verify_commands = p.add_subparsers(dest="verify_command", required=True, metavar="COMMAND")
    v = verify_commands.add_parser(
        "start", help="send a code to a number; prints the token", **common
    )
    v.add_argument("phone_number")
    v.set_defaults(run=verify_start)
    v = verify_commands.add_parser("check", help="check the code the number received", **common)
    v.add_argument("token")
    v.add_argument("code")
    v.set_defaults(run=verify_check)

    p = commands.add_parser("mock", help="serve the fake API on 127.0.0.1", **common)
    p.add_argument(
        "--port", type=_port, default=8000, help="the port to serve on, 1-65535 (default 8000)"
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
    return parser


def _global_options(parser: argparse.ArgumentParser, *, default: Any) -> None:
    """The options every command takes, before or after its name."""
    parser.add_argument("--api-key", default=default, help="API key (default: $SMSMANAGER_API_KEY)")
    parser.add_argument(
        "--api-host",
        default=default,
        help="one host for every API, such as the mock's http://127.0.0.1:8000 "
        "(default: $SMSMANAGER_API_HOST)",
    )
    parser.add_argument(
        "--base-url", default=default, help="API base URL (default: $SMSMANAGER_BASE_URL)"
    )
    parser.add_argument(
        "--rest-base-url",
        default=default,
        help="REST API base URL (default: $SMSMANAGER_REST_BASE_URL)",
    )
    parser.add_argument(
        "--verify-base-url",
        default=default,
        help="Verify API base URL (default: $SMSMANAGER_VERIFY_BASE_URL)",
    )
    parser.add_argument(
        "--account-country",
        default=default,
        help="the account's country (ISO code, e.g. CZ): national numbers are looked up "
        "with its calling code",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=False if default is None else default,
        help="log requests to stderr",
    )


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number from 1 to 65535: {text!r}")
    return port


def _positive_rate(text: str) -> float:
    try:
        rate = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (math.isfinite(rate) and rate > 0):
        raise argparse.ArgumentTypeError(f"must be a number of calls a second above 0: {text!r}")
    return rate


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        code: int = args.run(args)
    except BrokenPipeError:
        # The reader went away (| head): say nothing more on the closed pipe.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        print("smsmngr: output closed; stopped", file=sys.stderr)
        return EXIT_NOT_ALL_ACCEPTED
    except ConfigurationError as error:
        print(f"smsmngr: error: {command_line_spelling(_one_line(error))}", file=sys.stderr)
        return EXIT_USAGE
    except (_UsageError, *_USAGE_ERRORS, OSError) as error:
        print(f"smsmngr: error: {_one_line(error)}", file=sys.stderr)
        return EXIT_USAGE
    except SmsManagerError as error:  # the API or the network failed the send
        print(f"smsmngr: error: {_one_line(error)}", file=sys.stderr)
        return EXIT_NOT_ALL_ACCEPTED
    except KeyboardInterrupt:
        print("smsmngr: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug of ours: still one line, never a traceback
        print(f"smsmngr: error: {type(error).__name__}: {_one_line(error)}", file=sys.stderr)
        return EXIT_NOT_ALL_ACCEPTED
    return code


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _run(argv: Any = None) -> None:
    sys.exit(main(argv))
