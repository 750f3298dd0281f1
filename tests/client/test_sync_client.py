"""The generated Client: same behaviour, blocking, on a private event-loop thread."""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import signal
import sys
import threading
import time
import warnings
from typing import Any

import anyio
import httpx
import pytest
import respx

from smsmngr import (
    AsyncClient,
    BadRequestError,
    Client,
    ConfigurationError,
    DeliveryUncertainError,
    Message,
    ValidationError,
)
from smsmngr._blocking import _Loop
from smsmngr.testing import FakeSmsManager

from ..support import API_KEY, BASE_URL, NO_WAIT, accepted

MESSAGE = Message("Hi", to=["420777123456"])


def test_send_send_batch_and_send_simple_work_blocking() -> None:
    fake = FakeSmsManager()
    with fake.client() as client:
        assert len(client.send(MESSAGE).recipient_message_ids()) == 1
        assert len(client.send(MESSAGE, priority=True).recipient_message_ids()) == 1
        two = Message("Yo", to=["420777000001", "420777000002"])
        batch = client.send_batch([MESSAGE, two])
        simple = client.send_simple("420777123456", "Hi", sender="Shop")
        got = client.send_simple("420777123456", "Hi", sender="Shop", method="GET")
    by_id = {sent.message_id: sent for sent in fake.ledger.sent}
    ids = batch.recipient_message_ids()
    assert [by_id[i].phone_number for i in ids if i] == [
        "420777123456",
        "420777000001",
        "420777000002",
    ]
    assert {by_id[i].endpoint for i in ids if i} == {"/messages"}
    assert by_id[simple.message_id].endpoint == by_id[got.message_id].endpoint
    assert [call.endpoint for call in fake.ledger.calls] == [
        "/message",
        "/message/priority",
        "/messages",
        "/simple/message",
        "/simple/message",
    ]


def test_errors_surface_with_their_async_types(api: respx.MockRouter, sync_client: Client) -> None:
    api.post("/message").respond(400, json={"error": "bad"})
    with pytest.raises(BadRequestError):
        sync_client.send(MESSAGE)
    api.post("/messages").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(DeliveryUncertainError):
        sync_client.send_batch([MESSAGE])
    with pytest.raises(ValidationError, match="use send_bulk"):
        sync_client.send(Message("Hi", to=["420777123456"] * 11))


def test_configuration_errors_are_raised_by_the_constructor() -> None:
    with pytest.raises(ConfigurationError, match="SMSMANAGER_API_KEY"):
        Client()
    with pytest.raises(ConfigurationError, match="https"):
        Client(api_key=API_KEY, base_url="http://example.com/v2")


def test_the_loop_thread_starts_lazily_and_stops_on_close() -> None:
    # Threads of other tests (an idle worker thread, say) may end meanwhile: this
    # client's loop thread is told by its name among the threads that were not there.
    def loop_threads() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t not in before and t.name == "smsmngr-loop"]

    before = set(threading.enumerate())
    client = FakeSmsManager().client()
    assert loop_threads() == []
    client.send(MESSAGE)
    (loop,) = loop_threads()
    client.close()
    loop.join(5)
    assert not loop.is_alive()


def test_a_supplied_http_client_is_used_on_the_loop_thread() -> None:
    threads: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        threads.append(threading.current_thread().name)
        return httpx.Response(200, json=accepted("m"))

    http_client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    with Client(api_key=API_KEY, http_client=http_client) as client:
        client.send(MESSAGE)
    assert threads
    assert threads[0] != threading.current_thread().name


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_gets_its_own_loop_and_connections(api: respx.MockRouter) -> None:
    api.post("/message").respond(200, json=accepted("m"))
    with Client(api_key=API_KEY, retry=NO_WAIT) as client:
        client.send(MESSAGE)  # the parent's loop thread is running now
        read_end, write_end = os.pipe()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads, by design
            pid = os.fork()
        if pid == 0:  # the child: its parent's loop thread does not exist here
            try:
                ids = client.send(MESSAGE).recipient_message_ids()
                os.write(write_end, json.dumps(ids).encode())
            finally:
                os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end) as pipe:
            answer = pipe.read()
        os.waitpid(pid, 0)
    assert json.loads(answer) == ["m"]


