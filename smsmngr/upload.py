"""The platform's path for very large campaigns: a bulk upload file through a presigned
URL (REST ``POST /messaging/url``), scheduled or not, and cancelling a schedule
(``POST /messaging/cancel``). Reached as ``client.upload_bulk`` and
``client.cancel_scheduled``.

The file is written whole (checked as ``send_bulk`` checks its input) before anything
goes out; then a URL is asked for and the file is PUT to it at once, with its length
and without the API key (the URL is the platform's storage, a host the user never
named). A PUT whose answer was lost raises ``DeliveryUncertainError`` and is never
repeated; a URL that expired before anything was sent is replaced once.

Example::

    result = await client.upload_bulk(Message("Sale", to=numbers), bulk_id="sale-07")
    await client.cancel_scheduled(bulk_id="sale-07")
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import attrs
import httpx

from ._calls import unreadable_answer
from ._checks import check_aware
from ._config import is_loopback
from ._pacer import Pacer
from ._reading import nonempty_text, read_object, readers_for
from ._rest import RestResource, nonempty
from ._transport import Transport
from ._wire import format_datetime
from .bulk._input import BulkInput
from .bulk._journal import Journal
from .bulk._outcomes import RecipientOutcome
from .bulk._upload import SpooledUpload, write_upload
from .errors import (
    DeliveryUncertainError,
    JournalError,
    PermissionDeniedError,
    SmsManagerError,
    ValidationError,
)
from .phone import PhoneNormalizer, normalize_phone_number

__all__ = ["ScheduleCancelled", "UploadResult"]

URL_LIFETIME = 60.0
"""Seconds a presigned upload URL is valid (``POST /messaging/url``): the PUT starts
as soon as the URL arrives, the file being written before it is asked for."""
_UPLOAD_AGAIN = {"failed"}  # outcomes that certainly sent nothing: uploading again is safe


@attrs.frozen
class UploadResult:
    """What ``upload_bulk`` sent: the ``bulk_id``, the wire ``messages`` (at most 10
    recipients each) and ``recipients`` in the file, the ``bytes_sent`` (the file's
    size, gzipped unless ``compress=False``), its ``sha256``, the ``scheduled_at`` the
    platform was given (``None``: processed at once) and the recipients refused
    locally (``rejected``, left out of the file), as ``send_bulk`` reports them.

    Example::

        result = await client.upload_bulk(Message("Sale", to=numbers), bulk_id="sale-07")
        print(result.recipients, result.bytes_sent, len(result.refused))
    """

    bulk_id: str
    messages: int
    recipients: int
    bytes_sent: int
    sha256: str
    scheduled_at: dt.datetime | None = None
    refused: tuple[RecipientOutcome, ...] = ()

    @property
    def total(self) -> int:
        """Every recipient given: those in the file and those refused locally."""
        return self.recipients + len(self.refused)


@attrs.frozen
class UploadUrl:
    """``POST /messaging/url``'s answer: the presigned ``url`` to PUT the file to."""

    url: str = attrs.field(repr=False)  # a credential for its 60 seconds
    success: bool | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class ScheduleCancelled:
    """``POST /messaging/cancel``'s answer: the platform's ``message``
    (``"Schedule cancelled"``)."""

    message: str | None = None
    success: bool | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


def parse_upload_url(data: Any) -> UploadUrl:
    return read_object(UploadUrl, data, readers_for(UploadUrl, url=nonempty_text))


def parse_cancelled(data: Any) -> ScheduleCancelled:
    return read_object(ScheduleCancelled, data, readers_for(ScheduleCancelled))


class _Messaging(RestResource):
    """The two REST calls: neither is repeated after a lost answer (coverage.md)."""

    async def upload_url(self, bulk_id: str, filetype: str, at: dt.datetime | None) -> UploadUrl:
        body = {"bulk_id": bulk_id, "filetype": filetype}
        if at is not None:
            body["datetime"] = format_datetime(at)
        answer = await self._call("POST", "/messaging/url", body=body, repeat=False)
        target = self._read(answer, None, parse_upload_url, where="POST /messaging/url")
        scheme, host = httpx.URL(target.url).scheme, httpx.URL(target.url).host
        if scheme != "https" and not (scheme == "http" and is_loopback(host)):
            reason = "POST /messaging/url answered with a 'url' that is not https"
            raise unreadable_answer(reason, answer)
        return target

    async def cancel(self, body: Mapping[str, str]) -> ScheduleCancelled:
        answer = await self._call("POST", "/messaging/cancel", body=body, repeat=False)
        return self._read(answer, None, parse_cancelled, where="POST /messaging/cancel")


def _expired(error: PermissionDeniedError) -> bool:
    """S3's 403 for a presigned URL past its time: ``AccessDenied``, "Request has expired"."""
    return "expired" in str(error.body).lower()


