"""The primary → secondary pathway network (networkx) and the pathway gaps it shows.

Kent's SRP Review asks that every district have a primary → secondary specialist pathway for
each need it serves. The graph has a node per district and per provision; edges are
placements (district → provision, with the solved pupils of the first year) and transfer
routes (primary specialist provision → secondary specialist provision for the same need,
reachable within the secondary journey limit from the primary provision's district).

With ``pathway_flows = true`` the model decides the transfers (``models/transfers.md``): each
route then carries the solved pupils of the first transfer year, solved flows to other
provisions (mainstream, independent) are edges too, and the gap table gives the solved
leavers of each district and need that continue outside the district or not at all. Without
it, ``expected_transfers_per_year`` is the yearly number of leavers at the primary provision
for that need (its pupils divided by the years in the primary phase), not a solved flow;
routes carry the journey time so a planner can see which continuation is nearest.

Districts are the zones' ``district`` attribute (``models/allocation.md``, *Met locally*): a
continuation is local when it stands in the same district, and a district's journey to a
provision is the shortest from any of its zones. Districts without demand (such as zones of
out-of-county provisions) have no gap rows.
"""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd

from placement_opt.io.atomic import neutralise_text, write_text_atomic
from placement_opt.model.data import ModelData
from placement_opt.model.locality import zone_to_district
from placement_opt.results.run import RunData
from placement_opt.schema.tables import KINDS

__all__ = ["GAP_COLUMNS", "SPECIALIST", "district_minutes", "pathway_gaps", "pathway_graph", "write_pathways"]

#: Kinds that make a specialist pathway (mainstream support and independent do not).
SPECIALIST = ("special", "srp")
GAP_COLUMNS = [
    "district", "need", "primary_provisions", "primary_places", "secondary_in_district",
    "secondary_in_reach", "nearest_secondary", "nearest_secondary_min", "gap_in_district",
    "gap_in_reach", "primary_pupils", "expected_transfers_per_year",
    "transfers_without_local_continuation", "solved_transfers", "solved_not_in_district",
    "solved_breaks",
]


def _phase_index(data: ModelData, name: str) -> int | None:
    return data.phases.index(name) if name in data.phases else None


def pathway_gaps(run: RunData, primary: str = "primary", secondary: str = "secondary",
                 kinds: tuple[str, ...] = SPECIALIST, exclude: tuple[str, ...] = ()
                 ) -> pd.DataFrame:
    """For every district and need with a primary provision of ``kinds`` in the district:
    whether a secondary continuation of ``kinds`` exists in the district and within the
    secondary journey limit, and how many leavers a year would have none locally.
    ``exclude`` leaves provisions out (e.g. aggregate placeholders); ``kinds=("srp",)`` asks
    the SRP Review's question (an SRP pathway)."""
    inst = run.instance
    data = run.data
    hp, hs = _phase_index(data, primary), _phase_index(data, secondary)
    if hp is None or hs is None:
        return pd.DataFrame(columns=GAP_COLUMNS)
    specialist = (np.isin(np.asarray(KINDS)[data.kind], kinds)
                  & ~np.isin(np.asarray(data.provisions), exclude))
    util = run.utilisation
    first_year = min(data.years)
    cap = util[util["year"] == first_year].set_index("provision")["capacity"]
    alloc = run.allocations
    first = alloc[(alloc["year"] == first_year) & (alloc["phase"] == primary)]
    pupils = first.groupby(["provision", "need"])["pupils"].sum()
    ages = inst.phases.set_index("phase")
    length = float(str(ages.loc[primary, "max_age"])) - float(str(ages.loc[primary, "min_age"]))
    minutes = district_minutes(data)
    with_demand = np.zeros(len(data.districts), dtype=bool)
    with_demand[data.zone_district[data.d_zone]] = True
    rows = []
    for g in np.flatnonzero(with_demand).tolist():
        district = data.districts[g]
        for k, need in enumerate(data.needs):
            prim = np.flatnonzero(specialist & data.designated[:, k] & data.phase_ok[:, hp]
                                  & (data.prov_district == g))
            if prim.size == 0:
                continue
            sec = np.flatnonzero(specialist & data.designated[:, k] & data.phase_ok[:, hs])
            local = sec[data.prov_district[sec] == g]
            reach = sec[minutes[g, sec] <= data.limit[hs]]
            nearest = sec[np.argmin(minutes[g, sec])] if sec.size else None
            placed = float(sum(pupils.get((data.provisions[p], need), 0.0) for p in prim))
            leavers = placed / length if length > 0 else 0.0
            rows.append((
                district, need, ";".join(data.provisions[p] for p in prim),
                float(sum(cap.get(data.provisions[p], 0.0) for p in prim)),
                int(local.size), int(reach.size),
                None if nearest is None else data.provisions[nearest],
                None if nearest is None else float(minutes[g, nearest]),
                local.size == 0, reach.size == 0, placed, leavers,
                leavers if local.size == 0 else 0.0,
                *_solved(run.transfers, zone_to_district(data), district, need, primary,
                         [data.provisions[p] for p in prim]),
            ))
    return pd.DataFrame(rows, columns=GAP_COLUMNS)


