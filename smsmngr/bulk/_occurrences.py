"""A recipient's occurrence: how many times before, in this input, its number was given
the same content. With the number and the content's digest it is the recipient's key in
a journal, so that a number given the same text twice is two recipients, each sent once.

Both journals count in SQLite (the file's own database, or a temporary one beside a
shared journal), so that memory stays flat however long the input, and numbers a batch
at a time, from one message or many: two statements number and count a batch, where
one statement a number cost more than packing the number did.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

__all__ = ["Occurrences"]

_TABLE = """CREATE TEMP TABLE seen (
    key TEXT PRIMARY KEY,
    count INTEGER NOT NULL
) WITHOUT ROWID"""
"""A key is the number and the content's digest in hex, in one text: one column to
compare, as fast as the number alone."""

# A key's occurrence is how often it was met before this batch, plus how often earlier
# in the batch: its rank among its own places in the batch.
_NUMBER = """SELECT coalesce(s.count, 0) + row_number() OVER (
        PARTITION BY j.value ORDER BY j.key) - 1
    FROM json_each(:keys) AS j
    LEFT JOIN seen AS s ON s.key = j.value
    ORDER BY j.key"""

_COUNT = """INSERT INTO seen SELECT value, count(*) FROM json_each(:keys) WHERE true
    GROUP BY value ON CONFLICT DO UPDATE SET count = count + excluded.count"""

_ONE = """INSERT INTO seen VALUES (?, 1)
    ON CONFLICT DO UPDATE SET count = count + 1 RETURNING count - 1"""

_AT_ONCE = 8
"""Keys from which a batch is numbered by one statement and counted by another."""


class Occurrences:
    """The occurrences met so far, in a temporary table of ``db``.

    >>> db = sqlite3.connect("")
    >>> counter = Occurrences(db)
    >>> counter.number([("420777123456", b"text"), ("420777654321", b"text"),
    ...                 ("420777123456", b"text"), ("420777123456", b"other")])
    [0, 0, 1, 0]
    >>> counter.number([("420777123456", b"text")])
    [2]
    >>> counter.number([(f"42077712345{i % 4}", b"text") for i in range(10)])
    [0, 0, 0, 0, 1, 1, 1, 1, 2, 2]
    >>> db.close()
    """

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        db.execute(_TABLE)

    def number(self, keys: Sequence[tuple[str, bytes]]) -> list[int]:
        """The occurrence of each ``(number, content)``, in order, each counted as met."""
        hexes: dict[bytes, str] = {}
        texts = [f"{number} {hexes.get(content) or hexes.setdefault(content, content.hex())}"
                 for number, content in keys]  # fmt: skip
        if len(texts) < _AT_ONCE:  # a few: one by one is cheaper
            execute = self._db.execute
            return [execute(_ONE, (text,)).fetchone()[0] for text in texts]
        batch = {"keys": json.dumps(texts, separators=(",", ":"))}
        occurrences = [row[0] for row in self._db.execute(_NUMBER, batch)]
        self._db.execute(_COUNT, batch)
        return occurrences
