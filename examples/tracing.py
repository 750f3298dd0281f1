"""Trace every API call with OpenTelemetry: hand the SDK an instrumented httpx client.

    # in a checkout of smsmngr (it is not on PyPI yet):
    python -m pip install . opentelemetry-sdk opentelemetry-instrumentation-httpx

Each request (each attempt, retries included) becomes a client span named after its
method, with the URL, status code and errors that OpenTelemetry's httpx instrumentation
records. The API key travels in a header, which the instrumentation does not record,
except for ``send_simple(..., method="GET")``, whose URL carries it (as the API requires):
``redact_key_in_url`` takes it, and the URL's other values, out of the span. Set up a
tracer provider and exporter as your service already does; then::

    async with traced_client() as client:
        await client.send(Message("Hi", to=["420777123456"]))
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from opentelemetry.instrumentation.httpx import AsyncOpenTelemetryTransport, RequestInfo
from opentelemetry.trace import Span, TracerProvider

from smsmngr import AsyncClient


@asynccontextmanager
async def traced_client(
    *,
    tracer_provider: TracerProvider | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    **options: Any,
) -> AsyncIterator[AsyncClient]:
    """An ``AsyncClient`` whose requests are traced; ``options`` go to ``AsyncClient``.

    ``transport`` is the one to trace (a real connection pool by default); the global
    tracer provider is used unless one is given.
    """
    traced = AsyncOpenTelemetryTransport(
        transport or httpx.AsyncHTTPTransport(),
        tracer_provider=tracer_provider,
        request_hook=redact_key_in_url,
    )
    # The SDK leaves an http_client it was given open: this one is closed here.
    async with (
        httpx.AsyncClient(transport=traced) as http_client,
        AsyncClient(http_client=http_client, **options) as client,
    ):
        yield client


async def redact_key_in_url(span: Span, request: RequestInfo) -> None:
    """Record the GET simple endpoint's URL without its query values (the key, the
    number and the text); other URLs carry none of them and are left as they are."""
    url = httpx.URL(str(request.url))
    if "apikey" in url.params:
        redacted = f"{url.copy_with(query=None)}?" + "&".join(f"{n}=***" for n in url.params)
        for name in ("url.full", "http.url"):  # new and old semantic conventions
            span.set_attribute(name, redacted)
