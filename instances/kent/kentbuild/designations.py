"""Kent designations -> need codes, and the postcode-town -> district rule."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kentbuild.common import NEED_CODES


@dataclass(frozen=True)
class DesignationRule:
    """Kent designation (+ optional detail text) -> DfE primary-need codes."""

    designation: str
    detail_contains: str
    needs: tuple[str, ...]
    rationale: str


DESIGNATION_MAP: tuple[DesignationRule, ...] = (
    DesignationRule(
        "PSCN", "", ("ASD", "SLCN", "SLD", "PMLD", "MSI"),
        "Profound, Severe and Complex Needs: pupils with severe or profound learning difficulty "
        "(SLD, PMLD), multi-sensory impairment, and autism or communication needs with severe "
        "learning difficulty (KsENT guidance, S6; the pack notes 'PSCN incl. ASD')",
    ),
    DesignationRule(
        "C&I", "moderate/severe learning", ("ASD", "SLCN", "MLD", "SLD"),
        "Communication and Interaction with moderate or severe learning difficulties (Stone Bay; "
        "KsENT guidance, S6)",
    ),
    DesignationRule(
        "C&I", "", ("ASD", "SLCN", "MLD"),
        "Communication and Interaction with moderate or no learning difficulty (KsENT guidance, S6)",
    ),
    DesignationRule("SEMH", "", ("SEMH",), "Social, emotional and mental health (KsENT guidance, S6)"),
    DesignationRule("PD", "", ("PD",), "Physical disability"),
    DesignationRule("HI", "", ("HI",), "Hearing impairment"),
    DesignationRule("VI", "", ("VI",), "Visual impairment"),
    DesignationRule("ASD", "", ("ASD",), "Autism"),
)
#: Need codes named in a sen_designation_detail "GIAS named SEN provision" list are added.
GIAS_DETAIL_MARK = "GIAS named SEN provision"
#: Rule for a special school or SRP whose designation the pack does not give (ESTIMATE).
UNKNOWN_DESIGNATION_NEEDS = ("ASD",)

#: Postcode town -> district, for provisions whose district the pack leaves blank (ESTIMATE,
#: the same inference the pack itself marks as "INFERRED from postcode town").
TOWN_DISTRICT = {
    "ASHFORD": "Ashford",
    "FOLKESTONE": "Folkestone and Hythe",
    "GRAVESEND": "Gravesham",
    "HERNE BAY": "Canterbury",
    "RAMSGATE": "Thanet",
    "SEVENOAKS": "Sevenoaks",
    "TENTERDEN": "Ashford",
}

#: KCC SEN area offices (not in the data pack): East Kent (Canterbury, Thanet, Swale), South Kent
#: (Ashford, Dover, Shepway = Folkestone and Hythe), West Kent (Maidstone, Tunbridge Wells,
#: Tonbridge and Malling), North Kent (Dartford, Gravesham, Sevenoaks).
AREA_SOURCE = "https://fiveacrewood.co.uk/admissions (KCC SEN area offices; not in the data pack)"
KCC_AREA = {
    "Canterbury": "East Kent", "Thanet": "East Kent", "Swale": "East Kent",
    "Ashford": "South Kent", "Dover": "South Kent", "Folkestone and Hythe": "South Kent",
    "Maidstone": "West Kent", "Tunbridge Wells": "West Kent", "Tonbridge and Malling": "West Kent",
    "Dartford": "North Kent", "Gravesham": "North Kent", "Sevenoaks": "North Kent",
}

# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------



def designation_needs(designation: object, detail: object) -> tuple[tuple[str, ...], bool, str]:
    """Need codes for a Kent designation (plus GIAS-named needs in the detail text).

    Returns the needs, whether they are an estimate, and how they were found.
    """
    detail_text = detail if isinstance(detail, str) else ""
    if not isinstance(designation, str) or not designation:
        return (UNKNOWN_DESIGNATION_NEEDS, True,
                "ESTIMATE: designation not in the pack; rule 'unknown designation -> ASD' (ASD is "
                "the most common need in Kent special schools and SRPs, S1 ehcp_by_need.csv)")
    for rule in DESIGNATION_MAP:
        if rule.designation == designation and rule.detail_contains in detail_text:
            needs = set(rule.needs)
            how = f"designation {designation} via designation_map.csv"
            if GIAS_DETAIL_MARK in detail_text:
                named = {c for c in NEED_CODES if c in detail_text.replace(";", " ").split()}
                needs |= named
                how += " plus needs GIAS names for the school (pack sen_designation_detail)"
            return tuple(n for n in NEED_CODES if n in needs), False, how
    raise ValueError(f"no designation rule for {designation!r} / {detail_text!r}")



def designation_map_table() -> pd.DataFrame:
    """designation_map.csv."""
    rows = [(r.designation, r.detail_contains, ";".join(r.needs), r.rationale) for r in DESIGNATION_MAP]
    rows.append(("(blank)", "", ";".join(UNKNOWN_DESIGNATION_NEEDS),
                 "ESTIMATE: designation not in the pack (Aspire School, Snowfields Academy, Thistle "
                 "Hill SRP); ASD is the most common need in Kent special schools and SRPs (S1)"))
    rows.append(("(detail lists GIAS needs)", GIAS_DETAIL_MARK, "(as named)",
                 "need codes GIAS names for the school are added (The Wyvern School: ASD; PD; MLD; SLD)"))
    return pd.DataFrame(rows, columns=["designation", "detail_contains", "needs", "rationale"])


def town_district_table() -> pd.DataFrame:
    """town_district_map.csv."""
    rows = [(town.title(), district, "ESTIMATE: postcode town -> district (the pack leaves the "
             "district of the independent / non-maintained schools blank, Missing #8)")
            for town, district in sorted(TOWN_DISTRICT.items())]
    return pd.DataFrame(rows, columns=["town", "district", "note"])
