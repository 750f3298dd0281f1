"""A 50,000-recipient campaign through real socket faults, through both clients (the
async one on httpx and on aiohttp).

The fake API is served on loopback behind a proxy that resets connections before and
after the server processed a request and holds answers back, then resets them; the
fake itself answers some calls 429, 500 or 503. What the client reported is then held
against what the server processed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from benchmarks import soak
from smsmngr import AsyncClient, BulkResult, Client, Message, OutcomeStatus, RetryPolicy
from smsmngr._stacks import HttpStackName
from smsmngr.testing import FakeSmsManager, FaultKind, FaultProxy, SocketFault

from ..support import numbers

pytestmark = pytest.mark.slow

RECIPIENTS = 50_000
# A stalled answer ends in a reset, never in a late answer, so no outcome here hangs on
# a timeout racing a busy machine: the timeout is only a bound on a hung test.
TIMEOUT = httpx.Timeout(30.0)
RETRY = RetryPolicy(backoff_base=0.01, backoff_max=0.05)


def campaign() -> Message:
    return Message("Soak", to=numbers(RECIPIENTS))


def check(result: BulkResult, fake: FakeSmsManager, proxy: FaultProxy) -> None:
    # Every kind of fault really happened, or this proves nothing.
    assert {r.fault for r in proxy.requests} >= set(SocketFault)
    assert {c.fault for c in fake.ledger.calls} >= {f.kind for f in soak.SERVER_FAULTS}
    assert result.total == RECIPIENTS  # every recipient reported
    assert {o.phone_number for o in result.outcomes} == set(numbers(RECIPIENTS))
    processed = fake.ledger.processed_phone_numbers()
    assert max(processed.values()) == 1  # no recipient processed twice
    sent = {s.phone_number: s.message_id for s in fake.ledger.sent}
    for outcome in result.outcomes:
        if outcome.status is OutcomeStatus.ACCEPTED:
            assert sent[outcome.phone_number] == outcome.message_id  # processed exactly once
    # Unknown are exactly the recipients whose answer never came back: reset or stalled
    # by the proxy, or answered 500/503 by the server.
    failed_by_the_server = fake.ledger.phone_numbers_in_calls(
        FaultKind.SERVER_ERROR, FaultKind.UNAVAILABLE
    )
    unknown = {o.phone_number for o in result.outcomes if o.status is OutcomeStatus.UNKNOWN}
    assert unknown == soak.lost_answers(fake, proxy)
    assert result.accepted == RECIPIENTS - len(unknown)
    # Of the unknowns, exactly those the server reached were processed, once.
    reached = proxy.faulted_phone_numbers(reached_server=True)
    processed_unknown = {phone for phone in unknown if processed[phone]}
    assert processed_unknown <= reached | failed_by_the_server
    assert all(processed[phone] == 0 for phone in unknown - reached - failed_by_the_server)


@pytest.fixture
def faulty_api() -> Iterator[tuple[FakeSmsManager, FaultProxy]]:
    with soak.faulty_api(seed=5, stall=0.01) as api:
        yield api


@pytest.mark.parametrize("stack", ["httpx", "aiohttp"])
def test_soak_through_the_async_client(
    faulty_api: tuple[FakeSmsManager, FaultProxy], stack: HttpStackName
) -> None:
    fake, proxy = faulty_api

    async def run() -> BulkResult:
        async with AsyncClient(
            api_key=fake.api_key,
            base_url=proxy.url,
            timeout=TIMEOUT,
            retry=RETRY,
            http_stack=stack,
        ) as client:
            return await client.send_bulk(campaign(), concurrency=8)

    check(asyncio.run(run()), fake, proxy)


def test_soak_through_the_blocking_client(faulty_api: tuple[FakeSmsManager, FaultProxy]) -> None:
    fake, proxy = faulty_api
    with Client(api_key=fake.api_key, base_url=proxy.url, timeout=TIMEOUT, retry=RETRY) as client:
        result = client.send_bulk(campaign(), concurrency=8)
    check(result, fake, proxy)