def _first_transfers(transfers: pd.DataFrame) -> pd.DataFrame:
    """The solved transfers of the first transfer year (empty when transfers were not modelled)."""
    if transfers.empty:
        return transfers
    first: pd.DataFrame = transfers[transfers["year"] == transfers["year"].min()]
    return first


def district_minutes(data: ModelData) -> npt.NDArray[np.float64]:
    """G × P: the shortest journey in minutes from any zone of each district."""
    out = np.full((len(data.districts), len(data.provisions)), np.inf)
    np.minimum.at(out, data.zone_district, data.minutes)
    return out


def _solved(transfers: pd.DataFrame, districts: dict[str, str], district: str, need: str,
            primary: str, prim: list[str]) -> tuple[float, float, float]:
    """Solved leavers of the district's primary provisions for the need in the first transfer
    year: continuing, continuing outside the district, and with no continuation (NaN when
    transfers were not modelled)."""
    first = _first_transfers(transfers)
    if first.empty:
        return (np.nan, np.nan, np.nan)
    home = first["zone"].astype(str).map(districts)
    mine = first[(home == district) & (first["need"].astype(str) == need)
                 & (first["from_phase"].astype(str) == primary)
                 & first["from_provision"].astype(str).isin(prim)]
    brk = mine["to_kind"] == "break"
    moved = mine.loc[~brk]
    return (float(moved["pupils"].sum()), float(moved.loc[~moved["local"].astype(bool), "pupils"].sum()),
            float(mine.loc[brk, "pupils"].sum()))


