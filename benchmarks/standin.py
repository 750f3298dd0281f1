"""A stand-in for the sending API that is never the bottleneck: plain asyncio on loopback.

    python -m benchmarks.standin PORT API_KEY

It answers ``POST /v2/messages`` and ``POST /v2/message`` as the API documents them
(every message accepted, keyed by its index, one message id each) and refuses what the
API refuses (a wrong key, a body that is not a JSON list of at most 10 messages of at
most 10 recipients each). ``GET /v2/_calls`` gives the number of sending calls
answered, and of connections opened.
HTTP/1.1 with keep-alive and Content-Length framing only: what every benchmarked client
sends. Its cost per call is a ``json.loads`` and a formatted answer, far below the
fake API's under uvicorn, whose own work muddies ratios measured against it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import sys
from typing import Any

__all__ = ["answer_for", "main", "serve"]

_MAX_MESSAGES = 10
_MAX_RECIPIENTS = 10
_ids = itertools.count()


def answer_for(path: bytes, body: bytes, key: bytes, headers: dict[bytes, bytes]) -> bytes:
    """The whole HTTP answer to one request (its head already parsed).

    >>> answer_for(b"/v2/_calls", b"", b"k", {})[:15]
    b'HTTP/1.1 200 OK'
    """
    if path == b"/v2/_calls":
        return _response(200, b'{"calls":%d,"connections":%d}' % (_calls.count, _calls.connections))
    if path not in (b"/v2/messages", b"/v2/message"):
        return _response(404, b'{"message":"Not Found"}')
    if headers.get(b"x-api-key") != key:
        return _response(400, b'{"Message":"User is not authorized to access this resource"}')
    try:
        payload = json.loads(body)
    except ValueError:
        return _response(400, b'{"message":"Invalid JSON"}')
    messages = payload if path == b"/v2/messages" else [payload]
    if not _valid(messages):
        return _response(400, b'{"message":"Invalid request"}')
    _calls.count += 1
    request = next(_ids)
    accepted = ",".join(
        f'{{"key":"{i}","message_id":"{request:08x}-0000-4000-8000-{i:012x}"}}'
        for i in range(len(messages))
    )
    text = (
        f'{{"request_id":"{request:08x}-0000-4000-8000-000000000000",'
        f'"accepted":[{accepted}],"rejected":[]}}'
    )
    return _response(200, text.encode())


class _Calls:
    count = 0
    connections = 0


_calls = _Calls()


def _valid(messages: Any) -> bool:
    if not isinstance(messages, list) or not 1 <= len(messages) <= _MAX_MESSAGES:
        return False
    for message in messages:
        to = message.get("to") if isinstance(message, dict) else None
        if not isinstance(to, list) or not 1 <= len(to) <= _MAX_RECIPIENTS:
            return False
    return True


_REASONS = {200: b"OK", 400: b"Bad Request", 404: b"Not Found"}


def _response(status: int, body: bytes) -> bytes:
    return b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (
        status,
        _REASONS[status],
        len(body),
        body,
    )


async def _connection(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, key: bytes
) -> None:
    _calls.connections += 1
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            path = lines[0].split(b" ", 2)[1].split(b"?", 1)[0]
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get(b"content-length", b"0"))
            body = await reader.readexactly(length) if length else b""
            writer.write(answer_for(path, body, key, headers))
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def serve(port: int, key: str) -> None:
    """Serve on 127.0.0.1:``port`` until cancelled."""

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _connection(reader, writer, key.encode())

    server = await asyncio.start_server(connection, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


def main() -> None:
    port, key = int(sys.argv[1]), sys.argv[2]
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(port, key))


if __name__ == "__main__":
    main()
