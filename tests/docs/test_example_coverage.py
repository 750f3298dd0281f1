"""Every request and response example of the four OpenAPI files is exercised by a test.

``tests/data/operations.json`` holds each operation's examples. The area tests
parametrize over them (or over the older ``reference_examples.json`` and
``verify_examples.json``, extracted from the same files). This test imports every
test module, reads the parameters of its tests, and finds each example among them: an
example counts as tested when a test is parametrized with it, together with its path
or operation wherever the same body is documented for more than one operation.
"""

from __future__ import annotations

import functools
import importlib
import json
import re
from collections.abc import Iterator
from typing import Any, NamedTuple

import pytest

from ..support import DATA, ROOT

OPERATIONS: list[dict[str, Any]] = json.loads((DATA / "operations.json").read_text())
PARAM = type(pytest.param(None))
TITLE = re.compile(r"(GET|POST|PUT|PATCH|DELETE) (\S+) (?:(request)|(\d{3})): (.+)$")


class Key(NamedTuple):
    """One example: ``("POST", "/optout", "responses", 400, "Missing to")``."""

    method: str
    path: str
    kind: str
    status: int | None
    name: str


@functools.cache
def documented() -> dict[Key, Any]:
    """Every example of the reference, by its key, with its body."""
    found = {}
    for op in OPERATIONS:
        for kind in ("requests", "responses"):
            for example in op[kind]:
                key = Key(op["method"], op["path"], kind, example.get("status"), example["name"])
                found[key] = example["example"]
    return found


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=repr)


def _test_modules() -> Iterator[Any]:
    for file in sorted((ROOT / "tests").rglob("test_*.py")):
        name = ".".join(file.relative_to(ROOT).with_suffix("").parts)
        yield importlib.import_module(name)


def _parameter_sets() -> Iterator[tuple[Any, ...]]:
    """The values of every parametrized case of every test, one tuple per case."""
    for module in _test_modules():
        for name, test in vars(module).items():
            if not name.startswith("test_") or not callable(test):
                continue
            for mark in getattr(test, "pytestmark", []):
                if mark.name != "parametrize":
                    continue
                argnames, argvalues = mark.args[0], mark.args[1]
                single = isinstance(argnames, str) and "," not in argnames
                for case in argvalues:
                    if isinstance(case, PARAM):
                        titled = TITLE.search(case.id or "")
                        yield (*case.values, *([{"title": titled[0]}] if titled else []))
                    else:
                        yield (case,) if single else tuple(case)


def _keys_of(case: tuple[Any, ...], bodies: dict[str, list[Key]]) -> set[Key]:
    """The examples one parametrized case stands for."""
    paths = set()
    candidates: list[Any] = []
    for value in case:
        if isinstance(value, str) and value.startswith("/"):
            paths.add(value)
        elif isinstance(value, dict):
            if {"requests", "responses"} <= value.keys():
                paths.add(value["path"])
                continue
            candidates.append(value)
            candidates.extend(value[k] for k in ("example", "value") if k in value)
            if isinstance(value.get("path"), str):
                paths.add(value["path"])
        elif isinstance(value, list):
            candidates.append(value)
    keys = set()
    for value in case:
        if isinstance(value, dict) and isinstance(value.get("title"), str):
            match = TITLE.fullmatch(value["title"])
            if match:
                method, path, request, status, name = match.groups()
                kind = "requests" if request else "responses"
                key = Key(method, path, kind, None if request else int(status), name)
                # a title names its example only when the case carries that very body
                if any(_canonical(c) == _canonical(documented().get(key)) for c in candidates):
                    keys.add(key)
        if isinstance(value, dict) and {"kind", "method", "path", "name"} <= value.keys():
            kind = "requests" if value["kind"] == "request" else "responses"
            keys.add(Key(value["method"], value["path"], kind, value.get("status"), value["name"]))
    for candidate in candidates:
        same = bodies.get(_canonical(candidate), [])
        if len(same) == 1:
            keys.update(same)
        else:
            keys.update(k for k in same if k.path in paths)
    return keys


def examples_under_test() -> set[Key]:
    """The examples some test is parametrized with."""
    bodies: dict[str, list[Key]] = {}
    for key, body in documented().items():
        bodies.setdefault(_canonical(body), []).append(key)
    covered: set[Key] = set()
    for case in _parameter_sets():
        covered |= _keys_of(case, bodies)
    return covered


def test_the_reference_has_its_examples() -> None:
    examples = documented()
    assert sum(k.kind == "requests" for k in examples) == 71
    assert sum(k.kind == "responses" for k in examples) == 179


@pytest.mark.slow
def test_every_example_of_every_operation_is_a_test() -> None:
    untested = sorted(set(documented()) - examples_under_test(), key=str)
    assert untested == []
