"""Packing recipients into the fewest ``/messages`` calls: pure, lazy, in input order.

A call holds up to 10 wire messages of up to 10 recipients each, and stays under the
128 KB the reference recommends. Adjacent messages that differ only in ``to`` share
wire messages, so a stream of one-recipient messages with the same text packs 100 to
a call. "Differ" is judged by the JSON that would be sent, not by Python equality,
under which ``{"vip": True}`` equals ``{"vip": 1}``.
"""

from __future__ import annotations

import hashlib
import json
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import count, repeat
from typing import Any, NamedTuple

import attrs

from .._wire import converter, encode_json, message_to_wire
from ..errors import JournalError, ValidationError
from ..limits import MAX_REQUEST_BYTES, MESSAGES_PER_CALL, RECIPIENTS_PER_MESSAGE
from ..models import Message
from ..phone import PhoneNormalizer, all_normalized, normalize_phone_number
from ._outcomes import OutcomeStatus, RecipientOutcome

__all__ = [
    "Call",
    "FromJournal",
    "Packer",
    "Slot",
    "minimum_calls",
]


Slot = tuple[int, int, str, str, int]
"""One recipient in a call: ``(message_index, recipient_index, phone_number as given,
number as sent, occurrence)``, where the occurrence counts how many times before, in
this input, this number was given this content (with the number and the content's
digest, the recipient's journal key). A plain tuple, not a named one: one is made per
recipient on the hot path, and a plain tuple is ten times cheaper to build."""


class FromJournal(NamedTuple):
    """A recipient a journal already holds an outcome for: not sent again."""

    outcome: RecipientOutcome


Settled = tuple[str, "str | None", "str | None", "str | None"]
"""``(status, message_id, request_id, error)``: what a journal holds for a recipient."""

Lookup = Callable[[Sequence[tuple[str, bytes]]], Sequence[tuple[int, "Settled | None"]]]
"""``lookup(keys)``: for each ``(number, content digest)``, in order, the recipient's
occurrence, and what a journal holds for it when it is not to be sent (``Settled``)."""


_TO = '"to":[{"phone_number":"'


@attrs.frozen
class Call:
    """One ``POST /messages``: ``body`` holds the JSON text of each wire message,
    ``chunks`` the recipients each carries, ``contents`` the digest of each one's
    content (what a journal keys recipients by)."""

    body: tuple[str, ...]
    chunks: tuple[tuple[Slot, ...], ...]
    contents: tuple[bytes, ...]

    def content(self) -> bytes:
        """The request body: a JSON array of the wire messages."""
        return ("[" + ",".join(self.body) + "]").encode()

    def subset(self, keys: Sequence[int]) -> Call:
        """The call with only these wire messages (to send again what was not accepted)."""
        return Call(
            tuple(self.body[k] for k in keys),
            tuple(self.chunks[k] for k in keys),
            tuple(self.contents[k] for k in keys),
        )

    def only(self, keep: Callable[[bytes, Slot], bool]) -> Call | None:
        """The call with only the recipients ``keep(content, slot)`` is true of, in its
        order (``None``: none); each is asked once. Itself when all are kept."""
        body, chunks, contents = [], [], []
        for text, chunk, content in zip(self.body, self.chunks, self.contents, strict=True):
            kept = tuple(slot for slot in chunk if keep(content, slot))
            if len(kept) == len(chunk):
                body.append(text)
            elif kept:
                # "to" comes last in each wire message: its numbers follow the last marker.
                head = text[: text.rfind(_TO)]
                numbers = '"},{"phone_number":"'.join(slot[3] for slot in kept)
                body.append(f'{head}{_TO}{numbers}"}}]}}')
            else:
                continue
            chunks.append(kept)
            contents.append(content)
        if len(body) == len(self.body) and all(
            len(a) == len(b) for a, b in zip(chunks, self.chunks, strict=True)
        ):
            return self
        return Call(tuple(body), tuple(chunks), tuple(contents)) if body else None

    def halves(self) -> tuple[Call, Call]:
        """The call split in two by wire messages (for isolating a refused message)."""
        middle = len(self.body) // 2
        return self.subset(range(middle)), self.subset(range(middle, len(self.body)))


_content: Callable[[Message], tuple[Any, ...]] = operator.attrgetter(
    *(a.name for a in attrs.fields(Message) if a.name not in ("to", "extra")), "extra"
)
"""Everything of a message but ``to``, ``extra`` last."""


