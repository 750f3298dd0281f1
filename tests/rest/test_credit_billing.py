"""The credit area's services and alert, and the billing area: every request, answer
and error example of these operations in the OpenAPI, and whether each is repeated."""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
import httpx
import pytest
import respx

from smsmngr import (
    AlreadyCancelledError,
    AsyncClient,
    BadRequestError,
    DeliveryUncertainError,
    InsufficientCreditError,
    PermissionDeniedError,
    RefusedError,
    ResponseFormatError,
    ServerError,
    ValidationError,
)
from smsmngr.credit import parse_credit_alert

from ..support import DATA, NO_WAIT, REST_BASE_URL

pytestmark = pytest.mark.anyio

Example = dict[str, Any]
OPERATIONS = [
    op
    for op in json.loads((DATA / "operations.json").read_text())
    if op["path"].startswith(("/credit/", "/billing/")) and op["path"] != "/credit/prices"
]
BILLING_ID = "1234"
PDF = b"%PDF-1.4\n%the invoice\n"
ELIDED_PDF = "JVBERi0xLjQKJ...=="
"""The OpenAPI's invoice, cut short: ``...`` stands for the rest of the file."""


def _alert(client: AsyncClient, ex: Example) -> Awaitable[Any]:
    return client.account.set_credit_alert(ex["email"], ex["value"], enabled=ex["enable"])


def _order(client: AsyncClient, ex: Example) -> Awaitable[Any]:
    return client.account.order_service(
        ex["service_id"],
        period=ex["period"],
        subject=ex.get("subject"),
        dry_run=ex.get("dryrun", False),
    )


def _set(client: AsyncClient, ex: Example) -> Awaitable[Any]:
    names = {"zip": "zip_code"}
    contact = {names.get(k, k): v for k, v in ex.items() if k != "billing_id"}
    return client.billing.set(ex["billing_id"], **contact)


def _pdf(client: AsyncClient, ex: Example) -> Awaitable[Any]:
    return client.billing.get_invoice_pdf(
        ex["billing_id"], ex["invoice_id"], language=ex.get("lang")
    )


Call = Callable[[AsyncClient, Example], Awaitable[Any]]
CALLS: dict[tuple[str, str], Call] = {
    ("GET", "/credit/services"): lambda c, ex: c.account.get_services(),
    ("GET", "/credit/notify"): lambda c, ex: c.account.get_credit_alert(),
    ("POST", "/credit/notify"): _alert,
    ("POST", "/credit/order"): _order,
    ("POST", "/credit/cancel"): lambda c, ex: c.account.cancel_service(
        ex["service_id"], ex["subject"]
    ),
    ("POST", "/billing/get"): lambda c, ex: c.billing.get(ex["billing_id"]),
    ("POST", "/billing/set"): _set,
    ("POST", "/billing/invoices/list"): lambda c, ex: c.billing.list_invoices(ex["billing_id"]),
    ("POST", "/billing/invoices/pdf"): _pdf,
    ("GET", "/billing/topup"): lambda c, ex: c.billing.get_topup(),
}
CHANGES = {("POST", "/credit/notify"), ("POST", "/credit/order"), ("POST", "/credit/cancel")}
CHANGES |= {("POST", "/billing/set")}
"""The operations that change something: never repeated after a lost answer."""


def call(client: AsyncClient, op: Example) -> Awaitable[Any]:
    """The SDK's call of ``op`` with its first request example's values."""
    example = op["requests"][0]["example"] if op["requests"] else {"billing_id": BILLING_ID}
    return CALLS[op["method"], op["path"]](client, example)


def _cases(kind: str) -> list[Any]:
    cases = []
    for op in OPERATIONS:
        for example in op[kind]:
            name = f"{op['method']} {op['path']} {example['name']}"
            cases.append(pytest.param(op, example, id=name))
    return cases


@pytest.fixture
def rest() -> Any:
    with respx.mock(base_url=REST_BASE_URL, assert_all_called=False) as router:
        yield router


def _route(rest: respx.MockRouter, op: Example) -> respx.Route:
    return rest.route(method=op["method"], path=op["path"])


def _success(op: Example) -> Example:
    return next(r["example"] for r in op["responses"] if r["status"] == 200)


