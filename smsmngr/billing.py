"""The REST API's billing area (``client.billing``): the billing contact, invoices and
their PDFs, and the bank details for topping up the credit.

Every operation names a ``billing_id`` the key owns (``Credit.billing_id`` of
``client.account.get_credit()``). The reads are repeated after a lost answer, the
change is not.

Example::

    billing_id = (await client.account.get_credit()).billing_id
    for invoice in await client.billing.list_invoices(billing_id):
        pdf = await client.billing.get_invoice_pdf(billing_id, invoice.invoice_id)
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import decimal
from collections.abc import Mapping
from typing import Any

import attrs

from ._reading import Unreadable, items, mapping, read_object, readers_for
from ._rest import RestResource, nonempty
from .errors import ValidationError

__all__ = ["AsyncBilling", "BillingContact", "BillingDetails", "Invoice", "TopUp"]


@attrs.frozen
class BillingContact:
    """The invoiced company: its ``name``, registration (``company_id``) and VAT
    (``company_vat``) numbers and address (``country``: an ISO code)."""

    name: str | None = None
    company_id: str | None = None
    company_vat: str | None = None
    address: str | None = None
    city: str | None = None
    zip_code: str | None = None
    country: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


def _contact(data: Any) -> BillingContact:
    return read_object(BillingContact, data, _CONTACT_READERS, names={"zip_code": "zip"})


_CONTACT_READERS = readers_for(BillingContact)


@attrs.frozen
class BillingDetails:
    """A billing record (``POST /billing/get``): the name and ``email`` invoices go
    to, the account's ``currency``, and the company invoiced."""

    name: str | None = None
    email: str | None = None
    currency: str | None = None
    contact: BillingContact = attrs.field(factory=BillingContact)
    extra: Mapping[str, Any] = attrs.field(factory=dict)


_BILLING_READERS = readers_for(BillingDetails, contact=lambda value: _contact(mapping(value)))


def parse_billing(data: Any) -> BillingDetails:
    """A ``POST /billing/get`` answer's ``billing`` object."""
    return read_object(BillingDetails, data, _BILLING_READERS)


@attrs.frozen
class Invoice:
    """An issued invoice (``POST /billing/invoices/list``): ``invoice_id`` for its PDF,
    its ``number``, ``variable_symbol``, issue ``date`` and total ``amount`` in
    ``currency`` (a display name: ``"Kč"``)."""

    invoice_id: str
    number: str | None = None
    variable_symbol: str | None = None
    date: dt.date | None = None
    amount: decimal.Decimal | None = None
    currency: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


_INVOICE_NAMES = {"invoice_id": "id", "number": "name", "variable_symbol": "vs"}
_INVOICE_READERS = readers_for(Invoice)
_invoices = items(lambda data: read_object(Invoice, data, _INVOICE_READERS, names=_INVOICE_NAMES))


@attrs.frozen
class TopUp:
    """Where to wire money to top up the credit (``GET /billing/topup``): the bank
    account (``account_number`` / ``bank_code``, or ``iban``) and the
    ``variable_symbol`` the payment must carry to be matched."""

    account_number: str | None = None
    bank_code: str | None = None
    iban: str | None = None
    variable_symbol: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


_TOPUP_READERS = readers_for(TopUp)


def parse_topup(data: Any) -> TopUp:
    """A ``GET /billing/topup`` answer's ``topup`` object."""
    names = {"bank_code": "account_bank", "variable_symbol": "vs"}
    return read_object(TopUp, data, _TOPUP_READERS, names=names)


def _pdf(value: Any) -> bytes:
    """The invoice's base64 text, decoded; it must be a PDF."""
    if not isinstance(value, str) or not value:
        raise Unreadable("must be the PDF in base64")
    try:
        content = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise Unreadable(f"must be base64, got {value[:40]!r}") from None
    if not content.startswith(b"%PDF-"):
        raise Unreadable("must be a PDF (it does not start with %PDF-)")
    return content


