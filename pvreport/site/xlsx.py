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

import dataclasses
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .. import contract

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
        "Required: fill it in on every row." if constraints.get("required") else "Optional."
    )
    if "enum" in constraints:
        parts.append("Choose one of: " + ", ".join(str(v) for v in constraints["enum"]) + ".")
    elif contract.LIST_OF in spec:
        parts.append("One id, or several separated by ; (for example a-1;a-2).")
    elif spec.get("type") == "date":
        parts.append("A date written YYYY-MM-DD, or a date cell.")
    elif spec.get("type") == "boolean":
        parts.append("true or false.")
    elif spec.get("type") in ("number", "integer"):
        parts.append("A number.")
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
            "property": "The name of a property of the package, written with dots "
            "(organisation.name, reporting_period.label). Leave the names as they are.",
            "value": "The property's value. A list is written with ; between its items (en;cy).",
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
                        "error_message": "Choose one of: " + ", ".join(choices),
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
