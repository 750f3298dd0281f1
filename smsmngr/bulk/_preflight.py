"""Pre-flight of a campaign: whether the key may send it, from ``GET /apikey/me``.

A blocked key, or a sender a message names that is not registered on the key for its
channel, stops the campaign before anything is sent (``PreflightError``, naming every
problem); a scope that may not allow what the campaign needs is a ``PreflightWarning``
(the reference documents only settings changes as refused for the ``api`` scope).

``campaign_problems(me, messages)`` is the pure check, for any caller that has the
messages it will send; ``checked_input()`` applies it to ``send_bulk()``'s input: a
``Message`` or a sequence is checked whole before the first call, any other iterable
message by message as it is read, each distinct sender before the first call that
carries it (a problem then stops the campaign there, and what was sent before is in
the error's ``result``).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Sequence,
)
from typing import Literal

import attrs

from ..api_keys import SCOPES, KeyInfo
from ..errors import PreflightError, PreflightWarning
from ..models import Message
from ._input import BulkInput
from ._proof import sender_channel

__all__ = [
    "PreflightProblem",
    "campaign_problems",
    "checked_input",
    "key_problems",
    "preflight_of",
    "scope_warnings",
]


@attrs.frozen
class PreflightProblem:
    """Why the key cannot send a campaign: ``kind`` is ``key_blocked`` or
    ``sender_not_registered`` (with the ``channel`` and ``sender``); ``text`` says it.

    >>> PreflightProblem("key_blocked", "the API key is blocked").text
    'the API key is blocked'
    """

    kind: Literal["key_blocked", "sender_not_registered"]
    text: str
    channel: str | None = None
    sender: str | None = None


def key_problems(me: KeyInfo) -> list[PreflightProblem]:
    """What stops any campaign on this key: it is blocked."""
    if me.blocked:
        return [PreflightProblem("key_blocked", "the API key is blocked (GET /apikey/me)")]
    return []


def message_senders(message: Message) -> set[tuple[str, str]]:
    """The ``(channel, sender)`` pairs a message names (a step's own sender, or the
    message's); a step naming none goes from the platform's choice and is not listed.

    >>> from smsmngr import Viber
    >>> sorted(message_senders(Message("Hi", to=["1"], sender="Shop", flow=[Viber()])))
    [('viber', 'Shop')]
    """
    steps = [(step.key, step.sender) for step in message.flow or ()] or [("sms", None)]
    named = set()
    for channel, sender in steps:
        chosen = sender or message.sender
        if chosen:
            named.add((sender_channel(channel), chosen))
    return named


def _sender_problem(me: KeyInfo, channel: str, sender: str) -> PreflightProblem | None:
    registered = me.senders_for(channel)
    if sender in registered:
        return None
    listed = ", ".join(sorted(registered)) or "none"
    text = f"sender {sender!r} is not registered for {channel} on this key (registered: {listed})"
    return PreflightProblem("sender_not_registered", text, channel=channel, sender=sender)


def campaign_problems(me: KeyInfo, messages: Iterable[Message]) -> list[PreflightProblem]:
    """Every problem that would stop sending ``messages`` with the key ``me`` describes:
    the key's, then each unregistered sender once, in the order first met.

    >>> from smsmngr.api_keys import KeySender
    >>> me = KeyInfo(senders=(KeySender("sms", "Shop"),))
    >>> [p.text for p in campaign_problems(me, [Message("Hi", to=["1"], sender="Other")])]
    ["sender 'Other' is not registered for sms on this key (registered: Shop)"]
    """
    problems = key_problems(me)
    seen: set[tuple[str, str]] = set()
    for message in messages:
        problems += _new_problems(me, message, seen)
    return problems


def _new_problems(
    me: KeyInfo, message: Message, seen: set[tuple[str, str]]
) -> list[PreflightProblem]:
    found = []
    for channel, sender in sorted(message_senders(message) - seen):
        seen.add((channel, sender))
        problem = _sender_problem(me, channel, sender)
        if problem is not None:
            found.append(problem)
    return found


def scope_warnings(me: KeyInfo, *, reads_rest: bool) -> list[str]:
    """What the key's scope may not allow: reading the REST API (``reconcile()`` of a
    journal) with the ``api`` scope, or a scope the reference does not document."""
    if me.scope is not None and me.scope not in SCOPES:
        return [f"the API key's scope {me.scope!r} is not documented: it may not allow sending"]
    if reads_rest and me.scope == "api":
        return [
            "the API key's scope 'api' may only send messages: reconcile() of this journal "
            "reads the REST API, which it may not allow"
        ]
    return []


def preflight_of(
    read_me: Callable[[], Awaitable[KeyInfo]], journal: object | None
) -> Callable[[BulkInput], Awaitable[BulkInput]]:
    """The pre-flight of a campaign (``Campaign(preflight=...)``): ``checked_input``
    with the key ``read_me()`` reads; a journal means ``reconcile()`` may read REST."""
    return functools.partial(checked_input, read_me, reads_rest=journal is not None)


async def checked_input(
    read_me: Callable[[], Awaitable[KeyInfo]], messages: BulkInput, *, reads_rest: bool
) -> BulkInput:
    """``messages``, checked against the key (``read_me()``) as the module says: raises
    ``PreflightError`` for what is known wrong before the first call, warns for the
    scope, and gives an iterable input back wrapped to check each message as read."""
    me = await read_me()
    for text in scope_warnings(me, reads_rest=reads_rest):
        warnings.warn(text, PreflightWarning, stacklevel=2)
    if isinstance(messages, (Message, Sequence)):
        listed = [messages] if isinstance(messages, Message) else messages
        problems = campaign_problems(me, [m for m in listed if isinstance(m, Message)])
    else:
        problems = key_problems(me)
    if problems:
        raise PreflightError(problems)
    if isinstance(messages, (Message, Sequence)):
        return messages
    if isinstance(messages, AsyncIterable):
        return _checked_async(me, messages)
    return _checked(me, messages)


def _checked(me: KeyInfo, messages: Iterable[Message]) -> Iterator[Message]:
    seen: set[tuple[str, str]] = set()
    for message in messages:
        if isinstance(message, Message) and (problems := _new_problems(me, message, seen)):
            raise PreflightError(problems)
        yield message


async def _checked_async(me: KeyInfo, messages: AsyncIterable[Message]) -> AsyncIterator[Message]:
    seen: set[tuple[str, str]] = set()
    async for message in messages:
        if isinstance(message, Message) and (problems := _new_problems(me, message, seen)):
            raise PreflightError(problems)
        yield message
