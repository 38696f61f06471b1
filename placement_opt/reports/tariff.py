"""The tariff report (``models/continuum.md``): GBP per pupil per year by level x provision kind
(optionally by need) from an effective year, as place funding + top-up.

The grid that prices the model is :class:`placement_opt.model.tariff_grid.TariffGrid`.
:func:`line_costs` prices the placements of a solved run under a tariff table: what each
line costs by year, and with a proposed table, what the same placements would cost.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from placement_opt.errors import InstanceError, Issue
from placement_opt.model.tariff_grid import OWN_COST, TariffGrid
from placement_opt.reports.tariff_deficit import deficit_effect
from placement_opt.schema.continuum import DEFAULT_LEVEL, Continuum
from placement_opt.schema.parse import RawTable
from placement_opt.schema.tables import KINDS, TABLES

if TYPE_CHECKING:
    from placement_opt.instance import Instance
    from placement_opt.results.run import RunData

__all__ = ["TARIFF_FILES", "line_costs", "priced_placements", "tariff_tables", "with_tariff_file",
           "write_tariff_report"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

def priced_placements(alloc: pd.DataFrame, provisions: pd.DataFrame, tariffs: pd.DataFrame,
                      continuum: Continuum, needs: tuple[str, ...],
                      years: tuple[int, ...]) -> pd.DataFrame:
    """Each allocation row with the tariff ``line`` in effect (row number of ``tariffs``,
    ``-1``: own cost), its ``place_funding`` and ``top_up`` per pupil and ``place_cost``.

    Allocations without a ``level`` column (runs solved before levels) are at the default level.
    """
    grid = TariffGrid.from_table(tariffs, continuum, needs, years)
    level = (continuum.codes(alloc["level"]) if "level" in alloc
             else np.zeros(len(alloc), dtype=np.int64))
    kind = _codes(alloc["kind"], KINDS)
    need = _codes(alloc["need"], needs)
    year = _codes(alloc["year"], years)
    own = alloc["provision"].map(provisions.set_index("provision")["cost_per_place"]).to_numpy(float)
    lines = grid.lines(level, kind, need, year)
    unit = grid.price(lines, own)
    funding = grid.funding(lines, np.full(len(alloc), np.nan))
    pupils = alloc["pupils"].to_numpy(float)
    return alloc.assign(line=lines, place_funding=funding, top_up=unit - funding,
                        unit_cost=unit, place_cost=unit * pupils)


def _codes(values: pd.Series, labels: tuple[object, ...]) -> IntArray:
    return np.asarray(values.map({v: i for i, v in enumerate(labels)}).to_numpy(), dtype=np.int64)


def line_costs(priced: pd.DataFrame, tariffs: pd.DataFrame) -> pd.DataFrame:
    """What each tariff line costs by year and over the horizon (``year = "all"``).

    One row per line in effect for some placement, and one per kind for placements priced at
    their own cost: ``line`` (1-based row of the tariffs table, or :data:`OWN_COST`), level,
    kind, need, effective_year, rates, ``pupils`` (pupil-years) and GBP.
    """
    frame = priced.assign(
        funding_gbp=priced["place_funding"].fillna(0.0) * priced["pupils"],
        top_up_gbp=priced["top_up"].where(priced["line"] >= 0, 0.0) * priced["pupils"])
    keys = ["line", "kind", "year"]
    by_year = frame.groupby(keys, as_index=False).agg(
        pupils=("pupils", "sum"), place_funding_gbp=("funding_gbp", "sum"),
        top_up_gbp=("top_up_gbp", "sum"), cost_gbp=("place_cost", "sum"))
    total = by_year.groupby(["line", "kind"], as_index=False)[
        ["pupils", "place_funding_gbp", "top_up_gbp", "cost_gbp"]].sum().assign(year="all")
    out = pd.concat([by_year.astype({"year": object}), total], ignore_index=True)
    matched = (out["line"] >= 0).to_numpy()
    rows = np.where(matched, out["line"].to_numpy(np.int64), 0)
    for col in ("level", "need", "effective_year", "place_funding", "top_up"):
        values = (tariffs[col].to_numpy(object)[rows] if len(tariffs)
                  else np.full(len(out), None, dtype=object))
        values[~matched] = None
        out[col] = values
    own = ~matched
    out.loc[own, ["place_funding_gbp", "top_up_gbp"]] = np.nan
    order = np.lexsort((out["line"].to_numpy(), out["kind"].to_numpy(), own,
                        np.where(out["year"].astype(str) == "all", 1e9,
                                 pd.to_numeric(out["year"], errors="coerce"))))
    out["line"] = np.where(matched, (out["line"] + 1).astype(str), OWN_COST)
    out = out.iloc[order]
    return out[["line", "level", "kind", "need", "effective_year", "place_funding", "top_up",
                "year", "pupils", "place_funding_gbp", "top_up_gbp", "cost_gbp"]].reset_index(
        drop=True)


def with_tariff_file(instance: Instance, path: Path) -> Instance:
    """``instance`` with its tariffs replaced by the CSV at ``path``, validated against it.

    Raises :class:`InstanceError` naming the file, row, column and value of every problem.
    """
    from placement_opt.io.readers import read_table_csv
    from placement_opt.schema.validation import validate_raw

    if not path.is_file():
        raise InstanceError([Issue(str(path), "no such file", expected="a tariffs CSV with "
                                   "columns " + ", ".join(TABLES["tariffs"].names))])
    raw, problems = read_table_csv("tariffs", path)
    if raw is None:
        raise InstanceError(problems)
    tables = {name: RawTable.from_frame(name, f"{instance.source}: table {name}",
                                        frame.astype("object"))
              for name, frame in instance.tables().items() if name != "tariffs"}
    tables["tariffs"] = raw
    validated, issues = validate_raw(tables, instance.settings.model_dump(exclude_unset=True),
                                     f"{instance.source}: settings", lambda t: t)
    if validated is None:
        raise InstanceError(issues)
    from placement_opt.instance import Instance

    return Instance(settings=validated.settings, source=instance.source,
                    warnings=validated.warnings, **validated.tables)


def tariff_tables(run: RunData, proposed: Instance | None = None,
                  resolved: RunData | None = None,
                  balance: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The tariff report of a solved run.

    ``lines``: what each line of the current table (and of the proposed one) costs by year and
    in total. ``compare`` (with ``proposed``): by year x level x kind, the current cost of the
    placements, their cost under the proposed table (placements held fixed) and the difference;
    with ``resolved`` (the proposed instance solved again), its placements and their cost. The
    ``*_travel_gbp`` columns hold transport + journey cost (unchanged while placements are).
    ``deficit`` (with ``proposed``): the effect on the high-needs balance by financial year,
    with the balance levels when ``balance`` (the run's account summary) is given.
    """
    inst = run.instance
    current = _priced(run.allocations, inst)
    lines = line_costs(current, inst.tariffs).assign(table="current")
    if proposed is None:
        return {"lines": lines[["table", *lines.columns[:-1]]]}
    fixed = _priced(run.allocations, proposed)
    lines = pd.concat([lines, line_costs(fixed, proposed.tariffs).assign(table="proposed")],
                      ignore_index=True)
    keys = ["year", "level", "kind"]
    compare = _by(current, keys, "current", travel=True).join(
        _by(fixed, keys, "proposed_same_placements"), how="outer")
    compare["difference_gbp"] = (compare["proposed_same_placements_gbp"]
                                 - compare["current_gbp"])
    if resolved is not None:
        again = _priced(resolved.allocations, proposed)
        compare = compare.join(_by(again, keys, "resolved", travel=True), how="outer")
    compare = compare.fillna(0.0).reset_index()
    total = compare.drop(columns=["level", "kind"]).groupby("year", as_index=False).sum()
    deficit = deficit_effect(current, fixed, None if resolved is None else again, balance)
    compare = pd.concat([compare, total.assign(level="all", kind="all")], ignore_index=True)
    compare = compare.sort_values(["year", "level", "kind"], key=lambda c: c.astype(str),
                                  kind="stable").reset_index(drop=True)
    return {"lines": lines[["table", *lines.columns[:-1]]], "compare": compare,
            "deficit": deficit}


