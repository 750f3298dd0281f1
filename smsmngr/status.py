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
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs

__all__ = [
    "Credit",
    "DailyStats",
    "MessageRow",
    "MessageStatus",
    "Price",
    "PriceList",
    "RequestStats",
]

_T = TypeVar("_T")


class _Unreadable(ValueError):
    """A field of an answer that is not what the reference documents."""


def _timestamp(value: Any) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _Unreadable(f"expected a timestamp, got {value!r}")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _Unreadable(f"expected an ISO 8601 timestamp, got {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def _amount(value: Any) -> decimal.Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _Unreadable(f"expected an amount, got {value!r}")
    try:
        return decimal.Decimal(str(value))
    except decimal.InvalidOperation:
        raise _Unreadable(f"expected an amount, got {value!r}") from None


def _count(value: Any) -> int:
    # Counts come as numbers in some answers and as numeric strings in others.
    if value is None or value == "":
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdecimal():
        return int(value)
    raise _Unreadable(f"expected a count, got {value!r}")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)  # codes are strings in the reference; numbers read the same
    if not isinstance(value, str):
        raise _Unreadable(f"expected a string, got {value!r}")
    return value


def _mapping(value: Any) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _Unreadable(f"expected an object, got {type(value).__name__}")
    return dict(value)


def _read(
    cls: type[_T], data: Any, readers: Mapping[str, Callable[[Any], Any]], **fixed: Any
) -> _T:
    """``cls`` from the object ``data``: each field by its reader, the rest in ``extra``."""
    if not isinstance(data, Mapping):
        raise _Unreadable(f"expected an object, got {type(data).__name__}")
    values = {}
    for name, reader in readers.items():
        try:
            values[name] = reader(data.get(name))
        except _Unreadable as error:
            raise _Unreadable(f"{name}: {error}") from None
    values["extra"] = {key: value for key, value in data.items() if key not in readers}
    return cls(**values, **fixed)


_TIMESTAMPS = ("ts_created", "ts_sent", "ts_delivered", "ts_seen", "ts_clicked", "ts_updated")


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
    ts_sent: dt.datetime | None = None
    ts_delivered: dt.datetime | None = None
    ts_seen: dt.datetime | None = None
    ts_clicked: dt.datetime | None = None
    ts_updated: dt.datetime | None = None
    flow: tuple[Any, ...] = ()
    flow_index: str | None = None
    flow_status: Mapping[str, Any] = attrs.field(factory=dict)
    price: float | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)

    @property
    def is_sent(self) -> bool:
        return self.status_code == "200"

    @property
    def is_delivered(self) -> bool:
        return self.delivery_code in ("201", "202")


