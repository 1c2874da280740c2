"""The message catalogues: they hold exactly the messages of the code, the Welsh one is complete,
and a page made in Welsh holds none of the English that pvreport writes.

``make catalogues`` extracts the messages (babel.cfg) and updates every catalogue; these tests
fail until it has been run and the new Welsh messages translated.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from conftest import AS_OF
from test_render import EXAMPLE, example_pages

from pvreport import build, messages
from pvreport.report import formatting
from pvreport.site import render
from pvreport.validate import validate_package

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "pvreport" / "locale"
SHIPPED = ("en", "cy")
# babel's defaults (_, gettext, ngettext, pgettext, N_, ...), as `pybabel extract` uses them.
KEYWORDS = None


def read(path: Path, lang: str | None = None) -> Catalog:
    with path.open("rb") as fp:
        return read_po(fp, locale=lang)


@functools.cache
def extracted() -> frozenset[tuple[str | None, str | tuple[str, ...]]]:
    """Every message of the code and the templates, as `make catalogues` extracts them."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fp:
        method_map, options_map = parse_mapping_cfg(fp)
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map
    ):
        msgid = message if isinstance(message, str) else tuple(message)
        if isinstance(msgid, tuple):
            msgid = (msgid[0], msgid[1])
        found.add((context, msgid))
    return frozenset(found)


def ids(catalog: Catalog) -> set[tuple[str | None, str | tuple[str, ...]]]:
    return {
        (m.context, m.id if isinstance(m.id, str) else (m.id[0], m.id[1])) for m in catalog if m.id
    }


@pytest.mark.parametrize("lang", SHIPPED)
def test_each_catalogue_holds_exactly_the_messages_of_the_code(lang: str) -> None:
    catalog = read(messages.catalogue_path(lang), lang)
    code = extracted()
    assert len(code) > 400
    have = ids(catalog)
    assert not code - have, f"not in {lang}'s catalogue (run `make catalogues`): {code - have}"
    assert not have - code, f"in {lang}'s catalogue, gone from the code: {have - code}"
    assert ids(read(LOCALE / "pvreport.pot")) == code


def test_the_welsh_catalogue_is_complete_with_six_plural_forms() -> None:
    catalog = read(messages.catalogue_path("cy"), "cy")
    assert catalog.num_plurals == 6
    assert "nplurals=6" in catalog.plural_forms
    untranslated = [
        m.id
        for m in catalog
        if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)
    ]
    assert not [m.id for m in catalog if m.id and m.fuzzy], "fuzzy entries: review them"
    assert not untranslated, untranslated
    for m in catalog:
        if isinstance(m.id, tuple):
            assert len(m.string) == 6, m.id


_PLACEHOLDER = re.compile(r"%\((\w+)\)s|\{(\w+)\}")


def _names(text: str) -> set[str]:
    return {a or b for a, b in _PLACEHOLDER.findall(text)}


@pytest.mark.parametrize("lang", SHIPPED)
def test_translations_use_only_the_placeholders_of_their_message(lang: str) -> None:
    catalog = read(messages.catalogue_path(lang), lang)
    for m in catalog:
        if not m.id:
            continue
        given = _names(" ".join(m.id) if isinstance(m.id, tuple) else m.id)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for s in strings:
            assert _names(s) <= given, (m.id, s)
            # "%" stands alone only where the message has no placeholders of that kind
            if "%(" in (m.id if isinstance(m.id, str) else m.id[0]):
                assert re.sub(r"%\(\w+\)s|%%", "", s).count("%") == 0, (m.id, s)
    assert not [e for e in catalog.check() if e[1]], "babel's checks of the catalogue failed"


