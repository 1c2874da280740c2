"""A package laid out as one Excel workbook (contract v1.1, "a package as a workbook"): a sheet
per resource with its headings in row 1, a ``package`` sheet of the descriptor's properties in
dotted form, and, where asked, a note on each heading and a drop-down list on each field with
fixed values. The one writer of workbooks: ``pvreport new --workbook`` and the public data's
workbook on ``/data/`` both call :func:`workbook_bytes`.

Written with XlsxWriter, to bytes: every text cell is written as a string (never a formula, a
number or a link, whatever it looks like), and the workbook's dates are fixed, so the same sheets
give the same bytes.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .. import contract
from ..messages import _

#: The sheet of the descriptor's properties, and its two headings.
PACKAGE_SHEET = "package"
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


def package_rows(descriptor: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The descriptor's properties as the ``package`` sheet holds them, one row each, in dotted
    form (``organisation.name``); a list of texts joined with ``;`` (``languages``: ``en;cy``),
    a list of objects numbered from 1 (``licenses.1.name``). ``resources`` is the sheets
    themselves, so it is left out."""
    rows: list[tuple[str, str]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), item)
        elif isinstance(value, list) and any(isinstance(v, (Mapping, list)) for v in value):
            for number, item in enumerate(value, start=1):
                walk(f"{prefix}.{number}", item)
        elif isinstance(value, list):
            rows.append((prefix, ";".join(_text(v) for v in value)))
        elif value is not None:
            rows.append((prefix, _text(value)))

    walk("", {k: v for k, v in descriptor.items() if k != "resources"})
    return rows


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


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
) -> list[Sheet]:
    """A package as sheets: ``package`` first, then a sheet per resource in the contract's order
    (``tables``: headings and rows by resource name). With ``guide``, each heading carries a
    note saying what goes there, and each field with fixed values a drop-down list."""
    properties = Sheet(
        PACKAGE_SHEET,
        PACKAGE_HEADER,
        [list(row) for row in package_rows(descriptor)],
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
    sheets = [properties]
    for name in contract.RESOURCES:
        if name not in tables:
            continue
        header, rows = tables[name]
        sheets.append(
            Sheet(
                name,
                header,
                rows,
                notes={label: heading_note(name, label) for label in header} if guide else {},
                choices=field_choices(name) if guide else {},
            )
        )
    return sheets


def workbook_bytes(
    sheets: Sequence[Sheet], *, created: dt.datetime, title: str | None = None
) -> bytes:
    """The sheets as one ``.xlsx`` file. Texts are written as texts, numbers as numbers and
    booleans as booleans; nothing is ever a formula. ``created`` is the date the file says it
    was made (and last changed): the same sheets and date give the same bytes."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    stamp = created.astimezone(dt.UTC).replace(tzinfo=None)
    book.set_properties({"created": stamp, "title": title or "", "comments": ""})
    heading = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    for sheet in sheets:
        page = book.add_worksheet(sheet.name)
        page.freeze_panes(1, 0)
        for column, label in enumerate(sheet.header):
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
        for number, row in enumerate(sheet.rows, start=1):
            for column, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, bool):
                    page.write_boolean(number, column, value)
                elif isinstance(value, (int, float)):
                    page.write_number(number, column, value)
                else:
                    page.write_string(number, column, value)
    book.close()
    return buffer.getvalue()


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
