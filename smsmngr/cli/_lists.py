"""``smsmngr optout``, ``smsmngr blacklist`` (``list``, ``add``, ``remove``) and
``smsmngr inbox``: the account's contact lists and the messages it received."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from smsmngr import Client, ContactList
from smsmngr.webhooks import is_opt_out

from ._common import Commands, Common, Exit, UsageError, add_group, client_from
from ._display import counted, print_table

__all__ = ["register"]

_LISTS = {
    "optout": "the opt-out list (promotional messages are not sent to its numbers)",
    "blacklist": "the block list (no message is sent to its numbers)",
}


def register(commands: Commands, common: Common) -> None:
    """Add ``optout`` and ``blacklist`` with their ``list``, ``add`` and ``remove``, and
    ``inbox``."""
    for name, summary in _LISTS.items():
        group = add_group(commands, name, summary, common)
        p = group.add_parser("list", help="print every number on the list", **common)
        _subid(p)
        p.set_defaults(run=list_numbers, list_name=name)
        p = group.add_parser("add", help="add numbers to the list", **common)
        _numbers(p)
        _subid(p)
        p.set_defaults(run=add_numbers, list_name=name)
        p = group.add_parser("remove", help="remove numbers from the list, or --all", **common)
        _numbers(p)
        p.add_argument("--all", action="store_true", help="remove every number on the list")
        _subid(p)
        p.set_defaults(run=remove_numbers, list_name=name)
    p = commands.add_parser("inbox", help="print the messages received on a day", **common)
    p.add_argument(
        "--date",
        type=_date,
        default=None,
        help="the day, YYYY-MM-DD (default: today)",
    )
    p.set_defaults(run=inbox)


def _numbers(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("numbers", nargs="*", metavar="NUMBER", help="a phone number")
    parser.add_argument(
        "--file", type=Path, help="a file of numbers, one a line (with or beside NUMBERs)"
    )


def _subid(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--subid", help="the sub-account (default: the account's own)")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date as YYYY-MM-DD: {text!r}") from None


def _given(args: argparse.Namespace) -> list[str]:
    numbers = list(args.numbers)
    if args.file is not None:
        lines = args.file.read_text(encoding="utf-8-sig").splitlines()
        numbers += [line.strip() for line in lines if line.strip()]
    return numbers


def _area(client: Client, name: str) -> ContactList:
    return client.optout if name == "optout" else client.blacklist


def list_numbers(args: argparse.Namespace) -> int:
    with client_from(args) as client:
        entries = _area(client, args.list_name).list(subid=args.subid)
    for entry in entries:
        print(entry.phone_number)
    if not entries:
        print(f"{args.list_name}: no numbers", file=sys.stderr)
    return Exit.OK


def add_numbers(args: argparse.Namespace) -> int:
    numbers = _given(args)
    if not numbers:
        raise UsageError("give the numbers to add (NUMBER... or --file)")
    with client_from(args) as client:
        added = _area(client, args.list_name).add(numbers, subid=args.subid)
    print(f"{args.list_name}: {counted(added.accepted, 'number')} accepted")
    for line in added.invalid:
        print(f"not a phone number, not added: {line}", file=sys.stderr)
    return Exit.NOT_ALL_ACCEPTED if added.invalid else Exit.OK


def remove_numbers(args: argparse.Namespace) -> int:
    numbers = _given(args)
    if bool(numbers) == args.all:
        raise UsageError("give the numbers to remove (NUMBER... or --file), or --all")
    with client_from(args) as client:
        area = _area(client, args.list_name)
        if args.all:
            removed = area.remove(all=True, subid=args.subid)
        else:
            removed = area.remove(numbers, subid=args.subid)
    if removed.wiped:
        print(f"{args.list_name}: every number removed")
        return Exit.OK
    print(f"{args.list_name}: {removed.removed} removed, {removed.remaining} left")
    for line in removed.invalid:
        print(f"not a phone number, not removed: {line}", file=sys.stderr)
    return Exit.NOT_ALL_ACCEPTED if removed.invalid else Exit.OK


def inbox(args: argparse.Namespace) -> int:
    day = args.date or dt.date.today()
    with client_from(args) as client:
        messages = client.inbox.list(day)
    rows = [
        [
            m.ts_received.isoformat() if m.ts_received else "",
            m.sender or "",
            m.recipient or "",
            m.gateway or "",
            (m.body or "") + ("  (opt-out)" if is_opt_out(m.body) else ""),
        ]
        for m in messages
    ]
    print_table(f"inbox {day.isoformat()}", ["received", "from", "to", "channel", "text"], rows)
    return Exit.OK
