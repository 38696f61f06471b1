"""The frozen, validated Instance: settings plus typed tables, read from CSV, xlsx or JSON."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict

from placement_opt.errors import InstanceError, Issue
from placement_opt.io.writers import write_instance
from placement_opt.schema.parse import RawTable
from placement_opt.schema.settings import Policy, Settings
from placement_opt.schema.tables import TABLES
from placement_opt.schema.validation import validate_raw

__all__ = ["Instance"]


class Instance(BaseModel):
    """A validated planning instance. Build it with :meth:`from_path` or :meth:`from_tables`.

    The tables are typed pandas frames in canonical column order (see
    :data:`placement_opt.schema.tables.TABLES`). Nothing in this package modifies them; treat them as
    read-only too (:meth:`fingerprint` changes if they change).
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    settings: Settings
    needs: pd.DataFrame
    phases: pd.DataFrame
    levels: pd.DataFrame
    tariffs: pd.DataFrame
    zones: pd.DataFrame
    provisions: pd.DataFrame
    capacity: pd.DataFrame
    demand: pd.DataFrame
    journeys: pd.DataFrame
    existing: pd.DataFrame
    expansions: pd.DataFrame
    changes: pd.DataFrame
    budgets: pd.DataFrame
    high_needs: pd.DataFrame
    benchmarks: pd.DataFrame
    source: str = "(in memory)"
    warnings: tuple[Issue, ...] = ()

    @property
    def name(self) -> str:
        """The instance's name from its settings."""
        return self.settings.instance.name

    @property
    def policy(self) -> Policy:
        """The planning policy."""
        return self.settings.policy

    @property
    def years(self) -> list[int]:
        """Years that have demand, in order."""
        return sorted(int(y) for y in self.demand["year"].unique())

    def tables(self) -> dict[str, pd.DataFrame]:
        """All tables by name, in canonical order."""
        return {name: getattr(self, name) for name in TABLES}

    @classmethod
    def from_path(cls, path: str | Path) -> Instance:
        """Read a CSV folder, an ``.xlsx`` workbook or a ``.json`` file and validate it.

        A bare name such as ``"kent"`` that is not a path here means the bundled instance.
        Raises :class:`InstanceError` listing every problem found.
        """
        from placement_opt.io.bundled import missing_instance, resolve_instance_path
        from placement_opt.io.readers import read_raw

        found = resolve_instance_path(path)
        if not found.exists():
            raise InstanceError([missing_instance(path)])
        raw_tables, raw_settings, settings_source, locate = read_raw(found)
        return cls._from_raw(raw_tables, raw_settings, settings_source, locate, str(found))

    @classmethod
    def from_tables(
        cls,
        tables: Mapping[str, pd.DataFrame],
        settings: Settings | Mapping[str, Any] | None = None,
        source: str = "(in memory)",
    ) -> Instance:
        """Validate in-memory frames (one per table name) and settings as a new Instance."""
        not_frames = [Issue(f"{source}: table {name}", "not a table",
                            value=type(frame).__name__, expected="a pandas DataFrame")
                      for name, frame in tables.items() if not isinstance(frame, pd.DataFrame)]
        if not_frames:
            raise InstanceError(not_frames)
        raw = {
            name: RawTable.from_frame(name, f"{source}: table {name}", frame.astype("object"))
            for name, frame in tables.items()
        }
        if isinstance(settings, Settings):
            raw_settings: Mapping[str, Any] = settings.model_dump(exclude_unset=True)
        else:
            raw_settings = settings or {}
        return cls._from_raw(raw, raw_settings, f"{source}: settings",
                             lambda t: f"{source}: table {t}", source)

    @classmethod
    def _from_raw(cls, raw_tables: Mapping[str, RawTable], raw_settings: Mapping[str, Any],
                  settings_source: str, locate: Any, source: str) -> Instance:
        validated, issues = validate_raw(raw_tables, raw_settings, settings_source, locate)
        if validated is None:
            raise InstanceError(issues)
        return cls(settings=validated.settings, source=source, warnings=validated.warnings,
                   **validated.tables)

    def replace(self, **updates: Any) -> Instance:
        """A new Instance with some tables or settings replaced, validated again."""
        tables = {name: updates.pop(name, frame) for name, frame in self.tables().items()}
        settings = updates.pop("settings", self.settings)
        if updates:
            raise TypeError(f"unknown fields: {', '.join(updates)}")
        return Instance.from_tables(tables, settings, source=self.source)

    def to_path(self, path: str | Path, overwrite: bool = False) -> Path:
        """Write as a CSV folder, ``.xlsx`` or ``.json`` (chosen by the path's suffix)."""
        settings = self.settings.model_dump(mode="json", exclude_unset=True)
        return write_instance(settings, self.tables(), Path(path), overwrite=overwrite)

    def fingerprint(self) -> str:
        """SHA-256 of the settings and every table's contents (stable across runs)."""
        digest = hashlib.sha256(self.settings.model_dump_json().encode())
        for name, frame in self.tables().items():
            digest.update(name.encode())
            digest.update(frame.to_csv(index=False).encode())
        return digest.hexdigest()
