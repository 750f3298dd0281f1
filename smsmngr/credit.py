"""The credit area's paid services and low-credit alert: typed answers.

``client.account.get_services()``, ``get_credit_alert()``, ``order_service()`` and
``cancel_service()`` return these (the balance and the price list are in
``smsmngr.status``). Money is ``Decimal``; fields the API adds later are kept in
``extra``.

>>> catalog = parse_catalog({"sender": {"sms": {"420": {"alnum": {
...     "name": {"en": "Text ID sender"}, "subject": "defined",
...     "prices": {"czk": {"setup": 500, "monthly": 500}}}}}}})
>>> service = catalog.services["sender_sms_420_alnum"]
>>> service.name["en"], service.prices["czk"].total_fee
('Text ID sender', Decimal('1000'))
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Mapping
from typing import Any

import attrs

from ._reading import Unreadable, field, flag, mapping, nonempty_text, read_object, readers_for

__all__ = [
    "CreditAlert",
    "Service",
    "ServiceCancellation",
    "ServiceCatalog",
    "ServiceOrder",
    "ServicePrice",
]

_MONTHS = {"year": 12, "quarter": 3}
"""Months paid at once per minimal interval (the reference: otherwise 1)."""


@attrs.frozen
class ServicePrice:
    """A service's price in one currency: a one-off ``setup`` fee, a ``monthly`` fee,
    and the shortest period paid at once (``min_interval``: ``month``, ``year``...)."""

    setup: decimal.Decimal | None = None
    monthly: decimal.Decimal | None = None
    min_interval: str | None = None
    min_monthly_spend: decimal.Decimal | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)

    @property
    def months(self) -> int:
        """The months an order pays for: 12 for ``year``, 3 for ``quarter``, else 1."""
        return _MONTHS.get(self.min_interval or "", 1)

    @property
    def total_fee(self) -> decimal.Decimal:
        """What an order costs (``setup + monthly * months``, as ``/credit/order`` charges).

        >>> ServicePrice(decimal.Decimal(200), decimal.Decimal(100), "year").total_fee
        Decimal('1400')
        """
        zero = decimal.Decimal(0)
        return (self.setup or zero) + (self.monthly or zero) * self.months


def _localized(value: Any) -> Mapping[str, str]:
    """A text by language (``{"cs": ..., "en": ...}``); a plain text is kept under ``""``."""
    if isinstance(value, str):
        return {"": value}
    texts = mapping(value)
    for language in texts:
        field(texts, language, nonempty_text)
    return texts


def _false_when_absent(value: Any) -> bool:
    return value is not None and flag(value)


def _prices(value: Any) -> Mapping[str, ServicePrice]:
    return {str(currency): field(mapping(value), currency, _price) for currency in mapping(value)}


def _price(value: Any) -> ServicePrice:
    return read_object(ServicePrice, value, _PRICE_READERS)


_PRICE_READERS = readers_for(ServicePrice)


@attrs.frozen
class Service:
    """One orderable service of the catalog, with the flat ``service_id`` that
    ``order_service()`` takes (``sender_sms_420_alnum``).

    ``subject`` is ``defined`` (the order names it: a sender text, a number) or
    ``assigned`` (a pooled number is given); ``name``, ``requirements`` and ``delay``
    are texts by language.
    """

    service_id: str
    category: str
    platform: str
    calling_code: str
    variant: str
    name: Mapping[str, str] = attrs.field(factory=dict)
    subject: str | None = None
    status: str | None = None
    requirements: Mapping[str, str] = attrs.field(factory=dict)
    delay: Mapping[str, str] = attrs.field(factory=dict)
    prices: Mapping[str, ServicePrice] = attrs.field(factory=dict)
    extra: Mapping[str, Any] = attrs.field(factory=dict)


_PLACE = ("service_id", "category", "platform", "calling_code", "variant")
"""What a service's place in the catalog says, not its object."""
_SERVICE_READERS = {
    name: read
    for name, read in readers_for(
        Service, name=_localized, requirements=_localized, delay=_localized, prices=_prices
    ).items()
    if name not in _PLACE
}


