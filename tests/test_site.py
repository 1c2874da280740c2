"""What the example's built site says, read from its HTML: the meaning, not the markup.

The example report is built once per session (``example_site`` in conftest.py) by the same library
call as ``pvreport build``, with real frictionless and real MkDocs Material.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from conftest import AS_OF, EXAMPLE, search_entries

from pvreport.report import derive, load
from pvreport.report.formatting import format_number, format_period
from pvreport.site.render import count_words, sentence_start
from pvreport.validate import validate_package

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not EXAMPLE.is_dir(), reason="the example package is not there yet"),
]


@functools.cache
def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def page(site: Any, address: str) -> BeautifulSoup:
    return _soup(site.site_dir / address / "index.html")


def words(soup: BeautifulSoup) -> str:
    """The readable text of a page's content, spaces folded."""
    article = soup.find("article") or soup
    return " ".join(article.get_text(" ").split())


def test_every_contract_address_exists(example_site: Any) -> None:
    report = example_site.report
    addresses = ["", "accountability/", "data/", "accessibility/", "how-we-judge-progress/"]
    addresses += [f"objectives/{o.id}/" for o in report.objectives]
    addresses += [f"indicators/{i.id}/" for i in report.indicators]
    addresses += [f"decisions/{d.id}/" for d in report.decisions]
    addresses += [f"engagements/{e.id}/" for e in report.engagements]
    missing = [a for a in addresses if not (example_site.site_dir / a / "index.html").is_file()]
    assert missing == []
    assert len(addresses) > 30


def test_every_latest_result_appears_on_its_page_with_its_unit(example_site: Any) -> None:
    report = example_site.report
    statuses = derive.report_statuses(report, as_of=AS_OF)
    checked = 0
    for ind in report.indicators:
        latest = statuses[ind.id].latest
        if latest is None:
            continue
        text = words(page(example_site, f"indicators/{ind.id}"))
        shown = format_number(latest.value, ind.unit)
        assert f"Latest result: {shown}" in text, (ind.id, shown)
        assert statuses[ind.id].direction in text
        checked += 1
    assert checked == len(report.indicators)


def test_every_decision_page_shows_its_options_and_which_was_chosen(example_site: Any) -> None:
    """Side by side in a table (wide screens), and one block per option (narrow screens): in the
    same order, with the same facts."""
    report = example_site.report
    facts = [
        "Our choice",
        "Benefits",
        "Drawbacks",
        "Cost",
        "Who gains",
        "Who loses",
        "Public support",
    ]
    for decision in report.decisions:
        soup = page(example_site, f"decisions/{decision.id}")
        text = words(soup)
        options = [o for o in report.options if o.decision_id == decision.id]
        table = soup.find("article").find("table", attrs={"data-options": "side-by-side"})
        header = [th.get_text(" ", strip=True) for th in table.find("thead").find_all("th")]
        assert header == [o.title for o in options], decision.id
        rows = table.find("tbody").find_all("tr")
        assert [r.find("th").get_text(strip=True) for r in rows] == facts
        columns = [
            [r.find_all("td")[i].get_text(" ", strip=True) for r in rows]
            for i in range(len(options))
        ]
        assert [c[0] for c in columns] == ["Chosen" if o.chosen else "Not chosen" for o in options]
        assert [c[1] for c in columns] == [" ".join(o.benefits.split()) for o in options]
        blocks = soup.find("article").find(attrs={"data-options": "one-by-one"}).find_all("div")
        assert [b.find("h3").get_text(" ", strip=True) for b in blocks] == header
        for block, column in zip(blocks, columns, strict=True):
            assert [dt.get_text(strip=True) for dt in block.find_all("dt")] == facts
            assert [dd.get_text(" ", strip=True) for dd in block.find_all("dd")] == column
        for option in options:
            if option.chosen:
                assert f"What we chose: {option.title}" in text


@pytest.mark.parametrize(
    ("address", "header"),
    [
        ("indicators", ["Measure", "Latest result", "Direction of travel", "Target"]),
        ("objectives/repairs", ["Measure", "Latest result", "Direction of travel", "Target"]),
        ("decisions", ["Decision", "Date", "Taken by", "Where it stands"]),
    ],
)
def test_summary_tables_label_every_cell(
    example_site: Any, address: str, header: list[str]
) -> None:
    """On a narrow screen each row becomes a block, each cell under its column's name."""
    tables = (
        page(example_site, address).find("article").find_all("table", attrs={"data-stack": True})
    )
    assert tables
    for table in tables:
        assert [th.get_text(" ", strip=True) for th in table.find("thead").find_all("th")] == header
        for row in table.find("tbody").find_all("tr"):
            assert row.find("th", scope="row").find("a") is not None
            assert [td["data-label"] for td in row.find_all("td")] == header[1:]


