"""The fake's credit services, low-credit alert and billing, through the SDK: orders
take their fee from the credit, cancellations keep the service to the end of its paid
period, and the billing contact and invoices belong to the key's billing id."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from typing import Any

import httpx
import pytest

from smsmngr import (
    AlreadyCancelledError,
    BadRequestError,
    InsufficientCreditError,
    PermissionDeniedError,
    RefusedError,
    ServerError,
)
from smsmngr.testing import FakeSmsManager

from ..support import DATA

pytestmark = pytest.mark.anyio

JULY_30 = dt.datetime(2026, 7, 30, 10, tzinfo=dt.timezone.utc).timestamp()
SENDER = "sender_sms_420_alnum"


def _fake(credit_czk: str = "1000") -> FakeSmsManager:
    return FakeSmsManager(credit_czk=credit_czk, clock=lambda: JULY_30)


async def test_an_order_takes_its_fee_from_the_credit() -> None:
    async with _fake().async_client() as client:
        catalog = await client.account.get_services()
        fee = catalog.services[SENDER].prices["czk"].total_fee
        order = await client.account.order_service(SENDER, subject="Shop")
        credit = await client.account.get_credit()
    assert (order.subject, order.subject_id, order.status, order.dry_run) == (
        "Shop",
        "Shop",
        "new",
        False,
    )
    assert credit.balance == decimal.Decimal(1000) - fee == 0


async def test_a_dry_run_gives_the_fee_and_changes_nothing() -> None:
    async with _fake(credit_czk="1400").async_client() as client:
        order = await client.account.order_service(
            "sender_sms_420_simhost", subject="420777123456", dry_run=True
        )
        assert (order.dry_run, order.total_fee, order.currency) == (True, 1400, "czk")
        with pytest.raises(RefusedError, match="Service not found"):
            await client.account.cancel_service("sender_sms_420_simhost", "420777123456")
        assert (await client.account.get_credit()).balance == 1400


async def test_an_order_the_credit_does_not_cover_is_refused_and_costs_nothing() -> None:
    async with _fake(credit_czk="999.99").async_client() as client:
        with pytest.raises(InsufficientCreditError, match="Insufficient credit"):
            await client.account.order_service(SENDER, subject="Shop")
        with pytest.raises(InsufficientCreditError):
            await client.account.order_service(SENDER, subject="Shop", dry_run=True)
        assert (await client.account.get_credit()).balance == decimal.Decimal("999.99")


async def test_an_unknown_service_and_a_missing_subject_are_refused() -> None:
    async with _fake().async_client() as client:
        with pytest.raises(RefusedError, match="Invalid service id"):
            await client.account.order_service("sender_sms_999_alnum", subject="Shop")
        with pytest.raises(BadRequestError, match="Missing required service fields"):
            await client.account.order_service(SENDER)


async def test_an_assigned_service_gives_pooled_numbers_until_none_is_left() -> None:
    async with _fake(credit_czk="10000").async_client() as client:
        service = (await client.account.get_services()).services["sender_sms_420_virtual"]
        assert service.subject == "assigned"
        first = await client.account.order_service(service.service_id)
        second = await client.account.order_service(service.service_id)
        with pytest.raises(RefusedError, match="No available sender for this service"):
            await client.account.order_service(service.service_id)
    assert (first.subject, second.subject) == ("420700100100", "420700100101")
    assert first.status == "active"


async def test_a_cancelled_service_stays_to_the_end_of_its_paid_period_once() -> None:
    async with _fake(credit_czk="5000").async_client() as client:
        await client.account.order_service(SENDER, subject="Shop")
        await client.account.order_service("sender_sms_420_simhost", subject="420777123456")
        monthly = await client.account.cancel_service(SENDER, "Shop")
        yearly = await client.account.cancel_service("sender_sms_420_simhost", "420777123456")
        with pytest.raises(AlreadyCancelledError, match="Service already cancelled"):
            await client.account.cancel_service(SENDER, "Shop")
        with pytest.raises(RefusedError, match="Service not found"):
            await client.account.cancel_service(SENDER, "Other")
    assert (monthly.cancel_at_period_end, monthly.active_until) == (True, dt.date(2026, 8, 30))
    assert yearly.active_until == dt.date(2027, 7, 30)


async def test_the_credit_alert_is_kept_once_set() -> None:
    fake = _fake()
    async with fake.async_client() as client:
        assert await client.account.get_credit_alert() is None
        await client.account.set_credit_alert("ops@acme.example", decimal.Decimal("250.5"))
        alert = await client.account.get_credit_alert()
    assert alert is not None
    assert (alert.email, alert.threshold, alert.enabled) == (
        "ops@acme.example",
        decimal.Decimal("250.5"),
        True,
    )


def test_the_fake_refuses_an_alert_the_reference_refuses() -> None:
    fake = _fake()
    with httpx.Client(transport=fake.transport, base_url="http://fake/v1") as http:
        headers = {"x-api-key": fake.api_key}
        missing = http.post("/credit/notify", json={"email": "a@b.c", "value": 5}, headers=headers)
        zero = {"email": "a@b.c", "value": 0, "enable": True}
        not_above_zero = http.post("/credit/notify", json=zero, headers=headers)
    assert missing.status_code == not_above_zero.status_code == 400
    assert missing.json() == {"message": "Missing 'email', 'value' or 'enable' in request data"}
    assert fake.rest.account.alert is None


async def test_the_billing_contact_is_kept_and_a_dry_run_keeps_it_as_it_was() -> None:
    async with _fake().async_client() as client:
        billing_id = (await client.account.get_credit()).billing_id
        assert billing_id is not None
        await client.billing.set(billing_id, city="Brno", dry_run=True)
        assert (await client.billing.get(billing_id)).contact.city == "Praha"
        await client.billing.set(
            billing_id,
            name="Shop s.r.o.",
            email="billing@shop.example",
            street="Nám. 2",
            zip_code="60200",
            country="cz",
        )
        billing = await client.billing.get(billing_id)
    assert (billing.name, billing.email) == ("Shop s.r.o.", "billing@shop.example")
    contact = billing.contact
    assert (contact.name, contact.address, contact.zip_code, contact.country) == (
        "Shop s.r.o.",
        "Nám. 2",
        "60200",
        "CZ",
    )
    assert contact.city == "Praha"


async def test_another_accounts_billing_id_is_forbidden() -> None:
    async with _fake().async_client() as client:
        with pytest.raises(PermissionDeniedError, match="not authorized for this billing_id"):
            await client.billing.get("1")
        with pytest.raises(PermissionDeniedError):
            await client.billing.set("1", city="Brno")
        with pytest.raises(PermissionDeniedError):
            await client.billing.list_invoices("1")
        with pytest.raises(PermissionDeniedError):
            await client.billing.get_invoice_pdf("1", "123")


async def test_invoices_are_listed_and_each_downloads_as_a_pdf() -> None:
    async with _fake().async_client() as client:
        (invoice,) = await client.billing.list_invoices("1234")
        pdf = await client.billing.get_invoice_pdf("1234", invoice.invoice_id, language="en")
        with pytest.raises(ServerError, match="Failed to get invoice"):
            await client.billing.get_invoice_pdf("1234", "999")
    assert (invoice.number, invoice.amount) == ("2026001", decimal.Decimal("1210.00"))
    assert pdf.startswith(b"%PDF-1.4\n")
    assert b"Invoice 2026001 (en)" in pdf


def test_the_topup_details_carry_the_accounts_variable_symbol() -> None:
    with _fake().client() as client:
        topup = client.billing.get_topup()
    assert (topup.iban, topup.variable_symbol) == ("CZ0220100000002900164253", "111001234")


OPERATIONS = [
    op
    for op in json.loads((DATA / "operations.json").read_text())
    if op["requests"] and op["path"].startswith(("/credit/", "/billing/"))
]


def _shape(value: Any) -> Any:
    """The keys of an answer, nested, without the values."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    return None


def test_every_request_example_is_answered_in_the_documented_shape() -> None:
    # In the reference's order: the alert, an order (dry run first), its cancellation,
    # then the billing of the reference's billing id, which is the fake's.
    fake = _fake()
    with httpx.Client(transport=fake.transport, base_url="http://fake/v1") as http:
        for op in OPERATIONS:
            documented = [r["example"] for r in op["responses"] if r["status"] == 200]
            for request in sorted(op["requests"], key=lambda r: "dryrun" not in r["example"]):
                response = http.post(
                    op["path"], json=request["example"], headers={"x-api-key": fake.api_key}
                )
                assert response.status_code == 200, (op["path"], response.json())
                assert _shape(response.json()) in [_shape(answer) for answer in documented]
