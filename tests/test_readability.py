"""Plain-language warnings: Flesch reading ease and sentence length, computed offline."""

from __future__ import annotations

import csv
import functools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pvreport import contract
from pvreport.tables import read
from pvreport.validate import readability
from pvreport.validate.readability import check, measure, sentences, syllables

REPO = Path(__file__).resolve().parents[1]

PLAIN = (
    "We will open two more youth clubs in Northgate next year. Young people asked for them. "
    "They told us they have nowhere safe to go in the evening."
)
JARGON = (
    "The operationalisation of multi-agency safeguarding frameworks necessitates comprehensive "
    "organisational transformation, facilitating interoperability across directorates."
)
LONG = (
    "We asked people in every ward what they thought about the parks and they told us that "
    "they wanted more benches, more bins and more trees along the paths by the river."
)

# Hand-counted syllables of words a public body's report uses.
HAND_COUNTED = {
    "the": 1, "a": 1, "about": 2, "table": 2, "council": 2, "residents": 3,
    "accountability": 6, "temporary": 4, "accommodation": 5, "people": 2, "safety": 2,
    "fire": 1, "idea": 3, "area": 3, "create": 2, "decided": 3, "quiet": 2, "science": 2,
    "homes": 1, "housing": 2, "waited": 2, "moved": 1, "services": 3, "improve": 2,
    "consultation": 4, "environment": 4, "money": 2, "budget": 2, "because": 2, "library": 3,
    "children": 2, "families": 3, "through": 1, "year": 1, "make": 1, "changes": 2,
    "participants": 4, "priority": 4, "decision": 3, "option": 2, "outcomes": 2, "measure": 2,
    "reduced": 2, "public": 2, "value": 2, "local": 2, "whole": 1, "while": 1, "likely": 2,
    "safely": 2, "evening": 3, "tenants": 2, "engagement": 3, "asked": 1, "agreed": 2,
    "repairs": 2, "buses": 2, "planted": 2, "listened": 2,
}  # fmt: skip


def test_formula_on_a_hand_worked_sentence() -> None:
    # 6 words, 1 sentence, 6 syllables: 206.835 - 1.015 * 6 - 84.6 * 1.
    assert measure("The cat sat on the mat.").flesch == pytest.approx(116.145)
    # 8 words, 2 sentences, 11 syllables ("council" 2, "today" 2, "open" 2).
    assert measure("The council met today. The park will open.").flesch == pytest.approx(
        206.835 - 1.015 * 4 - 84.6 * 11 / 8
    )


def test_syllables_match_hand_counts() -> None:
    wrong = {w: syllables(w) for w, n in HAND_COUNTED.items() if syllables(w) != n}
    # Counting syllables from spelling is an estimate; it must be right for nearly all words.
    assert len(wrong) <= len(HAND_COUNTED) // 20, wrong


def test_numbers_and_money_do_not_end_sentences() -> None:
    text = "We spent £1.5 million. That is 3.2% more than in 2024/25. Next year, e.g. in parks."
    assert sentences(text) == [
        "We spent £1.5 million.",
        "That is 3.2% more than in 2024/25.",
        "Next year, e.g. in parks.",
    ]
    assert syllables("2024/25") == 1 and syllables("£1.5") == 1


def test_plain_text_scores_well_and_jargon_badly() -> None:
    assert measure(PLAIN).ease is not None and measure(PLAIN).ease > 70
    jargon = measure(JARGON).ease
    assert jargon is not None and jargon < 0


def test_short_texts_are_not_scored() -> None:
    short = "Comprehensive organisational transformation facilitation."
    assert measure(short).words < readability.MIN_WORDS_FOR_EASE
    assert measure(short).ease is None
    assert readability.judge(short, file="f.csv", line=2, field="summary") is None


sentence_words = st.lists(st.sampled_from(["we", "the", "park", "opened", "people", "more"]),
                          min_size=1, max_size=40)  # fmt: skip


@given(st.lists(sentence_words, min_size=1, max_size=6))
def test_longest_sentence_is_found(parts: list[list[str]]) -> None:
    text = " ".join(" ".join(words).capitalize() + "." for words in parts)
    result = measure(text)
    assert result.sentences == len(parts)
    assert result.words == sum(len(words) for words in parts)
    assert result.longest_sentence_words == max(len(words) for words in parts)


