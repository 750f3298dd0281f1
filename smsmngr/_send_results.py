"""The answers to sending: what was accepted, and under which message ids."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["AcceptedItem", "RejectedItem", "SendResult", "SimpleSendResult"]


@attrs.frozen
class AcceptedItem:
    """An accepted entry: ``key`` is a recipient index (``/message``) or a message index
    (``/messages``); unknown fields are kept in ``extra``."""

    key: int
    message_id: str
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class RejectedItem:
    """An entry the answer lists in ``rejected``: not accepted for processing, nothing
    sent, to be sent again (concepts/request-acceptance.mdx). Undocumented fields, such
    as a reason, are kept in ``extra``."""

    key: int
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class SendResult:
    """The answer to ``send()`` or ``send_batch()``.

    ``accepted`` alone says what was accepted for processing: an entry in ``rejected``,
    or in neither list, was not, and may be sent again. ``headers`` are the answer's
    HTTP headers (lookups ignore case).
    """

    request_id: str
    accepted: tuple[AcceptedItem, ...] = ()
    rejected: tuple[RejectedItem, ...] = ()
    extra: Mapping[str, Any] = attrs.field(factory=dict)
    headers: Mapping[str, str] = attrs.field(factory=dict, eq=False, repr=False)
    # How many recipients each message sent had, and whether the answer's keys number
    # messages (``/messages``) or recipients (``/message``): what the client sent, for
    # ``recipient_message_ids()``.
    _recipients_per_message: tuple[int, ...] = attrs.field(
        default=(), repr=False, alias="_recipients_per_message"
    )
    _keyed_by_message: bool = attrs.field(default=False, repr=False, alias="_keyed_by_message")

    def recipient_message_ids(self) -> list[str | None]:
        """One message id per recipient, in input order; ``None`` where it was not accepted.

        For ``send_batch()`` the API gives one id per message, and recipient ``i`` of
        it is ``<message_id>-<i>``: the id that delivery webhooks carry.
        """
        if not self._keyed_by_message:
            count = sum(self._recipients_per_message)
            ids: list[str | None] = [None] * count
            for item in self.accepted:
                if 0 <= item.key < count:
                    ids[item.key] = item.message_id
            return ids
        by_message = {item.key: item.message_id for item in self.accepted}
        out: list[str | None] = []
        for index, count in enumerate(self._recipients_per_message):
            message_id = by_message.get(index)
            if message_id is None:
                out.extend([None] * count)
            else:
                out.extend(f"{message_id}-{i}" for i in range(count))
        return out


@attrs.frozen
class SimpleSendResult:
    """The answer to ``send_simple()``; ``message_id`` is ``None`` when not accepted.

    ``headers`` are the answer's HTTP headers (lookups ignore case).
    """

    request_id: str
    accepted: bool
    message_id: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)
    headers: Mapping[str, str] = attrs.field(factory=dict, eq=False, repr=False)
