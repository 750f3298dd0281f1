"""One request to the fake and its answer, whichever of its APIs answers it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ._faults import Fault

__all__ = ["Answer", "Request"]


@attrs.frozen
class Request:
    """One request, as the fake reads it: ``path`` is the URL's whole path."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes


@attrs.frozen
class Answer:
    """What the fake answers one request: a status and body, or a failed connection."""

    status: int | None
    body: Any = None
    headers: Mapping[str, str] = attrs.Factory(dict)
    fault: Fault | None = None
