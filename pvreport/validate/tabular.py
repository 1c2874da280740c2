"""frictionless with the contract's schemas, and its report turned into pvreport's problems.

This is the one place that reads a frictionless report. Three things make it more than a call:

- frictionless matches columns by position, while a spreadsheet user reorders columns and leaves
  optional ones out. Each file therefore gets a schema built from the contract in the order of its
  own heading row (unknown columns as text, absent optional columns dropped).
- frictionless counts row positions; people see physical lines. ``read.csv_records`` gives the
  physical line of every record (quoted line breaks and blank lines make them differ).
- Hygiene has already explained some cells better (``1,234`` in a number column); those are not
  reported twice.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from .. import contract, messages
from ..problems import Problem
from ..report import periods
from ..tables import gate, read
from ..tables.gate import DESCRIPTOR, Resource
from . import fastcheck, hygiene
from .hygiene import FileCheck

#: frictionless' header errors: hygiene reports headings itself, naming the expected name.
_LABEL_ERRORS = frozenset(
    {
        "incorrect-label",
        "blank-label",
        "duplicate-label",
        "missing-label",
        "extra-label",
        "blank-header",
        "unmatched-header",
    }
)
_CONSTRAINT = re.compile(r'constraint "(\w+)"')
_PERIOD_PATTERN_START = "[0-9]{4}"

_TYPE_HINTS = {
    "number": "Write a number with digits only and a point for decimals, for example 1234.5.",
    "integer": "Write a whole number with digits only, for example 1234.",
    "date": "Write the date as YYYY-MM-DD, for example 2025-03-31.",
    "datetime": "Write the moment as YYYY-MM-DDTHH:MM:SSZ, for example 2026-05-01T09:30:00Z.",
    "boolean": "Write true or false.",
}
_TYPE_NAMES = {
    "number": "a number",
    "integer": "a whole number",
    "date": "a date",
    "datetime": "a date and time",
    "boolean": "true or false",
    "string": "text",
}


def file_schema(name: str, header: tuple[str, ...]) -> tuple[dict[str, Any], list[str]]:
    """The contract's schema of ``name`` laid out in the order of a file's heading row.

    Returns the schema for frictionless and, for each column, the name to show a user.
    """
    full = contract.for_frictionless(contract.schema(name))
    by_name = {f["name"]: f for f in full["fields"]}
    fields: list[dict[str, Any]] = []
    shown: list[str] = []
    used: set[str] = set()
    for index, norm in enumerate(header):
        if norm in by_name and norm not in used:
            fields.append(copy.deepcopy(by_name[norm]))
            used.add(norm)
            shown.append(norm)
        else:
            # Unknown, duplicate and blank headings are read as text under a name of our own;
            # hygiene has already told the user about them.
            fields.append({"name": f"pvreport-column-{index + 1}", "type": "string"})
            shown.append(norm or f"column {index + 1}")
    out: dict[str, Any] = {"fields": fields, "missingValues": full.get("missingValues", [""])}
    key = full.get("primaryKey")
    if key and all(k in used for k in key):
        out["primaryKey"] = key
    out["foreignKeys"] = [
        fk for fk in full.get("foreignKeys", []) if all(f in used for f in fk["fields"])
    ]
    return out, shown


def file_schemas(
    headers: Mapping[str, tuple[str, ...]],
) -> tuple[dict[str, dict[str, Any]], dict[str, list[str]]]:
    """:func:`file_schema` of each resource by its heading row, with only the foreign keys
    that can be checked here."""
    schemas: dict[str, dict[str, Any]] = {}
    shown: dict[str, list[str]] = {}
    for name, header in headers.items():
        schemas[name], shown[name] = file_schema(name, header)
    # A foreign key into a resource that is absent (or unreadable) cannot be checked here;
    # rules.py reports those references.
    for name, table_schema in schemas.items():
        kept = []
        for fk in table_schema["foreignKeys"]:
            target = fk["reference"]["resource"] or name
            target_fields = {f["name"] for f in schemas.get(target, {}).get("fields", [])}
            if target in schemas and all(f in target_fields for f in fk["reference"]["fields"]):
                kept.append(fk)
        table_schema["foreignKeys"] = kept
    return schemas, shown


def _constraints(field: Mapping[str, Any]) -> dict[str, Any]:
    found = dict(field.get("constraints") or {})
    if found.get("required") is False:
        del found["required"]
    return found


def compare_schema(name: str, declared: Mapping[str, Any]) -> Iterator[Problem]:
    """Where a package's own schema for a contract resource disagrees with the contract."""
    expected = contract.fields(name)
    raw_fields = declared.get("fields", [])
    if not all(isinstance(f, dict) and isinstance(f.get("name"), str) for f in raw_fields):
        yield Problem(
            "schema-invalid",
            f'The schema of "{name}" in datapackage.json has a field without a name.',
            file=DESCRIPTOR,
            field="schema",
            value=name,
        )
        return
    shapeless = [
        f["name"]
        for f in raw_fields
        if not isinstance(f.get("constraints", {}), dict)
        or not isinstance(f.get("type", "string"), str)
    ]
    if shapeless:
        yield Problem(
            "schema-invalid",
            f'The schema of "{name}" in datapackage.json gives the field "{shapeless[0][:80]}" '
            "a type that is not text or rules (constraints) that are not an object.",
            file=DESCRIPTOR,
            field="schema",
            value=name,
        )
        return
    given = {f["name"]: f for f in raw_fields}
    for field_name, field in expected.items():
        mine = given.get(field_name)
        where = f'"{name}.{field_name}"'
        if mine is None:
            if field.get("constraints", {}).get("required"):
                yield Problem(
                    "schema-missing-field",
                    f"The schema of {name} in datapackage.json leaves out the required field "
                    f"{where}.",
                    file=DESCRIPTOR,
                    field=f"{name}.{field_name}",
                )
            continue
        theirs, ours = mine.get("type", "string"), field.get("type", "string")
        if theirs != ours:
            yield Problem(
                "schema-type-mismatch",
                f"The schema of {name} in datapackage.json makes {where} {theirs}; the contract "
                f"makes it {ours}.",
                file=DESCRIPTOR,
                field=f"{name}.{field_name}",
                value=str(theirs),
                hint=f'Write "type": "{ours}" for {field_name}, or remove the schema.',
            )
        mine_c, ours_c = _constraints(mine), _constraints(field)
        differ = sorted(k for k in set(mine_c) | set(ours_c) if mine_c.get(k) != ours_c.get(k))
        if differ:
            yield Problem(
                "schema-constraint-mismatch",
                f"The schema of {name} in datapackage.json gives {where} different rules from the "
                f"contract: {', '.join(differ)}.",
                file=DESCRIPTOR,
                field=f"{name}.{field_name}",
                value=", ".join(differ),
            )
    for field_name, mine in given.items():
        if field_name not in expected and _constraints(mine).get("required"):
            yield Problem(
                "schema-extra-required-field",
                f'The schema of {name} in datapackage.json adds a required field "{field_name}" '
                "that the contract does not have.",
                file=DESCRIPTOR,
                field=f"{name}.{field_name}",
            )
    key = declared.get("primaryKey")
    if key is not None:
        theirs_key = [key] if isinstance(key, str) else key
        ours_key = contract.schema(name).get("primaryKey") or []
        if theirs_key != ours_key:
            yield Problem(
                "schema-key-mismatch",
                f"The schema of {name} in datapackage.json declares the primary key "
                f"{theirs_key}; the contract's is {ours_key or 'none'}.",
                file=DESCRIPTOR,
                field=f"{name}.primaryKey",
                value=str(theirs_key),
            )


