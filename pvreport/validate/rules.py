"""The contract's rules that a Table Schema cannot state, as generators of problems.

Frictionless checks each file on its own: types, required cells, enums, patterns, keys, and
single-id references into a resource that exists. Everything else in the contract's "Errors and
warnings" lives here, one small generator per rule. Every rule reads the typed tables of
:func:`pvreport.tables.read.read_table` and must cope with anything frictionless has already reported:
a table may be missing, any cell may be None, and a cell that breaks its pattern is left to
frictionless so that one mistake gives one problem.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import difflib
import functools
import math
import re
import types
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal

from .. import contract, keys, messages
from ..problems import Problem
from ..report import derive, load, model, periods, visibility
from ..tables import moments, read

#: Statuses of a decision that has been taken. A reversed decision was taken before it was undone,
#: so the site still shows which option was chosen (and then reversed).
DECIDED = frozenset({"decided", "implemented", "reviewed", "reversed"})

#: A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@")

SHARE_TOLERANCE = 1.0

_FORM_WORDS: dict[str, tuple[str, str]] = {
    "year": ("a calendar year", "calendar years"),
    "financial-year": ("a financial year", "financial years"),
    "quarter": ("a quarter", "quarters"),
    "month": ("a month", "months"),
    "day": ("a single day", "single days"),
}

_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


#: A vectorised pre-filter: given a large table's columns, a mask of the rows a rule must look
#: at. It may keep more rows than the rule faults, never fewer; the rule then judges each kept
#: row as it judges every row of a small table. Small tables ignore it.
Keep = Callable[[read.Columns], Any]


def _is_none(value: Any) -> bool:
    return value is None


@dataclasses.dataclass(frozen=True)
class Package:
    """What every rule reads: the descriptor, the tables that could be read, and the run's
    clock."""

    descriptor: Mapping[str, Any]
    tables: Mapping[str, read.Table]
    present: frozenset[str]
    clock: moments.Clock

    @property
    def as_of(self) -> dt.date:
        """The day the run treats as today."""
        return self.clock.today

    def rows(self, name: str, keep: Keep | None = None) -> Sequence[read.Row]:
        """The rows of a resource; of a large one, only those ``keep`` selects."""
        table = self.tables.get(name)
        if table is None:
            return ()
        if keep is not None and table.columns is not None:
            return table.rows_where(keep(table.columns))
        return table.rows

    def header(self, name: str) -> tuple[str, ...]:
        table = self.tables.get(name)
        return table.header if table is not None else ()

    def readable(self, name: str) -> bool:
        return name in self.tables

    def absent(self, name: str) -> bool:
        """The package does not have this resource at all (not merely unreadable)."""
        return name not in self.present

    def file(self, name: str) -> str:
        table = self.tables.get(name)
        return table.file if table is not None else f"{name}.csv"

    def by_id(self, name: str, key: str = "id") -> dict[str, read.Row]:
        """Rows by id; the first row wins where an id repeats (frictionless reports repeats)."""
        out: dict[str, read.Row] = {}
        for row in self.rows(name):
            value = row.get(key)
            if isinstance(value, str) and value not in out:
                out[value] = row
        return out

    def grouped(self, name: str, key: str, keep: Keep | None = None) -> dict[str, list[read.Row]]:
        out: dict[str, list[read.Row]] = {}
        for row in self.rows(name, keep):
            value = row.get(key)
            if isinstance(value, str):
                out.setdefault(value, []).append(row)
        return out


Rule = Callable[[Package], Iterator[Problem]]


def check(
    descriptor: Mapping[str, Any],
    tables: Mapping[str, read.Table],
    *,
    as_of: dt.date | None = None,
    clock: moments.Clock | None = None,
) -> Iterator[Problem]:
    """Every problem the contract's cross-resource rules find, rule by rule.

    ``clock`` is the run's one "now" (``as_of``: the start of that day): results still under
    embargo then are left out of the judgements that mirror what the site will show, as the
    site leaves them out.
    """
    clock = clock or moments.Clock.make(as_of)
    package = Package(descriptor, tables, _declared(descriptor) | frozenset(tables), clock)
    for rule in RULES:
        yield from rule(package)


def _declared(descriptor: Mapping[str, Any]) -> frozenset[str]:
    resources = descriptor.get("resources")
    if not isinstance(resources, list):
        return frozenset()
    return frozenset(
        r["name"] for r in resources if isinstance(r, Mapping) and isinstance(r.get("name"), str)
    )


# Small readers ---------------------------------------------------------------------------------


def _text(row: read.Row, field: str) -> str | None:
    value = row.get(field)
    return value if isinstance(value, str) and value != "" else None


def _number(row: read.Row, field: str) -> float | None:
    value = row.get(field)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _fmt(value: float) -> str:
    """A number as people write it: 95, 99.5, not 95.0 or 99.50000001."""
    return f"{round(value, 2):g}"


@functools.cache
def _pattern(resource: str, field: str) -> re.Pattern[str] | None:
    if resource not in contract.RESOURCES:
        return None
    pattern = contract.fields(resource).get(field, {}).get("constraints", {}).get("pattern")
    return re.compile(pattern) if pattern else None


def _passes_pattern(resource: str, field: str, value: str) -> bool:
    """Whether frictionless accepted the cell's pattern (else it reported it already)."""
    pattern = _pattern(resource, field)
    return pattern is None or pattern.fullmatch(value) is not None


def _period(value: Any) -> periods.Period | None:
    if not isinstance(value, str):
        return None
    try:
        return periods.parse_period(value)
    except periods.PeriodError:
        return None


def _form_of(value: Any) -> str | None:
    period = _period(value)
    return period.form if period is not None else None


def _lines(rows: Iterable[read.Row]) -> str:
    numbers = [str(r.line) for r in rows]
    if len(numbers) == 1:
        return f"line {numbers[0]}"
    return "lines " + ", ".join(numbers[:-1]) + " and " + numbers[-1]


def _quoted(ids: Iterable[str]) -> str:
    items = [f"'{i}'" for i in ids]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _problem(
    code: str,
    package: Package,
    name: str,
    row: read.Row | None,
    field: str | None,
    message: str,
    *,
    value: Any = None,
    hint: str | None = None,
) -> Problem:
    return Problem(
        code=code,
        message=message,
        file=package.file(name),
        line=row.line if row is not None else None,
        field=field,
        value=None if value is None else str(value),
        hint=hint,
    )


# Errors: references ----------------------------------------------------------------------------


