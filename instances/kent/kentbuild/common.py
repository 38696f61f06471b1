"""Constants, horizon and small helpers shared by the Kent build's parts."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from placement_opt.schema.defaults import default_needs

BASE_YEAR = 2025
YEARS = tuple(range(2025, 2031))
#: Data-pack file names, for provenance strings.
F_NEED = "ehcp_by_need.csv"
F_TREND = "ehcp_trend_kent.csv"
F_FIG = "kent_figures.csv"
F_DIST = "districts.csv"
F_PROV = "provisions.csv"

#: The DfE primary-need codes, as the package defines them.
NEEDS: tuple[tuple[str, str], ...] = tuple(
    (str(code), str(name)) for code, name in default_needs().itertuples(index=False))
NEED_CODES = tuple(code for code, _ in NEEDS)
#: Data-pack primary_need -> instance need code ("Unknown" is spread pro rata, see below).
PACK_NEED = {**{c: c for c in NEED_CODES if c != "OTH"}, "Other": "OTH"}

PHASES: tuple[tuple[str, str, int, int], ...] = (
    ("primary", "Primary (ages 4-10)", 4, 11),
    ("secondary", "Secondary (ages 11-15)", 11, 16),
    ("post16", "Post-16 in school (ages 16-18)", 16, 19),
)
PHASE_CODES = tuple(p for p, *_ in PHASES)
ALL_PHASES = ";".join(PHASE_CODES)

#: Placement rows of ehcp_by_need.csv ("Type of placement") that are in scope: pupils in school
#: placements. Their components are listed so the build can check the totals add up.
IN_SCOPE = {
    "Mainstream - total": (
        "Mainstream - LA maintained", "Mainstream - LA maintained (SEN unit)",
        "Mainstream - LA maintained (resourced provision)", "Mainstream - academy",
        "Mainstream - academy (SEN unit)", "Mainstream - academy (resourced provision)",
        "Mainstream - free school", "Mainstream - free school (resourced provision)",
        "Mainstream - independent",
    ),
    "Special - total": (
        "Special - LA maintained", "Special - Academy/free schools", "Special - independent",
        "Special - non-maintained",
    ),
}
SRP_ROWS = (
    "Mainstream - LA maintained (SEN unit)", "Mainstream - LA maintained (resourced provision)",
    "Mainstream - academy (SEN unit)", "Mainstream - academy (resourced provision)",
    "Mainstream - free school (resourced provision)",
)
#: Every top-level placement row of the pack (they add up to all plans), with the scope decision.
SCOPE_ROWS: tuple[tuple[str, bool, str], ...] = (
    ("Mainstream - total", True, "school placement: mainstream schools incl. SEN units, resourced "
                                 "provision and independent mainstream schools"),
    ("Special - total", True, "school placement: state, independent and non-maintained special schools"),
    ("AP/PRU - total", False, "alternative provision / PRU: short-term, not planned by this model "
                              "(excluded)"),
    ("FE - total", False, "further education colleges and specialist post-16 institutions: not "
                          "placed by this model"),
    ("Educated elsewhere - total", False, "educated elsewhere (home education, NEET, other "
                                          "arrangements): not a school place"),
    ("Non-maintained early years", False, "early years: below school age"),
    ("Placement not recorded", False, "placement not recorded"),
)
STATE_SPECIAL_ROWS = ("Special - LA maintained", "Special - Academy/free schools")
INDEPENDENT_ROWS = ("Special - independent", "Special - non-maintained")

#: The continuum of need (models/continuum.md): level, name, order, kinds that may serve it, and
#: the Jan 2025 placement rows whose pupils define the level's share of each need (rule L1).
LEVELS: tuple[tuple[str, str, int, str], ...] = (
    ("L1", "Needs met in mainstream with support", 1, "mainstream;srp"),
    ("L2", "Needs a specialist resource provision (SRP) place", 2, "srp;special;independent"),
    ("L3", "Needs a special school place", 3, "special;independent"),
)
LEVEL_ROWS: dict[str, tuple[str, ...]] = {
    "L1": ("Mainstream - LA maintained", "Mainstream - academy", "Mainstream - free school",
           "Mainstream - independent"),
    "L2": SRP_ROWS,
    "L3": STATE_SPECIAL_ROWS + INDEPENDENT_ROWS,
}
#: Phases with no SRP place in Kent (secondary SRP places are Y7-11 only, kent_figures.csv
#: srp_capital_allocation): their L2 share is added to L1 (rule L2 of the data card).
NO_SRP_PHASES = ("post16",)

#: Journey limits (minutes) by phase, as decided for the instance.
MAX_JOURNEY_MIN = {"primary": 45.0, "secondary": 75.0, "post16": 75.0}
ROAD_FACTOR = 1.3
SPEED_KMH = 30.0
UNMET_PENALTY = 200_000.0

# --------------------------------------------------------------------------------------------
# Cost assumptions (GBP per pupil per year). Published figures are read from kent_figures.csv.
# --------------------------------------------------------------------------------------------

#: National high-needs place funding for an SRP / SEN unit place (ESFA operational guide rule,
#: not in the data pack) and the ASSUMED average top-up on top of it.
SRP_PLACE_FUNDING = 10_000
SRP_TOP_UP = 6_000
#: The national notional-SEN threshold a mainstream school meets from its own budget, and the
#: ASSUMED average high-needs top-up for a mainstream pupil with an EHC plan.
MAINSTREAM_THRESHOLD = 6_000
MAINSTREAM_TOP_UP = 6_000

#: Home-to-school transport: ~GBP 100m a year for ~half of ~21,000 EHCP pupils (kent_figures.csv,
#: c.2025, news report of KCC figures).
TRANSPORT_SPEND_GBP = 100e6
TRANSPORT_SHARE_ELIGIBLE = 0.5
TRANSPORT_EHCP_BASE = 21_000

#: Places given to each "independent sector (other)" aggregate: effectively unlimited (spot
#: purchase), and above any year's whole in-scope demand so it can never bind.
INDEPENDENT_AGGREGATE_PLACES = 100_000
#: Placeholder places for each named independent / non-maintained school (no figure in the pack).
NAMED_INDEPENDENT_PLACES = 50



def apportion(total: int, weights: Sequence[float] | np.ndarray) -> np.ndarray:
    """Split the whole number ``total`` in proportion to ``weights`` (largest remainder).

    The parts are whole numbers summing exactly to ``total``; ties go to the earlier weight.
    """
    w = np.asarray(weights, dtype=float)
    out = np.zeros(w.size, dtype=np.int64)
    if total <= 0 or w.sum() <= 0:
        return out
    quota = total * w / w.sum()
    out = np.floor(quota + 1e-9).astype(np.int64)
    short = int(total - out.sum())
    order = np.lexsort((np.arange(w.size), -(quota - out)))
    out[order[:short]] += 1
    return out


def slug(text: str) -> str:
    """A short id fragment: ``"Folkestone and Hythe"`` -> ``"FOLKESTONE-AND-HYTHE"``."""
    return "-".join(text.upper().replace("&", "AND").split())


def pack_ref(file: str, detail: str = "") -> str:
    """A provenance string naming a data-pack file."""
    return f"shared/data/kent/{file}" + (f" ({detail})" if detail else "")


def fmt_num(x: float, digits: int = 6) -> str:
    """A number as short, stable text (whole numbers without a decimal point)."""
    if isinstance(x, (int, np.integer)) or float(x).is_integer():
        return str(int(x))
    return f"{float(x):.{digits}f}".rstrip("0").rstrip(".")


#: Significant digits a float is written with: the last bits of a fit or a sum differ between
#: numpy/scipy releases and BLAS builds, and a rebuild must match the committed files.
FLOAT_DIGITS = 12


def _stable(v: object) -> object:
    """A float rounded to :data:`FLOAT_DIGITS` significant digits (other values as they are)."""
    if isinstance(v, float | np.floating) and np.isfinite(v) and not float(v).is_integer():
        return float(f"{float(v):.{FLOAT_DIGITS}g}")
    return v


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as UTF-8 CSV with LF line ends; blanks for missing values; floats to
    :data:`FLOAT_DIGITS` significant digits."""
    path.parent.mkdir(parents=True, exist_ok=True)
    cells = frame.astype(object).where(frame.notna(), "")
    for col in cells.columns:  # object columns stay object: 37 stays "37", not "37.0"
        cells[col] = pd.Series([_stable(v) for v in cells[col]], index=cells.index, dtype=object)
    text = cells.to_csv(index=False, lineterminator="\n")
    path.write_text(text, encoding="utf-8")



def table_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A typed table as stable CSV text: booleans as true/false, whole numbers without ".0",
    missing values blank."""
    def text(v: object) -> object:
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            return None
        if isinstance(v, bool | np.bool_):
            return "true" if v else "false"
        if isinstance(v, int | np.integer) or (isinstance(v, float) and v.is_integer()):
            return int(v)
        return v
    return pd.DataFrame({c: pd.Series([text(v) for v in frame[c].astype(object)], dtype=object)
                         for c in frame.columns})