def _spaced_id(cell: str, inner: str, shown: str) -> Problem:
    """An id that is right but for spaces before or after it: a space nobody sees in a
    spreadsheet, named and shown (as ␣)."""
    before = len(cell) - len(cell.lstrip(" "))
    after = len(cell) - len(cell.rstrip(" "))
    if before and after:
        where = messages.gettext("starts and ends with spaces")
    elif before:
        where = messages.ngettext("starts with a space", "starts with {n} spaces", before)
    else:
        where = messages.ngettext("ends with a space", "ends with {n} spaces", after)
    visible = "\u2423" * before + inner + "\u2423" * after
    return Problem(
        "bad-id",
        messages.gettext(
            'The id "{visible}" {where} (shown here as \u2423): ids have no spaces.'
        ).format(visible=visible, where=where.format(n=max(before, after))),
        field=shown,
        value=cell,
        hint=messages.gettext(
            'Delete the space: write "{inner}". A space is easy to miss in a spreadsheet; '
            "click the cell and look in the formula bar."
        ).format(inner=inner),
    )


def _slug(text: str) -> str:
    """The id a person probably meant: lower case, hyphens for spaces and punctuation."""
    return re.sub(r"[^a-z0-9-]+", "-", text.strip().lower()).strip("-")[:64]


