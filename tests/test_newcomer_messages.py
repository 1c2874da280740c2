"""What a newcomer's first package taught us: each problem names the cell, where, and the fix."""

from __future__ import annotations

from pathlib import Path

from conftest import AS_OF

from pvreport.validate import validate_package


def problems(package: Path, code: str) -> list:
    return [p for p in validate_package(package, as_of=AS_OF).problems if p.code == code]


def test_a_repeated_id_names_it_and_the_line_that_has_it_already(package: Path) -> None:
    path = package / "objectives.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    # Line 4 repeats the id of line 3 (clean-streets).
    lines.append(lines[2].replace("Clean streets,", "Clean parks,", 1))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (found,) = problems(package, "duplicate-id")
    assert (found.file, found.line, found.field) == ("objectives.csv", 4, "id")
    assert 'The id "clean-streets" is already used on line 3.' in found.message
    assert "line 3" in (found.hint or "")


def test_a_repeated_key_names_its_cells_and_the_earlier_line(package: Path) -> None:
    path = package / "results.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "damp-homes,2024/25,all,3,,,,final,,\n", encoding="utf-8")
    (found,) = problems(package, "duplicate-id")
    assert found.line == 13
    assert 'indicator_id "damp-homes", period "2024/25" and group "all"' in found.message
    assert "already used together on line 3" in found.message
