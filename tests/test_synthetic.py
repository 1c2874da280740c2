"""Synthetic reports: deterministic, valid against the contract, and broken only where planted."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from conftest import AS_OF

from pvreport import cli, synthetic
from pvreport.tables import read
from pvreport.validate import validate_package


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    one = synthetic.generate(tmp_path / "one", "S", 4)
    two = synthetic.generate(tmp_path / "two", "S", 4)
    other = synthetic.generate(tmp_path / "other", "S", 5)
    assert digest(one) == digest(two)
    assert digest(one)["results.csv"] != digest(other)["results.csv"]
    synthetic.plant_errors(one, 9)
    synthetic.plant_errors(two, 9)
    assert digest(one) == digest(two)


@pytest.mark.parametrize("seed", [0, 1])
def test_small_report_is_valid_with_no_warnings(seed: int, tmp_path: Path) -> None:
    package = synthetic.generate(tmp_path / "package", "S", seed)
    result = validate_package(package, as_of=AS_OF, strict=True)
    assert result.problems == []
    assert len(result.tables["results"].rows) == 160


def test_medium_report_has_the_sizes_the_issue_names(tmp_path: Path) -> None:
    package = synthetic.generate(tmp_path / "package", "M", 0)

    def rows(name: str) -> int:
        return sum(1 for _ in read.csv_records(package / f"{name}.csv")) - 1

    assert (rows("objectives"), rows("indicators"), rows("results")) == (50, 250, 100_000)
    size = synthetic.SIZES["L"]
    assert (size.objectives, size.indicators, size.engagements, size.decisions) == (
        200, 1000, 100, 300,
    )  # fmt: skip
    assert size.indicators * size.periods * (size.breakdowns + 1) == 1_000_000


@pytest.mark.parametrize("seed", [0, 3, 8])
def test_planted_errors_are_exactly_the_problems_reported(seed: int, tmp_path: Path) -> None:
    package = synthetic.generate(tmp_path / "package", "S", seed)
    expected = synthetic.plant_errors(package, seed)
    result = validate_package(package, as_of=AS_OF)
    assert sorted((p.file, p.line, p.field, p.code) for p in result.problems) == expected
    # The quoted line break moves later rows: physical lines run ahead of record numbers.
    assert {code for *_, code in expected} >= {"duplicate-id", "unknown-reference", "blank-row"}


def test_generate_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report"
    assert cli.main(["generate", "--size", "S", "--seed", "2", "--plant-errors", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    expected = synthetic.plant_errors(synthetic.generate(tmp_path / "again", "S", 2), 2)
    assert printed == [f"{f}:{line}: [{field or '-'}] {code}" for f, line, field, code in expected]
    assert cli.main(["validate", "--as-of", AS_OF.isoformat(), str(out)]) == 1
    # An existing folder with files in it is not overwritten.
    assert cli.main(["generate", str(out)]) == 2
