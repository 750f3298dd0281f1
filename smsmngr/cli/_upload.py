"""``smsmngr upload``: a recipients file sent as one bulk upload file (scheduled or
not), and ``smsmngr schedule cancel``: cancelling a scheduled upload or message."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from ._common import KEY_ROTATED, Commands, Common, Exit, UsageError, add_group, client_from
from ._display import Progress, counted
from ._recipients import PHONE_COLUMNS, recipients_of

__all__ = ["register"]


def register(commands: Commands, common: Common) -> None:
    """Add ``upload`` and ``schedule cancel``."""
    p = commands.add_parser(
        "upload", help="send every recipient of a file as one bulk upload", **common
    )
    p.add_argument("file", help="CSV with a phone column, JSON Lines of rows, or one number a line")
    p.add_argument("--bulk-id", required=True, help="your id of this upload (to cancel it by)")
    p.add_argument("--body", required=True, help="the text; {column} takes a CSV column")
    p.add_argument("--sender", help="the sender name or number (default: the account's)")
    p.add_argument(
        "--phone-column",
        help=f"the column holding numbers (default: the first named {', '.join(PHONE_COLUMNS)})",
    )
    p.add_argument(
        "--at", type=_aware_time, help="when to send, e.g. 2030-07-31T08:00:00Z (default: now)"
    )
    p.add_argument("--no-compress", action="store_true", help="send plain JSON Lines, not gzipped")
    p.add_argument("--journal", help="SQLite file that records the upload, so it is not sent twice")
    p.add_argument(
        "--force",
        action="store_true",
        help="upload even though the journal holds this bulk id as (maybe) uploaded",
    )
    p.add_argument("--key-rotated", action="store_true", help=KEY_ROTATED)
    p.add_argument(
        "--encoding",
        default="utf-8-sig",
        help="the file's text encoding (default UTF-8, with or without a BOM; e.g. cp1250)",
    )
    p.set_defaults(run=upload)

    schedule = add_group(commands, "schedule", "scheduled messages and uploads", common)
    c = schedule.add_parser("cancel", help="cancel a scheduled message or bulk upload", **common)
    which = c.add_mutually_exclusive_group(required=True)
    which.add_argument("--message-id", help="the id of a scheduled message")
    which.add_argument("--bulk-id", help="the bulk id of a scheduled upload")
    c.set_defaults(run=cancel)


def _aware_time(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be an ISO 8601 time such as 2030-07-31T08:00:00Z, got {text!r}"
        ) from None
    if moment.utcoffset() is None:
        raise argparse.ArgumentTypeError(
            f"must say its time zone (Z, or +02:00): {text!r} is ambiguous"
        )
    return moment


def upload(args: argparse.Namespace) -> int:
    try:
        recipients = recipients_of(args)
        total = recipients.count()  # reads the whole file once: its errors come out here
    except (OSError, ValueError, LookupError) as error:
        raise UsageError(str(error)) from None
    if total == 0:
        raise UsageError(f"{args.file} holds no recipients")
    if recipients.is_csv or recipients.is_jsonl:
        print(f"phone numbers from column {recipients.phone_column!r}", file=sys.stderr)
    with client_from(args, fastest=True) as client, Progress(total, "writing") as progress:
        result = client.upload_bulk(
            recipients.messages(),
            bulk_id=args.bulk_id,
            at=args.at,
            compress=not args.no_compress,
            journal=args.journal,
            force=args.force,
            key_rotated=args.key_rotated,
            on_progress=progress.update,
        )
    for line, reason in recipients.refused_rows:
        print(f"{recipients.path}: line {line}: {reason}; refused", file=sys.stderr)
    for outcome in result.refused:
        print(f"{outcome.phone_number!r}: {outcome.error}; refused", file=sys.stderr)
    refused = len(result.refused) + len(recipients.refused_rows)
    kind = "JSON Lines" if args.no_compress else "gzipped JSON Lines"
    print(f"uploaded bulk {result.bulk_id!r}: {counted(result.recipients, 'recipient')} in")
    print(
        f"  {counted(result.messages, 'message')}, {counted(result.bytes_sent, 'byte')} of {kind}"
    )
    when = result.scheduled_at.isoformat() if result.scheduled_at else "now"
    print(f"processing: {when}")
    if refused:
        print(f"{counted(refused, 'recipient')} refused locally, not in the file")
    return Exit.NOT_ALL_ACCEPTED if refused else Exit.OK


def cancel(args: argparse.Namespace) -> int:
    with client_from(args) as client:
        result = client.cancel_scheduled(message_id=args.message_id, bulk_id=args.bulk_id)
    print(result.message or "Schedule cancelled")
    return Exit.OK
