"""Matching a name a user typed against the valid names: case- and space-tolerant lookup and
"did you mean" suggestions, shared by every check of kinds, needs, zones, provisions, columns,
settings keys and scenario keys."""

from __future__ import annotations

import difflib
import typing
from collections.abc import Iterable, Sequence

from pydantic import BaseModel

from placement_opt.errors import InstanceError, Issue

__all__ = ["NAME_RULES", "SHORT_LIST", "canonical", "closest", "folded", "model_keys", "option_names",
           "unknown_expected"]

#: The rules in one line (for the template's README sheet and the docs).
NAME_RULES = ("Fixed values (kind, action, true/false, yes/no), need and phase codes and column "
              "names are read ignoring case and spaces (Special is special, asd is ASD); other "
              "ids (zones, provisions, levels) must match exactly. An unknown name is an error "
              "naming the closest valid ones.")
#: Valid names are listed in full up to this many; past it only the closest are named.
SHORT_LIST = 15
#: How alike a name must be to be suggested (difflib's ratio, on case-folded names).
_CUTOFF = 0.6


def folded(name: str) -> str:
    """``name`` as compared: surrounding spaces dropped, inner runs of spaces as one, case
    folded (``" Special "`` and ``"SPECIAL"`` both become ``"special"``)."""
    return " ".join(name.split()).casefold()


def canonical(name: str, valid: Iterable[str]) -> str | None:
    """The one valid name ``name`` matches: exactly, else ignoring case and spaces when exactly
    one valid name matches that way; ``None`` otherwise."""
    options = list(valid)
    if name in options:
        return name
    key = folded(name)
    matches = {v for v in options if folded(v) == key}
    return matches.pop() if len(matches) == 1 else None


def closest(name: str, valid: Iterable[str], n: int = 3, cutoff: float = _CUTOFF) -> list[str]:
    """Up to ``n`` valid names most like ``name`` (case ignored; at least ``cutoff`` alike by
    difflib's ratio), best first."""
    by_key: dict[str, str] = {}
    for v in valid:
        by_key.setdefault(folded(v), v)
    keys = difflib.get_close_matches(folded(name), list(by_key), n=n, cutoff=cutoff)
    return [by_key[k] for k in keys]


def unknown_expected(name: str, valid: Iterable[str], what: str = "",
                     limit: int = SHORT_LIST) -> str:
    """What an error about the unknown ``name`` expects: ``did you mean 'special'?``, then
    the valid names when there are at most ``limit`` of them (else how many there are);
    ``what`` names them (``"a provision kind"``)."""
    options = list(dict.fromkeys(str(v) for v in valid))
    if isinstance(valid, set | frozenset):
        options.sort(key=lambda v: (v.casefold(), v))
    if not options:
        return f"{what or 'a valid name'} (there are none)"
    near = closest(name, options)
    parts = []
    if near:
        quoted = [repr(m) for m in near]
        listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
        parts.append(f"did you mean {listed}?")
    if len(options) <= limit:
        parts.append(f"{what + ': ' if what else ''}one of " + ", ".join(options))
    else:
        parts.append(f"{what or 'a valid name'} ({len(options)} in all)")
    return " ".join(parts)


def option_names(text: str, valid: Iterable[str], option: str, what: str,
                 respell: bool = True, required: bool = False) -> tuple[str, ...]:
    """The ``;``-separated names of a command-line option, each a valid name (matched
    ignoring case and spaces when ``respell``, then written as the valid name); raises
    :class:`InstanceError` naming every unknown one with the closest valid names."""
    options = list(valid)
    names: list[str] = []
    issues = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        spelt = canonical(part, options) if respell else (part if part in options else None)
        if spelt is None:
            issues.append(Issue(f"option {option}", f"unknown {what}", value=part,
                                expected=unknown_expected(part, options, f"a {what}")))
        elif spelt not in names:
            names.append(spelt)
    if required and not names and not issues:
        issues.append(Issue(f"option {option}", f"no {what} given", value=text,
                            expected="one or more of " + ", ".join(options)
                            + " separated by ';'"))
    if issues:
        raise InstanceError(issues)
    return tuple(names)


def _model_in(annotation: object) -> type[BaseModel] | None:
    """The model a field holds (itself, optional, or in a list)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def model_keys(model: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    """The keys allowed where the key path ``loc`` (a pydantic error's location) ends: the
    fields of the model that holds its last part (empty where keys are free)."""
    current = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue  # an index into a list of models
        field = current.model_fields.get(str(part))
        found = None if field is None else _model_in(field.annotation)
        if found is None:
            return []
        current = found
    return list(current.model_fields)