class AsyncBilling(RestResource):
    """The REST API's billing area on a client's key and connections: ``client.billing``."""

    async def get(self, billing_id: str) -> BillingDetails:
        """The billing contact of ``billing_id`` (REST ``POST /billing/get``; a read,
        repeated after a lost answer).

        Example::

            billing = await client.billing.get(credit.billing_id)
            billing.contact.company_vat
        """
        body = {"billing_id": nonempty("billing_id", billing_id)}
        answer = await self._call("POST", "/billing/get", body=body, repeat=True)
        return self._read(answer, "billing", parse_billing, where="POST /billing/get")

    async def set(
        self,
        billing_id: str,
        *,
        name: str | None = None,
        email: str | None = None,
        street: str | None = None,
        city: str | None = None,
        zip_code: str | None = None,
        country: str | None = None,
        company_id: str | None = None,
        company_vat: str | None = None,
        dry_run: bool = False,
    ) -> None:
        """Change the billing contact of ``billing_id``: the fields given, at least one
        (REST ``POST /billing/set``). ``country`` is an ISO code (``"CZ"``);
        ``dry_run=True`` only checks. Not repeated after a lost answer.

        Example::

            await client.billing.set(credit.billing_id, email="invoicing@acme.example")
        """
        contact = {
            "name": name,
            "email": email,
            "street": street,
            "city": city,
            "zip_code": zip_code,
            "country": country,
            "company_id": company_id,
            "company_vat": company_vat,
        }
        body: dict[str, Any] = {"billing_id": nonempty("billing_id", billing_id)}
        for keyword, value in contact.items():
            if value is not None:
                body["zip" if keyword == "zip_code" else keyword] = nonempty(keyword, value)
        if len(body) == 1:
            raise ValidationError(", ".join(contact), "at least one is required")
        if country is not None and not (
            len(country) == 2 and country.isalpha() and country.isascii()
        ):
            reason = f"must be an ISO country code (2 letters), got {country!r}"
            raise ValidationError("country", reason)
        if email is not None and "@" not in email:
            raise ValidationError("email", f"must be an e-mail address, got {email!r}")
        if not isinstance(dry_run, bool):
            raise ValidationError("dry_run", "must be true or false")
        if dry_run:
            body["dryrun"] = True
        await self._call("POST", "/billing/set", body=body, repeat=False)

    async def list_invoices(self, billing_id: str) -> tuple[Invoice, ...]:
        """The invoices issued to ``billing_id``, newest first, up to the 100 the API
        gives (REST ``POST /billing/invoices/list``; a read).

        Example::

            invoices = await client.billing.list_invoices(credit.billing_id)
        """
        body = {"billing_id": nonempty("billing_id", billing_id)}
        answer = await self._call("POST", "/billing/invoices/list", body=body, repeat=True)
        where = "POST /billing/invoices/list"
        return self._read(answer, "invoices", _invoices, where=where)

    async def get_invoice_pdf(
        self, billing_id: str, invoice_id: str, *, language: str | None = None
    ) -> bytes:
        """One invoice as a PDF file's bytes, rendered in ``language`` (``"cs"``,
        ``"en"``) where given (REST ``POST /billing/invoices/pdf``; a read). The API
        sends it in base64: this gives it decoded.

        Example::

            pdf = await client.billing.get_invoice_pdf(credit.billing_id, invoice.invoice_id)
            pathlib.Path("invoice.pdf").write_bytes(pdf)
        """
        body = {
            "billing_id": nonempty("billing_id", billing_id),
            "invoice_id": nonempty("invoice_id", invoice_id),
        }
        if language is not None:
            body["lang"] = nonempty("language", language)
        answer = await self._call("POST", "/billing/invoices/pdf", body=body, repeat=True)
        return self._read(answer, "invoice", _pdf, where="POST /billing/invoices/pdf")

    async def get_topup(self) -> TopUp:
        """The bank details for topping up the credit by wire transfer, with the
        variable symbol that matches the payment to the account (REST
        ``GET /billing/topup``).

        Example::

            topup = await client.billing.get_topup()
            print(topup.iban, topup.variable_symbol)
        """
        answer = await self._call("GET", "/billing/topup", repeat=True)
        return self._read(answer, "topup", parse_topup, where="GET /billing/topup")
