"""Reading answers: one reader per kind of value, one way to read an object into a
class, one ``Unreadable`` for every API and webhooks (``_status_errors.format_error``
turns it into the one ``ResponseFormatError``).

A reader takes the value the API sent under one name (``None`` when absent) and gives
it typed, or raises ``Unreadable`` saying what it must be. ``read_object`` applies
readers by field, keeps unknown keys in ``extra`` and names the field in its errors.

Why by hand, not by cattrs: the documented shapes are flat, and tolerance is per field
(a count sent as ``"3"``, a status code sent as a number, an empty timestamp), which
cattrs would need a hook for at every field, plus hooks undoing its own coercions
(``int("3")``, ``str(5)``). Its errors are also worded by cattrs. Here every answer,
of the three APIs and of webhooks, is read by the same few readers and says what is
wrong in the same words; cattrs stays for writing requests (``_wire``).

>>> read_object(dict, {"sent": "3", "new": 1}, {"sent": count})
{'sent': 3, 'extra': {'new': 1}}
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
from collections.abc import Callable, Collection, Mapping
from typing import Any, TypeVar

import attrs

__all__ = [
    "Reader",
    "Unreadable",
    "amount",
    "code",
    "count",
    "epoch_timestamp",
    "field",
    "flag",
    "index",
    "iso_date",
    "iso_timestamp",
    "items",
    "listed",
    "mapping",
    "nonempty_text",
    "offset_timestamp",
    "one",
    "optional",
    "optional_text",
    "read_fields",
    "read_object",
    "readers_for",
    "required",
    "text",
    "whole",
]

_T = TypeVar("_T")
Reader = Callable[[Any], Any]


class Unreadable(ValueError):
    """A value of an answer that is not what the reference documents: ``rule`` says
    what it must be, ``path`` where it stands (``accepted[0].key``)."""

    def __init__(self, rule: str, *, path: str = "") -> None:
        super().__init__(rule, path)
        self.rule = rule
        self.path = path

    def within(self, name: str | int) -> Unreadable:
        """The same error one level up, under ``name`` (a key, or an index of a list)."""
        step = f"[{name}]" if isinstance(name, int) else name
        rest = self.path if not self.path or self.path.startswith("[") else f".{self.path}"
        return Unreadable(self.rule, path=step + rest)

    def __str__(self) -> str:
        if self.path:
            return f"{self.path!r} {self.rule}"
        return self.rule.replace("must be", "expected", 1)


def _must_be(what: str, value: Any) -> Unreadable:
    shown = repr(value) if value is None or isinstance(value, (str, int, float)) else None
    return Unreadable(f"must be {what}, got {shown or type(value).__name__}")


def text(value: Any) -> str | None:
    """A string, or ``None`` when absent."""
    if value is not None and not isinstance(value, str):
        raise _must_be("a string", value)
    return value


def code(value: Any) -> str | None:
    """A code: a string, or a number read as its text (codes are strings in the
    reference; the REST API sends some as numbers)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return text(value)


def count(value: Any) -> int:
    """A count: a whole number or its digits (the REST API sends some as strings),
    ``0`` when absent or empty."""
    if value is None or value == "":
        return 0
    return index(value)


def index(value: Any) -> int:
    """A whole number, or a string of its digits (the keys of ``accepted``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdecimal():
        return int(value)
    raise _must_be("a whole number", value)


def whole(value: Any) -> int:
    """A JSON whole number, and nothing else."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise _must_be("a whole number", value)
    return value


def _blank_is_absent(read: Callable[[Any], _T]) -> Callable[[Any], _T | None]:
    """``read``, giving ``None`` for an absent or empty value (the REST API sends an
    empty string for a value it does not have)."""

    @functools.wraps(read)
    def reader(value: Any) -> _T | None:
        return None if value is None or value == "" else read(value)

    return reader


optional_text = _blank_is_absent(code)
"""A text (a number read as its digits), ``None`` when absent or empty."""


