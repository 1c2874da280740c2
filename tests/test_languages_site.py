"""Every page in every language (contract v1.1): the Welsh example built as a user builds it.

The first language (Welsh) at ``/``, English at ``/en/`` with the same paths; ``<html lang>``;
``hreflang`` alternates; a visible switch to the same page, named in its language; a search
index per language that finds a Welsh word in a Welsh title; downloads with both languages'
columns; untranslated text marked with its own ``lang``.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from conftest import AS_OF, WELSH_PACKAGE, copy_welsh_project, search_entries

from pvreport import build

PACKAGE = WELSH_PACKAGE
copy_project = copy_welsh_project


def page(site: Path, address: str) -> BeautifulSoup:
    return BeautifulSoup((site / address / "index.html").read_text(encoding="utf-8"), "html.parser")


def test_every_page_is_in_both_languages_at_the_same_path(welsh_site: build.Built) -> None:
    (english,) = welsh_site.parts
    assert english.prefix == "en/"
    assert welsh_site.report.language == "cy" and english.report.language == "en"
    assert sorted(welsh_site.addresses) == sorted(a.removeprefix("en/") for a in english.addresses)
    for address in welsh_site.addresses:
        assert (welsh_site.site_dir / address / "index.html").is_file(), address
        assert (welsh_site.site_dir / "en" / address / "index.html").is_file(), address


def test_each_page_says_its_language(welsh_site: build.Built) -> None:
    site = welsh_site.site_dir
    for address in ("", "indicators/hyder-ar-lein/", "about/"):
        assert page(site, address).html["lang"] == "cy"
        assert page(site / "en", address).html["lang"] == "en"


def test_each_page_names_its_twin_and_links_to_it(welsh_site: build.Built) -> None:
    site = welsh_site.site_dir
    for address in welsh_site.addresses:
        for part, other, name in (("", "en", "English"), ("en", "", "Cymraeg")):
            soup = page(site / part, address)
            here = (site / part / address).resolve()
            alternates = {
                link["hreflang"]: (here / link["href"]).resolve()
                for link in soup.find_all("link", rel="alternate")
            }
            assert alternates == {
                "cy": (site / address).resolve(),
                "en": (site / "en" / address).resolve(),
            }, address
            switch = soup.select(".pv-languages a")
            assert [a.get_text(strip=True) for a in switch] == [name]
            (link,) = switch
            assert link["lang"] == link["hreflang"] == ("en" if other else "cy")
            # The same page in the other language, not its home page.
            target = (here / link["href"]).resolve()
            assert target == (site / other / address).resolve(), (address, link["href"])
            assert (target / "index.html").is_file()


def test_the_data_is_in_the_page_language(welsh_site: build.Built) -> None:
    site = welsh_site.site_dir
    welsh = page(site, "indicators/hyder-ar-lein/").find("article").get_text(" ")
    english = page(site / "en", "indicators/hyder-ar-lein/").find("article").get_text(" ")
    assert "Pobl sy'n teimlo'n fwy hyderus ar-lein" in welsh
    assert "65 a hŷn" in welsh
    assert "People who feel more confident online" in english
    assert "65 and over" in english
    assert "hyderus" not in english and "65 a hŷn" not in english


def lunr_tokens(text: str, config: dict[str, Any]) -> set[str]:
    """Words as Material's search (lunr) indexes and queries them: split by the index's
    separator, lower-cased, then its pipeline (the trimmer strips non-word characters at the
    ends; a stemmer would cut endings)."""
    assert "stemmer" not in config["pipeline"]
    words = re.split(config["separator"], re.sub(r"<[^>]+>", " ", text).lower())
    if "trimmer" in config["pipeline"]:
        words = [re.sub(r"^\W+|\W+$", "", w, flags=re.ASCII) for w in words]
    return {w for w in words if w}


def search(site: Path, query: str) -> list[str]:
    config = json.loads((site / "search" / "search_index.json").read_text("utf-8"))["config"]
    wanted = lunr_tokens(query, config)
    return [
        entry["location"]
        for entry in search_entries(site)
        if wanted <= lunr_tokens(entry["title"], config) | lunr_tokens(entry["text"], config)
    ]


def test_search_in_welsh_finds_the_welsh_page(welsh_site: build.Built) -> None:
    site = welsh_site.site_dir
    config = json.loads((site / "search" / "search_index.json").read_text("utf-8"))["config"]
    # No stemmer for Welsh and no English stop words: every Welsh word indexed as written.
    assert config["pipeline"] == ["trimmer"]
    assert "indicators/benthyciadau-cymraeg/" in search(site, "fenthycwyd")
    assert "indicators/hyder-ar-lein/" in search(site, "hyderus")
    assert search(site / "en", "fenthycwyd") == []
    assert "indicators/hyder-ar-lein/" in search(site / "en", "confident")


def test_downloads_keep_both_languages(welsh_site: build.Built) -> None:
    for part in (welsh_site.site_dir, welsh_site.site_dir / "en"):
        data = (part / "data" / "downloads" / "objectives.csv").read_text("utf-8")
        header = next(csv.reader(io.StringIO(data)))
        assert {"title", "title_en", "summary", "summary_en"} <= set(header)
        assert "Help with digital skills" in data and "Help gyda sgiliau digidol" in data
        labels = (part / "data" / "downloads" / "labels.csv").read_text("utf-8")
        assert labels.splitlines()[0] == "text,text_en"
        descriptor = json.loads((part / "data" / "datapackage.json").read_text("utf-8"))
        assert descriptor["languages"] == ["cy", "en"]
        objectives = next(r for r in descriptor["resources"] if r["name"] == "objectives")
        assert "title_en" in [f["name"] for f in objectives["schema"]["fields"]]


def test_a_missing_page_translation_stops_the_build(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    (project / "content" / "about.en.md").unlink()
    with pytest.raises(build.BuildError) as failed:
        build.build(project, as_of=AS_OF)
    assert [(p.file, p.line, p.field, p.code) for p in failed.value.problems] == [
        ("content/about.md", None, "about.en.md", "missing-translation-page")
    ]


def test_with_translations_warn_untranslated_text_keeps_its_lang(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    (project / "content" / "about.en.md").unlink()
    objectives = tmp_path / "datapackages" / "example-cy" / "objectives.csv"
    text = objectives.read_text("utf-8")
    objectives.write_text(text.replace("Help with digital skills", "", 1), "utf-8")
    built = build.build(project, as_of=AS_OF, translations="warn")
    assert {p.code for p in built.validation.warnings} >= {
        "missing-translation",
        "missing-translation-page",
    }
    english = built.site_dir / "en"
    heading = page(english, "objectives/sgiliau-digidol/").find("h1")
    assert heading.find("span", lang="cy").get_text() == "Help gyda sgiliau digidol"
    about = page(english, "about/").find("article")
    assert (
        about.find("div", lang="cy")
        .find("h1")
        .get_text(strip=True)
        .startswith("Am yr adroddiad hwn")
    )


def test_an_earlier_statements_twin_is_under_the_other_languages_archive() -> None:
    links = build.language_links(["cy", "en"], "en", "https://x.example/", "archive/2024-25/")
    assert links is not None and links["language"] == "en"
    by_lang = {link["lang"]: link for link in links["links"]}
    # From en/archive/2024-25/ (three folders down) to each language's archive of that year.
    assert by_lang["cy"]["path"] == "../../../archive/2024-25/"
    assert by_lang["en"]["path"] == "../../../en/archive/2024-25/"
    assert by_lang["cy"]["url"] == "https://x.example/archive/2024-25/"
    assert by_lang["en"]["current"] and not by_lang["cy"]["current"]
    assert build.language_links(["en"], "en", "") is None


def test_an_embed_card_says_its_language(welsh_site: build.Built) -> None:
    site = welsh_site.site_dir
    card = "embed/indicators/hyder-ar-lein/index.html"
    for part, lang in (("", "cy"), ("en", "en")):
        soup = BeautifulSoup((site / part / card).read_text("utf-8"), "html.parser")
        assert soup.html["lang"] == lang


def test_zensical_builds_both_languages_with_their_links_and_search(tmp_path: Path) -> None:
    built = build.build(copy_project(tmp_path), as_of=AS_OF, engine_name="zensical")
    site = built.site_dir
    address = "indicators/benthyciadau-cymraeg/"
    for part, lang, other in (("", "cy", "en/"), ("en", "en", "")):
        soup = page(site / part, address)
        assert soup.html["lang"] == lang
        here = (site / part / address).resolve()
        (link,) = soup.select(".pv-languages a")
        assert (here / link["href"]).resolve() == (site / other / address).resolve()
        hreflang = {x["hreflang"] for x in soup.find_all("link", rel="alternate")}
        assert hreflang == {"cy", "en"}
        assert footer_links(soup)[0] == (
            "Datganiad hygyrchedd" if lang == "cy" else "Accessibility statement"
        )
    # Zensical's own search: the Welsh index is a Welsh one, and a Welsh word of a Welsh title
    # is in its page's entry as written.
    index = json.loads((site / "search.json").read_text("utf-8"))
    assert index["config"]["lang"] == ["cy"]
    separator = index["config"]["separator"]
    found = [
        e["location"]
        for e in search_entries(site)
        if "fenthycwyd" in re.split(separator, (e["title"] + " " + e["text"]).lower())
    ]
    assert any(loc.startswith(address) for loc in found), found


def footer_links(soup: BeautifulSoup) -> list[str]:
    return [" ".join(a.get_text().split()) for a in soup.select(".md-copyright a")]


def test_the_footer_speaks_the_page_language(welsh_site: build.Built) -> None:
    """The links pvreport's theme puts in every page's footer (the accessibility statement, the
    data) are in the page's language, not left in English on the Welsh site."""
    site = welsh_site.site_dir
    for address in ("", "indicators/hyder-ar-lein/", "about/"):
        assert footer_links(page(site, address)) == [
            "Datganiad hygyrchedd",
            "Data a lawrlwythiadau",
        ]
        assert footer_links(page(site / "en", address)) == [
            "Accessibility statement",
            "Data and downloads",
        ]


