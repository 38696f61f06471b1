"""Run manifests: what is needed to reproduce a scenario run exactly (``manifest.json``)."""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from placement_opt._version import __version__
from placement_opt.analysis.scenarios.errors import ScenarioError
from placement_opt.analysis.scenarios.load import LoadedScenario
from placement_opt.errors import Issue
from placement_opt.options import SolveOptions

__all__ = ["MANIFEST_FILE", "MANIFEST_VERSION", "build_manifest", "read_manifest", "versions"]

MANIFEST_FILE = "manifest.json"
#: Bumped when the manifest's keys change.
MANIFEST_VERSION = 1
_PACKAGES = ("numpy", "scipy", "pandas", "pydantic", "highspy", "ortools", "pulp")


def versions(backend: str | None = None) -> dict[str, str | None]:
    """Versions of Python, this package, its numeric dependencies and the backend's solver."""
    out: dict[str, str | None] = {"placement_opt": __version__,
                                  "python": sys.version.split()[0], "platform": platform.platform()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    if backend is not None:
        from placement_opt.solvers.registry import get_backend

        try:
            out[f"solver:{backend}"] = get_backend(backend).version()
        except Exception:  # an unknown or broken backend is recorded, not fatal
            out[f"solver:{backend}"] = None
    return out


def build_manifest(loaded: LoadedScenario, base_path: Path, base_fingerprint: str,
                   instance_fingerprint: str, options: SolveOptions, summary: dict[str, Any],
                   timings: dict[str, float]) -> dict[str, Any]:
    """The manifest of one run: scenario (text, hashes), base, options, versions, outcome."""
    text = loaded.text
    return {
        "manifest_version": MANIFEST_VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "scenario": {
            "name": loaded.name, "file": loaded.source,
            "file_sha256": None if text is None else hashlib.sha256(text.encode()).hexdigest(),
            "sha256": loaded.digest(), "text": text,
            "mapping": None if text is not None else loaded.raw,
        },
        "base": {"as_given": loaded.scenario.scenario.base, "path": str(base_path),
                 "fingerprint": base_fingerprint},
        "instance_fingerprint": instance_fingerprint,
        "options": options.model_dump(mode="json", exclude={"log_file", "verbose"}),
        "versions": versions(options.backend),
        "timings": {k: round(v, 4) for k, v in timings.items()},
        "status": summary.get("status"), "objective": summary.get("objective"),
        "gap": summary.get("gap"), "backend": summary.get("backend"),
    }


def read_manifest(run_dir: Path) -> dict[str, Any]:
    """The manifest of a run folder; :class:`ScenarioError` naming the file when it cannot."""
    file = run_dir / MANIFEST_FILE
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ScenarioError([Issue(str(file), "no manifest in the run folder",
                                   expected="a folder written by placement-opt scenario run")]) from exc
    except json.JSONDecodeError as exc:
        raise ScenarioError([Issue(str(file), f"not valid JSON: {exc}",
                                   expected="manifest.json as written by scenario run")]) from exc
    missing = [k for k in ("scenario", "base", "options", "instance_fingerprint") if k not in data]
    if missing:
        raise ScenarioError([Issue(str(file), "manifest incomplete", column=k, expected="the key")
                             for k in missing])
    return dict(data)
