"""More than one language (contract v1.1): every text a citizen reads has its translation into
each language after the first, beside it.

A missing translation is an error, because a language with gaps is not an equal site; a project
may lower it to a warning (``translations: warn``), and the site then shows the text in the
package's first language, marked with its ``lang``. Each problem names the file, the line and the
missing column (``title_cy``) or property (``organisation.name_cy``):

- ``missing-translation``: a cell of a translation column is empty where its original is not;
- ``missing-translation-column``: the file has no translation column at all for a field with text;
- ``missing-translation-property``: a property of datapackage.json has no translation;
- ``missing-label``: a breakdown's dimension or category (``age``, ``16-24``) has no row in the
  labels (or its row no text in the language: that cell is a ``missing-translation``);
- ``bad-language``: ``languages`` lists a code twice, or one that is not a language code;
- ``translation-language-unlisted`` (warning): a translation column for a language the package
  does not list.

Hand-written pages (``content/<name>.<lang>.md``) are the project's, not the package's: the
build checks them (:func:`missing_pages`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import contract
from ..problems import Problem, Severity
from ..report.model import split_group
from ..tables import gate
from ..tables.read import Row, Table

DESCRIPTOR = "datapackage.json"
#: ``translations`` in mkdocs.yml and ``--translations`` on the command line.
MODES: dict[str, Severity] = {"error": "error", "warn": "warning"}
_LANGUAGE = re.compile(contract.LANGUAGE_PATTERN)


class TranslationsError(ValueError):
    """A ``translations`` option pvreport does not know."""


def severity_of(mode: Any) -> Severity:
    """The severity of a missing translation for the option ``translations`` (``error``, the
    default, or ``warn``)."""
    if mode is None:
        return "error"
    if mode not in MODES:
        raise TranslationsError(
            f"translations is {mode!r}; write error (a missing translation stops the build, the "
            "default) or warn (it is shown in the first language, marked as such)."
        )
    return MODES[mode]


def _shown(text: Any) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= 60 else text[:57] + "..."


def _filled(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def check(
    descriptor: Mapping[str, Any],
    tables: Mapping[str, Table],
    *,
    package_dir: Path | None = None,
    severity: Severity = "error",
) -> Iterator[Problem]:
    """Every missing translation of a package, at ``severity``, and the problems of its
    ``languages``."""
    lines: dict[gate.JsonPath, int] = {}
    if package_dir is not None:
        try:
            text = (package_dir / DESCRIPTOR).read_text(encoding="utf-8")
            lines = gate.json_lines(text)[0]
        except (OSError, ValueError):
            lines = {}
    yield from _languages(descriptor, lines)
    languages = contract.languages(descriptor)
    others = [lang for lang in languages[1:] if _LANGUAGE.fullmatch(lang)]
    yield from _unlisted(tables, others)
    if not others:
        return
    yield from _properties(descriptor, lines, others, severity)
    for name, table in tables.items():
        yield from _cells(name, table, others, severity)
    yield from _labels(tables, others, severity)


def _languages(descriptor: Mapping[str, Any], lines: dict[gate.JsonPath, int]) -> Iterator[Problem]:
    found = descriptor.get("languages")
    if not isinstance(found, list):
        return  # absent (English alone), or the gate has said it is not a list
    seen: set[str] = set()
    for index, code in enumerate(found):
        if not isinstance(code, str):
            continue  # the gate has said
        where = gate.locate(lines, ("languages", index))
        if not _LANGUAGE.fullmatch(code):
            yield Problem(
                "bad-language",
                f'"{code}" in languages is not a language code.',
                file=DESCRIPTOR,
                line=where,
                field="languages",
                value=code,
            )
        elif code in seen:
            yield Problem(
                "bad-language",
                f'"{code}" is listed twice in languages.',
                file=DESCRIPTOR,
                line=where,
                field="languages",
                value=code,
                hint=f'List each language once: remove the second "{code}".',
            )
        seen.add(code)
    if not found:
        yield Problem(
            "bad-language",
            "languages in datapackage.json is an empty list.",
            file=DESCRIPTOR,
            line=gate.locate(lines, ("languages",)),
            field="languages",
        )


def _unlisted(tables: Mapping[str, Table], others: Sequence[str]) -> Iterator[Problem]:
    for name, table in tables.items():
        for label in dict.fromkeys(table.header):
            found = contract.translation_of(name, label)
            if found is not None and found[1] not in others:
                yield Problem(
                    "translation-language-unlisted",
                    f'The column "{label}" holds {found[0]} in the language "{found[1]}", which '
                    "languages in datapackage.json does not list after the first; it is not "
                    "shown.",
                    file=table.file,
                    line=table.header_line,
                    field=label,
                    hint=f'Add "{found[1]}" to languages in datapackage.json, or rename the '
                    "column if it is not a translation.",
                )


def _dotted(holder: Any, keys: Sequence[str]) -> Any:
    for key in keys:
        holder = holder.get(key) if isinstance(holder, Mapping) else None
    return holder


def _properties(
    descriptor: Mapping[str, Any],
    lines: dict[gate.JsonPath, int],
    others: Sequence[str],
    severity: Severity,
) -> Iterator[Problem]:
    for dotted in contract.TRANSLATABLE_PROPERTIES:
        keys = dotted.split(".")
        original = _dotted(descriptor, keys)
        if not (_filled(original) or (isinstance(original, list) and original)):
            continue
        for lang in others:
            name = f"{dotted}_{lang}"
            translated = _dotted(descriptor, [*keys[:-1], f"{keys[-1]}_{lang}"])
            if isinstance(original, list):
                good = (
                    isinstance(translated, list)
                    and len(translated) == len(original)
                    and all(_filled(x) for x in translated)
                )
                wanted = f"a list of {len(original)} texts, one for each of {keys[-1]}"
            else:
                good = _filled(translated)
                wanted = "the same text"
            if good:
                continue
            yield Problem(
                "missing-translation-property",
                f'datapackage.json has "{dotted}" but no "{name}" (its text in {lang}).',
                file=DESCRIPTOR,
                line=gate.locate(lines, tuple(keys)),
                field=name,
                value=_shown(original) if isinstance(original, str) else None,
                hint=f'Add "{keys[-1]}_{lang}" beside "{keys[-1]}", with {wanted} in {lang}.',
                severity=severity,
            )


def _rows_with(table: Table, field: str, column: str | None) -> Sequence[Row]:
    """The rows whose ``field`` has text and whose ``column`` (if the file has it) has none."""
    if table.columns is not None:
        columns = table.columns
        mask = columns.where(field, _filled)
        if column is not None:
            mask = np.logical_and(mask, ~columns.where(column, _filled))
        return table.rows_where(mask)
    return [
        row
        for row in table.rows
        if _filled(row.get(field)) and (column is None or not _filled(row.get(column)))
    ]


def _cells(name: str, table: Table, others: Sequence[str], severity: Severity) -> Iterator[Problem]:
    header = set(table.header)
    for field in contract.TRANSLATABLE.get(name, ()):
        if field not in header:
            continue
        for lang in others:
            column = f"{field}_{lang}"
            if column not in header:
                rows = _rows_with(table, field, None)
                if rows:
                    yield Problem(
                        "missing-translation-column",
                        f"{table.file} has {field} text in {_count(len(rows), 'row')} but no "
                        f"column {column} for its translation into {lang}.",
                        file=table.file,
                        line=table.header_line,
                        field=column,
                        hint=f"Add a column headed {column} beside {field}, and write each "
                        f"row's {field} in {lang} in it.",
                        severity=severity,
                    )
                continue
            for row in _rows_with(table, field, column):
                yield Problem(
                    "missing-translation",
                    f"{column} is empty, but {field} has text: {_shown(row.get(field))}",
                    file=table.file,
                    line=row.line,
                    field=column,
                    value=_shown(row.get(field)),
                    hint=f"Write this row's {field} in {lang} in {column}.",
                    severity=severity,
                )


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _labels(
    tables: Mapping[str, Table], others: Sequence[str], severity: Severity
) -> Iterator[Problem]:
    """A row of the labels for every breakdown's dimension and category, at the first row that
    uses one that has none."""
    labels = tables.get("labels")
    known: set[str] = set()
    if labels is not None:
        known = {t.strip() for row in labels.rows if _filled(t := row.get("text"))}
    for name, table, fields in _breakdowns(tables):
        for text, row, field in fields:
            if text in known:
                continue
            known.add(text)  # said once, at its first use
            yield Problem(
                "missing-label",
                f'"{text}" ({field} of a breakdown in {name}) has no row in labels.csv, so it '
                f"cannot be shown in {' or '.join(others)}.",
                file=table.file,
                line=row.line,
                field=field,
                value=text,
                hint=f'Add a row to labels.csv with text "{text}" and its translation in '
                + ", ".join(f"text_{lang}" for lang in others)
                + (
                    " (and list labels.csv in datapackage.json's resources)."
                    if labels is None
                    else "."
                ),
                severity=severity,
            )


def _breakdowns(
    tables: Mapping[str, Table],
) -> Iterable[tuple[str, Table, Iterable[tuple[str, Row, str]]]]:
    results = tables.get("results")
    if results is not None and "group" in results.header:
        yield "results", results, _groups(results)
    profile = tables.get("engagement_profile")
    if profile is not None:
        yield (
            "engagement_profile",
            profile,
            (
                (text.strip(), row, field)
                for row in _first_rows(profile, ("dimension", "category"))
                for field in ("dimension", "category")
                if _filled(text := row.get(field))
            ),
        )


def _first_rows(table: Table, fields: Sequence[str]) -> Sequence[Row]:
    """The first row with each distinct value of any of ``fields`` (a large table makes only
    those rows)."""
    if table.columns is None:
        return table.rows
    mask = np.zeros(table.columns.count, dtype=bool)
    for field in fields:
        # Each distinct cell's first row, from the column's numbering of its distinct cells.
        codes, _ = table.columns.groups(field)
        _, first = np.unique(codes, return_index=True)
        mask[first] = True
    return table.rows_where(mask)


def _groups(results: Table) -> Iterator[tuple[str, Row, str]]:
    for row in _first_rows(results, ("group",)):
        parts = split_group(row.get("group")) if isinstance(row.get("group"), str) else None
        if parts is None:
            continue
        yield parts[0], row, "group"
        yield parts[1], row, "group"


def missing_pages(
    content_dir: Path, languages: Sequence[str], severity: Severity = "error"
) -> list[Problem]:
    """A hand-written page of ``content/`` without its translation ``<name>.<lang>.md`` in each
    language after the first."""
    problems: list[Problem] = []
    if len(languages) < 2 or not content_dir.is_dir():
        return problems
    for path in sorted(content_dir.rglob("*.md")):
        stem, _, rest = path.name.partition(".")
        if rest != "md":
            continue  # a translation itself (about.cy.md)
        for lang in languages[1:]:
            wanted = path.with_name(f"{stem}.{lang}.md")
            if not wanted.exists():
                rel = path.relative_to(content_dir.parent).as_posix()
                problems.append(
                    Problem(
                        "missing-translation-page",
                        f"{rel} has no translation into {lang} ({wanted.name} beside it).",
                        file=rel,
                        field=wanted.name,
                        hint=f"Write the page in {lang} as {wanted.relative_to(content_dir.parent).as_posix()}.",
                        severity=severity,
                    )
                )
    return problems