def _type_of(field_schema: Mapping[str, Any], field: str) -> Mapping[str, Any]:
    for f in field_schema.get("fields", []):
        if f["name"] == field:
            return f
    return {}


def _constraint_problem(
    file: str, name: str, field: Mapping[str, Any], shown: str, cell: str, kind: str
) -> Problem:
    constraints = field.get("constraints", {})
    if kind == "required":
        return Problem(
            "missing-value",
            f"The cell is empty, but {shown} is required.",
            field=shown,
            hint=f"Fill in {shown}.",
        )
    if kind == "enum":
        allowed = constraints.get("enum", [])
        close = [a for a in allowed if a.lower() == cell.strip().lower().replace(" ", "_")]
        tip = f' Did you mean "{close[0]}"?' if close else ""
        return Problem(
            "not-in-list",
            f'"{cell}" is not one of the allowed values.{tip}',
            field=shown,
            value=cell,
            hint=f"Write one of: {', '.join(allowed)}.",
        )
    if kind == "pattern":
        pattern = constraints.get("pattern", "")
        if contract.LIST_OF in contract.fields(name).get(shown, {}):
            ids = [_slug(part) for part in re.split(r"[;,]", cell)]
            written = ";".join(i for i in ids if i)
            return Problem(
                "bad-id-list",
                f'"{cell}" is not a list of ids separated by semicolons.',
                field=shown,
                value=cell,
                hint=f"Write {written}: ids in lower case, separated by semicolons, no spaces."
                if written
                else None,
            )
        if pattern.startswith(_PERIOD_PATTERN_START):
            fix = periods.suggest_period(cell)
            message = messages.gettext(
                '"{cell}" is not a period in one of the contract\'s forms.'
            ).format(cell=cell)
            if fix:
                message += " " + messages.gettext('Did you mean "{fix}"?').format(fix=fix)
            return Problem(
                "bad-period",
                message,
                field=shown,
                value=cell,
                hint=messages.gettext("Write the period in one of the forms {forms}.").format(
                    forms=periods.FORMS_EXPLAINED
                )
                + (
                    " " + messages.gettext('For "{cell}", write {fix}.').format(cell=cell, fix=fix)
                    if fix
                    else ""
                ),
            )
        suggestion = _slug(cell)
        inner = cell.strip(" ")
        if inner != cell and re.fullmatch(pattern, inner):
            return _spaced_id(cell, inner, shown)
        return Problem(
            "bad-id",
            f'"{cell}" is not a valid id: ids use only lower-case letters a to z, '
            "digits and hyphens.",
            field=shown,
            value=cell,
            hint=(
                f'Write it as "{suggestion}" (lower case, hyphens instead of spaces), and use the '
                "same id wherever it is referred to."
                if suggestion
                else None
            ),
        )
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        low, high = constraints.get("minimum"), constraints.get("maximum")
        if low is not None and high is not None:
            bounds = f"from {low:g} to {high:g}"
        elif low is not None:
            bounds = f"of {low:g} or more"
        else:
            bounds = f"of {high:g} or less"
        return Problem(
            "out-of-range",
            f"{cell} is outside the allowed range; write a number {bounds}.",
            field=shown,
            value=cell,
            hint=f"Write a number {bounds}.",
        )
    return Problem(
        "constraint-failed",
        f'"{cell}" breaks the contract\'s rule "{kind}" for this column.',
        field=shown,
        value=cell,
    )


