"""More than one language (contract v1.1): translated data, labels, the checks of missing
translations, and the report model in each language.

The Welsh example (datapackages/example-cy, ``languages: ["cy", "en"]``) is the base: each case
copies it, takes one translation away, and states the exact problems (file, line, field, code).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import AS_OF, REPO, run_pvreport

from pvreport.report import load
from pvreport.report.model import Foreign
from pvreport.validate import validate_package

EXAMPLE_CY = REPO / "datapackages" / "example-cy"


@pytest.fixture
def welsh(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLE_CY, tmp_path / "example-cy"))


def found(package: Path, **options: str) -> set[tuple[str | None, int | None, str | None, str]]:
    validation = validate_package(package, as_of=AS_OF, **options)
    return {(p.file, p.line, p.field, p.code) for p in validation.problems}


def edit_csv(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def edit_descriptor(package: Path, change) -> None:  # type: ignore[no-untyped-def]
    path = package / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    change(descriptor)
    path.write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", "utf-8")


def test_the_welsh_example_is_clean() -> None:
    assert found(EXAMPLE_CY) == set()


def test_a_missing_cell_is_an_error_at_its_line_and_column(welsh: Path) -> None:
    edit_csv(welsh / "objectives.csv", "Help with digital skills", "")
    assert found(welsh) == {("objectives.csv", 3, "title_en", "missing-translation")}


def test_a_missing_column_is_an_error_at_the_heading(welsh: Path) -> None:
    path = welsh / "responses.csv"
    rows = [line.split(",") for line in path.read_text(encoding="utf-8").splitlines()]
    assert rows[0][3] == "you_said_en"
    # Rewrite without you_said_en: the file is read as csv, so drop the column properly.
    import csv
    import io

    with path.open(encoding="utf-8", newline="") as handle:
        table = list(csv.reader(handle))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([r[:3] + r[4:] for r in table])
    path.write_text(out.getvalue(), encoding="utf-8")
    assert found(welsh) == {("responses.csv", 1, "you_said_en", "missing-translation-column")}


def test_a_missing_property_is_an_error_at_its_line(welsh: Path) -> None:
    edit_descriptor(welsh, lambda d: d["organisation"].pop("name_en"))
    text = (welsh / "datapackage.json").read_text(encoding="utf-8").splitlines()
    line = next(i for i, t in enumerate(text, 1) if '"name": "Gwasanaeth' in t)
    assert found(welsh) == {
        ("datapackage.json", line, "organisation.name_en", "missing-translation-property")
    }


def test_funding_sources_need_as_many_translations(welsh: Path) -> None:
    edit_descriptor(welsh, lambda d: d["organisation"]["funding"]["sources_en"].pop())
    problems = found(welsh)
    assert {(f, fld, c) for f, _, fld, c in problems} == {
        ("datapackage.json", "organisation.funding.sources_en", "missing-translation-property")
    }


def test_a_missing_label_row_is_an_error_where_the_word_is_first_used(welsh: Path) -> None:
    # "65 a hŷn" is a category of results' groups (line 15) and of the profile (line 4): one
    # problem, at its first use.
    edit_csv(welsh / "labels.csv", "65 a hŷn,65 and over\n", "")
    assert found(welsh) == {("results.csv", 15, "group", "missing-label")}


def test_a_profile_word_without_a_label(welsh: Path) -> None:
    edit_csv(welsh / "engagement_profile.csv", "oed,45-64", "oed,45 i 64")
    assert found(welsh) == {("engagement_profile.csv", 3, "category", "missing-label")}


def test_without_a_labels_file_each_word_is_named_once(welsh: Path) -> None:
    (welsh / "labels.csv").unlink()
    edit_descriptor(welsh, lambda d: d["resources"].pop())
    assert found(welsh) == {
        ("results.csv", 13, "group", "missing-label"),  # oed, and 16-44
        ("results.csv", 14, "group", "missing-label"),
        ("results.csv", 15, "group", "missing-label"),
    }


def test_an_empty_label_translation_is_a_missing_translation(welsh: Path) -> None:
    edit_csv(welsh / "labels.csv", "oed,age", "oed,")
    assert found(welsh) == {("labels.csv", 2, "text_en", "missing-translation")}


def test_translations_warn_lowers_every_missing_translation_to_a_warning(welsh: Path) -> None:
    edit_csv(welsh / "objectives.csv", "Help with digital skills", "")
    edit_csv(welsh / "labels.csv", "oed,age\n", "")
    validation = validate_package(welsh, as_of=AS_OF, translations_mode="warn")
    assert validation.ok
    assert {p.code for p in validation.warnings} == {"missing-translation", "missing-label"}


def test_the_command_line_takes_translations_warn(welsh: Path, tmp_path: Path) -> None:
    edit_csv(welsh / "objectives.csv", "Help with digital skills", "")
    failed = run_pvreport(tmp_path, "validate", str(welsh), "--as-of", AS_OF.isoformat())
    assert failed.returncode == 1
    assert "objectives.csv:3: [title_en]" in failed.stdout
    assert "(missing-translation)" in failed.stdout
    warned = run_pvreport(
        tmp_path, "validate", str(welsh), "--translations", "warn", "--as-of", AS_OF.isoformat()
    )
    assert warned.returncode == 0, warned.stdout + warned.stderr
    assert "warning: [title_en]" in warned.stdout


def test_a_language_listed_twice_or_not_a_code(welsh: Path) -> None:
    edit_descriptor(welsh, lambda d: d.__setitem__("languages", ["cy", "en", "cy", "Welsh"]))
    assert {(f, fld, c) for f, _, fld, c in found(welsh)} == {
        ("datapackage.json", "languages", "bad-language")
    }
    assert len(found(welsh)) == 2


def test_a_translation_into_an_unlisted_language_is_a_warning(welsh: Path) -> None:
    edit_csv(welsh / "objectives.csv", "title_en,", "title_fr,")
    problems = found(welsh)
    assert ("objectives.csv", 1, "title_fr", "translation-language-unlisted") in problems
    assert ("objectives.csv", 1, "title_en", "missing-translation-column") in problems


def test_an_english_only_package_needs_no_translation(package: Path) -> None:
    assert not any("translation" in code or "label" in code for *_, code in found(package))


def test_readability_judges_the_english_columns_of_a_welsh_first_package(welsh: Path) -> None:
    hard = (
        "Notwithstanding the aforementioned considerations, the authority's comprehensive "
        "reconfiguration of operational arrangements necessitated substantial consultation."
    )
    edit_csv(
        welsh / "objectives.csv",
        "We help people get online, fill in forms and stay safe on the web.",
        hard,
    )
    assert found(welsh) == {("objectives.csv", 3, "summary_en", "hard-to-read")}


def test_the_model_in_each_language() -> None:
    validation = validate_package(EXAMPLE_CY, as_of=AS_OF)
    welsh = load.to_report(validation.descriptor, validation.tables)
    english = load.to_report(validation.descriptor, validation.tables, language="en")
    assert welsh.language == "cy" and english.language == "en"
    assert welsh.languages == english.languages == ("cy", "en")
    assert welsh.organisation.name == "Gwasanaeth Llyfrgelloedd Cyngor Sir Afonwen"
    assert english.organisation.name == "Afonwen County Council Library Service"
    assert english.organisation.funding.sources[0] == "Council Tax"
    assert [o.title for o in english.objectives][1] == "Help with digital skills"
    # Groups and profile rows through the labels; ids, periods and figures unchanged.
    groups = {r.group for r in english.results if r.indicator_id == "hyder-ar-lein"}
    assert groups == {"all", "age: 16-44", "age: 45-64", "age: 65 and over"}
    assert {p.category for p in english.engagement_profile} == {"16-44", "45-64", "65 and over"}
    assert [r.value for r in english.results] == [r.value for r in welsh.results]


def test_an_untranslated_text_keeps_its_own_language(welsh: Path) -> None:
    edit_csv(welsh / "objectives.csv", "Help with digital skills", "")
    validation = validate_package(welsh, as_of=AS_OF, translations_mode="warn")
    english = load.to_report(validation.descriptor, validation.tables, language="en")
    title = english.objectives[1].title
    assert isinstance(title, Foreign) and title.lang == "cy"
    assert title == "Help gyda sgiliau digidol"
    assert not isinstance(english.objectives[0].title, Foreign)


def test_a_generated_package_in_two_languages_is_clean(tmp_path: Path) -> None:
    from pvreport import synthetic

    package = synthetic.generate(tmp_path / "s", "S", 3)
    synthetic.add_languages(package, ["en", "cy"])
    validation = validate_package(package, as_of=AS_OF)
    assert not any("translation" in p.code or "label" in p.code for p in validation.problems)
    welsh = load.to_report(validation.descriptor, validation.tables, language="cy")
    assert welsh.objectives[0].title.endswith("(cy)")
    assert not any(isinstance(o.title, Foreign) for o in welsh.objectives)
