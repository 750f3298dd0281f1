"""The one JSON form of webhook events: what ``smsmngr webhook parse`` prints, what
``smsmngr journal reports`` reads, and what scripts store and read back.

An event is a JSON object naming its kind under ``"event"``, then its fields by name:
times in ISO 8601, ``result_info`` and ``stats`` as objects, what came from the
network (``payload``, ``extra``, ``raw``) as it came. A raw webhook item (no
``"event"``) is read as ``parse`` reads it, so files may hold either.
"""

from __future__ import annotations

import codecs
import datetime as dt
import decimal
import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import IO, Any

import attrs

from .._reading import Unreadable, field, mapping, offset_timestamp, optional, required, text
from ..errors import WebhookError
from . import _events as events
from ._parse import _event, incoming_fields, read_stats, reply_fields, report_fields

__all__ = ["from_json", "read_events", "to_json"]

_CHUNK = 64 * 1024
# A value cut off by a chunk's end fails to decode within a token's length of that end
# (at its unfinished token, or where an unterminated string starts); an error further
# back is text that is not JSON, reported at once rather than after reading the rest.
_TOKEN = 16
_WHITESPACE = re.compile(r"[ \t\n\r]*")


def to_json(event: events.Event) -> dict[str, Any]:
    """``event`` as JSON-ready data, in the form ``from_json`` reads back.

    >>> from smsmngr.webhooks import parse
    >>> report, = parse(b'{"message_id": "m-0", "result": "sent", "timestamp": 1700000000}')
    >>> data = to_json(report)
    >>> data["event"], data["timestamp"]
    ('DeliveryReport', '2023-11-14T22:13:20+00:00')
    >>> from_json(data) == report
    True
    """
    return {"event": type(event).__name__, **_plain(event)}


def _plain(value: Any) -> Any:
    # Only the SDK's own classes are taken apart: what came from the network is
    # already JSON, and is left to json.dumps however deeply it nests.
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)  # exact, as from_json reads it back
    if attrs.has(type(value)):
        return {
            field.name: _plain(getattr(value, field.name)) for field in attrs.fields(type(value))
        }
    return value


def from_json(data: Any) -> events.Event:
    """The event ``to_json`` wrote, or the event of one raw webhook item.

    Like ``parse``, it never raises for one item: what cannot be read is an
    ``InvalidEvent`` with the reason.

    >>> message = from_json({"event": "IncomingMessage", "sender": "420777123456", "body": "STOP"})
    >>> type(message).__name__, message.body
    ('IncomingMessage', 'STOP')
    """
    if not isinstance(data, Mapping) or "event" not in data:
        return _event(data)
    reader = _READERS.get(data["event"])
    if reader is None:
        return events.InvalidEvent(data, f"unknown event kind {data['event']!r}")
    try:
        return reader(data)
    except Unreadable as error:
        return events.InvalidEvent(data, str(error))
    except (ValueError, TypeError, OverflowError) as error:
        return events.InvalidEvent(data, f"unreadable: {type(error).__name__}")


_object = optional(mapping)


def _extra(data: Mapping[str, Any]) -> dict[str, Any]:
    return dict(field(data, "extra", mapping))


def _report(data: Mapping[str, Any]) -> events.DeliveryReport:
    info = field(data, "result_info", _object)
    raw = field(data, "stats", _object)
    stats = None
    if raw is not None:
        fields = {key: value for key, value in raw.items() if key not in ("channel", "extra")}
        stats = read_stats(field(raw, "channel", required(text)), {**_extra(raw), **fields})
    return events.DeliveryReport(
        **report_fields(data, offset_timestamp),
        phone_number=field(data, "phone_number", text),
        result_info=events.ResultInfo.parse(field(info, "raw", required(text))) if info else None,
        stats=stats,
        extra=_extra(data),
    )


def _reply(data: Mapping[str, Any]) -> events.IncomingReply:
    return events.IncomingReply(**reply_fields(data, offset_timestamp), extra=_extra(data))


def _incoming(data: Mapping[str, Any]) -> events.IncomingMessage:
    return events.IncomingMessage(**incoming_fields(data, offset_timestamp), extra=_extra(data))


def _unknown(data: Mapping[str, Any]) -> events.UnknownEvent:
    return events.UnknownEvent(field(data, "raw", required(_object)))


def _invalid(data: Mapping[str, Any]) -> events.InvalidEvent:
    return events.InvalidEvent(data.get("raw"), field(data, "reason", text) or "")


_READERS: dict[str, Callable[[Mapping[str, Any]], events.Event]] = {
    "DeliveryReport": _report,
    "IncomingReply": _reply,
    "IncomingMessage": _incoming,
    "UnknownEvent": _unknown,
    "InvalidEvent": _invalid,
}


def read_events(source: IO[bytes]) -> Iterator[events.Event]:
    """The events of a file or stream, read as it goes, whatever its size.

    It holds JSON values one after another: webhook bodies (an array or one object, as
    the platform POSTs them), raw webhook items or events in ``to_json``'s form, one a
    line (NDJSON) or laid out any other way. Text that is not JSON raises
    ``WebhookError`` naming its line; one unreadable item is an ``InvalidEvent``.

    >>> import io
    >>> lines = b'{"message_id": "m-0", "result": "sent"}\\n[{"message_id": "m-1", "result": "ok"}]'
    >>> [event.message_id for event in read_events(io.BytesIO(lines))]
    ['m-0', 'm-1']
    """
    for value, line in _json_values(source):
        if isinstance(value, list):
            yield from (from_json(item) for item in value)
        elif isinstance(value, Mapping):
            yield from_json(value)
        else:
            raise WebhookError(
                f"line {line}: a webhook body must be a JSON array or object, "
                f"got {type(value).__name__}"
            )


def _json_values(source: IO[bytes]) -> Iterator[tuple[Any, int]]:
    """Each JSON value of ``source`` with the line it starts on. A value cut off by the
    end of what was read is tried again with twice as much more, so reading stays
    linear in the size of the text however long one value is."""
    decoder = json.JSONDecoder()
    utf8 = codecs.getincrementaldecoder("utf-8-sig")()
    text, at, line, chunk, ended = "", 0, 1, _CHUNK, False
    while True:
        start = _WHITESPACE.match(text, at).end()  # type: ignore[union-attr]
        line += text.count("\n", at, start)
        at = start
        if at < len(text):
            try:
                value, end = decoder.raw_decode(text, at)
            except json.JSONDecodeError as error:
                if ended or not _cut_off(error, len(text)):
                    where = line + text.count("\n", at, error.pos)
                    raise WebhookError(f"line {where}: not JSON: {error.msg}") from None
            except RecursionError:
                raise WebhookError(f"line {line}: not JSON: nested too deeply") from None
            else:
                # A number that ends where the text read so far ends may go on.
                if end < len(text) or ended or isinstance(value, (list, dict, str)):
                    yield value, line
                    line += text.count("\n", at, end)
                    at, chunk = end, _CHUNK
                    continue
        elif ended:
            return
        data = source.read(chunk)
        chunk *= 2
        try:
            more = utf8.decode(data, final=not data)
        except UnicodeDecodeError as error:
            raise WebhookError(f"line {line}: not UTF-8 ({error.reason})") from None
        text, at, ended = text[at:] + more, 0, not data


def _cut_off(error: json.JSONDecodeError, length: int) -> bool:
    return error.pos >= length - _TOKEN or error.msg.startswith("Unterminated string")
