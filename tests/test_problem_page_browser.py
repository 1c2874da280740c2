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

pytestmark = pytest.mark.browser
__all__ = ["tools"]  # the fixture: every browser tool is installed


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
    shots = {w: tmp_path / f"problems-{w}px.png" for w in (390, 1280)}
    screenshots = [{"page": "", "width": w, "file": str(f)} for w, f in shots.items()]
    # The report is one page with no menu: like an embed card, it has nothing to skip.
    with serve(report) as base, concurrent.futures.ThreadPoolExecutor(3) as pool:
        pages = pool.submit(check_pages, base, [""], tmp_path, screenshots, (), [""])
        by_pa11y = pool.submit(pa11y, base, [""], tmp_path)
        by_vnu = pool.submit(vnu, report)
        results, issues, (errors, _) = pages.result(), by_pa11y.result(), by_vnu.result()
    assert describe(results) == ""
    assert issues == {"": []}
    assert errors == []
    for width, path in shots.items():
        assert png_size(path)[0] == width, path
