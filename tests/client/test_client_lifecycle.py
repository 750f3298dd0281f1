"""Clients outside the happy path: collected without close(), forked, used from two
event loops; retry policies at extreme attempts; errors that cross processes."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import pickle
import threading
import time
import warnings
from pathlib import Path

import httpx
import pytest

from smsmngr import (
    APIError,
    AsyncClient,
    AuthenticationError,
    BadRequestError,
    BulkResult,
    BulkStoppedError,
    Client,
    ConfigurationError,
    DeliveryUncertainError,
    JournalError,
    Message,
    NotFoundError,
    OutcomeStatus,
    PermissionDeniedError,
    RateLimitError,
    RecipientOutcome,
    ResponseFormatError,
    RetryPolicy,
    ServerError,
    TransportError,
    ValidationError,
    WebhookError,
)
from smsmngr.testing import FakeSmsManager, serve

from ..support import API_KEY, accepted

MESSAGE = Message("Hi", to=["420777123456"])


def loop_threads() -> int:
    return sum(thread.name == "smsmngr-loop" for thread in threading.enumerate())


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts /proc/self/fd")
def test_a_client_collected_without_close_leaks_no_thread_and_no_socket() -> None:
    fake = FakeSmsManager()
    with serve(fake) as base_url:
        gc.collect()
        threads, descriptors = loop_threads(), open_descriptors()
        client = Client(api_key=fake.api_key, base_url=base_url)
        client.send(MESSAGE)  # a loop thread and a pooled connection now
        assert loop_threads() == threads + 1
        del client
        gc.collect()
        deadline = time.monotonic() + 10
        while loop_threads() > threads and time.monotonic() < deadline:
            time.sleep(0.01)
        assert loop_threads() == threads
        assert open_descriptors() <= descriptors


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_refuses_an_http_client_from_its_parent_before_sending() -> None:
    requests: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(str(os.getpid()))
        return httpx.Response(200, json=accepted("m"))

    http_client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    with Client(api_key=API_KEY, http_client=http_client) as client:
        client.send(MESSAGE)
        read_end, write_end = os.pipe()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads, by design
            pid = os.fork()
        if pid == 0:
            try:
                try:
                    client.send(MESSAGE)
                    verdict = {"error": None, "requests": len(requests)}
                except ConfigurationError as error:
                    verdict = {"error": str(error), "requests": len(requests)}
                os.write(write_end, json.dumps(verdict).encode())
            finally:
                os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end) as pipe:
            verdict = json.loads(pipe.read())
        os.waitpid(pid, 0)
    assert "another process" in verdict["error"]
    assert verdict["requests"] == 1  # only the parent's: the child sent nothing


@pytest.mark.parametrize("own_http_client", [True, False], ids=["its own", "given"])
def test_a_client_is_refused_in_a_second_event_loop_before_sending(own_http_client: bool) -> None:
    fake = FakeSmsManager()
    with serve(fake) as base_url:
        http_client = None if own_http_client else httpx.AsyncClient()
        client = AsyncClient(api_key=fake.api_key, base_url=base_url, http_client=http_client)
        asyncio.run(client.send(MESSAGE))
        with pytest.raises(ConfigurationError, match="another event loop"):
            asyncio.run(client.send(MESSAGE))
        with warnings.catch_warnings():
            # Its connections died with the first loop: closing them may warn.
            warnings.simplefilter("ignore", ResourceWarning)
            del client, http_client
            gc.collect()
    assert fake.ledger.call_counts["/message"] == 1


@pytest.mark.parametrize("attempt", [0, 63, 64, 1024, 10**6])
def test_backoff_stays_within_its_cap_at_any_attempt(attempt: int) -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_max=8)
    assert 0 <= policy.backoff(attempt) <= 8


RESULT = BulkResult(
    total=1,
    counts=dict.fromkeys(OutcomeStatus, 0) | {OutcomeStatus.ACCEPTED: 1},
    outcomes=(RecipientOutcome("420777123456", 0, 0, OutcomeStatus.ACCEPTED, "m-0", "r"),),
)


def stopped() -> BulkStoppedError:
    error = BulkStoppedError("the input raised KeyError")
    error.result = RESULT
    return error


@pytest.mark.parametrize(
    "error",
    [
        ValidationError("Message.body", "at most 1000 characters (got 1001)"),
        ConfigurationError("no API key"),
        TransportError("could not reach the API"),
        DeliveryUncertainError("the answer was lost"),
        WebhookError("not JSON"),
        JournalError("in use by another campaign"),
        stopped(),
        APIError("teapot", status_code=418, body={"a": 1}, request_id="r"),
        BadRequestError("bad", status_code=400, body="x"),
        AuthenticationError("bad key", status_code=400, body={"Message": "not authorized"}),
        PermissionDeniedError("no", status_code=403),
        NotFoundError("where", status_code=404),
        RateLimitError("slow down", retry_after=2.5, request_id="r"),
        ServerError("boom", status_code=503),
        ResponseFormatError("not JSON", status_code=200, body="<html>"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_errors_survive_pickling(error: Exception) -> None:
    # Errors cross process pools, task queues and multiprocessing logging.
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 (bytes made here)
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert vars(copy) == vars(error)


def test_a_loop_thread_that_fails_to_start_raises_in_the_caller(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import smsmngr._blocking

    def no_loop(*args: object, **kwargs: object) -> None:
        raise RuntimeError("no event loop here")

    monkeypatch.setattr(smsmngr._blocking.asyncio, "new_event_loop", no_loop)
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            Client(api_key="k").send(Message("Hi", to=["420777123456"]))
        except BaseException as error:
            outcome.append(error)

    caller = threading.Thread(target=call, daemon=True)
    caller.start()
    caller.join(timeout=30)  # bounded: a caller left waiting for ever fails here
    assert not caller.is_alive()
    assert [type(e) for e in outcome] == [RuntimeError]
    assert str(outcome[0]) == "no event loop here"
