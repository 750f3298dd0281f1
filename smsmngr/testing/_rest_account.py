"""The fake's REST API v1 credit services, low-credit alert and billing, with the
reference's shapes, checks and error messages (openapi/rest/restapi_v1.yaml).

An order takes ``setup + monthly * months`` CZK from the fake's credit (``months`` by
the service's ``min_interval``), or answers the documented 500 "Insufficient credit";
a cancellation keeps the service until the end of its paid period.
"""

from __future__ import annotations

import base64
import decimal
from collections.abc import Mapping
from typing import Any

from ._account_book import BILLING_ID, CATALOG, paid_months, services
from ._rest import RestAnswer, RestCall, RestHandler
from ._routes import Routes

__all__ = ["ROUTES"]

_FIELDS = "Missing required service fields in request data"
_NOT_OWNED = 403, {"message": "Apikey is not authorized for this billing_id"}
_CONTACT = ("name", "email", "street", "city", "zip", "country", "company_id", "company_vat")


ROUTES: Routes[RestHandler] = Routes()
"""The credit services, alert and billing operations, by method and path."""


def _body(call: RestCall) -> Mapping[str, Any]:
    return call.body if isinstance(call.body, Mapping) else {}


def _text(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    return value if isinstance(value, str) and value else None


def _refused(message: str) -> RestAnswer:
    return 500, {"message": message}


def _bad(message: str) -> RestAnswer:
    return 400, {"message": message}


@ROUTES("GET", "/credit/services")
def _services(call: RestCall) -> RestAnswer:
    return 200, {"success": True, "services": CATALOG}


@ROUTES("GET", "/credit/notify")
def _get_alert(call: RestCall) -> RestAnswer:
    return 200, {"success": True, "notify": call.state.account.alert}


@ROUTES("POST", "/credit/notify")
def _set_alert(call: RestCall) -> RestAnswer:
    body = _body(call)
    email, value, enable = _text(body, "email"), body.get("value"), body.get("enable")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        value = None
    if email is None or value is None or not isinstance(enable, bool):
        return _bad("Missing 'email', 'value' or 'enable' in request data")
    if value <= 0:
        return _bad("Invalid 'value' in request data: must be greater than 0")
    call.state.account.alert = {"email": email, "value": value, "enabled": enable}
    return 200, {"success": True}


def _number(value: decimal.Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


@ROUTES("POST", "/credit/order")
def _order(call: RestCall) -> RestAnswer:
    body, book = _body(call), call.state.account
    service_id, period = _text(body, "service_id"), _text(body, "period")
    if service_id is None or period is None:
        return _bad(_FIELDS)
    service = services().get(service_id)
    if service is None:
        return _refused("Invalid service id")
    subject = _text(body, "subject")
    if service["subject"] == "assigned":
        if not book.pool:
            return _refused("No available sender for this service")
        subject = book.pool[0]
    elif subject is None:
        return _bad(_FIELDS)
    price = service["prices"]["czk"]
    months = paid_months(price)
    fee = decimal.Decimal(price["setup"]) + decimal.Decimal(price["monthly"]) * months
    credit = decimal.Decimal(call.state.credit_czk)
    if credit < fee:
        return _refused("Insufficient credit")
    if body.get("dryrun") is True:
        # As the reference's example: a dry run names no subject.
        order = {"dryrun": True, "total_fee": _number(fee), "currency": "czk", "subject": None}
        return 200, {"success": True, "order": {**order, "service_id": service_id}}
    if service["subject"] == "assigned":
        book.pool.pop(0)
    call.state.credit_czk = str(credit - fee)
    ordered = book.ordered(service_id, subject, service.get("status", "active"), months)
    answer = {"subject": subject, "subject_id": subject, "status": ordered.status}
    return 200, {"success": True, "order": answer}


@ROUTES("POST", "/credit/cancel")
def _cancel(call: RestCall) -> RestAnswer:
    body = _body(call)
    service_id, subject = _text(body, "service_id"), _text(body, "subject")
    if service_id is None or subject is None:
        return _bad(_FIELDS)
    order = call.state.account.orders.get((service_id, subject))
    if order is None:
        return _refused("Service not found")
    if order.cancelled:
        return _refused("Service already cancelled")
    order.cancelled = True
    cancel = {"cancel_at_period_end": True, "active_until": order.active_until.isoformat()}
    return 200, {"success": True, "cancel": cancel}


def _owned(body: Mapping[str, Any]) -> RestAnswer | None:
    """The refusal for a body without a billing id, or with another account's."""
    billing_id = body.get("billing_id")
    if not billing_id:
        return _bad("Missing 'billing_id' in request data")
    return None if billing_id == BILLING_ID else _NOT_OWNED


@ROUTES("POST", "/billing/get")
def _get_billing(call: RestCall) -> RestAnswer:
    refused = _owned(_body(call))
    return refused or (200, {"success": True, "billing": call.state.account.billing})


@ROUTES("POST", "/billing/set")
def _set_billing(call: RestCall) -> RestAnswer:
    body = _body(call)
    refused = _owned(body)
    if refused:
        return refused
    given = {name: body[name] for name in _CONTACT if isinstance(body.get(name), str)}
    if not given:
        return _bad("Missing required fields in request data")
    if body.get("dryrun") is True:
        return 200, {"success": True, "dryrun": True}
    billing = call.state.account.billing
    contact = billing["contact"]
    for name, value in given.items():
        if name in ("name", "email"):
            billing[name] = value
        if name != "email":
            wire = {"street": "address"}.get(name, name)
            contact[wire] = value.upper() if name == "country" else value
    return 200, {"success": True}


@ROUTES("POST", "/billing/invoices/list")
def _invoices(call: RestCall) -> RestAnswer:
    refused = _owned(_body(call))
    return refused or (200, {"success": True, "invoices": call.state.account.invoices[:100]})


@ROUTES("POST", "/billing/invoices/pdf")
def _pdf(call: RestCall) -> RestAnswer:
    body = _body(call)
    if not body.get("billing_id") or not body.get("invoice_id"):
        return _bad("Missing 'billing_id' or 'invoice_id' in request data")
    refused = _owned(body)
    if refused:
        return refused
    invoices = call.state.account.invoices
    invoice = next((i for i in invoices if i["id"] == body["invoice_id"]), None)
    if invoice is None:
        return _refused("Failed to get invoice")
    content = pdf_of(invoice, str(body.get("lang") or "cs"))
    return 200, {"success": True, "invoice": base64.b64encode(content).decode()}


def pdf_of(invoice: Mapping[str, str], language: str) -> bytes:
    """The fake's rendering of an invoice: a small PDF naming it."""
    title = f"Invoice {invoice['name']} ({language}): {invoice['amount']} {invoice['currency']}"
    return b"%PDF-1.4\n% " + title.encode() + b"\n%%EOF\n"


@ROUTES("GET", "/billing/topup")
def _topup(call: RestCall) -> RestAnswer:
    topup = {
        "account_number": "2900164253",
        "account_bank": "2010",
        "iban": "CZ0220100000002900164253",
        "vs": f"11100{BILLING_ID}",
    }
    return 200, {"success": True, "topup": topup}
