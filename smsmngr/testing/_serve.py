"""Serving the fake API (or any ASGI app) on loopback for one block of code."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ._fake import FakeSmsManager

__all__ = ["serve"]


@contextmanager
def serve(app: FakeSmsManager | Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free 127.0.0.1 port, in a thread, and yield its
    base URL: for a ``FakeSmsManager`` the API's (``.../v2``), else the root. A fake's
    upload URLs point to a second port, its storage host, served alongside. Needs
    uvicorn (the ``fake`` extra).

    Example::

        with serve(FakeSmsManager()) as base_url:
            client = AsyncClient(api_key="test-api-key", base_url=base_url)
    """
    if not isinstance(app, FakeSmsManager):
        with _served((app, False)) as (root,):
            yield root
        return
    given = app.upload_base_url
    with _served((app.upload_app, False), (app.asgi_app, True)) as (storage, root):
        app.upload_base_url = storage
        try:
            yield root + "/v2"
        finally:
            app.upload_base_url = given


@contextmanager
def _served(*apps: tuple[Any, bool]) -> Iterator[list[str]]:
    """Each ASGI app (with its lifespan on or off) on a port of its own; stopped
    together, since each takes uvicorn a few ticks to wind down."""
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, woken at once when told to exit (its own loop looks every
        tenth of a second): a test serving the fake ends sooner."""

        woken: tuple[asyncio.AbstractEventLoop, asyncio.Event] | None = None

        async def main_loop(self) -> None:
            wake = asyncio.Event()
            self.woken = (asyncio.get_running_loop(), wake)
            counter = 0
            while not await self.on_tick(counter):  # the date header, limits, exit
                counter = (counter + 1) % 864_000
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(wake.wait(), 0.1)

        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            """Stop as soon as the connections have ended: uvicorn's own shutdown first
            waits a tenth of a second whatever is open, and a test suite serves the
            fake a hundred times."""
            for server in self.servers:
                server.close()
            for sock in sockets or []:
                sock.close()
            state, told = self.server_state, set[Any]()
            deadline = time.monotonic() + 5  # within the join's 10 s: no thread outlives it
            # uvicorn has no event for its last connection ending: polled, briefly. A
            # connection accepted as the servers closed is told too, once it shows.
            while time.monotonic() < deadline:
                for connection in state.connections - told:
                    connection.shutdown()
                    told.add(connection)
                await asyncio.sleep(0.005)
                if not (state.connections or state.tasks):
                    break
            await self.lifespan.shutdown()

        def exit(self) -> None:
            self.should_exit = True
            if self.woken is not None:  # else its loop sees should_exit as it starts
                loop, wake = self.woken
                with contextlib.suppress(RuntimeError):  # its loop has ended already
                    loop.call_soon_threadsafe(wake.set)

    running: list[tuple[Server, threading.Thread]] = []
    try:
        for asgi_app, lifespan in apps:
            config = uvicorn.Config(
                asgi_app,
                host="127.0.0.1",
                port=0,
                log_level="error",
                lifespan="on" if lifespan else "off",
            )
            server = Server(config)
            thread = threading.Thread(target=server.run, daemon=True, name="smsmngr-serve")
            thread.start()
            running.append((server, thread))
            deadline = time.monotonic() + 10
            while not server.started and time.monotonic() < deadline and thread.is_alive():
                time.sleep(0.01)
            if not server.started:
                raise RuntimeError("the server did not start")
        yield [
            f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
            for server, _ in running
        ]
    finally:
        for server, _ in running:
            server.exit()
        for _, thread in running:
            thread.join(10)
