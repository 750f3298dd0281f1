"""What the REST API v1 says about messages sent and the account: typed answers.

``client.status.get_message_status(id)``, ``client.status.iter_messages(date)``,
``client.status.get_request_stats(request_id, date)``,
``client.status.get_daily_stats(dates)``, ``client.account.get_credit()`` and
``client.account.get_prices()`` return these. Names are the API's;
timestamps become aware UTC datetimes, amounts ``Decimal`` and counts ``int`` (the API
sends some as strings). Fields the API adds later are kept in ``extra``.

>>> row = parse_message_row({"message_id": "m-1", "phone_number": "420777123456",
...                          "delivered": 1, "price_czk": "1.2", "ts_sent": "2026-07-30T10:00:01Z"})
>>> row.delivered, row.price_czk, row.ts_sent.hour
(1, Decimal('1.2'), 10)
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Mapping
from typing import Any

import attrs

from ._reading import (
    Unreadable,
    count,
    field,
    iso_date,
    items,
    mapping,
    one,
    optional,
    read_object,
    readers_for,
    required,
)

__all__ = [
    "Credit",
    "DailyStats",
    "MessageRow",
    "MessageStatus",
    "Price",
    "PriceList",
    "RequestStats",
]


@attrs.frozen
class MessageStatus:
    """The status of one sent message (``GET /message``).

    ``status_code`` ``"200"`` means sent; ``delivery_code`` ``"201"`` delivered and
    ``"202"`` seen.
    """

    status_code: str | None = None
    delivery_code: str | None = None
    status_info: str | None = None
    tag: str | None = None
    body: str | None = None
    to: Mapping[str, Any] = attrs.field(factory=dict)
    request_id: str | None = None
    ts_created: dt.datetime | None = None
    """When the platform accepted it."""
    ts_sent: dt.datetime | None = None
    ts_delivered: dt.datetime | None = None
    ts_seen: dt.datetime | None = None
    ts_clicked: dt.datetime | None = None
    ts_updated: dt.datetime | None = None
    flow: tuple[Any, ...] = ()
    flow_index: str | None = None
    flow_status: Mapping[str, Any] = attrs.field(factory=dict)
    price: decimal.Decimal | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)

    @property
    def is_sent(self) -> bool:
        return self.status_code == "200"

    @property
    def is_delivered(self) -> bool:
        return self.delivery_code in ("201", "202")


_STATUS_READERS = readers_for(MessageStatus, flow=optional(items(lambda step: step)))


def parse_message_status(data: Any) -> MessageStatus:
    """A ``GET /message`` answer's ``message`` object."""
    return read_object(MessageStatus, data, _STATUS_READERS)


@attrs.frozen
class MessageRow:
    """One recipient's row of ``GET /messages``: what became of one message sent."""

    message_id: str
    phone_number: str | None = None
    body: str | None = None
    flow: str | None = None
    """The channel it went by."""
    sender: str | None = None
    message_parts: int = 0
    """How many parts (SMS segments) it took."""
    ts_sent: dt.datetime | None = None
    ts_delivered: dt.datetime | None = None
    ts_updated: dt.datetime | None = None
    """When its status last changed."""
    ts_clicked: dt.datetime | None = None
    ts_seen: dt.datetime | None = None
    ts_replied: dt.datetime | None = None
    ts_optout: dt.datetime | None = None
    """When the recipient opted out, if they did."""
    sent: int = 0
    """1 once sent; ``delivered`` to ``nondelivered`` are flags (0 or 1) alike."""
    delivered: int = 0
    seen: int = 0
    clicked: int = 0
    replied: int = 0
    optout: int = 0
    nondelivered: int = 0
    price_czk: decimal.Decimal | None = None
    price_eur: decimal.Decimal | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


_ROW_READERS = readers_for(MessageRow)


def parse_message_row(data: Any) -> MessageRow:
    """One item of a ``GET /messages`` answer's ``messages``."""
    return read_object(MessageRow, data, _ROW_READERS)


@attrs.frozen(kw_only=True)
class _SendCounts:
    """What ``GET /request`` and ``GET /requests`` both count."""

    count_delivered: int = 0
    count_nondelivered: int = 0
    count_sent: int = 0
    count_notsent: int = 0
    """Recipients the platform did not send to."""
    count_replied: int = 0
    count_optout: int = 0
    msg_sent: int = 0
    first_ts_sent: dt.datetime | None = None
    last_ts_sent: dt.datetime | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class RequestStats(_SendCounts):
    """The statistics of one send request on one date (``GET /request``).

    ``count_seen`` and ``count_clicked`` are ``None``: the endpoint does not return
    them (``GET /requests`` does, by day), and an unknown count is not zero.
    """

    count_seen: int | None = None
    count_clicked: int | None = None
    price_czk: decimal.Decimal | None = None
    price_eur: decimal.Decimal | None = None


