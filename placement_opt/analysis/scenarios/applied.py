"""Problems the instance rules find in a scenario's result, located at the scenario's line
where a scenario entry made the row (a new site, an expansion option, a redesignation, places
added), and at the base's row otherwise."""

from __future__ import annotations

import re

import pandas as pd

from placement_opt.analysis.scenarios.load import LoadedScenario
from placement_opt.analysis.scenarios.locate import located
from placement_opt.errors import Issue
from placement_opt.instance import Instance

__all__ = ["locate_applied"]

_TABLE = re.compile(r"(?:table|sheet) (\w+)$")
#: The scenario lists whose entries append rows, by table.
_APPENDED = {"provisions": "new_site", "expansions": "expansion"}


def locate_applied(issue: Issue, loaded: LoadedScenario, base: Instance,
                   tables: dict[str, pd.DataFrame]) -> Issue:
    """``issue`` (from validating ``tables``, the scenario's instance) at the scenario line
    that made its row, or said to be in the base applied to by the scenario."""
    found = _TABLE.search(issue.source)
    table = found.group(1) if found else None
    if table is not None and issue.row is not None:
        index = issue.row - 2  # the header is row 1
        sc = loaded.scenario.provisions
        n_base = len(base.tables().get(table, ()))
        if table in _APPENDED and index >= n_base:
            path: list[str | int] = ["provisions", _APPENDED[table], index - n_base]
            return _at(issue, loaded, path)
        if table == "provisions" and 0 <= index < n_base:
            pid = str(base.provisions["provision"].iat[index])
            for j, r in enumerate(sc.redesignate):
                if r.provision == pid and issue.column == "needs":
                    return _at(issue, loaded, ["provisions", "redesignate", j])
        if table == "capacity" and 0 <= index < len(tables["capacity"]):
            pid = str(tables["capacity"]["provision"].iat[index])
            for j, a in enumerate(sc.add_places):
                if a.provision == pid:
                    return _at(issue, loaded, ["provisions", "add_places", j, "places"],
                               column=False)
    return Issue(f"{loaded.source} applied to {base.source}", str(issue),
                 severity=issue.severity)


def _at(issue: Issue, loaded: LoadedScenario, path: list[str | int],
        column: bool = True) -> Issue:
    key = [*path, issue.column] if issue.column and column else path
    return located(loaded.source, loaded.text, key, issue.message, issue.value,
                   issue.expected, issue.severity)
