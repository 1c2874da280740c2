"""What a newcomer's first package taught us: each problem names the cell, where, and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import AS_OF, run_pvreport

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


def set_cell(package: Path, file: str, old: str, new: str) -> None:
    path = package / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("cell", "fix"),
    [
        ("2024-2025", "2024/25"),
        ("2024-25", "2024/25"),
        ("2024/2025", "2024/25"),
        ("Q1 2024", "2024-Q1"),
        ("March 2024", "2024-03"),
        ("31/03/2024", "2024-03-31"),
        ("2024-3", "2024-03"),
    ],
)
def test_a_bad_period_quotes_the_cell_and_suggests_the_form(
    package: Path, cell: str, fix: str
) -> None:
    set_cell(package, "results.csv", "repairs-done,2024/25,", f"repairs-done,{cell},")
    (found,) = problems(package, "bad-period")
    assert (found.line, found.field, found.value) == (6, "period", cell)
    assert f'"{cell}"' in found.message
    assert f'Did you mean "{fix}"?' in found.message
    # The hint shows every accepted form by example.
    for form in ("2024", "2024/25", "2024-Q1", "2024-03", "2024-03-31"):
        assert form in (found.hint or "")


def test_a_bad_period_with_no_guess_still_shows_the_forms(package: Path) -> None:
    set_cell(package, "results.csv", "repairs-done,2024/25,", "repairs-done,last year,")
    (found,) = problems(package, "bad-period")
    assert '"last year"' in found.message and "Did you mean" not in found.message
    assert "2024/25 (a financial year)" in (found.hint or "")


@pytest.mark.parametrize(
    ("cell", "fix"),
    [
        ("1 June 2026", "2026-06-01"),
        ("01/06/2026", "2026-06-01"),
        ("1 June 2026 09:30", "2026-06-01T09:30:00Z"),
        ("2026-06-01 09:30 BST", "2026-06-01T09:30:00+01:00"),
        ("01/06/2026 9:30 GMT", "2026-06-01T09:30:00Z"),
    ],
)
def test_a_bad_moment_quotes_the_cell_and_suggests_the_form(
    package: Path, cell: str, fix: str
) -> None:
    set_cell(
        package,
        "results.csv",
        "repairs-done,2025/26,all,610,,,,final,,",
        f'repairs-done,2025/26,all,610,,,,final,"{cell}",',
    )
    (found,) = problems(package, "bad-moment")
    assert (found.line, found.field) == (7, "embargo_until")
    assert f'"{cell}"' in found.message
    assert f'Did you mean "{fix}"?' in found.message
    assert "2026-05-01T09:30:00Z" in (found.hint or "")  # the accepted forms, by example


@pytest.mark.parametrize(
    ("cell", "says", "shown"),
    [
        ("safe-homes ", "ends with a space", '"safe-homes␣"'),
        (" safe-homes", "starts with a space", '"␣safe-homes"'),
        (" safe-homes  ", "starts and ends with spaces", '"␣safe-homes␣␣"'),
    ],
)
def test_a_space_around_an_id_is_named_and_shown(
    package: Path, cell: str, says: str, shown: str
) -> None:
    set_cell(package, "objectives.csv", "\nsafe-homes,", f'\n"{cell}",')
    found = [p for p in problems(package, "bad-id") if p.file == "objectives.csv"]
    assert [(p.line, p.field) for p in found] == [(2, "id")]
    assert says in found[0].message and shown in found[0].message
    assert "␣" in found[0].message  # a space one can see
    assert 'write "safe-homes"' in (found[0].hint or "")
    assert "delete the space" in (found[0].hint or "").lower()


def test_did_you_mean_names_a_confidential_id_to_the_publisher_but_never_in_ci_annotations(
    package: Path,
) -> None:
    """Text and JSON output go to the publisher, who sees their own data; GitHub annotations may
    be public (a CI log), so they suggest only public ids."""
    set_cell(
        package,
        "objectives.csv",
        "full-council;residents,public",
        "full-council;residents,confidential",
    )
    # An indicator refers to the confidential objective, misspelt.
    set_cell(package, "indicators.csv", "\ndamp-homes,safe-homes,", "\ndamp-homes,safe-homez,")
    text = run_pvreport(package.parent, "validate", "--as-of", str(AS_OF), str(package))
    assert "Did you mean 'safe-homes'?" in text.stdout
    github = run_pvreport(
        package.parent, "validate", "--format", "github", "--as-of", str(AS_OF), str(package)
    )
    (annotation,) = [line for line in github.stdout.splitlines() if "unknown-reference" in line]
    assert "safe-homez" in annotation and "Did you mean" not in annotation
    assert "safe-homes" not in annotation


def test_did_you_mean_in_ci_annotations_may_name_a_public_id(package: Path) -> None:
    set_cell(package, "indicators.csv", "\ndamp-homes,safe-homes,", "\ndamp-homes,safe-homez,")
    github = run_pvreport(
        package.parent, "validate", "--format", "github", "--as-of", str(AS_OF), str(package)
    )
    assert "Did you mean 'safe-homes'?" in github.stdout


def test_a_revision_of_no_row_suggests_only_public_rows_in_ci_annotations(package: Path) -> None:
    set_cell(package, "options.csv", "kitchens,71,public", "kitchens,71,confidential")
    (package / "revisions.csv").write_text(
        "date,resource,row_id,field,old_value,new_value,reason\n"
        "2025-06-01,options,damp-first;move-monye,cost,300000,400000,Prices rose.\n",
        encoding="utf-8",
    )
    text = run_pvreport(package.parent, "validate", "--as-of", str(AS_OF), str(package))
    assert "Did you mean 'damp-first;move-money'?" in text.stdout
    github = run_pvreport(
        package.parent, "validate", "--format", "github", "--as-of", str(AS_OF), str(package)
    )
    (annotation,) = [line for line in github.stdout.splitlines() if "revision-names-no-row" in line]
    assert "move-money" not in annotation


def home_page(package: Path, src: str = "index.md") -> str:
    from pvreport import build
    from pvreport.tables.moments import Clock

    validation = validate_package(package, as_of=AS_OF)
    site = build.render_report(validation, Clock.make(AS_OF))
    (page,) = [p for p in site.rendered.pages if p.src == src]
    return " ".join(page.text.split())


def test_home_counts_objectives_shaped_with_the_public_in_plain_words(package: Path) -> None:
    assert "We work towards two objectives, one of them shaped with the public." in home_page(
        package
    )
    set_cell(
        package,
        "objectives.csv",
        "service,Director of Environment,,,",
        "service,Director of Environment,,eng-streets,",
    )
    assert "We work towards two objectives, both shaped with the public." in home_page(package)


def test_home_speaks_of_one_decision_in_the_singular(package: Path) -> None:
    path = package / "decisions.csv"
    path.write_text(
        "\n".join(path.read_text(encoding="utf-8").splitlines()[:2]) + "\n", encoding="utf-8"
    )
    path = package / "options.csv"
    path.write_text(
        "\n".join(path.read_text(encoding="utf-8").splitlines()[:3]) + "\n", encoding="utf-8"
    )
    path = package / "responses.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",park-bins,", ",,"), encoding="utf-8")
    text = home_page(package)
    assert "we explain one decision and the options behind it." in text
    text = home_page(package, "accountability/index.md")
    assert "We explain one decision, who took it, and the options we weighed." in text


def test_a_property_written_twice_names_the_line_that_has_it_first(package: Path) -> None:
    set_cell(
        package,
        "datapackage.json",
        '"version": "1.0.0",',
        '"version": "1.0.0",\n  "title": "Again",',
    )
    (found,) = problems(package, "duplicate-key")
    assert (found.file, found.line, found.value) == ("datapackage.json", 6, "title")
    assert 'The property "title" is already written on line 3' in found.message
    assert "line 3" in (found.hint or "") and "line 6" in (found.hint or "")
