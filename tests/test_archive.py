"""Every statement on the record: the example's two statements built as one site of parts (the
current statement at the root, the earlier one at /archive/2024-25/), read from the HTML.

Real builds (frictionless, MkDocs Material, Zensical for one test) of the repository's example
project, which names its earlier statement in mkdocs.yml.
"""

from __future__ import annotations

import functools
import posixpath
import shutil
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from conftest import AS_OF, EXAMPLE, EXAMPLE_PREVIOUS, make_project, search_entries

from pvreport import build
from pvreport.site import engine

pytestmark = pytest.mark.slow

PART = "archive/2024-25/"


@functools.cache
def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def page(site: Any, address: str) -> BeautifulSoup:
    return _soup(site.site_dir / address / "index.html")


def words(soup: BeautifulSoup) -> str:
    article = soup.find("article") or soup
    return " ".join(article.get_text(" ").split())


def resolve(address: str, href: str) -> str:
    """Where a relative link on the page at ``address`` goes, as an address from the root."""
    joined = posixpath.normpath(posixpath.join("/" + address, href))
    return joined.lstrip("/") + ("/" if href.endswith("/") and joined != "/" else "")


def test_the_earlier_statement_is_a_part_of_the_site_with_every_page(archive_site: Any) -> None:
    assert [p.prefix for p in archive_site.parts] == [PART]
    part = archive_site.parts[0]
    assert part.built
    assert part.report.reporting_period.label == "2024/25"
    for address in part.addresses:
        assert (archive_site.site_dir / address / "index.html").is_file(), address
    # Its own navigation and search, apart from the current statement's.
    assert (archive_site.site_dir / PART / "search" / "search_index.json").is_file()
    current = [e["location"] for e in search_entries(archive_site.site_dir)]
    assert current and not any(loc.startswith("archive/2024") for loc in current)


def test_every_archived_page_says_whose_it_is_and_links_to_its_current_counterpart(
    archive_site: Any,
) -> None:
    part = archive_site.parts[0]
    current = set(archive_site.addresses)
    linked = 0
    for address in part.addresses:
        soup = page(archive_site, address)
        banner = soup.find(class_="pvreport-archived")
        assert banner is not None, address
        text = " ".join(banner.get_text(" ").split())
        assert "statement for 2024/25, published on 30 May 2025" in text, address
        assert "A newer statement, for 2025/26, has replaced it." in text, address
        here = address.removeprefix(PART)
        targets = [resolve(address, a["href"]) for a in banner.find_all("a")]
        for target in targets:
            assert (archive_site.site_dir / target / "index.html").is_file(), (address, target)
        if here in current:
            assert here in targets, address
            assert "See this page in the 2025/26 statement" in text
            linked += 1
        else:
            assert "This page is not in the 2025/26 statement." in text, address
            assert "" in targets, address
        assert "archive/" in targets, address
    assert linked >= 30


def test_the_archive_lists_every_statement_with_links(archive_site: Any) -> None:
    soup = page(archive_site, "archive")
    text = words(soup)
    assert "2025/26" in text and "2024/25" in text
    assert "30 May 2025" in text and "28 May 2026" in text
    assert "search finds pages of the current statement only" in text
    hrefs = {resolve("archive/", a["href"]) for a in soup.find("article").find_all("a")}
    assert PART in hrefs and "" in hrefs
    home = words(page(archive_site, ""))
    assert "This statement follows our statement for 2024/25" in home


def test_the_archived_statement_shows_its_own_data_judged_at_its_own_date(
    archive_site: Any,
) -> None:
    then = words(page(archive_site, PART + "indicators/moved-on-within-6-weeks/"))
    now = words(page(archive_site, "indicators/moved-on-within-6-weeks/"))
    # The target was 55% then (raised to 60% in June 2025), and 55% in 2024/25 met it.
    assert "target of 55%" in then and "target of 60%" in now
    assert "target of 60%" not in then
    # The late college records came in after it was published: 5.1% then, 4.9% now.
    young_then = words(
        page(archive_site, PART + "indicators/young-people-not-in-learning-or-work/")
    )
    young_now = words(page(archive_site, "indicators/young-people-not-in-learning-or-work/"))
    assert "5.1%" in young_then and "4.9%" not in young_then
    assert "4.9%" in young_now
    # And so its status: no clear change then, judged on its own figures; improving now.
    assert "Direction of travel: no clear change" in young_then
    assert "Direction of travel: improving" in young_now
    # A measure added in 2025/26 has no page in the earlier statement.
    assert not (archive_site.site_dir / PART / "indicators/calls-answered-in-2-minutes").exists()
    # Its decisions are as they stood then: food waste decided, not yet in place.
    food = words(page(archive_site, PART + "decisions/food-waste-collections/"))
    assert "Where it stands: decided" in food and "put in place" not in food
    assert "put in place" in words(page(archive_site, "decisions/food-waste-collections/"))


