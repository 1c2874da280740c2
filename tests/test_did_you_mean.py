"""A reference to something that does not exist names the closest thing that does."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import AS_OF, copy_base

from pvreport.validate import validate_package


def _problems(pkg: Path) -> list[tuple[str | None, int | None, str | None, str, str]]:
    return [
        (p.file, p.line, p.field, p.code, p.message)
        for p in validate_package(pkg, as_of=AS_OF).problems
    ]


def _replace(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def test_an_unknown_single_id_names_the_closest_id(tmp_path: Path) -> None:
    pkg = copy_base(tmp_path / "pkg")
    _replace(pkg / "indicators.csv", ",safe-homes,", ",safe-home,")
    [(file, line, field, _, message)] = [p for p in _problems(pkg) if p[3] == "unknown-reference"]
    assert (file, line, field) == ("indicators.csv", 2, "objective_id")
    assert message.endswith("Did you mean 'safe-homes'?")


def test_an_unknown_id_in_a_list_names_the_closest_id(tmp_path: Path) -> None:
    pkg = copy_base(tmp_path / "pkg")
    _replace(pkg / "objectives.csv", "eng-housing", "eng-housng")
    [(_, _, field, _, message)] = [p for p in _problems(pkg) if p[3] == "broken-list-reference"]
    assert field == "authorised_by"
    assert "Did you mean 'eng-housing'?" in message


def test_nothing_close_means_no_suggestion(tmp_path: Path) -> None:
    pkg = copy_base(tmp_path / "pkg")
    _replace(pkg / "indicators.csv", ",safe-homes,", ",zzzz,")
    messages = [p[4] for p in _problems(pkg) if p[3] == "unknown-reference"]
    assert messages and not any("Did you mean" in m for m in messages)


def test_an_id_with_a_trailing_space_is_one_problem(tmp_path: Path) -> None:
    pkg = copy_base(tmp_path / "pkg")
    _replace(pkg / "objectives.csv", "\nsafe-homes,", "\nsafe-homes ,")
    assert [p[:4] for p in _problems(pkg)] == [("objectives.csv", 2, "id", "bad-id")]


def test_a_missing_file_names_the_closest_file(tmp_path: Path) -> None:
    pkg = copy_base(tmp_path / "pkg")
    descriptor = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        if resource["name"] == "options":
            resource["path"] = "option.csv"
    (pkg / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    [message] = [p[4] for p in _problems(pkg) if p[3] == "file-missing"]
    assert message.endswith('Did you mean "options.csv"?')
