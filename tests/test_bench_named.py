"""The named benchmark sizes (benchmarks/named.py): seeded, and the sizes the issue asks for."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from generate import count_arcs  # noqa: E402
from named import NAMED, make_named  # noqa: E402

from placement_opt import Instance  # noqa: E402


@pytest.fixture(scope="module")
def kent() -> Instance:
    return make_named("kent", seed=0)


def test_same_seed_same_fingerprint(kent: Instance) -> None:
    assert make_named("kent", seed=0).fingerprint() == kent.fingerprint()


def test_other_seed_other_instance(kent: Instance) -> None:
    assert make_named("kent", seed=1).fingerprint() != kent.fingerprint()


def test_kent_is_a_multi_year_plan(kent: Instance) -> None:
    assert len(kent.zones) == 12
    assert kent.policy.continuity
    assert kent.years == list(range(2026, 2032))
    candidates = kent.provisions[kent.provisions["candidate"].fillna(False).astype(bool)]
    assert len(candidates) == NAMED["kent"].n_candidates
    assert (candidates["kind"] == "srp").all()
    assert candidates["min_places"].eq(14).all() and candidates["capacity"].eq(30).all()
    assert len(kent.expansions) > 0
    assert set(kent.expansions["provision"]) <= set(
        kent.provisions.loc[kent.provisions["kind"] == "special", "provision"])
    assert kent.existing["pupils"].sum() > 0
    assert kent.budgets["capital"].notna().all()


def test_sizes_grow_as_named() -> None:
    assert NAMED["region"].n_zones == 10 * NAMED["kent"].n_zones
    assert NAMED["region"].n_provisions == 10 * NAMED["kent"].n_provisions
    assert NAMED["national"].n_zones >= 150


def test_national_lies_in_england_box() -> None:
    inst = make_named("national")
    assert len(inst.zones) == NAMED["national"].n_zones
    assert inst.zones["lat"].between(50.0, 55.8).all()
    assert inst.zones["lon"].between(-5.7, 1.75).all()


def test_fine_kent_has_about_a_million_arcs() -> None:
    arcs = count_arcs(make_named("fine_kent"))
    assert 900_000 <= arcs <= 1_100_000


def test_unknown_size_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown size 'county'; choose one of: kent, region"):
        make_named("county")
