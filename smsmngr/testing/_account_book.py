"""What the fake keeps of the account beyond its ledger: the catalog of paid services
and the orders of them, the low-credit alert, the billing contact and its invoices.

The REST handlers (``_rest_account``) read and change it; it knows no HTTP.
"""

from __future__ import annotations

import calendar
import datetime as dt
import zoneinfo
from collections.abc import Callable
from typing import Any

import attrs

__all__ = ["BILLING_ID", "CATALOG", "NUMBER_POOL", "AccountBook", "Order", "months_later"]

BILLING_ID = "1234"
"""The billing id of the fake's key (``GET /credit``), the reference's: the only one it
owns."""
TIME_ZONE = zoneinfo.ZoneInfo("Europe/Prague")
CATALOG: dict[str, Any] = {
    "sender": {
        "sms": {
            "420": {
                "alnum": {
                    "name": {"cs": "Textový odesílatel", "en": "Text ID sender"},
                    "subject": "defined",
                    "status": "new",
                    "prices": {
                        "czk": {"setup": 500, "monthly": 500},
                        "eur": {"setup": 20, "monthly": 20},
                    },
                },
                "simhost": {
                    "name": {"cs": "SIM hosting", "en": "SIM hosting"},
                    "subject": "defined",
                    "prices": {
                        "czk": {"setup": 200, "monthly": 100, "min_interval": "year"},
                        "eur": {"setup": 8, "monthly": 4, "min_interval": "year"},
                    },
                },
                "virtual": {
                    "name": {"cs": "Virtuální číslo", "en": "Virtual number"},
                    "subject": "assigned",
                    "prices": {
                        "czk": {"setup": 0, "monthly": 300},
                        "eur": {"setup": 0, "monthly": 12},
                    },
                },
            }
        }
    }
}
"""The reference's example catalog, and one ``assigned`` service (a pooled number)."""
NUMBER_POOL = ("420700100100", "420700100101")
"""The numbers the ``assigned`` service gives, in order."""
_MONTHS = {"year": 12, "quarter": 3}


def services() -> dict[str, dict[str, Any]]:
    """The catalog's services by their flat id (``sender_sms_420_alnum``)."""
    return {
        f"sender_{platform}_{code}_{variant}": entry
        for platform, codes in CATALOG["sender"].items()
        for code, variants in codes.items()
        for variant, entry in variants.items()
    }


def months_later(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day where it has none.

    >>> months_later(dt.date(2026, 1, 31), 1), months_later(dt.date(2026, 11, 15), 3)
    (datetime.date(2026, 2, 28), datetime.date(2027, 2, 15))
    """
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def paid_months(price: dict[str, Any]) -> int:
    return _MONTHS.get(price.get("min_interval", ""), 1)


@attrs.define
class Order:
    """A service ordered: paid until ``active_until``, ``cancelled`` at its end or not."""

    service_id: str
    subject: str
    status: str
    active_until: dt.date
    cancelled: bool = False


def _invoice() -> dict[str, str]:
    return {
        "id": "123",
        "name": "2026001",
        "vs": f"111000{BILLING_ID}",
        "date": "2026-07-01",
        "amount": "1210.00",
        "currency": "Kč",
    }


class AccountBook:
    """The fake account's services, alert and billing (a test may change any of it)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.alert: dict[str, Any] | None = None
        """The low-credit alert as ``GET /credit/notify`` shows it; ``None``: never set."""
        self.orders: dict[tuple[str, str], Order] = {}
        """By service id and subject."""
        self.pool: list[str] = list(NUMBER_POOL)
        """The numbers the ``assigned`` service has left to give."""
        self.billing: dict[str, Any] = {
            "name": "ACME s.r.o.",
            "email": "invoicing@acme.example",
            "currency": "czk",
            "contact": {
                "name": "ACME s.r.o.",
                "company_id": "12345678",
                "company_vat": "CZ12345678",
                "address": "Ulice 1",
                "city": "Praha",
                "zip": "11000",
                "country": "CZ",
            },
        }
        self.invoices: list[dict[str, str]] = [_invoice()]
        """Newest first, as ``POST /billing/invoices/list`` gives them."""

    def today(self) -> dt.date:
        return dt.datetime.fromtimestamp(self.clock(), TIME_ZONE).date()

    def ordered(self, service_id: str, subject: str, status: str, months: int) -> Order:
        """An order paid for ``months`` more: a service ordered again is extended from
        the end of its paid period (and no longer cancelled)."""
        order = self.orders.get((service_id, subject))
        if order is None:
            order = Order(service_id, subject, status, months_later(self.today(), months))
            self.orders[service_id, subject] = order
        else:
            order.active_until = months_later(order.active_until, months)
            order.cancelled = False
        return order
