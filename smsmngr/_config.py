"""A client's configuration, checked before anything is sent: the key and each API's
base URL (from arguments or the environment), headers, timeouts and the User-Agent.

``KEEP`` is what ``with_options()`` takes for "the value the client already has".
"""

from __future__ import annotations

import enum
import ipaddress
import os
import platform
import re
from collections.abc import Mapping
from typing import Final, NamedTuple

import httpx

from ._auth import Secret
from ._version import __version__
from .errors import ConfigurationError, ValidationError

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_REST_BASE_URL",
    "DEFAULT_TIMEOUT",
    "DEFAULT_VERIFY_BASE_URL",
    "KEEP",
    "BaseUrls",
    "Keep",
    "checked_headers",
    "checked_timeout",
    "deadline",
    "is_loopback",
    "resolve_api_key",
    "resolve_base_urls",
    "user_agent",
]

DEFAULT_BASE_URL = "https://api.smsmngr.com/v2"
DEFAULT_REST_BASE_URL = "https://rest-api.smsmngr.com/v1"
"""The REST API v1 (message status, statistics, credit), on the same key."""
DEFAULT_VERIFY_BASE_URL = "https://verify-api.smsmanager.com"
"""The Verify API (one-time codes), on the same key."""
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
API_KEY_ENV = "SMSMANAGER_API_KEY"
BASE_URL_ENV = "SMSMANAGER_BASE_URL"
REST_BASE_URL_ENV = "SMSMANAGER_REST_BASE_URL"
VERIFY_BASE_URL_ENV = "SMSMANAGER_VERIFY_BASE_URL"
API_HOST_ENV = "SMSMANAGER_API_HOST"
USER_AGENT = (
    f"smsmngr/{__version__} (Python {platform.python_version()}; "
    f"{platform.system() or 'unknown'} {platform.machine() or 'unknown'}) httpx/{httpx.__version__}"
)
# Headers the SDK sets itself: given as default or per-call headers, they would be lost.
_OWN_HEADERS = frozenset({"x-api-key", "content-type", "content-length", "host"})


class Keep(enum.Enum):
    """The type of ``KEEP``: "the value the client already has", for ``with_options()``.

    >>> from smsmngr import KEEP
    >>> KEEP
    KEEP
    """

    KEEP = "KEEP"

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = Keep.KEEP
"""For ``with_options()``: keep the original client's value. The one way to say so for
every option (``timeout=None`` means no timeout, ``on_retry=None`` no hook)."""


def resolve_api_key(api_key: str | None) -> Secret:
    """The key, without the whitespace around it that a key pasted or read from a file
    brings (a line ending, a space); a key that holds any other character an HTTP
    header cannot carry (a control character, NUL included) is refused, unquoted."""
    source = "api_key" if api_key is not None else API_KEY_ENV
    key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
    if key is not None and not isinstance(key, str):
        raise ConfigurationError(f"api_key must be a string, got {type(key).__name__}")
    secret = Secret((key or "").strip())
    if not secret.reveal():
        raise ConfigurationError(
            f"no API key: pass api_key=... or set the {API_KEY_ENV} environment variable"
        )
    problem = _unsendable_character(secret)
    if problem is not None:
        raise ConfigurationError(
            f"{source}: the API key holds {problem}, which an HTTP header cannot carry "
            "(an API key is printable ASCII): check how it was copied or read"
        )
    return secret


def _unsendable_character(secret: Secret) -> str | None:
    """Where the key holds a character outside printable ASCII, said without the key."""
    for position, character in enumerate(secret.reveal(), 1):
        if not " " <= character <= "~":
            kind = "a control character" if character.isascii() else "a non-ASCII character"
            return f"{kind} (U+{ord(character):04X}) at position {position}"
    return None


def resolve_api_host(api_host: str | None) -> str | None:
    """The one host every API is on (``api_host``, else ``$SMSMANAGER_API_HOST``), if any.

    >>> resolve_api_host("http://127.0.0.1:8000/")
    'http://127.0.0.1:8000'
    """
    given = api_host or os.environ.get(API_HOST_ENV)
    if not given:
        return None
    name = "api_host" if api_host else API_HOST_ENV
    url = _checked_url(given, name)
    if httpx.URL(url).path not in ("", "/") or httpx.URL(url).query:
        raise ConfigurationError(
            f"{name} must be a scheme and a host (and port), without a path, got {given!r}: "
            "each API's path (/v2, /v1) is added to it"
        )
    return url


class _Api(NamedTuple):
    label: str
    option: str
    env: str
    path: str  # after the host, with api_host
    default: str


_SENDING = _Api("the JSON API", "base_url", BASE_URL_ENV, "/v2", DEFAULT_BASE_URL)
_REST = _Api("the REST API", "rest_base_url", REST_BASE_URL_ENV, "/v1", DEFAULT_REST_BASE_URL)
_VERIFY = _Api(
    "the Verify API", "verify_base_url", VERIFY_BASE_URL_ENV, "", DEFAULT_VERIFY_BASE_URL
)


class BaseUrls(NamedTuple):
    """Where each API is, and the APIs that may not be called (why, by base URL)."""

    sending: str
    rest: str
    verify: str
    refused: Mapping[str, str]


