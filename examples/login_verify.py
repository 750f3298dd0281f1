"""A login by one-time code: a small Starlette app on the Verify API.

    # in a checkout of smsmngr (it is not on PyPI yet):
    python -m pip install . starlette uvicorn
    SMSMANAGER_API_KEY=... uvicorn examples.login_verify:app

``POST /login/start`` with ``{"phone": "+420 777 123 456"}`` sends a code and answers
the session's token; ``POST /login/check`` with ``{"token": ..., "code": "123456"}``
answers the verified number, or why not (with the attempts left). The SDK never
repeats a code check: each one spends one of the session's attempts.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from smsmngr import (
    AsyncClient,
    InvalidCodeError,
    RateLimitError,
    SessionExpiredError,
    SessionNotFoundError,
    TooManyAttemptsError,
    ValidationError,
)


async def _fields(request: Request, *names: str) -> list[str]:
    """The named fields of a JSON object body, as text: anything else is the client's
    mistake (400), not the server's (a 500 with a traceback)."""
    try:
        data = await request.json()
    except ValueError:
        raise HTTPException(400, "the body must be JSON") from None
    if not isinstance(data, dict) or not all(name in data for name in names):
        raise HTTPException(400, f"the body must be a JSON object with {', '.join(names)}")
    return [str(data[name]) for name in names]


async def _client_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    return JSONResponse({"error": error.detail}, status_code=error.status_code)


def create_app(client_factory: Any = AsyncClient) -> Starlette:
    """The app; ``client_factory()`` makes its ``AsyncClient`` (tests pass the fake's)."""
    clients: dict[str, AsyncClient] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with client_factory() as client:
            clients["api"] = client
            yield

    async def start(request: Request) -> JSONResponse:
        (phone,) = await _fields(request, "phone")
        try:
            started = await clients["api"].verify.start(phone)
        except ValidationError as error:
            return JSONResponse({"error": error.rule}, status_code=422)
        except RateLimitError:
            return JSONResponse({"error": "too many codes, try again later"}, status_code=429)
        return JSONResponse({"token": started.token, "expires": started.expires_at.isoformat()})

    async def check(request: Request) -> JSONResponse:
        token, code = await _fields(request, "token", "code")
        try:
            result = await clients["api"].verify.check(token, code)
        except InvalidCodeError as error:
            body = {"error": "wrong code", "attempts_left": error.attempts_remaining}
            return JSONResponse(body, status_code=401)
        except TooManyAttemptsError:
            return JSONResponse({"error": "no attempts left: ask for a new code"}, status_code=429)
        except (SessionExpiredError, SessionNotFoundError):
            return JSONResponse({"error": "expired: ask for a new code"}, status_code=410)
        except ValidationError as error:
            return JSONResponse({"error": error.rule}, status_code=422)
        if not result.verified:
            return JSONResponse({"error": "not verified"}, status_code=401)
        return JSONResponse({"phone": result.phone_number})

    routes = [
        Route("/login/start", start, methods=["POST"]),
        Route("/login/check", check, methods=["POST"]),
    ]
    handlers = {HTTPException: _client_error}
    return Starlette(routes=routes, lifespan=lifespan, exception_handlers=handlers)


app = create_app()