def list_references(package: Package) -> Iterator[Problem]:
    """Every id in a list cell (``eng-01;eng-04``) must name a row of its target resource."""
    for name, table in package.tables.items():
        if name not in contract.RESOURCES:
            continue
        for field, (target, target_field) in contract.list_references(name).items():
            if field not in table.header:
                continue
            absent = package.absent(target)
            if not absent and target_field not in package.header(target):
                # Unreadable, or without its id column: that file's own problem says so.
                continue
            if absent and target in contract.REQUIRED_RESOURCES:
                # A missing required resource is reported once, by the input side.
                continue
            known = set(package.by_id(target, target_field))
            target_file = package.file(target)
            for row in table.rows:
                cell = _text(row, field)
                if cell is None or not _passes_pattern(name, field, cell):
                    continue
                if absent:
                    ids = read.split_ids(cell)
                    yield _problem(
                        "reference-to-absent-resource",
                        package,
                        name,
                        row,
                        field,
                        f"{field} names {_quoted(ids)}, but the package has no {target} "
                        f"resource to look {'them' if len(ids) > 1 else 'it'} up in.",
                        value=cell,
                        hint=f"Add {target}.csv to the package (and list it in datapackage.json), "
                        f"or leave {field} empty.",
                    )
                    continue
                for missing in [i for i in read.split_ids(cell) if i not in known]:
                    yield _problem(
                        "broken-list-reference",
                        package,
                        name,
                        row,
                        field,
                        f"{field} names '{missing}', but there is no row with the id '{missing}' "
                        f"in {target_file}.",
                        value=missing,
                        hint=f"The ids in {field} come from the {target_field} column of "
                        f"{target_file}. Check the spelling, add the missing row there, or remove "
                        f"'{missing}' from the list (ids are separated by ;).",
                    )


def suggest_references(
    problems: Iterable[Problem], tables: Mapping[str, read.Table]
) -> list[Problem]:
    """References to ids that do not exist, each with the closest existing id ("did you mean").

    Both kinds (single ids, which frictionless checks, and ids in lists, which
    :func:`list_references` checks) pass through here. A reference to an id that exists once its
    cell is cleaned (``safe-homes `` with a trailing space, ``Safe-Homes`` in capitals) is no
    problem of its own: that cell's own problem says what to fix, once, rather than once for
    every row that refers to it.
    """
    by_file = {table.file: name for name, table in tables.items()}
    known: dict[tuple[str, str], list[str]] = {}
    public: dict[tuple[str, str], list[str]] = {}
    targets: dict[str, dict[str, tuple[str, str]]] = {}
    # A misspelt id is often referred to by many rows: each is judged once.
    judged: dict[tuple[tuple[str, str], str], str | None] = {}
    out: list[Problem] = []
    for problem in problems:
        name = by_file.get(problem.file or "")
        if (
            problem.code not in ("unknown-reference", "broken-list-reference")
            or problem.value is None
            or problem.field is None
            or name is None
            or name not in contract.RESOURCES
        ):
            out.append(problem)
            continue
        if name not in targets:
            targets[name] = {**contract.single_references(name), **contract.list_references(name)}
        target = targets[name].get(read.normalise_header(problem.field))
        if target is None or target[0] not in tables:
            out.append(problem)
            continue
        if target not in known:
            known[target] = [
                v for row in tables[target[0]].rows if isinstance(v := row.get(target[1]), str)
            ]
        value = problem.value
        if (target, value) not in judged:
            judged[target, value] = _suggestion(target, value, known[target])
        suggestion = judged[target, value]
        if suggestion is None:
            continue  # the target's own cell is the one to fix, and its problem says so
        if not suggestion:
            out.append(problem)
            continue
        # The publisher sees their own data; a CI log may be public: there, only public ids.
        if target not in public:
            hidden = _not_public_ids(tables, target)
            public[target] = [i for i in known[target] if i not in hidden]
        public_suggestion = (
            keys.did_you_mean(
                value, [i for i in public[target] if _passes_pattern(target[0], target[1], i)]
            )
            if len(public[target]) < len(known[target])
            else suggestion
        )
        out.append(
            dataclasses.replace(
                problem,
                message=problem.message + suggestion,
                public_message=(
                    None if public_suggestion == suggestion else problem.message + public_suggestion
                ),
            )
        )
    return out


def _not_public_ids(tables: Mapping[str, read.Table], target: tuple[str, str]) -> set[str]:
    """The ids of ``target`` that name rows kept off the site: confidential rows, and the
    indicators of a confidential objective."""
    resource, field = target
    if resource not in tables:
        return set()

    def rows_of(name: str) -> list[Any]:
        table = tables.get(name)
        if table is None:
            return []
        return [
            types.SimpleNamespace(
                id=row.get("id"),
                visibility=row.get("visibility") or "public",
                objective_id=row.get("objective_id"),
            )
            for row in table.rows
        ]

    if resource in ("objectives", "indicators") and field == "id":
        objectives, indicators = visibility.withheld_measures(
            rows_of("objectives"), rows_of("indicators")
        )
        return objectives if resource == "objectives" else indicators
    return {
        value
        for row in tables[resource].rows
        if row.get("visibility") == "confidential" and isinstance(value := row.get(field), str)
    }


def place_duplicates(
    problems: Iterable[Problem], tables: Mapping[str, read.Table]
) -> list[Problem]:
    """Each repeated id or key with its cells and the line that has it first ("The id
    "clean-streets" is already used on line 3."): frictionless says only that a row repeats one
    above. Tables are keyed only where some row repeats a key."""
    by_file = {table.file: name for name, table in tables.items()}
    firsts: dict[str, dict[tuple[Any, ...], int]] = {}
    rows_at: dict[str, dict[int, read.Row]] = {}
    out: list[Problem] = []
    for problem in problems:
        name = by_file.get(problem.file or "")
        key = contract.schema(name).get("primaryKey", []) if name in contract.RESOURCES else []
        if problem.code != "duplicate-id" or name is None or not key or problem.line is None:
            out.append(problem)
            continue
        if name not in firsts:
            seen: dict[tuple[Any, ...], int] = {}
            for row in tables[name].rows:
                seen.setdefault(tuple(row.get(f) for f in key), row.line)
            firsts[name] = seen
            rows_at[name] = {row.line: row for row in tables[name].rows}
        row = rows_at[name].get(problem.line)
        first = firsts[name].get(tuple(row.get(f) for f in key)) if row is not None else None
        if row is None or first is None or first >= problem.line:
            out.append(problem)
            continue
        cells = [row.get(f) for f in key]
        if len(key) == 1:
            message = messages.gettext(
                'The {field} "{value}" is already used on line {line}.'
            ).format(field=key[0], value=cells[0], line=first)
            hint = messages.gettext(
                "Each row needs an {field} of its own: give this row another {field}, or delete "
                "it if it repeats line {line}."
            ).format(field=key[0], line=first)
        else:
            named = [f'{f} "{c}"' for f, c in zip(key, cells, strict=True)]
            together = messages.gettext("{first} and {last}").format(
                first=", ".join(named[:-1]), last=named[-1]
            )
            message = messages.gettext(
                "The {cells} are already used together on line {line}."
            ).format(cells=together, line=first)
            hint = messages.gettext(
                "No two rows may share the same {fields}: change one of them on this line or on "
                "line {line}, or delete this row if it repeats that one."
            ).format(fields=", ".join(key), line=first)
        out.append(dataclasses.replace(problem, message=message, hint=hint))
    return out


def _suggestion(target: tuple[str, str], value: str, ids: Sequence[str]) -> str | None:
    """`` Did you mean 'x'?`` for a reference to ``value``, '' for none, or None where ``value``
    names an id whose own cell is wrong (a stray space, capitals): no problem of its own."""
    resource, field = target
    if value in ids or any(
        i.casefold() == value.casefold() and not _passes_pattern(resource, field, i) for i in ids
    ):
        return None
    return keys.did_you_mean(value, [i for i in ids if _passes_pattern(resource, field, i)])