def test_a_one_row_change_in_the_current_statement_leaves_the_archive_unbuilt(
    tmp_path: Path,
) -> None:
    project = make_project(tmp_path / "project", EXAMPLE, previous=[EXAMPLE_PREVIOUS])
    first = build.build(project, as_of=AS_OF)
    assert [p.built for p in first.parts] == [True]
    # Each part keeps its own caches: the archive's charts do not push the current ones out.
    caches = project / ".pvreport" / "cache"
    assert (caches / "charts").is_dir() and (caches / "parts/archive-2024-25/charts").is_dir()
    assert (caches / "parts/archive-2024-25/pages").is_dir()
    kept = first.site_dir / PART / "indicators/moved-on-within-6-weeks/index.html"
    before = kept.read_bytes()
    results = project / "datapackages/example/results.csv"
    text = results.read_text(encoding="utf-8")
    changed = text.replace(
        "households-in-temporary-homes,2022/23,all,355",
        "households-in-temporary-homes,2022/23,all,356",
    )
    assert changed != text
    results.write_text(changed, encoding="utf-8")
    manifests = list((project / "build/parts").rglob("docs.manifest.json"))
    stamps = {m: m.stat().st_mtime_ns for m in manifests}
    second = build.build(project, as_of=AS_OF)
    assert [p.built for p in second.parts] == [False]
    # Not even rendered and written again: nothing it is made from changed.
    assert manifests and {m: m.stat().st_mtime_ns for m in manifests} == stamps
    assert kept.read_bytes() == before
    assert "356" in words(page(second, "indicators/households-in-temporary-homes/"))
    # A change to the earlier statement builds its part again.
    old = project / "datapackages/example-2024-25/results.csv"
    old.write_text(old.read_text(encoding="utf-8").replace(",355,", ",354,"), encoding="utf-8")
    third = build.build(project, as_of=AS_OF)
    assert [p.built for p in third.parts] == [True]


