"""``smsmngr segments``: how many SMS parts a text takes, and in which encoding."""

from __future__ import annotations

import argparse

from smsmngr.segments import count_segments, transliterate

from ._common import Commands, Common, Exit

__all__ = ["register"]


def register(commands: Commands, common: Common) -> None:
    """Add ``segments``."""
    p = commands.add_parser("segments", help="count the SMS parts of a text", **common)
    p.add_argument("text", help="the message text (quote it)")
    p.set_defaults(run=segments)


def segments(args: argparse.Namespace) -> int:
    info = count_segments(args.text)
    print(f"encoding:   {info.encoding}")
    print(f"characters: {info.characters}")
    print(f"units:      {info.units} ({'septets' if info.encoding == 'GSM-7' else 'UTF-16'})")
    print(f"segments:   {info.segments} (up to {info.per_segment} units each)")
    if info.encoding == "UCS-2":
        plain = transliterate(args.text)
        after = count_segments(plain)
        print(f"with type: sms the text would become {plain!r}: {after.segments} segment(s)")
    return Exit.OK