def references_to_absent_resources(package: Package) -> Iterator[Problem]:
    """A single-id reference into an optional resource the package does not have.

    Frictionless checks single ids when the target exists; the input side drops foreign keys
    whose target is absent, so they are reported here.
    """
    for name, table in package.tables.items():
        if name not in contract.RESOURCES:
            continue
        for field, (target, _) in contract.single_references(name).items():
            if not package.absent(target) or target in contract.REQUIRED_RESOURCES:
                continue
            for row in table.rows:
                cell = _text(row, field)
                if cell is None or not _passes_pattern(name, field, cell):
                    continue
                yield _problem(
                    "reference-to-absent-resource",
                    package,
                    name,
                    row,
                    field,
                    f"{field} is '{cell}', but the package has no {target} resource to look it "
                    f"up in.",
                    value=cell,
                    hint=f"Add {target}.csv to the package (and list it in datapackage.json), "
                    f"or leave {field} empty.",
                )


def objective_cycles(package: Package) -> Iterator[Problem]:
    """parent_id must build a tree: an objective cannot be its own ancestor."""
    objectives = package.by_id("objectives")
    parent = {i: p for i, row in objectives.items() if (p := _text(row, "parent_id")) is not None}
    done: set[str] = set()
    for start in objectives:
        path: list[str] = []
        on_path: set[str] = set()
        node: str | None = start
        while node is not None and node not in done:
            if node in on_path:
                cycle = path[path.index(node) :]
                first = min(cycle, key=lambda i: objectives[i].line)
                yield _cycle_problem(package, objectives, cycle, first)
                break
            path.append(node)
            on_path.add(node)
            node = parent.get(node)
        done.update(path)


def _cycle_problem(
    package: Package, objectives: Mapping[str, read.Row], cycle: list[str], first: str
) -> Problem:
    at = cycle.index(first)
    ordered = cycle[at:] + cycle[:at]
    row = objectives[first]
    if len(ordered) == 1:
        message = f"Objective '{first}' names itself as its parent."
    else:
        chain = " → ".join([*ordered, first])
        message = (
            f"Objective '{first}' is its own ancestor: {chain} (each objective's parent_id leads "
            f"back to it)."
        )
    return _problem(
        "objective-parent-cycle",
        package,
        "objectives",
        row,
        "parent_id",
        message,
        value=_text(row, "parent_id"),
    )


def counterbalance_is_itself(package: Package) -> Iterator[Problem]:
    for row in package.rows("indicators"):
        own = _text(row, "id")
        if own is not None and _text(row, "counterbalance_id") == own:
            yield _problem(
                "counterbalance-is-itself",
                package,
                "indicators",
                row,
                "counterbalance_id",
                f"Indicator '{own}' names itself as its counterbalance.",
                value=own,
            )


def reserved_ids(package: Package) -> Iterator[Problem]:
    """An id that becomes a page address must not be a name the site uses itself."""

    def reserved(columns: read.Columns) -> Any:
        return columns.where("id", lambda v: v in contract.RESERVED_IDS)

    for name in contract.WITH_PAGES:
        for row in package.rows(name, reserved):
            own = _text(row, "id")
            if own is None or own not in contract.RESERVED_IDS:
                continue
            yield _problem(
                "reserved-id",
                package,
                name,
                row,
                "id",
                f"The id '{own}' would give this row the address /{name}/{own}/, which the site "
                "uses for a page of its own.",
                value=own,
                hint=f"Choose another id, for example '{own}-1' or a word that says what the row "
                "is about. Ids pvreport keeps for itself: "
                + ", ".join(sorted(contract.RESERVED_IDS))
                + ".",
            )


