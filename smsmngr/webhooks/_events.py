"""Typed webhook events: delivery reports, replies, inbound messages."""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Mapping
from typing import Any, Union

import attrs

from .._delivery import FAILURE_RESULTS, NEVER_SENT, is_final

__all__ = [
    "ChannelStats",
    "DeliveryReport",
    "Event",
    "IncomingMessage",
    "IncomingReply",
    "InvalidEvent",
    "ResultInfo",
    "UnknownEvent",
    "split_message_id",
]

_CODE_DIGITS = 18  # longer "codes" are kept in raw only, never turned into huge ints
_RECIPIENT_SUFFIX = re.compile(r"(?P<base>.+)-(?P<index>\d{1,2})")


@attrs.frozen
class ResultInfo:
    """``result_info`` read from ``"[code] Description"``; either part may be missing.

    >>> ResultInfo.parse("[307] Insufficient credit")
    ResultInfo(code=307, description='Insufficient credit', raw='[307] Insufficient credit')
    >>> ResultInfo.parse("[0]").code, ResultInfo.parse("Delivered").description
    (0, 'Delivered')
    """

    code: int | None
    description: str | None
    raw: str

    @classmethod
    def parse(cls, raw: str) -> ResultInfo:
        # By hand, not by a regular expression: linear in the length of the text, which
        # comes from the network.
        text = raw.strip()
        code = None
        if text.startswith("["):
            end = text.find("]")
            if end != -1:
                code_text = text[1:end].strip()
                if code_text.isascii() and code_text.isdecimal() and len(code_text) <= _CODE_DIGITS:
                    code = int(code_text)
                text = text[end + 1 :].strip()
        return cls(code, text or None, raw)


@attrs.frozen
class ChannelStats:
    """The per-channel statistics of a delivery report (``sms``, ``viber``,
    ``whatsapp_body`` or ``whatsapp_template``)."""

    channel: str
    sender: str | None = None
    country: int | str | None = None
    """Mobile country code (MCC), an integer (text only if it came as text that is not
    a number)."""
    operator: int | str | None = None
    """Mobile network code (MNC), an integer; ``0`` for an unknown or general operator."""
    price_czk: decimal.Decimal | None = None
    price_eur: decimal.Decimal | None = None
    count: int | None = None
    """Message parts."""
    gateway: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


def split_message_id(message_id: str) -> tuple[str, int | None]:
    """A ``/messages`` recipient id as ``(message_id, recipient_index)``.

    Ids from ``/message`` have no index. (Ids ending in ``-<1 or 2 digits>`` are read
    as suffixed: the API's own ids are UUIDs, whose last group has 12 characters.)

    >>> split_message_id("e27ff0ac-87b5-4e1d-b644-5fc6029e2a11-3")
    ('e27ff0ac-87b5-4e1d-b644-5fc6029e2a11', 3)
    >>> split_message_id("e27ff0ac-87b5-4e1d-b644-5fc6029e2a11")
    ('e27ff0ac-87b5-4e1d-b644-5fc6029e2a11', None)
    """
    match = _RECIPIENT_SUFFIX.fullmatch(message_id)
    if match is None:
        return message_id, None
    return match["base"], int(match["index"])


@attrs.frozen
class DeliveryReport:
    """The status of a sent message (``type: outgoing``). Acceptance is not delivery:
    ``sent`` comes first, then ``delivered``, ``undelivered``, ``failed``, ``seen``...;
    ``rejected`` means it was never sent. New result values are kept as they are."""

    message_id: str
    result: str
    request_id: str | None = None
    gateway: str | None = None
    timestamp: dt.datetime | None = None
    payload: Mapping[str, Any] | None = None
    phone_number: str | None = None
    result_info: ResultInfo | None = None
    stats: ChannelStats | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)

    @property
    def is_final(self) -> bool:
        """No later status will follow (a new, unknown result counts as not final)."""
        return is_final(self.result)

    @property
    def is_failure(self) -> bool:
        return self.result in FAILURE_RESULTS

    @property
    def was_sent(self) -> bool:
        """Whether the message went out at all: ``rejected`` means it never did."""
        return self.result not in NEVER_SENT

    @property
    def dedup_key(self) -> tuple[str, str]:
        """One logical event: the platform may deliver it more than once."""
        return (self.message_id, self.result)


@attrs.frozen
class IncomingReply:
    """A recipient's reply to a message (``type: incoming`` with a ``message_id``)."""

    message_id: str
    sender: str
    recipient: str | None = None
    """The account's number or sender the reply went to."""
    body: str | None = None
    request_id: str | None = None
    """The send request of the message replied to."""
    gateway: str | None = None
    timestamp: dt.datetime | None = None
    payload: Mapping[str, Any] | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class IncomingMessage:
    """A message to one of the account's numbers that answers nothing."""

    sender: str
    recipient: str | None = None
    """The account's number it was sent to."""
    body: str | None = None
    gateway: str | None = None
    timestamp: dt.datetime | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class UnknownEvent:
    """An event of a kind this SDK does not know yet, kept whole."""

    raw: Mapping[str, Any]


@attrs.frozen
class InvalidEvent:
    """One item of a batch that could not be read, with the reason; the rest of the
    batch is returned as usual."""

    raw: Any
    reason: str


Event = Union[DeliveryReport, IncomingReply, IncomingMessage, UnknownEvent, InvalidEvent]  # noqa: UP007
