"""A griffe extension for the documentation site: attrs classes shown with their fields.

attrs writes a class's ``__init__`` when the class is made, so static analysis sees
none: the reference would show neither a signature nor the fields. This extension
gives each attrs class the ``__init__`` attrs made (names, order, keyword-only and
defaults from the class itself; annotations as written in the source, so they link).
``mkdocs.yml`` loads this file.
"""

from __future__ import annotations

from typing import Any

import attrs
import griffe

__all__ = ["AttrsSignatures", "default_text"]

_LITERALS = {dict: "{}", list: "[]", tuple: "()"}


class AttrsSignatures(griffe.Extension):
    def on_class_members(self, *, cls: griffe.Class, **kwargs: Any) -> None:
        if "__init__" in cls.members:
            return
        try:
            runtime = griffe.dynamic_import(cls.path)
        except ImportError:
            return
        if isinstance(runtime, type) and attrs.has(runtime):
            cls.set_member("__init__", _init(cls, runtime))


def _init(cls: griffe.Class, runtime: type) -> griffe.Function:
    parameters = [griffe.Parameter("self", kind=griffe.ParameterKind.positional_or_keyword)]
    for field in attrs.fields(runtime):
        if not field.init:
            continue
        annotation = _written_annotation(cls, field.name)
        kind = griffe.ParameterKind.keyword_only if field.kw_only else None
        parameters.append(
            griffe.Parameter(
                field.alias or field.name,
                annotation=annotation or _text(field.type),
                kind=kind or griffe.ParameterKind.positional_or_keyword,
                default=default_text(field.default),
            )
        )
    return griffe.Function(
        "__init__",
        lineno=cls.lineno,
        endlineno=cls.lineno,
        parent=cls,
        parameters=griffe.Parameters(*parameters),
        returns="None",
    )


def _written_annotation(cls: griffe.Class, name: str) -> Any:
    """The annotation of field ``name`` as its class, or a base class, writes it."""
    for owner in (cls, *cls.mro()):
        written = owner.members.get(name)
        if isinstance(written, griffe.Attribute):
            return written.annotation
    return None


def _text(annotation: Any) -> str | None:
    """A runtime annotation (``attrs.resolve_types`` replaces the written ones) as text."""
    if annotation is None or isinstance(annotation, str):
        return annotation
    return annotation.__name__ if isinstance(annotation, type) else str(annotation)


def default_text(default: Any) -> str | None:
    """A field's default as the signature shows it; None when it has none.

    >>> default_text(None), default_text("en"), default_text(attrs.Factory(dict))
    ('None', "'en'", '{}')
    >>> default_text(attrs.NOTHING) is None
    True
    """
    if default is attrs.NOTHING:
        return None
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        factory = default.factory
        return _LITERALS.get(factory) or f"{getattr(factory, '__qualname__', 'factory')}()"
    return repr(default)
