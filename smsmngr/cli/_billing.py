"""``smsmngr billing invoices`` and ``billing pdf``: the account's invoices from a shell."""

from __future__ import annotations

import argparse
from pathlib import Path

from ._common import Commands, Common, Exit, add_group, client_from

__all__ = ["register"]


def register(commands: Commands, common: Common) -> None:
    """Add ``billing`` and its ``invoices`` and ``pdf``."""
    billing_commands = add_group(commands, "billing", "invoices (the REST API's billing)", common)
    b = billing_commands.add_parser(
        "invoices", help="list the invoices, newest first: id, number, date, amount", **common
    )
    _billing_id(b)
    b.set_defaults(run=billing_invoices)
    b = billing_commands.add_parser("pdf", help="save an invoice as a PDF file", **common)
    b.add_argument("invoice_id", help="an id that 'billing invoices' lists")
    b.add_argument("-o", "--output", type=Path, help="the file (default: invoice-ID.pdf)")
    b.add_argument("--language", help="the invoice's language, such as cs or en")
    _billing_id(b)
    b.set_defaults(run=billing_pdf)


def _billing_id(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--billing-id", help="default: the key's own (GET /credit)")


def billing_invoices(args: argparse.Namespace) -> int:
    with client_from(args) as client:
        billing_id = args.billing_id or client.account.get_credit().billing_id or ""
        invoices = client.billing.list_invoices(billing_id)
    for invoice in invoices:
        day = invoice.date.isoformat() if invoice.date else "-"
        print(f"{invoice.invoice_id}\t{invoice.number}\t{day}\t{invoice.amount} {invoice.currency}")
    return Exit.OK


def billing_pdf(args: argparse.Namespace) -> int:
    with client_from(args) as client:
        billing_id = args.billing_id or client.account.get_credit().billing_id or ""
        pdf = client.billing.get_invoice_pdf(billing_id, args.invoice_id, language=args.language)
    output: Path = args.output or Path(f"invoice-{args.invoice_id}.pdf")
    output.write_bytes(pdf)
    print(f"{output} ({len(pdf)} bytes)")
    return Exit.OK
