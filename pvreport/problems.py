"""One record for every problem a user must fix, and the catalogue of problem codes.

Every check in pvreport yields :class:`Problem` objects; nothing prints or raises at the first
problem. The catalogue (``catalogue/*.yaml``) gives each code a title, a plain-words explanation,
a default severity and a default hint; the documentation page of problem codes is generated from it.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any, Literal

import yaml

Severity = Literal["error", "warning"]


@dataclasses.dataclass(frozen=True)
class CodeInfo:
    code: str
    title: str
    explanation: str
    severity: Severity
    hint: str


@dataclasses.dataclass(frozen=True)
class Problem:
    """A problem in a package: what, where, and how to fix it.

    ``file`` is relative to the package folder (``objectives.csv``, ``datapackage.json``).
    ``line`` is the physical line of the file as an editor or spreadsheet shows it (1-based),
    or None where the problem concerns the whole file. ``field`` is the column or property name.
    For a package read from a workbook, ``file`` is the workbook, ``sheet`` the sheet, ``line``
    the sheet's row and ``cell`` the cell (``D17``) where there is one.
    """

    code: str
    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None
    value: str | None = None
    hint: str | None = None
    severity: Severity | None = None
    sheet: str | None = None
    cell: str | None = None
    #: The message and hint where they may be read in public (a CI log's annotations), when
    #: they differ: a suggestion there names only public rows' ids, never a confidential one.
    public_message: str | None = dataclasses.field(default=None, compare=False, repr=False)
    public_hint: str | None = dataclasses.field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        info = catalogue().get(self.code)
        if info is None:
            raise KeyError(f"problem code {self.code!r} is not in the catalogue")
        if self.severity is None:
            object.__setattr__(self, "severity", info.severity)
        if self.hint is None:
            object.__setattr__(self, "hint", info.hint)
        if self.value is not None and not isinstance(self.value, str):
            object.__setattr__(self, "value", str(self.value))

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def as_dict(self) -> dict[str, Any]:
        found = {
            "code": self.code,
            "severity": self.severity,
            "file": self.file,
            "line": self.line,
            "field": self.field,
            "value": self.value,
            "message": self.message,
            "hint": self.hint,
        }
        if self.sheet is not None:
            found["sheet"] = self.sheet
            found["cell"] = self.cell
        return found

    def location(self) -> str:
        """``file:line`` (or just ``file``), as compilers and editors print it."""
        where = self.file or "datapackage.json"
        if self.sheet is not None:
            return f"{where}: {self.place()}"
        return f"{where}:{self.line}" if self.line is not None else where

    def place(self) -> str:
        """Where in a workbook: ``results!D17``, ``results!17:17`` (a row) or ``results``."""
        if self.cell:
            return f"{self.sheet}!{self.cell}"
        if self.line is not None:
            return f"{self.sheet}!{self.line}:{self.line}"
        return str(self.sheet)

    def sort_key(self) -> tuple[str, str, int, str, str]:
        return (self.file or "", self.sheet or "", self.line or 0, self.field or "", self.code)


def strict(problems: Iterable[Problem]) -> list[Problem]:
    """``--strict``: every warning becomes an error."""
    return [dataclasses.replace(p, severity="error") for p in problems]


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.is_error for p in problems)


def sorted_problems(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(problems, key=Problem.sort_key)


@functools.cache
def catalogue() -> Mapping[str, CodeInfo]:
    """Every problem code pvreport can report, from the YAML files in ``catalogue/``."""
    codes: dict[str, CodeInfo] = {}
    folder = resources.files("pvreport") / "catalogue"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        data = yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
        for code, item in data.items():
            if code in codes:
                raise ValueError(f"problem code {code!r} is defined twice (in {entry.name})")
            codes[code] = CodeInfo(
                code=code,
                title=item["title"],
                explanation=item["explanation"].strip(),
                severity=item["severity"],
                hint=item["hint"].strip(),
            )
    return codes


class PvreportError(Exception):
    """The library's own failure: something the user must fix, with problems attached."""

    def __init__(self, message: str, problems: Iterable[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)
