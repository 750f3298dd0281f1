"""The fake's contact lists and inbox: ``/optout``, ``/blacklist`` (GET, POST, DELETE)
and ``GET /inbox``, with the reference's shapes and messages.

A list is read through a download URL valid 60 seconds of the fake's clock, served by
the fake itself (``/_fake/contactlist/...``): a download carrying the API key is
refused, so a key that leaked onto it fails a test. The lists are checked when the
fake sends, that is when it makes its delivery reports: a number on the block list, or
on the opt-out list for a message tagged ``promotional``, is reported ``rejected``
with ``[304] Phone number is blacklisted or opted-out``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._answer import Answer
from ._lists_state import DEFAULT_SUBID, ListsState
from ._routes import Routes
from ._rules import normalized_number, stored_number

if TYPE_CHECKING:
    from ._rest import RestAnswer, RestCall, RestHandler

__all__ = ["DOWNLOAD_PREFIX", "ROUTES", "answer_download"]

DOWNLOAD_PREFIX = "/_fake/contactlist/"
URL_LIFETIME = 60.0
"""Seconds a download URL is valid (the reference's presigned URL)."""
_NOT_FOUND = {"optout": "Optout not found", "blacklist": "Blacklist not found"}
_LOOPBACK = ("127.0.0.1", "localhost", "[::1]")


ROUTES: Routes[RestHandler] = Routes()
"""The contact lists and the inbox, by method and path."""


def _name(call: RestCall) -> str:
    return call.path.strip("/")


def _subid(value: Any) -> str:
    return value if isinstance(value, str) and value else DEFAULT_SUBID


def _lines(value: Any) -> list[str]:
    return [line.strip() for line in value.split("\n") if line.strip()]


def _read(lists: ListsState, lines: list[str]) -> tuple[dict[str, None], list[str]]:
    """The valid numbers of ``lines`` as stored (unique, in order), and the others."""
    valid: dict[str, None] = {}
    invalid = []
    for line in lines:
        if normalized_number(line) is None:
            invalid.append(line)
        else:
            valid[stored_number(line, lists.calling_code)] = None
    return valid, invalid


@ROUTES("POST", "/optout")
@ROUTES("POST", "/blacklist")
def _add(call: RestCall) -> RestAnswer:
    body = call.body if isinstance(call.body, Mapping) else {}
    to = body.get("to")
    if not isinstance(to, str) or not _lines(to):
        return 400, {"success": False, "message": "Missing 'to'"}
    lists = call.state.lists
    valid, invalid = _read(lists, _lines(to))
    if not valid:
        return 400, {"success": False, "message": "No valid phone numbers", "invalid": invalid}
    lists.numbers.setdefault((_name(call), _subid(body.get("subid"))), {}).update(valid)
    return 200, {"success": True, "accepted": len(valid), "invalid": invalid}


@ROUTES("DELETE", "/optout")
@ROUTES("DELETE", "/blacklist")
def _remove(call: RestCall) -> RestAnswer:
    name = _name(call)
    body = call.body if isinstance(call.body, Mapping) else {}
    to, wipe = body.get("to"), body.get("all") is True
    if not wipe and not (isinstance(to, str) and _lines(to)):
        return 400, {"success": False, name: {"message": "Provide 'to' or 'all: true'"}}
    lists = call.state.lists
    numbers = lists.numbers.get((name, _subid(body.get("subid"))))
    if not numbers:
        return 404, {"success": False, name: {"message": _NOT_FOUND[name]}}
    if wipe:
        numbers.clear()
        return 200, {"success": True, name: {"wiped": True}}
    valid, invalid = _read(lists, _lines(str(to)))
    removed = [number for number in valid if number in numbers]
    for number in removed:
        del numbers[number]
    change = {"removed": len(removed), "remaining": len(numbers), "invalid": invalid}
    return 200, {"success": True, name: change}


@ROUTES("GET", "/optout")
@ROUTES("GET", "/blacklist")
def _download_url(call: RestCall) -> RestAnswer:
    name = _name(call)
    lists = call.state.lists
    numbers = lists.numbers.get((name, _subid(call.query.get("subid"))))
    if not numbers:
        return 404, {"success": True, "message": _NOT_FOUND[name]}
    token = lists.new_token(name)
    content = "".join(f"{n}\r\n" for n in ("phone_number", *numbers)).encode()
    lists.downloads[token] = (content, lists.clock() + URL_LIFETIME)
    host = call.headers.get("host", "localhost")
    scheme = "http" if host.rpartition(":")[0] in _LOOPBACK or host in _LOOPBACK else "https"
    query = f"X-Amz-Expires={int(URL_LIFETIME)}&X-Amz-Signature={token}"
    return 200, {"success": True, "url": f"{scheme}://{host}{DOWNLOAD_PREFIX}{token}.csv?{query}"}


def answer_download(
    path: str, query: Mapping[str, str], headers: Mapping[str, str], lists: ListsState, key: str
) -> Answer:
    """A list's file at the URL ``GET /optout`` or ``/blacklist`` gave, as the
    platform's storage serves it (S3's XML errors)."""
    if "x-api-key" in headers or any(key in value for value in query.values()):
        return _storage_error(403, "AccessDenied", "the fake refuses a download carrying the key")
    token = path[len(DOWNLOAD_PREFIX) :].removesuffix(".csv")
    found = lists.downloads.get(token)
    if found is None or query.get("X-Amz-Signature") != token:
        return _storage_error(404, "NoSuchKey", "The specified key does not exist.")
    content, expires_at = found
    if lists.clock() > expires_at:
        return _storage_error(403, "AccessDenied", "Request has expired")
    return Answer(200, content, headers={"content-type": "text/csv"})


def _storage_error(status: int, code: str, message: str) -> Answer:
    xml = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    return Answer(status, xml.encode(), headers={"content-type": "application/xml"})


@ROUTES("GET", "/inbox")
def _inbox(call: RestCall) -> RestAnswer:
    day = call.query.get("date")
    if not day:
        return 400, {"message": "Missing 'date' or 'xapikey' in request data"}
    lists = call.state.lists
    zone = zoneinfo.ZoneInfo(lists.time_zone)
    items = [
        item
        for at, item in lists.inbox
        if dt.datetime.fromtimestamp(at, zone).date().isoformat() == day
    ]
    return 200, {"success": True, "inbox": items}