@given(sentence_words, st.integers(min_value=0, max_value=39))
def test_a_longer_word_never_makes_a_text_easier(words: list[str], at: int) -> None:
    text = " ".join(words) + "."
    harder = list(words)
    harder[at % len(words)] = "organisational"
    assert measure(" ".join(harder) + ".").flesch < measure(text).flesch


def write_table(folder: Path, name: str, rows: list[dict[str, str]]) -> read.Table:
    """A resource's CSV in the contract's column order, read back as pvreport reads it."""
    fields = list(contract.fields(name))
    path = folder / f"{name}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return read.read_table(name, path, path.name, contract.schema(name))


def objective(id: str, summary: str, **more: str) -> dict[str, str]:
    return {"id": id, "title": "A title", "summary": summary, "dimension": "service",
            "owner": "Director of Housing", **more}  # fmt: skip


def test_check_names_file_line_field_score_and_sentence(tmp_path: Path) -> None:
    tables = {
        "objectives": write_table(
            tmp_path,
            "objectives",
            [
                # A line break inside a quoted cell: the next row starts on line 4, not 3.
                objective("plain", PLAIN.replace(". ", ".\n", 1)),
                objective("jargon", JARGON),
                objective("long", "Short first sentence here.", why_it_matters=LONG),
            ],
        )
    }
    found = list(check(tables))
    assert [(p.code, p.file, p.line, p.field) for p in found] == [
        ("hard-to-read", "objectives.csv", 4, "summary"),
        ("long-sentence", "objectives.csv", 5, "why_it_matters"),
    ]
    hard, long = found
    assert hard.severity == "warning" and long.severity == "warning"
    score = measure(JARGON).ease
    assert score is not None
    assert f"scores {score:.0f} for reading ease, below 50" in hard.message
    assert "its longest sentence has 14 words" in hard.message
    assert "The operationalisation of multi-agency" in hard.message
    assert "A sentence has 32 words, more than 25" in long.message
    assert LONG in long.message
    assert long.hint and "Split" in long.hint


def test_thresholds_are_configurable(tmp_path: Path) -> None:
    tables = {"objectives": write_table(tmp_path, "objectives", [objective("p", PLAIN)])}
    assert list(check(tables)) == []
    assert [p.code for p in check(tables, max_sentence_words=5)] == ["long-sentence"]
    assert [p.code for p in check(tables, min_ease=99)] == ["hard-to-read"]
    jargon = {"objectives": write_table(tmp_path, "objectives", [objective("j", JARGON)])}
    assert list(check(jargon, min_ease=-200)) == []


def test_descriptor_purpose_is_checked(tmp_path: Path) -> None:
    found = list(check({}, descriptor={"organisation": {"name": "X", "purpose": JARGON}}))
    assert [(p.code, p.file, p.line, p.field) for p in found] == [
        ("hard-to-read", "datapackage.json", None, "organisation.purpose")
    ]


def package_tables(folder: Path) -> tuple[dict, dict[str, read.Table]]:
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    tables = {}
    for resource in descriptor["resources"]:
        if resource["name"] in contract.RESOURCES:
            path = folder / resource["path"]
            tables[resource["name"]] = read.read_table(
                resource["name"], path, resource["path"], contract.schema(resource["name"])
            )
    return descriptor, tables


@pytest.mark.parametrize("package", ["datapackages/example", "tests/fixtures/base"])
def test_shipped_packages_read_plainly(package: str) -> None:
    descriptor, tables = package_tables(REPO / package)
    assert tables, "no resources read"
    found = [
        f"{p.location()} [{p.field}] {p.message}" for p in check(tables, descriptor=descriptor)
    ]
    assert found == []


def _words_in_repository() -> set[str]:
    """Every word of the shipped packages, pages and catalogue: the prose a report holds."""
    found: set[str] = set()
    for folder in ("datapackages", "content", "pvreport/catalogue"):
        for path in (REPO / folder).rglob("*"):
            if path.suffix in (".csv", ".md", ".json", ".yaml"):
                found.update(w.lower() for w in readability.words(path.read_text("utf-8")))
    return {w for w in found if w[0].isalpha()}


