"""What a row of the platform's message list must be to prove that one message of a
journal was processed: pure functions over the message's wire fields.

A row proves a recipient only when it is that very message: the number in a form the
platform stores it under, a channel among the message's flow steps, with that step's
body (links the platform shortens, ``params._url``, as wildcards) and sender (a
message without one: a sender registered for that channel), and not older than the
call. A step whose text the SDK cannot know (a WhatsApp template the platform renders,
a body the platform converts) can prove nothing: the recipient then stays ``unknown``.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from ..errors import ValidationError
from ..phone import MAX_DIGITS, _without_formatting
from ..status import MessageRow

__all__ = [
    "SLACK",
    "Expected",
    "Step",
    "expect",
    "held_to_daytime",
    "lookup_forms",
    "not_older",
    "proves",
    "row_time",
    "send_moment",
    "sender_channel",
]

_CHANNELS: Mapping[str, frozenset[str]] = {
    "sms": frozenset({"sms", "smsdirect", "smscustom"}),
    "viber": frozenset({"viber"}),
    "whatsapp_text": frozenset({"whatsapp", "whatsapp_text"}),
    "rcs": frozenset({"rcs"}),
}
"""The ``flow`` a row of ``GET /messages`` names ("used channel") for each step."""
_FULL_URL = r"https?://\S+"
_ANY_ADDRESS = r"(?:https?://)?[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}(?:[/?#:]\S*)?"
SLACK = dt.timedelta(seconds=2)
"""How much earlier than the call a row may seem: the ``Date`` header counts whole
seconds, and the answer that told the clock took its time to arrive."""


@attrs.frozen
class Step:
    """One flow step as a row would show it; ``sender`` ``None``: the message names
    none, so the platform used one registered for the channel."""

    channels: frozenset[str]
    body: re.Pattern[str]
    sender: str | None


@attrs.frozen
class Expected:
    """What rows of a message look like, and why some of its steps can prove nothing."""

    steps: tuple[Step, ...]
    unprovable: tuple[str, ...]
    scheduled_at: dt.datetime | None
    window: Mapping[str, Any] | None
    promotional_sms: bool = False
    """An SMS step in the promotional queue (no ``priority`` or ``transactional`` tag)."""


def expect(fields: Mapping[str, Any]) -> Expected:
    """What the rows of the message with these wire fields (``to`` aside) look like.

    >>> e = expect({"body": "Hi", "sender": "Shop"})
    >>> [(sorted(s.channels)[0], s.body.pattern, s.sender) for s in e.steps], e.unprovable
    ([('sms', 'Hi', 'Shop')], ())
    """
    flow = fields.get("flow") or [{"sms": {}}]
    steps: list[Step] = []
    unprovable: list[str] = []
    shortened = _shortening(fields.get("params"))
    for index, item in enumerate(flow):
        channel, step = next(iter(item.items()))
        step = step if isinstance(step, Mapping) else {}
        where = f"flow[{index}] ({channel})"
        if channel == "whatsapp_template":
            unprovable.append(f"{where} is a template the platform renders: its text is not known")
            continue
        if channel not in _CHANNELS:
            unprovable.append(f"{where}: how the platform lists this channel is not known")
            continue
        body = step.get("body") or fields.get("body")
        if not isinstance(body, str):
            unprovable.append(f"{where} has no text to compare")
            continue
        if channel == "sms" and step.get("type") == "sms" and not body.isascii():
            unprovable.append(f"{where} has type 'sms': the platform converts its Unicode text")
            continue
        sender = step.get("sender") or fields.get("sender")
        steps.append(Step(_CHANNELS[channel], _pattern(body, shortened), sender))
    scheduled = fields.get("datetime")
    window = fields.get("delivery_time")
    tags = {tag.strip().lower() for tag in str(fields.get("tag") or "").split(",")}
    return Expected(
        tuple(steps),
        tuple(unprovable),
        dt.datetime.fromisoformat(scheduled.replace("Z", "+00:00")) if scheduled else None,
        window if isinstance(window, Mapping) else None,
        promotional_sms=any("sms" in item for item in flow if isinstance(item, Mapping))
        and not tags & {"priority", "transactional"},
    )


def _shortening(params: Any) -> str | None:
    """The links the platform replaces in the body, as a regular expression."""
    if not isinstance(params, Mapping) or "_url" not in params:
        return None
    options = params["_url"] if isinstance(params["_url"], Mapping) else {}
    return _ANY_ADDRESS if options.get("type") == "all" else _FULL_URL


def _pattern(body: str, shortened: str | None) -> re.Pattern[str]:
    """The body as a pattern: literal, but for the links the platform shortens."""
    if shortened is None:
        return re.compile(re.escape(body), re.DOTALL)
    literal = re.split(shortened, body)
    return re.compile(r"\S+".join(re.escape(part) for part in literal), re.DOTALL)


def row_time(row: MessageRow) -> dt.datetime | None:
    """The earliest time a row tells (every event of a message follows its call)."""
    times = [
        t
        for t in (row.ts_sent, row.ts_delivered, row.ts_updated, row.ts_clicked, row.ts_seen)
        if t is not None
    ]
    return min(times) if times else None


def proves(
    row: MessageRow,
    step: Step,
    forms: Sequence[str],
    registered: Mapping[str, frozenset[str]],
) -> bool:
    """Whether ``row`` is this step of the message to one of these number forms (its
    time aside); ``registered``: the key's senders by channel, for a step without one."""
    if row.phone_number not in forms or row.flow not in step.channels:
        return False
    if step.body.fullmatch(row.body or "") is None:
        return False
    if step.sender is not None:
        return row.sender == step.sender
    return row.sender in registered.get(sender_channel(row.flow), frozenset())


