"""What a benchmark was measured on: CPU, cores, load, memory, package versions and code."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["PACKAGES", "code_version", "load_average", "machine", "mem_available_mb"]

ROOT = Path(__file__).resolve().parents[1]
#: Distributions whose versions are recorded (PyPI names).
PACKAGES = ("numpy", "scipy", "pandas", "highspy", "ortools", "pulp")


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average() -> list[float] | None:
    """1, 5 and 15 minute load averages (None where the OS has none)."""
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None


def _meminfo_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        return None
    return None


def mem_available_mb() -> float | None:
    """Memory available for new work, in MB (Linux ``MemAvailable``)."""
    return _meminfo_mb("MemAvailable")


def machine() -> dict[str, Any]:
    """CPU, cores, load average, memory, OS, Python and package versions."""
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cpu": _cpu(), "cores": os.cpu_count(), "load_average": load_average(),
        "mem_total_mb": _meminfo_mb("MemTotal"), "mem_available_mb": mem_available_mb(),
        "platform": platform.platform(), "python": platform.python_version(),
        "executable": sys.executable, "packages": versions,
    }


def code_version() -> dict[str, Any]:
    """HEAD and whether ``placement_opt`` or ``benchmarks`` had uncommitted edits (read-only git
    commands; empty when git is unavailable)."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", "--no-optional-locks", *args], cwd=ROOT, check=True,
                              capture_output=True, text=True)
        return done.stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        package = git("status", "--porcelain", "--", "placement_opt")
        bench = git("status", "--porcelain", "--", "benchmarks", ":!benchmarks/results",
                    ":!benchmarks/README.md")
    except (OSError, subprocess.CalledProcessError):
        return {}
    return {"git_head": head, "placement_opt_edited": bool(package), "benchmarks_edited": bool(bench)}
