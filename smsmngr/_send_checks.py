"""The checks on what the sending methods are given, made before any call.

Each raises ``ValidationError`` naming the argument (``messages[2].to[3]``) and the
rule it breaks; the numbers come back normalized, ready for the wire.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from .errors import ValidationError
from .limits import MESSAGES_PER_CALL, RECIPIENTS_PER_MESSAGE
from .models import Message
from .phone import PhoneNormalizer

__all__ = ["check_simple", "checked_batch", "checked_numbers"]


def checked_numbers(message: Message, where: str, normalize: PhoneNormalizer) -> list[str]:
    """The normalized numbers of a message sent in one call, or a ``ValidationError``.

    Example::

        checked_numbers(Message("Hi", to=["420777123456"]), "message", normalize)
    """
    if not isinstance(message, Message):
        raise ValidationError(where, f"must be a Message, got {type(message).__name__}")
    if len(message.to) > RECIPIENTS_PER_MESSAGE:
        raise ValidationError(
            f"{where}.to",
            f"at most {RECIPIENTS_PER_MESSAGE} recipients per call (got {len(message.to)}); "
            "use send_bulk() for more",
        )
    return [
        normalize(phone, field=f"{where}.to[{index}]")
        for index, phone in enumerate(message.to.phone_numbers())
    ]


def checked_batch(
    messages: Iterable[Message], normalize: PhoneNormalizer
) -> list[tuple[Message, list[str]]]:
    """The messages of one ``/messages`` call, each with its normalized numbers."""
    batch = list(messages)
    if not 1 <= len(batch) <= MESSAGES_PER_CALL:
        raise ValidationError(
            "messages",
            f"1 to {MESSAGES_PER_CALL} messages per call (got {len(batch)}); "
            "use send_bulk() for more",
        )
    return [
        (message, checked_numbers(message, f"messages[{index}]", normalize))
        for index, message in enumerate(batch)
    ]


def check_simple(message: Any, sender: Any, scheduled_at: Any, method: Any) -> None:
    """Refuse what ``/simple/message`` would not take: an empty text or sender, a naive
    schedule, a method other than GET or POST."""
    if not isinstance(message, str) or not message:
        raise ValidationError("message", "must be a non-empty string")
    if not isinstance(sender, str) or not sender:
        raise ValidationError("sender", "required on /simple/message: a non-empty string")
    if scheduled_at is not None and (
        not isinstance(scheduled_at, dt.datetime) or scheduled_at.utcoffset() is None
    ):
        raise ValidationError("scheduled_at", "must be a timezone-aware datetime")
    if method not in ("GET", "POST"):
        raise ValidationError("method", f"must be 'GET' or 'POST', got {method!r}")