def test_no_english_that_pvreport_writes_is_on_a_welsh_page(welsh_site: build.Built) -> None:
    """The built Welsh pages of the Welsh example, their main content (the article), hold none
    of the English of pvreport's catalogue; only text marked lang="en" (the problem codes'
    explanations and the data dictionary's meanings, written for publishers) is left out."""
    from test_catalogues import _NOT_CHECKED, _fragments, read

    from pvreport import messages

    english: set[str] = set()
    for m in read(messages.catalogue_path("cy"), "cy"):
        if not m.id:
            continue
        welsh = " ".join(m.string) if isinstance(m.string, tuple) else m.string
        for source in m.id if isinstance(m.id, tuple) else (m.id,):
            for fragment in _fragments(source):
                if len(re.findall(r"[A-Za-z]+", fragment)) > 1 and fragment not in welsh:
                    english.add(fragment)
    assert len(english) > 300
    found = []
    for address in welsh_site.addresses:
        soup = page(welsh_site.site_dir, address)
        article = soup.find("article")
        assert article is not None, address
        text = _NOT_CHECKED.sub(" ", str(article))
        text = " ".join(BeautifulSoup(text, "html.parser").get_text(" ").split())
        for fragment in english:
            if re.search(r"(?<![\w'])" + re.escape(fragment) + r"(?![\w'])", text):
                found.append((address, fragment))
    assert not found, found[:20]


