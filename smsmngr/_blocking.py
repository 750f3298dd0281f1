"""Runs an async client's methods from blocking code, on a private event-loop thread.

The generated ``Client`` holds one ``BlockingRunner``. The loop thread starts on first
use, stops on ``close()`` (or when the ``Client`` is garbage-collected), and is started
again in a forked child, where the parent's thread does not exist.
"""

from __future__ import annotations

import asyncio
import functools
import os
import threading
from collections.abc import AsyncGenerator, Awaitable, Callable, Coroutine, Generator
from concurrent.futures import Future
from contextlib import aclosing
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

__all__ = ["BlockingRunner"]

_AsyncClient = TypeVar("_AsyncClient")
_P = ParamSpec("_P")
_T = TypeVar("_T")
_Other = TypeVar("_Other")


class _Loop:
    """An asyncio event loop running for ever on its own thread. Calls reach it with
    one thread-safe hand-over each (``asyncio.run_coroutine_threadsafe``): the least a
    blocking call can cost, which is why this is not anyio's ``BlockingPortal``
    (a task group and a second future per call, about twice the time)."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop = asyncio.new_event_loop()
        self.thread: threading.Thread = threading.Thread(
            target=self._run, name="smsmngr-loop", daemon=True
        )
        self._tasks: set[asyncio.Task[Any]] = set()
        self._ready: Future[None] = Future()
        self.thread.start()
        self._ready.result()  # a loop that cannot run is the caller's error, not a hang

    def _run(self) -> None:
        try:
            asyncio.set_event_loop(self.loop)
            self.loop.call_soon(self._ready.set_result, None)
            self.loop.run_forever()
        except BaseException as error:
            if not self._ready.done():
                self._ready.set_exception(error)
                return
            raise
        finally:
            if not self.loop.is_closed():
                self.loop.run_until_complete(self.loop.shutdown_asyncgens())
                self.loop.close()

    def spawn(self, function: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Start ``function()`` as a task on the loop, from any thread."""

        def create() -> None:
            task = self.loop.create_task(function())
            self._tasks.add(task)  # the loop keeps only weak references to its tasks
            task.add_done_callback(self._tasks.discard)

        self.loop.call_soon_threadsafe(create)

    def call(self, function: Callable[..., Awaitable[_T]], *args: Any) -> _T:
        """Run ``function(*args)`` on the loop and wait for its result."""

        async def run() -> _T:
            return await function(*args)

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()


class _LoopThread:
    """The private event-loop thread, shared by a client and its ``with_options()``
    copies: started on first use, and again in a forked child."""

    def __init__(self) -> None:
        self.pid: int = os.getpid()
        self.lock: threading.Lock = threading.Lock()
        self.loop: _Loop | None = None
        self.iterations: set[_Iteration] = set()

    def ensure_loop(self) -> _Loop:
        with self.lock:
            if self.pid != os.getpid():
                # A forked child: the loop thread belongs to the parent, so it is dropped
                # (not stopped: that would wait on a thread that is gone). The client sees
                # the new process itself: it replaces its own connections, and refuses an
                # http_client it was given, before anything is sent.
                self.pid = os.getpid()
                self.loop = None
                self.iterations = set()
            if self.loop is None:
                self.loop = _Loop()
            return self.loop


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
        loop = self._loop.ensure_loop()
        return _LoopCall(functools.partial(method, self.client, *args, **kwargs)).run(loop)

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
        shared = self._loop
        loop = shared.ensure_loop()
        items_in, items_out = loop.call(_handover_stream)

        async def pump() -> None:
            async with items_in, aclosing(method(self.client, *args, **kwargs)) as items:
                async for item in items:
                    await items_in.send(item)

        producer = _LoopCall(pump)
        iteration = _Iteration(producer, items_out)
        with shared.lock:
            shared.iterations.add(iteration)
        try:
            producer.start(loop)
            while True:
                try:
                    item = _LoopCall(items_out.receive).run(loop)
                except anyio.EndOfStream:
                    break
                yield item
            producer.future.result()  # re-raise what ended the iterator, if anything did
        finally:
            with shared.lock:
                open_here = iteration in shared.iterations  # else close() has ended it
                shared.iterations.discard(iteration)
            if open_here:
                iteration.end(loop)

    def close(self, aclose: Callable[[_AsyncClient], Awaitable[None]]) -> None:
        """End open iterators, close the client on its loop, then stop the loop thread."""
        shared = self._loop
        running = shared.loop
        if running is not None and threading.current_thread() is running.thread:
            # Collected on the loop thread itself, which cannot wait for its own end.
            threading.Thread(target=self.close, args=(aclose,), daemon=True).start()
            return
        with shared.lock:
            loop = shared.loop
            forked = shared.pid != os.getpid()
            iterations, shared.iterations = shared.iterations, set()
            shared.loop = None
        if loop is None or forked:
            return
        try:
            for iteration in iterations:
                iteration.end(loop)
            loop.call(aclose, self.client)
        finally:
            loop.stop()


class _Iteration:
    """An async iterator being handed over to a blocking caller."""

    def __init__(self, producer: _LoopCall[None], items: MemoryObjectReceiveStream[Any]) -> None:
        self.producer = producer
        self.items = items

    def end(self, loop: _Loop) -> None:
        """Stop the producer (settling what it had in flight), then close the stream."""
        self.producer.stop(loop)
        loop.call(self.items.aclose)


class _LoopCall(Generic[_T]):
    """One coroutine function run on the loop for a blocking caller.

    A KeyboardInterrupt can land between any two bytecodes of the caller, including
    inside ``_Loop.spawn()`` before it returns. So the call keeps its
    own state: whichever of "started on the loop" and "abandoned by the caller" happens
    first decides, under a lock, whether there is anything to cancel and wait for.
    """

    def __init__(self, function: Callable[[], Awaitable[_T]]) -> None:
        self._function = function
        self.future: Future[_T] = Future()
        self._lock = threading.Lock()
        self._scope: anyio.CancelScope | None = None
        self._abandoned = False

    def run(self, loop: _Loop) -> _T:
        """Start the call and wait for its result; interrupted, stop it, then re-raise."""
        try:
            self.start(loop)
            return self.future.result()
        except BaseException:
            self.stop(loop)
            raise

    def start(self, loop: _Loop) -> None:
        loop.spawn(self._run_on_loop)

    def stop(self, loop: _Loop) -> None:
        """Cancel the call if it runs and wait until it has unwound; idempotent."""
        with self._lock:
            self._abandoned = True
            scope = self._scope
        if scope is not None and not self.future.done():
            loop.loop.call_soon_threadsafe(scope.cancel)
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


async def _handover_stream() -> tuple[MemoryObjectSendStream[Any], MemoryObjectReceiveStream[Any]]:
    return anyio.create_memory_object_stream[Any](0)
