"""`pvreport validate --format html`: one self-contained page of the problems, for people who
never open a terminal, read back as a browser has it (beautifulsoup). The same accessibility
checks as the site, and screenshots, are in tests/test_problem_page_browser.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bs4 import BeautifulSoup
from conftest import AS_OF, run_pvreport

from pvreport.problems import Problem
from pvreport.site.problem_page import problem_page


def break_package(package: Path) -> None:
    """Two errors in two files and a hidden-character warning: a package a user could send."""
    results = (package / "results.csv").read_text(encoding="utf-8").splitlines()
    header = results[0].split(",")
    row = results[1].split(",")
    row[header.index("value")] = "four hundred"
    results[1] = ",".join(row)
    (package / "results.csv").write_text("\n".join(results) + "\n", encoding="utf-8")
    lines = (package / "accountability.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("direction")] = "<b>upwards</b>"
    lines[1] = ",".join(row)
    (package / "accountability.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_page(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def test_the_html_report_of_a_broken_package(
    package: Path, tmp_path: Path, write_csv: Callable[[str, str | bytes], Path]
) -> None:
    break_package(package)
    out = tmp_path / "problems.html"
    run = run_pvreport(tmp_path, "validate", str(package), "--format", "html", "--output", str(out))
    assert run.returncode == 1, run.stderr
    assert "2 errors" in run.stdout and str(out) in run.stdout
    page = read_page(out.read_text(encoding="utf-8"))
    # Self-contained: no script, no stylesheet or image from anywhere, the style inline.
    assert page.find("script") is None
    assert page.find("link") is None and page.find("img") is None
    assert page.find("style") is not None
    assert page.html["lang"] == "en"
    summary = page.find(class_="summary").get_text(" ", strip=True)
    assert summary.startswith("2 errors must be fixed before the site can be built.")
    # One section per file, files with errors first, each problem with where, value and hint.
    sections = page.find_all("section")
    titles = [s.h2.contents[0].strip() for s in sections]
    assert titles[:2] == ["accountability.csv", "results.csv"]
    first = sections[0].find("li")
    assert "error" in first["class"]
    text = first.get_text(" ", strip=True)
    assert text.startswith("Error")
    assert "line 2 of accountability.csv; column direction" in text
    assert "Write one of: upward, outward, inward." in text
    # A cell's markup is shown as typed, never made into markup.
    assert first.find("b") is None
    assert first.find("code").get_text() == "<b>upwards</b>"
    values = [li.get_text(" ", strip=True) for li in sections[1].find_all("li")]
    assert any("four hundred" in v and "is not a number" in v for v in values)
    # A contents list links to each file's section.
    links = [a["href"] for a in page.find("nav").find_all("a")]
    assert links == [f"#{s.h2['id']}" for s in sections]


def test_the_html_report_of_a_clean_package(package: Path, tmp_path: Path) -> None:
    run = run_pvreport(
        tmp_path, "validate", str(package), "--format", "html", "--as-of", str(AS_OF)
    )
    assert run.returncode == 0, run.stderr
    page = read_page(run.stdout)
    assert page.find(class_="summary").p.get_text() == "No errors: the site can be built."
    assert page.find("section") is None
    assert "No warnings either." in page.find(class_="summary").get_text()


def test_a_workbook_problem_names_its_sheet_and_cell() -> None:
    problems = [
        Problem("next-update-passed", "New results are late.", "report.xlsx", 5, "next_update"),
        Problem(
            "wrong-type",
            '"four hundred" is not a number.',
            "report.xlsx",
            17,
            "value",
            "four hundred",
            sheet="results",
            cell="D17",
        ),
        Problem(
            "not-in-list",
            '"upwards" is not one of the allowed values.',
            "report.xlsx",
            3,
            "direction",
            sheet="accountability",
            cell="C3",
        ),
        Problem(
            "target-met-counterbalance-worsening",
            "Look at both.",
            "report.xlsx",
            2,
            "counterbalance_id",
            sheet="accountability",
            cell="F2",
            severity="warning",
        ),
    ]
    page = read_page(problem_page(problems, package="report.xlsx"))
    sections = page.find_all("section")
    titles = [s.h2.contents[0].strip() for s in sections]
    assert titles == [
        "report.xlsx, sheet accountability",
        "report.xlsx, sheet results",
        "report.xlsx",
    ]
    # Errors before warnings, whatever the rows.
    kinds = [li.find(class_="kind").get_text() for li in sections[0].find_all("li")]
    assert kinds == ["Error", "Warning"]
    where = sections[1].find("dd").get_text()
    assert where == "cell D17 (results!D17); column value"
    assert "2 warnings are worth a look" in page.find(class_="summary").get_text()


def test_invisible_characters_are_shown() -> None:
    problem = Problem(
        "not-in-list", "Not allowed.", "objectives.csv", 2, "dimension", "trust\u202e"
    )
    page = read_page(problem_page([problem], package="p"))
    assert page.find("code").get_text() == "trust[U+202E]"
