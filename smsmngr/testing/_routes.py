"""``Routes``: the fake's REST handlers by method and path, registered next to each one.

A module of its own because ``_rest`` imports ``_rest_keys`` and ``_rest_messaging``
(for ``RestState``), which register their handlers too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TypeVar

__all__ = ["Routes"]

_Handler = TypeVar("_Handler")


class Routes(Mapping[tuple[str, str], _Handler]):
    """Handlers by ``(method, path)``, each pair registered once: ``@ROUTES("GET",
    "/message")`` above a handler, or ``Routes(a, b)`` to merge tables."""

    def __init__(self, *tables: Mapping[tuple[str, str], _Handler]) -> None:
        self._handlers: dict[tuple[str, str], _Handler] = {}
        for table in tables:
            for (method, path), handler in table.items():
                self._add(method, path, handler)

    def __call__(self, method: str, path: str) -> Callable[[_Handler], _Handler]:
        """A decorator registering its handler for ``method`` and ``path``."""

        def register(handler: _Handler) -> _Handler:
            self._add(method, path, handler)
            return handler

        return register

    def _add(self, method: str, path: str, handler: _Handler) -> None:
        if (method, path) in self._handlers:
            raise ValueError(f"{method} {path} is registered twice")
        self._handlers[method, path] = handler

    def __getitem__(self, key: tuple[str, str]) -> _Handler:
        return self._handlers[key]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._handlers)

    def __len__(self) -> int:
        return len(self._handlers)
