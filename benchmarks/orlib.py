"""OR-Library facility-location instances solved with placement_opt's own model.

Converts Beasley's capacitated warehouse location files (``cap``) and p-median files (``pmed``)
into a :class:`placement_opt.Instance` through the public ``Instance.from_tables`` and solves it
with :func:`placement_opt.solve`: the same allocation + candidate-site model as any planning
instance (``models/allocation.md``, ``models/openings.md``), not a separate formulation.

Usage (from the repository root)::

    python benchmarks/orlib.py FILE --family cap|pmed [--capacity C] [--p P]
        [--backend NAME] [--time-limit S] [--threads N] [--gap G] [--unmet-penalty U] [--json]

With ``--json`` one JSON object is printed (``instance``, ``family``, ``objective``, ``status``,
``seconds`` and more); without it, one readable line. When ``optima.csv`` stands next to the
file (or one folder up, as in ``shared/bench/orlib``), the published optimum and the relative
error are reported too.

Mapping (one need ``ORLIB``, one phase ``any``, one year 2026):

* ``cap`` (multi-source capacitated facility location): customer j → zone ``C<j>`` with
  ``d_j`` pupils; warehouse i → candidate provision ``W<i>`` (``opening_cost = f_i``,
  ``capacity = cap_i``, ``min_places = 0``, ``cost_per_place = 0``). Serving one pupil of j
  from i costs ``c_ij / d_j``, given as the journey's km with ``transport_cost_per_km = 1``,
  so x_ij pupils cost ``c_ij * x_ij / d_j`` — the published objective. Customers with
  ``d_j = 0`` have no demand row and vanish; that is exact when their ``c_ij`` are 0 (as in
  Beasley's files, where ``c_ij`` is the cost of all of j's demand), otherwise the count is
  reported in ``notes``. Files with the literal word ``capacity`` need ``--capacity``; given
  for any file, ``--capacity`` replaces every warehouse's capacity.
* ``pmed`` (p-median): edges in file order, the last line of a repeated edge wins; all-pairs
  shortest paths (scipy); vertex v → zone ``V<v>`` with one pupil and candidate provision
  ``S<v>`` (opening cost 0, capacity n); ``min_openings = max_openings = p`` (from the file,
  or ``--p``); a pupil's cost is its distance.

Journeys are given explicitly for every (zone, provision) pair: minutes 0 and the cost as km.
The schema requires coordinates, so every zone and provision gets the same placeholder point
inside the UK (``PLACEHOLDER_LAT``, ``PLACEHOLDER_LON``); they are never used. The phase's
journey limit is 1 minute: pairs with no path (a disconnected p-median graph) get 2 minutes
so they have no arc.

Unmet pupils cost a penalty just large enough to rule them out, not a huge number: a solver
accepts a slightly negative unmet column within its feasibility tolerance (~1e-6), which a
penalty like 1e9 turns into a large objective error (OR-Tools/SCIP reported 5818.32 < 5819 on
pmed1 that way). ``pmed``: twice the longest finite distance, plus 1 (an open site, of capacity
n, is always cheaper). ``cap``: twice (the largest c_ij / d_j plus the sum of all f_i), plus 1
— more than opening every warehouse to serve one more pupil, which suffices when capacities and
demands are whole numbers (as in OR-Library). The unmet pupils are reported (0 on every
published instance) and ``unmet_penalty`` overrides the penalty.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: import the repository's package
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import numpy.typing as npt  # noqa: E402
import pandas as pd  # noqa: E402
from scipy.sparse import csgraph  # noqa: E402

from placement_opt import Instance, PlacementOptError, Result, solve  # noqa: E402

__all__ = [
    "FAMILIES",
    "CapData",
    "OrlibFormatError",
    "PmedData",
    "cap_instance",
    "cap_penalty",
    "main",
    "parse_cap",
    "parse_pmed",
    "pmed_instance",
    "pmed_penalty",
    "published_optimum",
    "run",
    "to_instance",
]

FloatArray = npt.NDArray[np.float64]

FAMILIES = ("cap", "pmed")
NEED = "ORLIB"
PHASE = "any"
YEAR = 2026
#: Placeholder coordinates (central England) for every zone and provision: unused, since
#: every journey is given explicitly.
PLACEHOLDER_LAT = 52.5
PLACEHOLDER_LON = -1.5
#: Journey limit (minutes) of the single phase; reachable pairs take 0 minutes, others 2.
JOURNEY_LIMIT_MIN = 1.0
UNREACHABLE_MIN = 2.0
#: Problem codes in optima.csv for each family.
PROBLEMS = {"cap": "MS", "pmed": "PMED"}


class OrlibFormatError(ValueError):
    """The file does not match the expected OR-Library layout (or needs an option)."""


@dataclass(frozen=True)
class CapData:
    """A capacitated warehouse location instance: m warehouses, n customers.

    ``cost[j, i]`` is the cost of serving all of customer j's demand from warehouse i.
    """

    name: str
    capacity: FloatArray  # m
    fixed: FloatArray  # m
    demand: FloatArray  # n
    cost: FloatArray  # n × m
    capacity_word: bool  # the file had the word ``capacity`` instead of numbers

    @property
    def m(self) -> int:
        """Number of warehouses."""
        return int(self.fixed.size)

    @property
    def n(self) -> int:
        """Number of customers."""
        return int(self.demand.size)


@dataclass(frozen=True)
class PmedData:
    """A p-median instance: shortest-path distances between n vertices and p from the file."""

    name: str
    p: int
    edge_length: FloatArray  # n × n, inf where no edge; the last line of a repeated edge wins
    distance: FloatArray  # n × n all-pairs shortest paths (inf where unreachable)

    @property
    def n(self) -> int:
        """Number of vertices."""
        return int(self.distance.shape[0])


# --------------------------------------------------------------------------- parsing
def _tokens(path: Path) -> list[str]:
    """Whitespace-separated tokens of the whole file (line layout is irrelevant)."""
    return path.read_text(encoding="utf-8", errors="replace").split()


def _number(token: str, what: str, path: Path, position: int) -> float:
    try:
        value = float(token)
    except ValueError:
        raise OrlibFormatError(
            f"{path}: token {position + 1} ({what}) is {token!r}, expected a number") from None
    if not math.isfinite(value):
        raise OrlibFormatError(f"{path}: token {position + 1} ({what}) is {token!r}, "
                               "expected a finite number")
    return value


def _count(token: str, what: str, path: Path, position: int) -> int:
    value = _number(token, what, path, position)
    if value != int(value) or value < 1:
        raise OrlibFormatError(f"{path}: {what} is {token!r}, expected a positive whole number")
    return int(value)


def parse_cap(path: str | Path, capacity: float | None = None) -> CapData:
    """Read a Beasley ``cap`` file: ``m n``, m × (capacity, fixed cost), n × (d_j, c_1j..c_mj).

    ``capacity`` replaces every warehouse's capacity; it is required when the file has the
    literal word ``capacity`` in place of the numbers (``capa``/``capb``/``capc``).
    """
    path = Path(path)
    tok = _tokens(path)
    if len(tok) < 2:
        raise OrlibFormatError(f"{path}: empty or truncated cap file (expected 'm n' first)")
    m = _count(tok[0], "m (warehouses)", path, 0)
    n = _count(tok[1], "n (customers)", path, 1)
    expected = 2 + 2 * m + n * (m + 1)
    if len(tok) != expected:
        raise OrlibFormatError(f"{path}: {len(tok)} tokens, expected {expected} for m={m}, "
                               f"n={n} (2 + 2m + n(m+1))")
    cap = np.empty(m)
    fixed = np.empty(m)
    word = False
    for i in range(m):
        pos = 2 + 2 * i
        if tok[pos].lower() == "capacity":
            word = True
            cap[i] = np.nan
        else:
            cap[i] = _number(tok[pos], f"capacity of warehouse {i + 1}", path, pos)
        fixed[i] = _number(tok[pos + 1], f"fixed cost of warehouse {i + 1}", path, pos + 1)
    if capacity is not None:
        if not (math.isfinite(capacity) and capacity >= 0):
            raise OrlibFormatError(f"--capacity must be a number >= 0, got {capacity}")
        cap[:] = capacity
    elif word:
        raise OrlibFormatError(
            f"{path}: the file gives the word 'capacity' instead of warehouse capacities; "
            "pass --capacity C (the same capacity for every warehouse)")
    start = 2 + 2 * m
    body = np.array([_number(t, "customer data", path, start + k)
                     for k, t in enumerate(tok[start:])]).reshape(n, m + 1)
    demand, cost = body[:, 0].copy(), body[:, 1:].copy()
    for label, values in (("capacity", cap), ("fixed cost", fixed), ("demand", demand),
                          ("allocation cost", cost)):
        if (values < 0).any():
            raise OrlibFormatError(f"{path}: negative {label}")
    return CapData(path.stem, cap, fixed, demand, cost, word)


def edge_lengths(n: int, edges: Sequence[tuple[int, int, float]]) -> FloatArray:
    """n × n matrix of direct edge lengths from 1-based ``(i, j, w)`` in file order.

    The diagonal is 0 and missing edges are inf; when an edge appears twice the LAST line
    wins (OR-Library's convention: taking the minimum gives different optima).
    """
    length = np.full((n, n), np.inf)
    np.fill_diagonal(length, 0.0)
    for i, j, w in edges:
        if i != j:
            length[i - 1, j - 1] = length[j - 1, i - 1] = w
    return length


def shortest_paths(length: FloatArray) -> FloatArray:
    """All-pairs shortest paths (Dijkstra); inf marks non-edges, so 0-length edges count."""
    graph = csgraph.csgraph_from_dense(length, null_value=np.inf)
    return np.asarray(csgraph.shortest_path(graph, method="D", directed=False), dtype=float)


def parse_pmed(path: str | Path) -> PmedData:
    """Read an OR-Library p-median file: ``n e p`` then e edges ``i j w`` (1-based)."""
    path = Path(path)
    tok = _tokens(path)
    if len(tok) < 3:
        raise OrlibFormatError(f"{path}: empty or truncated pmed file (expected 'n e p' first)")
    n = _count(tok[0], "n (vertices)", path, 0)
    e = _count(tok[1], "e (edges)", path, 1)
    p = _count(tok[2], "p (medians)", path, 2)
    if len(tok) != 3 + 3 * e:
        raise OrlibFormatError(f"{path}: {len(tok)} tokens, expected {3 + 3 * e} for e={e} "
                               "(3 + 3e)")
    edges: list[tuple[int, int, float]] = []
    for k in range(e):
        pos = 3 + 3 * k
        i = _count(tok[pos], f"edge {k + 1} end", path, pos)
        j = _count(tok[pos + 1], f"edge {k + 1} end", path, pos + 1)
        w = _number(tok[pos + 2], f"edge {k + 1} length", path, pos + 2)
        if i > n or j > n:
            raise OrlibFormatError(f"{path}: edge {k + 1} ({i}, {j}) names a vertex above n={n}")
        if w < 0:
            raise OrlibFormatError(f"{path}: edge {k + 1} has negative length {w}")
        edges.append((i, j, w))
    length = edge_lengths(n, edges)
    return PmedData(path.stem, p, length, shortest_paths(length))


# --------------------------------------------------------------------------- conversion
def _settings(name: str, description: str, unmet_penalty: float,
              **policy: Any) -> dict[str, Any]:
    return {
        "instance": {"name": name, "description": description},
        "policy": {"transport_cost_per_km": 1.0, "journey_cost_per_min": 0.0,
                   "unmet_penalty": unmet_penalty,
                   "max_journey_min": {PHASE: JOURNEY_LIMIT_MIN}, **policy},
    }


def _common_tables(zones: list[str], provisions: pd.DataFrame, demand: FloatArray,
                   per_pupil: FloatArray) -> dict[str, pd.DataFrame]:
    """Tables shared by both families; ``per_pupil[z, p]`` is inf where z cannot reach p."""
    reach = np.isfinite(per_pupil)
    keep = demand > 0
    return {
        "needs": pd.DataFrame({"need": [NEED], "name": ["OR-Library demand"]}),
        "phases": pd.DataFrame({"phase": [PHASE], "name": ["any age"], "min_age": [0],
                                "max_age": [30]}),
        "zones": pd.DataFrame({"zone": zones, "lat": PLACEHOLDER_LAT, "lon": PLACEHOLDER_LON}),
        "provisions": provisions,
        "demand": pd.DataFrame({"zone": np.asarray(zones, dtype=object)[keep], "need": NEED,
                                "phase": PHASE, "year": YEAR, "pupils": demand[keep]}),
        "journeys": pd.DataFrame({
            "zone": np.repeat(np.asarray(zones, dtype=object), len(provisions)),
            "provision": np.tile(provisions["provision"].to_numpy(object), len(zones)),
            "minutes": np.where(reach, 0.0, UNREACHABLE_MIN).ravel(),
            "km": np.where(reach, per_pupil, 0.0).ravel(),
        }),
    }


def _candidates(ids: list[str], zones: list[str], capacity: FloatArray,
                opening_cost: FloatArray) -> pd.DataFrame:
    return pd.DataFrame({
        "provision": ids, "kind": "srp", "zone": zones,
        "lat": PLACEHOLDER_LAT, "lon": PLACEHOLDER_LON, "phases": PHASE, "needs": NEED,
        "capacity": capacity, "cost_per_place": 0.0, "candidate": True,
        "opening_cost": opening_cost, "capital_per_place": 0.0, "min_places": 0.0,
    })


def cap_penalty(data: CapData) -> float:
    """Default unmet penalty of a ``cap`` problem: 2 × (max c_ij / d_j + sum f_i) + 1."""
    positive = data.demand > 0
    worst = float((data.cost[positive] / data.demand[positive, None]).max(initial=0.0))
    return 2.0 * (worst + float(data.fixed.sum())) + 1.0


def pmed_penalty(data: PmedData) -> float:
    """Default unmet penalty of a p-median problem: 2 × the longest finite distance + 1."""
    finite = data.distance[np.isfinite(data.distance)]
    return 2.0 * float(finite.max(initial=0.0)) + 1.0


def cap_instance(data: CapData, unmet_penalty: float | None = None) -> Instance:
    """The placement_opt Instance of a ``cap`` problem (see the module docstring)."""
    customers = [f"C{j + 1}" for j in range(data.n)]
    warehouses = [f"W{i + 1}" for i in range(data.m)]
    positive = data.demand > 0
    per_pupil = np.zeros_like(data.cost)
    per_pupil[positive] = data.cost[positive] / data.demand[positive, None]
    # Warehouses stand in a zone of their own with no demand (no zone is "local" to them).
    provisions = _candidates(warehouses, ["depot"] * data.m, data.capacity, data.fixed)
    tables = _common_tables(customers, provisions, data.demand, per_pupil)
    tables["zones"] = pd.concat(
        [tables["zones"], pd.DataFrame({"zone": ["depot"], "lat": [PLACEHOLDER_LAT],
                                        "lon": [PLACEHOLDER_LON]})], ignore_index=True)
    return Instance.from_tables(
        tables, _settings(data.name, f"OR-Library cap {data.m}x{data.n} (multi-source)",
                          cap_penalty(data) if unmet_penalty is None else unmet_penalty),
        source=f"orlib {data.name}")


def pmed_instance(data: PmedData, p: int | None = None,
                  unmet_penalty: float | None = None) -> Instance:
    """The placement_opt Instance of a p-median problem with ``p`` medians (default: the
    file's)."""
    p = data.p if p is None else p
    if not 1 <= p <= data.n:
        raise OrlibFormatError(f"p must be between 1 and n={data.n}, got {p}")
    zones = [f"V{v + 1}" for v in range(data.n)]
    sites = [f"S{v + 1}" for v in range(data.n)]
    provisions = _candidates(sites, zones, np.full(data.n, float(data.n)), np.zeros(data.n))
    tables = _common_tables(zones, provisions, np.ones(data.n), data.distance)
    return Instance.from_tables(
        tables, _settings(data.name, f"OR-Library p-median n={data.n} p={p}",
                          pmed_penalty(data) if unmet_penalty is None else unmet_penalty,
                          min_openings=p, max_openings=p),
        source=f"orlib {data.name}")


def to_instance(path: str | Path, family: str, capacity: float | None = None,
                p: int | None = None,
                unmet_penalty: float | None = None) -> tuple[Instance, dict[str, Any]]:
    """Parse ``path`` as ``family`` and convert it; also return facts for the report."""
    if family == "cap":
        if p is not None:
            raise OrlibFormatError("--p applies to --family pmed only")
        cap = parse_cap(path, capacity)
        facts: dict[str, Any] = {"m": cap.m, "n": cap.n, "capacity_word": cap.capacity_word,
                                 "capacity": capacity, "total_demand": float(cap.demand.sum())}
        notes = []
        zero = cap.demand <= 0
        if zero.any():
            notes.append(f"{int(zero.sum())} customers with zero demand have no demand row")
            if (cap.cost[zero] > 0).any():
                notes.append("some zero-demand customers have c_ij > 0: the multi-source "
                             "objective would add min over open i of c_ij for them; not modelled")
        facts["notes"] = notes
        instance = cap_instance(cap, unmet_penalty)
        facts["unmet_penalty"] = instance.policy.unmet_penalty
        return instance, facts
    if family == "pmed":
        if capacity is not None:
            raise OrlibFormatError("--capacity applies to --family cap only")
        med = parse_pmed(path)
        unreachable = int((~np.isfinite(med.distance)).sum())
        facts = {"n": med.n, "p": med.p if p is None else p, "p_file": med.p,
                 "notes": [f"{unreachable} vertex pairs have no path"] if unreachable else []}
        instance = pmed_instance(med, p, unmet_penalty)
        facts["unmet_penalty"] = instance.policy.unmet_penalty
        return instance, facts
    raise OrlibFormatError(f"unknown family {family!r}; expected one of {', '.join(FAMILIES)}")


def published_optimum(path: str | Path, family: str) -> float | None:
    """The optimum listed for ``path`` in an ``optima.csv`` in its folder or the one above.

    Matches the ``file`` column (relative to the CSV) and the family's problem code (``MS``
    for cap, ``PMED`` for pmed); ``None`` when not listed.
    """
    target = Path(path).resolve()
    for folder in (target.parent, target.parent.parent):
        table = folder / "optima.csv"
        if not table.is_file():
            continue
        with table.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if (row.get("problem") == PROBLEMS.get(family)
                        and (folder / row.get("file", "")).resolve() == target):
                    return float(row["optimal_value"])
    return None


# --------------------------------------------------------------------------- solving
def _unmet(result: Result) -> float:
    if result.unmet.empty or "unmet" not in result.unmet:
        return 0.0
    return float(result.unmet["unmet"].sum())


def run(path: str | Path, family: str, capacity: float | None = None, p: int | None = None,
        backend: str = "highs", time_limit: float | None = None, threads: int = 1,
        gap: float = 1e-9, unmet_penalty: float | None = None) -> dict[str, Any]:
    """Convert and solve one file; return the report as a JSON-ready dict.

    ``seconds`` is the wall time of ``placement_opt.solve`` (model build, solver and result
    tables); ``convert_seconds`` the parsing and ``Instance.from_tables`` before it. The
    published optimum is looked up only when ``--capacity``/``--p`` do not change the
    instance from the file's.
    """
    path = Path(path)
    start = time.perf_counter()
    instance, facts = to_instance(path, family, capacity, p, unmet_penalty)
    convert_seconds = time.perf_counter() - start
    start = time.perf_counter()
    result = solve(instance, backend=backend, time_limit=time_limit, threads=threads, gap=gap,
                   mip_duals=False, diagnose=False)
    seconds = time.perf_counter() - start
    # optima.csv lists each file's own capacities and p; an override makes another problem.
    changed = capacity is not None or (p is not None and p != facts.get("p_file"))
    optimum = None if changed else published_optimum(path, family)
    objective = result.objective
    rel_error = (None if optimum is None or objective is None
                 else abs(objective - optimum) / max(abs(optimum), 1e-12))
    opened = int(result.openings["opened"].sum()) if not result.openings.empty else None
    return {
        "instance": path.stem, "family": family, "file": str(path),
        "objective": objective, "status": result.status.value, "seconds": seconds,
        "optimum_published": optimum, "rel_error": rel_error,
        "backend": result.backend, "bound": result.bound, "gap": result.gap,
        "build_seconds": result.build_seconds, "solve_seconds": result.solve_seconds,
        "convert_seconds": convert_seconds,
        "arcs": result.model_size.get("arcs"), "rows": result.model_size.get("rows"),
        "columns": result.model_size.get("columns"),
        "nonzeros": result.model_size.get("nonzeros"),
        "opened": opened, "unmet_pupils": _unmet(result), **facts,
    }


def _line(report: dict[str, Any]) -> str:
    """One readable line of a report."""
    obj = report["objective"]
    text = (f"{report['instance']} ({report['family']}): {report['status']}, objective "
            f"{'-' if obj is None else f'{obj:,.3f}'}")
    if report["optimum_published"] is not None:
        text += (f" (published {report['optimum_published']:,.3f}, rel. error "
                 f"{report['rel_error']:.1e})" if report["rel_error"] is not None
                 else f" (published {report['optimum_published']:,.3f})")
    text += (f", {report['opened']} open, {report['arcs']} arcs, {report['seconds']:.2f} s "
             f"({report['backend']})")
    for note in report.get("notes", []):
        text += f"; note: {note}"
    return text


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: solve one file and print the report; exit code 2 on a bad file or option."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("file", type=Path, help="an OR-Library cap or pmed file")
    parser.add_argument("--family", required=True, choices=FAMILIES)
    parser.add_argument("--capacity", type=float, default=None,
                        help="cap: capacity of every warehouse (required when the file says "
                        "'capacity')")
    parser.add_argument("--p", type=int, default=None, help="pmed: medians to open (default: "
                        "the file's p)")
    parser.add_argument("--backend", default="highs", help="highs, ortools, pulp (default highs)")
    parser.add_argument("--time-limit", type=float, default=None, help="seconds")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--gap", type=float, default=1e-9, help="relative MIP gap (default 1e-9)")
    parser.add_argument("--unmet-penalty", type=float, default=None,
                        help="cost per unmet pupil (default: just above any solution's cost)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if not args.file.is_file():
        parser.error(f"no such file: {args.file}")
    try:
        report = run(args.file, args.family, capacity=args.capacity, p=args.p,
                     backend=args.backend, time_limit=args.time_limit, threads=args.threads,
                     gap=args.gap, unmet_penalty=args.unmet_penalty)
    except OrlibFormatError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except PlacementOptError as exc:  # an invalid converted instance, or an unusable backend
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(report) if args.json else _line(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
