"""Runs an async client's methods from blocking code, on a private event-loop thread.

The generated ``Client`` holds one ``BlockingRunner``. The loop thread starts on first
use, stops on ``close()``, and is started again (with a fresh async client) in a forked
child, where the parent's thread and connections do not exist.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import Future
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

import anyio
from anyio.from_thread import BlockingPortal

__all__ = ["BlockingRunner"]

_AsyncClient = TypeVar("_AsyncClient")
_P = ParamSpec("_P")
_T = TypeVar("_T")
_DONE = object()


class BlockingRunner(Generic[_AsyncClient]):
    """Owns an async client and the event-loop thread its coroutines run on."""

    def __init__(self, make_client: Callable[[], _AsyncClient]) -> None:
        self._make_client = make_client
        self.client = make_client()  # builds eagerly so that bad configuration fails here
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._portal: BlockingPortal | None = None
        self._thread: threading.Thread | None = None

    def _ensure_portal(self) -> BlockingPortal:
        with self._lock:
            if self._pid != os.getpid():
                # A forked child: the loop thread and the sockets belong to the parent, so
                # both are dropped (not stopped: that would wait on a thread that is gone).
                self.client = self._make_client()
                self._pid = os.getpid()
                self._portal = self._thread = None
            if self._portal is None:
                self._portal, self._thread = _start_loop_thread()
            return self._portal

    def call(
        self,
        method: Callable[Concatenate[_AsyncClient, _P], Awaitable[_T]],
        /,
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> _T:
        """Run ``method(client, *args, **kwargs)`` on the loop and wait for its result.

        An interrupt (Ctrl-C) while waiting cancels the call on the loop, then re-raises.
        """
        portal = self._ensure_portal()
        return _wait(portal, functools.partial(method, self.client, *args, **kwargs))

    def iterate(
        self,
        method: Callable[Concatenate[_AsyncClient, _P], AsyncIterator[_T]],
        /,
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Iterator[_T]:
        """Turn an async iterator method into a plain iterator, one item per loop call."""
        portal = self._ensure_portal()
        iterator = method(self.client, *args, **kwargs)
        try:
            while True:
                item = _wait(portal, functools.partial(_next_or_done, iterator))
                if item is _DONE:
                    return
                yield item
        finally:
            aclose = getattr(iterator, "aclose", None)
            if aclose is not None and self._portal is portal:
                _wait(portal, aclose)

    def close(self, aclose: Callable[[_AsyncClient], Awaitable[None]]) -> None:
        """Close the client on its loop, then stop the loop thread."""
        with self._lock:
            portal, thread = self._portal, self._thread
            forked = self._pid != os.getpid()
            self._portal = self._thread = None
        if portal is None or thread is None or forked:
            return
        try:
            portal.call(aclose, self.client)
        finally:
            portal.call(portal.stop)
            thread.join()


def _start_loop_thread() -> tuple[BlockingPortal, threading.Thread]:
    ready: Future[BlockingPortal] = Future()

    async def serve() -> None:
        async with BlockingPortal() as portal:
            ready.set_result(portal)
            await portal.sleep_until_stopped()

    thread = threading.Thread(target=anyio.run, args=(serve,), name="smsmngr-loop", daemon=True)
    thread.start()
    return ready.result(), thread


def _wait(portal: BlockingPortal, function: Callable[[], Awaitable[_T]]) -> _T:
    future = portal.start_task_soon(function)
    try:
        return future.result()
    except BaseException:
        future.cancel()
        raise


async def _next_or_done(iterator: AsyncIterator[Any]) -> Any:
    try:
        return await iterator.__anext__()
    except StopAsyncIteration:
        return _DONE
