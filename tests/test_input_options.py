"""Names given on the command line (issue 18): ``pathways --kinds specail`` is an error that
suggests ``special`` and writes nothing; ``--kinds SRP`` is read as ``srp``; an unknown
``--exclude`` provision is an error naming the closest ids."""

from __future__ import annotations

from pathlib import Path

import pytest
from _tiny import pathway_instance
from typer.testing import CliRunner

from placement_opt import InstanceError, solve
from placement_opt.cli import app
from placement_opt.cli.common import console, err_console
from placement_opt.results.run import write_result
from placement_opt.schema.names import option_names
from placement_opt.schema.tables import KINDS

runner = CliRunner()


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    inst = pathway_instance()
    folder = tmp_path_factory.mktemp("pathways") / "run"
    write_result(solve(inst), folder, instance=inst)
    return folder


def test_option_names_respells_and_refuses() -> None:
    assert option_names(" Special; SRP ;special", KINDS, "--kinds", "provision kind") == (
        "special", "srp")
    with pytest.raises(InstanceError) as info:
        option_names("specail;srp;xyz", KINDS, "--kinds", "provision kind")
    first, second = info.value.issues
    assert (first.source, first.message, first.value) == ("option --kinds",
                                                          "unknown provision kind", "specail")
    assert first.expected is not None and first.expected.startswith("did you mean 'special'?")
    assert second.value == "xyz" and second.expected is not None
    assert "one of special, srp" in second.expected


def test_option_names_can_require_exact_names() -> None:
    with pytest.raises(InstanceError):
        option_names("pa", ["PA", "PB"], "--exclude", "provision id", respell=False)
    with pytest.raises(InstanceError):
        option_names(";", KINDS, "--kinds", "provision kind", required=True)
    assert option_names("", ["PA"], "--exclude", "provision id", respell=False) == ()


def test_pathways_misspelt_kind_is_an_error_and_writes_nothing(run_dir: Path) -> None:
    console.width = err_console.width = 300
    res = runner.invoke(app, ["pathways", str(run_dir), "--kinds", "specail"])
    assert res.exit_code == 2, res.output
    assert "did you mean 'special'?" in res.output
    assert "Traceback" not in res.output
    assert not (run_dir / "pathway_gaps.csv").exists()


def test_pathways_unknown_exclude_is_an_error(run_dir: Path) -> None:
    console.width = err_console.width = 300
    res = runner.invoke(app, ["pathways", str(run_dir), "--exclude", "PX"])
    assert res.exit_code == 2, res.output
    assert "unknown provision id" in res.output
    assert not (run_dir / "pathway_gaps.csv").exists()


def test_pathways_kinds_ignore_case(run_dir: Path, tmp_path: Path) -> None:
    console.width = err_console.width = 300
    res = runner.invoke(app, ["pathways", str(run_dir), "--kinds", "SRP", "--overwrite"])
    assert res.exit_code == 0, res.output
    assert "2 of 3 district-needs" in res.output
