"""smsmngr: an async-first SDK for SmsManager: the JSON API v2 (SMS, Viber, WhatsApp,
RCS), the REST API v1 (statuses, statistics, credit, prices, contact lists, inbox) and
the Verify API.

>>> from smsmngr import Message
>>> Message("Hi", to=["420777123456"]).body
'Hi'
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from typing import TYPE_CHECKING, Any

from ._logs import configure_from_environment
from ._redact import redact_sdk_loggers
from ._version import __version__ as __version__

if TYPE_CHECKING:
    from . import _exports
    from ._exports import *  # noqa: F403

    __all__: list[str] = []
    __all__ += _exports.__all__

# A library logs, the application decides where to: nothing shows unless it says so
# (or sets SMSMANAGER_LOG=debug|info for a quick look).
logging.getLogger("smsmngr").addHandler(logging.NullHandler())
redact_sdk_loggers()
configure_from_environment()


def __getattr__(name: str) -> Any:
    # Public names load with their modules on first use: ``import smsmngr`` stays cheap
    # (the command line, a process that only configures logging), and the first name
    # asked for brings the whole public surface, once.
    if (name.startswith("_") and name != "__all__") or _is_submodule(name):
        # ``from . import upload`` asks for the attribute before importing the module.
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    exports = importlib.import_module(f"{__name__}._exports")
    if name == "__all__":
        value: Any = list(exports.__all__)
    elif name in exports.__all__:
        value = getattr(exports, name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def _is_submodule(name: str) -> bool:
    return importlib.util.find_spec(f"{__name__}.{name}") is not None


def __dir__() -> list[str]:
    exports = importlib.import_module(f"{__name__}._exports")
    return sorted({*globals(), *exports.__all__})
