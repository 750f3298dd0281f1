"""Opt-out replies: an inbound message whose whole text is an opt-out keyword.

The platform sends no opt-out event of its own (guides/webhooks.mdx documents
``sentMessage``, ``incomingReplyMessage`` and ``incomingMessage`` only), and checks its
opt-out list without being told of a reply: adding the number is the account's job,
``client.optout.add(numbers)``.
"""

from __future__ import annotations

import string
from collections.abc import Iterable

from ..errors import ValidationError
from ..inbox import InboxMessage
from ._events import IncomingMessage, IncomingReply

__all__ = ["DEFAULT_OPT_OUT_KEYWORDS", "is_opt_out", "opt_out_number", "opt_out_numbers"]

DEFAULT_OPT_OUT_KEYWORDS: tuple[str, ...] = (
    "STOP",
    "STOP ALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
)
"""The replies read as "no more messages" unless other keywords are given."""

_INBOUND = (IncomingReply, IncomingMessage, InboxMessage)


def _folded(text: str) -> str:
    """``text`` compared as a keyword: case, every space and the punctuation around it
    ignored (``" Stop all! "`` is ``stopall``)."""
    return "".join(text.split()).strip(string.punctuation).casefold()


def _keywords(keywords: Iterable[str]) -> frozenset[str]:
    if isinstance(keywords, str) or not isinstance(keywords, Iterable):
        raise ValidationError("keywords", "must be a list of keywords, not one string")
    folded = set()
    for place, keyword in enumerate(keywords):
        if not isinstance(keyword, str) or not _folded(keyword):
            raise ValidationError(f"keywords[{place}]", f"must be a word, got {keyword!r}")
        folded.add(_folded(keyword))
    return frozenset(folded)


def is_opt_out(text: str | None, keywords: Iterable[str] = DEFAULT_OPT_OUT_KEYWORDS) -> bool:
    """Whether ``text`` is one of ``keywords``, whatever its case, spaces and the
    punctuation around it.

    >>> is_opt_out(" stop  ALL! "), is_opt_out("Don't stop"), is_opt_out("Konec", ["KONEC"])
    (True, False, True)
    """
    return text is not None and _folded(text) in _keywords(keywords)


def opt_out_number(event: object, keywords: Iterable[str] = DEFAULT_OPT_OUT_KEYWORDS) -> str | None:
    """The number that asked to opt out in ``event``: the sender of a reply, an
    inbound message or an inbox message whose text is an opt-out keyword; ``None`` for
    any other event.

    >>> opt_out_number(IncomingMessage(sender="420777123456", body="STOP"))
    '420777123456'
    """
    return _opting_out(event, _keywords(keywords))


def opt_out_numbers(
    events: Iterable[object], keywords: Iterable[str] = DEFAULT_OPT_OUT_KEYWORDS
) -> list[str]:
    """Each number that asked to opt out in ``events`` (a webhook's, or the inbox's),
    once, in order: what to give ``client.optout.add()``.

    Example::

        numbers = opt_out_numbers(events)
        if numbers:
            await client.optout.add(numbers)
    """
    folded = _keywords(keywords)
    found = (_opting_out(event, folded) for event in events)
    return list(dict.fromkeys(number for number in found if number is not None))


def _opting_out(event: object, folded: frozenset[str]) -> str | None:
    if isinstance(event, _INBOUND) and event.body is not None and _folded(event.body) in folded:
        return event.sender
    return None
