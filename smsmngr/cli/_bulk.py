"""``smsmngr bulk``: send to every recipient of a file, or show what that would send
and cost (``--dry-run``)."""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager
from typing import TextIO

from smsmngr import (
    AuthenticationError,
    Client,
    ConfigurationError,
    OutcomeStatus,
    PermissionDeniedError,
)
from smsmngr.bulk import BulkPlan, campaign_problems, plan, scope_warnings
from smsmngr.limits import MESSAGES_PER_CALL, RECIPIENTS_PER_MESSAGE

from ._common import (
    KEY_ROTATED,
    Commands,
    Common,
    Exit,
    UsageError,
    checked_number,
    client_from,
    command_line_spelling,
)
from ._display import Progress, print_summary, print_table
from ._recipients import PHONE_COLUMNS, RecipientsFile, recipients_of

__all__ = ["register"]

_AT_LEAST_ONE = checked_number(int, "must be at least 1", lambda value: value >= 1)
_RATE = checked_number(
    float,
    "must be a number of calls a second above 0",
    lambda rate: math.isfinite(rate) and rate > 0,
)


def register(commands: Commands, common: Common) -> None:
    """Add ``bulk``."""
    p = commands.add_parser("bulk", help="send to every recipient of a file", **common)
    p.add_argument("file", help="CSV with a phone column, JSON Lines of rows, or one number a line")
    p.add_argument("--body", required=True, help="the text; {column} takes a CSV column")
    p.add_argument("--sender", help="the sender name or number (default: the account's)")
    p.add_argument(
        "--phone-column",
        help="the CSV column holding numbers (default: the first column named "
        f"{', '.join(PHONE_COLUMNS)})",
    )
    p.add_argument(
        "--concurrency", type=_AT_LEAST_ONE, default=8, help="calls in flight (default 8)"
    )
    p.add_argument("--rate", type=_RATE, help="at most this many calls a second")
    p.add_argument(
        "--journal",
        help="SQLite file to resume from after a crash, or a postgresql:// URL that "
        "several workers share (with --campaign)",
    )
    p.add_argument("--campaign", help="with a postgresql:// journal: the campaign's name")
    p.add_argument("--key-rotated", action="store_true", help=KEY_ROTATED)
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


def bulk(args: argparse.Namespace) -> int:
    _refuse_overwriting_inputs(args)
    try:
        recipients = recipients_of(args)
        if args.dry_run:
            return dry_run(recipients, args)
        total = recipients.count()  # reads the whole file once: its errors come out here
    except (OSError, ValueError, LookupError) as error:
        raise UsageError(str(error)) from None
    if total == 0:
        raise UsageError(f"{args.file} holds no recipients")
    _say_phone_column(recipients)
    campaign = _Campaign(total)
    try:
        with client_from(args, fastest=True) as client, _output(args.output) as out:
            campaign.run(client, recipients, out, args)
    except KeyboardInterrupt:
        campaign.print_summary(stopped=True)
        print(f"smsmngr: interrupted; {_resume_hint(args)}", file=sys.stderr)
        return Exit.INTERRUPTED
    campaign.print_summary()
    if campaign.wrong_key is not None:  # the first error too: said once
        print(f"smsmngr: error: {campaign.wrong_key}", file=sys.stderr)
        return Exit.USAGE
    if campaign.first_error:
        print(f"first error: {campaign.first_error}", file=sys.stderr)
    accepted = campaign.counts[OutcomeStatus.ACCEPTED] == total
    return Exit.OK if accepted else Exit.NOT_ALL_ACCEPTED


def _refuse_overwriting_inputs(args: argparse.Namespace) -> None:
    """``--output`` is written from the start: it must not be the input or the journal."""
    if not args.output or not os.path.exists(args.output):
        return
    for name, path in (("the input file", args.file), ("the journal", args.journal)):
        if path and os.path.exists(path) and os.path.samefile(args.output, path):
            raise UsageError(f"--output {args.output} is {name}: writing it would destroy it")


def _say_phone_column(recipients: RecipientsFile) -> None:
    if recipients.is_csv or recipients.is_jsonl:
        print(f"phone numbers from column {recipients.phone_column!r}", file=sys.stderr)


def _refused_rows(recipients: RecipientsFile) -> int:
    """Say which rows were refused, by line; how many."""
    for line, reason in recipients.refused_rows:
        print(f"{recipients.path}: line {line}: {reason}; refused", file=sys.stderr)
    return len(recipients.refused_rows)


def _resume_hint(args: argparse.Namespace) -> str:
    """The command that resumes this one: every option it was given, but the key."""
    # The whole command line's defaults, global options included; _app imports this
    # module, so its parser is imported only here, once it is needed.
    from ._app import parser

    if not args.journal:
        return "without --journal, what was sent cannot be told from what was not"
    defaults = vars(parser().parse_args(["bulk", "file", "--body", "text"]))
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
                campaign=args.campaign,
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
                f"{self.already_done:,} recipients were settled by an earlier run or another "
                "worker (the journal says so): this run sent none of them"
            )
        print(f"this run made {self.calls:,} calls to the API")


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
    problems = _print_cost(planned, recipients, args)
    print("dry run: nothing was sent")
    return Exit.NOT_ALL_ACCEPTED if problems else Exit.OK


def _print_cost(planned: BulkPlan, recipients: RecipientsFile, args: argparse.Namespace) -> int:
    """The credit balance, the campaign's estimated cost and its pre-flight (what would
    stop it: a blocked key, an unregistered sender), when a key is at hand; gives the
    number of problems the pre-flight found."""
    try:
        client = client_from(args)
    except UsageError as error:
        print(f"credit: not checked ({error})")
        return 0
    with client:
        try:
            me = client.api_keys.me()
            problems = campaign_problems(me, recipients.messages())
            for text in [p.text for p in problems] or ["the key may send this campaign"]:
                print(f"pre-flight: {text}")
            for text in scope_warnings(me, reads_rest=args.journal is not None):
                print(f"warning: {text}")
            if me.blocked:  # a blocked key reads nothing else
                return len(problems)
            credit, prices = client.account.get_credit(), client.account.get_prices()
        except ConfigurationError as error:  # the REST API is not where the others are
            print(f"credit: not checked ({command_line_spelling(str(error))})")
            return 0
    currency = credit.currency or "czk"
    balance = credit.balance
    cost, unpriced = planned.cost(prices, currency)
    print(f"credit: {balance} {currency.upper()}")
    note = f" ({unpriced:,} parts to countries without a listed price)" if unpriced else ""
    print(f"estimated cost by SMS: {cost:.2f} {currency.upper()}{note}")
    if balance is not None and balance < cost:
        print(f"warning: the credit ({balance} {currency.upper()}) is lower than the estimate")
    return len(problems)
