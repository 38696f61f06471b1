"""HTML tables of the report's plan section for closures, reductions and redesignations
(``models/changes.md``) and for the solved phase transfers (``models/transfers.md``)."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

import pandas as pd

from placement_opt.reports.html.charts import fmt_gbp, fmt_number

__all__ = ["changes_html", "transfers_html"]


def changes_html(changes: pd.DataFrame, options: int, zone_label: Callable[[str], str]) -> str:
    """The changes taken, or why there are none."""
    head = "<h3>Closures, reductions and redesignations</h3>"
    if options == 0:
        return head + '<p class="empty">The instance offers no closure, reduction or redesignation.</p>'
    if changes.empty:
        return (head + f'<p class="empty">None taken ({options} option{"s" if options != 1 else ""} '
                "offered, none worth its cost).</p>")
    rows = []
    for r in changes.sort_values(["year", "provision"], kind="stable").to_dict("records"):
        what = str(r["action"])
        if what == "reduce":
            what += f" by {fmt_number(float(r['places_removed']))} places"
        if what == "redesignate":
            what += f" to {r['new_needs']}"
        rows.append(
            f"<tr><td>{escape(str(r['provision']))}</td><td>{escape(str(r['provision_name']))}</td>"
            f"<td>{escape(str(r['kind']))}</td><td>{escape(zone_label(str(r['zone'])))}</td>"
            f"<td>{escape(what)}</td><td>{int(r['year'])}</td>"
            f'<td class="num">{escape(fmt_gbp(float(r["one_off_cost"])))}</td>'
            f'<td class="num">{escape(fmt_gbp(float(r["saving_per_year"])))}</td>'
            f'<td class="num">{escape(fmt_gbp(float(r["saving_over_horizon"])))}</td></tr>')
    return (head + "<p>A closure stops new admissions from its year; with continuity the pupils "
            "in place stay until they leave their phase.</p>"
            '<table class="plan"><thead><tr><th>Provision</th><th>Name</th><th>Kind</th>'
            "<th>District</th><th>Change</th><th>From</th><th>One-off cost</th>"
            "<th>Saving a year</th><th>Saving over the horizon</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def transfers_html(transfers: pd.DataFrame, zone_label: Callable[[str], str]) -> str:
    """Leavers moving on by district and year: continuing in the district, elsewhere, or with
    no continuation (empty when transfers were not modelled)."""
    if transfers.empty:
        return ""
    t = transfers.assign(
        where=lambda f: f["to_kind"].where(f["to_kind"] == "break",
                                           f["local"].map({True: "in district", False: "elsewhere"})))
    table = t.pivot_table(index=["zone", "year"], columns="where", values="pupils",
                          aggfunc="sum", fill_value=0.0)
    rows = []
    table = table.reindex(columns=["in district", "elsewhere", "break"], fill_value=0.0)
    for key, values in zip(table.index.tolist(), table.to_numpy(float).tolist(), strict=True):
        zone, year = str(key[0]), int(key[1])
        cells = "".join(f'<td class="num">{escape(fmt_number(v))}</td>' for v in values)
        rows.append(f"<tr><td>{escape(zone_label(zone))}</td><td>{year}</td>{cells}</tr>")
    return ("<h3>Phase transfers (leavers moving on)</h3><p>Solved flows of each phase's leavers "
            "into the next phase, by district of residence and the year they move on; a break is "
            "a leaver with no placement in the next phase.</p>"
            '<table class="plan"><thead><tr><th>District</th><th>Year</th><th>Continue in '
            "district</th><th>Continue elsewhere</th><th>No continuation</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")
