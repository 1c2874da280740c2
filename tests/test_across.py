"""Statements across years: one folder per case under fixtures/across/, each stating the exact
problems (file, line, field, code) the rules across statements and the earlier statements'
checks produce.

A case folder holds ``current/`` and ``previous/`` (each only what differs from fixtures/base/,
as in fixtures/bad/), ``order.txt`` (the folders given to ``--previous``, newest first, where not
just ``previous``; ``current`` names the current package) and ``expected.txt`` (``FILE:LINE FIELD
CODE`` lines, FILE as the problem names it: from the current package's folder). The current
package is validated as of conftest.AS_OF; each earlier one as of its own published date.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import AS_OF, FIXTURES, copy_base, run_pvreport
from test_bad_inputs import parse_expected

from pvreport.tables.moments import Clock
from pvreport.validate import across, validate_package

ACROSS = FIXTURES / "across"
CASES = sorted(p.name for p in ACROSS.iterdir() if p.is_dir())


def package(overrides: Path | None, target: Path) -> Path:
    copy_base(target)
    if overrides is not None and overrides.is_dir():
        for item in overrides.iterdir():
            shutil.copy(item, target / item.name)
    return target


def make_case(name: str, tmp_path: Path) -> tuple[Path, list[Path]]:
    case = ACROSS / name
    current = package(case / "current", tmp_path / "current")
    order = case / "order.txt"
    names = order.read_text(encoding="utf-8").split() if order.exists() else ["previous"]
    previous = [current if n == "current" else package(case / n, tmp_path / n) for n in names]
    return current, previous


@pytest.mark.parametrize("name", CASES)
def test_each_case_gives_exactly_its_problems(name: str, tmp_path: Path) -> None:
    current, previous = make_case(name, tmp_path)
    clock = Clock.make(AS_OF)
    validation = validate_package(current, clock=clock)
    assert validation.ok, validation.errors
    _, problems = across.validate_earlier(
        validation, previous, lambda d, own: validate_package(d, clock=own), clock
    )
    found = {(p.file, p.line, p.field, p.code) for p in problems}
    expected = parse_expected((ACROSS / name / "expected.txt").read_text(encoding="utf-8"))
    assert found == expected
    for p in problems:
        assert p.message and p.hint, p


def test_an_earlier_statement_is_judged_as_of_its_published_date(tmp_path: Path) -> None:
    current, [previous] = make_case("across-revised", tmp_path)
    clock = Clock.make(AS_OF)
    validation = validate_package(current, clock=clock)
    [earlier], problems = across.validate_earlier(
        validation, [previous], lambda d, own: validate_package(d, clock=own), clock
    )
    assert problems == []
    assert earlier.clock.today.isoformat() == "2025-05-15"
    assert earlier.clock.epoch == clock.epoch
    assert earlier.prefix == "archive/2024-25/"


def test_period_labels_become_plain_folder_names() -> None:
    assert across.period_slug("2024/25") == "2024-25"
    assert across.period_slug("2024") == "2024"
    assert across.period_slug("Year to March 2025") == "year-to-march-2025"
    assert across.period_slug("../..") == "statement"


def test_validate_previous_prints_the_problem_on_the_current_file(tmp_path: Path) -> None:
    make_case("across-target-moved", tmp_path)
    done = run_pvreport(
        tmp_path, "validate", "current", "--previous", "previous", "--as-of", AS_OF.isoformat()
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "current/indicators.csv:3: [target_value]" in done.stdout
    assert "(moved-without-revision)" in done.stdout
    # Without --previous, the package alone is valid.
    alone = run_pvreport(tmp_path, "validate", "current", "--as-of", AS_OF.isoformat())
    assert alone.returncode == 0, alone.stdout


def test_build_refuses_an_earlier_statement_that_does_not_validate(tmp_path: Path) -> None:
    from conftest import make_project

    from pvreport import build

    current, [previous] = make_case("bad-earlier-invalid", tmp_path / "packages")
    project = make_project(tmp_path / "project", current, content=False)
    shutil.copytree(previous, project / "datapackages" / "previous")
    with pytest.raises(build.BuildError) as failed:
        build.build(project, as_of=AS_OF, previous=[project / "datapackages" / "previous"])
    assert "An earlier statement has errors" in str(failed.value)
    files = {p.file for p in failed.value.problems if p.is_error}
    assert files == {"../previous/indicators.csv", "../previous/datapackage.json"}
    assert not (project / "site").exists()


def test_build_previous_on_the_command_line(tmp_path: Path) -> None:
    from conftest import make_project

    current, [previous] = make_case("across-revised", tmp_path / "packages")
    project = make_project(tmp_path / "project", current, content=False)
    shutil.copytree(previous, project / "datapackages" / "previous")
    wrong = run_pvreport(
        project, "build", "--as-of", AS_OF.isoformat(), "--previous", "datapackages/current"
    )
    assert wrong.returncode == 1
    assert "(previous-is-current)" in wrong.stdout
    assert not (project / "site").exists()
    done = run_pvreport(
        project, "build", "--as-of", AS_OF.isoformat(), "--previous", "datapackages/previous"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (project / "site/archive/2024-25/index.html").is_file()
    assert (project / "site/what-changed/index.html").is_file()


def test_strict_makes_the_rules_across_strict_but_not_an_earlier_statements_warnings(
    tmp_path: Path,
) -> None:
    make_case("across-dropped", tmp_path)
    args = ("validate", "current", "--previous", "previous", "--as-of", AS_OF.isoformat())
    plain = run_pvreport(tmp_path, *args)
    assert plain.returncode == 0, plain.stdout
    strict = run_pvreport(tmp_path, *args, "--strict")
    assert strict.returncode == 1
    assert "current/objectives.csv: [id]" in strict.stdout
    assert "(dropped-without-revision)" in strict.stdout
    # The earlier statement's own warning (its measure park-visits has no results) is not made
    # an error: it is checked as it was published.
    assert "../previous/" not in strict.stdout and "previous/objectives.csv" not in strict.stdout
