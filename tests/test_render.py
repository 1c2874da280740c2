"""Pages as Markdown: escaping, withholding, downloads, and golden files of the example's pages.

Regenerate the golden files after a deliberate change to the pages, and review the diff:

    .venv/bin/pytest tests/test_render.py --update-golden      (or: make golden)
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
from pathlib import Path

import markdown
import pytest
from bs4 import BeautifulSoup
from conftest import AS_OF, EXAMPLE_PREVIOUS, copy_base
from hypothesis import given, settings
from hypothesis import strategies as st

from pvreport import build
from pvreport.report import load, visibility
from pvreport.site import render, write
from pvreport.validate import across, validate_package

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "datapackages" / "example"
GOLDEN = Path(__file__).parent / "golden" / "example"

HOSTILE = [
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "![img](http://example.net/x.png)",
    "# Heading",
    "a | b | c",
    '{: onclick="alert(1)" }',
    "{{ 7*7 }} {% if x %}",
    "<img src=x onerror=alert(1)>",
    "**bold** _em_ `code` ~~del~~",
    "1. listed",
    "- item",
    "> quote",
    "---",
    "&amp; &lt;",
    "\u202eevil\u202c",
    "zero\u200bwidth",
    "line\n\nbreak\n    code",
    "<!-- comment -->",
    ":smile:",
    "\\*escaped\\*",
    "</div></figure>",
]

EXTENSIONS = ["tables", "attr_list", "md_in_html", "admonition", "toc"]


def visible(text: str) -> str:
    """What a reader should see for a value: invisible characters named, spaces folded."""
    shown = render._INVISIBLE.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)
    return " ".join(shown.split())


def to_html(source: str) -> BeautifulSoup:
    extensions = [*EXTENSIONS, render.SanitiseExtension()]
    return BeautifulSoup(markdown.markdown(source, extensions=extensions), "html.parser")


CONTEXTS = {
    "paragraph": ("Before {v} after\n", "p"),
    "start of paragraph": ("{v}\n", None),
    "heading": ("# {v}\n", "h1"),
    "list item": ("- **Label:** {v}\n", "li"),
    "table cell": ("| a | b |\n|---|---|\n| {v} | end |\n", "td"),
    "link text": ("[{v}](page.md)\n", "a"),
    "html block": ('<div class="box">{v}</div>\n', "div"),
    "admonition": ('!!! note "Title"\n\n    {v}\n', None),
    # A table whose rows become blocks on a narrow screen: its cells are parsed as Markdown.
    "stacked table cell": (
        (
            '<table markdown="1">\n<tbody markdown="1">\n<tr markdown="1">'
            '<td data-label="Label" markdown="span">{v}</td></tr>\n</tbody>\n</table>\n'
        ),
        "td",
    ),
    # A data table the page writes as raw HTML, stored unparsed by pvreport.site.render.
    "data table cell": (
        '<table data-search-exclude="data">\n<tbody>\n<tr><td>{v}</td></tr>\n</tbody>\n</table>\n',
        "td",
    ),
}


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(HOSTILE) | st.text(max_size=12), min_size=1, max_size=5).map("".join),
    st.sampled_from(sorted(CONTEXTS)),
)
def test_every_value_is_literal_text_in_every_context(value: str, context: str) -> None:
    template, tag = CONTEXTS[context]
    escaped = render.escape_text(value)
    soup = to_html(template.format(v=escaped))
    # No markup from the value: no element, attribute or link it did not come with.
    allowed = {
        "p",
        "h1",
        "ul",
        "li",
        "strong",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "a",
        "div",
    }
    assert {t.name for t in soup.find_all(True)} <= allowed
    assert not [a for t in soup.find_all(True) for a in t.attrs if a.startswith("on")]
    assert len(soup.find_all("a")) == (1 if context == "link text" else 0)
    if context == "table cell":
        assert [len(r.find_all(["td", "th"])) for r in soup.find_all("tr")] == [2, 2]
    want = visible(value)
    if tag is None:
        assert want in " ".join(soup.get_text().split())
    else:
        element = soup.find(tag) if context != "list item" else soup.find("li")
        assert element is not None
        assert want in " ".join(element.get_text().split())


def test_escape_keeps_everyday_text_readable() -> None:
    assert render.escape_text("Tenants' panel, 2024/25: 10.5% - up!") == (
        "Tenants' panel, 2024/25&#58; 10.5% - up!"
    )
    assert render.escape_text("1. first") == "1&#46; first"
    assert render.escape_text("-5") == "&#45;5"
    assert html.unescape(render.escape_text("a\u202eb")) == "a[U+202E]b"


def test_safe_url_allows_only_web_and_mail_addresses() -> None:
    assert render.safe_url("https://example.org/a?b=1") == "https://example.org/a?b=1"
    assert render.safe_url("mailto:a@example.org") == "mailto:a@example.org"
    for bad in ("javascript:alert(1)", "JAVASCRIPT:x", "data:text/html,x", "//evil", 'https://x"y'):
        assert render.safe_url(bad) is None


def test_links_are_relative_to_the_page_and_refuse_odd_targets() -> None:
    assert render.relative("objectives/x.md", "indicators/y.md") == "../indicators/y.md"
    assert render.relative("index.md", "how-we-judge-progress.md#status-met") == (
        "how-we-judge-progress.md#status-met"
    )
    assert render.address("objectives/index.md") == "objectives/"
    assert render.address("data/changes.md") == "data/changes/"
    with pytest.raises(ValueError):
        render.relative("index.md", "javascript:alert(1)")


# -- withholding and downloads ---------------------------------------------------------------


def _append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    """The base package with a confidential option, engagement and response, and an embargoed
    result, each holding a distinctive value."""
    pkg = copy_base(tmp_path / "pkg")
    _append(
        pkg / "options.csv",
        "damp-first,secret-bid,Sell repairs to Canaryco Holdings,false,999,£ per year,"
        "Canary benefit text,Canary drawback text,,,,confidential",
    )
    _append(
        pkg / "engagements.csv",
        "eng-secret,Canary private workshop,deliberative,involve,2025-05-01,2025-05-02,5,"
        "Canary invited board,Canary secret question?,Canary heard text,,confidential",
    )
    _append(
        pkg / "responses.csv",
        "eng-streets,secret-reply,Canary you said,Canary we did,done,,,confidential",
    )
    _append(
        pkg / "results.csv",
        "damp-homes,2026/27,all,7.25,,,,provisional,2027-01-01T09:30:00Z,Canary embargoed note",
    )
    objectives = (pkg / "objectives.csv").read_text(encoding="utf-8")
    (pkg / "objectives.csv").write_text(
        objectives.replace(",eng-housing,full-council", ",eng-housing;eng-secret,full-council"),
        encoding="utf-8",
    )
    return pkg


def test_withhold_removes_rows_counts_them_and_scrubs_references(planted: Path) -> None:
    validation = validate_package(planted, as_of=AS_OF)
    assert validation.ok, validation.problems
    assert validation.descriptor is not None
    full = load.to_report(validation.descriptor, validation.tables)
    now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    public, withheld = visibility.withhold(full, now=now)

    assert "secret-bid" not in {o.id for o in public.options}
    assert "eng-secret" not in {e.id for e in public.engagements}
    assert "secret-reply" not in {r.id for r in public.responses}
    assert 7.25 not in {r.value for r in public.results}
    assert public.objectives[0].authorised_by == ("eng-housing",)
    assert [(n.what, n.count, n.reason) for n in withheld.at("decisions/damp-first")] == [
        ("options", 1, "confidential")
    ]
    assert [(n.what, n.reason) for n in withheld.at("indicators/damp-homes")] == [
        ("results", "embargo")
    ]
    assert [(n.what, n.role) for n in withheld.at("objectives/safe-homes")] == [
        ("engagements", "link")
    ]
    canaries = {c.text for c in withheld.canaries}
    assert "Canary embargoed note" in canaries
    assert "Sell repairs to Canaryco Holdings" in canaries
    assert "confidential" not in canaries

    # After the embargo the result is published.
    later, _ = visibility.withhold(full, now=dt.datetime(2027, 1, 2, tzinfo=dt.UTC))
    assert 7.25 in {r.value for r in later.results}

    # Downloads: no withheld row, no withheld id, even inside a list cell.
    everything = b"".join(
        write.public_csv(table, withheld)[0] for table in validation.tables.values()
    ).decode()
    assert "Canary" not in everything
    assert "eng-secret" not in everything
    assert "secret-bid" not in everything


def test_withheld_sentences_agree_in_number() -> None:
    one = visibility.WithheldNote("decisions/x", "options", 1, "confidential")
    assert render.withheld_sentence(one) == (
        "One option is not shown because it is confidential, for example commercially sensitive."
    )
    two = visibility.WithheldNote("decisions/x", "options", 2, "confidential")
    assert render.withheld_sentence(two) == (
        "Two options are not shown because they are confidential, for example commercially "
        "sensitive."
    )
    links = visibility.WithheldNote("objectives/x", "engagements", 3, "confidential", "link")
    assert render.withheld_sentence(links) == (
        "Three engagements linked to this are not shown because they are confidential, for "
        "example commercially sensitive."
    )


def test_withhold_records_a_decision_whose_chosen_option_is_withheld(tmp_path: Path) -> None:
    pkg = copy_base(tmp_path / "pkg")
    options = (pkg / "options.csv").read_text(encoding="utf-8")
    (pkg / "options.csv").write_text(
        options.replace("kitchens,71,public", "kitchens,71,confidential"),
        encoding="utf-8",
    )
    validation = validate_package(pkg, as_of=AS_OF)
    assert validation.descriptor is not None
    full = load.to_report(validation.descriptor, validation.tables)
    _, withheld = visibility.withhold(full, now=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    assert withheld.chosen == frozenset({"damp-first"})
    # The other option's share (29) would give the withheld one's (71) away: it is held back too.
    assert [(n.what, n.count, n.role) for n in withheld.at("decisions/damp-first")] == [
        ("options", 1, "child"),
        ("options", 1, "support"),
    ]


def test_downloads_neutralise_formulas_but_never_numbers(tmp_path: Path) -> None:
    pkg = copy_base(tmp_path / "pkg")
    _append(pkg / "results.csv", 'damp-homes,2022/23,all,-3.5,,,,final,,=HYPERLINK("x")')
    _append(pkg / "results.csv", "damp-homes,2021/22,all,4,,,,final,,@SUM(A1)")
    validation = validate_package(pkg, as_of=AS_OF)
    assert validation.ok, validation.problems
    data, count = write.public_csv(validation.tables["results"], visibility.Withheld())
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert count == len(rows)
    by_period = {r["period"]: r for r in rows if r["indicator_id"] == "damp-homes"}
    assert by_period["2022/23"]["value"] == "-3.5"
    assert by_period["2022/23"]["note"] == '\'=HYPERLINK("x")'
    assert by_period["2021/22"]["note"] == "'@SUM(A1)"


def test_zip_is_the_same_bytes_for_the_same_files() -> None:
    stamp = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    one = write.zip_bytes({"b.csv": b"1", "a.csv": b"2"}, timestamp=stamp)
    two = write.zip_bytes({"a.csv": b"2", "b.csv": b"1"}, timestamp=stamp)
    assert one == two


# -- golden files ----------------------------------------------------------------------------


# The accessibility statement has its own tests (tests/test_browser.py) and its own author;
# its words change with what the browser checks find, not with how pages are generated.
NOT_GOLDEN = frozenset({"accessibility.md"})


def example_pages() -> dict[str, str]:
    """The current statement's pages, as the example project builds them: with its earlier
    statement (2024/25), so with /what-changed/ and /archive/."""
    clock = build.Clock.make(AS_OF)
    validation = validate_package(EXAMPLE, clock=clock)
    assert validation.ok, [p for p in validation.problems if p.is_error]
    earlier, problems = across.validate_earlier(
        validation, [EXAMPLE_PREVIOUS], lambda d, own: validate_package(d, clock=own), clock
    )
    assert not [p for p in problems if p.is_error], problems
    site = build.render_report(
        validation,
        clock,
        statements=build.statements(validation, earlier),
        history=build.history_of(earlier),
    )
    return {p.src: p.text for p in site.rendered.pages}


@pytest.mark.skipif(not EXAMPLE.is_dir(), reason="the example package is not there yet")
def test_example_pages_match_the_golden_files(request: pytest.FixtureRequest) -> None:
    pages = {src: text for src, text in example_pages().items() if src not in NOT_GOLDEN}
    if request.config.getoption("--update-golden"):
        if GOLDEN.exists():
            for old in GOLDEN.rglob("*.md"):
                old.unlink()
        for src, text in pages.items():
            target = GOLDEN / src
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        pytest.skip("golden files rewritten; review them with git diff")
    stored = {p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*.md")}
    assert stored == set(pages), "pages added or removed: run `make golden` and review the diff"
    for src, text in pages.items():
        assert (GOLDEN / src).read_text(encoding="utf-8") == text, (
            f"{src} differs from tests/golden/example/{src}: run `make golden` and review the diff"
        )


def test_a_breakdown_names_the_group_with_the_worst_result_never_the_worst_off() -> None:
    """By age the 16-24s have the worst result on trust, but they are not the poorest: "the
    worst-off group" would say they are. Every page says what is true, the worst result."""
    pages = example_pages()
    trust = pages["indicators/trust-the-council.md"]
    assert "by age, the group with the worst result is 16-24, at 33%" in trust
    assert '<th scope="row">16-24 (worst result)</th>' in trust
    assert (
        "the gap between the group with the best result (65 and over, 62%) and the group with "
        "the worst result (16-24, 33%) was 29 percentage points." in trust
    )
    assert "The diamond marks the group with the worst result" in trust
    rules = pages[render.SRC["rules"]]
    assert "the group with the best result and the group with the worst result" in rules
    for src, text in pages.items():
        assert not re.search(r"(worst|best)[- ]off", text, re.IGNORECASE), src