def test_each_language_has_its_earlier_statements(tmp_path: Path) -> None:
    """An earlier statement in two languages: at archive/<period>/ in the first language and
    at en/archive/<period>/ in English, each page linked to its twin."""
    project = copy_project(tmp_path)
    earlier = tmp_path / "datapackages" / "example-cy-2024-25"
    shutil.copytree(PACKAGE, earlier)
    descriptor = json.loads((earlier / "datapackage.json").read_text("utf-8"))
    descriptor["reporting_period"] = {
        "label": "2024/25",
        "start": "2024-04-01",
        "end": "2025-03-31",
    }
    descriptor["published"] = "2025-05-30"
    (earlier / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), "utf-8")
    results = (earlier / "results.csv").read_text("utf-8").splitlines(keepends=True)
    (earlier / "results.csv").write_text(
        "".join(r for r in results if ",2025/26," not in r), "utf-8"
    )
    built = build.build(project, as_of=AS_OF, previous=[earlier])
    assert sorted(p.prefix for p in built.parts) == [
        "archive/2024-25/",
        "en/",
        "en/archive/2024-25/",
    ]
    site = built.site_dir
    address = "indicators/hyder-ar-lein/"
    for part, lang, other in (
        ("archive/2024-25/", "cy", "en/archive/2024-25/"),
        ("en/archive/2024-25/", "en", "archive/2024-25/"),
    ):
        soup = page(site / part, address)
        assert soup.html["lang"] == lang
        (link,) = soup.select(".pv-languages a")
        here = (site / part / address).resolve()
        assert (here / link["href"]).resolve() == (site / other / address).resolve()
    english = page(site / "en/archive/2024-25/", address).find("article").get_text(" ")
    assert "People who feel more confident online" in english
    # Built again with nothing changed: each part kept as published, the language's part
    # without its earlier statement's folder, which is a part of its own.
    again = build.build(project, as_of=AS_OF, previous=[earlier])
    assert not any(p.built for p in again.parts)
    assert (site / "en/archive/2024-25" / address / "index.html").is_file()
    assert (site / "en" / address / "index.html").is_file()


