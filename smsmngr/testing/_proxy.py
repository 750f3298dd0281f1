"""A loopback TCP proxy that breaks HTTP/1.1 connections the way networks do.

Put it between a client and a served fake API to test what no in-process transport
can: a connection reset before the request reached the server, a reset after the
server answered (the answer is lost), and an answer stalled past the client's read
timeout. Every request it sees is recorded, with whether it reached the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import socket
import struct
import threading
from collections.abc import Mapping
from typing import Any

import attrs

from ._faults import draw

__all__ = ["FaultProxy", "ProxiedRequest", "SocketFault"]

_LINGER_RESET = struct.pack("ii", 1, 0)  # close with RST, not FIN


class SocketFault(enum.Enum):
    RESET_BEFORE = "reset_before"
    """The connection is reset once the request arrived; the server never sees it."""
    RESET_AFTER = "reset_after"
    """The server answers; the connection is reset instead of passing the answer on."""
    STALL = "stall"
    """The server answers; the proxy holds the answer back for ``stall`` seconds."""


@attrs.frozen
class ProxiedRequest:
    """One request the proxy saw."""

    number: int
    fault: SocketFault | None
    reached_server: bool
    request_body: bytes
    response_body: bytes | None

    def phone_numbers(self) -> list[str]:
        """The recipients of a ``/messages`` or ``/message`` body."""
        try:
            payload = json.loads(self.request_body)
        except ValueError:
            return []
        messages = payload if isinstance(payload, list) else [payload]
        return [r["phone_number"] for m in messages for r in m.get("to", [])]


async def _read_http_message(reader: asyncio.StreamReader) -> tuple[bytes, bytes] | None:
    """One request or response: its head and its body, framed by Content-Length."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return head, body


class FaultProxy:
    """Forwards 127.0.0.1:``port`` to ``upstream``, injecting ``faults`` at their rates.

    The draw for request ``n`` depends only on ``seed`` and ``n``. Use it as a context
    manager; ``url`` is its base URL (with ``path``, e.g. ``"/v2"``).

    Example::

        with FaultProxy(base_url, {SocketFault.RESET_AFTER: 0.05}) as proxy:
            client = AsyncClient(base_url=proxy.url, ...)
    """

    def __init__(
        self,
        upstream_url: str,
        faults: Mapping[SocketFault, float],
        *,
        seed: int = 0,
        stall: float = 1.0,
    ) -> None:
        host_port, _, path = upstream_url.removeprefix("http://").partition("/")
        host, _, port = host_port.partition(":")
        self._upstream = (host, int(port))
        self._path = "/" + path if path else ""
        self._faults = dict(faults)
        self._seed = seed
        self._stall = stall
        self.requests: list[ProxiedRequest] = []
        self.connections_opened = 0
        """How many connections clients opened to the proxy."""
        self._lock = threading.Lock()
        self._count = 0
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._stop = asyncio.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True, name="fault-proxy")
        self.port: int = 0

    def faulted_phone_numbers(self, *, reached_server: bool | None = None) -> set[str]:
        """The recipients of every request the proxy broke (only those that reached the
        server, or only those that did not, when ``reached_server`` says so)."""
        return {
            phone
            for request in self.requests
            if request.fault is not None
            and (reached_server is None or request.reached_server == reached_server)
            for phone in request.phone_numbers()
        }

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self._path}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        if not self._started.wait(10):
            raise RuntimeError("the proxy did not start")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._main())
        self._loop.close()

    async def _main(self) -> None:
        connections: set[asyncio.Task[None]] = set()

        async def tracked(reader: asyncio.StreamReader, writer: Any) -> None:
            task = asyncio.current_task()
            assert task is not None
            connections.add(task)
            self.connections_opened += 1
            try:
                await self._connection(reader, writer)
            finally:
                connections.discard(task)

        server = await asyncio.start_server(tracked, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._started.set()
        async with server:
            await self._stop.wait()
        for task in connections:
            task.cancel()
        await asyncio.gather(*connections, return_exceptions=True)

    def _record(self, request: ProxiedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    async def _connection(self, reader: asyncio.StreamReader, writer: Any) -> None:
        try:
            while (message := await _read_http_message(reader)) is not None:
                head, body = message
                with self._lock:
                    self._count += 1
                    number = self._count
                fault = draw(self._faults, seed=self._seed, number=number)
                if fault is SocketFault.RESET_BEFORE:
                    self._record(ProxiedRequest(number, fault, False, body, None))
                    return _reset(writer)
                answer = await self._forward(head + body)
                if answer is None:
                    return _reset(writer)
                answer_head, answer_body = answer
                self._record(ProxiedRequest(number, fault, True, body, answer_body))
                if fault is SocketFault.RESET_AFTER:
                    return _reset(writer)
                if fault is SocketFault.STALL:
                    await asyncio.sleep(self._stall)
                    return _reset(writer)
                writer.write(answer_head + answer_body)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()

    async def _forward(self, request: bytes) -> tuple[bytes, bytes] | None:
        reader, writer = await asyncio.open_connection(*self._upstream)
        try:
            writer.write(request)
            await writer.drain()
            return await _read_http_message(reader)
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


def _reset(writer: Any) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
    writer.transport.abort()