def _beyond(value: Any) -> bool:
    """A number that is not a figure (NaN, infinity) or too large to draw or read."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return True
    return abs(value) > contract.LARGEST_NUMBER


def _size_of(value: float) -> str:
    """A very large number, shortly: ``1.7e+308``, or ``a number of 401 digits``."""
    if isinstance(value, int) and abs(value) > 10**300:
        return f"a number of {len(str(abs(value))):,} digits"
    return f"{value:.4g}"


def numbers_are_figures(package: Package) -> Iterator[Problem]:
    """Every number cell holds a finite figure of at most ``contract.LARGEST_NUMBER``.

    Python and frictionless read ``NaN``, ``inf``, ``-Infinity`` and ``1e400`` as numbers; a
    chart cannot draw them, a status cannot be judged from them and JSON cannot hold them.
    """
    largest = f"{contract.LARGEST_NUMBER:,}"
    for name in package.tables:
        if name not in contract.RESOURCES:
            continue
        for field in contract.number_fields(name):
            if field not in package.header(name):
                continue

            def beyond(columns: read.Columns, field: str = field) -> Any:
                return columns.where(field, _beyond)

            for row in package.rows(name, beyond):
                value = row.get(field)
                if not _beyond(value):
                    continue
                if isinstance(value, float) and math.isnan(value):
                    yield _problem(
                        "number-not-finite",
                        package,
                        name,
                        row,
                        field,
                        f"{field} is NaN ('not a number'), which a program reads as a number "
                        "but is no figure.",
                        value="NaN",
                    )
                elif isinstance(value, float) and math.isinf(value):
                    yield _problem(
                        "number-not-finite",
                        package,
                        name,
                        row,
                        field,
                        f"{field} is read as {'minus ' if value < 0 else ''}infinity (a word "
                        "such as Infinity or inf, or a number too large to store), which is no "
                        "figure.",
                        value=str(value),
                    )
                else:
                    yield _problem(
                        "number-too-large",
                        package,
                        name,
                        row,
                        field,
                        f"{field} is {_size_of(value)}, larger than {largest}, the largest "
                        "figure pvreport draws and shows.",
                        value=_size_of(value),
                    )


# Errors: pairs, intervals and periods ----------------------------------------------------------


def _half_given(
    package: Package, name: str, code: str, first: str, second: str, what: str
) -> Iterator[Problem]:
    def one_given(columns: read.Columns) -> Any:
        return columns.where(first, _is_none) != columns.where(second, _is_none)

    for row in package.rows(name, one_given):
        given = {f: row.get(f) is not None for f in (first, second)}
        if given[first] == given[second]:
            continue
        missing = second if given[first] else first
        present = first if given[first] else second
        if missing in row.unreadable:
            continue
        yield _problem(
            code,
            package,
            name,
            row,
            missing,
            f"{present} is filled in but {missing} is empty: {what} needs both, or neither.",
            value=row.get(present),
        )


def baseline_half_given(package: Package) -> Iterator[Problem]:
    yield from _half_given(
        package,
        "indicators",
        "baseline-half-given",
        "baseline_period",
        "baseline_value",
        "a baseline",
    )


def target_half_given(package: Package) -> Iterator[Problem]:
    yield from _half_given(
        package, "indicators", "target-half-given", "target_period", "target_value", "a target"
    )


def interval_half_given(package: Package) -> Iterator[Problem]:
    yield from _half_given(
        package, "results", "interval-half-given", "lower", "upper", "a confidence interval"
    )


def _outside_interval(columns: read.Columns) -> Any:
    value, lower, upper = (columns.numbers(f) for f in ("value", "lower", "upper"))
    return (lower > value) | (upper < value)  # NaN, for an empty cell, compares False


def value_outside_interval(package: Package) -> Iterator[Problem]:
    for row in package.rows("results", _outside_interval):
        value, lower, upper = (_number(row, f) for f in ("value", "lower", "upper"))
        if value is None:
            continue
        if lower is not None and lower > value:
            yield _problem(
                "value-outside-interval",
                package,
                "results",
                row,
                "lower",
                f"The lower end of the interval ({_fmt(lower)}) is above the value "
                f"({_fmt(value)}).",
                value=_fmt(lower),
            )
        if upper is not None and upper < value:
            yield _problem(
                "value-outside-interval",
                package,
                "results",
                row,
                "upper",
                f"The upper end of the interval ({_fmt(upper)}) is below the value "
                f"({_fmt(value)}).",
                value=_fmt(upper),
            )


_PERIOD_FIELDS = (
    ("indicators", "baseline_period"),
    ("indicators", "target_period"),
    ("results", "period"),
)


def periods_are_dates(package: Package) -> Iterator[Problem]:
    """A period in a valid form must name a real date (not 2024-02-30, not 2024/26)."""
    for name, field in _PERIOD_FIELDS:

        def fails(value: Any, name: str = name, field: str = field) -> bool:
            return _not_a_date(name, field, value) is not None

        for row in package.rows(name, lambda columns, f=field, t=fails: columns.where(f, t)):
            cell = _text(row, field)
            message = _not_a_date(name, field, cell)
            if cell is not None and message is not None:
                yield _problem("period-not-a-date", package, name, row, field, message, value=cell)


def moments_are_readable(package: Package) -> Iterator[Problem]:
    """A moment (``embargo_until``) must be in a form pvreport reads: the loader reads it with
    the same reader (:mod:`pvreport.tables.moments`), so a cell it cannot read would otherwise mean
    "no embargo" and the value would be published."""
    for name in package.tables:
        if name not in contract.RESOURCES:
            continue
        for field, spec in contract.fields(name).items():
            if spec.get("type") != "datetime":
                continue
            written = _written_cells(package.tables.get(name), field)
            for row in package.rows(name, lambda columns, f=field: columns.unreadable(f)):
                if field in row.unreadable:
                    cell = written.get(row.line, "")
                    fix = moments.suggest_moment(cell)
                    message = messages.gettext(
                        '"{cell}" in {field} is not a moment pvreport can read, so it cannot tell '
                        "when the row may be published; the build withholds nothing it cannot "
                        "read and stops."
                    ).format(cell=cell, field=field)
                    hint = moments.HINT
                    if fix:
                        message += " " + messages.gettext('Did you mean "{fix}"?').format(fix=fix)
                        if "T" in fix and fix.endswith("Z"):
                            hint = messages.gettext(
                                "{fix} is that time in UTC: in British Summer Time (late March "
                                "to late October) write {local} for the same clock time in the "
                                "UK. {forms}"
                            ).format(fix=fix, local=fix[:-1] + "+01:00", forms=moments.HINT)
                    yield _problem(
                        "bad-moment",
                        package,
                        name,
                        row,
                        field,
                        message,
                        value=cell or None,
                        hint=hint,
                    )


def _written_cells(table: read.Table | None, field: str) -> dict[int, str]:
    """The cells of ``field`` that cannot be read, as written, by line (for messages that quote
    them: a row holds no value for such a cell)."""
    import numpy as np

    if table is None or table.columns is None:
        return {}
    columns = table.columns
    text = columns.text(field)
    if text is None:
        return {}
    return {
        columns.line(index): str(text[index].as_py() or "")
        for index in np.flatnonzero(columns.unreadable(field)).tolist()
    }


def _not_a_date(name: str, field: str, cell: Any) -> str | None:
    """Why a period cell in a valid form names no real date, or None (also for a cell whose
    form is wrong: frictionless reports that)."""
    if not isinstance(cell, str) or cell == "" or not _passes_pattern(name, field, cell):
        return None
    if periods.period_form(cell) is None:
        return None
    try:
        periods.parse_period(cell)
    except periods.PeriodError as exc:
        return _no_such_day(cell) or f"{exc}."
    return None


def _no_such_day(text: str) -> str | None:
    """A plain message for a day that does not exist (periods.py gives Python's words)."""
    if periods.period_form(text) != "day":
        return None
    year, month, day = (int(part) for part in text.split("-"))
    if not 1 <= month <= 12:
        return f"'{text}' names no real date: there is no month {month}."
    days = calendar.monthrange(year, month)[1]
    name = dt.date(year, month, 1).strftime("%B %Y")
    return f"'{text}' names no real date: {name} has {days} days, so there is no day {day}."


def mixed_period_forms(package: Package) -> Iterator[Problem]:
    """All periods of one indicator (results, baseline, target) use one form."""
    indicators = package.by_id("indicators")

    def mixed(columns: read.Columns) -> Any:
        # Only the results of an indicator whose periods take more than one form.
        import numpy as np

        owner, owners = columns.groups("indicator_id")
        form, forms = columns.groups("period", _form_of)
        found: dict[str, set[str]] = {}
        # The (indicator, form) pairs present: a count per pair, not a sort of a million rows.
        present = np.bincount(owner * len(forms) + form, minlength=len(owners) * len(forms))
        for pair in np.flatnonzero(present).tolist():
            indicator_id, form_name = owners[pair // len(forms)], forms[pair % len(forms)]
            if isinstance(indicator_id, str) and form_name is not None:
                found.setdefault(indicator_id, set()).add(form_name)
        wanted = []
        for number, indicator_id in enumerate(owners):
            own = indicators.get(indicator_id) if isinstance(indicator_id, str) else None
            extra = (
                {_form_of(own.get(f)) for f in ("baseline_period", "target_period")}
                if own
                else set()
            )
            if len(found.get(indicator_id, set()) | (extra - {None})) >= 2:
                wanted.append(number)
        return np.isin(owner, wanted)

    results = package.grouped("results", "indicator_id", mixed)
    for indicator_id in dict.fromkeys([*indicators, *results]):
        places: list[tuple[str, read.Row, str, periods.Period]] = []
        for row in results.get(indicator_id, []):
            if (p := _period(row.get("period"))) is not None:
                places.append(("results", row, "period", p))
        if (own := indicators.get(indicator_id)) is not None:
            for field in ("baseline_period", "target_period"):
                if (p := _period(own.get(field))) is not None:
                    places.append(("indicators", own, field, p))
        forms = Counter(p.form for _, _, _, p in places)
        if len(forms) < 2:
            continue
        usual = forms.most_common(1)[0][0]
        example = next(p.text for _, _, _, p in places if p.form == usual)
        for name, row, field, p in places:
            if p.form == usual:
                continue
            yield _problem(
                "mixed-period-forms",
                package,
                name,
                row,
                field,
                f"'{p.text}' is {_FORM_WORDS[p.form][0]}, but the other periods of indicator "
                f"'{indicator_id}' are {_FORM_WORDS[usual][1]} (like '{example}').",
                value=p.text,
                hint=f"Write every period of indicator '{indicator_id}' (its results, baseline "
                f"and target) in one form, like '{example}'. If the figures really cover "
                f"different spans, make them separate indicators.",
            )


# Errors: engagements, decisions, responses, results, revisions ---------------------------------


def engagement_dates(package: Package) -> Iterator[Problem]:
    for row in package.rows("engagements"):
        start, end = row.get("start_date"), row.get("end_date")
        if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
            yield _problem(
                "engagement-ends-before-start",
                package,
                "engagements",
                row,
                "end_date",
                f"The engagement ends ({end.isoformat()}) before it starts ({start.isoformat()}).",
                value=end.isoformat(),
            )


def profile_shares(package: Package) -> Iterator[Problem]:
    """Within one engagement and dimension, each share column sums to 100 (give or take 1)."""
    groups: dict[tuple[str, str], list[read.Row]] = {}
    for row in package.rows("engagement_profile"):
        engagement, dimension = _text(row, "engagement_id"), _text(row, "dimension")
        if engagement is not None and dimension is not None:
            groups.setdefault((engagement, dimension), []).append(row)
    for (engagement, dimension), rows in groups.items():
        for field in ("participants_share", "population_share"):
            shares = [_number(r, field) for r in rows]
            if any(s is None for s in shares):
                continue  # an empty or unreadable share is reported by frictionless
            total = sum(s for s in shares if s is not None)
            if abs(total - 100) <= SHARE_TOLERANCE + 1e-9:
                continue
            yield _problem(
                "shares-do-not-sum",
                package,
                "engagement_profile",
                rows[0],
                field,
                f"The {field} values of engagement '{engagement}', dimension '{dimension}' "
                f"({_lines(rows)}) add up to {_fmt(total)}, not 100.",
                value=_fmt(total),
            )


def chosen_options(package: Package) -> Iterator[Problem]:
    """A decided decision has exactly one chosen option; a proposed one has none yet.

    A decision with no options at all is left to the fewer-than-two-options warning.
    """
    if not package.readable("options"):
        return
    options = package.grouped("options", "decision_id")
    for decision_id, decision in package.by_id("decisions").items():
        status = _text(decision, "status")
        own = options.get(decision_id, [])
        chosen = [o for o in own if o.get("chosen") is True]
        if status == "proposed":
            for option in chosen:
                yield _problem(
                    "option-chosen-while-proposed",
                    package,
                    "options",
                    option,
                    "chosen",
                    f"Option '{_text(option, 'id')}' is marked as chosen, but decision "
                    f"'{decision_id}' is only proposed.",
                    value="true",
                )
            continue
        if status not in DECIDED or not own:
            continue
        if len(chosen) == 1 or (len(chosen) == 0 and any(o.get("chosen") is None for o in own)):
            continue
        if not chosen:
            yield _problem(
                "chosen-option-count",
                package,
                "options",
                own[0],
                "chosen",
                f"Decision '{decision_id}' is {status}, but none of its {len(own)} option"
                f"{'s' if len(own) != 1 else ''} is marked as chosen.",
                value="false",
            )
        else:
            yield _problem(
                "chosen-option-count",
                package,
                "options",
                chosen[1],
                "chosen",
                f"Decision '{decision_id}' is {status}, and {len(chosen)} of its {len(own)} "
                f"options are marked as chosen ({_lines(chosen)}); exactly one should be.",
                value="true",
            )


def chosen_option_withheld(package: Package) -> Iterator[Problem]:
    """A public decision that was taken, whose chosen option is confidential: the site can say a
    choice was made, but not what it was."""
    if not package.readable("options"):
        return
    decisions = package.by_id("decisions")
    for row in package.rows("options"):
        decision_id = _text(row, "decision_id")
        decision = decisions.get(decision_id) if decision_id is not None else None
        if (
            decision is None
            or row.get("chosen") is not True
            or _text(row, "visibility") != "confidential"
            or _text(decision, "visibility") == "confidential"
            or _text(decision, "status") not in DECIDED
        ):
            continue
        yield _problem(
            "chosen-option-withheld",
            package,
            "options",
            row,
            "visibility",
            f"Option '{_text(row, 'id') or ''}' is the one chosen for decision '{decision_id}', "
            "but it is confidential, so the public can see that the decision was taken but not "
            "what was decided.",
            value="confidential",
        )


def not_doing_explained(package: Package) -> Iterator[Problem]:
    for row in package.rows("responses"):
        if _text(row, "outcome") == "not_doing" and _text(row, "explanation") is None:
            yield _problem(
                "not-doing-without-explanation",
                package,
                "responses",
                row,
                "explanation",
                f"Response '{_text(row, 'id') or ''}' says we are not doing what people asked, "
                f"but does not say why.",
            )


def result_groups(package: Package) -> Iterator[Problem]:
    """A result's group is ``all`` or a breakdown written ``dimension: category``."""
    keep: Keep = lambda columns: columns.where("group", lambda g: _bad_group(g) is not None)
    for row in package.rows("results", keep):
        group = _text(row, "group")
        message = _bad_group(group)
        if message is not None:
            yield _problem(
                "bad-result-group", package, "results", row, "group", message, value=group
            )


def _bad_group(group: Any) -> str | None:
    """What is wrong with a result's group cell, or None."""
    if not isinstance(group, str) or group in ("", "all"):
        return None
    dimension, colon, category = group.partition(":")
    if colon and dimension.strip() and category.strip():
        return None
    if group.strip().lower() == "all":
        return f"The group '{group}' must be written 'all', in small letters."
    return f"The group '{group}' is neither 'all' nor a breakdown written as 'dimension: category'."


def revisions_name_present_resources(package: Package) -> Iterator[Problem]:
    for row in package.rows("revisions"):
        resource = _text(row, "resource")
        # A name outside the contract breaks the enum, which frictionless reports.
        if resource in contract.RESOURCES and package.absent(resource):
            yield _problem(
                "revision-of-absent-resource",
                package,
                "revisions",
                row,
                "resource",
                f"This revision changes {resource}, but the package has no {resource} resource.",
                value=resource,
            )


def revisions_name_rows(package: Package) -> Iterator[Problem]:
    """A revision's row_id names a row of its resource (read by :func:`keys.resolve`)."""
    by_resource: dict[str, list[read.Row]] = {}
    for row in package.rows("revisions"):
        resource = _text(row, "resource")
        # A name outside the contract breaks the enum (frictionless reports it); an absent
        # resource is revision-of-absent-resource; an unreadable one reports its own problems.
        readable = resource in contract.RESOURCES and package.readable(resource)
        if readable and _text(row, "row_id") is not None:
            by_resource.setdefault(resource, []).append(row)
    for resource, revisions in by_resource.items():
        if resource not in keys.KEY_FIELDS:
            for row in revisions:
                yield _problem(
                    "revision-names-no-row",
                    package,
                    "revisions",
                    row,
                    "row_id",
                    "This revision changes a row of revisions, but revisions have no id to name "
                    "one by.",
                    value=_text(row, "row_id"),
                    hint="To correct an earlier revision, correct its row, or add a revision of "
                    "the row it changed.",
                )
            continue
        fields = keys.KEY_FIELDS[resource]
        if any(f not in package.header(resource) for f in fields):
            continue  # the file's own missing-column problem says so
        row_ids = [_text(row, "row_id") or "" for row in revisions]
        want = keys.wanted(resource, row_ids)
        firsts = {key[0] for key in want}
        index = keys.keyed(resource, _rows_under(package, resource, firsts), read.Row.get)
        for row, row_id in zip(revisions, row_ids, strict=True):
            if keys.resolve(resource, row_id, index) is None:
                yield _revision_names_no_row(package, resource, row, row_id)


def _rows_under(package: Package, resource: str, firsts: set[str]) -> Sequence[read.Row]:
    """The rows of a keyed resource whose first key cell is one of ``firsts``."""
    first = keys.KEY_FIELDS[resource][0]
    return package.rows(resource, lambda columns: columns.where(first, firsts.__contains__))


def _revision_names_no_row(package: Package, resource: str, row: read.Row, row_id: str) -> Problem:
    fields = keys.KEY_FIELDS[resource]
    form = keys.key_form(resource)
    what = "id" if len(fields) == 1 else "key"
    readings = keys.readings(resource, row_id)
    guess = keys.canonical(readings[0]) if readings else row_id.strip()
    if len(fields) == 1:
        candidates = list(package.by_id(resource, fields[0]))
    else:
        # Candidates: rows whose first key cell (an indicator, a decision, an engagement) is
        # nearly the one the row_id starts with, so a million results are never all compared.
        first = readings[0][0] if readings else re.split(r"[;/\s]", row_id.strip())[0]
        parent, parent_field = contract.single_references(resource)[fields[0]]
        parents = list(package.by_id(parent, parent_field))
        near = {p for p in parents if p.casefold() == first.casefold()}
        near.update(difflib.get_close_matches(first, parents, n=3, cutoff=0.6))
        rows = _rows_under(package, resource, near)
        candidates = [keys.canonical(k) for k in keys.keyed(resource, rows, read.Row.get)]

    def told(candidates: Sequence[str]) -> tuple[str, str]:
        found = keys.closest(guess, candidates)
        suggestion = f" Did you mean '{found}'?" if found is not None else ""
        example = found if found is not None else (candidates[0] if candidates else None)
        message = (
            f"This revision changes {resource}, but no row of {package.file(resource)} has the "
            f"{what} '{row_id}'.{suggestion}"
        )
        hint = (
            f"Write the {what} of the row that changed"
            + (f" as {form}" if len(fields) > 1 else "")
            + (f" (for example '{example}')" if example else "")
            + ", exactly as it is written in the file, small and capital letters alike."
        )
        return message, hint

    message, hint = told(candidates)
    # A CI log may be public: there, the suggestion and the example name only public rows.
    hidden = _not_public_keys(package, resource)
    public = [c for c in candidates if c not in hidden] if hidden else candidates
    public_message, public_hint = told(public) if len(public) < len(candidates) else (None, None)
    return dataclasses.replace(
        _problem(
            "revision-names-no-row",
            package,
            "revisions",
            row,
            "row_id",
            message,
            value=row_id,
            hint=hint,
        ),
        public_message=public_message if public_message != message else None,
        public_hint=public_hint if public_hint != hint else None,
    )


def _not_public_keys(package: Package, resource: str) -> set[str]:
    """The keys (as :func:`keys.canonical` writes them) of a resource's rows kept off the site."""
    if resource in ("objectives", "indicators"):
        return _not_public_ids(package.tables, (resource, "id"))
    table = package.tables.get(resource)
    if table is None or "visibility" not in table.header:
        return set()
    rows = [r for r in table.rows if r.get("visibility") == "confidential"]
    return {keys.canonical(k) for k in keys.keyed(resource, rows, read.Row.get)}


# Warnings --------------------------------------------------------------------------------------


def objectives_measured_by_outcomes(package: Package) -> Iterator[Problem]:
    """Each objective should be measured, and not by outputs alone.

    An objective with no indicators of its own is measured through its sub-objectives, if they
    have indicators (a theme above more specific aims). "Only outputs" looks at the objective's
    own indicators, as :func:`pvreport.report.derive.objectives_measured_only_by_outputs` does for the
    site, so that the warning and the page agree.
    """
    if not package.readable("indicators"):
        return
    objectives = package.by_id("objectives")
    indicators = package.grouped("indicators", "objective_id")
    children: dict[str, list[str]] = {}
    for child, row in objectives.items():
        if (p := _text(row, "parent_id")) is not None and p != child:
            children.setdefault(p, []).append(child)
    for objective_id, row in objectives.items():
        measured = _subtree_indicators(objective_id, children, indicators)
        if not measured:
            yield _problem(
                "objective-without-indicators",
                package,
                "objectives",
                row,
                None,
                f"Objective '{objective_id}' has no indicators, so nobody can tell whether it "
                f"is being achieved.",
            )
            continue
        own = indicators.get(objective_id, [])
        kinds = [_text(i, "kind") for i in own]
        if not own or "outcome" in kinds or None in kinds:
            continue
        ids = [_text(i, "id") or "?" for i in own]
        yield _problem(
            "objective-without-outcome-indicator",
            package,
            "objectives",
            row,
            None,
            f"Objective '{objective_id}' is measured only by outputs ({_quoted(ids)}): they count "
            f"activity, not the change in people's lives the objective is for.",
        )


def _subtree_indicators(
    root: str, children: Mapping[str, list[str]], indicators: Mapping[str, list[read.Row]]
) -> list[read.Row]:
    found: list[read.Row] = []
    seen: set[str] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node in seen:
            continue  # a parent_id cycle is reported as an error elsewhere
        seen.add(node)
        found.extend(indicators.get(node, []))
        stack.extend(children.get(node, []))
    return found


def _finite(row: read.Row, field: str) -> float | None:
    value = _number(row, field)
    return value if value is not None and math.isfinite(value) else None


_DIRECTIONS: dict[str, Literal["increase", "decrease"]] = {
    "increase": "increase",
    "decrease": "decrease",
}


def _as_indicator(row: read.Row) -> model.Indicator | None:
    """The model's indicator for :mod:`pvreport.report.derive`, or None where a cell it needs is bad."""
    indicator_id, direction = _text(row, "id"), _DIRECTIONS.get(_text(row, "direction") or "")
    if indicator_id is None or direction is None:
        return None
    baseline_period, target_period = _text(row, "baseline_period"), _text(row, "target_period")
    next_update = row.get("next_update")
    return model.Indicator(
        id=indicator_id,
        objective_id=_text(row, "objective_id") or "",
        title=_text(row, "title") or indicator_id,
        kind="outcome" if _text(row, "kind") == "outcome" else "output",
        unit=_text(row, "unit") or "",
        direction=direction,
        method="",
        source="",
        baseline_period=baseline_period if _period(baseline_period) else None,
        baseline_value=_finite(row, "baseline_value"),
        target_period=target_period if _period(target_period) else None,
        target_value=_finite(row, "target_value"),
        counterbalance_id=_text(row, "counterbalance_id"),
        next_update=next_update if type(next_update) is dt.date else None,
        change_threshold=_finite(row, "change_threshold"),
        visibility="confidential" if _text(row, "visibility") == "confidential" else "public",
    )


def _published_results(package: Package, rows: Iterable[read.Row]) -> list[model.Result]:
    """An indicator's readable results as the site will show them at the run's moment: those
    still under embargo then are left out by the site's own filter
    (:func:`pvreport.report.visibility.under_embargo`)."""
    out = []
    for row in rows:
        indicator_id, group, text = _text(row, "indicator_id"), _text(row, "group"), None
        period, value = _period(row.get("period")), _finite(row, "value")
        if period is not None:
            text = period.text
        if indicator_id is None or group is None or text is None or value is None:
            continue
        embargo = row.get("embargo_until")
        result = model.Result(
            indicator_id=indicator_id,
            period=text,
            group=group,
            value=value,
            lower=_finite(row, "lower"),
            upper=_finite(row, "upper"),
            embargo_until=embargo if isinstance(embargo, dt.datetime) else None,
        )
        if not visibility.under_embargo(result, package.clock.now):
            out.append(result)
    return out


def counterbalances_hold(package: Package) -> Iterator[Problem]:
    """A target met while its counterbalance is getting worse may be met by missing the point.

    The statuses are :mod:`pvreport.report.derive`'s, judged on the indicators and results the site
    publishes at the run's moment, so the warning agrees with what the site shows.
    """
    indicators = package.by_id("indicators")
    paired = {
        i
        for indicator_id, row in indicators.items()
        if (partner := _text(row, "counterbalance_id")) is not None
        for i in (indicator_id, partner)
    }

    def paired_overall(columns: read.Columns) -> Any:
        # derive judges an indicator by its "all" results only (Result.is_all).
        return columns.where("indicator_id", lambda v: v in paired) & columns.where(
            "group", lambda g: g == "all"
        )

    results = package.grouped("results", "indicator_id", paired_overall)
    # The site shows neither a withheld indicator nor a withheld counterbalance: the same
    # withholding decides (pvreport.report.visibility), so the warning is about what readers see.
    measures = {i: m for i, row in indicators.items() if (m := _as_indicator(row)) is not None}
    objectives = [
        types.SimpleNamespace(id=i, visibility=_text(row, "visibility") or "public")
        for i, row in package.by_id("objectives").items()
    ]
    _, withheld = visibility.withheld_measures(objectives, measures.values())
    for indicator_id, row in indicators.items():
        partner_id = _text(row, "counterbalance_id")
        if partner_id is None or partner_id == indicator_id or partner_id not in indicators:
            continue
        own, partner = measures.get(indicator_id), measures.get(partner_id)
        if own is None or partner is None or {indicator_id, partner_id} & withheld:
            continue
        relative = load.relative_change_threshold(package.descriptor)
        status = derive.indicator_status(
            own,
            _published_results(package, results.get(indicator_id, [])),
            as_of=package.as_of,
            relative_threshold=relative,
        )
        theirs = derive.indicator_status(
            partner,
            _published_results(package, results.get(partner_id, [])),
            as_of=package.as_of,
            relative_threshold=relative,
        )
        if not derive.counterbalance_caution(own, status, theirs):
            continue
        yield _problem(
            "target-met-counterbalance-worsening",
            package,
            "indicators",
            row,
            "counterbalance_id",
            f"Indicator '{indicator_id}' has met its target, but its counterbalance "
            f"'{partner_id}' is getting worse. {status.target_reason} For '{partner_id}': "
            f"{theirs.reason}",
            value=partner_id,
        )


def change_thresholds_used(package: Package) -> Iterator[Problem]:
    """An indicator's own change_threshold counts only where the two compared results have no
    range of uncertainty. Where every result of the whole population has one (and the baseline,
    if any, takes its result's range), the ranges always decide and the threshold is never used.

    Every result counts, embargoed ones too: a threshold is used once any of them lacks a range.
    """
    if not package.readable("results"):
        return
    with_threshold = {
        indicator_id: (row, threshold)
        for indicator_id, row in package.by_id("indicators").items()
        if (threshold := _finite(row, "change_threshold")) is not None
    }
    if not with_threshold:
        return

    def thresholded_overall(columns: read.Columns) -> Any:
        return columns.where("indicator_id", lambda v: v in with_threshold) & columns.where(
            "group", lambda g: g == "all"
        )

    results = package.grouped("results", "indicator_id", thresholded_overall)
    for indicator_id, (row, threshold) in with_threshold.items():
        overall = [r for r in results.get(indicator_id, []) if r.get("group") == "all"]
        ranges = [(_number(r, "lower"), _number(r, "upper")) for r in overall]
        if not overall or any(lower is None or upper is None for lower, upper in ranges):
            continue
        baseline_period = _text(row, "baseline_period")
        baseline = _finite(row, "baseline_value")
        if baseline_period is not None and baseline is not None:
            held = [
                lower <= baseline <= upper
                for r, (lower, upper) in zip(overall, ranges, strict=True)
                if r.get("period") == baseline_period and lower is not None and upper is not None
            ]
            if not any(held):
                continue  # the baseline has no range: the threshold can be used
        yield _problem(
            "change-threshold-unused",
            package,
            "indicators",
            row,
            "change_threshold",
            f"Indicator '{indicator_id}' has a change_threshold of {threshold:g}, but every one "
            f"of its results for the whole population (group all) in {package.file('results')} "
            "has a range of uncertainty (lower and upper). The ranges decide whether it changed, "
            "so the threshold is never used.",
            value=f"{threshold:g}",
        )


def _engagements_without(
    package: Package, resource: str, code: str, what: str, why: str
) -> Iterator[Problem]:
    """Engagements with no row in ``resource`` (or no such file): ``code``, saying the
    engagement has no ``what`` and ``why`` that matters. Nothing where the file could not be
    read (its own problems say why)."""
    if not package.absent(resource) and not package.readable(resource):
        return
    found = package.grouped(resource, "engagement_id")
    for engagement_id, row in package.by_id("engagements").items():
        if engagement_id in found:
            continue
        where = (
            f"the package has no {resource} file"
            if package.absent(resource)
            else f"{package.file(resource)} has no row for it"
        )
        yield _problem(
            code,
            package,
            "engagements",
            row,
            None,
            f"Engagement '{engagement_id}' has no {what} ({where}){why}",
        )


def engagements_answered(package: Package) -> Iterator[Problem]:
    """Every engagement says what was done with what was heard (responses)."""
    return _engagements_without(
        package,
        "responses",
        "engagement-without-responses",
        "responses",
        ": people cannot see what was done with what they said.",
    )


def engagements_profiled(package: Package) -> Iterator[Problem]:
    """Every engagement says who took part, against who the service serves."""
    return _engagements_without(
        package,
        "engagement_profile",
        "engagement-without-profile",
        "profile",
        ", so nobody can tell whether the people who took part are like the people the service "
        "serves.",
    )


def decisions_weigh_options(package: Package) -> Iterator[Problem]:
    if not package.absent("options") and not package.readable("options"):
        return
    options = package.grouped("options", "decision_id")
    for decision_id, row in package.by_id("decisions").items():
        count = len(options.get(decision_id, []))
        if count >= 2:
            continue
        if package.absent("options"):
            said = "the package has no options file"
        else:
            said = f"it has {'no options' if count == 0 else 'only one option'}"
        yield _problem(
            "decision-with-few-options",
            package,
            "decisions",
            row,
            None,
            f"Decision '{decision_id}' does not show two or more options ({said}), so the "
            f"trade-off behind it is not explained.",
        )


def engaged_decisions_say_what_was_open(package: Package) -> Iterator[Problem]:
    for row in package.rows("decisions"):
        engaged = read.split_ids(_text(row, "engagement_ids"))
        if engaged and _text(row, "up_for_grabs") is None:
            yield _problem(
                "up-for-grabs-missing",
                package,
                "decisions",
                row,
                "up_for_grabs",
                f"Decision '{_text(row, 'id') or ''}' was informed by engagement "
                f"({_quoted(engaged)}) but does not say what the public could change and what was "
                f"already fixed.",
            )


def _two_years_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 2)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 2, day=28)


