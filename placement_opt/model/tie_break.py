"""A stable tie-break for placements (``models/decisions.md``, "Stable placements"): the
second pass of HiGHS on an LP (``solvers/highs_core.secondary_pass``).

Many placements tie: two provisions at the same price for the same pupils, or pupils of two
needs swapped between two schools that take both. The solver then picks one of the tied plans
by its pivoting path, so a scenario that changes one site can reshuffle thousands of
unrelated pupils. Adding to each arc's cost a tiny amount ``delta * u_a`` with ``u_a`` in
[0, 1) drawn from the arc's **labels** (zone, need, phase, level, provision) — not its
position in the model — makes the optimum unique almost surely, and the same pupils prefer the
same arcs in every instance that has them. The second pass re-solves the LP warm under these
costs; the plan's true cost is reported (at most ``delta`` per pupil-year above the first
pass's optimum, which is kept as the bound, with the first pass's duals).
"""

from __future__ import annotations

import hashlib

import numpy as np
import numpy.typing as npt

from placement_opt.model.columns import Role
from placement_opt.model.matrix import MatrixModel

__all__ = ["TIE_BREAK_GBP", "tie_break_costs"]

FloatArray = npt.NDArray[np.float64]
#: The most the tie-break adds per pupil-year placed (GBP): far below any real cost difference
#: between placements (pounds to thousands), far above the solver's tolerances (1e-7).
TIE_BREAK_GBP = 0.5
_KEYS = ("zone", "need", "phase", "level", "provision")
_PRIME = np.uint64(0x9E3779B97F4A7C15)


def _label_hash(label: object, key: str) -> np.uint64:
    digest = hashlib.blake2b(f"{key}\x1f{label}".encode(), digest_size=8).digest()
    return np.uint64(int.from_bytes(digest, "little"))


def tie_break_costs(model: MatrixModel, delta: float = TIE_BREAK_GBP) -> FloatArray:
    """``delta * u`` for every column: ``u`` in [0, 1) from the arc's labels for the arc
    columns (one hash per distinct label, combined arithmetically — no Python work per arc);
    ``delta`` on the unmet columns, so that no tie-break is gained by leaving a pupil
    unplaced; 0 on every other column (openings, places, GBP of overspend or shortfall ...,
    whose units are not pupils)."""
    out = np.zeros(model.n_cols)
    roles = model.column_keys.get("role")
    if roles is not None:
        out[roles == int(Role.UNMET)] = delta
    if model.layout is None or model.layout.n_arcs == 0:
        return out
    n = model.layout.n_arcs
    mixed = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for key in _KEYS:
            codes = model.column_keys.get(key)
            labels = model.labels.get(key)
            if codes is None or labels is None:
                continue
            table = np.array([_label_hash(v, key) for v in labels] + [np.uint64(0)],
                             dtype=np.uint64)
            mixed = (mixed ^ table[codes[:n]]) * _PRIME  # codes of -1 take the last entry
            mixed ^= mixed >> np.uint64(29)
    out[:n] = delta * (mixed >> np.uint64(11)).astype(np.float64) / float(1 << 53)
    return out
