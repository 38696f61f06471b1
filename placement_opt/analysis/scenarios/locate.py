"""Finding the line of a key in TOML text (``tomllib`` keeps no positions), so a problem with a
scenario can name the line a planner should look at."""

from __future__ import annotations

import re
from collections.abc import Sequence

from placement_opt.errors import Issue, Severity

__all__ = ["key_line", "key_name", "located"]

_BARE = r"[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'"
_DOTTED = rf"(?:{_BARE})(?:\s*\.\s*(?:{_BARE}))*"
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED})\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(rf"^\s*({_DOTTED})\s*=")
_PART = re.compile(_BARE)


def _split(dotted: str) -> list[str]:
    """``a."b.c".d`` → ``["a", "b.c", "d"]``."""
    return [p.strip("\"'") for p in _PART.findall(dotted)]


def _prefix_len(full: Sequence[str], want: Sequence[str]) -> int:
    """Length of ``full`` if it is a prefix of ``want``, else 0."""
    if len(full) > len(want) or list(full) != list(want[:len(full)]):
        return 0
    return len(full)


def key_line(text: str, path: Sequence[str | int]) -> int | None:
    """1-based line where the key ``path`` (as pydantic locates it: table names, array-of-tables
    indices, keys) is written, or the line of its nearest enclosing key or table header; None
    when no part of it is in the text."""
    want = [str(p) for p in path]
    best_len, best_line = 0, None
    context: list[str] = []
    seen_arrays: dict[tuple[str, ...], int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            names = _split(header.group(2))
            if header.group(1) == "[[":
                index = seen_arrays.get(tuple(names), -1) + 1
                seen_arrays[tuple(names)] = index
                names = [*names, str(index)]
            context = names
            full = names
            rest = ""
        else:
            key = _KEY.match(line)
            if not key:
                continue
            full = context + _split(key.group(1))
            rest = line[key.end():]
        n = _prefix_len(full, want)
        if n > best_len:
            best_len, best_line = n, number
            # A deeper key inside an inline table on the same line: ``x = { ASD = 0.1 }``.
            if n < len(want) and re.search(rf"(^|[{{,\s])[\"']?{re.escape(want[-1])}[\"']?\s*=",
                                           rest):
                best_len = len(want)
    return best_line


def key_name(path: Sequence[str | int]) -> str:
    """``("provisions", "close", 0, "provision")`` → ``provisions.close[1].provision`` (entries of
    an array counted from 1, as a reader counts them)."""
    text = ""
    for part in path:
        text += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def located(source: str, text: str | None, path: Sequence[str | int], message: str,
            value: object = None, expected: str | None = None,
            severity: Severity = Severity.ERROR) -> Issue:
    """An :class:`Issue` at ``source, line N`` for the key ``path`` (``a.b.c``)."""
    line = key_line(text, path) if text is not None else None
    where = source if line is None else f"{source}, line {line}"
    key = key_name(path) or None
    shown = None if value is None else str(value)
    return Issue(where, message, column=key, value=shown, expected=expected, severity=severity)