async def _put(
    transport: Transport,
    messaging: _Messaging,
    upload: SpooledUpload,
    bulk_id: str,
    at: dt.datetime | None,
    before_put: Callable[[], object],
) -> None:
    """Ask for a URL and PUT the file to it at once; a URL that expired before anything
    was sent is replaced, once."""
    pacer = Pacer()  # the storage's own pace: nothing of the APIs' holds it back
    for url_number in range(2):
        target = await messaging.upload_url(bulk_id, upload.filetype, at)
        if url_number == 0:
            before_put()
        try:
            await transport.request(
                "PUT",
                "",
                base_url=target.url,
                content=upload,
                headers={"content-type": upload.content_type, "content-length": str(upload.size)},
                send_key=False,
                pacer=pacer,
                retry_429=False,
                where="PUT <the presigned upload URL>",
                raw=True,  # the storage's 2xx has no JSON body (S3 answers an empty one)
            )
            return
        except PermissionDeniedError as error:
            if url_number == 1 or not _expired(error):
                raise


def _check_journal(journal: Journal, bulk_id: str, force: bool) -> None:
    held = journal.upload_of(bulk_id)
    if held is None or held[1] in _UPLOAD_AGAIN or force:
        return
    sha256, outcome, recipients, at = held
    when = dt.datetime.fromtimestamp(at, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    said = {
        "uploaded": "was uploaded",
        "uncertain": "may have been uploaded (its answer was lost)",
        "uploading": "may have been uploaded (the upload was cut off)",
    }.get(outcome, f"ended {outcome!r}")
    raise JournalError(
        f"bulk id {bulk_id!r} {said} through {journal.path} on {when} ({recipients} "
        f"recipients, sha256 {sha256[:12]}...): uploading it again could send them twice. "
        "Check on the platform whether it was processed (or cancel it if scheduled); to "
        "upload it anyway, pass force=True (command line: --force), or use another bulk id."
    )


async def upload_bulk(
    transport: Transport,
    normalize: PhoneNormalizer,
    messages: BulkInput,
    *,
    bulk_id: str,
    at: dt.datetime | None,
    compress: bool,
    journal: Callable[[], Journal] | None,
    force: bool,
    on_progress: Callable[[int], object] | None,
    preflight: Callable[[BulkInput], Awaitable[BulkInput]] | None = None,
) -> UploadResult:
    """``client.upload_bulk``: see its docstring. ``journal()`` opens the journal;
    ``preflight`` checks the key and the messages' senders as they are written."""
    nonempty("bulk_id", bulk_id)
    if at is not None:
        check_aware("at", at)
    for name, value in (("compress", compress), ("force", force)):
        if not isinstance(value, bool):
            raise ValidationError(name, f"must be True or False, got {value!r}")
    opened = journal() if journal is not None else None
    try:
        if opened is not None:
            _check_journal(opened, bulk_id, force)
        if preflight is not None:  # before the file is written, and so before it is sent
            messages = await preflight(messages)
        upload = await write_upload(
            messages, compress=compress, normalize=normalize, on_progress=on_progress
        )
        try:
            result = UploadResult(
                bulk_id,
                upload.messages,
                upload.recipients,
                upload.size,
                upload.sha256,
                at,
                upload.refused,
            )
            if upload.recipients == 0:
                return attrs.evolve(result, bytes_sent=0)  # nothing to send: no URL asked
            await _send(transport, normalize, upload, bulk_id, at, opened)
            return result
        finally:
            upload.close()
    finally:
        if opened is not None:
            opened.close()


async def _send(
    transport: Transport,
    normalize: PhoneNormalizer,
    upload: SpooledUpload,
    bulk_id: str,
    at: dt.datetime | None,
    journal: Journal | None,
) -> None:
    started: list[bool] = []

    def record(outcome: str) -> None:
        if journal is not None:
            journal.record_upload(bulk_id, upload.sha256, outcome, upload.recipients)

    def before_put() -> None:
        started.append(True)
        record("uploading")

    try:
        await _put(transport, _Messaging(transport, normalize), upload, bulk_id, at, before_put)
    except DeliveryUncertainError:
        # Before the PUT (a lost answer to POST /messaging/url) no file went anywhere.
        record("uncertain" if started else "failed")
        raise
    except SmsManagerError:
        record("failed")  # refused, or never reached: nothing was uploaded
        raise
    record("uploaded")


async def cancel_scheduled(
    transport: Transport, message_id: str | None, bulk_id: str | None
) -> ScheduleCancelled:
    """``client.cancel_scheduled``: see its docstring."""
    if (message_id is None) == (bulk_id is None):
        raise ValidationError("message_id", "give message_id or bulk_id, exactly one of them")
    body = (
        {"message_id": nonempty("message_id", message_id)}
        if message_id is not None
        else {"bulk_id": nonempty("bulk_id", bulk_id)}
    )
    return await _Messaging(transport, normalize_phone_number).cancel(body)