def _type_problem(file: str, field: Mapping[str, Any], shown: str, cell: str) -> Problem:
    kind = field.get("type", "string")
    if field.get("format") == "uri":
        return Problem(
            "wrong-type",
            f'"{cell}" is not a web address.',
            field=shown,
            value=cell,
            hint="Write a full web address starting with https://, or leave the cell empty.",
        )
    return Problem(
        "wrong-type",
        f'"{cell}" is not {_TYPE_NAMES.get(kind, kind)}.',
        field=shown,
        value=cell,
        hint=_TYPE_HINTS.get(kind),
    )


def both_ways(package_dir: Path) -> tuple[list[Problem], list[Problem]]:
    """A package's Table Schema problems found by frictionless itself and by the vectorised
    checks forced on every file: the differential test's two sides, which must be the same
    (the tests and the benchmark compare them)."""
    gated = gate.check(package_dir)
    if gated.descriptor is None:
        return [], []
    checks = {
        name: hygiene.check_file(name, resource.path, resource.file)
        for name, resource in gated.resources.items()
    }
    readable = {n: r for n, r in gated.resources.items() if not checks[n].fatal}
    return (
        check(package_dir, readable, checks, fast=False),
        check(package_dir, readable, checks, fast=True),
    )


def check(
    package_dir: Path,
    resources: Mapping[str, Resource],
    checks: Mapping[str, FileCheck],
    *,
    fast: bool | None = None,
    parsed: Mapping[str, read.Parsed] | None = None,
    fast_rows: int | None = None,
) -> list[Problem]:
    """Validate the readable contract resources with frictionless; return pvreport problems.

    ``resources`` are those the gate accepted and hygiene found readable; ``checks`` holds the
    hygiene result (heading row, cells already explained) of each. ``fast`` chooses the
    vectorised checks of :mod:`pvreport.validate.fastcheck`: always (True), never (False), or for files
    of more than ``fast_rows`` rows (None; default 0: every file). ``parsed`` holds
    files already read by column, by resource name.
    """
    problems: list[Problem] = []
    for name, resource in resources.items():
        if resource.declared_schema is not None:
            problems.extend(compare_schema(name, resource.declared_schema))
    schemas, shown = file_schemas({name: checks[name].header for name in resources})
    if not schemas:
        return problems
    done = _check_fast(
        resources,
        checks,
        schemas,
        shown,
        fast,
        problems,
        parsed or {},
        0 if fast_rows is None else fast_rows,
    )
    slow = [name for name in resources if name not in done]
    if not slow:
        return problems
    # Imported here: a package checked by column throughout may not need all of it.
    import frictionless
    from frictionless.formats import CsvControl

    # frictionless needs the resources the slow ones refer to, to look their ids up.
    needed = set(slow)
    for name in slow:
        needed.update(fk["reference"]["resource"] or name for fk in schemas[name]["foreignKeys"])
    try:
        root = package_dir.resolve()
        package = frictionless.Package(
            resources=[
                frictionless.Resource(
                    name=name,
                    path=resource.path.relative_to(root).as_posix(),
                    format="csv",
                    encoding="utf-8",
                    control=CsvControl(delimiter=","),
                    schema=frictionless.Schema.from_descriptor(schemas[name]),
                )
                for name, resource in resources.items()
                if name in needed
            ],
            basepath=str(root),
        )
        report = package.validate()
    except frictionless.FrictionlessException as error:
        # frictionless reports bad data in its report; an exception means it could not even
        # start, which the user can only fix by re-saving the files.
        return [
            *problems,
            Problem(
                "file-unreadable",
                f"The package's tables cannot be read: {error.error.message}",
                file=DESCRIPTOR,
            ),
        ]
    for task in report.tasks:
        name = task.name
        if name not in resources or name in done:
            continue
        problems.extend(
            _convert(name, resources[name], checks[name], schemas[name], shown[name], task.errors)
        )
    if report.errors:  # package-level failures, not tied to one resource
        for error in report.errors:
            problems.append(
                Problem(
                    "file-unreadable",
                    f"The package cannot be read: {error.message}",
                    file=DESCRIPTOR,
                )
            )
    return problems