def resolve_base_urls(
    base_url: str | None,
    rest_base_url: str | None,
    verify_base_url: str | None,
    api_host: str | None,
) -> BaseUrls:
    """Each API's base URL: its own argument, else its own variable, else ``api_host``
    with its path, else production.

    With the sending API pointed elsewhere, an API left on production by default is
    refused (at its first call): the key would go where the user did not choose.
    """
    host = resolve_api_host(api_host)
    urls: list[str] = []
    refused: dict[str, str] = {}
    for api, given in ((_SENDING, base_url), (_REST, rest_base_url), (_VERIFY, verify_base_url)):
        chosen = given or os.environ.get(api.env) or (host + api.path if host else None)
        urls.append(_checked_url(chosen or api.default, api.option))
        if chosen is None and api is not _SENDING:
            refused[api.default] = _left_on_production(api, urls[0])
    sending, rest, verify = urls
    if sending == DEFAULT_BASE_URL:
        refused = {}
    return BaseUrls(sending, rest, verify, refused)


def _left_on_production(api: _Api, sending: str) -> str:
    return (
        f"{api.label} was left on production ({api.default}) while base_url points at "
        f"{sending}: the API key is not sent there. Point every API at one host with "
        f"api_host or {API_HOST_ENV}, or give {api.option} or {api.env} (a production URL "
        "given there is used)"
    )


def _checked_url(url: str, name: str) -> str:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as error:
        raise ConfigurationError(f"{name} is not a valid URL: {error}") from None
    if parsed.scheme == "http" and not is_loopback(parsed.host):
        raise ConfigurationError(
            f"{name} must use https (plain http would expose the API key), got {url!r}; "
            "http is allowed only for loopback hosts"
        )
    if parsed.scheme not in ("https", "http") or not parsed.host:
        raise ConfigurationError(f"{name} must be an https URL, got {url!r}")
    return url.rstrip("/")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def checked_headers(headers: Mapping[str, str] | None) -> dict[str, str]:
    """Extra request headers, refusing those the SDK sets itself (they would be lost)."""
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        raise ValidationError("headers", f"must be a mapping, got {type(headers).__name__}")
    checked = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise ValidationError(f"headers[{name!r}]", "names and values must be strings")
        _check_header_on_the_wire(name, value)
        if name.lower() in _OWN_HEADERS:
            hint = " (pass api_key=)" if name.lower() == "x-api-key" else ""
            raise ValidationError(f"headers[{name!r}]", f"is set by the SDK itself{hint}")
        checked[name.lower()] = value
    return checked


_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def _check_header_on_the_wire(name: str, value: str) -> None:
    """Refuse what no stack can send as it is (each would raise its own error, or
    aiohttp send ``x-api-key : other``); the value is not quoted: it may be a secret."""
    if not _HEADER_NAME.fullmatch(name):
        raise ConfigurationError(
            f"headers[{name!r}]: a header name is one token of ASCII letters, digits and "
            "!#$%&'*+-.^_`|~ (no space, no line break, no other character)"
        )
    for position, character in enumerate(value, 1):
        if not (" " <= character <= "~" or character == "\t"):
            raise ConfigurationError(
                f"headers[{name!r}]: a header value is printable ASCII, with no line break "
                f"or other control character; U+{ord(character):04X} at position {position}"
            )


def checked_timeout(timeout: httpx.Timeout | float | None) -> httpx.Timeout:
    if isinstance(timeout, httpx.Timeout):
        phases: tuple[object, ...] = tuple(timeout.as_dict().values())
    else:
        phases = (timeout,)
    for phase in phases:
        if phase is not None and (
            isinstance(phase, bool) or not isinstance(phase, (int, float)) or not phase >= 0
        ):
            raise ValidationError(
                "timeout", f"must be seconds (0 or more), an httpx.Timeout or None, got {phase!r}"
            )
    return httpx.Timeout(timeout)


def user_agent(app_info: str | None) -> str:
    """The SDK's User-Agent, with ``app_info`` appended as a product token.

    >>> user_agent("shop/2.1").endswith(" shop/2.1")
    True
    """
    return USER_AGENT if app_info is None else f"{USER_AGENT} {_token(app_info)}"


def _token(app_info: str) -> str:
    """``app_info`` as a User-Agent product token: printable ASCII, no line breaks."""
    if not isinstance(app_info, str) or not app_info.strip():
        raise ValidationError("app_info", "must be a non-empty string, such as 'shop/2.1'")
    if not (app_info.isascii() and app_info.isprintable()):
        raise ValidationError("app_info", f"must be printable ASCII, got {app_info!r}")
    return app_info.strip()


def deadline(phases: httpx.Timeout) -> float | None:
    """How long one attempt may take in all: httpx's timeouts apply to each read, so a
    server trickling its answer a byte at a time would hold a call for ever without it.
    The sum of the connect, write and read timeouts; no deadline without them."""
    parts = (phases.connect, phases.write, phases.read)
    if any(part is None for part in parts):
        return None
    return sum(part for part in parts if part is not None)
