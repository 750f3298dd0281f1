"""Packing recipients into the fewest ``/messages`` calls: pure, lazy, in input order.

A call holds up to 10 wire messages of up to 10 recipients each. Adjacent messages
that differ only in ``to`` share wire messages, so a stream of one-recipient messages
with the same text packs 100 to a call.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Iterator, Sequence
from typing import Any

import attrs

from .._wire import encode_json, message_to_wire
from ..errors import ValidationError
from ..models import Message
from ..phone import normalize_phone_number
from ._outcomes import OutcomeStatus, RecipientOutcome

__all__ = ["MESSAGES_PER_CALL", "RECIPIENTS_PER_MESSAGE", "Call", "Packer", "minimum_calls"]

MESSAGES_PER_CALL = 10
RECIPIENTS_PER_MESSAGE = 10
MAX_REQUEST_BYTES = 128 * 1024
"""The reference recommends no request over 128 KB (concepts/request-acceptance.mdx):
a call closes before its body would pass this. One wire message larger than it still
goes, alone."""


@attrs.frozen
class Call:
    """One ``POST /messages``: ``body`` holds the JSON text of each wire message, and
    ``chunks`` the recipients each carries as ``(message_index, recipient_index,
    phone_number)``."""

    number: int
    body: list[str]
    chunks: tuple[tuple[tuple[int, int, str], ...], ...]

    def content(self) -> bytes:
        """The request body: a JSON array of the wire messages."""
        return ("[" + ",".join(self.body) + "]").encode()

    @property
    def recipient_count(self) -> int:
        return sum(len(chunk) for chunk in self.chunks)

    def subset(self, keys: Sequence[int]) -> Call:
        """The call with only these wire messages (to send again what was not accepted)."""
        return Call(self.number, [self.body[k] for k in keys], tuple(self.chunks[k] for k in keys))

    def halves(self) -> tuple[Call, Call]:
        """The call split in two by wire messages (for isolating a refused message)."""
        middle = len(self.body) // 2
        return (
            Call(self.number, self.body[:middle], self.chunks[:middle]),
            Call(self.number, self.body[middle:], self.chunks[middle:]),
        )


def _content(message: Message) -> tuple[Any, ...]:
    """Everything but ``to``: messages equal here can share a wire message."""
    return (
        message.body,
        message.sender,
        message.flow,
        message.tag,
        message.scheduled_at,
        message.delivery_time,
        message.callback,
        message.payload,
        message.params,
    )


_NOTHING = object()


class Packer:
    """Turns messages, fed one at a time, into full calls as soon as they fill.

    Feeding is push-style so that sync and async sources share it; ``add`` is lazy, so
    one message with a million recipients never becomes a million-item list::

        packer = Packer()
        for index, message in enumerate(messages):
            for item in packer.add(index, message):
                ...  # a Call to send, or a RecipientOutcome rejected locally
        last_calls = list(packer.finish())

    ``skip`` leaves out recipients whose outcome a resumed campaign already knows.
    """

    def __init__(self) -> None:
        self._calls_made = 0
        self._content: Any = _NOTHING
        self._prefix = ""
        self._prefix_extra_bytes = 0  # what UTF-8 adds to the prefix beyond one byte a char
        self._body_bytes = 2  # the enclosing "[" and "]"
        self._numbers: list[str] = []
        self._recipients: list[tuple[int, int, str]] = []
        self._body: list[str] = []
        self._chunks: list[tuple[tuple[int, int, str], ...]] = []

    def add(
        self, message_index: int, message: Message, skip: Container[int] = frozenset()
    ) -> Iterator[Call | RecipientOutcome]:
        """Pack one message, yielding each call it fills and each local rejection."""
        if not isinstance(message, Message):
            raise ValidationError(
                f"messages[{message_index}]", f"must be a Message, got {type(message).__name__}"
            )
        content = _content(message)
        if content != self._content:
            call = self._close_chunk()
            if call is not None:
                yield call
            self._content = content
            # Everything but "to" is serialized once per run of equal messages.
            fields = message_to_wire(message, ())
            del fields["to"]
            encoded = encode_json(fields)[:-1] + (b"," if fields else b"")
            self._prefix = encoded.decode()
            self._prefix_extra_bytes = len(encoded) - len(self._prefix)
        for recipient_index, recipient in enumerate(message.to):
            if recipient_index in skip:
                continue
            phone = recipient.phone_number
            try:
                number = normalize_phone_number(phone)
            except ValidationError as error:
                field = f"messages[{message_index}].to[{recipient_index}]"
                yield RecipientOutcome(
                    phone,
                    message_index,
                    recipient_index,
                    OutcomeStatus.REJECTED,
                    error=str(ValidationError(field, error.rule)),
                )
                continue
            self._numbers.append(number)
            self._recipients.append((message_index, recipient_index, phone))
            if len(self._numbers) == RECIPIENTS_PER_MESSAGE:
                call = self._close_chunk()
                if call is not None:
                    yield call

    def finish(self) -> Iterator[Call]:
        """The last, partly filled call, if any."""
        call = self._close_chunk()
        if call is not None:
            yield call
        if self._body:
            yield self._make_call()

    def _close_chunk(self) -> Call | None:
        """Close the wire message being filled; return the call it completes, if any."""
        if not self._numbers:
            return None
        # Normalized numbers are bare ASCII digits: nothing in them needs escaping.
        numbers = '"},{"phone_number":"'.join(self._numbers)
        text = f'{self._prefix}"to":[{{"phone_number":"{numbers}"}}]}}'
        size = len(text) + self._prefix_extra_bytes + 1  # and its comma
        call = None
        if self._body and self._body_bytes + size > MAX_REQUEST_BYTES:
            call = self._make_call()
        self._body.append(text)
        self._body_bytes += size
        self._chunks.append(tuple(self._recipients))
        self._numbers, self._recipients = [], []
        if call is None and len(self._body) == MESSAGES_PER_CALL:
            call = self._make_call()
        return call

    def _make_call(self) -> Call:
        self._calls_made += 1
        call = Call(self._calls_made, self._body, tuple(self._chunks))
        self._body, self._chunks, self._body_bytes = [], [], 2
        return call


def minimum_calls(recipients_per_message: Iterable[int]) -> int:
    """The fewest calls that carry messages of these sizes without merging any:
    the sum of ceil(recipients / 10), divided by 10 and rounded up.

    >>> minimum_calls([25, 1, 1])
    1
    >>> minimum_calls([10] * 11)
    2
    """
    wire_messages = sum(-(-count // RECIPIENTS_PER_MESSAGE) for count in recipients_per_message)
    return -(-wire_messages // MESSAGES_PER_CALL)
