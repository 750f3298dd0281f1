"""The ``smsmngr`` command line (``pip install "smsmngr[cli]"`` adds its progress bar)."""

from ._app import main

__all__ = ["main"]
