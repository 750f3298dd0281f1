"""What the command line shows: a progress bar (with rich, on a terminal) and tables."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any

from smsmngr import OutcomeStatus

__all__ = ["Progress", "counted", "print_summary", "print_table"]


def _rich_available() -> bool:
    try:
        import rich  # noqa: F401
    except ImportError:
        return False
    return True


class Progress:
    """A live bar with rate and ETA when stdout is a terminal and rich is installed;
    nothing otherwise."""

    def __init__(self, total: int | None, label: str = "sending") -> None:
        self._bar: Any = None
        if sys.stdout.isatty() and _rich_available():
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TaskProgressColumn,
                TextColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TaskProgressColumn(),
                TextColumn("{task.fields[rate]}"),
                TextColumn("ETA"),
                TimeRemainingColumn(),
            )
            self._task = self._bar.add_task(label, total=total, rate="")

    def __enter__(self) -> Progress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def update(self, done: int) -> None:
        if self._bar is None:
            return
        task = self._bar.tasks[0]
        rate = f"{task.speed:,.0f}/s" if task.speed else ""
        self._bar.update(self._task, completed=done, rate=rate)


def counted(count: int, noun: str) -> str:
    """``count`` and ``noun``, plural but for one: ``counted(1, "number") == "1 number"``."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A table: rich's on a terminal, aligned plain text otherwise."""
    if sys.stdout.isatty() and _rich_available():
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title)
        for header in headers:
            table.add_column(header)
        for row in rows:
            table.add_row(*(str(cell) for cell in row))
        Console().print(table)
        return
    cells = [list(map(str, headers))] + [[str(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    print(title)
    for row in cells:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


MEANING = {
    "accepted": "accepted for processing; delivery is reported by webhook",
    "rejected": "not accepted, nothing sent: safe to send again",
    "failed": "not sent: safe to send again",
    "unknown": "may have been sent: check before sending again",
    "elsewhere": "claimed by another worker of the campaign: not sent by this one",
}


NOT_SENT = "stopped before they were sent (a call in flight then may have been)"


def outcome_rows(counts: Mapping[Any, int], total: int, *, not_sent: int = 0) -> list[list[object]]:
    """One row a status, then ``not_sent`` (after a stop, so that the rows add up), then
    the total."""
    named = [
        (s.value, count, MEANING.get(s.value, ""))
        for s, count in counts.items()
        if count or s != OutcomeStatus.ELSEWHERE  # a shared campaign's only
    ]
    if not_sent:
        named.append(("not sent yet", not_sent, NOT_SENT))
    return [
        [name, f"{count:,}", f"{100 * count / total:.1f}%" if total else "-", meaning]
        for name, count, meaning in named
    ] + [["total", f"{total:,}", "", ""]]


def print_summary(counts: dict[OutcomeStatus, int], total: int, *, not_sent: int = 0) -> None:
    rows = outcome_rows(counts, total, not_sent=not_sent)
    print_table("outcomes", ["status", "recipients", "share", "meaning"], rows)
