"""The statement as a document: /print/ holds every section in reading order, and its PDF is an
accessible document (PDF/UA-1) that holds every public measure and nothing withheld.

veraPDF, the reference PDF/UA checker, is not in any package registry this project can install
from (it is a Java application released on its own site), so these tests check the structure a
checker looks at themselves: the structure tree, /Marked, /Lang, the title shown, the outline,
/Alt on every figure, header cells in every table, every font embedded."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from bs4 import BeautifulSoup
from conftest import AS_OF, BASE, EXAMPLE, make_project, pdf_parts

from pvreport import build
from pvreport.report import formatting
from pvreport.site import document, render

SECTIONS = [
    "pv-home",
    "pv-objectives",
    "pv-accountability",
    "pv-indicators",
    "pv-decisions",
    "pv-engagements",
    "pv-data-changes",
    "pv-withheld",
    "pv-how-we-judge-progress",
]


@pytest.fixture(scope="module")
def example(example_mkdocs: Any) -> Any:
    """The example built by the default engine (conftest.py: the build test_site.py reads)."""
    return example_mkdocs


def soup(built: Any, address: str) -> BeautifulSoup:
    path = built.site_dir / address / "index.html"
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def the_pdf(built: Any) -> Path:
    (pdf,) = (built.site_dir / "print").glob("*.pdf")
    return pdf


def words(text: str) -> str:
    return " ".join(text.split())


# ----------------------------------------------------------------------------------------------
# /print/


def test_the_print_page_holds_every_section_in_reading_order(example: Any) -> None:
    page = soup(example, "print/")
    content = page.select_one("article") or page
    parts = [h["id"] for h in content.select("h2.pv-part")]
    assert parts == SECTIONS
    # The contents list links every part, in the same order, and every link in the page that
    # points into it finds its target.
    contents = content.select_one("#pv-contents").find_next("ol")
    assert [a["href"] for a in contents.select("a")] == [f"#{p}" for p in SECTIONS]
    ids = {tag["id"] for tag in content.select("[id]")}
    inner = [a["href"][1:] for a in content.select('a[href^="#"]')]
    assert inner and all(target in ids for target in inner)


def test_the_print_page_holds_each_measure_with_its_chart_status_and_results(example: Any) -> None:
    content = soup(example, "print/").select_one("article")
    text = words(content.get_text(" "))
    report = example.report
    for ind in report.indicators:
        heading = content.find(id=f"pv-indicators-{ind.id}")
        assert heading is not None and heading.name == "h3", ind.id
        assert words(heading.get_text()).startswith(words(ind.title))
    figures = content.select("figure.pv-chart")
    assert len(figures) >= len(report.indicators)
    for figure in figures:
        img = figure.find("img")
        assert img["alt"].strip() and img["src"].endswith(".svg")
        assert not figure.has_attr("data-vega-spec")  # the static picture, always
    # Decisions with their options, "you said, we did", the changes and the rules.
    assert content.select('table[data-options="side-by-side"]')
    for said in ("You said, we did", "Changes to this account", "How we judge progress"):
        assert said in text
    # No embed snippet: that is for the website.
    assert "Embed this measure" not in text


def test_the_print_page_says_what_was_withheld_and_why(example: Any) -> None:
    content = soup(example, "print/").select_one("article")
    section = content.find(id="pv-withheld")
    said = []
    for tag in section.find_all_next():
        if tag.name == "h2":
            break
        said.append(tag.get_text(" "))
    text = words(" ".join(said))
    assert example.withheld.total > 0
    assert "not in this statement" in text and "under embargo" in text


def test_the_pdf_is_linked_with_its_size_from_print_home_and_data(example: Any) -> None:
    pdf = the_pdf(example)
    size = document.size_words(pdf.stat().st_size)
    for address in ("print/", "", "data/"):
        page = soup(example, address)
        links = [a for a in page.select("article a") if a.get("href", "").endswith(".pdf")]
        assert links, address
        resolved = (example.site_dir / address / links[0]["href"]).resolve()
        assert resolved == pdf.resolve()
        assert f"PDF, {size}" in words(links[0].parent.get_text(" "))


def test_print_styles_break_before_sections_hide_menus_and_show_addresses() -> None:
    css = (Path(render.__file__).parents[1] / "assets" / "extra.css").read_text("utf-8")
    block = css[css.index("@media print") :]
    assert "break-before: page" in block
    assert ".md-header" in block and ".md-sidebar" in block
    assert "attr(href)" in block


# ----------------------------------------------------------------------------------------------
# The PDF


def test_the_pdf_is_tagged_with_its_language_and_title_shown(example: Any) -> None:
    with pikepdf.open(the_pdf(example)) as pdf:
        root = pdf.Root
        assert "/StructTreeRoot" in root
        assert bool(root.MarkInfo.Marked) is True
        assert str(root.Lang) == "en"
        assert bool(root.ViewerPreferences.DisplayDocTitle) is True
        title = str(pdf.docinfo.Title)
        assert title == example.report.title
        with pdf.open_metadata() as meta:
            assert meta.get("pdfuaid:part") == "1"
            assert meta.get("dc:title") == title


def _elements(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    found = []
    todo = [pdf.Root.StructTreeRoot]
    while todo:
        node = todo.pop()
        kids = node.get("/K")
        if kids is None:
            continue
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                found.append(kid)
                todo.append(kid)
    return found


def _kinds(element: pikepdf.Dictionary) -> set[str]:
    kinds = set()
    todo = [element]
    while todo:
        node = todo.pop()
        kids = node.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                kinds.add(str(kid.S))
                todo.append(kid)
    return kinds


def test_every_figure_has_its_text_alternative_and_every_table_header_cells(example: Any) -> None:
    with pikepdf.open(the_pdf(example)) as pdf:
        elements = _elements(pdf)
        figures = [e for e in elements if str(e.S) == "/Figure"]
        tables = [e for e in elements if str(e.S) == "/Table"]
        assert len(figures) >= len(example.report.indicators)
        assert all(str(f.get("/Alt", "")).strip() for f in figures)
        assert tables and all("/TH" in _kinds(t) for t in tables)
        kinds = {str(e.S) for e in elements}
        assert {"/H1", "/H2", "/H3", "/P", "/L", "/Link"} <= kinds


def test_the_outline_has_every_section(example: Any) -> None:
    with pikepdf.open(the_pdf(example)) as pdf, pdf.open_outline() as outline:
        (top,) = outline.root
        assert top.title == example.report.title
        titles = [item.title for item in top.children]
    page = soup(example, "print/").select_one("article")
    wanted = [words(page.find(id=s).get_text()).rstrip("¶").strip() for s in SECTIONS]
    assert titles == ["Contents", *wanted]


def test_every_font_is_embedded(example: Any) -> None:
    with pikepdf.open(the_pdf(example)) as pdf:
        fonts = [
            o
            for o in pdf.objects
            if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/Font"
        ]
        assert fonts
        for font in fonts:
            descendants = font.get("/DescendantFonts") or [font]
            for f in descendants:
                descriptor = f.FontDescriptor
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), f


def test_every_public_measure_and_its_latest_value_is_in_the_pdf(example: Any) -> None:
    text = dict(pdf_parts(the_pdf(example).read_bytes()))["!text"]
    statuses = {}
    for page in (example.site_dir / "indicators").glob("*/index.html"):
        statuses[page.parent.name] = page
    for ind in example.report.indicators:
        assert words(ind.title) in text, ind.id
        results = [r for r in example.report.results_for(ind.id) if r.is_all]
        if results:
            latest = max(results, key=lambda r: (r.period,))
            assert formatting.format_number(latest.value, ind.unit) in text, ind.id


def test_the_pdf_has_page_numbers_and_working_links(example: Any) -> None:
    data = the_pdf(example).read_bytes()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pages = len(pdf.pages)
        links = [
            a
            for page in pdf.pages
            for a in page.obj.get("/Annots", [])
            if a.get("/Subtype") == "/Link"
        ]
        inner = [a for a in links if "/Dest" in a or ("/A" in a and a.A.get("/S") == "/GoTo")]
        outer = [str(a.A.URI) for a in links if "/A" in a and a.A.get("/S") == "/URI"]
    assert inner and outer
    # The site's own pages by their full address (site_url of the example's mkdocs.yml).
    assert all(re.match(r"^(https?://|mailto:)", uri) for uri in outer)
    text = dict(pdf_parts(data))["!text"]
    assert f"2 / {pages}" in text and f"{pages} / {pages}" in text


def test_welsh_letters_are_drawn_with_an_embedded_font() -> None:
    html = (
        '<html lang="cy"><head><title>Datganiad</title></head><body>'
        "<h1>Gwerth cyhoeddus</h1><p>Dŵr, tŷ a gŵyl: ŵ ŷ Ŵ Ŷ.</p></body></html>"
    )
    data = document.make_pdf(html, {})
    assert "Dŵr, tŷ a gŵyl: ŵ ŷ Ŵ Ŷ." in dict(pdf_parts(data))["!text"]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert str(pdf.Root.Lang) == "cy"
        names = {
            str(o.BaseFont)
            for o in pdf.objects
            if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/Font"
        }
    assert any("DejaVu" in n for n in names), names


# ----------------------------------------------------------------------------------------------
# Size of a national report, and the option


def test_a_section_of_many_pages_is_given_by_its_index_one_line_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Beyond DOCUMENT_PAGE_LIMIT pages, a section is its index page (and, for measures, one
    line each with its status and a link to its page), not every page in full."""
    from pvreport.tables.moments import Clock
    from pvreport.validate import validate_package

    monkeypatch.setattr(document, "DOCUMENT_PAGE_LIMIT", 3)
    monkeypatch.setattr(render, "INDEX_PAGE_LIMIT", 3)
    clock = Clock.make(AS_OF)
    site = build.render_report(validate_package(EXAMPLE, clock=clock), clock)
    (page,) = [p for p in site.rendered.pages if p.src == document.PRINT_SRC]
    assert "{ #pv-indicators .pv-part }" in page.text
    assert "#pv-indicators-" not in page.text  # no measure in full
    for ind in site.report.indicators:
        assert f"(../indicators/{ind.id}.md)" in page.text  # one line, linking its page
    assert "each of its pages is on the website" in page.text