_REQUEST_READERS = readers_for(RequestStats)


def parse_request_stats(data: Any) -> RequestStats:
    """A ``GET /request`` answer's ``request`` object."""
    return read_object(RequestStats, data, _REQUEST_READERS)


@attrs.frozen(kw_only=True)
class DailyStats(_SendCounts):
    """One date's statistics (``GET /requests``), with the tags found that day."""

    date: dt.date
    tags: tuple[str, ...] = ()
    count_seen: int = 0
    count_clicked: int = 0
    msg_mccmnc: Mapping[str, int] = attrs.field(factory=dict)
    """Messages per mobile network (MCC and MNC)."""


def _tags(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise Unreadable(f"must be a list of tags, got {value!r}")
    return tuple(value)


def _per_network(value: Any) -> Mapping[str, int]:
    return {str(network): count(number) for network, number in mapping(value).items()}


def _object(data: Any) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise Unreadable(f"must be a JSON object, got {type(data).__name__}")
    return data


_DAILY_READERS = readers_for(
    DailyStats, date=required(iso_date), tags=_tags, msg_mccmnc=_per_network
)


def parse_daily_stats(data: Any) -> DailyStats:
    """One item of a ``GET /requests`` answer's ``requests``: its ``stats`` read beside
    its ``date`` and ``tags``."""
    stats = field(_object(data), "stats", mapping)
    outer = {key: value for key, value in data.items() if key != "stats"}
    return read_object(DailyStats, {**stats, **outer}, _DAILY_READERS)


@attrs.frozen
class Credit:
    """The account's credit (``GET /credit``); ``balance`` is in its ``currency``."""

    credit_czk: decimal.Decimal | None = None
    credit_eur: decimal.Decimal | None = None
    currency: str | None = None
    billing_id: str | None = None
    vat: bool = False
    tz: str | None = None
    price_levels: Mapping[str, int] = attrs.field(factory=dict)
    extra: Mapping[str, Any] = attrs.field(factory=dict)

    @property
    def balance(self) -> decimal.Decimal | None:
        return self.credit_eur if self.currency == "eur" else self.credit_czk


_CREDIT_READERS = readers_for(Credit, vat=one, price_levels=_per_network)


def parse_credit(data: Any) -> Credit:
    """A ``GET /credit`` answer's ``credit`` object."""
    return read_object(Credit, data, _CREDIT_READERS, names={"price_levels": "priceLevels"})


@attrs.frozen
class Price:
    """The price of one message part to one country, and per operator where it differs."""

    mcc: int | None = None
    price_czk: decimal.Decimal | None = None
    price_eur: decimal.Decimal | None = None
    operators: Mapping[str, Price] = attrs.field(factory=dict)
    extra: Mapping[str, Any] = attrs.field(factory=dict)


def _price_entry(data: Any) -> Price:
    return read_object(Price, data, _PRICE_READERS)


_PRICE_READERS = readers_for(
    Price, operators=lambda value: {str(k): _price_entry(v) for k, v in mapping(value).items()}
)


@attrs.frozen
class PriceList:
    """Prices by channel (``sms``, ``smsdirect``, ``smscustom``, ``viber``) and country
    calling code (``GET /credit/prices``)."""

    prices: Mapping[str, Mapping[str, Price]] = attrs.field(factory=dict)

    def price_for(self, phone_number: str, *, channel: str = "sms") -> Price | None:
        """The price of ``channel`` to a normalized ``phone_number``: its longest calling
        code in the list, or ``None`` if the list has none for it.

        >>> prices = PriceList({"sms": {"420": Price(230, decimal.Decimal("0.89"))}})
        >>> prices.price_for("420777123456").price_czk, prices.price_for("4917012345")
        (Decimal('0.89'), None)
        """
        by_code = self.prices.get(channel, {})
        for length in (3, 2, 1):
            price = by_code.get(phone_number[:length])
            if price is not None:
                return price
        return None


def parse_prices(data: Any) -> PriceList:
    """A ``GET /credit/prices`` answer's ``prices`` object."""

    def by_code(codes: Any) -> dict[str, Price]:
        return {str(prefix): _price_entry(entry) for prefix, entry in mapping(codes).items()}

    return PriceList({str(channel): by_code(codes) for channel, codes in mapping(data).items()})
