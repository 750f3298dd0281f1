"""The platform's bulk upload file (REST ``POST /messaging/url``): JSONL of wire
messages, gzipped by default, written to a spooled temporary file. Pure: no network.

The input is what ``send_bulk`` takes, packed by the same ``Packer`` (at most 10
recipients a wire message, adjacent messages of one content merged), with the same
checks: input that is not a ``Message`` stops with ``ValidationError``, a recipient
whose number is invalid is left out and reported ``rejected``. Memory stays flat: the
packer is lazy, and the file spills to disk past a few megabytes.
"""

from __future__ import annotations

import gzip
import hashlib
import tempfile
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import aclosing, suppress
from typing import IO, Any

import attrs

from ..phone import PhoneNormalizer, normalize_phone_number
from ._input import BulkInput, numbered
from ._outcomes import RecipientOutcome
from ._packing import Call, FromJournal, Packer

__all__ = ["CONTENT_TYPES", "SpooledUpload", "write_upload"]

CONTENT_TYPES = {"jsonl": "application/jsonl", "gz": "application/gzip"}
"""The ``Content-Type`` of each ``filetype`` (``POST /messaging/url``'s description)."""
_IN_MEMORY_BYTES = 8 * 1024 * 1024  # past this, the file spills to disk
_READ_BYTES = 256 * 1024
_WRITE_BYTES = 256 * 1024  # lines are gathered into writes this large
_PROGRESS_EVERY = 10_000  # recipients


@attrs.define(eq=False)
class SpooledUpload:
    """A written upload file: ``filetype`` (``jsonl`` or ``gz``), its ``size`` in bytes
    and ``sha256`` digest, the wire ``messages`` (lines) and ``recipients`` it holds,
    and the recipients refused locally (``rejected``, left out of it). ``chunks()``
    reads it from the start each time it is iterated (so a retried PUT sends it whole)."""

    file: IO[bytes]
    filetype: str
    size: int
    sha256: str
    messages: int
    recipients: int
    refused: tuple[RecipientOutcome, ...]

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.filetype]

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self.chunks()

    async def chunks(self) -> AsyncIterator[bytes]:
        self.file.seek(0)
        while chunk := self.file.read(_READ_BYTES):
            yield chunk

    def close(self) -> None:
        self.file.close()


class _Digesting:
    """A write-only file that counts and hashes what goes through it to ``target``."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.size = 0
        self.hash = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.size += len(data)
        self.hash.update(data)
        return self.target.write(data)

    def flush(self) -> None:
        self.target.flush()


class _Lines:
    """Wire messages out of packed calls, gathered into large writes."""

    def __init__(self, out: Any) -> None:
        self._out = out
        self._pending: list[str] = []
        self._pending_chars = 0
        self.messages = 0
        self.recipients = 0

    def add(self, call: Call) -> None:
        for text, chunk in zip(call.body, call.chunks, strict=True):
            self._pending.append(text)
            self._pending_chars += len(text)
            self.messages += 1
            self.recipients += len(chunk)
        if self._pending_chars >= _WRITE_BYTES:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self._out.write(("\n".join(self._pending) + "\n").encode())
            self._pending, self._pending_chars = [], 0


async def write_upload(
    messages: BulkInput,
    *,
    compress: bool = True,
    normalize: PhoneNormalizer = normalize_phone_number,
    on_progress: Callable[[int], object] | None = None,
) -> SpooledUpload:
    """The upload file of ``messages``: one wire message (at most 10 recipients) a line,
    gzipped unless ``compress=False``. ``on_progress(recipients)`` is told how many
    recipients were read so far, now and then. A ``ValidationError`` (input that is
    not a ``Message``) leaves no file behind.

    Example::

        upload = await write_upload(Message("Sale", to=numbers))
        upload.recipients, upload.size, upload.sha256
    """
    file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY_BYTES)  # noqa: SIM115
    out: Any = None
    try:
        digesting = _Digesting(file)
        # mtime=0: the same input gives the same bytes, so the same digest.
        out = gzip.GzipFile(fileobj=digesting, mode="wb", mtime=0) if compress else digesting
        lines = _Lines(out)
        packer = Packer(normalize=normalize)
        refused: list[RecipientOutcome] = []
        told = 0

        def tell(at_least: int) -> None:
            nonlocal told
            read = lines.recipients + len(refused)
            if on_progress is not None and read - told >= at_least:
                told = read
                on_progress(read)

        def take(items: Iterable[Call | RecipientOutcome | FromJournal]) -> None:
            for item in items:
                if isinstance(item, Call):
                    lines.add(item)
                elif isinstance(item, RecipientOutcome):
                    refused.append(item)
                tell(_PROGRESS_EVERY)

        async with aclosing(numbered(messages)) as indexed:
            async for index, message in indexed:
                take(packer.add(index, message))
        take(packer.finish())
        lines.flush()
        if compress:
            out.close()  # writes the gzip trailer; the spooled file stays open
        tell(1)
    except BaseException:
        try:
            if isinstance(out, gzip.GzipFile):
                with suppress(Exception):  # the error being raised is the one to report
                    out.close()
        finally:
            file.close()
        raise
    return SpooledUpload(
        file,
        "gz" if compress else "jsonl",
        digesting.size,
        digesting.hash.hexdigest(),
        lines.messages,
        lines.recipients,
        tuple(refused),
    )
