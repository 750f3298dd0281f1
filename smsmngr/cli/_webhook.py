"""``smsmngr webhook parse``: webhook bodies as one event a line; ``set-url``: the
key's default webhook URL (``/apikey/update``, keeping the key's note)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ._account import describe_senders
from ._common import Commands, Common, Exit, add_group, client_from

__all__ = ["register"]


def register(commands: Commands, common: Common) -> None:
    """Add ``webhook`` and its ``parse`` and ``set-url``."""
    webhook_commands = add_group(commands, "webhook", "webhook tools", common)
    w = webhook_commands.add_parser(
        "parse", help="print the events of webhook bodies, one a line in their JSON form", **common
    )
    w.add_argument(
        "file", nargs="?", default="-", help="bodies or NDJSON, any size; - for stdin (default)"
    )
    w.set_defaults(run=webhook_parse)
    w = webhook_commands.add_parser(
        "set-url",
        help="set the key's default webhook URL ('' clears it); every sender of the key "
        "gets it too",
        **common,
    )
    w.add_argument("url", help="an http(s) URL, or '' to clear it")
    w.set_defaults(run=webhook_set_url)


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
    return Exit.OK


def webhook_set_url(args: argparse.Namespace) -> int:
    with client_from(args) as client:
        change = client.api_keys.set_default_callback_url(args.url)
    print(f"default webhook URL: {change.previous or '(none)'} -> {change.url or '(none)'}")
    senders = describe_senders(change.senders)
    print(f"senders now reporting to it: {senders or '(none registered on this key)'}")
    return Exit.OK
