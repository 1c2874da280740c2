"""The problems of a package as one web page (``pvreport validate --format html``), for people
who never open a terminal: a summary in plain words, then the problems file by file (or sheet by
sheet of a workbook), errors before warnings, each with where it is, the value, and how to fix it.

The page is self-contained (its style inline, no script, no other file), so that it can be
mailed or opened from a shared drive; text is escaped as every page of the site is
(``render.environment``), so a cell's markup or invisible characters are shown, never run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from ..messages import _
from ..problems import Problem
from . import render


@dataclasses.dataclass(frozen=True)
class Group:
    """The problems of one file, or of one sheet of a workbook."""

    title: str
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> int:
        return sum(p.is_error for p in self.problems)

    @property
    def warnings(self) -> int:
        return len(self.problems) - self.errors


def group_title(problem: Problem) -> str:
    file = problem.file or "datapackage.json"
    # A problem in a workbook names its sheet and cell (contract v1.1); a CSV problem has neither.
    sheet = problem.sheet
    if sheet:
        return _("{file}, sheet {sheet}").format(file=file, sheet=sheet)
    return file


def where(problem: Problem) -> str:
    """Where the problem is, in words: the cell of a sheet, else the line of a file, and the
    column or property."""
    parts = []
    sheet, cell = problem.sheet, problem.cell
    if sheet and cell:
        parts.append(_("cell {cell} ({sheet}!{cell})").format(sheet=sheet, cell=cell))
    elif sheet and problem.line is not None:
        parts.append(_("row {row} of sheet {sheet}").format(row=problem.line, sheet=sheet))
    elif sheet:
        parts.append(_("sheet {sheet}").format(sheet=sheet))
    elif problem.line is not None:
        parts.append(
            _("line {line} of {file}").format(
                line=problem.line, file=problem.file or "datapackage.json"
            )
        )
    else:
        parts.append(_("the whole of {file}").format(file=problem.file or "datapackage.json"))
    if problem.field:
        if (problem.file or "datapackage.json").endswith(".json") and not sheet:
            parts.append(_("property {field}").format(field=problem.field))
        else:
            parts.append(_("column {field}").format(field=problem.field))
    return "; ".join(parts)


def groups(problems: Sequence[Problem]) -> list[Group]:
    """The problems by file or sheet: groups with errors first, and in each group errors
    before warnings, in the order of the rows."""
    by_title: dict[str, list[Problem]] = {}
    for problem in problems:
        by_title.setdefault(group_title(problem), []).append(problem)
    out = [
        Group(
            title,
            tuple(
                sorted(
                    found,
                    key=lambda p: (not p.is_error, p.line or 0, p.field or "", p.code),
                )
            ),
        )
        for title, found in by_title.items()
    ]
    return sorted(out, key=lambda g: (g.errors == 0, g.title))


def problem_page(problems: Sequence[Problem], *, package: str) -> str:
    """The whole page, as HTML text."""
    found = groups(problems)
    errors = sum(g.errors for g in found)
    warnings = sum(g.warnings for g in found)
    template = render.environment().get_template("problems.html.j2")
    return template.render(
        package=package, groups=found, errors=errors, warnings=warnings, where=where
    )
