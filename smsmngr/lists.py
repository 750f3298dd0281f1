"""The account's contact lists (``client.optout`` and ``client.blacklist``).

The block list (``/blacklist``) stops every message to its numbers; the opt-out list
(``/optout``) stops messages tagged ``promotional``, the tag a message has when it
names none. Both are checked when a message is sent: a listed number's message is
accepted, then reported ``rejected`` with ``[304] Phone number is blacklisted or
opted-out``. Changes are queued by the platform (answered with a count) and apply a
moment later.

``list()`` asks for the list's download URL (valid 60 seconds, on the platform's
storage) and reads the CSV file it gives. That host is not one the client was pointed
at, so the download carries no API key.

Example::

    await client.optout.add(["420777123456"])
    numbers = [entry.phone_number for entry in await client.optout.list()]
    await client.blacklist.remove(all=True)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import attrs
import httpx

from ._pacer import Pacer
from ._reading import Unreadable, listed, read_object, readers_for, text
from ._rest import RestResource, error_message, narrowed, sub_account
from ._transport import Transport
from .errors import (
    BadRequestError,
    InvalidNumbersError,
    ListNotFoundError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from .phone import PhoneNormalizer

__all__ = ["AddedNumbers", "AsyncContactList", "ListEntry", "RemovedNumbers", "read_list_csv"]

ListName = Literal["optout", "blacklist"]
_LABELS: dict[str, str] = {"optout": "opt-out list", "blacklist": "block list"}
_NUMBER_COLUMNS = ("phone_number", "phone", "number", "msisdn", "to", "recipient")
"""Header names read as the number column (the reference documents no CSV layout)."""


@attrs.frozen
class ListEntry:
    """One number of a list; the file's other columns are kept in ``extra`` (by their
    header's name, or their position where the file has no header)."""

    phone_number: str
    extra: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen
class AddedNumbers:
    """The answer to ``add()``: how many unique valid numbers were queued, and the
    lines the platform could not read as a number."""

    accepted: int
    invalid: tuple[str, ...] = ()
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class RemovedNumbers:
    """The answer to ``remove()``: ``removed`` and ``remaining`` counts and the lines
    not read as numbers, or ``wiped`` for ``remove(all=True)`` (counts ``None``: the
    platform gives none then)."""

    removed: int | None = None
    remaining: int | None = None
    invalid: tuple[str, ...] = ()
    wiped: bool = False
    extra: Mapping[str, Any] = attrs.field(factory=dict)


def _texts(value: Any) -> tuple[str, ...]:
    return listed(_line)(value)


def _line(value: Any) -> str:
    found = text(value)
    if found is None:
        raise Unreadable("must be a string, got None")
    return found


def _wiped(value: Any) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise Unreadable(f"must be true or false, got {value!r}")
    return value


_ADDED_READERS = readers_for(AddedNumbers, invalid=_texts)
_REMOVED_READERS = readers_for(RemovedNumbers, invalid=_texts, wiped=_wiped)


def _added(data: Any) -> AddedNumbers:
    return read_object(AddedNumbers, data, _ADDED_READERS, ignore=("success",))


def _removed(data: Any) -> RemovedNumbers:
    return read_object(RemovedNumbers, data, _REMOVED_READERS)


def read_list_csv(content: bytes) -> tuple[ListEntry, ...]:
    """The entries of a list's CSV file. The reference documents no layout: a first
    row holding no number is a header, whose ``phone_number`` (or ``phone``,
    ``number``, ``msisdn``...) column holds the numbers, the first column otherwise.

    >>> read_list_csv(b"phone_number,added\\r\\n420777123456,2026-07-30\\r\\n")
    (ListEntry(phone_number='420777123456', extra={'added': '2026-07-30'}),)
    >>> [e.phone_number for e in read_list_csv(b"420777123456\\n+420777654321\\n")]
    ['420777123456', '+420777654321']
    """
    try:
        decoded = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Unreadable("must be a UTF-8 CSV file") from None
    rows = [row for row in csv.reader(io.StringIO(decoded)) if any(cell.strip() for cell in row)]
    if not rows:
        return ()
    header: list[str] | None = None
    if not any(_is_number(cell) for cell in rows[0]):
        header = [cell.strip() for cell in rows.pop(0)]
    names = header or []
    lowered = [name.lower() for name in names]
    column = next((lowered.index(n) for n in _NUMBER_COLUMNS if n in lowered), 0)
    entries = []
    for line, row in enumerate(rows, start=2 if header else 1):
        number = row[column].strip() if column < len(row) else ""
        if not _is_number(number):
            raise Unreadable(f"line {line}: {number!r} is not a phone number")
        extra = {
            names[place] if place < len(names) else str(place): cell
            for place, cell in enumerate(row)
            if place != column
        }
        entries.append(ListEntry(number, extra))
    return tuple(entries)


def _is_number(cell: str) -> bool:
    digits = cell.strip().removeprefix("+")
    return 7 <= len(digits) <= 15 and digits.isascii() and digits.isdecimal()


