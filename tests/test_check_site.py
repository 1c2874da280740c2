"""The final check reads each distinct file once, and still finds a withheld value anywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from pvreport import build, visibility


def prepared(docs: Path, canaries: tuple[str, ...]) -> build.Prepared:
    # Only what check_site reads is real here: the docs folder, the pages, the canaries.
    none = cast(Any, None)
    return build.Prepared(
        docs_dir=docs,
        config={},
        nav=[],
        validation=none,
        withheld=visibility.Withheld(canaries=canaries),
        report=none,
        notices=[],
        addresses=[""],
    )


def test_a_withheld_value_is_found_once_per_distinct_file(tmp_path: Path) -> None:
    site, docs = tmp_path / "site", tmp_path / "docs"
    for root in (site, docs):
        (root / "charts").mkdir(parents=True)
    (site / "index.html").write_text("<html><title>t</title><p>ok</p></html>", encoding="utf-8")
    leak = "<svg><text>Secret   plan\nfor the depot</text></svg>"
    # The same chart in both folders (the engine copies it), a leak only in the docs folder, and
    # one with the text escaped in HTML.
    (site / "charts" / "a.svg").write_text(leak, encoding="utf-8")
    (docs / "charts" / "a.svg").write_text(leak, encoding="utf-8")
    (docs / "charts" / "b.csv").write_text("x\nSecret plan for the depot\n", encoding="utf-8")
    (site / "charts" / "c.html").write_text("<p>Secret&#32;plan for the depot</p>", "utf-8")
    (site / "charts" / "clean.svg").write_text("<svg/>", encoding="utf-8")
    wrong = build.check_site(site, prepared(docs, ("Secret plan for the depot",)), [])
    leaks = sorted(line.split(":")[0] for line in wrong if "withheld" in line)
    assert leaks == ["a.svg", "b.csv", "c.html"]


def test_nothing_withheld_means_no_leak(tmp_path: Path) -> None:
    site, docs = tmp_path / "site", tmp_path / "docs"
    site.mkdir()
    docs.mkdir()
    (site / "index.html").write_text("<html><title>t</title>Secret plan</html>", "utf-8")
    assert build.check_site(site, prepared(docs, ()), []) == []


def test_the_check_cache_skips_only_what_it_found_clean_with_the_same_rules(
    tmp_path: Path,
) -> None:
    site, docs = tmp_path / "site", tmp_path / "docs"
    (site / "a").mkdir(parents=True)
    docs.mkdir()
    (site / "index.html").write_text("<html><title>t</title><p>ok</p></html>", "utf-8")
    (site / "a" / "index.html").write_text("<html><title>a</title><p>fine</p></html>", "utf-8")
    (docs / "notes.csv").write_text("id,note\n1,A plain note\n", encoding="utf-8")
    store = tmp_path / "check.json"
    canaries = ("Secret plan for the depot",)

    first = build.CheckCache(store)
    assert build.check_site(site, prepared(docs, canaries), [], first) == []
    first.save()
    # Two pages scanned, and three distinct files searched for withheld values.
    assert build.CheckCache(store).known == first.clean and len(first.clean) == 5

    # A page changed since: checked again, and its problem found.
    (site / "a" / "index.html").write_text(
        "<html><title>a</title><p onclick='x()'>fine</p></html>", "utf-8"
    )
    (docs / "notes.csv").write_text("id,note\n1,Secret plan for the depot\n", encoding="utf-8")
    second = build.CheckCache(store)
    wrong = build.check_site(site, prepared(docs, canaries), [], second)
    assert any(line.startswith("a/index.html: an active attribute") for line in wrong)
    assert any(line.startswith("notes.csv: holds a value of a withheld row") for line in wrong)
    # The unchanged page came from the cache (its scan and its search); of the rest, only the
    # changed page's search for withheld values was clean.
    assert len(second.clean & second.known) == 2 and len(second.clean) == 3

    # Other canaries are other rules: nothing is taken from the cache.
    third = build.CheckCache(store)
    build.check_site(site, prepared(docs, ("Another withheld text",)), [], third)
    assert not (third.clean & third.known)


def test_the_check_reads_pages_as_a_browser_does(tmp_path: Path) -> None:
    site, docs = tmp_path / "site", tmp_path / "docs"
    site.mkdir()
    docs.mkdir()
    (site / "index.html").write_text(
        "<html><head><title>t</title></head><body>"
        # A tab inside the scheme: a browser still runs it.
        '<a href="java\tscript:alert(1)">x</a>'
        '<img src="data:image/svg+xml;base64,PHN2Zy8+" alt="">'
        "<svg><a xlink:href=' javascript:alert(2)'>y</a></svg>"
        # Text that only looks like markup inside a title; a second real title after it.
        "<p>ok</p></body></html>",
        encoding="utf-8",
    )
    (site / "two.html").write_text(
        "<html><head><title>a &lt;/title&gt;</title></head><body>"
        "<p>x</p><title>b</title><script>alert(3)</script></body></html>",
        encoding="utf-8",
    )
    wrong = build.check_site(site, prepared(docs, ()), [])
    assert any("index.html: an active attribute" in w and "java" in w for w in wrong)
    assert any("index.html: an active attribute" in w and "xlink:href" in w for w in wrong)
    assert not any("data:image" in w for w in wrong)
    assert any(w.startswith("two.html: more than one page title") for w in wrong)
    assert any(w.startswith("two.html") and "an inline script" in w for w in wrong)