def _priced(alloc: pd.DataFrame, inst: Instance) -> pd.DataFrame:
    return priced_placements(alloc, inst.provisions, inst.tariffs, Continuum.from_table(inst.levels),
                             tuple(inst.needs["need"]), tuple(inst.years))


def _by(priced: pd.DataFrame, keys: list[str], name: str, travel: bool = False) -> pd.DataFrame:
    """Pupils and place cost grouped by ``keys``, as ``<name>_pupils`` and ``<name>_gbp``;
    with ``travel``, also transport + journey cost as ``<name>_travel_gbp``."""
    frame = priced.assign(level=priced.get("level", DEFAULT_LEVEL),
                          travel=priced["transport_cost"] + priced["journey_cost"] if travel else 0.0)
    out = frame.groupby(keys)[["pupils", "place_cost", "travel"]].sum()
    out = out.rename(columns={"pupils": f"{name}_pupils", "place_cost": f"{name}_gbp",
                              "travel": f"{name}_travel_gbp"})
    return out if travel else out.drop(columns=f"{name}_travel_gbp")


#: Files the ``tariff`` command writes into the run folder.
TARIFF_FILES = ("tariff.xlsx", "tariff_lines.csv", "tariff_compare.csv", "tariff_deficit.csv")


def write_tariff_report(tables: dict[str, pd.DataFrame], folder: Path,
                        overwrite: bool = False) -> list[Path]:
    """``tariff.xlsx`` (one sheet per table) and one CSV per table; existing files are refused
    unless ``overwrite``."""
    from placement_opt.errors import OutputError
    from placement_opt.io.atomic import neutralise_text, write_text_atomic
    from placement_opt.io.workbook import write_workbook

    taken = [n for n in TARIFF_FILES if (folder / n).exists()]
    if taken and not overwrite:
        raise OutputError(f"{folder} already has {', '.join(taken)}; use --overwrite to replace")

    out = [folder / TARIFF_FILES[0]]
    write_workbook(out[0], tables)
    for name, frame in tables.items():
        out.append(folder / f"tariff_{name}.csv")
        write_text_atomic(out[-1], neutralise_text(frame).to_csv(index=False))
    return out
