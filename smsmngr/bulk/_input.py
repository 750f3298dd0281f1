"""A bulk input: one ``Message`` with any number of recipients, or any iterable or async
iterable of messages, read lazily, each message with its index."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, Iterable

from ..models import Message

__all__ = ["BulkInput", "known_total", "numbered"]

BulkInput = Message | Iterable[Message] | AsyncIterable[Message]


async def numbered(messages: BulkInput) -> AsyncGenerator[tuple[int, Message], None]:
    """Each message of a bulk input with its index (one ``Message`` is the only one)."""
    if isinstance(messages, Message):
        yield 0, messages
    elif isinstance(messages, AsyncIterable):
        index = 0
        async for message in messages:
            yield index, message
            index += 1
    else:
        for index, message in enumerate(messages):
            yield index, message


def known_total(messages: BulkInput) -> int | None:
    """How many recipients the input holds, when that is known before reading it."""
    if isinstance(messages, Message):
        return len(messages.to)
    if isinstance(messages, (list, tuple)):
        return sum(len(m.to) for m in messages if isinstance(m, Message))
    return None
