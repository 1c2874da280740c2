"""The HTML problem report (`pvreport validate --format html`) passes the same accessibility
checks as the site (axe and the behaviour checks, pa11y, the Nu HTML checker), and is
photographed at 390 and 1280 px for a broken package (the screenshots are kept in the test's
folder to be looked at)."""

from __future__ import annotations

import concurrent.futures
from pathlib import Path

import pytest
from conftest import AS_OF, run_pvreport
from test_browser import check_pages, describe, pa11y, png_size, serve, tools, vnu
from test_problem_page import break_package

from pvreport.problems import Problem
from pvreport.site.problem_page import problem_page

pytestmark = pytest.mark.browser
__all__ = ["tools"]  # the fixture: every browser tool is installed

WORKBOOK_PROBLEMS = [
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
        "upwards",
        sheet="accountability",
        cell="C3",
    ),
    Problem(
        "next-update-passed",
        "Indicator 'families-in-temporary-homes' said new results would come by 2026-05-29, "
        "and that day has passed.",
        "report.xlsx",
        2,
        "next_update",
        "2026-05-29",
        sheet="indicators",
        cell="P2",
    ),
]


def test_the_html_report_passes_the_sites_accessibility_checks(
    tools: None, package: Path, tmp_path: Path
) -> None:
    break_package(package)
    report = tmp_path / "report"
    report.mkdir()
    run = run_pvreport(
        tmp_path,
        "validate",
        str(package),
        "--format",
        "html",
        "--as-of",
        str(AS_OF),
        "--output",
        str(report / "index.html"),
    )
    assert run.returncode == 1, run.stderr
    # A workbook's problems, which name their sheet and cell, as the workbook reader makes them.
    (report / "workbook").mkdir()
    (report / "workbook" / "index.html").write_text(
        problem_page(WORKBOOK_PROBLEMS, package="report.xlsx"), encoding="utf-8"
    )
    pages = ["", "workbook/"]
    shots = {
        (page, w): tmp_path / f"problems-{page.strip('/') or 'csv'}-{w}px.png"
        for page in pages
        for w in (390, 1280)
    }
    screenshots = [{"page": p, "width": w, "file": str(f)} for (p, w), f in shots.items()]
    # The report is one page with no menu: like an embed card, it has nothing to skip.
    with serve(report) as base, concurrent.futures.ThreadPoolExecutor(3) as pool:
        checked = pool.submit(check_pages, base, pages, tmp_path, screenshots, (), pages)
        by_pa11y = pool.submit(pa11y, base, pages, tmp_path)
        by_vnu = pool.submit(vnu, report)
        results, issues, (errors, _) = checked.result(), by_pa11y.result(), by_vnu.result()
    assert describe(results) == ""
    assert issues == {page: [] for page in pages}
    assert errors == []
    for (_, width), path in shots.items():
        assert png_size(path)[0] == width, path