def test_withheld_option_is_counted_and_never_shown(example_site: Any) -> None:
    validation = validate_package(EXAMPLE, as_of=AS_OF)
    assert validation.descriptor is not None
    full = load.to_report(validation.descriptor, validation.tables)
    secret = [o for o in full.options if o.visibility == "confidential"]
    assert secret, "the example should withhold an option"
    for option in secret:
        text = words(page(example_site, f"decisions/{option.decision_id}"))
        assert option.title not in text
        weighed = [o for o in full.options if o.decision_id == option.decision_id]
        hidden = len([o for o in weighed if o.visibility == "confidential"])
        shown = len(weighed) - hidden
        assert 0 < hidden and 1 < shown, "the example withholds some of a decision's options"
        # What is true: how many were weighed, how many are shown, why the others are not.
        assert (
            f"We weighed {count_words(len(weighed), 'option', 'options')}. "
            f"{sentence_start(count_words(shown, 'is', 'are'))} shown here; the other "
            f"{count_words(hidden, 'is', 'are')} not shown because "
            f"{'it is' if hidden == 1 else 'they are'} confidential, for example commercially "
            "sensitive."
        ) in text, text
        assert "fewer than two options" not in text


def test_every_engagement_page_shows_its_responses(example_site: Any) -> None:
    report = example_site.report
    for engagement in report.engagements:
        text = words(page(example_site, f"engagements/{engagement.id}"))
        assert engagement.question in text
        for response in (r for r in report.responses if r.engagement_id == engagement.id):
            assert response.you_said in text
            assert response.we_did in text
            if response.explanation:
                assert response.explanation in text


def test_every_page_links_to_the_accessibility_statement_from_its_footer(
    example_site: Any,
) -> None:
    # The embed cards (embed/indicators/<id>/) are made for another site's iframe: no footer.
    pages = [
        p
        for p in sorted(example_site.site_dir.rglob("index.html"))
        if p.relative_to(example_site.site_dir).parts[0] != "embed"
    ]
    assert len(pages) > 30
    for path in pages:
        footer = _soup(path).find("footer")
        link = footer.find("a", string=lambda s: s and "Accessibility statement" in s)
        assert link is not None, path
        target = (path.parent / link["href"]).resolve() / "index.html"
        assert target == (example_site.site_dir / "accessibility" / "index.html").resolve()


def test_status_words_link_to_their_rule(example_site: Any) -> None:
    rules = page(example_site, "how-we-judge-progress")
    anchors = {tag["id"] for tag in rules.find_all(id=True)}
    for rule in derive.RULES:
        assert rule.anchor in anchors
    home = page(example_site, "")
    links = home.find("article").find_all("a", href=True)
    linked = [a for a in links if "how-we-judge-progress" in a["href"]]
    assert {a.get_text(strip=True) for a in linked} >= {"improving", "worsening", "met", "not met"}


def test_home_counts_statuses_and_never_scores(example_site: Any) -> None:
    report = example_site.report
    counts = derive.status_counts(derive.report_statuses(report, as_of=AS_OF).values())
    soup = page(example_site, "")
    text = words(soup)
    assert report.organisation.purpose in text
    assert f"We track {len(report.indicators)} measures" in text
    assert "These are counts, not an average or a score" in text
    shown = {}
    for table in soup.find("article").find_all("table"):
        for row in table.find_all("tr")[1:]:
            cells = [c.get_text(strip=True) for c in row.find_all(["td", "th"])]
            if len(cells) == 2 and cells[1].isdigit():
                shown[cells[0]] = int(cells[1])
    words_shown = {w: n for w, n in shown.items() if w in counts}
    assert words_shown == {w: n for w, n in counts.items() if w != "overdue"}


def test_search_finds_objectives_indicators_and_decisions(example_site: Any) -> None:
    titles = {doc["title"] for doc in search_entries(example_site.site_dir)}
    report = example_site.report
    for row in (*report.objectives, *report.indicators, *report.decisions):
        assert row.title in titles, row.title


def test_search_indexes_a_measure_pages_words_not_its_data_tables(example_site: Any) -> None:
    """A citizen searches for words; the data tables' cells stay on the page but out of the
    index, which every reader's browser downloads."""
    site = example_site.site_dir
    address = "indicators/young-people-not-in-learning-or-work/"
    entries = [d for d in search_entries(site) if d["location"].startswith(address)]
    text = " ".join(d["title"] + " " + d["text"] for d in entries)
    assert "Where it stands" in text and "How it is measured" in text
    assert "By ward" in text and "the group with the worst result" in text
    note = "Revised from 5.1 in September 2025"  # a note in the results table only
    assert note not in text
    assert note in words(page(example_site, address))
    # The marker is Material's to read and strip: it reaches no page.
    for path in _pages(example_site):
        assert "data-search-exclude" not in path.read_text(encoding="utf-8"), path


