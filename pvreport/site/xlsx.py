"""A package laid out as one Excel workbook (contract v1.1, "a package as a workbook"): a sheet
per resource with its headings in row 1, a ``package`` sheet of the descriptor's properties in
dotted form, and, where asked, a note on each heading and a drop-down list on each field with
fixed values. The one writer of workbooks: ``pvreport new --workbook``, ``pvreport convert``
(:func:`folder_workbook`, typed cells) and the public data's workbook on ``/data/`` all call
:func:`workbook_bytes`; reading one is ``tables/workbook.py``'s job, and its ``unflatten`` is the
inverse of :func:`package_rows`.

Written with XlsxWriter, to bytes: every text cell is written as a string (never a formula, a
number or a link, whatever it looks like), and the workbook's dates are fixed, so the same sheets
give the same bytes.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import fnmatch
import io
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .. import contract
from ..messages import _
from ..problems import Problem
from ..tables import workbook

#: The sheet of the descriptor's properties, and its two headings.
PACKAGE_SHEET = workbook.PACKAGE_SHEET
PACKAGE_HEADER = ("property", "value")
#: The most rows a sheet of Excel holds, its heading row included.
EXCEL_ROWS = 1_048_576

Cell = str | int | float | bool | None


@dataclasses.dataclass(frozen=True)
class Sheet:
    """One sheet: its name, headings and rows; notes on headings and drop-down lists by
    heading."""

    name: str
    header: Sequence[str]
    rows: Iterable[Sequence[Cell]]
    notes: Mapping[str, str] = dataclasses.field(default_factory=dict)
    choices: Mapping[str, Sequence[str]] = dataclasses.field(default_factory=dict)


def package_rows(descriptor: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The descriptor's properties as the ``package`` sheet holds them, one row each, in dotted
    form (``organisation.name``), in order: a word list (:data:`workbook.WORD_LISTS`) joined
    with ``;`` (``languages``: ``en;cy``), any other list numbered from 1 (``licenses.1.name``),
    values as they are (numbers, true/false, None). The resources are the sheets themselves,
    so they are left out but for properties beyond their name and path, written
    ``resources.<name>.<property>``. The one flattening: :func:`workbook.unflatten` is its
    inverse."""
    out: list[tuple[str, Any]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), item)
        elif isinstance(value, list):
            words = any(fnmatch.fnmatchcase(prefix, p) for p in workbook.WORD_LISTS)
            if words and all(isinstance(v, str) and ";" not in v for v in value):
                out.append((prefix, ";".join(value)))
            else:
                for number, item in enumerate(value, start=1):
                    walk(f"{prefix}.{number}", item)
        else:
            out.append((prefix, value))

    for key, value in descriptor.items():
        if key != "resources":
            walk(key, value)
    for resource in descriptor.get("resources") or ():
        if isinstance(resource, Mapping):
            for key, value in resource.items():
                if key not in ("name", "path"):
                    walk(f"resources.{resource.get('name')}.{key}", value)
    return out


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _package_value(value: Any) -> Cell:
    """A property's value as the package sheet's cell: a number no cell holds as a number
    (not finite, or too large to be exact) as its text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not (abs(value) < 2**53 and math.isfinite(value)):
            return json.dumps(value)
        return value
    if value is None or isinstance(value, (str, bool)):
        return value
    return _text(value)


def heading_note(resource: str, field: str) -> str:
    """What goes in a column, in plain words, from the contract's schema: its meaning, whether
    it must be filled, and the values it takes."""
    spec = contract.fields(resource).get(field, {})
    constraints = spec.get("constraints", {})
    parts = [spec.get("description", "").strip()]
    parts.append(
        _("Required: fill it in on every row.") if constraints.get("required") else _("Optional.")
    )
    if "enum" in constraints:
        parts.append(
            _("Choose one of: {values}.").format(
                values=", ".join(str(v) for v in constraints["enum"])
            )
        )
    elif contract.LIST_OF in spec:
        parts.append(_("One id, or several separated by ; (for example a-1;a-2)."))
    elif spec.get("type") == "date":
        parts.append(_("A date written YYYY-MM-DD, or a date cell."))
    elif spec.get("type") == "boolean":
        parts.append(_("true or false."))
    elif spec.get("type") in ("number", "integer"):
        parts.append(_("A number."))
    return " ".join(p for p in parts if p)


def field_choices(resource: str) -> dict[str, list[str]]:
    """The fields of a resource with fixed values, and those values: the schema's ``enum``, and
    true or false for a yes-or-no field."""
    out: dict[str, list[str]] = {}
    for name, spec in contract.fields(resource).items():
        enum = spec.get("constraints", {}).get("enum")
        if enum:
            out[name] = [str(v) for v in enum]
        elif spec.get("type") == "boolean":
            out[name] = ["true", "false"]
    return out


def package_sheets(
    descriptor: Mapping[str, Any],
    tables: Mapping[str, tuple[Sequence[str], Iterable[Sequence[Cell]]]],
    *,
    guide: bool,
    typed: bool = False,
) -> list[Sheet]:
    """A package as sheets: ``package`` first (:func:`package_rows`), then a sheet per resource
    in the descriptor's order (``tables``: headings and rows by resource name). With ``guide``,
    each heading carries a note saying what goes there, and each field with fixed values a
    drop-down list. With ``typed``, the package sheet's numbers and true/false are cells of
    their kind (for :func:`workbook_bytes` with ``typed``); without, every value is text."""
    properties = Sheet(
        PACKAGE_SHEET,
        PACKAGE_HEADER,
        [
            [key, _package_value(value) if typed else _text(value)]
            for key, value in package_rows(descriptor)
            if value is not None
        ],
        notes={
            "property": _(
                "The name of a property of the package, written with dots "
                "(organisation.name, reporting_period.label). Leave the names as they are."
            ),
            "value": _("The property's value. A list is written with ; between its items (en;cy)."),
        }
        if guide
        else {},
    )
    listed = [r.get("name") for r in descriptor.get("resources") or () if isinstance(r, Mapping)]
    names = [n for n in listed if n in tables]
    names += [n for n in contract.RESOURCES if n in tables and n not in names]
    names += [n for n in tables if n not in names]
    sheets = [properties]
    for name in names:
        header, rows = tables[name]
        known = guide and name in contract.RESOURCES
        sheets.append(
            Sheet(
                name,
                header,
                rows,
                notes={label: heading_note(name, label) for label in header} if known else {},
                choices=field_choices(name) if known else {},
            )
        )
    return sheets


# ----------------------------------------------------------------------------------------------
# Typed cells (pvreport convert)

#: What no workbook can hold: control characters but tab, line feed and carriage return.
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class UnwritableCell(ValueError):
    """A cell no workbook can hold (a control character): its sheet, row (1-based, the
    heading row 1) and column's heading."""

    def __init__(self, table: str, row: int, column: str | None) -> None:
        super().__init__(f"{table} row {row}, {column}: a character no workbook can hold")
        self.table, self.row, self.column = table, row, column


