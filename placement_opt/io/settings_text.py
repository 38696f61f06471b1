"""Settings as TOML text and as flat ``key = value`` rows (for the workbook's settings sheet)."""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["EMPTY_MAPPING_TEXT", "flatten", "to_toml", "unflatten"]

#: The flat-row value of an empty mapping (``max_journey_min = {}``: no journey limits at all).
EMPTY_MAPPING_TEXT = "{}"

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _toml_string(key)


def _toml_string(text: str) -> str:
    # JSON escapes are valid TOML escapes; TOML also forbids a raw DEL character.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(float(value)) if isinstance(value, float) else str(value)
    if isinstance(value, dict):
        inner = ", ".join(f"{_toml_key(str(k))} = {_toml_value(v)}"
                          for k, v in value.items() if v is not None)
        return "{ " + inner + " }" if inner else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return _toml_string(str(value))


def to_toml(settings: dict[str, Any]) -> str:
    """Render ``{"instance": {...}, "policy": {...}}`` as TOML (``None`` values are left out)."""
    lines: list[str] = []
    for section, values in settings.items():
        lines.append(f"[{_toml_key(str(section))}]")
        for key, value in values.items():
            if value is not None:
                lines.append(f"{_toml_key(str(key))} = {_toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


def flatten(settings: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Nested settings as ``("policy.max_journey_min.primary", 45.0)`` pairs.

    An empty mapping becomes one pair with the value :data:`EMPTY_MAPPING_TEXT`, so that it is
    not lost (``max_journey_min = {}`` differs from leaving the default limits).
    """
    pairs: list[tuple[str, Any]] = []
    for key, value in settings.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            if value:
                pairs += flatten(value, name + ".")
            elif prefix:
                pairs.append((name, EMPTY_MAPPING_TEXT))
        elif isinstance(value, list | tuple):
            pairs.append((name, ";".join(map(str, value))))  # a workbook cell holds text
        elif value is not None:
            pairs.append((name, value))
    return pairs


def unflatten(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Inverse of :func:`flatten`."""
    out: dict[str, Any] = {}
    for key, raw in pairs:
        value = {} if isinstance(raw, str) and raw.strip() == EMPTY_MAPPING_TEXT else raw
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        if isinstance(value, dict) and isinstance(node.get(parts[-1]), dict):
            continue  # keep values already given under this key
        node[parts[-1]] = value
    return out
