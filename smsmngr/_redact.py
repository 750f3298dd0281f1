"""What the SDK says about a request shows no key, phone number or text.

The GET simple endpoint carries the key, the number and the text in its query, and a
stack's exception may quote that URL (aiohttp's connect timeout does). Every query value
of a URL is redacted, in each log record of the loggers the SDK and its stacks write to
and in each text the SDK builds from a stack's exception.
"""

from __future__ import annotations

import logging
import re

__all__ = ["LOGGERS", "RedactQueries", "redact_queries", "redact_sdk_loggers"]

LOGGERS = ("smsmngr", "smsmngr.webhooks", "httpx", "httpx2")
"""The loggers the SDK writes to, and those of its stacks that log URLs."""

_URL_QUERY = re.compile(r"""([a-z][a-z0-9+.-]*://[^\s?#'"<>]*)\?([^\s#'"<>]*)""", re.IGNORECASE)
_API_KEY_PARAMETER = re.compile(r"(apikey=)[^&\s\"'<>]*", re.IGNORECASE)


def redact_queries(text: str) -> str:
    """``text`` with the value of every URL query parameter, and of any ``apikey=``,
    replaced by ``***``.

    >>> redact_queries("timeout to http://h/v2/simple/message?apikey=k&phone_number=1")
    'timeout to http://h/v2/simple/message?apikey=***&phone_number=***'
    """
    text = _URL_QUERY.sub(_redacted_url, text)
    return _API_KEY_PARAMETER.sub(r"\1***", text)


def _redacted_url(match: re.Match[str]) -> str:
    names = (part.partition("=")[0] for part in match[2].split("&") if part)
    return f"{match[1]}?{'&'.join(f'{name}=***' for name in names)}"


class RedactQueries(logging.Filter):
    """Redacts every URL query value in a record's message, as its arguments make it
    (httpx and httpx2 log each request's URL as an argument)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record that cannot be formatted: the handler reports it
            return True
        redacted = redact_queries(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def redact_sdk_loggers() -> None:
    """Redact on every logger in ``LOGGERS``, before any handler (the application's
    included) sees a record: a logger's filters run before its records propagate."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactQueries) for f in logger.filters):
            logger.addFilter(RedactQueries())
