"""A recipient's occurrence: how many times before, in this input, its number was given
the same content. With the number and the content's digest it is the recipient's key in
a journal, so that a number given the same text twice is two recipients, each sent once.

Both journals count in SQLite (the file's own database, or a temporary one beside a
shared journal), so that memory stays flat however long the input, and a message's
numbers a batch at a time: two statements number and count up to a thousand of them,
where one statement a number cost more than packing the number did.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

__all__ = ["Occurrences"]

_TABLE = """CREATE TEMP TABLE seen (
    phone_number TEXT NOT NULL,
    content BLOB NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (phone_number, content)
) WITHOUT ROWID"""

# A number's occurrence is how often it was met before this batch, plus how often
# earlier in the batch: its rank among its own places in the batch.
_NUMBER = """SELECT coalesce(s.count, 0) + row_number() OVER (
        PARTITION BY j.value ORDER BY j.key) - 1
    FROM json_each(:numbers) AS j
    LEFT JOIN seen AS s ON s.phone_number = j.value AND s.content = :content
    ORDER BY j.key"""

_COUNT = """INSERT INTO seen SELECT value, :content, count(*) FROM json_each(:numbers) WHERE true
    GROUP BY value ON CONFLICT DO UPDATE SET count = count + excluded.count"""


_ONE = """INSERT INTO seen VALUES (?, ?, 1)
    ON CONFLICT DO UPDATE SET count = count + 1 RETURNING count - 1"""

_AT_ONCE = 8
"""Numbers from which a batch is numbered by one statement and counted by another."""


class Occurrences:
    """The occurrences met so far, in a temporary table of ``db``.

    >>> db = sqlite3.connect("")
    >>> counter = Occurrences(db)
    >>> counter.number(["420777123456", "420777654321", "420777123456"], b"text")
    [0, 0, 1]
    >>> counter.number(["420777123456"], b"text"), counter.number(["420777123456"], b"other")
    ([2], [0])
    >>> counter.number([f"42077712345{i % 4}" for i in range(10)], b"text")
    [0, 0, 0, 0, 1, 1, 1, 1, 2, 2]
    >>> db.close()
    """

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        db.execute(_TABLE)

    def number(self, numbers: Sequence[str], content: bytes) -> list[int]:
        """The occurrence of each of ``numbers`` getting ``content``, in order, each
        counted as met."""
        if len(numbers) < _AT_ONCE:  # a message of a few recipients: one by one is cheaper
            return [self._db.execute(_ONE, (number, content)).fetchone()[0] for number in numbers]
        batch = {"numbers": json.dumps(list(numbers)), "content": content}
        occurrences = [row[0] for row in self._db.execute(_NUMBER, batch)]
        self._db.execute(_COUNT, batch)
        return occurrences
