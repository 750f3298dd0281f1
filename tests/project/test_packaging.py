"""The package's metadata: its licence, the Pythons it declares, its extras."""

from __future__ import annotations

import re
from importlib.metadata import metadata

from ..support import ROOT


def test_the_licence_is_mit_and_shipped() -> None:
    meta = metadata("smsmngr")
    assert meta["License-Expression"] == "MIT"
    assert meta.get_all("License-File") == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License\n")


def test_the_declared_pythons_are_the_tested_ones() -> None:
    meta = metadata("smsmngr")
    minors = [
        classifier.rsplit(" ", 1)[1]
        for classifier in meta.get_all("Classifier") or []
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", classifier)
    ]
    assert minors == ["3.10", "3.11", "3.12", "3.13"]
    assert meta["Requires-Python"] == ">=3.10"


def test_optional_features_are_extras() -> None:
    extras = set(metadata("smsmngr").get_all("Provides-Extra") or [])
    assert {"cli", "phone", "fake", "docs", "test", "dev"} <= extras
