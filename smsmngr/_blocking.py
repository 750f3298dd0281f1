"""Runs an async client's methods from blocking code, on a private event-loop thread.

The generated ``Client`` holds one ``BlockingRunner``. The loop thread starts on first
use, stops on ``close()`` (or when the ``Client`` is garbage-collected), and is started
again in a forked child, where the parent's thread does not exist.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
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
_Other = TypeVar("_Other")


class _LoopThread:
    """The private event-loop thread, shared by a client and its ``with_options()``
    copies: started on first use, and again in a forked child."""

    def __init__(self) -> None:
        self.pid: int = os.getpid()
        self.lock: threading.Lock = threading.Lock()
        self.portal: BlockingPortal | None = None
        self.thread: threading.Thread | None = None
        self.iterations: set[_Iteration] = set()

    def ensure_portal(self) -> BlockingPortal:
        with self.lock:
            if self.pid != os.getpid():
                # A forked child: the loop thread belongs to the parent, so it is dropped
                # (not stopped: that would wait on a thread that is gone). The client sees
                # the new process itself: it replaces its own connections, and refuses an
                # http_client it was given, before anything is sent.
                self.pid = os.getpid()
                self.portal = self.thread = None
                self.iterations = set()
            if self.portal is None:
                self.portal, self.thread = _start_loop_thread()
            return self.portal


class BlockingRunner(Generic[_AsyncClient]):
    """Owns an async client and the event-loop thread its coroutines run on."""

    def __init__(self, client: _AsyncClient, loop: _LoopThread | None = None) -> None:
        self.client = client
        self._loop = loop if loop is not None else _LoopThread()

    def sharing(self, client: _Other) -> BlockingRunner[_Other]:
        """A runner of ``client`` on this runner's loop thread: a copy of this client,
        or a group of its methods (``client.verify``), shares its connections, which
        belong to that loop."""
        return BlockingRunner(client, self._loop)

    def call(
        self,
        method: Callable[Concatenate[_AsyncClient, _P], Awaitable[_T]],
        /,
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> _T:
        """Run ``method(client, *args, **kwargs)`` on the loop and wait for its result.

        An interrupt (Ctrl-C) while waiting cancels the call on the loop, waits until it
        has unwound (so that what it had in flight is settled), then re-raises.
        """
        portal = self._loop.ensure_portal()
        return _LoopCall(functools.partial(method, self.client, *args, **kwargs)).run(portal)

    def iterate(
        self,
        method: Callable[Concatenate[_AsyncClient, _P], AsyncGenerator[_T, None]],
        /,
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Generator[_T, None, None]:
        """Turn an async iterator method into a plain iterator.

        The async iterator runs start to end inside one task on the loop (its task
        groups and cancel scopes need that) and hands items over one at a time, so the
        input is consumed no faster than the caller reads. Leaving early, Ctrl-C, or
        ``close()`` of the runner cancels that task, which settles what it has in flight.
        """
        loop = self._loop
        portal = loop.ensure_portal()
        items_in, items_out = portal.call(_handover_stream)

        async def pump() -> None:
            async with items_in, aclosing(method(self.client, *args, **kwargs)) as items:
                async for item in items:
                    await items_in.send(item)

        producer = _LoopCall(pump)
        iteration = _Iteration(producer, items_out)
        with loop.lock:
            loop.iterations.add(iteration)
        try:
            producer.start(portal)
            while True:
                try:
                    item = _LoopCall(items_out.receive).run(portal)
                except anyio.EndOfStream:
                    break
                yield item
            producer.future.result()  # re-raise what ended the iterator, if anything did
        finally:
            with loop.lock:
                open_here = iteration in loop.iterations  # else close() has ended it
                loop.iterations.discard(iteration)
            if open_here:
                iteration.end(portal)

    def close(self, aclose: Callable[[_AsyncClient], Awaitable[None]]) -> None:
        """End open iterators, close the client on its loop, then stop the loop thread."""
        loop = self._loop
        if threading.current_thread() is loop.thread:
            # Collected on the loop thread itself, which cannot wait for its own end.
            threading.Thread(target=self.close, args=(aclose,), daemon=True).start()
            return
        with loop.lock:
            portal, thread = loop.portal, loop.thread
            forked = loop.pid != os.getpid()
            iterations, loop.iterations = loop.iterations, set()
            loop.portal = loop.thread = None
        if portal is None or thread is None or forked:
            return
        try:
            for iteration in iterations:
                iteration.end(portal)
            portal.call(aclose, self.client)
        finally:
            portal.call(portal.stop)
            thread.join()


class _Iteration:
    """An async iterator being handed over to a blocking caller."""

    def __init__(self, producer: _LoopCall[None], items: MemoryObjectReceiveStream[Any]) -> None:
        self.producer = producer
        self.items = items

    def end(self, portal: BlockingPortal) -> None:
        """Stop the producer (settling what it had in flight), then close the stream."""
        self.producer.stop(portal)
        portal.call(self.items.aclose)


class _LoopCall(Generic[_T]):
    """One coroutine function run on the loop for a blocking caller.

    A KeyboardInterrupt can land between any two bytecodes of the caller, including
    inside ``portal.start_task_soon()`` before it returns a handle. So the call keeps its
    own state: whichever of "started on the loop" and "abandoned by the caller" happens
    first decides, under a lock, whether there is anything to cancel and wait for.
    """

    def __init__(self, function: Callable[[], Awaitable[_T]]) -> None:
        self._function = function
        self.future: Future[_T] = Future()
        self._lock = threading.Lock()
        self._scope: anyio.CancelScope | None = None
        self._abandoned = False

    def run(self, portal: BlockingPortal) -> _T:
        """Start the call and wait for its result; interrupted, stop it, then re-raise."""
        try:
            self.start(portal)
            return self.future.result()
        except BaseException:
            self.stop(portal)
            raise

    def start(self, portal: BlockingPortal) -> None:
        portal.start_task_soon(self._run_on_loop)

    def stop(self, portal: BlockingPortal) -> None:
        """Cancel the call if it runs and wait until it has unwound; idempotent."""
        with self._lock:
            self._abandoned = True
            scope = self._scope
        if scope is not None and not self.future.done():
            portal.call(scope.cancel)
            self.future.exception()  # waits until it has unwound

    async def _run_on_loop(self) -> None:
        with self._lock:
            if self._abandoned:
                return
            self._scope = anyio.CancelScope()
        with self._scope:
            try:
                self.future.set_result(await self._function())
            except BaseException as error:
                # Cancellation is recorded too, so a waiting caller always wakes up;
                # the scope swallows its own cancellation, a foreign one propagates.
                self.future.set_exception(error)
                if not isinstance(error, Exception):
                    raise


def _start_loop_thread() -> tuple[BlockingPortal, threading.Thread]:
    ready: Future[BlockingPortal] = Future()

    async def serve() -> None:
        async with BlockingPortal() as portal:
            ready.set_result(portal)
            await portal.sleep_until_stopped()

    def run() -> None:
        try:
            anyio.run(serve)
        except BaseException as error:
            if not ready.done():  # failed before the portal opened: the caller hears it
                ready.set_exception(error)
                return
            raise

    thread = threading.Thread(target=run, name="smsmngr-loop", daemon=True)
    thread.start()
    return ready.result(), thread


async def _handover_stream() -> tuple[MemoryObjectSendStream[Any], MemoryObjectReceiveStream[Any]]:
    return anyio.create_memory_object_stream[Any](0)