def results_are_recent(package: Package) -> Iterator[Problem]:
    """An indicator's latest result should be at most two years older than the period's end."""
    reporting = package.descriptor.get("reporting_period")
    end_text = reporting.get("end") if isinstance(reporting, Mapping) else None
    try:
        end = dt.date.fromisoformat(end_text) if isinstance(end_text, str) else None
    except ValueError:
        end = None
    if end is None or not package.readable("results"):
        return
    cutoff = _two_years_before(end)

    def latest_only(columns: read.Columns) -> Any:
        # Only each indicator's first row of its latest period: max() finds the first of the
        # rows of the latest period, which is that one.
        import numpy as np

        owner, owners = columns.groups("indicator_id")
        period, found = columns.groups("period", _period)
        order = sorted((p, n) for n, p in enumerate(found) if p is not None)
        rank_of = np.full(len(found), -1, dtype=np.int64)
        for rank, (_, number) in enumerate(order):
            rank_of[number] = rank
        rank = rank_of[period]
        best = np.full(len(owners), -1, dtype=np.int64)
        np.maximum.at(best, owner, rank)
        latest = np.flatnonzero((rank >= 0) & (rank == best[owner]))
        first = np.unique(owner[latest], return_index=True)[1]
        mask = np.zeros(len(owner), dtype=bool)
        mask[latest[first]] = True
        return mask

    results = package.grouped("results", "indicator_id", latest_only)
    for indicator_id, row in package.by_id("indicators").items():
        found = [p for r in results.get(indicator_id, []) if (p := _period(r.get("period")))]
        if not found:
            continue
        latest = max(found)
        if latest.end < cutoff:
            yield _problem(
                "stale-results",
                package,
                "indicators",
                row,
                None,
                f"The latest result of indicator '{indicator_id}' is for {latest.text}, which "
                f"ended more than two years before the end of this report's period "
                f"({end.isoformat()}).",
                value=latest.text,
            )