def test_a_measure_page_shows_its_results_and_breakdowns_as_tables_with_their_figures(
    example_site: Any,
) -> None:
    report = example_site.report
    ind = next(i for i in report.indicators if i.id == "young-people-not-in-learning-or-work")
    soup = page(example_site, f"indicators/{ind.id}")
    results = [r for r in report.results_for(ind.id) if r.is_all]
    tables = soup.select("article table")
    shown = next(t for t in tables if t.find_parent("details") is None)
    assert [th.text for th in shown.select("tbody th")] == [
        format_period(r.period) for r in results[-8:]
    ]
    by_ward = next(t for t in tables if t.caption and "by ward" in t.caption.text)
    latest = max(
        (r.period for r in report.results_for(ind.id) if r.group.startswith("ward")),
        key=derive.period_start,
    )
    wards = {
        r.group.split(":", 1)[1].strip(): format_number(r.value, ind.unit)
        for r in report.results_for(ind.id)
        if r.group.startswith("ward") and r.period == latest
    }
    rows = {
        tr.th.text.removesuffix(" (worst result)"): tr.td.text for tr in by_ward.select("tbody tr")
    }
    assert rows == wards
    # Right after its chart, where a screen reader user looks for the chart's data.
    figure = soup.find("figure", id=f"indicator_{ind.id}_by-ward")
    assert figure is not None and figure.find_next_sibling() is by_ward


def test_data_page_offers_public_downloads_and_says_they_are_spreadsheet_safe(
    example_site: Any,
) -> None:
    soup = page(example_site, "data")
    text = words(soup)
    assert "start with an apostrophe" in text and "Numbers are never changed" in text
    links = [a["href"] for a in soup.find("article").find_all("a", href=True)]
    csvs = [h for h in links if h.endswith(".csv")]
    assert len(csvs) == len(example_site.validation.tables)
    for href in csvs + [h for h in links if h.endswith(".zip")]:
        assert (example_site.site_dir / "data" / href).resolve().is_file(), href


def test_warnings_sit_where_the_reader_needs_them(example_site: Any) -> None:
    report = example_site.report
    statuses = derive.report_statuses(report, as_of=AS_OF)
    by_id = {i.id: i for i in report.indicators}
    cautions = 0
    for ind in report.indicators:
        counter = statuses.get(ind.counterbalance_id or "")
        if derive.counterbalance_caution(ind, statuses[ind.id], counter):
            for side in (ind.id, by_id[ind.counterbalance_id or ""].id):
                text = words(page(example_site, f"indicators/{side}"))
                assert "Target met while the measure beside it is getting worse" in text, side
            cautions += 1
    outputs_only = derive.objectives_measured_only_by_outputs(report)
    for objective in outputs_only:
        text = words(page(example_site, f"objectives/{objective.id}"))
        assert "We measure activity here, not yet the change it makes" in text
    for ind in report.indicators:
        text = words(page(example_site, f"indicators/{ind.id}"))
        latest = text.split("Latest result:")[1].split("Direction of travel")[0]
        if ind.proxy:
            assert "proxy" in latest, ind.id
        if statuses[ind.id].overdue:
            assert "overdue" in latest, ind.id
    assert cautions and outputs_only, "the example should show both warnings"


def _pages(site: Any) -> list[Path]:
    return sorted(site.site_dir.rglob("index.html"))


def test_every_status_word_on_every_page_links_to_its_rule(example_site: Any) -> None:
    """A status shown on its own (a table cell, a list value, a label) is a link to its rule."""
    status_words = {rule.word for rule in derive.RULES}
    checked = 0
    for path in _pages(example_site):
        if {"how-we-judge-progress", "data"} & set(path.parts):
            continue  # the rules themselves, and the data dictionary's field names
        article = _soup(path).find("article")
        if article is None:
            continue
        for text in article.find_all(string=True):
            if text.strip().lower() not in status_words:
                continue
            if text.find_parent(["figure", "svg", "script", "code"]) is not None:
                continue  # a chart's own labels (its table sits beside it), or a field's name
            if text.find_parent(class_="pv-chart-data") is not None:
                continue  # a chart's own data, beside the chart
            if text.find_previous(id="pv-how-we-judge-progress") is not None:
                continue  # /print/'s last part: the rules themselves
            link = text.find_parent("a")
            where = f"{path.relative_to(example_site.site_dir)}: {text.strip()!r}"
            assert link is not None, f"status word not linked to its rule on {where}"
            # /print/ holds the rules itself: its links go to them on the same page.
            on_page = path.parent.name == "print" and link["href"].startswith("#status-")
            assert "how-we-judge-progress" in link["href"] or on_page, where
            if on_page:
                assert article.find(id=link["href"][1:]) is not None, where
            checked += 1
    assert checked > 50  # the example shows dozens of statuses


def test_every_chart_a_page_shows_has_its_svg_csv_and_spec(example_site: Any) -> None:
    site = example_site.site_dir
    seen = 0
    for path in _pages(example_site):
        for img in _soup(path).select("figure img"):
            src = img["src"]
            if not src.endswith(".svg"):
                continue
            svg = (path.parent / src).resolve()
            assert svg.is_file(), f"{path.relative_to(site)} shows a missing chart {src}"
            assert svg.read_text(encoding="utf-8").lstrip().startswith("<svg")
            assert svg.with_suffix(".csv").is_file() and svg.with_suffix(".json").is_file()
            assert img.get("alt", "").strip(), f"{src} has no text alternative"
            seen += 1
    assert seen >= 20
