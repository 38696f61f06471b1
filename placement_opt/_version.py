"""Package version (kept in step with pyproject.toml)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("placement_opt")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"