def test_translations_of_a_language_and_a_projects_own_catalogue(tmp_path: Path) -> None:
    welsh = messages.translations("cy")
    assert welsh is messages.translations("cy")  # cached: read once per language
    assert welsh.gettext("improving") == "yn gwella"
    assert welsh.gettext("a message nobody wrote") == "a message nobody wrote"
    forms = [
        welsh.ngettext("one measure", "{n} measures", n).format(n=n) for n in (0, 1, 2, 3, 6, 7)
    ]
    assert forms == [
        "dim dangosyddion",
        "un dangosydd",
        "dau ddangosydd",
        "tri dangosydd",
        "chwe dangosydd",
        "7 dangosydd",
    ]
    with pytest.raises(LookupError):
        messages.translations("xx")

    # A project overrides one Welsh string and keeps the rest; and adds a language of its own.
    def write(lang: str, body: str) -> None:
        path = messages.catalogue_path(lang, tmp_path)
        path.parent.mkdir(parents=True)
        path.write_text(
            f'msgid ""\nmsgstr ""\n"Language: {lang}\\n"\n'
            '"Content-Type: text/plain; charset=utf-8\\n"\n\n' + body,
            encoding="utf-8",
        )

    write("cy", 'msgid "improving"\nmsgstr "yn gwella\'n gyson"\n')
    write("fr", 'msgid "improving"\nmsgstr "en amélioration"\n')
    own = messages.translations("cy", tmp_path)
    assert own.gettext("improving") == "yn gwella'n gyson"
    assert own.gettext("worsening") == "yn gwaethygu"
    french = messages.translations("fr", str(tmp_path))
    assert french.gettext("improving") == "en amélioration"
    assert french.gettext("worsening") == "worsening"  # untranslated: the English as written
    with messages.language(french):
        assert messages.code() == "fr"
        assert formatting.format_date(dt.date(2026, 3, 31)) == "31 mars 2026"
        # Numbers take the language's signs (Babel's locale data); Welsh writes them as English.
        assert formatting.format_number(1234.5) == "1\u202f234,5"


def test_dates_and_periods_follow_the_language_and_english_stays() -> None:
    cases = {
        "date": formatting.format_date(dt.date(2026, 3, 31)),
        "quarter": formatting.format_period("2024-Q1"),
        "month": formatting.format_period("2024-03"),
        "financial": formatting.format_period("2025/26"),
        "in month": formatting.period_phrase("2026-03"),
        "in quarter": formatting.period_phrase("2024-Q3"),
        "on day": formatting.period_phrase("2025-04-01"),
        "by": formatting.by_period("2026/27"),
    }
    assert cases == {
        "date": "31 March 2026",
        "quarter": "January to March 2024",
        "month": "March 2024",
        "financial": "2025/26",
        "in month": "in March 2026",
        "in quarter": "in July to September 2024",
        "on day": "on 1 April 2025",
        "by": "by 2026/27",
    }
    with messages.language(messages.translations("cy")):
        assert formatting.format_date(dt.date(2026, 3, 31)) == "31 Mawrth 2026"
        assert formatting.format_date(dt.date(2025, 4, 1)) == "1 Ebrill 2025"
        assert formatting.format_period("2024-Q1") == "Ionawr i Fawrth 2024"
        assert formatting.format_period("2024-Q4") == "Hydref i Ragfyr 2024"
        assert formatting.format_period("2024-03") == "Mawrth 2024"
        assert formatting.format_period("2025/26") == "2025/26"
        assert formatting.period_phrase("2026-03") == "ym mis Mawrth 2026"
        assert formatting.period_phrase("2025/26") == "yn 2025/26"
        assert formatting.by_period("2026/27") == "erbyn 2026/27"
        assert formatting.format_number(1_200_000, "£") == "£1.2 miliwn"
        assert formatting.format_number(12345.25, "£") == "£12,345.25"
        assert formatting.format_difference(5, "%") == "5 pwynt canran"
    # The cache of formatted figures keeps the languages apart.
    assert formatting.format_number(1_200_000, "£") == "£1.2 million"


# -- a whole report in Welsh -------------------------------------------------------------------


@functools.cache
def welsh_pages() -> dict[str, str]:
    validation = validate_package(EXAMPLE, as_of=AS_OF)
    with messages.language(messages.translations("cy")):
        site = build.render_report(validation, build.Clock.make(AS_OF))
    pages = {p.src: p.text for p in site.rendered.pages}
    pages.update(site.rendered.files)  # the embed cards
    return pages, site.report


def _data_texts(report: object) -> set[str]:
    """Every text of the package's rows (the data is English until it is translated)."""
    texts: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, str):
            if value.strip():
                texts.add(value)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)
        elif hasattr(value, "__dataclass_fields__"):
            for name in value.__dataclass_fields__:
                walk(getattr(value, name))

    walk(report)
    return texts


# Text marked as English (``lang="en"``): the problem codes' explanations and the data
# dictionary's meanings, which are for publishers.
_NOT_CHECKED = re.compile(r'<(div|span) lang="en"[^>]*>.*?</\1>', re.DOTALL)


def _fragments(message: str) -> list[str]:
    """The runs of words of a message between its placeholders and markup."""
    text = re.sub(r"%\(\w+\)s|\{\w+\}|\]\([^)]*\)|<[^>]+>", "\0", message)
    text = text.replace("*", "").replace("`", "")
    return [" ".join(part.split()) for part in text.split("\0") if part.strip()]


