"""The validation pipeline: gate, hygiene, frictionless, then the contract's cross-table rules.

Every stage yields problems; none prints or stops at the first one. A stage only sees what the
stage before it let through: frictionless never sees a file hygiene found unreadable, and nothing
sees a path the gate refused. Bad input never raises: it becomes a problem.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.abc
import sys
import tempfile
from pathlib import Path
from typing import Any

from .. import contract
from ..problems import Problem, has_errors, sorted_problems
from ..problems import strict as make_strict
from ..tables import gate, read, workbook
from ..tables import limits as size_limits
from ..tables.moments import Clock
from . import fastcheck, hygiene, readability, rules, tabular


@dataclasses.dataclass(frozen=True)
class Validation:
    """The outcome of validating one package folder (or workbook)."""

    #: The folder, or the workbook, as given.
    package_dir: Path
    descriptor: dict[str, Any] | None
    #: Every contract resource that could be read, by name.
    tables: dict[str, read.Table]
    #: Sorted, without duplicates.
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not has_errors(self.problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]


class _NoPandas(importlib.abc.MetaPathFinder):
    """An import finder for which pandas is not installed."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


def _spare_pandas() -> None:
    """Keep pyarrow from importing pandas for nothing (0.13-0.17 s, most of a second of a
    large validation's budget).

    pyarrow tries once, on its first conversion of any Python value (``pa.scalar(0)``,
    ``pc.equal(column, "")``), to import pandas so that it can recognise pandas objects; the
    checks pass none. Making that one try fail leaves pyarrow without its pandas shortcuts,
    and an explicit ``to_pandas()`` by any later code still imports pandas then, as pyarrow
    retries where pandas is required (tests/test_validate_imports.py holds pyarrow to that).
    """
    if "pandas" in sys.modules:
        return
    import pyarrow as pa

    finder = _NoPandas()
    sys.meta_path.insert(0, finder)
    try:
        pa.scalar(0)
    finally:
        sys.meta_path.remove(finder)


def validate_package(
    package_dir: Path,
    *,
    as_of: dt.date | None = None,
    clock: Clock | None = None,
    strict: bool = False,
    limits: size_limits.Limits | None = None,
    fast_rows: int | None = None,
    thresholds: readability.Thresholds | None = None,
) -> Validation:
    """Validate a package folder and read its tables.

    ``clock`` is the run's one "now" (:class:`pvreport.tables.moments.Clock`), which the build passes
    so that validation judges embargoes and overdue updates at the same moment as the site;
    ``as_of`` is a shortcut for ``Clock.make(as_of)``, the start of that day (default: the
    clock's now). ``strict`` makes every warning an error. ``limits`` are the largest file,
    resource and cell read (default: ``Limits()``). Every file is read once by column and
    checked by the vectorised paths, which hand each doubtful cell to frictionless;
    ``fast_rows`` keeps files of at most that many data rows for frictionless itself (the
    reference the differential tests compare with: they set it beyond any file).
    ``thresholds`` say when a text is hard to read (default: ``readability.Thresholds()``).

    ``package_dir`` may be an ``.xlsx`` workbook (:mod:`pvreport.tables.workbook`): it is read
    into a passing folder of CSV files, checked as any folder is, and every problem names the
    workbook, its sheet and cell.
    """
    package_dir = Path(package_dir)
    clock = clock or Clock.make(as_of)
    if workbook.is_workbook(package_dir):
        with tempfile.TemporaryDirectory(prefix="pvreport-workbook-") as folder:
            unpacked = workbook.unpack(package_dir, Path(folder), limits)
            found = list(unpacked.problems)
            descriptor = None
            tables: dict[str, read.Table] = {}
            if unpacked.folder is not None:
                inner = _validate_folder(
                    unpacked.folder,
                    clock=clock,
                    strict=strict,
                    limits=limits,
                    fast_rows=fast_rows,
                    thresholds=thresholds,
                )
                found.extend(unpacked.locate(p) for p in inner.problems)
                descriptor, tables = inner.descriptor, inner.tables
        unique = list(dict.fromkeys(found))
        if strict:
            unique = make_strict(unique)
        return Validation(package_dir, descriptor, tables, sorted_problems(unique))
    return _validate_folder(
        package_dir,
        clock=clock,
        strict=strict,
        limits=limits,
        fast_rows=fast_rows,
        thresholds=thresholds,
    )


