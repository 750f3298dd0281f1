"""The REST API's credit area (``client.account``): the balance, the price list, the
catalog of paid services and their orders, and the low-credit alert.

Example::

    credit = await client.account.get_credit()
    prices = await client.account.get_prices()
    await client.account.set_credit_alert("ops@acme.example", 100)
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from typing import Any

from ._reading import Unreadable, amount
from ._rest import RestResource, nonempty
from .credit import (
    CreditAlert,
    ServiceCancellation,
    ServiceCatalog,
    ServiceOrder,
    parse_cancellation,
    parse_catalog,
    parse_credit_alert,
    parse_order,
)
from .errors import ValidationError
from .status import Credit, PriceList, parse_credit, parse_prices

__all__ = ["AsyncAccount"]


class AsyncAccount(RestResource):
    """The REST API's credit area on a client's key and connections: ``client.account``."""

    async def get_credit(self) -> Credit:
        """The account's credit balance (REST ``GET /credit``).

        Example::

            credit = await client.account.get_credit()
            print(credit.balance, credit.currency)
        """
        answer = await self._call("GET", "/credit", repeat=True)
        return self._read(answer, "credit", parse_credit, where="GET /credit")

    async def get_prices(self) -> PriceList:
        """The price list per channel and country (REST ``GET /credit/prices``).

        Example::

            prices = await client.account.get_prices()
            prices.price_for("420777123456").price_czk
        """
        answer = await self._call("GET", "/credit/prices", repeat=True)
        return self._read(answer, "prices", parse_prices, where="GET /credit/prices")

    async def get_services(self) -> ServiceCatalog:
        """The catalog of paid services (senders, numbers...) by the service id that
        ``order_service`` takes (REST ``GET /credit/services``).

        Example::

            catalog = await client.account.get_services()
            catalog.services["sender_sms_420_alnum"].prices["czk"].total_fee
        """
        answer = await self._call("GET", "/credit/services", repeat=True)
        return self._read(answer, "services", parse_catalog, where="GET /credit/services")

    async def get_credit_alert(self) -> CreditAlert | None:
        """The low-credit e-mail alert (REST ``GET /credit/notify``); ``None`` if it
        was never set.

        Example::

            alert = await client.account.get_credit_alert()
        """
        answer = await self._call("GET", "/credit/notify", repeat=True)
        return self._read(answer, "notify", parse_credit_alert, where="GET /credit/notify")

    async def set_credit_alert(
        self, email: str, threshold: decimal.Decimal | int | float | str, *, enabled: bool = True
    ) -> None:
        """Mail ``email`` when the credit falls below ``threshold`` (REST
        ``POST /credit/notify``); ``enabled=False`` turns the alert off. Not repeated
        after a lost answer (it changes a setting).

        Example::

            await client.account.set_credit_alert("ops@acme.example", 100)
        """
        if "@" not in nonempty("email", email):
            raise ValidationError("email", f"must be an e-mail address, got {email!r}")
        if not isinstance(enabled, bool):
            raise ValidationError("enabled", "must be true or false")
        value = wire_number(positive_amount("threshold", threshold))
        body = {"email": email, "value": value, "enable": enabled}
        await self._call("POST", "/credit/notify", body=body, repeat=False)

    async def order_service(
        self,
        service_id: str,
        *,
        period: str = "month",
        subject: str | None = None,
        payload: Mapping[str, Any] | None = None,
        dry_run: bool = False,
    ) -> ServiceOrder:
        """Order a paid service of the catalog; its fee (``setup + monthly * months``)
        is taken from the credit (REST ``POST /credit/order``).

        ``subject`` names what the service is for (a sender text, a number) where the
        service's ``subject`` is ``defined``. ``dry_run=True`` only checks the order
        (credit, availability) and gives its fee. A refusal raises a ``RefusedError``
        (``InsufficientCreditError`` for "Insufficient credit"). Never repeated after
        a lost answer, a dry run neither (its refusals are 500s too).

        Example::

            order = await client.account.order_service("sender_sms_420_alnum", subject="Shop")
        """
        body: dict[str, Any] = {
            "service_id": nonempty("service_id", service_id),
            "period": nonempty("period", period),
        }
        if subject is not None:
            body["subject"] = nonempty("subject", subject)
        if payload is not None:
            if not isinstance(payload, Mapping):
                raise ValidationError("payload", "must be a mapping (a JSON object)")
            body["payload"] = dict(payload)
        if not isinstance(dry_run, bool):
            raise ValidationError("dry_run", "must be true or false")
        if dry_run:
            body["dryrun"] = True
        answer = await self._call("POST", "/credit/order", body=body, repeat=False)
        return self._read(answer, "order", parse_order, where="POST /credit/order")

    async def cancel_service(self, service_id: str, subject: str) -> ServiceCancellation:
        """Cancel an ordered service at the end of its paid period (REST
        ``POST /credit/cancel``): no charge, no refund. "Service not found" raises a
        ``RefusedError``, "Service already cancelled" an ``AlreadyCancelledError``.

        Example::

            cancelled = await client.account.cancel_service("sender_sms_420_alnum", "Shop")
            cancelled.active_until
        """
        body = {
            "service_id": nonempty("service_id", service_id),
            "subject": nonempty("subject", subject),
        }
        answer = await self._call("POST", "/credit/cancel", body=body, repeat=False)
        return self._read(answer, "cancel", parse_cancellation, where="POST /credit/cancel")


def positive_amount(name: str, value: object) -> decimal.Decimal:
    """``value`` (a number or its text) as a ``Decimal`` above 0, or a
    ``ValidationError`` naming ``name``.

    >>> positive_amount("threshold", "100.50")
    Decimal('100.50')
    """
    try:
        number = amount(value)
    except Unreadable:
        number = None
    if number is None or number <= 0:
        raise ValidationError(name, f"must be an amount greater than 0, got {value!r}")
    return number


def wire_number(value: decimal.Decimal) -> int | float:
    """An amount as a JSON number: whole amounts as integers.

    >>> wire_number(decimal.Decimal("100")), wire_number(decimal.Decimal("0.5"))
    (100, 0.5)
    """
    return int(value) if value == value.to_integral_value() else float(value)
