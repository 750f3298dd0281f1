"""``smsmngr send``: one message to a few recipients."""

from __future__ import annotations

import argparse

from smsmngr import Message, Rcs, Sms, Viber, WhatsAppText
from smsmngr.limits import RECIPIENTS_PER_MESSAGE

from ._common import Commands, Common, Exit, client_from
from ._display import print_table

__all__ = ["register"]

CHANNELS: dict[str, type[Sms] | type[Viber] | type[WhatsAppText] | type[Rcs]] = {
    "sms": Sms,
    "viber": Viber,
    "whatsapp": WhatsAppText,
    "rcs": Rcs,
}


def register(commands: Commands, common: Common) -> None:
    """Add ``send``."""
    p = commands.add_parser("send", help="send one message to up to a few recipients", **common)
    p.add_argument("--to", action="append", required=True, help="a recipient (repeatable)")
    p.add_argument("--body", required=True, help="the text (up to 1000 characters)")
    p.add_argument("--sender", help="the sender name or number (default: the account's)")
    p.add_argument("--priority", action="store_true", help="use the priority queue")
    p.add_argument(
        "--channel",
        action="append",
        default=[],
        choices=sorted(CHANNELS),
        help="a flow step, in fallback order (repeatable; default: SMS; viber and whatsapp "
        "need --sender)",
    )
    p.set_defaults(run=send)


def send(args: argparse.Namespace) -> int:
    flow = [CHANNELS[name]() for name in args.channel] or None
    message = Message(args.body, to=args.to, sender=args.sender, flow=flow)
    rows: list[list[object]]
    with client_from(args) as client:
        if len(message.to) <= RECIPIENTS_PER_MESSAGE:
            result = client.send(message, priority=args.priority)
            ids = result.recipient_message_ids()
            rows = [
                # Not in the answer's accepted list: not accepted, nothing sent.
                [r.phone_number, "accepted" if i else "rejected", i or ""]
                for r, i in zip(message.to, ids, strict=True)
            ]
        else:
            bulk = client.send_bulk(message)
            rows = [[o.phone_number, o.status.value, o.message_id or ""] for o in bulk.outcomes]
    print_table("sent", ["phone number", "status", "message id"], rows)
    return Exit.OK if all(row[1] == "accepted" for row in rows) else Exit.NOT_ALL_ACCEPTED