def _flow(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _Unreadable(f"expected a list, got {type(value).__name__}")
    return tuple(value)


def _price(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Unreadable(f"expected a number, got {value!r}")
    return float(value)


def parse_message_status(data: Any) -> MessageStatus:
    """A ``GET /message`` answer's ``message`` object."""
    readers: dict[str, Callable[[Any], Any]] = {
        "status_code": _text,
        "delivery_code": _text,
        "status_info": _text,
        "tag": _text,
        "body": _text,
        "to": _mapping,
        "request_id": _text,
        **dict.fromkeys(_TIMESTAMPS, _timestamp),
        "flow": _flow,
        "flow_index": _text,
        "flow_status": _mapping,
        "price": _price,
    }
    return _read(MessageStatus, data, readers)


_ROW_TIMESTAMPS = (
    "ts_sent",
    "ts_delivered",
    "ts_updated",
    "ts_clicked",
    "ts_seen",
    "ts_replied",
    "ts_optout",
)
_ROW_COUNTS = ("sent", "delivered", "seen", "clicked", "replied", "optout", "nondelivered")


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
    ts_sent: dt.datetime | None = None
    ts_delivered: dt.datetime | None = None
    ts_updated: dt.datetime | None = None
    ts_clicked: dt.datetime | None = None
    ts_seen: dt.datetime | None = None
    ts_replied: dt.datetime | None = None
    ts_optout: dt.datetime | None = None
    sent: int = 0
    delivered: int = 0
    seen: int = 0
    clicked: int = 0
    replied: int = 0
    optout: int = 0
    nondelivered: int = 0
    price_czk: decimal.Decimal | None = None
    price_eur: decimal.Decimal | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


def _message_id(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise _Unreadable(f"expected a message id, got {value!r}")
    return value


def parse_message_row(data: Any) -> MessageRow:
    """One item of a ``GET /messages`` answer's ``messages``."""
    readers: dict[str, Callable[[Any], Any]] = {
        "message_id": _message_id,
        "phone_number": _text,
        "body": _text,
        "flow": _text,
        "sender": _text,
        "message_parts": _count,
        **dict.fromkeys(_ROW_TIMESTAMPS, _timestamp),
        **dict.fromkeys(_ROW_COUNTS, _count),
        "price_czk": _amount,
        "price_eur": _amount,
    }
    return _read(MessageRow, data, readers)


_STAT_COUNTS = (
    "count_delivered",
    "count_seen",
    "count_clicked",
    "count_nondelivered",
    "count_sent",
    "count_notsent",
    "count_replied",
    "count_optout",
    "msg_sent",
)


@attrs.frozen
class RequestStats:
    """The statistics of one send request on one date (``GET /request``).

    ``count_seen`` and ``count_clicked`` are ``None``: the endpoint does not return
    them (``GET /requests`` does, by day), and an unknown count is not zero.
    """

    count_delivered: int = 0
    count_seen: int | None = None
    count_clicked: int | None = None
    count_nondelivered: int = 0
    count_sent: int = 0
    count_notsent: int = 0
    count_replied: int = 0
    count_optout: int = 0
    msg_sent: int = 0
    price_czk: decimal.Decimal | None = None
    price_eur: decimal.Decimal | None = None
    first_ts_sent: dt.datetime | None = None
    last_ts_sent: dt.datetime | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


_STAT_READERS: dict[str, Callable[[Any], Any]] = {
    **dict.fromkeys(_STAT_COUNTS, _count),
    "first_ts_sent": _timestamp,
    "last_ts_sent": _timestamp,
}


def _optional_count(value: Any) -> int | None:
    return None if value is None else _count(value)


def parse_request_stats(data: Any) -> RequestStats:
    """A ``GET /request`` answer's ``request`` object."""
    readers = {
        **_STAT_READERS,
        "count_seen": _optional_count,
        "count_clicked": _optional_count,
        "price_czk": _amount,
        "price_eur": _amount,
    }
    return _read(RequestStats, data, readers)


@attrs.frozen
class DailyStats:
    """One date's statistics (``GET /requests``), with the tags found that day."""

    date: dt.date
    tags: tuple[str, ...] = ()
    count_delivered: int = 0
    count_seen: int = 0
    count_clicked: int = 0
    count_nondelivered: int = 0
    count_sent: int = 0
    count_notsent: int = 0
    count_replied: int = 0
    count_optout: int = 0
    msg_sent: int = 0
    first_ts_sent: dt.datetime | None = None
    last_ts_sent: dt.datetime | None = None
    msg_mccmnc: Mapping[str, int] = attrs.field(factory=dict)
    """Messages per mobile network (MCC and MNC)."""
    extra: Mapping[str, Any] = attrs.field(factory=dict)


def _date(value: Any) -> dt.date:
    if not isinstance(value, str):
        raise _Unreadable(f"expected a date, got {value!r}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _Unreadable(f"expected a date (YYYY-MM-DD), got {value!r}") from None


def _tags(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise _Unreadable(f"expected a list of tags, got {value!r}")
    return tuple(value)


def _per_network(value: Any) -> Mapping[str, int]:
    return {str(network): _count(count) for network, count in _mapping(value).items()}


def parse_daily_stats(data: Any) -> DailyStats:
    """One item of a ``GET /requests`` answer's ``requests``: its ``stats`` read beside
    its ``date`` and ``tags``."""
    if not isinstance(data, Mapping):
        raise _Unreadable(f"expected an object, got {type(data).__name__}")
    stats = data.get("stats") or {}
    if not isinstance(stats, Mapping):
        raise _Unreadable(f"stats: expected an object, got {type(stats).__name__}")
    outer = {key: value for key, value in data.items() if key != "stats"}
    readers = {**_STAT_READERS, "msg_mccmnc": _per_network, "date": _date, "tags": _tags}
    return _read(DailyStats, {**stats, **outer}, readers)


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


def parse_credit(data: Any) -> Credit:
    """A ``GET /credit`` answer's ``credit`` object."""
    if not isinstance(data, Mapping):
        raise _Unreadable(f"expected an object, got {type(data).__name__}")
    readers: dict[str, Callable[[Any], Any]] = {
        "credit_czk": _amount,
        "credit_eur": _amount,
        "currency": _text,
        "billing_id": _text,
        "vat": lambda value: _text(value) == "1",
        "tz": _text,
        "price_levels": _per_network,
    }
    renamed = dict(data)
    renamed["price_levels"] = renamed.pop("priceLevels", None)
    return _read(Credit, renamed, readers)


@attrs.frozen
class Price:
    """The price of one message part to one country, and per operator where it differs."""

    mcc: int | None = None
    price_czk: decimal.Decimal | None = None
    price_eur: decimal.Decimal | None = None
    operators: Mapping[str, Price] = attrs.field(factory=dict)
    extra: Mapping[str, Any] = attrs.field(factory=dict)


def _price_entry(data: Any) -> Price:
    readers: dict[str, Callable[[Any], Any]] = {
        "mcc": lambda value: None if value is None else _count(value),
        "price_czk": _amount,
        "price_eur": _amount,
        "operators": lambda value: {str(k): _price_entry(v) for k, v in _mapping(value).items()},
    }
    return _read(Price, data, readers)


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
        return {str(code): _price_entry(entry) for code, entry in _mapping(codes).items()}

    return PriceList({str(channel): by_code(codes) for channel, codes in _mapping(data).items()})