def test_every_credit_and_billing_operation_has_a_call() -> None:
    assert {(op["method"], op["path"]) for op in OPERATIONS} == set(CALLS)


@pytest.mark.parametrize(("op", "example"), _cases("requests"))
async def test_every_request_example_is_what_the_sdk_sends(
    rest: respx.MockRouter, client: AsyncClient, op: Example, example: Example
) -> None:
    route = _route(rest, op).respond(200, json=_success(op) | _pdf_filled_in(op))
    await CALLS[op["method"], op["path"]](client, example["example"])
    assert json.loads(route.calls.last.request.content) == example["example"]


def _pdf_filled_in(op: Example) -> Example:
    if op["path"] != "/billing/invoices/pdf":
        return {}
    return {"invoice": base64.b64encode(PDF).decode()}


def _unknown_fields(value: Any) -> list[Any]:
    """Every non-empty ``extra`` in a result, however deep."""
    if isinstance(value, (list, tuple)):
        return [found for item in value for found in _unknown_fields(item)]
    if isinstance(value, dict):
        return [found for item in value.values() for found in _unknown_fields(item)]
    if attrs.has(type(value)):
        found = [value.extra] if getattr(value, "extra", {}) else []
        fields = [getattr(value, a.name) for a in attrs.fields(type(value)) if a.name != "extra"]
        return found + _unknown_fields(fields)
    return []


@pytest.mark.parametrize(("op", "example"), _cases("responses"))
async def test_every_answer_example_is_read_whole_or_raises_its_error(
    rest: respx.MockRouter, client: AsyncClient, op: Example, example: Example
) -> None:
    status, body = example["status"], example["example"]
    if body == {"success": True, "invoice": ELIDED_PDF}:
        body = _pdf_filled_in(op) | {"success": True}  # see the test of the elided PDF
    route = _route(rest, op).respond(status, json=body)
    if status == 200:
        result = await call(client, op)
        assert _unknown_fields(result) == []
        return
    error = _ERRORS.get(body.get("message"), _BY_STATUS[status])
    with pytest.raises(error, match=body["message"]) as caught:
        await call(client, op)
    assert type(caught.value) is error
    repeated = status == 500 and error is ServerError and (op["method"], op["path"]) not in CHANGES
    assert route.call_count == (1 + NO_WAIT.max_retries if repeated else 1)


_BY_STATUS = {400: BadRequestError, 403: PermissionDeniedError, 500: ServerError}
_ERRORS: dict[str, type[Exception]] = {
    "Insufficient credit": InsufficientCreditError,
    "Service already cancelled": AlreadyCancelledError,
    "Invalid service id": RefusedError,
    "Service not found": RefusedError,
    "No available sender for this service": RefusedError,
}
"""The reference's definite 500s: refusals, nothing done (not "may have been processed")."""


@pytest.mark.parametrize(
    "op", [pytest.param(op, id=f"{op['method']} {op['path']}") for op in OPERATIONS]
)
async def test_reads_are_asked_again_after_a_lost_answer_and_changes_never(
    rest: respx.MockRouter, client: AsyncClient, op: Example
) -> None:
    body = _success(op) | _pdf_filled_in(op)
    route = _route(rest, op).mock(
        side_effect=[httpx.ReadTimeout("slow"), httpx.Response(503), httpx.Response(200, json=body)]
    )
    if (op["method"], op["path"]) in CHANGES:
        with pytest.raises(DeliveryUncertainError):
            await call(client, op)
        assert route.call_count == 1
    else:
        await call(client, op)
        assert route.call_count == 3