def _download_url(value: Any) -> httpx.URL:
    """The presigned URL of a list's file: https (or http on loopback only, as the
    SDK's own base URLs)."""
    if not isinstance(value, str) or not value:
        raise Unreadable(f"must be a download URL, got {value!r}")
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL:
        raise Unreadable("must be a download URL") from None
    loopback = url.host in ("127.0.0.1", "localhost", "::1")
    if not url.host or not (url.scheme == "https" or (url.scheme == "http" and loopback)):
        raise Unreadable(f"must be an https URL, got one for {url.scheme}://{url.host}")
    return url


class AsyncContactList(RestResource):
    """One of the account's contact lists: ``client.optout`` (the opt-out list, for
    promotional messages) or ``client.blacklist`` (the block list, for every message).
    Adding and removing are never repeated by the SDK after a lost answer; reading is."""

    def __init__(self, transport: Transport, normalize: PhoneNormalizer, name: ListName) -> None:
        super().__init__(transport, normalize)
        self._name = name
        self._path = f"/{name}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._path} base_url={self._base_url()!r}>"

    async def list(self, *, subid: str | None = None) -> tuple[ListEntry, ...]:
        """Every number on the list (REST ``GET /optout`` or ``/blacklist``, then the
        file it points to, fetched without the API key); empty when the platform has
        none stored (its 404 with ``success: true``).

        Example::

            for entry in await client.optout.list():
                print(entry.phone_number)
        """
        query = sub_account(subid)
        where = f"GET {self._path}"
        for attempt in range(2):
            answer = await self._call(
                "GET", self._path, query=query, repeat=True, empty_on_404=True
            )
            if not answer.data:  # the 404 of a list with no numbers stored
                return ()
            url = self._read(answer, "url", _download_url, where=where)
            try:
                download = await self._transport.request(
                    "GET",
                    url.raw_path.decode("ascii").partition("?")[0],
                    base_url=f"{url.scheme}://{url.netloc.decode('ascii')}",
                    query=dict(url.params),
                    pacer=Pacer(),  # the storage's own pace, not the REST API's
                    idempotent=True,
                    send_key=False,
                    raw=True,
                )
            except PermissionDeniedError:
                if attempt:
                    raise
                continue  # the URL expired (60 seconds) before its turn: ask for another
            return self._read(download, None, read_list_csv, where=f"the file of {where}")
        raise AssertionError("unreachable")  # pragma: no cover

    async def add(self, numbers: Iterable[str], *, subid: str | None = None) -> AddedNumbers:
        """Add ``numbers`` to the list (REST ``POST``); each is checked and normalized
        first (a bad one is a ``ValidationError`` naming it, before any request). The
        platform queues them: the answer counts those it accepted.

        Example::

            added = await client.optout.add(["420777123456", "+420 777 654 321"])
            added.accepted, added.invalid
        """
        body: dict[str, Any] = {"to": "\n".join(self._numbers(numbers)), **sub_account(subid)}
        try:
            answer = await self._call("POST", self._path, body=body, repeat=False)
        except BadRequestError as error:
            if error_message(error.body) == "No valid phone numbers":
                raise narrowed(error, InvalidNumbersError) from None
            raise
        return self._read(answer, None, _added, where=f"POST {self._path}")

    async def remove(
        self,
        numbers: Iterable[str] | None = None,
        *,
        all: bool = False,
        subid: str | None = None,
    ) -> RemovedNumbers:
        """Remove ``numbers`` from the list, or every number with ``all=True`` (REST
        ``DELETE``). A list with no numbers stored raises ``ListNotFoundError``.

        Example::

            removed = await client.optout.remove(["420777123456"])
            await client.blacklist.remove(all=True)
        """
        if all is not True and all is not False:
            raise ValidationError("all", f"must be True or False, got {all!r}")
        if all == (numbers is not None):
            raise ValidationError("numbers", "give the numbers to remove, or all=True (not both)")
        body: dict[str, Any] = (
            {"all": True} if numbers is None else {"to": "\n".join(self._numbers(numbers))}
        ) | sub_account(subid)
        try:
            answer = await self._call("DELETE", self._path, body=body, repeat=False)
        except NotFoundError as error:
            if isinstance(error.body, Mapping) and self._name in error.body:
                empty = f"{error} (the {_LABELS[self._name]} is empty: nothing to remove)"
                raise narrowed(error, ListNotFoundError, empty) from None
            raise
        return self._read(answer, self._name, _removed, where=f"DELETE {self._path}")

    def _numbers(self, numbers: Iterable[str]) -> tuple[str, ...]:
        if isinstance(numbers, (str, bytes)) or not isinstance(numbers, Iterable):
            raise ValidationError("numbers", "must be a list of phone numbers, not one string")
        normalized = tuple(
            self._normalize(number, field=f"numbers[{place}]")
            for place, number in enumerate(numbers)
        )
        if not normalized:
            raise ValidationError("numbers", "at least one number is required")
        return normalized