def _check_fast(
    resources: Mapping[str, Resource],
    checks: Mapping[str, FileCheck],
    schemas: Mapping[str, dict[str, Any]],
    shown: Mapping[str, list[str]],
    fast: bool | None,
    problems: list[Problem],
    parsed: Mapping[str, read.Parsed],
    fast_rows: int,
) -> set[str]:
    """Check large resources with :mod:`pvreport.validate.fastcheck`; return the names it checked.

    A resource referring to one checked here is checked here too, since frictionless would
    need the large one loaded to look its ids up.
    """
    if fast is False:
        return set()
    chosen = {
        name
        for name, resource in resources.items()
        if fast or name in parsed or fastcheck.count_rows(resource.path) > fast_rows
    }
    if chosen and fast is None:
        # A package with a large file is checked by column throughout: frictionless' start-up
        # for each small file would cost more than the vectorised checks of all of them.
        chosen = set(resources)
    grown = True
    while grown:
        grown = False
        for name in set(schemas) - chosen:
            targets = {fk["reference"]["resource"] or name for fk in schemas[name]["foreignKeys"]}
            if targets & chosen:
                chosen.add(name)
                grown = True
    done: set[str] = set()
    lookups: dict[tuple[str, str], set[Any]] = {}
    for name in [n for n in resources if n in chosen]:
        for fk in schemas[name]["foreignKeys"]:
            target = fk["reference"]["resource"] or name
            key = (target, fk["reference"]["fields"][0])
            if key not in lookups:
                lookups[key] = fastcheck.lookup_values(
                    resources[target].path, schemas[target], key[1], parsed.get(target)
                )
        try:
            errors, lines = fastcheck.check(
                resources[name].path, schemas[name], lookups, name, parsed.get(name)
            )
        except fastcheck.Unsupported:
            continue
        problems.extend(
            _convert(name, resources[name], checks[name], schemas[name], shown[name], errors, lines)
        )
        done.add(name)
    return done