def test_the_static_charts_speak_the_page_language_and_fit(welsh_site: build.Built) -> None:
    """The pictures a reader without JavaScript sees: their legends in the page's language, and
    every legend's words within the drawing (Welsh words are longer: a second row)."""
    from pvreport.site import svg

    site = welsh_site.site_dir
    welsh = (site / "charts" / "indicator_hyder-ar-lein_trend.svg").read_text("utf-8")
    english = (site / "en" / "charts" / "indicator_hyder-ar-lein_trend.svg").read_text("utf-8")
    assert "Ffigur terfynol" in welsh and "Dros dro: gall newid o hyd" in welsh
    assert "Final figure" not in welsh and "may still change" not in welsh
    assert "Final figure" in english and "Provisional: may still change" in english
    # Its axes' titles too: a period axis and a value axis in Welsh, like the table beside it.
    titles = re.findall(r'class="title"[^>]*>([^<]+)<', welsh)
    assert sorted(titles) == ["Cyfnod", "Y cant"], titles
    assert sorted(re.findall(r'class="title"[^>]*>([^<]+)<', english)) == ["Per cent", "Period"]
    profile = (site / "charts" / "engagement_ymgynghoriad-oriau-agor_profile-oed.svg").read_text(
        "utf-8"
    )
    assert "Took part" not in profile and "Population we serve" not in profile
    for chart in (site / "charts").glob("*.svg"):
        text = chart.read_text("utf-8")
        width = float(re.search(r'viewBox="0 0 ([\d.]+) ', text)[1])
        for x, words in re.findall(r'<text x="([\d.]+)"[^>]*class="legend">([^<]+)<', text):
            assert float(x) + svg.text_width(html.unescape(words)) <= width, (chart.name, words)


def test_each_language_has_its_own_pdf(welsh_site: build.Built) -> None:
    """The document of the statement, in each language, says its language and its title in it."""
    import pikepdf

    site = welsh_site.site_dir
    found = {}
    for home, lang in (("", "cy"), ("en/", "en")):
        (pdf,) = (site / home / "print").glob("*.pdf")
        with pikepdf.open(pdf) as doc:
            found[lang] = (str(doc.Root.Lang), str(doc.docinfo.Title))
        links = [a["href"] for a in page(site, f"{home}print/").find_all("a", href=True)]
        assert any(h.endswith(pdf.name) for h in links)
    assert found["cy"] == ("cy", "Llyfrgelloedd Sir Afonwen: adroddiad gwerth cyhoeddus 2025/26")
    assert found["en"] == ("en", "Afonwen County Libraries: public value report 2025/26")
