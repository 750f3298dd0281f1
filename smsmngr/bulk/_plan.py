"""What a bulk send would do, without sending: its calls, recipients and SMS parts."""

from __future__ import annotations

import decimal
import functools
from collections import Counter
from collections.abc import Iterable, Mapping

import attrs

from ..errors import ValidationError
from ..models import Message
from ..phone import normalizer_for_region
from ..segments import SegmentInfo, count_segments
from ..status import PriceList
from ._packing import Call, Packer

__all__ = ["BulkPlan", "PlannedText", "plan"]


@attrs.frozen
class PlannedText:
    """One distinct message text of a plan: the recipients it goes to (invalid numbers
    left out) and its encoding and parts."""

    text: str
    recipients: int
    segments: SegmentInfo


@attrs.frozen
class BulkPlan:
    """What ``send_bulk()`` would do with some input: ``calls`` to ``/messages``, the
    ``recipients`` given, of which ``rejected`` would be refused locally (numbers that
    cannot be normalized), and each distinct text, most recipients first."""

    recipients: int
    rejected: int
    calls: int
    texts: tuple[PlannedText, ...]
    parts_by_prefix: Mapping[str, int] = attrs.field(factory=dict)
    """SMS parts by the first three digits of the numbers (for pricing by country)."""

    @property
    def parts(self) -> int:
        """SMS parts in all, if every recipient got its message by SMS."""
        return sum(text.segments.segments * text.recipients for text in self.texts)

    def cost(self, prices: PriceList, currency: str) -> tuple[decimal.Decimal, int]:
        """What the parts would cost by SMS at ``prices``, in ``currency`` (``"czk"`` or
        ``"eur"``), and how many parts went to countries the list has no price for."""
        total, unpriced = decimal.Decimal(0), 0
        for prefix, parts in self.parts_by_prefix.items():
            price = prices.price_for(prefix)
            amount = None if price is None else getattr(price, f"price_{currency}", None)
            if amount is None:
                unpriced += parts
            else:
                total += amount * parts
        return total, unpriced


def plan(messages: Message | Iterable[Message], *, default_region: str | None = None) -> BulkPlan:
    """Pack ``messages`` as ``send_bulk()`` would, and say what would be sent; nothing is.

    ``default_region`` reads numbers as a client with that region does.

    >>> from smsmngr import Message
    >>> p = plan(Message("Sale: 20% off!", to=[f"4207771{i:05d}" for i in range(250)] + ["12"]))
    >>> p.calls, p.recipients, p.rejected, p.parts
    (3, 251, 1, 250)
    """
    normalize = normalizer_for_region(default_region)
    packer = Packer(normalize=normalize)
    segments = functools.lru_cache(maxsize=1024)(count_segments)
    calls = rejected = recipients = 0
    texts: Counter[str] = Counter()
    by_prefix: Counter[str] = Counter()
    for index, message in enumerate([messages] if isinstance(messages, Message) else messages):
        refused = 0
        for item in packer.add(index, message):
            if isinstance(item, Call):
                calls += 1
            else:
                refused += 1
        recipients += len(message.to)
        rejected += refused
        texts[message.body or ""] += len(message.to) - refused
        parts = segments(message.body or "").segments
        for phone in message.to.phone_numbers():
            try:
                by_prefix[normalize(phone)[:3]] += parts
            except ValidationError:
                continue  # refused locally: it costs nothing
    calls += sum(isinstance(item, Call) for item in packer.finish())
    return BulkPlan(
        recipients=recipients,
        rejected=rejected,
        calls=calls,
        texts=tuple(
            PlannedText(text, count, count_segments(text)) for text, count in texts.most_common()
        ),
        parts_by_prefix=dict(by_prefix),
    )