@pytest.mark.skipif(not engine.zensical_installed(), reason="Zensical is not installed")
def test_zensical_builds_the_site_of_parts(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", EXAMPLE, previous=[EXAMPLE_PREVIOUS])
    built = build.build(project, as_of=AS_OF, engine_name="zensical")
    banner = page(built, PART + "indicators/moved-on-within-6-weeks/").find(
        class_="pvreport-archived"
    )
    assert banner is not None
    hrefs = [
        resolve(PART + "indicators/moved-on-within-6-weeks/", a["href"])
        for a in banner.find_all("a")
    ]
    assert "indicators/moved-on-within-6-weeks/" in hrefs
    assert (built.site_dir / "archive/index.html").is_file()
    assert (built.site_dir / PART / "index.html").is_file()


def test_what_changed_is_linked_from_home_and_says_what_moved_and_why(archive_site: Any) -> None:
    home = page(archive_site, "").find("article")
    assert "what-changed/" in {resolve("", a["href"]) for a in home.find_all("a")}
    soup = page(archive_site, "what-changed")
    text = words(soup)
    assert "What changed since 2024/25" in text
    # The measure added in 2025/26.
    assert "New: Phone calls answered within 2 minutes" in text
    # Targets moved, each with the revision's reason and date.
    rows = [" ".join(tr.get_text(" ").split()) for tr in soup.find_all("tr")]
    moved = [r for r in rows if r.startswith("Households moved out of temporary accommodation")]
    assert any("55% 60% The government raised the target" in r for r in moved), moved
    dropped = [r for r in rows if r.startswith("Households living in temporary homes Target value")]
    assert dropped and "400 households None We dropped this target." in dropped[0]
    # Then and now, each as judged on its own day.
    young = [r for r in rows if r.startswith("16 and 17 year olds")]
    assert young == [
        (
            "16 and 17 year olds not in education, employment or training No clear change Improving "
            "Not met Not met Yes"
        )
    ]
    # A decision whose status changed, the one dropped (linked in the archive), the loop closed.
    assert any(
        r.startswith("How we collect food waste every week Decided Decided and put in place")
        for r in rows
    )
    hrefs = {resolve("what-changed/", a["href"]) for a in soup.find("article").find_all("a")}
    assert PART + "decisions/budget-2025-26/" in hrefs
    assert (archive_site.site_dir / PART / "decisions/budget-2025-26/index.html").is_file()
    assert any("In progress Done: the loop is closed" in r for r in rows)
    for target in hrefs:
        if not target.startswith(("http", "mailto")):
            path = archive_site.site_dir / target.split("#")[0]
            assert path.is_file() or (path / "index.html").is_file(), target


def test_each_measure_page_shows_its_status_in_the_earlier_statement_with_a_link(
    archive_site: Any,
) -> None:
    address = "indicators/moved-on-within-6-weeks/"
    soup = page(archive_site, address)
    heading = soup.find(lambda t: t.name == "h3" and "In earlier statements" in t.get_text())
    assert heading is not None
    table = heading.find_next("table")
    row = " ".join(table.find("tbody").get_text(" ").split())
    assert row == "2024/25 55% in 2024/25 Improving Met (55% by 2025/26)"
    link = table.find("a")
    assert resolve(address, link["href"]) == PART + address
    # A measure new in 2025/26 has no earlier status.
    new = page(archive_site, "indicators/calls-answered-in-2-minutes/")
    assert "In earlier statements" not in words(new)


def test_an_archived_statement_withholds_what_was_under_embargo_when_it_was_published(
    tmp_path: Path,
) -> None:
    """The earlier statement is judged as of its published day (15 May 2025): a result under
    embargo until 1 June 2025 was not shown then, and is not shown in the archive now."""
    from conftest import BASE, FIXTURES

    previous = tmp_path / "packages" / "riverside-2024-25"
    shutil.copytree(BASE, previous)
    for item in (FIXTURES / "across" / "across-revised" / "previous").iterdir():
        shutil.copy(item, previous / item.name)
    results = previous / "results.csv"
    text = results.read_text(encoding="utf-8")
    row = "damp-homes,2024/25,all,10.5,,,,final,,"
    assert row in text
    results.write_text(
        text.replace(
            row, "damp-homes,2024/25,all,10.5,,,,final,2025-06-01,Counted after the winter survey"
        ),
        encoding="utf-8",
    )
    project = make_project(tmp_path / "project", BASE, content=False, previous=[previous])
    built = build.build(project, as_of=AS_OF)
    prefix = "archive/2024-25/"
    archived = words(page(built, prefix + "indicators/damp-homes/"))
    assert "under embargo until an announced date" in archived
    assert "10.5" not in archived
    for path in (built.site_dir / prefix).rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json", ".csv", ".svg"):
            assert "Counted after the winter survey" not in path.read_text("utf-8", "replace"), path
    # The current statement, judged now, shows its own result for 2024/25.
    assert "10.5" in words(page(built, "indicators/damp-homes/"))


def test_every_status_word_of_either_statement_links_to_its_rule(archive_site: Any) -> None:
    """As in test_site: a status shown on its own is a link to its rule; an earlier statement's
    status to the rule as that statement published it (its own page of rules, which exists)."""
    from pvreport.report import derive

    status_words = {rule.word for rule in derive.RULES}
    site = archive_site.site_dir
    checked = then = 0
    for path in sorted(site.rglob("index.html")):
        if {"how-we-judge-progress", "data"} & set(path.parts):
            continue
        article = _soup(path).find("article")
        if article is None:
            continue
        address = path.parent.relative_to(site).as_posix() + "/"
        for text in article.find_all(string=True):
            if text.strip().lower() not in status_words:
                continue
            if text.find_parent(["figure", "svg", "script", "code"]) is not None:
                continue
            if text.find_parent(class_="pv-chart-data") is not None:
                continue
            if text.find_previous(id="pv-how-we-judge-progress") is not None:
                continue  # /print/'s last part: the rules themselves
            link = text.find_parent("a")
            assert link is not None, f"status word not linked on {address}: {text.strip()!r}"
            if address.endswith("print/") and link["href"].startswith("#status-"):
                # /print/ holds the rules itself: its links go to them on the same page.
                assert article.find(id=link["href"][1:]) is not None, (address, link["href"])
                continue
            target, _, anchor = resolve(address, link["href"]).partition("#")
            assert target.endswith("how-we-judge-progress/"), (address, link["href"])
            rules = _soup(site / target / "index.html")
            assert rules.find(id=anchor) is not None, (address, link["href"])
            if target.startswith(PART) and not address.startswith(PART):
                then += 1
            checked += 1
    assert checked > 100 and then > 40


def test_serve_previews_the_current_statement_with_what_changed(tmp_path: Path) -> None:
    """The plugin's build (publish=False, for `mkdocs serve`) reads `previous:` from mkdocs.yml,
    says what changed, and renders no archived part (the preview is the current statement)."""
    from mkdocs.config import load_config

    project = make_project(tmp_path / "project", EXAMPLE, previous=[EXAMPLE_PREVIOUS])
    config = load_config(str(project / "mkdocs.yml"))
    assert config.plugins["pvreport"].config.previous == ["datapackages/example-2024-25"]
    built = build.build(project, as_of=AS_OF, publish=False, build_dir=project / "build" / "serve")
    assert built.parts == ()
    assert (built.docs_dir / "what-changed.md").is_file()
    assert not (project / "build" / "serve" / "parts").exists()