def next_updates_to_come(package: Package) -> Iterator[Problem]:
    """An indicator's ``next_update`` has passed: the site will flag it as overdue.

    Judged as :func:`pvreport.report.derive.indicator_status` judges it, on the day the build treats as
    today. A confidential indicator is not on the site, so not flagged there.
    """

    def passed(columns: read.Columns) -> Any:
        return columns.where("next_update", lambda d: isinstance(d, dt.date) and package.as_of > d)

    for row in package.rows("indicators", passed):
        due = row.get("next_update")
        if not isinstance(due, dt.date) or package.as_of <= due:
            continue
        if _text(row, "visibility") == "confidential":
            continue
        yield _problem(
            "next-update-passed",
            package,
            "indicators",
            row,
            "next_update",
            f"Indicator '{_text(row, 'id') or ''}' said new results would come by "
            f"{due.isoformat()}, and that day has passed (today is taken to be "
            f"{package.as_of.isoformat()}); "
            f"the site marks it as overdue.",
            value=due.isoformat(),
        )


def indicators_have_results(package: Package) -> Iterator[Problem]:
    if not package.readable("results"):
        return

    def first_of_each(columns: read.Columns) -> Any:
        import numpy as np

        owner, _ = columns.groups("indicator_id")
        mask = np.zeros(len(owner), dtype=bool)
        mask[np.unique(owner, return_index=True)[1]] = True
        return mask

    results = package.grouped("results", "indicator_id", first_of_each)
    for indicator_id, row in package.by_id("indicators").items():
        if indicator_id not in results:
            yield _problem(
                "indicator-without-results",
                package,
                "indicators",
                row,
                None,
                f"Indicator '{indicator_id}' has no results in {package.file('results')}.",
            )