def pathway_graph(run: RunData, primary: str = "primary", secondary: str = "secondary",
                  kinds: tuple[str, ...] = SPECIALIST, exclude: tuple[str, ...] = ()
                  ) -> nx.DiGraph:
    """Districts and provisions as nodes; placements and transfer routes as edges."""
    inst = run.instance
    data = run.data
    graph = nx.DiGraph(instance=inst.name, year=int(min(data.years)))
    names = inst.provisions.set_index("provision")["name"]
    for district in data.districts:
        graph.add_node(f"district:{district}", type="district", district=district)
    for p, pid in enumerate(data.provisions):
        graph.add_node(pid, type="provision", kind=KINDS[int(data.kind[p])],
                       district=data.districts[int(data.prov_district[p])],
                       name=str(names.get(pid) if pd.notna(names.get(pid)) else pid),
                       needs=";".join(n for k, n in enumerate(data.needs) if data.designated[p, k]),
                       phases=";".join(h for i, h in enumerate(data.phases) if data.phase_ok[p, i]))
    first = run.allocations[run.allocations["year"] == min(data.years)]
    placed = first.assign(district=first["zone"].astype(str).map(zone_to_district(data))
                          ).groupby(["district", "provision"], as_index=False)["pupils"].sum()
    for district, pid, pupils in zip(placed["district"], placed["provision"], placed["pupils"],
                                     strict=True):
        graph.add_edge(f"district:{district}", pid, type="placement", pupils=float(pupils))
    _add_solved_transfers(graph, run.transfers, primary)
    hp, hs = _phase_index(data, primary), _phase_index(data, secondary)
    if hp is None or hs is None:
        return graph
    specialist = (np.isin(np.asarray(KINDS)[data.kind], kinds)
                  & ~np.isin(np.asarray(data.provisions), exclude))
    gaps = pathway_gaps(run, primary, secondary, kinds, exclude)
    leavers: dict[tuple[str, str], float] = {
        (str(d), str(n)): float(v) for d, n, v in zip(
            gaps["district"], gaps["need"], gaps["expected_transfers_per_year"], strict=True)}
    for k, need in enumerate(data.needs):
        prim = np.flatnonzero(specialist & data.designated[:, k] & data.phase_ok[:, hp])
        sec = np.flatnonzero(specialist & data.designated[:, k] & data.phase_ok[:, hs])
        for p in prim.tolist():
            z = int(data.prov_zone[p])
            for q in sec.tolist():
                if p == q or data.minutes[z, q] > data.limit[hs]:
                    continue
                key = (data.provisions[p], data.provisions[q])
                if graph.has_edge(*key) and graph.edges[key]["type"] == "transfer_route":
                    graph.edges[key]["needs"] += f";{need}"
                    continue
                if graph.has_edge(*key):  # a solved transfer on a specialist route
                    graph.edges[key].update(type="transfer_route", needs=need,
                                            journey_min=float(data.minutes[z, q]),
                                            local=_same_district(data, p, q))
                    continue
                graph.add_edge(*key, type="transfer_route", needs=need,
                               journey_min=float(data.minutes[z, q]),
                               local=_same_district(data, p, q),
                               district_leavers_per_year=leavers.get(
                                   (data.districts[int(data.prov_district[p])], need), 0.0))
    return graph


def _same_district(data: ModelData, p: int, q: int) -> bool:
    """Does provision ``q`` stand in provision ``p``'s district (so its pupils, at home in that
    district, would be met locally)?"""
    return bool(data.prov_district[q] == data.prov_district[p])


def _add_solved_transfers(graph: nx.DiGraph, transfers: pd.DataFrame, primary: str) -> None:
    """Edges ``from_provision -> to_provision`` with the solved pupils of the first transfer
    year out of ``primary`` (attribute ``solved_pupils``)."""
    first = _first_transfers(transfers)
    if first.empty:
        return
    moved = first[(first["to_kind"] != "break") & (first["from_phase"].astype(str) == primary)]
    flows = moved.groupby(["from_provision", "to_provision"], as_index=False)["pupils"].sum()
    for src, dst, pupils in zip(flows["from_provision"], flows["to_provision"], flows["pupils"],
                                strict=True):
        graph.add_edge(str(src), str(dst), type="transfer", solved_pupils=float(pupils),
                       year=int(first["year"].iloc[0]))


def write_pathways(run: RunData, folder: Path, overwrite: bool = False,
                   kinds: tuple[str, ...] = SPECIALIST, exclude: tuple[str, ...] = ()
                   ) -> list[Path]:
    """``pathway_gaps.csv``, ``pathways.graphml`` and ``pathways.json`` into ``folder``."""
    from placement_opt.errors import OutputError

    names = ("pathway_gaps.csv", "pathways.graphml", "pathways.json")
    taken = [n for n in names if (folder / n).exists()]
    if taken and not overwrite:
        raise OutputError(f"{folder} already has {', '.join(taken)}; use --overwrite to replace")
    graph = pathway_graph(run, kinds=kinds, exclude=exclude)
    gaps = pathway_gaps(run, kinds=kinds, exclude=exclude)
    out = [folder / n for n in names]
    write_text_atomic(out[0], neutralise_text(gaps).to_csv(index=False))
    write_text_atomic(out[1], "\n".join(nx.generate_graphml(graph)) + "\n")
    data = nx.node_link_data(graph, edges="links")
    write_text_atomic(out[2], json.dumps(data, indent=1, sort_keys=True) + "\n")
    return out