@_blank_is_absent
def amount(value: Any) -> decimal.Decimal:
    """Money or another decimal number, exactly as written: a number or its text;
    ``None`` when absent or empty."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float, decimal.Decimal)):
        raise _must_be("an amount", value)
    try:
        number = decimal.Decimal(str(value))
    except decimal.InvalidOperation:
        raise _must_be("an amount", value) from None
    if not number.is_finite():
        raise _must_be("an amount", value)
    return number


@_blank_is_absent
def iso_timestamp(value: Any) -> dt.datetime:
    """An ISO 8601 timestamp as an aware datetime (UTC where it gives no offset);
    ``None`` when absent or empty."""
    moment = _iso(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


@_blank_is_absent
def iso_date(value: Any) -> dt.date:
    """A date (``YYYY-MM-DD``); ``None`` when absent or empty."""
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise _must_be("a date (YYYY-MM-DD)", value)


def offset_timestamp(value: Any) -> dt.datetime | None:
    """An ISO 8601 timestamp that carries its UTC offset; ``None`` when absent."""
    if value is None:
        return None
    moment = _iso(value)
    if moment.tzinfo is None:
        raise Unreadable(f"must carry its UTC offset, got {value!r}")
    return moment


def _iso(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise _must_be("an ISO 8601 timestamp", value)
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _must_be("an ISO 8601 timestamp", value) from None


def epoch_timestamp(value: Any) -> dt.datetime | None:
    """Seconds since 1970 (a number or its text) as an aware UTC datetime."""
    try:
        seconds = amount(value)
    except Unreadable:
        raise _must_be("seconds since 1970", value) from None
    if seconds is None:
        return None
    try:
        return dt.datetime.fromtimestamp(float(seconds), tz=dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise Unreadable(f"is out of range: {value!r}") from None


def flag(value: Any) -> bool:
    """``true`` or ``false``, and nothing else."""
    if not isinstance(value, bool):
        raise _must_be("true or false", value)
    return value


def one(value: Any) -> bool:
    """A flag sent as ``1`` / ``"1"`` (true) or anything else (false: ``0``, ``"0"``,
    absent), as the REST API sends ``vat`` and ``is_blocked``.

    >>> one("1"), one(1), one("0"), one(None)
    (True, True, False, False)
    """
    if isinstance(value, bool):
        return value
    return code(value) == "1"


def mapping(value: Any) -> Mapping[str, Any]:
    """An object, ``{}`` when absent."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _must_be("an object", value)
    return dict(value)


def items(reader: Callable[[Any], _T]) -> Callable[[Any], tuple[_T, ...]]:
    """A list, each item by ``reader`` (an error names the item's place)."""

    def read(value: Any) -> tuple[_T, ...]:
        if not isinstance(value, list):
            raise _must_be("a list", value)
        read_items = []
        for place, item in enumerate(value):
            try:
                read_items.append(reader(item))
            except Unreadable as error:
                raise error.within(place) from None
        return tuple(read_items)

    return read


def listed(reader: Callable[[Any], _T]) -> Callable[[Any], tuple[_T, ...]]:
    """``items(reader)``, with ``()`` when the list is absent.

    >>> listed(text)(None), listed(text)(["a"])
    ((), ('a',))
    """
    read = items(reader)
    return lambda value: () if value is None else read(value)


def optional(reader: Callable[[Any], _T]) -> Callable[[Any], _T | None]:
    """``reader``, with ``None`` for an absent value."""
    return lambda value: None if value is None else reader(value)


def required(reader: Callable[[Any], _T | None]) -> Callable[[Any], _T]:
    """``reader``, refusing an absent value, and one it reads as absent (a blank)."""

    def read(value: Any) -> _T:
        read_value = None if value is None else reader(value)
        if read_value is None:
            raise Unreadable("is required")
        return read_value

    return read


def nonempty_text(value: Any) -> str:
    """A string that is not empty (an id, a token)."""
    if not isinstance(value, str) or not value:
        raise _must_be("a non-empty string", value)
    return value


def field(data: Mapping[str, Any], name: str, reader: Callable[[Any], _T]) -> _T:
    """``reader(data[name])``, an error naming ``name``."""
    try:
        return reader(data.get(name))
    except Unreadable as error:
        raise error.within(name) from None


def read_fields(
    data: Any, readers: Mapping[str, Reader], *, names: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Each field of the object ``data`` by its reader, read from the key ``names``
    gives it (its own name otherwise)."""
    if not isinstance(data, Mapping):
        raise _must_be("a JSON object", data)
    renamed = names or {}
    return {name: field(data, renamed.get(name, name), read) for name, read in readers.items()}


def read_object(
    cls: Callable[..., _T],
    data: Any,
    readers: Mapping[str, Reader],
    *,
    names: Mapping[str, str] | None = None,
    ignore: Collection[str] = (),
    **fixed: Any,
) -> _T:
    """``cls`` from the object ``data``: its fields by ``read_fields``, the keys neither
    read nor in ``ignore`` kept in ``extra``, ``fixed`` as given."""
    values = read_fields(data, readers, names=names)
    known = {*ignore, *((names or {}).get(name, name) for name in readers)}
    values["extra"] = {key: value for key, value in data.items() if key not in known}
    return cls(**values, **fixed)


# A field's type says how the API's value is read: each field is named once, in its
# class, and only the fields read another way name their reader.
_BY_TYPE: dict[Any, Reader] = {
    str: nonempty_text,
    str | None: code,
    int: count,
    int | None: _blank_is_absent(count),
    bool: flag,
    bool | None: optional(flag),
    dt.datetime | None: iso_timestamp,
    dt.date | None: iso_date,
    decimal.Decimal | None: amount,
    Mapping[str, Any]: mapping,
}


def readers_for(cls: type, **special: Reader) -> dict[str, Reader]:
    """A reader for each field of the attrs class ``cls`` but ``extra``: ``special``'s,
    or its type's (``str`` a non-empty text, ``str | None`` a code, ``int`` a count...)."""
    fields = [f for f in attrs.fields(attrs.resolve_types(cls)) if f.name != "extra"]
    return {f.name: special[f.name] if f.name in special else _BY_TYPE[f.type] for f in fields}
