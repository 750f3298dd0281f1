"""What every command shares: exit codes, the usage error, the client factory.

Exit codes (``Exit``): 0 every recipient accepted, 1 some were not, 2 a usage,
configuration or local error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import enum
import re
from collections.abc import Callable
from typing import Any, TypeAlias, TypeVar

# The command line is a user of the library like any other: public names only.
from smsmngr import Client, ConfigurationError, fastest_http_stack

__all__ = [
    "KEY_ROTATED",
    "Commands",
    "Common",
    "Exit",
    "UsageError",
    "add_group",
    "checked_number",
    "client_from",
    "command_line_spelling",
    "one_line",
]


class Exit(enum.IntEnum):
    """A command's exit status."""

    OK = 0
    """Done: every recipient accepted, or nothing to send."""
    NOT_ALL_ACCEPTED = 1
    """Some recipient was not accepted, or the API or the network failed the command."""
    USAGE = 2
    """A usage or configuration error, or a local one that stopped the command (a key
    refused, a journal or file that cannot be written): what went before it is
    reported."""
    INTERRUPTED = 130
    """Interrupted (Ctrl-C), the status a shell gives a command SIGINT stopped."""


KEY_ROTATED = (
    "the journal was written with an earlier key of this same account, since rotated: "
    "record the new one and go on"
)


Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""Where a command group adds its commands: ``register(commands, common)``."""
Common: TypeAlias = dict[str, Any]
"""What every ``add_parser`` takes: the global options again, after the command's name."""


_Number = TypeVar("_Number", int, float)


class UsageError(Exception):
    """A mistake in the command line or its files: exit 2."""


def add_group(commands: Commands, name: str, summary: str, common: Common) -> Commands:
    """A command with commands of its own (``journal show``): where they are added."""
    group = commands.add_parser(name, help=summary, **common)
    return group.add_subparsers(dest=f"{name}_command", required=True, metavar="COMMAND")


def checked_number(
    read: Callable[[str], _Number], rule: str, holds: Callable[[_Number], bool]
) -> Callable[[str], _Number]:
    """An argparse ``type``: the text read as a number, which must follow ``rule``.

    >>> at_least_one = checked_number(int, "must be at least 1", lambda n: n >= 1)
    >>> at_least_one("3")
    3
    >>> at_least_one("0")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: must be at least 1: '0'
    """
    kind = "a whole number" if read is int else "a number"

    def number(text: str) -> _Number:
        try:
            value = read(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not {kind}: {text!r}") from None
        if not holds(value):
            raise argparse.ArgumentTypeError(f"{rule}: {text!r}")
        return value

    return number


def client_from(args: argparse.Namespace, *, fastest: bool = False) -> Client:
    """The client the global options describe; a bad one is a usage error."""
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
        raise UsageError(command_line_spelling(str(error))) from None


_PYTHON_OPTIONS = re.compile(
    r"\b(api_key|api_host|base_url|rest_base_url|verify_base_url)\b(=\.\.\.)?"
)


def command_line_spelling(text: str) -> str:
    """The library's message with its option names as the command line spells them.

    >>> command_line_spelling("no API key: pass api_key=... or set SMSMANAGER_API_KEY")
    'no API key: pass --api-key or set SMSMANAGER_API_KEY'
    """
    return _PYTHON_OPTIONS.sub(lambda match: "--" + match[1].replace("_", "-"), text)


def one_line(error: BaseException) -> str:
    """An error's text on one line, for stderr."""
    return " ".join(str(error).split()) or type(error).__name__