def _same_content(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """Whether two messages send the same JSON but for ``to``. Python equality alone is
    not enough (``True == 1``, ``1 == 1.0``), so equal values that are not the same
    object, nor plain strings, are compared by their JSON."""
    # The common cases in bulk input, at C speed: the same objects but for `extra`,
    # which messages built alike each get as a new empty dict (and an empty `extra`
    # sends nothing, whatever its type).
    if all(map(operator.is_, a[:-1], b[:-1])) and (a[-1] is b[-1] or not (a[-1] or b[-1])):
        return len(a) == len(b)
    if a == b:
        return all(
            x is y
            or type(x) is str
            or (not x and type(x) is type(y))  # both empty, as `extra` mostly is
            or _as_json(x) == _as_json(y)
            for x, y in zip(a, b, strict=True)
        )
    return False


def _as_json(value: Any) -> str:
    return json.dumps(converter.unstructure(value), sort_keys=True)


_AT_ONCE = 4
"""Recipients from which a message's numbers are checked all at once: below, the
check's fixed cost is more than judging each number alone."""

_LOOKED_UP_AT_ONCE = 1000
"""The most recipients a journal is asked about at once (a large message's, a thousand
at a time): one question costs more than packing a number does."""

_CALL_RECIPIENTS = MESSAGES_PER_CALL * RECIPIENTS_PER_MESSAGE
"""Recipients of smaller messages asked about together, once that many wait."""


class _Content(NamedTuple):
    """What messages of one content share: their fields but ``to``, as compared, as sent
    (the wire message's start), and as a journal keys them."""

    fields: tuple[Any, ...]
    prefix: str
    prefix_extra_bytes: int  # what UTF-8 adds to the prefix beyond one byte a char
    digest: bytes


_NO_CONTENT = _Content((object(),), "", 0, b"")  # a content no message has


def _rejected(
    message_index: int, recipient_index: int, phone: str, error: ValidationError
) -> RecipientOutcome:
    field = f"messages[{message_index}].to[{recipient_index}]"
    return RecipientOutcome(
        phone,
        message_index,
        recipient_index,
        OutcomeStatus.REJECTED,
        error=str(ValidationError(field, error.rule)),
    )


def _not_numbered(
    message_index: int,
    start: int,
    given: Sequence[str],
    numbers: Sequence[str | ValidationError],
    error: Exception,
) -> Iterator[RecipientOutcome]:
    """The outcomes of recipients the journal failed to number: none sent."""
    for recipient_index, phone, number in zip(count(start), given, numbers):
        if isinstance(number, ValidationError):
            yield _rejected(message_index, recipient_index, phone, number)
        else:
            failed = f"not sent: the journal failed ({type(error).__name__})"
            yield RecipientOutcome(
                phone, message_index, recipient_index, OutcomeStatus.FAILED, error=failed
            )


def _normalized(normalize: PhoneNormalizer, phone: str) -> str | ValidationError:
    """The number as sent, or why it cannot be."""
    try:
        return normalize(phone)
    except ValidationError as error:
        return error


class Packer:
    """Turns messages, fed one at a time, into full calls as soon as they fill.

    Feeding is push-style so that sync and async sources share it; ``add`` is lazy, so
    one message with a million recipients never becomes a million-item list::

        packer = Packer()
        for index, message in enumerate(messages):
            for item in packer.add(index, message):
                ...  # a Call to send, or a RecipientOutcome rejected locally
        last_items = list(packer.finish())

    With ``lookup`` (a campaign with a journal), each recipient is keyed by its number
    and the digest of its content, and one the journal has settled comes out as
    ``FromJournal`` instead of being packed; ``describe(digest, fields)`` is told of each
    content (its wire fields but ``to``) as it starts. Numbers of small messages then
    wait to be asked about together, a call's worth at a time: what they fill comes out
    then, the rest from ``finish()``.
    """

    def __init__(
        self,
        lookup: Lookup | None = None,
        *,
        normalize: PhoneNormalizer = normalize_phone_number,
        describe: Callable[[bytes, dict[str, Any]], object] | None = None,
    ) -> None:
        self._lookup = lookup
        self._normalize = normalize
        self._describe = describe
        self._current = _NO_CONTENT  # the content of the wire message being filled
        self._latest = _NO_CONTENT  # of the last message added (ahead while some wait)
        # Recipients waiting for the journal: (message_index, first recipient_index,
        # numbers as given, whether checked at once, content).
        self._waiting: list[tuple[int, int, Sequence[str], bool, _Content]] = []
        self._waiting_count = 0
        self._numbers: list[str] = []
        self._recipients: list[Slot] = []
        self._body: list[str] = []
        self._body_bytes = 2  # the enclosing "[" and "]"
        self._chunks: list[tuple[Slot, ...]] = []
        self._contents: list[bytes] = []

    def add(
        self, message_index: int, message: Message
    ) -> Iterator[Call | RecipientOutcome | FromJournal]:
        """Pack one message, yielding each call it fills, each local rejection, and
        each recipient the journal already settled."""
        if not isinstance(message, Message):
            raise ValidationError(
                f"messages[{message_index}]", f"must be a Message, got {type(message).__name__}"
            )
        content = _content(message)
        if not _same_content(content, self._latest.fields):
            try:
                prepared = self._prepare(message, content)
            except JournalError as error:
                # Its content could not be recorded: never numbered, never sent, but read.
                yield from self._unnumbered(message_index, 0, message.to.phone_numbers(), error)
                raise
            except (TypeError, ValueError, RecursionError) as error:
                # Only a Message that dodged its own checks gets here: its recipients are
                # refused alone, as an invalid number is, and the campaign goes on.
                yield from self._look_up()
                yield from self._switch(_NO_CONTENT)
                self._latest = _NO_CONTENT
                rule = f"cannot be sent as JSON ({type(error).__name__}: {error})"
                for recipient_index, recipient in enumerate(message.to):
                    yield RecipientOutcome(
                        recipient.phone_number,
                        message_index,
                        recipient_index,
                        OutcomeStatus.REJECTED,
                        error=str(ValidationError(f"messages[{message_index}]", rule)),
                    )
                return
            self._latest = prepared
            if self._lookup is None:
                yield from self._switch(prepared)
        phones = message.to.phone_numbers()
        checked = self._normalize is normalize_phone_number and len(phones) >= _AT_ONCE
        if self._lookup is not None:
            yield from self._wait(message_index, phones, checked=checked)
        elif checked and all_normalized(phones):
            yield from self._add_normalized(message_index, phones)
        else:
            yield from self._add_each(message_index, phones)

    def _add_each(
        self, message_index: int, phones: Sequence[str]
    ) -> Iterator[Call | RecipientOutcome]:
        """Pack numbers one by one, without a journal: each its first occurrence."""
        normalize = self._normalize
        for recipient_index, phone in enumerate(phones):
            try:
                number = normalize(phone)
            except ValidationError as error:
                yield _rejected(message_index, recipient_index, phone, error)
                continue
            call = self._pack((message_index, recipient_index, phone, number, 0))
            if call is not None:
                yield call

    def _wait(
        self, message_index: int, phones: Sequence[str], *, checked: bool
    ) -> Iterator[Call | RecipientOutcome | FromJournal]:
        """Queue numbers for the journal: a large message is asked about a thousand at
        a time, smaller ones together once a call's worth of recipients (100) waits,
        so that a call waits for at most that much more input."""
        start = 0
        while start < len(phones):
            share = phones[start : start + _LOOKED_UP_AT_ONCE - self._waiting_count]
            self._waiting.append((message_index, start, share, checked, self._latest))
            self._waiting_count += len(share)
            start += len(share)
            if self._waiting_count >= _LOOKED_UP_AT_ONCE:
                try:
                    yield from self._look_up()
                except Exception as error:
                    # The rest of the message was read: it is accounted for too.
                    yield from self._unnumbered(message_index, start, phones[start:], error)
                    raise
        if self._waiting_count >= _CALL_RECIPIENTS:
            yield from self._look_up()

    def _unnumbered(
        self, message_index: int, start: int, given: Sequence[str], error: Exception
    ) -> Iterator[RecipientOutcome]:
        """Numbers read but never asked about, the journal having failed: none sent."""
        numbers = [_normalized(self._normalize, phone) for phone in given]
        return _not_numbered(message_index, start, given, numbers, error)

    def _look_up(self) -> Iterator[Call | RecipientOutcome | FromJournal]:
        """Ask the journal about the numbers that wait, in one question, and pack them."""
        if not self._waiting:
            return
        assert self._lookup is not None
        waiting, self._waiting, self._waiting_count = self._waiting, [], 0
        keys: list[tuple[str, bytes]] = []
        shares = []
        for message_index, start, given, checked, content in waiting:
            numbers: Sequence[str | ValidationError] = given
            if not (checked and all_normalized(given)):
                numbers = [_normalized(self._normalize, phone) for phone in given]
            keys += [(number, content.digest) for number in numbers if isinstance(number, str)]
            shares.append((message_index, start, given, numbers, content))
        try:
            found = iter(self._lookup(keys))
        except Exception as error:
            # Never numbered, never sent: each is accounted for before the error stops it.
            for message_index, start, given, numbers, _ in shares:
                yield from _not_numbered(message_index, start, given, numbers, error)
            raise
        for message_index, start, given, numbers, content in shares:
            if content is not self._current:
                yield from self._switch(content)
            for recipient_index, phone, number in zip(count(start), given, numbers):
                if isinstance(number, ValidationError):
                    yield _rejected(message_index, recipient_index, phone, number)
                    continue
                occurrence, settled = next(found)
                if settled is not None:
                    status, message_id, request_id, error_text = settled
                    yield FromJournal(
                        RecipientOutcome(
                            phone,
                            message_index,
                            recipient_index,
                            OutcomeStatus(status),
                            message_id,
                            request_id,
                            error_text,
                        )
                    )
                    continue
                call = self._pack((message_index, recipient_index, phone, number, occurrence))
                if call is not None:
                    yield call

    def _pack(self, slot: Slot) -> Call | None:
        """Add a recipient to the wire message being filled; the call it completes."""
        self._numbers.append(slot[3])
        self._recipients.append(slot)
        if len(self._numbers) == RECIPIENTS_PER_MESSAGE:
            return self._close_chunk()
        return None

    def _add_normalized(self, message_index: int, numbers: Sequence[str]) -> Iterator[Call]:
        """Pack numbers ``normalize_phone_number`` leaves as they are: each wire
        message's share is sliced out and its slots made at C speed."""
        start = 0
        while start < len(numbers):
            end = start + RECIPIENTS_PER_MESSAGE - len(self._numbers)
            share = numbers[start:end]
            slots = zip(repeat(message_index), range(start, end), share, share, repeat(0))
            start = end
            if self._numbers or len(share) < RECIPIENTS_PER_MESSAGE:
                self._numbers.extend(share)
                self._recipients.extend(slots)
                if len(self._numbers) < RECIPIENTS_PER_MESSAGE:
                    continue
                call = self._close_chunk()
            else:  # a whole wire message at once, as most of a large message is
                call = self._close_chunk(share, tuple(slots))
            if call is not None:
                yield call

    def finish(self) -> Iterator[Call | RecipientOutcome | FromJournal]:
        """What still waits for the journal, and the last, partly filled call, if any."""
        yield from self._look_up()
        call = self._close_chunk()
        if call is not None:
            yield call
        if self._body:
            yield self._make_call()

    def _prepare(self, message: Message, content: tuple[Any, ...]) -> _Content:
        """Serialize everything but "to" once per run of messages with this content."""
        fields = message_to_wire(message, ())
        del fields["to"]
        encoded = encode_json(fields)[:-1] + (b"," if fields else b"")
        prefix = encoded.decode()
        digest = b""
        if self._lookup is not None:
            digest = content_digest(fields)
            if self._describe is not None:
                self._describe(digest, fields)
        return _Content(content, prefix, len(encoded) - len(prefix), digest)

    def _switch(self, content: _Content) -> Iterator[Call]:
        """Close the wire message being filled, and fill the next with ``content``."""
        call = self._close_chunk()
        if call is not None:
            yield call
        self._current = content

    def _close_chunk(
        self, numbers: Sequence[str] | None = None, recipients: tuple[Slot, ...] | None = None
    ) -> Call | None:
        """Close the wire message being filled (or the one of ``numbers`` and their
        ``recipients``, when given); return the call it completes, if any."""
        if numbers is None or recipients is None:
            if not self._numbers:
                return None
            numbers, recipients = self._numbers, tuple(self._recipients)
            self._numbers, self._recipients = [], []
        # Normalized numbers are bare ASCII digits: nothing in them needs escaping.
        joined = '"},{"phone_number":"'.join(numbers)
        text = f'{self._current.prefix}"to":[{{"phone_number":"{joined}"}}]}}'
        size = len(text) + self._current.prefix_extra_bytes + 1  # and its comma
        call = None
        if self._body and self._body_bytes + size > MAX_REQUEST_BYTES:
            call = self._make_call()
        self._body.append(text)
        self._body_bytes += size
        self._chunks.append(recipients)
        self._contents.append(self._current.digest)
        if call is None and len(self._body) == MESSAGES_PER_CALL:
            call = self._make_call()
        return call

    def _make_call(self) -> Call:
        call = Call(tuple(self._body), tuple(self._chunks), tuple(self._contents))
        self._body, self._chunks, self._contents, self._body_bytes = [], [], [], 2
        return call


def content_digest(fields: dict[str, Any]) -> bytes:
    """What a journal keys a message's content by: a digest of its JSON (without
    ``to``) with sorted keys, so the same content always has the same digest."""
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(canonical.encode(), digest_size=16).digest()


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
