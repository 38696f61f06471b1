"""A seeded subset of the malformed-input fuzz (``tests/fuzz_inputs.py``; every case:
``python benchmarks/fuzz_inputs.py``): no input ends in a traceback, every error is located at
its cell, key or file, and nothing that must be rejected is accepted."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from fuzz_inputs import Case, all_cases, run_case

CASES = all_cases(seed=20)
#: Every whole-file, settings, scenario and sweep case, and a seeded sample of the cell cases.
SUBSET = ([c for c in CASES if c.level != "cell" or c.fmt in ("scenario", "sweep")]
          + random.Random(20).sample([c for c in CASES if c.level == "cell"], 30))


def test_the_fuzz_covers_every_format_and_level() -> None:
    assert {c.fmt for c in CASES} == {"folder", "xlsx", "json", "scenario", "sweep"}
    assert {c.level for c in CASES} == {"cell", "key", "file"}
    assert sum(c.must_reject for c in CASES) > 0.7 * len(CASES)


@pytest.mark.parametrize("case", SUBSET, ids=[c.name for c in SUBSET])
def test_a_malformed_input_is_a_located_error(case: Case, tmp_path: Path) -> None:
    outcome = run_case(case, tmp_path / "case")
    assert outcome.kind in ("located", "accepted"), outcome
