"""The fake's bulk messaging (REST ``POST /messaging/url`` and ``/messaging/cancel``)
and the storage host its presigned URLs point to.

A URL is valid for 60 seconds of the fake's clock, on a host of its own (another port
when served, so an SDK that sent the API key there fails: the storage refuses any
request carrying it). An uploaded file (JSONL or gzipped JSONL of Message objects) is
processed into the ledger as ``/messages`` calls are, at once or, when the URL was
asked with a ``datetime``, once the fake's clock reaches it; a cancelled one never goes.
The storage answers as S3 does (403 for an expired URL or a wrong ``Content-Type``, 411
without a ``Content-Length``, 501 for a chunked body), with JSON bodies.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import secrets
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from ._answer import Answer, Request
from ._routes import Routes
from ._rules import message_problem

if TYPE_CHECKING:
    from ._ledger import SentRecipient
    from ._sending import SendingState

RestAnswer = tuple[int, Any]


class RestCall(Protocol):
    """What a handler reads of ``_rest.RestCall`` (named by shape: ``_rest`` imports this
    module for ``MessagingState``)."""

    @property
    def body(self) -> Any: ...
    @property
    def sent(self) -> list[SentRecipient]: ...
    @property
    def state(self) -> Any: ...


__all__ = ["ROUTES", "UPLOAD_PATH", "MessagingState", "Upload", "answer_upload"]

UPLOAD_PATH = "/bulk-uploads/"
URL_LIFETIME = 60.0
CONTENT_TYPES = {"jsonl": "application/jsonl", "gz": "application/gzip"}
ENDPOINT = "/messaging/url"
"""What the ledger names an uploaded file's calls and recipients by."""


@attrs.define
class Upload:
    """One presigned URL and what became of it: ``state`` is ``waiting`` (no file yet),
    ``scheduled`` (a file waits for ``at``), ``processed`` or ``cancelled``;
    ``recipients`` and ``refused_lines`` count what processing found."""

    token: str
    bulk_id: str
    filetype: str
    at: float | None
    expires: float
    state: str = "waiting"
    body: bytes | None = None
    recipients: int = 0
    refused_lines: int = 0


class MessagingState:
    """The uploads the fake knows, the message ids cancelled, and where its storage is
    (``upload_base``: a host of its own in-process, another port when served)."""

    def __init__(self) -> None:
        self.upload_base = "https://uploads.fake-smsmngr.invalid"
        self.uploads: dict[str, Upload] = {}
        self.cancelled: set[str] = set()
        """Ids of scheduled messages cancelled (``message_id``): they get no reports."""
        self.api_key: str = ""
        self.clock: Callable[[], float] = lambda: 0.0
        self._sending: SendingState | None = None

    def bind(self, sending: SendingState, clock: Callable[[], float], api_key: str) -> None:
        """Wire it to the fake's sending state (ids, ledger), clock and key."""
        self._sending, self.clock, self.api_key = sending, clock, api_key

    def by_bulk_id(self, bulk_id: str) -> list[Upload]:
        return [u for u in self.uploads.values() if u.bulk_id == bulk_id]

    def run_due(self) -> None:
        """Process every scheduled file whose time has come."""
        now = self.clock()
        for upload in self.uploads.values():
            if upload.state == "scheduled" and (upload.at or 0) <= now:
                self.process(upload)

    def process(self, upload: Upload) -> None:
        """Put the file's messages in the ledger, as ``/messages`` calls would."""
        sending = self._sending
        assert sending is not None, "bind() wires the state to the fake"
        upload.state = "processed"
        request_id = sending.new_id()
        ledger = sending.ledger
        ledger.call_counts[ENDPOINT] += 1
        ledger.processed_call_counts[ENDPOINT] += 1
        for message in _messages(upload):
            if message is None or message_problem(message):
                upload.refused_lines += 1
                continue
            message_id = sending.new_id()
            for position, recipient in enumerate(message["to"]):
                number = recipient["phone_number"]
                sending.sent(
                    (number, f"{message_id}-{position}", request_id),
                    ENDPOINT,
                    0,
                    message,
                    self.clock,
                )
                upload.recipients += 1
        upload.body = None


def _messages(upload: Upload) -> Iterator[dict[str, Any] | None]:
    """Each line's Message object (``None`` for a line that is not JSON); an unreadable
    gzip file gives one ``None``."""
    raw = io.BytesIO(upload.body or b"")
    # A gzip file is read as it goes: a large one is not held twice.
    body: Iterable[bytes] = gzip.GzipFile(fileobj=raw) if upload.filetype == "gz" else raw
    try:
        for line in body:
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except ValueError:
                yield None
    except (OSError, EOFError, zlib.error):  # not gzip, or cut short
        yield None