def _hanging_transport(
    started: threading.Event, cancelled: threading.Event, *, interrupt: bool
) -> httpx.AsyncClient:
    async def hang(request: httpx.Request) -> httpx.Response:
        started.set()
        if interrupt:
            os.kill(os.getpid(), signal.SIGALRM)  # Ctrl-C, now that the request is out
        try:
            await anyio.sleep(30)
        except anyio.get_cancelled_exc_class():
            cancelled.set()
            raise
        return httpx.Response(200, json=accepted("m"))

    return httpx.AsyncClient(transport=httpx.MockTransport(hang))


@pytest.mark.skipif(sys.platform == "win32", reason="needs SIGALRM")
def test_ctrl_c_cancels_the_call_on_the_loop() -> None:
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        # The interrupt lands wherever the caller happens to be: run it many times.
        for _ in range(50):
            started, cancelled = threading.Event(), threading.Event()
            http_client = _hanging_transport(started, cancelled, interrupt=True)
            with Client(api_key=API_KEY, http_client=http_client) as client:
                with pytest.raises(KeyboardInterrupt):
                    client.send(MESSAGE)
                assert started.is_set()
                assert cancelled.is_set()  # settled before the interrupt reached us
    finally:
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("task_runs_first", [True, False])
def test_an_interrupt_inside_spawning_the_call_still_stops_it(
    monkeypatch: pytest.MonkeyPatch, task_runs_first: bool
) -> None:
    started, cancelled = threading.Event(), threading.Event()
    original = _Loop.spawn

    def interrupted(self: _Loop, *args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(_Loop, "spawn", original)
        original(self, *args, **kwargs)
        if task_runs_first:
            assert started.wait(5)
        raise KeyboardInterrupt  # before the handle reaches the caller

    http_client = _hanging_transport(started, cancelled, interrupt=False)
    with Client(api_key=API_KEY, http_client=http_client) as client:
        monkeypatch.setattr(_Loop, "spawn", interrupted)
        with pytest.raises(KeyboardInterrupt):
            client.send(MESSAGE)
        # Either it was cancelled and unwound, or it never started and never will.
        assert cancelled.is_set() == started.is_set()
        time.sleep(0.05)
        assert cancelled.is_set() == started.is_set()


def test_leaving_the_client_ends_an_iterator_left_open(smsmngr_fake: FakeSmsManager) -> None:
    fake = smsmngr_fake
    numbers = [f"42077700{i:04d}" for i in range(500)]
    with fake.client() as client:
        iterator = client.iter_bulk(Message("Hi", to=numbers), concurrency=1)
        for _ in iterator:
            break
        closer = threading.Thread(target=client.close, daemon=True)
        closer.start()
        closer.join(5)
        assert not closer.is_alive(), "close() hangs on an open iterator"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        iterator.close()  # after close(): nothing left to settle, and no error
    assert fake.ledger.call_counts["/messages"] < 5


def test_every_public_async_method_has_a_blocking_twin_with_the_same_parameters() -> None:
    renamed = {"aclose": "close", "__aenter__": "__enter__", "__aexit__": "__exit__"}
    for name, method in inspect.getmembers(AsyncClient, inspect.iscoroutinefunction):
        twin = getattr(Client, renamed.get(name, name))
        assert inspect.signature(twin).parameters == inspect.signature(method).parameters, name
    assert inspect.signature(Client.__init__) == inspect.signature(AsyncClient.__init__)
    assert BASE_URL in repr(Client(api_key=API_KEY))


def test_a_loop_thread_that_fails_to_start_is_an_error_not_a_hang(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken_run(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("no event loop today")

    # Fails inside the loop thread, after it started: the caller hears it.
    monkeypatch.setattr(asyncio, "set_event_loop", broken_run)
    client = Client(api_key=API_KEY)
    with pytest.raises(RuntimeError, match="no event loop today"):
        client.send(MESSAGE)
