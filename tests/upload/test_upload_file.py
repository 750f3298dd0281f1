"""The bulk upload file, written without a network: JSONL of wire messages (at most 10
recipients each, packed as send_bulk packs them), gzipped by default, spooled."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from smsmngr import Message, OutcomeStatus, ValidationError
from smsmngr._wire import message_to_wire
from smsmngr.bulk import _upload
from smsmngr.bulk._upload import SpooledUpload

from ..support import numbers

pytestmark = pytest.mark.anyio
_written: list[SpooledUpload] = []


@pytest.fixture(autouse=True)
def _close_files() -> Iterator[None]:
    yield
    while _written:
        _written.pop().close()


async def write_upload(*args: Any, **kwargs: Any) -> SpooledUpload:
    upload = await _upload.write_upload(*args, **kwargs)
    _written.append(upload)
    return upload


def lines_of(upload: SpooledUpload) -> list[dict[str, object]]:
    upload.file.seek(0)
    raw = upload.file.read()
    text = gzip.decompress(raw) if upload.filetype == "gz" else raw
    return [json.loads(line) for line in text.splitlines()]


async def test_recipients_go_ten_to_a_line_as_the_json_api_takes_them() -> None:
    message = Message("Sale", to=numbers(25), sender="Shop", tag="promo")
    upload = await write_upload(message)
    lines = lines_of(upload)
    assert [len(line["to"]) for line in lines] == [10, 10, 5]  # type: ignore[arg-type]
    assert lines[0] == message_to_wire(message, numbers(10))
    assert (upload.messages, upload.recipients, upload.refused) == (3, 25, ())


async def test_adjacent_messages_of_one_content_share_lines() -> None:
    messages = [Message("Hi", to=[n]) for n in numbers(12)] + [Message("Bye", to=numbers(1))]
    lines = lines_of(await write_upload(messages))
    assert [(line["body"], len(line["to"])) for line in lines] == [  # type: ignore[arg-type]
        ("Hi", 10),
        ("Hi", 2),
        ("Bye", 1),
    ]


async def test_the_file_is_gzipped_by_default_and_plain_jsonl_on_request() -> None:
    message = Message("Hi", to=numbers(3))
    zipped = await write_upload(message)
    plain = await write_upload(message, compress=False)
    assert (zipped.filetype, zipped.content_type) == ("gz", "application/gzip")
    assert (plain.filetype, plain.content_type) == ("jsonl", "application/jsonl")
    plain.file.seek(0)
    assert plain.file.read().endswith(b"}\n")
    assert lines_of(zipped) == lines_of(plain)


async def test_size_and_digest_are_those_of_the_bytes_sent_and_the_same_each_time() -> None:
    upload = await write_upload(Message("Hi", to=numbers(30)))
    body = b"".join([chunk async for chunk in upload])
    assert (len(body), hashlib.sha256(body).hexdigest()) == (upload.size, upload.sha256)
    again = await write_upload(Message("Hi", to=numbers(30)))
    assert again.sha256 == upload.sha256  # no timestamp in the gzip header
    assert b"".join([chunk async for chunk in upload]) == body  # read again from the start


async def test_invalid_numbers_are_left_out_and_reported_as_send_bulk_reports_them() -> None:
    upload = await write_upload(Message("Hi", to=["420777000001", "12", "420777000002"]))
    assert upload.recipients == 2
    (refused,) = upload.refused
    assert (refused.phone_number, refused.recipient_index, refused.status) == (
        "12",
        1,
        OutcomeStatus.REJECTED,
    )
    assert "messages[0].to[1]" in str(refused.error)
    assert [r["phone_number"] for line in lines_of(upload) for r in line["to"]] == [  # type: ignore[attr-defined]
        "420777000001",
        "420777000002",
    ]


async def test_input_that_is_not_a_message_is_refused_naming_it() -> None:
    with pytest.raises(ValidationError, match=r"messages\[1\]"):
        await write_upload([Message("Hi", to=numbers(1)), "Hi"])  # type: ignore[list-item]


async def test_an_async_iterable_is_read_lazily() -> None:
    async def messages() -> AsyncIterator[Message]:
        for number in numbers(15):
            yield Message("Hi", to=[number])

    upload = await write_upload(messages())
    assert (upload.messages, upload.recipients) == (2, 15)


async def test_a_large_file_goes_to_disk_not_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_upload, "_IN_MEMORY_BYTES", 1024)
    upload = await write_upload(Message("Hi", to=numbers(2000)), compress=False)
    assert upload.file._rolled  # type: ignore[attr-defined]
    assert upload.recipients == 2000


async def test_progress_is_told_the_recipients_read() -> None:
    seen: list[int] = []
    await write_upload(Message("Hi", to=numbers(25_000)), on_progress=seen.append)
    assert seen == [10_000, 20_000, 25_000]  # one message, told as its recipients are read
    seen.clear()
    await write_upload((Message("Hi", to=[n]) for n in numbers(25_000)), on_progress=seen.append)
    assert seen == [10_000, 20_000, 25_000]


class _DiskFull:
    """A spool that takes ``room`` bytes, then fails every write as a full disk does."""

    def __init__(self, room: int) -> None:
        self.room = room
        self.closed = False

    def write(self, data: bytes) -> int:
        if len(data) > self.room:
            self.room = 0  # full, and it stays full
            raise OSError(28, "No space left on device")
        self.room -= len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize("compress", [True, False])
async def test_a_full_disk_is_the_error_raised_and_the_spool_is_closed(
    monkeypatch: pytest.MonkeyPatch, compress: bool
) -> None:
    spool = _DiskFull(room=64)
    monkeypatch.setattr(_upload.tempfile, "SpooledTemporaryFile", lambda max_size: spool)
    with pytest.raises(OSError, match="No space left") as raised:
        await write_upload(Message("Hi", to=numbers(50_000)), compress=compress)
    assert raised.value.__context__ is None  # not hidden behind an error of the cleanup
    assert spool.closed