def not_older(row: MessageRow, call: dt.datetime) -> bool | None:
    """Whether ``row`` is not older than a call made at ``call`` (the platform's clock);
    ``None`` when the row tells no time."""
    when = row_time(row)
    return None if when is None else when >= call - SLACK


def sender_channel(flow: str | None) -> str:
    """The channel a row's ``flow`` registers senders under (``/apikey/me``)."""
    flow = flow or ""
    return "whatsapp" if flow.startswith("whatsapp") else "sms" if flow.startswith("sms") else flow


def lookup_forms(
    key: str, given: str | None, *, international: bool, calling_code: str | None
) -> tuple[tuple[str, ...], str | None]:
    """The forms the platform may have stored a number under, and, when a form may be
    missing, why not finding it proves nothing.

    A number given with ``+`` or ``00`` (or read by a ``default_region``,
    ``international=True``) is stored as it was sent. One without may be national: the
    platform then stores it with the account's calling code.

    >>> lookup_forms("777123456", "0777 123 456", international=False, calling_code="420")
    (('420777123456', '777123456'), None)
    >>> lookup_forms("420777123456", "+420 777 123 456", international=False, calling_code=None)
    (('420777123456',), None)
    >>> lookup_forms("483621234", "48 362 12 34", international=False, calling_code="48")
    (('483621234', '48483621234'), None)
    """
    if international or _written_international(given or key):
        return (key,), None
    if calling_code is None:
        return (key,), (
            "the number was given without an international prefix (+ or 00): the platform "
            "may have stored it with the account's calling code; give the client "
            "account_country (the account's country, e.g. account_country='CZ') to look "
            "it up in that form"
        )
    if len(calling_code + key) > MAX_DIGITS:
        return (key,), None  # too long for a number: the platform cannot have added it
    if not (given or key).strip().startswith("0") and key.startswith(calling_code):
        # Likely international, but it may be national (area 48 in Poland): both.
        return (key, calling_code + key), None
    return (calling_code + key, key), None


_DAYTIME = {"start": "08:00", "end": "20:00", "tz": "Europe/Prague"}
"""When promotional SMS to some destinations go out (concepts/sending-queues: "for
example, SMS Czech Republic or France"; one received after 8 p.m. waits until 8 a.m.,
schedules and delivery windows included); both countries keep Central European time."""
_DAYTIME_ONLY = ("420", "33")


def held_to_daytime(expected: Expected, forms: Sequence[str]) -> bool:
    """Whether the platform sends this message to this number only in the daytime."""
    return expected.promotional_sms and any(f.startswith(_DAYTIME_ONLY) for f in forms)


def send_moment(
    call: dt.datetime,
    scheduled_at: dt.datetime | None,
    window: Mapping[str, Any] | None,
    *,
    daytime: bool = False,
) -> dt.datetime:
    """When the platform sends a message called at ``call``: its schedule, moved into
    its delivery window and (``daytime``) the hours promotional SMS go out in
    (``ValueError`` for a window that cannot be read).

    >>> monday_night = dt.datetime(2026, 7, 27, 22, tzinfo=dt.timezone.utc)
    >>> send_moment(monday_night, None, {"start": "08:00", "end": "21:00"}).isoformat()
    '2026-07-28T08:00:00+00:00'
    >>> send_moment(monday_night, None, None, daytime=True).isoformat()  # 00:00 in Prague
    '2026-07-28T06:00:00+00:00'
    """
    moment = max(call, scheduled_at) if scheduled_at is not None else call
    windows = [w for w in (window, _DAYTIME if daytime else None) if w is not None]
    for _ in range(16):  # each window may move it into the other's closed hours
        moved = moment
        for each in windows:
            moved = _into(moved, each)
        if moved == moment:
            return moment
        moment = moved
    raise ValueError("delivery_time and the daytime hours share no time")


def _into(moment: dt.datetime, window: Mapping[str, Any]) -> dt.datetime:
    """The first moment from ``moment`` on that ``window`` (``delivery_time``) allows."""
    try:
        zone = zoneinfo.ZoneInfo(window.get("tz") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"delivery_time.tz {window.get('tz')!r} is not a known time zone"
        ) from None
    days = window.get("days") or None
    start = _clock(window.get("start") or "00:00")
    end = _clock(window.get("end") or "24:00")
    local = moment.astimezone(zone)
    for shift in range(-1, 9):
        day = local.date() + dt.timedelta(days=shift)
        if days is not None and day.strftime("%A").lower() not in days:
            continue
        opens = dt.datetime.combine(day, dt.time(), zone) + start
        closes = dt.datetime.combine(day, dt.time(), zone) + end
        if closes <= opens:
            closes += dt.timedelta(days=1)  # a window across midnight
        if local < closes:
            return max(local, opens).astimezone(dt.timezone.utc)
    raise ValueError("delivery_time allows no day")


def _clock(text: str) -> dt.timedelta:
    hours, minutes = text.split(":")
    return dt.timedelta(hours=int(hours), minutes=int(minutes))


def _written_international(number: str) -> bool:
    """Whether ``number`` was written with ``+`` or ``00``, formatting and ``tel:`` aside.

    >>> _written_international("tel:+420-777-123-456"), _written_international("(00420) 777")
    (True, True)
    """
    try:
        text = _without_formatting(number, "phone_number")
    except ValidationError:
        return False
    return text.startswith(("+", "00"))
