"""Light pages at any size: a page shows what a reader needs at a fixed size (the latest periods,
the latest breakdown, each objective's measures on its own page) and links to the downloads for
the rest, so its weight does not grow with the report."""

from __future__ import annotations

import re
import statistics
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from bs4 import BeautifulSoup
from conftest import AS_OF, make_project

from pvreport import build, synthetic
from pvreport.site import render

#: The same breakdowns (6 age groups and 3 wards) in both reports, so that each measure page has
#: the same charts; the large one has ten times the measures and periods and five times the
#: objectives, and more measures than its index page lists.
SMALL = synthetic.Size(
    objectives=2, indicators=7, periods=4, breakdowns=9, engagements=1, decisions=1
)
LARGE = synthetic.Size(
    objectives=10, indicators=70, periods=40, breakdowns=9, engagements=1, decisions=1
)
#: The large report's measures' index groups them per objective beyond this many.
INDEX_LIMIT = 30


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The small and the large report, each built with `pvreport build`'s library call."""
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(render, "INDEX_PAGE_LIMIT", INDEX_LIMIT)
        for name, size in (("small", SMALL), ("large", LARGE)):
            mp.setitem(synthetic.SIZES, name, size)
            root = tmp_path_factory.mktemp(name)
            package = synthetic.generate(root / "report", name, seed=5)
            project = make_project(root / "project", package, content=False)
            # Both navigations list sections, not pages (as a national report's does), so the
            # pages differ by what they show, not by the menu.
            config = project / "mkdocs.yml"
            text = config.read_text(encoding="utf-8")
            limit = "      nav_page_limit: 1\n"
            text = text.replace(
                "      package: datapackages/report\n",
                f"      package: datapackages/report\n{limit}",
            )
            assert limit in text
            config.write_text(text, encoding="utf-8")
            out[name] = build.build(project, as_of=AS_OF).site_dir
    return out


def measure_pages(site: Path) -> dict[str, Path]:
    return {p.parent.name: p for p in sorted((site / "indicators").glob("ind-*/index.html"))}


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def trend_table_bytes(path: Path) -> int:
    """The size of the trend chart's data table: the one part of a measure page that has a row
    for every period, being that chart's own data."""
    page = path.read_text(encoding="utf-8")
    tables = re.findall(r'<details class="pv-chart-data">.*?</details>', page, re.DOTALL)
    return sum(len(t.encode()) for t in tables if "trend: the data" in t)


def test_a_measure_page_weighs_the_same_in_a_small_and_a_large_report(
    sites: dict[str, Path],
) -> None:
    def weights(site: Path) -> tuple[float, float]:
        pages = measure_pages(site).values()
        whole = statistics.median(p.stat().st_size for p in pages)
        rest = statistics.median(p.stat().st_size - trend_table_bytes(p) for p in pages)
        return whole, rest

    small, small_rest = weights(sites["small"])
    large, large_rest = weights(sites["large"])
    # Beside the trend chart's own data, the page does not grow with the number of measures,
    # objectives, periods or result rows...
    assert large_rest <= 1.03 * small_rest, (small_rest, large_rest)
    # ... and that table grows by one short row a period (the chart draws every period).
    extra_periods = LARGE.periods - SMALL.periods
    assert (large - large_rest) - (small - small_rest) <= 100 * extra_periods, (small, large)


#: Pages that list one line per objective, decision, engagement or change: they grow with those
#: (a few hundred lines at most in a national report), not with measures or results.
LISTS = {"objectives", "decisions", "engagements", "data/changes"}


def test_every_page_of_the_large_report_weighs_what_its_kind_weighs_in_the_small_one(
    sites: dict[str, Path],
) -> None:
    def kind(site: Path, page: Path) -> str:
        parts = page.parent.relative_to(site).parts
        if len(parts) == 2 and parts[0] in {"indicators", "objectives", "decisions", "engagements"}:
            return parts[0] + "/*"  # one page per row: compare with the heaviest of its kind
        if parts[:2] == ("embed", "indicators"):
            return "embed/indicators/*"  # each measure's embed card
        return "/".join(parts)

    heaviest: dict[str, int] = {}
    for page in sites["small"].rglob("index.html"):
        key = kind(sites["small"], page)
        weight = page.stat().st_size - trend_table_bytes(page)
        heaviest[key] = max(heaviest.get(key, 0), weight)
    checked = 0
    for page in sites["large"].rglob("index.html"):
        key = kind(sites["large"], page)
        if key in LISTS or key not in heaviest:
            continue
        weight = page.stat().st_size - trend_table_bytes(page)
        assert weight <= 1.05 * heaviest[key], (key, weight)
        checked += 1
    # Every measure and objective page, each measure's embed card, and the index of measures
    # (which would otherwise list all 70 of them) among them.
    assert checked >= 2 * LARGE.indicators + LARGE.objectives + 1