def test_pdf_false_leaves_the_pdf_out(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", BASE)
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text("utf-8").replace(
            "      package: datapackages/base\n",
            "      package: datapackages/base\n      pdf: false\n",
        ),
        encoding="utf-8",
    )
    built = build.build(project, as_of=AS_OF)
    assert not list(built.site_dir.rglob("*.pdf"))
    assert (built.site_dir / "print" / "index.html").is_file()
    home = soup(built, "")
    assert not [a for a in home.select("a") if a.get("href", "").endswith(".pdf")]
    assert "PDF" not in words(soup(built, "print/").select_one("article").get_text(" "))


def test_pdf_must_be_true_or_false(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", BASE)
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text("utf-8").replace(
            "      package: datapackages/base\n",
            "      package: datapackages/base\n      pdf: maybe\n",
        ),
        encoding="utf-8",
    )
    with pytest.raises(build.BuildError, match="pdf is 'maybe'"):
        build.build(project, as_of=AS_OF)


def test_the_title_reads_as_written_whatever_it_holds() -> None:
    import datetime as dt

    title = "Bay & Vale's <statement> 2025/26"
    html = document.document_html(
        "# Bay\n\nText.\n",
        env=render.environment(),
        extensions=[render.SanitiseExtension()],
        title=title,
        lang="en",
        created=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    with pikepdf.open(io.BytesIO(document.make_pdf(html, {}))) as pdf:
        assert str(pdf.docinfo.Title) == title
        assert str(pdf.docinfo.CreationDate).startswith("D:20260101000000")


def test_what_changed_is_a_part_where_the_site_has_that_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where the pages hold /what-changed/ (made from earlier statements), the document holds
    it, after "How we listened"; where they do not, it has no such part."""
    from pvreport.tables.moments import Clock
    from pvreport.validate import validate_package

    clock = Clock.make(AS_OF)
    validation = validate_package(EXAMPLE, clock=clock)

    def print_page(site: Any) -> str:
        (page,) = [p for p in site.rendered.pages if p.src == document.PRINT_SRC]
        return page.text

    assert "pv-what-changed" not in print_page(build.render_report(validation, clock))

    original = render._Renderer.document

    def with_what_changed(self: Any, common: Any) -> None:
        self.keep(
            render.Page(
                "what-changed/index.md",
                "What changed",
                "# What changed\n\nSince 2024/25, [one measure](../indicators/damp-homes.md) "
                "moved.\n\n## Measures\n\nOne.\n",
            )
        )
        original(self, common)

    monkeypatch.setattr(render._Renderer, "document", with_what_changed)
    text = print_page(build.render_report(validation, clock))
    assert "## What changed { #pv-what-changed .pv-part }" in text
    assert "### Measures" in text
    assert "1. [What changed](#pv-what-changed)" in text
    assert text.index("{ #pv-engagements") < text.index("{ #pv-what-changed")
    assert text.index("{ #pv-what-changed") < text.index("{ #pv-data-changes")


def test_a_rebuild_whose_document_did_not_change_reuses_its_pdf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PDF is kept by a digest of what it is made from: a rebuild with nothing changed does
    not make it again (a national report's takes half a minute), and gives the same bytes; a
    change to what the document says makes it again."""
    project = make_project(tmp_path / "project", BASE)
    made: list[int] = []
    real = document.make_pdf_apart

    def counted(html: str, files: Any) -> bytes:
        made.append(1)
        return real(html, files)

    monkeypatch.setattr(document, "make_pdf_apart", counted)
    first = build.build(project, as_of=AS_OF)
    (pdf,) = (first.site_dir / "print").glob("*.pdf")
    before = pdf.read_bytes()
    build.build(project, as_of=AS_OF)
    assert len(made) == 1
    assert pdf.read_bytes() == before
    objectives = project / "datapackages" / BASE.name / "objectives.csv"
    objectives.write_text(
        objectives.read_text(encoding="utf-8").replace("Clean streets", "Cleaner streets", 1),
        encoding="utf-8",
    )
    build.build(project, as_of=AS_OF)
    assert len(made) == 2