@attrs.frozen
class ServiceCatalog:
    """The orderable services (``GET /credit/services``) by their flat service id.
    Categories other than the documented ``sender`` are kept in ``extra`` as sent."""

    services: Mapping[str, Service] = attrs.field(factory=dict)
    extra: Mapping[str, Any] = attrs.field(factory=dict)


CATEGORY = "sender"


def parse_catalog(data: Any) -> ServiceCatalog:
    """A ``GET /credit/services`` answer's ``services`` object, nested
    ``sender.<platform>.<calling code>.<variant>``."""
    services = {}
    for platform, codes in field(mapping(data), CATEGORY, mapping).items():
        for calling_code, variants in _within(codes, f"{CATEGORY}.{platform}").items():
            place = f"{CATEGORY}.{platform}.{calling_code}"
            for variant, entry in _within(variants, place).items():
                service_id = f"{CATEGORY}_{platform}_{calling_code}_{variant}"
                try:
                    services[service_id] = read_object(
                        Service,
                        entry,
                        _SERVICE_READERS,
                        service_id=service_id,
                        category=CATEGORY,
                        platform=platform,
                        calling_code=calling_code,
                        variant=variant,
                    )
                except Unreadable as error:
                    raise error.within(f"{place}.{variant}") from None
    extra = {key: value for key, value in mapping(data).items() if key != CATEGORY}
    return ServiceCatalog(services, extra)


def _within(value: Any, place: str) -> Mapping[str, Any]:
    try:
        return mapping(value)
    except Unreadable as error:
        raise error.within(place) from None


@attrs.frozen
class CreditAlert:
    """The low-credit e-mail alert (``GET /credit/notify``): mail ``email`` when the
    credit falls below ``threshold``, if ``enabled``."""

    email: str | None = None
    threshold: decimal.Decimal | None = None
    enabled: bool = False
    extra: Mapping[str, Any] = attrs.field(factory=dict)


_ALERT_READERS = readers_for(CreditAlert, enabled=_false_when_absent)


def parse_credit_alert(data: Any) -> CreditAlert | None:
    """A ``GET /credit/notify`` answer's ``notify`` object (``None``: never set)."""
    if data is None:
        return None
    return read_object(CreditAlert, data, _ALERT_READERS, names={"threshold": "value"})


@attrs.frozen
class ServiceOrder:
    """A service ordered (``POST /credit/order``): its ``subject`` (for an ``assigned``
    service, the number given), ``subject_id`` and first ``status`` (``new`` or
    ``active``). A dry run (``dry_run``) gives ``total_fee`` and ``currency`` instead."""

    subject: str | None = None
    subject_id: str | None = None
    status: str | None = None
    dry_run: bool = False
    total_fee: decimal.Decimal | None = None
    currency: str | None = None
    service_id: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


_ORDER_READERS = readers_for(ServiceOrder, dry_run=_false_when_absent)


def parse_order(data: Any) -> ServiceOrder:
    """A ``POST /credit/order`` answer's ``order`` object."""
    return read_object(ServiceOrder, data, _ORDER_READERS, names={"dry_run": "dryrun"})


@attrs.frozen
class ServiceCancellation:
    """A service flagged for cancellation (``POST /credit/cancel``): it stays active
    until ``active_until``, the end of its paid period."""

    cancel_at_period_end: bool = False
    active_until: dt.date | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


_CANCEL_READERS = readers_for(ServiceCancellation, cancel_at_period_end=_false_when_absent)


def parse_cancellation(data: Any) -> ServiceCancellation:
    """A ``POST /credit/cancel`` answer's ``cancel`` object."""
    return read_object(ServiceCancellation, data, _CANCEL_READERS)
