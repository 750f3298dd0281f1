"""The ``smsmngr`` command: its global options, its command groups, and how it ends.

Each command group has its module and adds its own commands (``register``). Exit
codes: 0 every recipient accepted, 1 some were not, 2 a usage or configuration error.
Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

# The command line is a user of the library like any other: public names only.
from smsmngr import (
    AuthenticationError,
    ConfigurationError,
    JournalError,
    PermissionDeniedError,
    SmsManagerError,
    ValidationError,
    __version__,
)

from . import (
    _account,
    _billing,
    _bulk,
    _journal,
    _lists,
    _mock,
    _segments,
    _send,
    _upload,
    _verify,
    _webhook,
    _whatsapp,
)
from ._common import Commands, Common, Exit, UsageError, command_line_spelling, one_line

__all__ = ["main", "parser"]

# Each group's commands, in the order `smsmngr --help` lists them.
_GROUPS: tuple[Callable[[Commands, Common], None], ...] = (
    _send.register,
    _bulk.register,
    _upload.register,
    _segments.register,
    _webhook.register,
    _journal.register,
    _account.register,
    _verify.register,
    _billing.register,
    _lists.register,
    _whatsapp.register,
    _mock.register,
)
_USAGE_ERRORS = (
    ConfigurationError,
    ValidationError,
    JournalError,
    AuthenticationError,
    PermissionDeniedError,
)


def parser() -> argparse.ArgumentParser:
    """The whole command line: the global options, then every group's commands."""
    top = argparse.ArgumentParser(
        prog="smsmngr", description="Send SMS, Viber, WhatsApp and RCS through SmsManager."
    )
    top.add_argument("--version", action="version", version=f"smsmngr {__version__}")
    _global_options(top, default=None)
    # The same options after a command's name: not given there, they keep the value given
    # before it (argparse.SUPPRESS leaves it alone).
    after = argparse.ArgumentParser(add_help=False)
    _global_options(after, default=argparse.SUPPRESS)
    common: Common = {"parents": [after]}
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in _GROUPS:
        register(commands, common)
    return top


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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = parser().parse_args(argv)
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        code: int = args.run(args)
    except BrokenPipeError:
        # The reader went away (| head): say nothing more on the closed pipe.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        print("smsmngr: output closed; stopped", file=sys.stderr)
        return Exit.NOT_ALL_ACCEPTED
    except ConfigurationError as error:
        print(f"smsmngr: error: {command_line_spelling(one_line(error))}", file=sys.stderr)
        return Exit.USAGE
    except (UsageError, *_USAGE_ERRORS, OSError) as error:
        print(f"smsmngr: error: {one_line(error)}", file=sys.stderr)
        return Exit.USAGE
    except SmsManagerError as error:  # the API or the network failed the send
        print(f"smsmngr: error: {one_line(error)}", file=sys.stderr)
        return Exit.NOT_ALL_ACCEPTED
    except KeyboardInterrupt:
        print("smsmngr: interrupted", file=sys.stderr)
        return Exit.INTERRUPTED
    except Exception as error:  # a bug of ours: still one line, never a traceback
        print(f"smsmngr: error: {type(error).__name__}: {one_line(error)}", file=sys.stderr)
        return Exit.NOT_ALL_ACCEPTED
    return code


def _run(argv: Any = None) -> None:
    sys.exit(main(argv))
