"""Transport cost (``models/allocation.md``, the transport term): the one place it is computed.

A pupil of zone z placed at provision p of kind j costs, per year,
``eta_j * (phi + tau * km[z, p])``: ``eta_j`` the share of pupils of that kind who are
transported (``Policy.transported_share``, 1 for a kind not listed), ``phi`` the cost per
transported pupil (``transport_cost_per_pupil``) and ``tau`` the cost per km of one-way journey
(``transport_cost_per_km``). The defaults (eta = 1, phi = 0) give ``tau * km``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from placement_opt.model.data import ModelData
from placement_opt.schema.settings import Policy
from placement_opt.schema.tables import KINDS

__all__ = ["kind_shares", "provision_shares", "transport_cost"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def kind_shares(pol: Policy) -> FloatArray:
    """Share of pupils transported for each kind of :data:`KINDS`, in that order."""
    return np.array([pol.transported_share.get(kind, 1.0) for kind in KINDS], dtype=np.float64)


def provision_shares(data: ModelData, pol: Policy) -> FloatArray:
    """P: share of the pupils placed at each provision who are transported (by its kind)."""
    return kind_shares(pol)[data.kind]


def transport_cost(data: ModelData, pol: Policy, z: npt.ArrayLike,
                   p: npt.ArrayLike) -> FloatArray:
    """GBP transport cost per pupil-year of placing zone ``z``'s pupils at provision ``p``
    (element-wise, numpy broadcasting: ``z[:, None]`` with ``p[None, :]`` gives a matrix)."""
    zi = np.asarray(z, dtype=np.int64)
    pi = np.asarray(p, dtype=np.int64)
    per_pupil = pol.transport_cost_per_pupil + pol.transport_cost_per_km * data.km[zi, pi]
    return np.asarray(provision_shares(data, pol)[pi] * per_pupil, dtype=np.float64)
