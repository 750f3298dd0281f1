"""Reading a recipients file: CSV with a phone column, or one number a line."""

from __future__ import annotations

import csv
import string
from collections.abc import Iterator
from pathlib import Path

from ..models import Message

__all__ = ["RecipientsFile", "read_recipients"]

PHONE_COLUMNS = ("phone", "phone_number", "number", "mobile", "msisdn", "to", "tel")


class RecipientsFile:
    """A recipients file, read lazily; ``messages()`` may be called more than once."""

    def __init__(
        self, path: Path, body: str, *, sender: str | None, phone_column: str | None
    ) -> None:
        self.path = path
        self.body = body
        self.sender = sender
        with path.open(newline="", encoding="utf-8-sig") as file:
            first = file.readline()
        self.is_csv = "," in first or ";" in first
        self.columns: list[str] = []
        self.phone_column = "phone"
        if self.is_csv:
            dialect = csv.Sniffer().sniff(first, delimiters=",;")
            self.delimiter = dialect.delimiter
            self.columns = next(csv.reader([first], delimiter=self.delimiter))
            self.columns = [c.strip() for c in self.columns]
            self.phone_column = phone_column or _find_phone_column(self.columns)
            if self.phone_column not in self.columns:
                raise ValueError(f"{path}: no column {self.phone_column!r} in {self.columns}")
        available = set(self.columns) | {"phone"}
        for _, field, _, _ in string.Formatter().parse(body):
            if field is not None and field not in available:
                raise ValueError(
                    f"--body uses {{{field}}}, but {path} has no such column "
                    f"(available: {', '.join(sorted(available))})"
                )

    def messages(self) -> Iterator[Message]:
        """One message a recipient, its body filled from the row."""
        with self.path.open(newline="", encoding="utf-8-sig") as file:
            if self.is_csv:
                for row in csv.DictReader(file, delimiter=self.delimiter):
                    row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
                    row.setdefault("phone", row[self.phone_column])
                    yield self._message(row[self.phone_column], row)
            else:
                for line in file:
                    number = line.strip()
                    if number and not number.startswith("#"):
                        yield self._message(number, {"phone": number})

    def _message(self, number: str, row: dict[str, str]) -> Message:
        body = self.body.format_map(row) if self.columns or "{" in self.body else self.body
        return Message(body, to=[number], sender=self.sender)

    def count(self) -> int:
        return sum(1 for _ in self.messages())


def _find_phone_column(columns: list[str]) -> str:
    lowered = {c.lower(): c for c in columns}
    for name in PHONE_COLUMNS:
        if name in lowered:
            return lowered[name]
    raise ValueError(
        f"no phone column among {columns}: name one {' or '.join(PHONE_COLUMNS[:3])}, "
        "or pass --phone-column"
    )


def read_recipients(
    path: str, body: str, *, sender: str | None = None, phone_column: str | None = None
) -> RecipientsFile:
    return RecipientsFile(Path(path), body, sender=sender, phone_column=phone_column)
