"""``smsmngr account``: the key (``GET /apikey/me``) and the credit balance."""

from __future__ import annotations

import argparse

from smsmngr import KeyInfo, KeySender

from ._common import Commands, Common, Exit, client_from

__all__ = ["describe_senders", "register"]


def register(commands: Commands, common: Common) -> None:
    """Add ``account``."""
    p = commands.add_parser(
        "account", help="the key's state, scope, webhook URL, senders, and the credit", **common
    )
    p.set_defaults(run=account)


def describe_senders(senders: tuple[KeySender, ...]) -> str:
    """Senders by channel, on one line.

    >>> describe_senders((KeySender("sms", "Shop"), KeySender("sms", "Info")))
    'sms: Shop, Info'
    """
    by_channel: dict[str, list[str]] = {}
    for sender in senders:
        by_channel.setdefault(sender.channel, []).append(sender.value)
    return "; ".join(f"{channel}: {', '.join(values)}" for channel, values in by_channel.items())


def _key_lines(me: KeyInfo) -> list[tuple[str, str]]:
    state = "BLOCKED" if me.blocked else "enabled"
    shares = ", shares its senders with child keys" if me.shares_senders else ""
    return [
        ("key", f"{state}, scope {me.scope or 'not given'}{shares}"),
        ("note", me.note or "(none)"),
        (
            "account",
            ", ".join(x for x in (me.account, (me.currency or "").upper(), me.time_zone) if x),
        ),
        ("webhook", me.default_callback_url or "(none: only messages with a callback report)"),
        ("senders", describe_senders(me.senders) or "(none registered)"),
    ]


def account(args: argparse.Namespace) -> int:
    with client_from(args) as client:
        me = client.api_keys.me()
        credit = client.account.get_credit()
    lines = _key_lines(me)
    lines.append(("credit", f"{credit.balance} {(credit.currency or 'czk').upper()}"))
    for name, value in lines:
        print(f"{name + ':':9}{value}")
    return Exit.OK