def _validate_folder(
    package_dir: Path,
    *,
    clock: Clock,
    strict: bool,
    limits: size_limits.Limits | None,
    fast_rows: int | None,
    thresholds: readability.Thresholds | None,
) -> Validation:
    _spare_pandas()
    # 1. The gate: the descriptor, and which files are safe to open.
    gated = gate.check(package_dir)
    thresholds = thresholds or readability.Thresholds()
    problems: list[Problem] = []
    problems.extend(gated.problems)
    tables: dict[str, read.Table] = {}
    # A descriptor that cannot be read stops the build, but the files named as the contract
    # names them are still checked: one broken file does not hide the problems of the others.
    descriptor = gated.descriptor if gated.descriptor is not None else {}
    if gated.descriptor is not None or gated.resources:
        # 2. Limits: a file over one goes no further; one over the size limit is never opened.
        # Large files are read once, by column, and shared by every stage below (the limits
        # ask for them only once a file is known to be within the size and row limits).
        threshold = 0 if fast_rows is None else fast_rows
        by_column: dict[str, read.Parsed | None] = {}
        # Each file's bytes, read once for the limits, the parse and hygiene (a 46 MB file took
        # 20-40 ms a reading); asked for only once a file is within the size limit.
        contents: dict[str, bytes | None] = {}

        def data(name: str) -> bytes | None:
            if name not in contents:
                try:
                    contents[name] = gated.resources[name].path.read_bytes()
                except OSError:
                    contents[name] = None  # each stage reads it again and says why it cannot
            return contents[name]

        # And its line ends, counted once (each count of a 46 MB file takes 25 ms).
        ends: dict[str, int | None] = {}

        def line_ends(name: str) -> int | None:
            if name not in ends:
                found = data(name)
                ends[name] = None if found is None else found.count(b"\n")
            return ends[name]

        def parse(name: str) -> read.Parsed | None:
            if name not in by_column:
                path = gated.resources[name].path
                found, count = data(name), line_ends(name)
                if count is None:
                    count = fastcheck.count_rows(path)
                large = count > threshold
                by_column[name] = read.parse_arrow(path, found, count) if large else None
            return by_column[name]

        def parse_large(name: str) -> read.Parsed | None:
            # The limits measure a large file's cells from its columns (faster than from its
            # bytes); a small file is parsed only once it is known to be within them.
            return parse(name) if (line_ends(name) or 0) > fastcheck.FAST_ROWS else None

        over, found_over = size_limits.check(
            gated.resources, limits or size_limits.Limits(), parse_large, data, line_ends
        )
        problems.extend(found_over)
        within = {n: r for n, r in gated.resources.items() if n not in over}
        parsed = {name: found for name in within if (found := parse(name)) is not None}
        for found in parsed.values():
            if found.count > fastcheck.FAST_ROWS:
                found.encode_ahead()  # on the second core, while hygiene runs on this one

        # 3. Hygiene: files a spreadsheet user got wrong; fatal ones go no further.
        checks = {
            name: hygiene.check_file(
                name, resource.path, resource.file, parsed.get(name), data(name)
            )
            for name, resource in within.items()
        }
        contents.clear()
        for found in checks.values():
            problems.extend(found.problems)
        readable = {n: r for n, r in within.items() if not checks[n].fatal}

        # 4. The Table Schema checks with the contract's schemas, laid out as each file's
        # heading row: by column, frictionless imported only where some cell is in doubt or a
        # file is one the vectorised checks leave to it.
        problems.extend(
            tabular.check(package_dir, readable, checks, parsed=parsed, fast_rows=threshold)
        )

        # 5. The tables as the site will read them, then the contract's cross-table rules.
        for name, resource in readable.items():
            tables[name] = read.read_table(
                name, resource.path, resource.file, contract.schema(name), parsed=parsed.get(name)
            )
        problems.extend(gate.check_rows(tables))
        problems.extend(rules.check(descriptor, tables, clock=clock))
        problems = rules.suggest_references(problems, tables)
        problems = rules.place_duplicates(problems, tables)

        # 6. Plain language: warnings for texts people will find hard to read.
        problems.extend(
            readability.check(
                tables,
                descriptor=descriptor,
                min_ease=thresholds.min_ease,
                max_sentence_words=thresholds.max_sentence_words,
            )
        )
        for found in parsed.values():
            found.settle()  # no thread of validation outlives it

    unique = list(dict.fromkeys(problems))
    if strict:
        unique = make_strict(unique)
    return Validation(package_dir, gated.descriptor, tables, sorted_problems(unique))
