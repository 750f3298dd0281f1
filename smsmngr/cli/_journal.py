"""``smsmngr journal show``, ``reconcile`` and ``reports``: a campaign's journal, after
it ran (or, for a PostgreSQL journal, while its workers run)."""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from smsmngr import OutcomeStatus
from smsmngr.bulk import funnel, record_delivery_reports

from ._common import KEY_ROTATED, Commands, Common, Exit, UsageError, add_group, client_from
from ._display import print_summary, print_table

__all__ = ["register"]

_SHOWN_REFUSALS = 5


def register(commands: Commands, common: Common) -> None:
    """Add ``journal`` and its ``show``, ``reconcile`` and ``reports``."""
    journal_commands = add_group(commands, "journal", "a campaign's journal, after it ran", common)
    summary = "the campaign's outcomes and delivery funnel"
    j = _on_a_journal(journal_commands, "show", summary, common)
    j.add_argument("--plot", metavar="PNG", help="also draw the funnel to this file (matplotlib)")
    j.set_defaults(run=journal_show)
    summary = "look unknown recipients up on the platform (REST API)"
    j = _on_a_journal(journal_commands, "reconcile", summary, common)
    j.add_argument(
        "--grace-minutes",
        type=float,
        default=30.0,
        help="after this long unfound recipients are sent again on resume (default 30)",
    )
    j.add_argument("--key-rotated", action="store_true", help=KEY_ROTATED)
    j.set_defaults(run=journal_reconcile)
    summary = "fold delivery reports into the journal"
    j = _on_a_journal(journal_commands, "reports", summary, common)
    j.add_argument(
        "files",
        nargs="+",
        help="webhook bodies, raw items or `webhook parse` output, any size; - for stdin",
    )
    j.set_defaults(run=journal_reports)


def _on_a_journal(
    commands: Commands, name: str, summary: str, common: Common
) -> argparse.ArgumentParser:
    """A journal command: the journal (a file, or a PostgreSQL URL with ``--campaign``)
    comes first."""
    command = commands.add_parser(name, help=summary, **common)
    command.add_argument("journal", help="a journal file, or a postgresql:// URL")
    command.add_argument("--campaign", help="with a postgresql:// journal: the campaign's name")
    return command


def journal_show(args: argparse.Namespace) -> int:
    shown = funnel(args.journal, campaign=args.campaign)
    counts = {OutcomeStatus.ACCEPTED: shown.accepted} | {
        OutcomeStatus(status): count for status, count in shown.not_accepted.items()
    }
    print_summary(counts, shown.recipients)
    stages: list[tuple[str, int]] = [
        ("accepted", shown.accepted),
        ("sent", shown.sent),
        ("delivered", shown.delivered),
        ("undelivered", shown.undelivered),
        ("rejected after acceptance", shown.rejected),
        ("failed", shown.failed),
        ("no final report yet", shown.awaiting),
    ]
    rows: list[list[object]] = [
        [name, f"{count:,}", _share(count, shown.accepted)] for name, count in stages
    ]
    print_table("delivery funnel", ["stage", "recipients", "of accepted"], rows)
    if shown.top_failures:
        failures = [
            [code, description or "", f"{count:,}"]
            for code, description, count in shown.top_failures
        ]
        print_table("failed deliveries", ["code", "result", "recipients"], failures)
    if args.plot:
        _plot_funnel(stages, args.plot)
        print(f"wrote {args.plot}")
    return Exit.OK


def _share(count: int, total: int) -> str:
    return f"{100 * count / total:.1f}%" if total else "-"


def _plot_funnel(stages: list[tuple[str, int]], path: str) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise UsageError("--plot needs matplotlib: pip install matplotlib") from None
    figure, axes = plt.subplots(figsize=(7, 3.5))
    axes.barh([name for name, _ in stages], [count for _, count in stages], color="tab:blue")
    axes.invert_yaxis()
    axes.set_xlabel("recipients")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def journal_reconcile(args: argparse.Namespace) -> int:
    if not (math.isfinite(args.grace_minutes) and args.grace_minutes >= 0):
        raise UsageError(f"--grace-minutes must be 0 or more, got {args.grace_minutes}")
    grace = dt.timedelta(minutes=args.grace_minutes)
    with client_from(args) as client:
        result = client.reconcile(
            args.journal, grace=grace, key_rotated=args.key_rotated, campaign=args.campaign
        )
    rows = [
        ["found on the platform: accepted", f"{result.found:,}"],
        ["not found: sent again on resume", f"{result.send_again:,}"],
        ["not found yet: still unknown", f"{result.pending:,}"],
        ["cannot be proved: still unknown", f"{result.unprovable:,}"],
    ]
    if result.settled_meanwhile:
        rows.append(["settled by a worker meanwhile", f"{result.settled_meanwhile:,}"])
    print_table("reconciled", ["unknown recipients", "count"], rows)
    for reason, count in result.reasons.items():
        print(f"still unknown ({count:,}): {reason}")
    return Exit.OK


def journal_reports(args: argparse.Namespace) -> int:
    recorded = record_delivery_reports(args.journal, _events_in(args.files), campaign=args.campaign)
    print(
        f"{recorded.events:,} events read: {recorded.reports:,} delivery reports, "
        f"{recorded.matched:,} of them for recipients of {args.journal}, "
        f"{recorded.changed:,} changed a status"
    )
    for refused in recorded.refused[:_SHOWN_REFUSALS]:
        print(f"refused: {refused.reason}", file=sys.stderr)
    if len(recorded.refused) > _SHOWN_REFUSALS:
        print(f"refused: {len(recorded.refused) - _SHOWN_REFUSALS:,} more", file=sys.stderr)
    if not recorded.reports:
        print(
            "smsmngr: error: no delivery report recognised: give webhook bodies (JSON), "
            "raw webhook items or `smsmngr webhook parse` output, one a line or not",
            file=sys.stderr,
        )
        return Exit.NOT_ALL_ACCEPTED
    if not recorded.matched:
        print(
            f"smsmngr: error: none of the {recorded.reports:,} delivery reports is for a "
            f"recipient of {args.journal}: are they another campaign's?",
            file=sys.stderr,
        )
        return Exit.NOT_ALL_ACCEPTED
    return Exit.OK


def _events_in(files: Sequence[str]) -> Iterator[Any]:
    """The events of each file (``-``: stdin), read as they go; an error names the file."""
    from smsmngr.webhooks import WebhookError, read_events

    for name in files:
        source = sys.stdin.buffer if name == "-" else Path(name).open("rb")  # noqa: SIM115
        with source:
            try:
                yield from read_events(source)
            except WebhookError as error:
                raise WebhookError(f"{name}: {error}") from None