def _convert(
    name: str,
    resource: Resource,
    hygiene: FileCheck,
    table_schema: Mapping[str, Any],
    shown: list[str],
    errors: list[Any],
    lines: Sequence[int] | None = None,
) -> Iterator[Problem]:
    file = resource.file
    if lines is None:
        lines = [start for start, _ in read.csv_records(resource.path)]
    display = {f["name"]: shown[i] for i, f in enumerate(table_schema["fields"])}
    seen_rows: set[tuple[str, int]] = set()
    # A reference that is not even a well-formed id is reported as that, not again as unknown.
    malformed = {
        (getattr(e, "row_number", None), getattr(e, "field_name", None))
        for e in errors
        if e.type in ("type-error", "constraint-error")
    }
    # A short row is reported once as a missing cell, not again as each required cell it lacks.
    cut_off = {
        (getattr(e, "row_number", None), getattr(e, "field_name", None))
        for e in errors
        if e.type == "missing-cell"
    }

    def line_of(row_number: int | None) -> int | None:
        if row_number is None or not 1 <= row_number <= len(lines):
            return None
        return lines[row_number - 1]

    for error in errors:
        kind = error.type
        if kind in _LABEL_ERRORS or kind == "blank-row":
            continue  # hygiene explains headings and blank rows
        row_number = getattr(error, "row_number", None)
        line = line_of(row_number)
        field_name = getattr(error, "field_name", None)
        shown_name = display.get(field_name, field_name) if field_name else None
        cell = getattr(error, "cell", None)
        if line is not None and line in hygiene.blank_lines:
            continue  # a row of spaces is a blank row to a reader, and to read.read_table
        if shown_name and line is not None and (line, shown_name) in hygiene.explained:
            continue
        found: Problem | None = None
        if kind == "type-error":
            found = _type_problem(file, _type_of(table_schema, field_name), shown_name or "", cell)
        elif kind == "constraint-error":
            if (row_number, field_name) in cut_off:
                continue
            match = _CONSTRAINT.search(error.note or "")
            found = _constraint_problem(
                file,
                name,
                _type_of(table_schema, field_name),
                shown_name or "",
                cell or "",
                match.group(1) if match else "",
            )
        elif kind in ("primary-key", "unique-error"):
            if 'all "None"' in (error.note or ""):
                continue  # an empty key is reported as missing values
            key = table_schema.get("primaryKey", [])
            cells = ", ".join(str(c) for c in getattr(error, "cells", []) if c)
            first = next((f for f in key if (line, f) in hygiene.explained), None)
            if first is not None:
                continue
            found = Problem(
                "duplicate-id",
                f"Another row above already has the "
                f"{'id' if key == ['id'] else ' + '.join(key)} of this row.",
                field=key[0] if len(key) == 1 else None,
                value=cells or None,
                hint=(
                    "Give this row a different id, or delete it if it repeats a row above."
                    if key == ["id"]
                    else f"No two rows may share the same {', '.join(key)}: change or delete "
                    "one of them."
                ),
            )
        elif kind == "foreign-key":
            fields = list(getattr(error, "field_names", []) or [])
            values = [str(c) for c in getattr(error, "field_cells", []) or []]
            target = getattr(error, "reference_name", "") or name
            ref_fields = list(getattr(error, "reference_field_names", []) or [])
            field = display.get(fields[0], fields[0]) if fields else None
            if field and line is not None and (line, field) in hygiene.explained:
                continue
            if fields and (row_number, fields[0]) in malformed:
                continue
            found = Problem(
                "unknown-reference",
                f"There is no row in {target} with "
                f'{"/".join(ref_fields) or "id"} "{", ".join(values)}".',
                field=field,
                value=", ".join(values) or None,
                hint=f"Check the spelling against the ids in {target}, or add the missing row "
                f"to {target}.",
            )
        elif kind == "extra-cell":
            if ("extra", line or 0) in seen_rows:
                continue
            seen_rows.add(("extra", line or 0))
            found = Problem(
                "extra-cell",
                "This line has more cells than the heading row.",
            )
        elif kind == "missing-cell":
            if ("missing", line or 0) in seen_rows:
                continue
            seen_rows.add(("missing", line or 0))
            found = Problem(
                "missing-cell",
                f'This line has fewer cells than the heading row; it stops before "{shown_name}".',
                field=shown_name,
            )
        elif row_number is not None:
            found = Problem(
                "constraint-failed",
                f"{error.message}",
                field=shown_name,
                value=str(cell) if cell is not None else None,
            )
        else:
            found = Problem("file-unreadable", f"{file} cannot be read as a table: {error.note}")
        yield Problem(
            found.code,
            found.message,
            file=file,
            line=line,
            field=found.field,
            value=found.value,
            hint=found.hint,
            severity=found.severity,
        )
