"""Scenario levers on money: ``[finance]`` (the Safety Valve target) merged onto the base's,
and ``cost_per_place_factor`` acting on the tariff lines (it once did nothing to placements a
tariff prices), with a located warning for a cost per place a tariff overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from placement_opt import Instance
from placement_opt.analysis.scenarios import ScenarioError, apply_scenario, load_scenario
from placement_opt.errors import Severity

WORKED = Path(__file__).resolve().parent.parent / "models" / "examples" / "continuum_worked"


def _apply(tmp_path: Path, body: str) -> Instance:
    file = tmp_path / "s.toml"
    file.write_text(f'[scenario]\nname = "s"\nbase = "{WORKED}"\n' + body, encoding="utf-8")
    loaded = load_scenario(file)
    return apply_scenario(loaded, Instance.from_path(loaded.base_path()))


def test_a_factor_scales_the_kind_s_tariff_lines(tmp_path: Path) -> None:
    base = Instance.from_path(WORKED)
    out = _apply(tmp_path, "[costs]\ncost_per_place_factor = { special = 1.05 }\n")
    special = out.tariffs["kind"] == "special"
    assert out.tariffs.loc[special, "top_up"].tolist() == pytest.approx(
        [14_252 * 1.05, 20_000 * 1.05])
    assert out.tariffs.loc[special, "place_funding"].tolist() == pytest.approx([10_500.0] * 2)
    assert out.tariffs.loc[~special].equals(base.tariffs.loc[~special])
    assert not out.warnings


def test_a_cost_per_place_a_tariff_overrides_is_a_located_warning(tmp_path: Path) -> None:
    out = _apply(tmp_path, "[costs]\ncost_per_place = { special = 30000 }\n"
                           'cost_per_place_by_provision = { MS = 9000 }\n')
    notes = [i for i in out.warnings if i.severity is Severity.WARNING and "tariff" in i.message]
    assert [(n.source.rsplit(",", 1)[-1].strip(), n.column) for n in notes] == [
        ("line 5", "costs.cost_per_place.special"),
        ("line 6", "costs.cost_per_place_by_provision.MS")]
    assert "cost_per_place_factor" in str(notes[0].expected)


def test_finance_keys_are_merged_onto_the_base_s(tmp_path: Path) -> None:
    out = _apply(tmp_path, "[finance]\nbalance_target = 0\ntarget_year = 2026\n"
                           'target_mode = "hard"\n')
    assert (out.settings.finance.balance_target, out.settings.finance.target_year,
            out.settings.finance.target_mode) == (0.0, 2026, "hard")


@pytest.mark.parametrize("body, line, key, fragment", [
    ("[finance]\nbalance_targt = 0\n", 5, "finance.balance_targt", "unknown key"),
    ("[finance]\nbalance_target = 0\n", 4, "finance", "go together"),
    ('[finance]\ntarget_mode = "firm"\n', 5, "finance.target_mode", "hard"),
])
def test_a_bad_finance_key_is_located(tmp_path: Path, body: str, line: int, key: str,
                                      fragment: str) -> None:
    with pytest.raises(ScenarioError) as err:
        _apply(tmp_path, body)
    found = [str(i) for i in err.value.issues]
    assert any(f"s.toml, line {line}, column '{key}" in f and fragment in f for f in found), found
