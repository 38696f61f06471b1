"""Default need codes and phases used when an instance does not list its own."""

from __future__ import annotations

import pandas as pd

__all__ = ["default_needs", "default_phases"]

#: DfE SEN2 primary-need codes (OTH = "Other difficulty or disability").
_NEEDS: tuple[tuple[str, str], ...] = (
    ("ASD", "Autistic spectrum disorder"),
    ("SEMH", "Social, emotional and mental health"),
    ("SLCN", "Speech, language and communication needs"),
    ("MLD", "Moderate learning difficulty"),
    ("SLD", "Severe learning difficulty"),
    ("PMLD", "Profound and multiple learning difficulty"),
    ("SpLD", "Specific learning difficulty"),
    ("HI", "Hearing impairment"),
    ("VI", "Visual impairment"),
    ("MSI", "Multi-sensory impairment"),
    ("PD", "Physical disability"),
    ("OTH", "Other difficulty or disability"),
)

#: Phases as half-open age ranges [min_age, max_age): primary is ages 4-10 (Reception to Year 6).
_PHASES: tuple[tuple[str, str, int, int], ...] = (
    ("primary", "Primary", 4, 11),
    ("secondary", "Secondary", 11, 16),
    ("post16", "Post-16", 16, 19),
)


def default_needs() -> pd.DataFrame:
    """The twelve DfE primary-need codes."""
    return pd.DataFrame(_NEEDS, columns=["need", "name"])


def default_phases() -> pd.DataFrame:
    """Primary, secondary and post-16 with their age ranges."""
    frame = pd.DataFrame(_PHASES, columns=["phase", "name", "min_age", "max_age"])
    return frame.astype({"min_age": "Int64", "max_age": "Int64"})