def test_pages_hold_no_raw_html_from_data() -> None:
    # Every "<" in a generated page is template markup (figures, tables of charts, links),
    # never from the data: the data's own "<" and "&" arrive as character references.
    for src, text in example_pages().items():
        for tag in re.findall(r"<\s*([a-zA-Z][a-zA-Z0-9]*)", text):
            assert tag.lower() in {
                "figure",
                "figcaption",
                "p",
                "div",
                "h3",
                "strong",
                "ul",
                "li",
                "a",
                "details",
                "summary",
                "table",
                "caption",
                "thead",
                "tbody",
                "tr",
                "th",
                "td",
                "dl",
                "dt",
                "dd",
                "pre",
                "code",
            }, (src, tag)
        active = re.compile(
            r"(href|src)\s*=\s*[\"']?\s*javascript:|\]\(\s*javascript:", re.IGNORECASE
        )
        assert not active.search(html.unescape(text)), src


def test_a_report_without_optional_resources_says_so_plainly(tmp_path: Path) -> None:
    pkg = copy_base(tmp_path / "pkg")
    descriptor = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    keep = {"accountability", "objectives", "indicators", "results"}
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] in keep]
    (pkg / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    for path in pkg.glob("*.csv"):
        if path.stem not in keep:
            path.unlink()
    objectives = (pkg / "objectives.csv").read_text(encoding="utf-8")
    (pkg / "objectives.csv").write_text(objectives.replace(",eng-housing,", ",,"), "utf-8")
    validation = validate_package(pkg, as_of=AS_OF)
    assert validation.ok, [p for p in validation.problems if p.is_error]
    site = build.render_report(validation, build.Clock.make(AS_OF))
    pages = {p.src: p.text for p in site.rendered.pages}
    assert not [src for src in pages if src.startswith(("decisions/d", "engagements/e"))]
    assert (
        "This report does not record how we listened to the public."
        in pages["engagements/index.md"]
    )
    assert "This report does not record the decisions we took." in pages["decisions/index.md"]
    assert "This report does not record changes to this account." in pages["data/changes.md"]
    assert "This report does not include engagement profile." in pages["data/index.md"]


def test_the_sanitiser_keeps_page_markup_and_drops_active_content() -> None:
    page = (
        '<h2 id="x">T<a class="headerlink" href="#x" title="Permanent link">¶</a></h2>'
        '<figure class="pv-chart" id="c" data-vega-spec="c.json"><img alt="A" src="c.svg">'
        "<figcaption>Cap</figcaption></figure>"
        '<table><tr><th scope="col" style="text-align: left">H</th></tr></table>'
        '<script>alert(1)</script><img src=x onerror="alert(2)">'
        '<a href="javascript:alert(3)">j</a><iframe src="https://example.net"></iframe>'
        '<p style="position:fixed">p</p>'
    )
    clean = render.sanitise(page)
    for kept in (
        'id="x"',
        'class="headerlink" href="#x"',
        'data-vega-spec="c.json"',
        'alt="A" src="c.svg"',
        'scope="col" style="text-align:left"',
    ):
        assert kept in clean
    for dropped in ("<script", "alert(1)", "onerror", "javascript:", "<iframe", "position"):
        assert dropped not in clean
    # The extension runs inside a real Markdown conversion, after raw HTML is put back.
    html_out = markdown.markdown(
        'Hi <b onclick="x()">there</b>\n\n<div onmouseover="y()">block</div>\n',
        extensions=[*EXTENSIONS, "pvreport.site.render"],
    )
    assert "onclick" not in html_out and "onmouseover" not in html_out
    assert "<b>there</b>" in html_out and "<div>block</div>" in html_out


def _convert(text: str, *, stash: bool) -> tuple[str, int]:
    md = markdown.Markdown(extensions=[*EXTENSIONS, render.SanitiseExtension()])
    if not stash:
        md.preprocessors.deregister("pvreport_stash_tables")
    return md.convert(text), md.htmlStash.html_counter


def test_data_tables_stored_unparsed_give_the_html_the_parser_gives() -> None:
    """The shortcut for the pages' data tables changes the time a page takes, never its HTML:
    an engine without pvreport.site.render builds the same pages."""
    stored = 0
    pages = example_pages()
    for src, text in pages.items():
        fast, _ = _convert(text, stash=True)
        slow, _ = _convert(text, stash=False)
        assert fast == slow, src
        stored += len(
            re.findall(r'^<(table|details)[^>]*data-search-exclude="data"', text, re.MULTILINE)
        )
    assert stored > 40  # every measure's results table at least
    # Blocks the shortcut must leave to the parser: glued to the text before or after, or
    # holding a nested table of their own. The HTML is the parser's all the same.
    table = '<table data-search-exclude="data">\n<tbody>\n<tr><td>a</td></tr>\n</tbody>\n</table>'
    # A blank line inside a raw block does not end it; the first closing line would.
    nested = table.replace("<td>a</td>", "<td>\n" + table + "\n\n</td>")
    for text in (
        f"Before\n{table}\n\nAfter\n",
        f"Before\n\n{table}\nAfter\n",
        f"Before\n\n{nested}\n\nAfter\n",
        f"Before\n\n{table}\n\n{table}\n",
    ):
        assert _convert(text, stash=True)[0] == _convert(text, stash=False)[0], text


_TABLE = '<table data-search-exclude="data">\n<tbody>\n<tr><th scope="row">a &#60;b&#62;</th>'
_TABLE += "<td>1</td></tr>\n</tbody>\n</table>"
_DETAILS = '<details class="pv-chart-data" data-search-exclude="data">\n<summary>Data</summary>'
_DETAILS += "\n<table>\n<tr><td>2</td></tr>\n</table>\n</details>"
_FIGURE = '<figure class="pv-chart" id="c" markdown="1">\n<figcaption markdown="1">\n**T.** Cap'
_FIGURE += "\n</figcaption>\n![Alt](c.svg)\n</figure>"
_CHUNKS = (
    "A paragraph with **bold** and a [link](page.md).",
    "## A heading",
    _TABLE,
    _DETAILS,
    _FIGURE,
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "- item\n- item",
    '!!! note "Note"\n\n    Indented text.',
    '<div markdown="1">\nInside *markdown*.\n</div>',
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(_CHUNKS), st.sampled_from(["\n", "\n\n", "\n\n\n"])),
        min_size=1,
        max_size=8,
    )
)
def test_any_arrangement_of_blocks_converts_the_same_with_and_without_the_shortcut(
    chunks: list[tuple[str, str]],
) -> None:
    text = "".join(chunk + gap for chunk, gap in chunks)
    assert _convert(text, stash=True)[0] == _convert(text, stash=False)[0]


@pytest.mark.parametrize(
    ("items", "words"),
    [([], ""), (["North"], "North"), (["a", "b"], "a and b"), (["a", "b", "c"], "a, b and c")],
)
def test_lists_in_sentences_read_as_english(items: list[str], words: str) -> None:
    assert render.and_list(items) == words


@pytest.mark.parametrize(("n", "words"), [(1, "once"), (2, "twice"), (3, "three times")])
def test_how_often_reads_as_english(n: int, words: str) -> None:
    assert render.times(n) == words