def test_the_welsh_pages_hold_none_of_the_english_pvreport_writes() -> None:
    pages, report = welsh_pages()
    data = sorted(_data_texts(report), key=len, reverse=True)
    catalog = read(messages.catalogue_path("cy"), "cy")
    english: dict[str, str] = {}
    for m in catalog:
        if not m.id:
            continue
        sources = m.id if isinstance(m.id, tuple) else (m.id,)
        welsh = " ".join(m.string) if isinstance(m.string, tuple) else m.string
        for source in sources:
            for fragment in _fragments(source):
                # More than one word, and not the same in both languages ("Nu HTML Checker").
                if len(re.findall(r"[A-Za-z]+", fragment)) > 1 and fragment not in welsh:
                    english[fragment] = source
    assert len(english) > 300
    found = []
    for src, text in pages.items():
        text = _NOT_CHECKED.sub(" ", text)
        text = html.unescape(text).replace("*", "")
        for value in data:
            text = text.replace(" ".join(value.split()), " ")
        text = " ".join(text.split())
        for fragment in english:
            if re.search(r"(?<![\w'])" + re.escape(fragment) + r"(?![\w'])", text):
                found.append((src, fragment))
    assert not found, found[:20]


def test_a_welsh_page_reads_in_welsh() -> None:
    pages, _report = welsh_pages()
    home = pages["index.md"]
    assert "Dyma ein hadroddiad gwerth cyhoeddus ar gyfer **2025/26**" in home
    assert "o 1 Ebrill 2025 i 31 Mawrth 2026" in home
    assert "[yn gwella](how-we-judge-progress.md#status-improving)" in home
    # A heading other pages link to keeps its anchor in every language.
    objective = next(text for src, text in pages.items() if src.startswith("objectives/o"))
    assert "## Sut rydym yn gwybod { #how-we-know }" in objective
    rules = pages[render.SRC["rules"]]
    assert "### Yn gwella { #status-improving }" in rules
    # The English site is unchanged by having made a Welsh one in the same process.
    assert "It answers three questions about us" in example_pages()["index.md"]


def test_a_welsh_breakdown_names_the_group_with_the_worst_result() -> None:
    """A group "gwaethaf ei fyd" is the poorest; the group named has the worst result, in words
    and in the chart's own legend."""
    from pvreport.site import charts, svg

    pages, report = welsh_pages()
    trust = html.unescape(pages["indicators/trust-the-council.md"])
    assert "y grŵp â'r canlyniad gwaethaf yw 16-24, ar 33%" in trust
    assert "16-24 (y canlyniad gwaethaf)" in trust
    assert "rhwng y grŵp â'r canlyniad gorau (65 and over, 62%) a'r grŵp â'r canlyniad " in trust
    assert "Mae'r diemwnt yn nodi'r grŵp â'r canlyniad gwaethaf" in trust
    for src, text in pages.items():
        assert not re.search(r"\b(ei fyd|eu byd)\b", text), src
    indicator = next(i for i in report.indicators if i.id == "trust-the-council")
    with messages.language(messages.translations("cy")):
        made = charts.indicator_charts(report, indicator, as_of=AS_OF)
        by_age = next(c for c in made if c.id.endswith("_by-age"))
        drawn = html.unescape(svg.draw(by_age.drawing))  # type: ignore[arg-type]
    assert "Grwpiau eraill" in drawn and "Y grŵp â'r canlyniad gwaethaf" in drawn
    assert "33% (y canlyniad gwaethaf)" in drawn


def test_a_welsh_quarter_keeps_its_joining_word_with_the_month_before_it() -> None:
    from pvreport.site import svg

    assert svg._period_lines("January to March 2024") == ["January to", "March", "2024"]
    with messages.language(messages.translations("cy")):
        assert svg._period_lines("Ionawr i Fawrth 2024") == ["Ionawr i", "Fawrth", "2024"]


def test_a_projects_own_catalogue_words_its_built_site(tmp_path: Path) -> None:
    """A project overrides pvreport's words with its own catalogue in ``locale/`` (the plugin
    option ``catalogues`` names another folder), and the built pages say them."""
    from conftest import make_project

    project = make_project(tmp_path / "project", EXAMPLE)
    own = project / "locale" / "en" / "LC_MESSAGES"
    own.mkdir(parents=True)
    (own / "pvreport.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Results"\nmsgstr "What happened, year by year"\n',
        encoding="utf-8",
    )
    built = build.build(project, as_of=AS_OF)
    page = (
        built.site_dir / "indicators" / "tenants-satisfied-with-repairs" / "index.html"
    ).read_text()
    assert '<h2 id="what-happened-year-by-year">What happened, year by year' in page
