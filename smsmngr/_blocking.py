"""Runs an async client's methods from blocking code, on a private event-loop thread.

The generated ``Client`` holds one ``BlockingRunner``. The loop thread starts on first
use, stops on ``close()``, and is started again (with a fresh async client) in a forked
child, where the parent's thread and connections do not exist.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
from concurrent.futures import Future
from contextlib import aclosing
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

import anyio
from anyio.from_thread import BlockingPortal
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

__all__ = ["BlockingRunner"]

_AsyncClient = TypeVar("_AsyncClient")
_P = ParamSpec("_P")
_T = TypeVar("_T")


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
        method: Callable[Concatenate[_AsyncClient, _P], AsyncGenerator[_T, None]],
        /,
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Iterator[_T]:
        """Turn an async iterator method into a plain iterator.

        The async iterator runs start to end inside one task on the loop (its task
        groups and cancel scopes need that) and hands items over one at a time, so the
        input is consumed no faster than the caller reads. Leaving early, or Ctrl-C,
        cancels that task, which settles what it has in flight.
        """
        portal = self._ensure_portal()
        items_in, items_out = portal.call(_handover_stream)
        finished = threading.Event()

        async def pump() -> None:
            try:
                async with items_in, aclosing(method(self.client, *args, **kwargs)) as items:
                    async for item in items:
                        await items_in.send(item)
            finally:
                finished.set()

        task = portal.start_task_soon(pump)
        try:
            while True:
                try:
                    item = _wait(portal, items_out.receive)
                except anyio.EndOfStream:
                    break
                yield item
            task.result()  # re-raise what ended the iterator, if anything did
        finally:
            if not task.done():
                task.cancel()
                finished.wait()
            portal.call(items_out.aclose)

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
    """Run ``function`` on the loop and wait for it. Interrupted (Ctrl-C), cancel it and
    wait until it has unwound, so that what it had in flight is settled first."""
    finished = threading.Event()

    async def tracked() -> _T:
        try:
            return await function()
        finally:
            finished.set()

    future = portal.start_task_soon(tracked)
    try:
        return future.result()
    except BaseException:
        if not future.done():
            future.cancel()
            finished.wait()  # anyio starts the task even when cancelled: this ends
        raise


async def _handover_stream() -> tuple[MemoryObjectSendStream[Any], MemoryObjectReceiveStream[Any]]:
    return anyio.create_memory_object_stream[Any](0)