ROUTES: Routes[Callable[[RestCall], RestAnswer]] = Routes()
"""The bulk messaging operations, by method and path."""


def _bad(message: str) -> RestAnswer:
    return 400, {"message": message}


@ROUTES("POST", "/messaging/url")
def _url(call: RestCall) -> RestAnswer:
    state: MessagingState = call.state.messaging
    body = call.body if isinstance(call.body, dict) else {}
    bulk_id, filetype, when = body.get("bulk_id"), body.get("filetype"), body.get("datetime")
    if not isinstance(bulk_id, str) or not bulk_id or not isinstance(filetype, str):
        return _bad("Missing 'bulk_id' or 'filetype' or 'datetime' in request data")
    if filetype not in CONTENT_TYPES:
        return _bad("Unsupported filetype")
    at = None
    if when is not None:
        try:
            moment = dt.datetime.fromisoformat(str(when).replace("Z", "+00:00"))
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            return _bad("Missing 'bulk_id' or 'filetype' or 'datetime' in request data")
        at = moment.timestamp()
    token = secrets.token_hex(16)
    state.uploads[token] = Upload(token, bulk_id, filetype, at, state.clock() + URL_LIFETIME)
    url = f"{state.upload_base}{UPLOAD_PATH}{token}?X-Amz-Expires=60&X-Amz-Signature={token[:8]}"
    return 200, {"success": True, "url": url}


@ROUTES("POST", "/messaging/cancel")
def _cancel(call: RestCall) -> RestAnswer:
    state: MessagingState = call.state.messaging
    body = call.body if isinstance(call.body, dict) else {}
    given = {k: body[k] for k in ("message_id", "bulk_id") if body.get(k) is not None}
    if len(given) != 1 or not all(isinstance(v, str) and v for v in given.values()):
        return _bad("Missing 'message_id' or 'bulk_id' in request data")
    failed = 500, {"message": "Failed to cancel schedule"}
    now = state.clock()
    if "bulk_id" in given:
        pending = [
            u
            for u in state.by_bulk_id(given["bulk_id"])
            if u.at is not None and u.at > now and u.state in ("waiting", "scheduled")
        ]
        if not pending:
            return failed
        for upload in pending:
            upload.state, upload.body = "cancelled", None
    else:
        message_id = given["message_id"]
        scheduled = [
            s
            for s in call.sent
            if (s.message_id == message_id or s.message_id.startswith(message_id + "-"))
            and _scheduled_after(s.message, now)
        ]
        if not scheduled or message_id in state.cancelled:
            return failed
        state.cancelled.update(s.message_id for s in scheduled)
    return 200, {"success": True, "message": "Schedule cancelled"}


def _scheduled_after(message: Mapping[str, Any], now: float) -> bool:
    when = message.get("datetime")
    try:
        at = dt.datetime.fromisoformat(str(when).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return False
    return at > now


def _storage_error(status: int, code: str, message: str) -> Answer:
    return Answer(status, {"Code": code, "Message": message})


def _carries(key: str, values: tuple[str, ...]) -> bool:
    """Whether the key is among ``values`` (or inside one, for a key long enough not to
    be found by chance, as ``"k"`` would be in ``keep-alive``)."""
    return bool(key) and any(v == key or (len(key) >= 8 and key in v) for v in values)


def answer_upload(state: MessagingState, request: Request) -> Answer:
    """The storage host's answer to one request (a PUT of an upload file)."""
    method, path, query, headers = request.method, request.path, request.query, request.headers
    body = request.body
    if "x-api-key" in headers or _carries(state.api_key, (*headers.values(), *query.values())):
        return _storage_error(403, "AccessDenied", "The API key was sent to the storage host")
    upload = (
        state.uploads.get(path.removeprefix(UPLOAD_PATH)) if path.startswith(UPLOAD_PATH) else None
    )
    if upload is None:
        return _storage_error(403, "SignatureDoesNotMatch", "No such upload URL")
    if method != "PUT":
        return _storage_error(405, "MethodNotAllowed", f"{method} is not allowed")
    if state.clock() > upload.expires:
        return _storage_error(403, "AccessDenied", "Request has expired")
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return _storage_error(
            501, "NotImplemented", "Transfer-Encoding: chunked is not implemented"
        )
    if "content-length" not in headers:
        return _storage_error(411, "MissingContentLength", "You must provide the Content-Length")
    if headers.get("content-type", "").partition(";")[0].strip() != CONTENT_TYPES[upload.filetype]:
        return _storage_error(
            403, "SignatureDoesNotMatch", "The Content-Type is not the signed one"
        )
    if upload.state == "cancelled":
        return Answer(200, None)  # stored, and never processed
    upload.body = body
    upload.state = "scheduled"
    if upload.at is None or upload.at <= state.clock():
        state.process(upload)
    return Answer(200, None)
