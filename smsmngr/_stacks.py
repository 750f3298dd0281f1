"""The HTTP stacks the transport runs on, and what each one's failures mean.

``httpx`` (the default dependency), ``httpx2`` (its maintained continuation, with the
same API: ``smsmngr[httpx2]``) and ``aiohttp`` (``smsmngr[aiohttp]``; asyncio only),
whose ``ClientSession`` the SDK drives directly (``_aiohttp``) behind the part of
httpx's client API the transport uses. What differs is how a client is made, its
timeouts, and which failures prove that a request never left.
"""

from __future__ import annotations

import enum
import functools
import importlib
import os
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any, Literal, get_args

import attrs
import httpx

from .errors import ConfigurationError

__all__ = [
    "STACK_NAMES",
    "HttpStack",
    "HttpStackName",
    "Verdict",
    "chosen_stack",
    "fastest_http_stack",
    "stack_for",
    "stack_of",
]

HttpStackName = Literal["httpx", "httpx2", "aiohttp"]
STACK_NAMES: tuple[HttpStackName, ...] = get_args(HttpStackName)
_EXTRA = {"httpx2": "httpx2", "aiohttp": "aiohttp"}


class Verdict(enum.Enum):
    """What a failed attempt says about the request."""

    RETRY = "retry"
    """It certainly never left, and trying again may work (no connection, pool full)."""
    NOT_SENT = "not_sent"
    """It certainly never left, and trying again will not help (a bad URL or proxy)."""
    UNCERTAIN = "uncertain"
    """It may have reached the API: the messages may have been sent."""


@attrs.frozen
class HttpStack:
    """One stack: its httpx-like module, how to make its client, and its verdicts."""

    name: HttpStackName
    module: ModuleType
    """``httpx``, ``httpx2`` or ``aiohttp``: the library of the client and its errors."""
    make_client: Callable[[httpx.Timeout], Any]
    asyncio_only: bool = False
    keeps_deadline: bool = False
    """Whether the stack's own timeout object bounds a whole attempt (aiohttp's
    ``total``), so that the transport needs no cancel scope of its own for it."""

    def timeout(self, timeout: httpx.Timeout) -> Any:
        """``timeout`` as this stack's own timeout object."""
        if self.module is httpx:
            return timeout
        if self.name == "aiohttp":
            from ._aiohttp import aiohttp_timeout

            return aiohttp_timeout(timeout)
        return self.module.Timeout(**timeout.as_dict())

    def verdict(self, error: BaseException) -> Verdict | None:
        """What ``error`` from a request says; ``None`` if it is not this stack's."""
        if self.name == "aiohttp":
            from ._aiohttp import verdict

            return verdict(error)
        m = self.module
        if isinstance(error, (m.ConnectError, m.ConnectTimeout, m.PoolTimeout)):
            return Verdict.RETRY
        if isinstance(error, (m.UnsupportedProtocol, m.ProxyError, m.LocalProtocolError)):
            return Verdict.NOT_SENT
        if isinstance(error, m.HTTPError):
            # Lost connections, read and write timeouts, and answers that cannot be
            # decoded (a false content-encoding): the request left.
            return Verdict.UNCERTAIN
        return None


def _unbounded_pool(module: ModuleType) -> Any:
    # The pool never limits: the caller's concurrency (send_bulk's, or its own tasks')
    # is how many connections are open; every one of them is kept alive for reuse.
    return module.Limits(max_connections=None, max_keepalive_connections=None)


def ssl_context(module: ModuleType = httpx) -> Any:
    """``module``'s (httpx's or httpx2's) verifying TLS context, made once per process
    for the same ``SSL_CERT_FILE`` and ``SSL_CERT_DIR``: loading the certificate
    authorities takes tens of milliseconds, which every client made would pay again."""
    return _ssl_context_for(
        module.__name__, os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")
    )


@functools.cache
def _ssl_context_for(module: str, cert_file: str | None, cert_dir: str | None) -> Any:
    return importlib.import_module(module).create_ssl_context()


def _httpx_client(timeout: httpx.Timeout) -> Any:
    return httpx.AsyncClient(
        timeout=timeout, limits=_unbounded_pool(httpx), verify=ssl_context(httpx)
    )


def _httpx2_client(timeout: httpx.Timeout) -> Any:
    httpx2 = importlib.import_module("httpx2")
    return httpx2.AsyncClient(
        timeout=httpx2.Timeout(**timeout.as_dict()),
        limits=_unbounded_pool(httpx2),
        verify=ssl_context(httpx2),
    )


def _aiohttp_client(timeout: httpx.Timeout) -> Any:
    from ._aiohttp import AiohttpClient

    return AiohttpClient()


def stack_for(name: HttpStackName) -> HttpStack:
    """The stack called ``name``, with its libraries imported, or ``ConfigurationError``."""
    if name not in STACK_NAMES:
        raise ConfigurationError(
            f"http_stack must be one of {', '.join(STACK_NAMES)}, got {name!r}"
        )
    try:
        if name == "httpx2":
            return HttpStack("httpx2", importlib.import_module("httpx2"), _httpx2_client)
        if name == "aiohttp":
            aiohttp = importlib.import_module("aiohttp")
            return HttpStack(
                "aiohttp", aiohttp, _aiohttp_client, asyncio_only=True, keeps_deadline=True
            )
    except ImportError as error:
        raise ConfigurationError(
            f"http_stack={name!r} needs {error.name}: install the {_EXTRA[name]} extra "
            f'(in a checkout: python -m pip install ".[{_EXTRA[name]}]")'
        ) from None
    return HttpStack("httpx", httpx, _httpx_client)


def stack_of(http_client: Any) -> HttpStack:
    """The stack a caller's own client belongs to: httpx's, or httpx2's. A blocking
    client (``httpx.Client``) is refused here, since the SDK awaits every request."""
    if isinstance(http_client, httpx.AsyncClient):
        return stack_for("httpx")
    kind = type(http_client)
    module = kind.__module__.split(".")[0]
    if module == "httpx2":
        stack = stack_for("httpx2")
        if isinstance(http_client, stack.module.AsyncClient):
            return stack
    what = kind.__name__
    if module in ("httpx", "httpx2") and isinstance(http_client, sys.modules[module].Client):
        what = f"a blocking {module}.Client (the SDK awaits its requests)"
    raise ConfigurationError(
        f"http_client must be an httpx.AsyncClient or an httpx2.AsyncClient, got {what}"
    )


def chosen_stack(http_client: Any, http_stack: HttpStackName | None) -> HttpStack:
    """The stack of a client's ``http_client`` or ``http_stack`` (httpx if neither)."""
    if http_client is not None and http_stack is not None:
        raise ConfigurationError(
            "give http_stack or http_client, not both: an http_client is of its own stack"
        )
    return stack_of(http_client) if http_client is not None else stack_for(http_stack or "httpx")


def fastest_http_stack() -> HttpStackName:
    """The fastest HTTP stack installed, for ``AsyncClient(http_stack=...)``: aiohttp
    (asyncio only), then httpx2, then httpx.

    >>> fastest_http_stack() in ("aiohttp", "httpx2", "httpx")
    True
    """
    candidates: tuple[HttpStackName, ...] = ("aiohttp", "httpx2")
    for name in candidates:
        try:
            stack_for(name)
        except ConfigurationError:
            continue
        return name
    return "httpx"
