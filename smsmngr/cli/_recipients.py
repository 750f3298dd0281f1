"""Reading a recipients file: CSV with a phone column, JSON Lines (one object a line,
its keys as the columns), or one number a line."""

from __future__ import annotations

import csv
import json
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from smsmngr import Message, ValidationError

__all__ = ["RecipientsError", "RecipientsFile", "read_recipients", "recipients_of"]

PHONE_COLUMNS = ("phone", "phone_number", "number", "mobile", "msisdn", "to", "tel")
MAX_FIELD_BYTES = 1024 * 1024  # a message body is at most 1000 characters anyway


class RecipientsError(ValueError):
    """A recipients file that cannot be read, naming the file and the line."""


class RecipientsFile:
    """A recipients file, read lazily; ``messages()`` may be called more than once.

    A row without a phone number is no message: it is listed in ``refused_rows`` (its
    line and why) as ``messages()`` passes it, and the rest is read on.
    """

    def __init__(
        self,
        path: Path,
        body: str,
        *,
        sender: str | None,
        phone_column: str | None,
        encoding: str = "utf-8-sig",
    ) -> None:
        self.path = path
        self.body = body
        self.sender = sender
        self.encoding = encoding
        self.refused_rows: list[tuple[int, str]] = []
        first = next(self._lines(), "")
        self.is_jsonl = first.lstrip().startswith("{")
        self.is_csv = not self.is_jsonl and ("," in first or ";" in first)
        self.columns: list[str] = []
        self.phone_column = "phone"
        if self.is_jsonl:
            self.columns = list(_row(first, path, 1))
            self.phone_column = phone_column or _find_phone_column(self.columns, path)
        elif self.is_csv:
            dialect = csv.Sniffer().sniff(first, delimiters=",;")
            self.delimiter = dialect.delimiter
            self.columns = next(csv.reader([first], delimiter=self.delimiter))
            self.columns = [c.strip() for c in self.columns]
            self.phone_column = phone_column or _find_phone_column(self.columns, path)
            if self.phone_column not in self.columns:
                raise RecipientsError(f"{path}: no column {self.phone_column!r} in {self.columns}")
        available = set(self.columns) | {"phone"}
        for _, field, _, _ in string.Formatter().parse(body):
            if field is not None and field not in available:
                raise RecipientsError(
                    f"--body uses {{{field}}}, but {path} has no such column "
                    f"(available: {', '.join(sorted(available))})"
                )

    def _lines(self) -> Iterator[str]:
        """The file's lines, decoded; an undecodable one is named by its number."""
        with self.path.open("rb") as file:
            for number, raw in enumerate(file, 1):
                try:
                    yield raw.decode(self.encoding)
                except UnicodeDecodeError as error:
                    name = "UTF-8" if self.encoding == "utf-8-sig" else self.encoding
                    raise RecipientsError(
                        f"{self.path}: line {number} is not {name} text ({error.reason}"
                        f" at byte {error.start}); pass --encoding with the file's encoding, "
                        "such as cp1250 for a Czech spreadsheet export"
                    ) from None

    def messages(self) -> Iterator[Message]:
        """One message a recipient, its body filled from the row."""
        self.refused_rows = []
        if self.is_jsonl:
            yield from self._jsonl_messages()
            return
        if not self.is_csv:
            for number, line in enumerate(self._lines(), 1):
                phone = line.strip()
                if phone and not phone.startswith("#"):
                    yield self._message(phone, {"phone": phone}, number)
            return
        csv.field_size_limit(MAX_FIELD_BYTES)
        reader = csv.DictReader(self._lines(), delimiter=self.delimiter)
        try:
            for row in reader:
                row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
                phone = row.get(self.phone_column, "")
                if not phone:
                    self.refused_rows.append((reader.line_num, "no phone number"))
                    continue
                row.setdefault("phone", phone)
                yield self._message(phone, row, reader.line_num)
        except csv.Error as error:
            # line_num counts the lines read whole: the one that failed is the next.
            raise RecipientsError(f"{self.path}: line {reader.line_num + 1}: {error}") from None

    def _jsonl_messages(self) -> Iterator[Message]:
        for number, line in enumerate(self._lines(), 1):
            if not line.strip():
                continue
            row = _row(line, self.path, number)
            phone = row.get(self.phone_column, "")
            if not phone:
                self.refused_rows.append((number, "no phone number"))
                continue
            row.setdefault("phone", phone)
            yield self._message(phone, row, number)

    def _message(self, number: str, row: dict[str, str], line: int) -> Message:
        try:
            body = self.body.format_map(row) if self.columns or "{" in self.body else self.body
        except KeyError as error:  # a JSON line without a key another line has
            raise RecipientsError(f"{self.path}: line {line}: no field {error}") from None
        try:
            return Message(body, to=[number], sender=self.sender)
        except ValidationError as error:
            raise RecipientsError(f"{self.path}: line {line}: {error}") from None

    def count(self) -> int:
        """How many recipients the file holds, rows without a number included."""
        return sum(1 for _ in self.messages()) + len(self.refused_rows)


def _row(line: str, path: Path, number: int) -> dict[str, str]:
    """A JSON line as a row: its keys and their values as text."""
    try:
        value = json.loads(line)
    except ValueError as error:
        raise RecipientsError(f"{path}: line {number} is not JSON ({error})") from None
    if not isinstance(value, dict):
        raise RecipientsError(f"{path}: line {number} is not a JSON object")
    return {
        str(k).strip(): "" if v is None else (v if isinstance(v, str) else json.dumps(v)).strip()
        for k, v in value.items()
    }


def _find_phone_column(columns: list[str], path: Path) -> str:
    lowered = {c.lower(): c for c in columns}
    for name in PHONE_COLUMNS:
        if name in lowered:
            return lowered[name]
    raise RecipientsError(
        f"{path}: no phone column among {columns}: name one "
        f"{' or '.join(PHONE_COLUMNS[:3])}, or pass --phone-column"
    )


def recipients_of(args: Any) -> RecipientsFile:
    """The recipients file a command's ``file``, ``--body``, ``--sender``,
    ``--phone-column`` and ``--encoding`` name (``bulk`` and ``upload``)."""
    return read_recipients(
        args.file,
        args.body,
        sender=args.sender,
        phone_column=args.phone_column,
        encoding=args.encoding,
    )


def read_recipients(
    path: str,
    body: str,
    *,
    sender: str | None = None,
    phone_column: str | None = None,
    encoding: str = "utf-8-sig",
) -> RecipientsFile:
    return RecipientsFile(
        Path(path), body, sender=sender, phone_column=phone_column, encoding=encoding
    )