def _free_text_fields(name: str, header: Iterable[str]) -> list[str]:
    """Columns that hold free text: contract strings without a pattern or list, and extra columns.

    Ids, periods, enums and list cells have patterns that frictionless checks already.
    """
    known = contract.fields(name) if name in contract.RESOURCES else {}
    out = []
    for label in header:
        if not label:
            continue
        field = known.get(label)
        if field is None:
            out.append(label)
            continue
        constraints = field.get("constraints", {})
        if field.get("type", "string") == "string" and not (
            constraints.get("pattern") or constraints.get("enum")
        ):
            out.append(label)
    return list(dict.fromkeys(out))


def formula_like_text(package: Package) -> Iterator[Problem]:
    """A text cell a spreadsheet would run as a formula when someone opens the download.

    A plain number such as -5 is left alone: a spreadsheet reads it as that number.
    """
    for name, table in package.tables.items():
        for field in _free_text_fields(name, table.header):
            keep: Keep = lambda columns, f=field: columns.where(f, _formula_like)
            for row in package.rows(name, keep):
                cell = row.get(field)
                if _formula_like(cell):
                    yield _problem(
                        "formula-like-text",
                        package,
                        name,
                        row,
                        field,
                        f"The text starts with '{cell[0]}', so a spreadsheet would run it as a "
                        f"formula when someone opens the published data.",
                        value=cell,
                    )