def test_the_breakdown_table_is_its_charts_data_for_the_latest_period(
    sites: dict[str, Path],
) -> None:
    site = sites["large"]
    page = soup(measure_pages(site)["ind-0001"])
    breakdowns = page.find(id="breakdowns")
    assert breakdowns is not None
    tables = page.select("table")
    by_ward = next(t for t in tables if t.caption and t.caption.text.startswith("Results by ward"))
    assert by_ward.caption.text == "Results by ward, March 2026: the data in the chart above"
    groups = [th.text for th in by_ward.select("tbody th")]
    assert [g.removesuffix(" (worst result)") for g in groups] == ["Ward 1", "Ward 2", "Ward 3"]
    assert sum(g.endswith("(worst result)") for g in groups) == 1
    # The chart beside it shows the same groups and figures (its CSV is the chart's data).
    chart = page.find("figure", id="indicator_ind-0001_by-ward")
    assert chart is not None
    csv_link = next(a for a in page.select("a") if a["href"].endswith("_by-ward.csv"))
    csv = (measure_pages(site)["ind-0001"].parent / csv_link["href"]).resolve()
    csv_rows = csv.read_text(encoding="utf-8").splitlines()[1:]
    assert len(csv_rows) == len(groups)
    values = [td.text for td in by_ward.select("tbody tr td:nth-of-type(1)")]
    for row, value in zip(csv_rows, values, strict=True):
        assert row.split(",")[1] == "2026-03"
        assert value.startswith(row.split(",")[2].rstrip("0").rstrip(".")), (row, value)
    # Every earlier period is one link away.
    text = page.get_text(" ")
    assert "The table shows March 2026 only, the latest of 40 periods." in text
    links = [a["href"] for a in page.select("a")]
    assert any(h.endswith("data/downloads/results.csv") for h in links)
    assert (site / "data" / "downloads" / "results.csv").is_file()


def test_the_results_table_lists_the_latest_periods_and_the_chart_every_period(
    sites: dict[str, Path],
) -> None:
    page = soup(measure_pages(sites["large"])["ind-0001"])
    results = next(t for t in page.select("table") if t.find_parent("details") is None)
    periods = [th.text for th in results.select("tbody th")]
    assert len(periods) == render.RESULT_PERIODS and periods[-1] == "March 2026"
    assert f"latest {render.RESULT_PERIODS} of 40 periods" in page.get_text(" ")
    trend = page.select_one("details.pv-chart-data table")
    assert trend is not None and len(trend.select("tbody tr")) == 40
    # The small report's table has every period and says nothing about the rest.
    small = soup(measure_pages(sites["small"])["ind-0001"])
    assert "periods. The chart's data" not in small.get_text(" ")


def test_the_index_of_many_measures_lists_objectives_that_list_them(
    sites: dict[str, Path],
) -> None:
    site = sites["large"]
    index = site / "indicators" / "index.html"
    page = soup(index)
    rows = page.select("article table tbody tr")
    assert len(rows) == LARGE.objectives
    reached = set()
    for row in rows:
        objective = (index.parent / row.a["href"].split("#")[0]).resolve() / "index.html"
        assert row.a["href"].endswith("#how-we-know")
        counted = sum(
            int(row.select_one(f'td[data-label="{c}"]').text) for c in ("Outcomes", "Outputs")
        )
        listed = [
            a["href"]
            for a in soup(objective).select("article table a")
            if "indicators" in a["href"]
        ]
        assert len(listed) == counted > 0
        reached |= {(objective.parent / h).resolve().name for h in listed}
    # Each measure is one step from the index, through its objective.
    assert reached == set(measure_pages(site))
    small = soup(sites["small"] / "indicators" / "index.html")
    assert len(small.select("article table a[href*='ind-']")) == SMALL.indicators


def test_the_engine_prunes_the_navigation_unless_the_project_expands_it() -> None:
    report = cast(Any, SimpleNamespace(title="A report"))
    plain = build.engine_config_for({"theme": {"name": "material"}}, [], report, [], [])
    assert "navigation.prune" in plain["theme"]["features"]
    own = {"theme": {"name": "material", "features": ["navigation.sections"]}}
    kept = build.engine_config_for(own, [], report, [], [])
    assert kept["theme"]["features"] == ["navigation.sections", "navigation.prune"]
    # The project's own list is not changed in place.
    assert own["theme"]["features"] == ["navigation.sections"]
    expand = {"theme": {"name": "material", "features": ["navigation.expand"]}}
    assert build.engine_config_for(expand, [], report, [], [])["theme"]["features"] == [
        "navigation.expand"
    ]


def test_by_default_a_section_of_more_than_30_pages_lists_only_its_index_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pvreport.validate import validate_package

    # 31 objectives and measures, 30 engagements: the menu a project gets without setting
    # nav_page_limit.
    size = synthetic.Size(
        objectives=31, indicators=31, periods=2, breakdowns=0, engagements=30, decisions=1
    )
    monkeypatch.setitem(synthetic.SIZES, "nav", size)
    package = synthetic.generate(tmp_path / "report", "nav", seed=3)
    validation = validate_package(package, as_of=AS_OF)
    assert not validation.errors
    site = build.render_report(validation, build.Clock.make(AS_OF))

    def pages(entries: Any) -> list[str]:
        if isinstance(entries, str):
            return [entries]
        if isinstance(entries, dict):
            return [p for value in entries.values() for p in pages(value)]
        return [p for entry in entries for p in pages(entry)]

    listed = pages(site.rendered.nav)
    assert not [p for p in listed if p.startswith("objectives/") and p != "objectives/index.md"]
    assert not [p for p in listed if p.startswith("indicators/") and p != "indicators/index.md"]
    assert len([p for p in listed if p.startswith("engagements/")]) == 31  # and the index
    assert "/objectives/*.md" in site.rendered.not_in_nav
