"""The ``smsmngr`` command line (the ``cli`` extra adds its progress bar)."""

from ._app import main

__all__ = ["main"]
