"""``smsmngr verify start`` and ``check``: one-time codes by SMS (the Verify API)."""

from __future__ import annotations

import argparse
import sys

from smsmngr import VerifyError

from ._common import Commands, Common, Exit, add_group, client_from, one_line

__all__ = ["register"]


def register(commands: Commands, common: Common) -> None:
    """Add ``verify`` and its ``start`` and ``check``."""
    verify_commands = add_group(
        commands, "verify", "one-time codes by SMS (the Verify API)", common
    )
    v = verify_commands.add_parser(
        "start", help="send a code to a number; prints the token", **common
    )
    v.add_argument("phone_number")
    v.set_defaults(run=verify_start)
    v = verify_commands.add_parser("check", help="check the code the number received", **common)
    v.add_argument("token")
    v.add_argument("code")
    v.set_defaults(run=verify_check)


def verify_start(args: argparse.Namespace) -> int:
    with client_from(args) as client:
        started = client.verify.start(args.phone_number)
    print(f"token:   {started.token}")
    print(f"expires: {started.expires_at.isoformat()}")
    return Exit.OK


def verify_check(args: argparse.Namespace) -> int:
    with client_from(args) as client:
        try:
            result = client.verify.check(args.token, args.code)
        except VerifyError as error:
            left = error.attempts_remaining
            tail = f"; {left} attempt(s) left" if left is not None else ""
            print(f"not verified: {one_line(error)}{tail}", file=sys.stderr)
            return Exit.NOT_ALL_ACCEPTED
    if not result.verified:
        print("not verified", file=sys.stderr)
        return Exit.NOT_ALL_ACCEPTED
    print(f"verified: {result.phone_number}")
    return Exit.OK