def _formula_like(cell: Any) -> bool:
    return (
        isinstance(cell, str) and cell.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.match(cell)
    )


#: Rows that cannot be shown without the row they belong to.
_BELONGS_TO = (
    ("indicators", "objective_id", "objectives", "objective"),
    ("options", "decision_id", "decisions", "decision"),
    ("responses", "engagement_id", "engagements", "engagement"),
)


def public_rows_of_confidential_parents(package: Package) -> Iterator[Problem]:
    """A public row that belongs to a confidential one is withheld with it.

    A public row that merely refers to a confidential one (an objective's ``authorised_by``, a
    response's ``decision_id``) is fine: the site says something was withheld. But an indicator
    cannot be shown without its objective (nor an option without its decision, nor a response
    without its engagement), so marking it public promises something the site will not show.
    """
    for name, key, parent_name, noun in _BELONGS_TO:
        parents = package.by_id(parent_name)
        for row in package.rows(name):
            parent_id = _text(row, key)
            parent = parents.get(parent_id) if parent_id is not None else None
            if parent is None or _text(parent, "visibility") != "confidential":
                continue
            if _text(row, "visibility") not in (None, "public"):
                continue
            yield _problem(
                "withheld-with-parent",
                package,
                name,
                row,
                "visibility",
                f"This row is public, but its {noun} '{parent_id}' is confidential, so it will be "
                f"withheld from the site together with it.",
                value=_text(row, "visibility") or "public",
                hint=f"Mark this row confidential too, or make {noun} '{parent_id}' public if it "
                f"can be published.",
            )


RULES: tuple[Rule, ...] = (
    list_references,
    references_to_absent_resources,
    objective_cycles,
    counterbalance_is_itself,
    reserved_ids,
    numbers_are_figures,
    baseline_half_given,
    target_half_given,
    interval_half_given,
    value_outside_interval,
    periods_are_dates,
    moments_are_readable,
    mixed_period_forms,
    engagement_dates,
    profile_shares,
    chosen_options,
    chosen_option_withheld,
    not_doing_explained,
    result_groups,
    revisions_name_present_resources,
    revisions_name_rows,
    objectives_measured_by_outcomes,
    counterbalances_hold,
    change_thresholds_used,
    engagements_answered,
    engagements_profiled,
    decisions_weigh_options,
    engaged_decisions_say_what_was_open,
    results_are_recent,
    next_updates_to_come,
    indicators_have_results,
    formula_like_text,
    public_rows_of_confidential_parents,
)
