"""The API key: held out of every repr, added to each request, scrubbed from every text.

What the SDK says about a stack's exception goes through ``describe``: without the key,
and without the query of any URL it quotes (``_redact`` owns the query rule).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from urllib.parse import quote, quote_plus

from ._redact import redact_queries

__all__ = ["ApiKeyAuth", "Secret"]


class Secret:
    """Holds the API key so that no repr, log line or traceback local shows it.

    >>> key = Secret("k/1")
    >>> key, key.scrub("GET /simple/message?apikey=k%2F1")
    (<secret>, 'GET /simple/message?apikey=***')
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def scrub(self, text: str) -> str:
        """``text`` without the key, as it is or as a URL carries it."""
        for form in {self._value, quote(self._value, safe=""), quote_plus(self._value)}:
            text = text.replace(form, "***")
        return text

    def describe(self, error: BaseException) -> str:
        """A stack's exception as text for an SDK error, a retry event or a log line:
        without the key, and without the query of any URL it quotes."""
        return self.scrub(redact_queries(f"{type(error).__name__}: {error}"))

    def fingerprint(self, salt: bytes) -> str:
        """A salted HMAC of the key: tells keys apart, and cannot give the key back.

        >>> key = Secret("k")
        >>> key.fingerprint(b"salt") == key.fingerprint(b"salt") != key.fingerprint(b"s")
        True
        """
        return hmac.new(salt, self._value.encode(), hashlib.sha256).hexdigest()

    def __repr__(self) -> str:
        return "<secret>"


class ApiKeyAuth:
    """Adds the key to each request: in the ``x-api-key`` header, or, for the GET
    simple endpoint, as the ``apikey`` query parameter. A plain callable, which httpx
    and httpx2 both take as ``auth`` (and ``sign`` for the aiohttp stack's requests), so
    no frame of the SDK holds the key in a local."""

    def __init__(self, secret: Secret, *, in_query: bool) -> None:
        self._secret = secret
        self._in_query = in_query

    def __call__(self, request: Any) -> Any:
        if self._in_query:
            request.url = request.url.copy_merge_params({"apikey": self._secret.reveal()})
        else:
            request.headers["x-api-key"] = self._secret.reveal()
        return request

    def sign(self, request: Any) -> None:
        """Add the key to one of the SDK's own requests (the aiohttp stack's), whose
        ``headers`` is a dict and ``params`` a mapping or ``None``."""
        if self._in_query:
            request.params = {**(request.params or {}), "apikey": self._secret.reveal()}
        else:
            request.headers["x-api-key"] = self._secret.reveal()

    def __repr__(self) -> str:
        return "<api key>"
