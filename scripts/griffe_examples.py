"""A griffe extension for the documentation site: docstring examples shown as code.

The docstrings are written for ``help()`` and doctest: ``>>>`` sessions and
reStructuredText literal blocks (``Example::`` and an indented block). Markdown would
read the first as quotes and the second as plain text, so both become fenced code
blocks when mkdocstrings renders them. ``mkdocs.yml`` loads this file.
"""

from __future__ import annotations

from typing import Any

import griffe

__all__ = ["FencedExamples", "fence_examples"]


class FencedExamples(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fence_examples(obj.docstring.value)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def fence_examples(text: str) -> str:
    """Doctest sessions and literal blocks of a docstring as fenced code.

    >>> fence_examples("Use it::\\n\\n    send()\\n\\nThen").splitlines()
    ['Use it:', '', '```python', 'send()', '```', '', 'Then']
    >>> fence_examples(">>> 1 + 1\\n2").splitlines()
    ['```pycon', '>>> 1 + 1', '2', '```']
    """
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        margin = " " * _indent(line)
        if line.lstrip().startswith(">>>"):
            block = []
            while i < len(lines) and lines[i].strip() and lines[i].startswith(margin):
                block.append(lines[i])
                i += 1
            out += [f"{margin}```pycon", *block, f"{margin}```"]
            continue
        if line.rstrip().endswith("::") and i + 1 < len(lines) and not lines[i + 1].strip():
            out.append(line.rstrip()[:-1])
            j = i + 1
            block = []
            while j < len(lines) and (not lines[j].strip() or _indent(lines[j]) > len(margin)):
                block.append(lines[j])
                j += 1
            while block and not block[-1].strip():
                block.pop()
            code = [b for b in block if b.strip()]
            if code:
                cut = min(_indent(b) for b in code)
                body = [margin + b[cut:] if b.strip() else "" for b in block]
                while not body[0].strip():
                    body.pop(0)
                out += ["", f"{margin}```python", *body, f"{margin}```", ""]
                while j < len(lines) and not lines[j].strip():
                    j += 1
                i = j
                continue
        out.append(line)
        i += 1
    return "\n".join(out)
