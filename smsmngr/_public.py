"""Public names show where users import them from, not the private module behind them."""

from __future__ import annotations

from typing import Any

__all__ = ["present_here"]


def present_here(namespace: dict[str, Any], *, package: str | None = None) -> None:
    """Give each class a package exports from a private module the package's name, as
    httpx and anyio do: a repr or a traceback then reads ``smsmngr.bulk.BulkResult``, not
    ``smsmngr.bulk._outcomes.BulkResult``. Call it at the end of the package's
    ``__init__`` (or of the module ``package`` loads its names from); a class exported
    twice ends with the name of the last package."""
    package = package or namespace["__name__"]
    for name in namespace["__all__"]:
        value = namespace[name]
        if isinstance(value, type) and any(
            part.startswith("_") for part in value.__module__.split(".")
        ):
            value.__module__ = package
