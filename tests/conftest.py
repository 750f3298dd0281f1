from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator

import pytest
import respx

from smsmngr import AsyncClient, Client

from .support import API_KEY, BASE_URL, NO_WAIT, clear_settings


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_settings(monkeypatch)


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        yield router


@pytest.fixture
async def client() -> AsyncIterator[AsyncClient]:
    async with AsyncClient(api_key=API_KEY, retry=NO_WAIT) as async_client:
        yield async_client


@pytest.fixture
def sync_client() -> Iterator[Client]:
    with Client(api_key=API_KEY, retry=NO_WAIT) as blocking_client:
        yield blocking_client


@pytest.fixture
def eager_gc() -> Iterator[None]:
    """Collect cyclic garbage often, as a memory test needs: httpx leaves a small cycle
    per request, and how long the interpreter lets them pile up differs by version
    (3.13 waits longest), which would hide whether the SDK itself stays flat."""
    thresholds = gc.get_threshold()
    gc.collect()
    gc.set_threshold(100, 5, 5)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