def _number_cell(text: str) -> float | int | None:
    """The number a CSV cell's text stands for, where the workbook gives the same text back:
    the number as written in the file (16 significant digits) and read back as its text."""
    try:
        number = float(text)
    except ValueError:
        return None
    if not math.isfinite(number) or workbook.cell_text(number) != text:
        return None
    if float(f"{number:.16G}") != number:
        return None
    return int(number) if number.is_integer() else number


def typed_cell(text: str, kind: str | None) -> Cell | dt.date:
    """A CSV cell as the workbook's cell, typed where reading it back gives the same text: a
    number or integer field's number (``3.50`` stays text: its written zero is kept), a
    boolean field's true or false, a date field's ``YYYY-MM-DD``; anything else its text."""
    if text == "":
        return None
    if kind in ("number", "integer"):
        number = _number_cell(text)
        if number is not None:
            return number
    elif kind == "boolean" and text in ("true", "false"):
        return text == "true"
    elif kind == "date" and len(text) == 10:
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            return text
        if day.isoformat() == text:
            return day
    return text


def workbook_bytes(
    sheets: Sequence[Sheet],
    *,
    created: dt.datetime,
    title: str | None = None,
    typed: bool = False,
) -> bytes:
    """The sheets as one ``.xlsx`` file. Texts are written as texts, numbers as numbers and
    booleans as booleans; nothing is ever a formula. ``created`` is the date the file says it
    was made (and last changed): the same sheets and date give the same bytes.

    With ``typed``, a text cell of a resource's sheet is written as the contract's type of its
    column where reading it back gives the same text (:func:`typed_cell`), and a cell with a
    control character, which no workbook holds, raises :class:`UnwritableCell`."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            # Typed (a whole package, up to a million rows): each sheet's rows go to a
            # temporary file as they are written, with their texts inline, instead of
            # every cell and a table of all texts in memory (1.8 GB for L).
            "in_memory": not typed,
            "constant_memory": typed,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    stamp = created.astimezone(dt.UTC).replace(tzinfo=None)
    book.set_properties({"created": stamp, "title": title or "", "comments": ""})
    heading = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    for sheet in sheets:
        page = book.add_worksheet(sheet.name)
        page.freeze_panes(1, 0)
        for column, label in enumerate(sheet.header):
            if typed and _UNWRITABLE.search(label):
                raise UnwritableCell(sheet.name, 1, label)
            page.write_string(0, column, label, heading)
            page.set_column(column, column, max(12, min(40, len(label) + 4)))
            note = sheet.notes.get(label)
            if note:
                page.write_comment(0, column, note, {"x_scale": 2.5, "y_scale": 2})
            choices = sheet.choices.get(label)
            if choices:
                page.data_validation(
                    1,
                    column,
                    EXCEL_ROWS - 1,
                    column,
                    {
                        "validate": "list",
                        "source": list(choices),
                        "error_title": label,
                        "error_message": _("Choose one of: {values}.").format(
                            values=", ".join(choices)
                        ),
                    },
                )
        kinds: list[str | None] = []
        if typed and sheet.name in contract.RESOURCES:
            types = contract.fields(sheet.name)
            kinds = [types.get(label, {}).get("type") for label in sheet.header]
        width = len(kinds)
        for number, row in enumerate(sheet.rows, start=1):
            for column, value in enumerate(row):
                if value is None or value == "":
                    continue
                if typed and isinstance(value, str):
                    if _UNWRITABLE.search(value):
                        label = sheet.header[column] if column < len(sheet.header) else None
                        if sheet.name == PACKAGE_SHEET:
                            label = str(row[0])  # the property
                        raise UnwritableCell(sheet.name, number + 1, label)
                    if column < width and kinds[column]:
                        value = typed_cell(value, kinds[column])
                if isinstance(value, bool):
                    page.write_boolean(number, column, value)
                elif isinstance(value, (int, float)):
                    page.write_number(number, column, value)
                elif isinstance(value, dt.date):
                    page.write_datetime(number, column, value, day)
                else:
                    page.write_string(number, column, value)
    book.close()
    return buffer.getvalue()


def folder_workbook(folder: Path, *, created: dt.datetime) -> tuple[bytes | None, list[Problem]]:
    """A package folder as workbook bytes with typed cells (``pvreport convert``), or None and
    the problems why not: its descriptor cannot be read, the gate refuses one of its files
    (only files it lets through are ever read), or a cell holds what no workbook can."""
    from ..tables import gate

    gated = gate.check(folder)
    if gated.descriptor is None:
        return None, list(gated.problems)
    descriptor = dict(gated.descriptor)
    listed = [r for r in descriptor.get("resources") or () if isinstance(r, dict)]
    resources = [
        {**r, "path": gated.resources[r["name"]].file}
        for r in listed
        if r.get("name") in gated.resources
    ]
    if len(resources) < len(listed):
        # A resource the gate did not let through (a path out of the folder, a missing or
        # compressed file): a workbook without it would lose it.
        return None, [p for p in gated.problems if p.is_error] or list(gated.problems)
    files = {r["name"]: r["path"] for r in resources}
    tables: dict[str, tuple[Sequence[str], Iterable[Sequence[Cell]]]] = {}
    try:
        for name, rows in workbook.read_folder_tables({"resources": resources}, folder):
            tables[name] = (rows[0] if rows else [], rows[1:])
    except UnicodeDecodeError:
        return None, [Problem("not-utf8", _("A file is not saved as UTF-8."))]
    sheets = package_sheets(descriptor, tables, guide=False, typed=True)
    title = descriptor.get("title")
    try:
        data = workbook_bytes(
            sheets, created=created, title=str(title) if title else None, typed=True
        )
    except UnwritableCell as error:
        file = files.get(error.table, workbook.DESCRIPTOR)
        message = _("A cell holds a control character, which no workbook can hold.")
        return None, [
            Problem(
                "control-character",
                message,
                file=file,
                line=error.row if file != workbook.DESCRIPTOR else None,
                field=error.column,
            )
        ]
    return data, []


# ----------------------------------------------------------------------------------------------
# The public data as one workbook (/data/)

#: The sheet that says what each column means.
DICTIONARY_SHEET = "data dictionary"
#: The most cells of public data put in one workbook (a council's report holds a few thousand):
#: writing one costs about 10 s a million cells on a busy machine, so beyond this (a national
#: body's million results) the CSV files and the zip are the downloads, and a spreadsheet would
#: open such a workbook slowly if at all.
WORKBOOK_CELLS = 250_000


def dictionary_sheet(names: Iterable[str]) -> Sheet:
    """What each column of each sheet means, from the contract: its type, whether it is
    required, its meaning and its allowed values."""
    header = [
        _("sheet"),
        _("column"),
        _("type"),
        _("required"),
        _("what it means"),
        _("allowed values"),
    ]
    rows: list[list[Cell]] = []
    for name in names:
        for field, spec in contract.fields(name).items():
            constraints = spec.get("constraints", {})
            kind = str(spec.get("type", "string"))
            if contract.LIST_OF in spec:
                kind = _("list of ids, separated by ;")
            rows.append(
                [
                    name,
                    field,
                    kind,
                    _("yes") if constraints.get("required") else _("no"),
                    spec.get("description", ""),
                    ", ".join(str(v) for v in constraints.get("enum", ())),
                ]
            )
    return Sheet(DICTIONARY_SHEET, header, rows)


def public_workbook(
    descriptor: Mapping[str, Any], csvs: Mapping[str, bytes], *, created: dt.datetime
) -> bytes | None:
    """The public data as one workbook, made from the public CSV downloads themselves (``csvs``:
    their bytes by resource name), so it holds exactly their rows and cells: withheld rows left
    out, a text cell that could start a formula led by ``'`` as in the CSV files. Every cell is
    written as text, so a spreadsheet never runs or converts one. A ``package`` sheet and a data
    dictionary come with it. None where the data has more than :data:`WORKBOOK_CELLS` cells or a
    sheet would hold more rows than Excel can."""
    # Measured from the bytes before any is read (lines times headings: never too few, a cell
    # over several lines counted more than once): a national body's files are never parsed.
    cells = 0
    for data in csvs.values():
        lines = data.count(b"\n")
        if lines > EXCEL_ROWS:
            return None
        first = data.split(b"\n", 1)[0]
        cells += max(lines - 1, 0) * len(next(csv.reader([first.decode("utf-8")]), []))
    if cells > WORKBOOK_CELLS:
        return None
    tables: dict[str, tuple[list[str], list[list[Cell]]]] = {}
    for name, data in csvs.items():
        records = list(csv.reader(io.StringIO(data.decode("utf-8"))))
        header, rows = (records[0] if records else []), records[1:]
        tables[name] = (header, [list(row) for row in rows])
    sheets = package_sheets(descriptor, tables, guide=False)
    sheets.append(dictionary_sheet(n for n in contract.RESOURCES if n in tables))
    title = descriptor.get("title")
    return workbook_bytes(sheets, created=created, title=str(title) if title else None)
