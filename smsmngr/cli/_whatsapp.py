"""``smsmngr whatsapp templates``: the message templates of the key's WhatsApp Business
Accounts (the WhatsApp Business API)."""

from __future__ import annotations

import argparse

from ._common import Commands, Common, Exit, add_group, client_from
from ._display import print_table

__all__ = ["register"]

HEADERS = ("waba", "name", "language", "status", "category", "id")


def register(commands: Commands, common: Common) -> None:
    """Add ``whatsapp`` and its ``templates``."""
    whatsapp_commands = add_group(
        commands, "whatsapp", "WhatsApp Business Accounts (the WhatsApp Business API)", common
    )
    w = whatsapp_commands.add_parser(
        "templates",
        help="list the message templates (of every WABA on the key, or of --waba-id)",
        **common,
    )
    w.add_argument("--waba-id", action="append", help="a WhatsApp Business Account id (may repeat)")
    w.set_defaults(run=whatsapp_templates)


def whatsapp_templates(args: argparse.Namespace) -> int:
    with client_from(args) as client:
        waba_ids = args.waba_id or [
            account.waba_id for account in client.whatsapp.list_accounts() if account.waba_id
        ]
        rows = [
            [waba_id, *(v or "" for v in (t.name, t.language, t.status, t.category, t.id))]
            for waba_id in waba_ids
            for t in client.whatsapp.iter_templates(waba_id)
        ]
    print_table(f"{len(rows)} WhatsApp template(s)", HEADERS, rows)
    return Exit.OK
