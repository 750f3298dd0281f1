"""How many SMS parts a text takes: GSM-7 or UCS-2, 160/153 or 70/67 per part.

>>> count_segments("Hello!").segments
1
>>> count_segments("Žluťoučký kůň").encoding
'UCS-2'
>>> count_segments(transliterate("Žluťoučký kůň")).encoding
'GSM-7'
"""

from __future__ import annotations

import unicodedata

import attrs

__all__ = ["SegmentInfo", "count_segments", "transliterate"]

# GSM 03.38 default alphabet (without the escape character) and its extension table,
# whose characters take two septets.
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")

_SINGLE = {"GSM-7": 160, "UCS-2": 70}
_CONCATENATED = {"GSM-7": 153, "UCS-2": 67}
_LOOKALIKES = str.maketrans(
    {
        "\u201c": '"',  # left double quotation mark
        "\u201d": '"',  # right double quotation mark
        "\u201e": '"',  # double low-9 quotation mark
        "\u2018": "'",  # left single quotation mark
        "\u2019": "'",  # right single quotation mark
        "\u201a": "'",  # single low-9 quotation mark
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2026": "...",  # horizontal ellipsis
        "\u00a0": " ",  # no-break space
        "\u2022": "*",  # bullet
    }
)


@attrs.frozen
class SegmentInfo:
    """The encoding of a text and the parts it takes."""

    encoding: str
    """``"GSM-7"`` or ``"UCS-2"``."""
    characters: int
    units: int
    """Septets (GSM-7, extension characters count twice) or UTF-16 code units (UCS-2)."""
    segments: int
    per_segment: int
    """Units a part holds: 160 or 70 for one part, 153 or 67 each when concatenated."""


def _units(char: str, encoding: str) -> int:
    if encoding == "GSM-7":
        return 2 if char in GSM_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1  # a surrogate pair in UTF-16


def count_segments(text: str) -> SegmentInfo:
    """The encoding and number of parts of ``text``; a character is never split
    between parts (an extension character or a surrogate pair stays whole)."""
    gsm = all(char in GSM_BASIC or char in GSM_EXTENSION for char in text)
    encoding = "GSM-7" if gsm else "UCS-2"
    sizes = [_units(char, encoding) for char in text]
    units = sum(sizes)
    if units <= _SINGLE[encoding]:
        return SegmentInfo(encoding, len(text), units, 1 if text else 0, _SINGLE[encoding])
    limit, segments, used = _CONCATENATED[encoding], 1, 0
    for size in sizes:
        if used + size > limit:
            segments, used = segments + 1, 0
        used += size
    return SegmentInfo(encoding, len(text), units, segments, limit)


def transliterate(text: str) -> str:
    """Roughly what ``type: sms`` does: accents dropped, look-alike punctuation
    replaced, and any other character outside GSM-7 shown as ``?``.

    >>> transliterate("Příliš “žluťoučký” kůň…")
    'Prilis "zlutoucky" kun...'
    """
    out = []
    for char in text.translate(_LOOKALIKES):
        if char in GSM_BASIC or char in GSM_EXTENSION:
            out.append(char)
            continue
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        out.append(base if base and all(c in GSM_BASIC for c in base) else "?")
    return "".join(out)
