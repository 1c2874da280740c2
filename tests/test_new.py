"""`pvreport new DIR [--workbook]`: a starter package that validates as it is, as CSV files or as
one workbook with a note on each heading and drop-down lists for the fields with fixed values."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import openpyxl
import pytest
from conftest import run_pvreport

from pvreport import contract

WORKBOOK_READER = importlib.util.find_spec("pvreport.tables.workbook") is not None

#: A starter is in one language, so it has every resource but labels (the translations of
#: breakdowns' words, needed only with more than one language).
STARTER_RESOURCES = tuple(name for name in contract.RESOURCES if name != "labels")


def test_new_then_validate_passes(tmp_path: Path) -> None:
    made = run_pvreport(tmp_path, "new", "my-report")
    assert made.returncode == 0, made.stderr
    folder = tmp_path / "my-report"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["datapackage.json", *(f"{name}.csv" for name in STARTER_RESOURCES)]
    )
    for name in STARTER_RESOURCES:
        with (folder / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        # Every column of the contract, and an example row to copy.
        assert rows[0] == list(contract.fields(name)), name
        assert len(rows) >= 2, name
    checked = run_pvreport(tmp_path, "validate", "my-report")
    assert checked.returncode == 0, checked.stdout
    assert "no errors, 0 warnings" in checked.stdout


@pytest.mark.parametrize("kind", [[], ["--workbook"]])
def test_new_never_overwrites(tmp_path: Path, kind: list[str]) -> None:
    folder = tmp_path / "my-report"
    folder.mkdir()
    (folder / "results.csv").write_text("ours\n", encoding="utf-8")
    made = run_pvreport(tmp_path, "new", "my-report", *kind)
    assert made.returncode == 2
    assert "not an empty folder" in made.stderr and "nothing was written" in made.stderr
    assert [p.name for p in folder.iterdir()] == ["results.csv"]
    assert (folder / "results.csv").read_text(encoding="utf-8") == "ours\n"
    # Nor a file in the folder's place.
    (tmp_path / "a-file").write_text("mine\n", encoding="utf-8")
    assert run_pvreport(tmp_path, "new", "a-file", *kind).returncode == 2
    assert (tmp_path / "a-file").read_text(encoding="utf-8") == "mine\n"


def test_the_starter_workbook_has_notes_and_drop_down_lists(tmp_path: Path) -> None:
    made = run_pvreport(tmp_path, "new", "my-report", "--workbook")
    assert made.returncode == 0, made.stderr
    path = tmp_path / "my-report" / "report.xlsx"
    assert [p.name for p in path.parent.iterdir()] == ["report.xlsx"]
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["package", *STARTER_RESOURCES]
    package = {row[0]: row[1] for row in book["package"].iter_rows(min_row=2, values_only=True)}
    assert package["organisation.name"] == "Anytown Council"
    assert package["reporting_period.label"] == "2025/26"
    for name in STARTER_RESOURCES:
        sheet = book[name]
        fields = contract.fields(name)
        headings = [cell.value for cell in sheet[1]]
        assert headings == list(fields), name
        assert sheet.max_row >= 2, name
        lists = {
            str(v.sqref).split(":")[0]: v.formula1.strip('"').split(",")
            for v in sheet.data_validations.dataValidation
            if v.type == "list"
        }
        for cell in sheet[1]:
            spec = fields[cell.value]
            # A note on every heading, in plain words from the contract.
            assert cell.comment is not None, (name, cell.value)
            note = cell.comment.text
            assert spec["description"] in note
            required = spec.get("constraints", {}).get("required")
            assert ("Required" in note) == bool(required), (name, cell.value)
            # A drop-down list on every field with fixed values, from row 2 down.
            enum = spec.get("constraints", {}).get("enum")
            below = f"{cell.column_letter}2"
            if enum:
                assert lists.get(below) == [str(v) for v in enum], (name, cell.value)
            elif spec.get("type") == "boolean":
                assert lists.get(below) == ["true", "false"], (name, cell.value)
            else:
                assert below not in lists, (name, cell.value)
    # The example rows' values are the ones the drop-downs offer.
    indicators = book["indicators"]
    kind = [c.value for c in indicators[1]].index("kind")
    assert indicators.cell(row=2, column=kind + 1).value == "outcome"


@pytest.mark.skipif(not WORKBOOK_READER, reason="pvreport.tables.workbook reads workbooks")
def test_new_workbook_then_validate_passes(tmp_path: Path) -> None:
    assert run_pvreport(tmp_path, "new", "my-report", "--workbook").returncode == 0
    checked = run_pvreport(tmp_path, "validate", "my-report/report.xlsx")
    assert checked.returncode == 0, checked.stdout
    assert "no errors, 0 warnings" in checked.stdout