def test_hyphenation_matches_pyphen_on_every_word_of_the_shipped_reports() -> None:
    import pyphen

    words = _words_in_repository()
    assert len(words) > 1000
    ours = readability.Hyphenation("en_GB")
    theirs = pyphen.Pyphen(lang="en_GB")
    assert {w: ours.positions(w) for w in words} == {w: theirs.positions(w) for w in words}


@functools.cache
def _both(lang: str) -> tuple[readability.Hyphenation, Any, list[str]]:
    import pyphen

    path = pyphen.LANGUAGES[pyphen.language_fallback(lang)]
    letters = sorted({c for c in path.read_text("utf-8", errors="ignore").lower() if c.isalpha()})
    return readability.Hyphenation(lang), pyphen.Pyphen(lang=lang), letters


@pytest.mark.parametrize("lang", ["en_GB", "en_US", "fr", "nl_NL", "ru_RU", "de_DE", "af_ZA"])
@settings(deadline=None)
@given(st.data())
def test_hyphenation_matches_pyphen_in_any_language(lang: str, data: st.DataObject) -> None:
    # Words made of the letters of the language's own patterns; af_ZA and de_DE use pyphen's
    # rarer syntax and go to pyphen itself.
    ours, theirs, letters = _both(lang)
    word = data.draw(st.text(alphabet=letters, min_size=1, max_size=14))
    assert ours.positions(word) == theirs.positions(word)
    assert ours.positions(word.upper()) == theirs.positions(word.upper())


def test_thresholds_from_the_plugin_options() -> None:
    assert readability.Thresholds.from_options({}) == readability.Thresholds(50.0, 25)
    chosen = readability.Thresholds.from_options({"min_reading_ease": 40, "max_sentence_words": 30})
    assert chosen == readability.Thresholds(min_ease=40.0, max_sentence_words=30)
    with pytest.raises(readability.ThresholdsError, match="max_sentence_words must be a whole"):
        readability.Thresholds.from_options({"max_sentence_words": "long"})
    with pytest.raises(readability.ThresholdsError, match="min_reading_ease must be a number"):
        readability.Thresholds.from_options({"min_reading_ease": True})


def test_validate_and_build_read_the_thresholds_from_mkdocs_yml(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from conftest import AS_OF, BASE, make_project

    def cli(where: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(Path(sys.executable).parent / "pvreport"), *args],
            cwd=where,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"},
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )

    project = make_project(tmp_path / "project", BASE)
    config = project / "mkdocs.yml"
    original = config.read_text(encoding="utf-8")
    setting = "package: datapackages/base\n      max_sentence_words: 8\n      min_reading_ease: 90"
    config.write_text(original.replace("package: datapackages/base", setting), encoding="utf-8")
    as_of = ("--as-of", AS_OF.isoformat())
    validated = cli(project, "validate", "datapackages/base", *as_of)
    assert validated.returncode == 0
    assert "(long-sentence)" in validated.stdout and "more than 8" in validated.stdout
    assert "(hard-to-read)" in validated.stdout and "below 90" in validated.stdout
    # build reads them too: with --strict, the warnings stop it.
    built = cli(project, "build", "--strict", *as_of)
    assert built.returncode == 1
    assert "(long-sentence)" in built.stdout and "more than 8" in built.stdout
    assert not (project / "site").exists()
    # Without the settings, the base package reads plainly.
    elsewhere = cli(tmp_path, "validate", str(project / "datapackages" / "base"), *as_of)
    assert "long-sentence" not in elsewhere.stdout and "hard-to-read" not in elsewhere.stdout

    config.write_text(
        original.replace("datapackages/base", "datapackages/base\n      max_sentence_words: 0"),
        encoding="utf-8",
    )
    validated = cli(project, "validate", "datapackages/base")
    assert validated.returncode == 2
    assert "max_sentence_words must be a whole number above 0, not 0" in validated.stderr
    built = cli(project, "build")
    assert built.returncode == 1
    assert "max_sentence_words must be a whole number above 0, not 0" in built.stderr
    assert "Traceback" not in built.stderr + validated.stderr
