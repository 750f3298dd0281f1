"""``SMSMANAGER_LOG=debug|info``: the SDK's (and httpx's) log lines on stderr, for a
quick look without configuring logging. Applications that configure logging themselves
need none of it: the SDK logs to the ``smsmngr`` logger and adds no handler otherwise.
"""

from __future__ import annotations

import logging
import os
import warnings

from ._redact import RedactQueries

__all__ = ["LOG_ENV", "configure_from_environment"]

LOG_ENV = "SMSMANAGER_LOG"
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}


def configure_from_environment() -> None:
    """Log to stderr at the level ``$SMSMANAGER_LOG`` names; nothing when it is unset."""
    setting = os.environ.get(LOG_ENV, "").strip().lower()
    if not setting:
        return
    level = _LEVELS.get(setting)
    if level is None:
        warnings.warn(
            f"{LOG_ENV}={setting!r} is not a log level: use 'debug' or 'info'",
            RuntimeWarning,
            stacklevel=2,
        )
        return
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("[%(asctime)s %(name)s %(levelname)s] %(message)s", "%H:%M:%S")
    )
    # Redacted here too: a record of a child logger (smsmngr.bulk, httpx's httpcore)
    # reaches this handler without passing its parent's filters.
    handler.addFilter(RedactQueries())
    for name in ("smsmngr", "httpx", "httpx2"):
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.addHandler(handler)