async def test_a_500_the_reference_does_not_list_stays_may_have_been_processed(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    route = rest.post("/credit/order").respond(500, json={"message": "Database down"})
    with pytest.raises(ServerError) as caught:
        await client.account.order_service("sender_sms_420_alnum", subject="Shop")
    assert not isinstance(caught.value, RefusedError)
    assert isinstance(caught.value, DeliveryUncertainError)
    assert route.call_count == 1


async def test_a_dry_run_order_is_not_repeated_either(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    # It changes nothing, but its refusals are 500s: repeating them would only repeat
    # "Insufficient credit".
    route = rest.post("/credit/order").respond(500, json={"message": "Insufficient credit"})
    with pytest.raises(InsufficientCreditError):
        await client.account.order_service("sender_sms_420_alnum", subject="Shop", dry_run=True)
    assert route.call_count == 1


def _op(method: str, path: str) -> Example:
    return next(op for op in OPERATIONS if (op["method"], op["path"]) == (method, path))


async def test_the_documented_catalog_is_typed_by_service_id(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    rest.get("/credit/services").respond(200, json=_success(_op("GET", "/credit/services")))
    catalog = await client.account.get_services()
    assert sorted(catalog.services) == ["sender_sms_420_alnum", "sender_sms_420_simhost"]
    sender = catalog.services["sender_sms_420_alnum"]
    assert (sender.platform, sender.calling_code, sender.variant) == ("sms", "420", "alnum")
    assert (sender.name["en"], sender.subject, sender.status) == (
        "Text ID sender",
        "defined",
        "new",
    )
    simhost = catalog.services["sender_sms_420_simhost"].prices["czk"]
    assert (simhost.setup, simhost.monthly, simhost.min_interval) == (200, 100, "year")
    assert isinstance(simhost.setup, decimal.Decimal)
    assert (simhost.months, simhost.total_fee) == (12, decimal.Decimal(1400))


async def test_a_category_the_reference_does_not_document_is_kept(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    services = {"sender": {}, "simhosting": {"whatever": [1]}}
    rest.get("/credit/services").respond(200, json={"success": True, "services": services})
    catalog = await client.account.get_services()
    assert (catalog.services, catalog.extra) == ({}, {"simhosting": {"whatever": [1]}})


async def test_a_malformed_service_is_a_format_error_naming_its_place(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    services = {"sender": {"sms": {"420": {"alnum": {"prices": {"czk": {"setup": "lots"}}}}}}}
    rest.get("/credit/services").respond(200, json={"success": True, "services": services})
    with pytest.raises(ResponseFormatError, match=r"sender\.sms\.420\.alnum\.prices\.czk\.setup"):
        await client.account.get_services()


async def test_the_alert_reads_its_threshold_as_money_and_none_when_never_set(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    answers = [r["example"] for r in _op("GET", "/credit/notify")["responses"]]
    rest.get("/credit/notify").mock(side_effect=[httpx.Response(200, json=a) for a in answers])
    alert = await client.account.get_credit_alert()
    assert alert is not None
    assert (alert.email, alert.threshold, alert.enabled) == ("ops@acme.example", 100, True)
    assert isinstance(alert.threshold, decimal.Decimal)
    assert await client.account.get_credit_alert() is None


async def test_a_threshold_in_decimals_goes_out_as_that_number(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    route = rest.post("/credit/notify").respond(200, json={"success": True})
    await client.account.set_credit_alert(
        "ops@acme.example", decimal.Decimal("99.50"), enabled=False
    )
    sent = json.loads(route.calls.last.request.content)
    assert sent == {"email": "ops@acme.example", "value": 99.5, "enable": False}


async def test_the_documented_order_cancellation_billing_invoices_and_topup_are_typed(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    for op in OPERATIONS:
        _route(rest, op).respond(200, json=_success(op) | _pdf_filled_in(op))
    order = await call(client, _op("POST", "/credit/order"))
    assert (order.subject, order.subject_id, order.status, order.dry_run) == (
        "Mojefirma",
        "Mojefirma",
        "new",
        False,
    )
    cancelled = await call(client, _op("POST", "/credit/cancel"))
    assert (cancelled.cancel_at_period_end, cancelled.active_until) == (True, dt.date(2026, 8, 15))
    billing = await client.billing.get(BILLING_ID)
    assert (billing.email, billing.contact.company_vat, billing.contact.zip_code) == (
        "invoicing@acme.example",
        "CZ12345678",
        "11000",
    )
    (invoice,) = await client.billing.list_invoices(BILLING_ID)
    assert (invoice.invoice_id, invoice.number, invoice.variable_symbol) == (
        "123",
        "2026001",
        "1110001234",
    )
    assert (invoice.date, invoice.amount, invoice.currency) == (
        dt.date(2026, 7, 1),
        decimal.Decimal("1210.00"),
        "Kč",
    )
    topup = await client.billing.get_topup()
    assert (topup.bank_code, topup.iban, topup.variable_symbol) == (
        "2010",
        "CZ0220100000002900164253",
        "111001234",
    )
    assert await client.billing.get_invoice_pdf(BILLING_ID, "123") == PDF


async def test_the_elided_invoice_of_the_reference_is_not_taken_for_a_pdf(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    # The OpenAPI's example is "JVBERi0xLjQKJ...==": the start of a PDF's base64
    # ("%PDF-1.4\n"), with "..." for the rest. Filled in, it reads (see above); as
    # printed, it is not base64, and the SDK says so rather than give broken bytes.
    (answer,) = [r for r in _op("POST", "/billing/invoices/pdf")["responses"] if r["status"] == 200]
    assert answer["example"]["invoice"] == ELIDED_PDF
    assert base64.b64decode(ELIDED_PDF[:12]) == b"%PDF-1.4\n"
    rest.post("/billing/invoices/pdf").respond(200, json=answer["example"])
    with pytest.raises(ResponseFormatError, match="expected base64"):
        await client.billing.get_invoice_pdf(BILLING_ID, "123")


async def test_an_invoice_that_is_not_a_pdf_is_a_format_error(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    html = base64.b64encode(b"<html>error</html>").decode()
    rest.post("/billing/invoices/pdf").respond(200, json={"success": True, "invoice": html})
    with pytest.raises(ResponseFormatError, match="expected a PDF"):
        await client.billing.get_invoice_pdf(BILLING_ID, "123")


@pytest.mark.parametrize(
    ("call_it", "field", "rule"),
    [
        (lambda c: c.account.set_credit_alert("ops", 100), "email", "e-mail address"),
        (lambda c: c.account.set_credit_alert("a@b.c", 0), "threshold", "greater than 0"),
        (lambda c: c.account.set_credit_alert("a@b.c", "lots"), "threshold", "an amount"),
        (lambda c: c.account.set_credit_alert("a@b.c", 5, enabled=1), "enabled", "true or false"),
        (lambda c: c.account.order_service(""), "service_id", "non-empty"),
        (lambda c: c.account.order_service("s", period=""), "period", "non-empty"),
        (lambda c: c.account.order_service("s", subject=""), "subject", "non-empty"),
        (lambda c: c.account.order_service("s", payload=[1]), "payload", "mapping"),
        (lambda c: c.account.order_service("s", dry_run="yes"), "dry_run", "true or false"),
        (lambda c: c.account.cancel_service("s", ""), "subject", "non-empty"),
        (lambda c: c.billing.get(""), "billing_id", "non-empty"),
        (lambda c: c.billing.set("1"), "name, email", "at least one"),
        (lambda c: c.billing.set("1", country="Czechia"), "country", "2 letters"),
        (lambda c: c.billing.set("1", email="nobody"), "email", "e-mail address"),
        (lambda c: c.billing.set("1", city=""), "city", "non-empty"),
        (lambda c: c.billing.list_invoices(""), "billing_id", "non-empty"),
        (lambda c: c.billing.get_invoice_pdf("1", ""), "invoice_id", "non-empty"),
        (lambda c: c.billing.get_invoice_pdf("1", "2", language=""), "language", "non-empty"),
    ],
)
async def test_bad_arguments_are_refused_before_any_call(
    rest: respx.MockRouter,
    client: AsyncClient,
    call_it: Callable[[AsyncClient], Awaitable[Any]],
    field: str,
    rule: str,
) -> None:
    with pytest.raises(ValidationError, match=rule) as caught:
        await call_it(client)
    assert caught.value.field.startswith(field)
    assert rest.calls.call_count == 0


def test_the_blocking_client_has_both_areas(sync_client: Any) -> None:
    with respx.mock(base_url=REST_BASE_URL) as router:
        router.get("/billing/topup").respond(200, json=_success(_op("GET", "/billing/topup")))
        assert sync_client.billing.get_topup().variable_symbol == "111001234"
    assert repr(sync_client.billing) == f"<Billing base_url='{REST_BASE_URL}'>"


def test_a_credit_alert_that_does_not_say_whether_it_is_enabled_is_not() -> None:
    # The reference does not require "enabled" in GET /credit/notify's answer.
    alert = parse_credit_alert({"email": "ops@acme.example", "value": 100})
    assert alert is not None
    assert (alert.email, alert.threshold, alert.enabled) == (
        "ops@acme.example",
        decimal.Decimal(100),
        False,
    )
