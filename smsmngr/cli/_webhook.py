"""``smsmngr webhook parse``: webhook bodies as one event a line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ._common import EXIT_OK, Commands, Common, add_group

__all__ = ["register"]


def register(commands: Commands, common: Common) -> None:
    """Add ``webhook`` and its ``parse``."""
    webhook_commands = add_group(commands, "webhook", "webhook tools", common)
    w = webhook_commands.add_parser(
        "parse", help="print the events of webhook bodies, one a line in their JSON form", **common
    )
    w.add_argument(
        "file", nargs="?", default="-", help="bodies or NDJSON, any size; - for stdin (default)"
    )
    w.set_defaults(run=webhook_parse)


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
