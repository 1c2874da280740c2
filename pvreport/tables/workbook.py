"""A package as one ``.xlsx`` workbook: read into the CSV files and descriptor the folder path
checks (contract v1.1, "a package as a workbook").

A workbook has one sheet per resource, named as the resource, headings in row 1, and a sheet
``package`` of ``property`` / ``value`` rows, dotted (``organisation.name``; ``languages`` as
``en;cy``). :func:`unpack` turns it into a folder of CSV files and a ``datapackage.json`` that
every existing check reads as it reads any package, and remembers where each CSV line and field
came from, so :meth:`Unpacked.locate` can name the sheet and cell of every problem.
Writing a workbook is ``site/xlsx.py``'s job; its flattening of ``datapackage.json``
(``package_rows``) is the exact inverse of :func:`unflatten` here.

Two readers, each for what it does best:

- python-calamine (Rust) reads the cell values: fast enough for a million rows, dates as dates,
  a formula's saved value, merged ranges and which sheets are hidden;
- openpyxl, in read-only mode (streamed), reads formulas as formulas and error cells, to tell a
  formula with no saved value from an empty cell; it is asked only for a sheet whose bytes hold
  a formula or an error cell at all. Hidden rows and columns are attributes of the sheet's
  ``<row>`` and ``<col>`` tags, read from its XML as it is unpacked, beside calamine's parse
  (openpyxl sees them only by loading the whole sheet into Python objects: minutes and
  gigabytes for a million rows).

Nothing is opened before the zip directory is checked: old ``.xls`` files, encrypted workbooks,
workbooks with macros (``.xlsm``, or a VBA project inside) and external links are refused, and
the unpacked size (the directory's ``file_size`` of every part, before anything is unpacked) is
held to the package's ``max_file_size``, so a zip bomb is never unpacked.
"""

from __future__ import annotations

import bisect
import concurrent.futures
import csv
import dataclasses
import datetime as dt
import fnmatch
import json
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from .. import contract
from ..messages import gettext as _
from ..messages import ngettext
from ..problems import Problem
from . import limits as size_limits

#: File endings read as workbooks (the others are refused with their own problem).
SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
#: The sheet of datapackage.json's properties.
PACKAGE_SHEET = "package"
DESCRIPTOR = "datapackage.json"
#: Properties that are lists of words, written in one cell with ``;`` between them.
WORD_LISTS = ("languages", "organisation.funding.sources", "contributors.*.roles")

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"


def is_workbook(path: Path) -> bool:
    """A file whose name says it is a spreadsheet workbook (read, or refused with a reason)."""
    return path.suffix.lower() in SUFFIXES and not path.is_dir()


def column_letter(index: int) -> str:
    """``0`` -> ``A``, ``27`` -> ``AB``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --- where a CSV file's cells came from ---------------------------------------------------------


@dataclasses.dataclass
class Place:
    """One sheet written as one CSV file: which column each field is in, and which sheet row
    each CSV line is (the same, unless a cell holds a line break)."""

    sheet: str
    columns: dict[str, int] = dataclasses.field(default_factory=dict)
    #: (first CSV line, rows - lines from there on), where a cell's line breaks shift them.
    shifts: list[tuple[int, int]] = dataclasses.field(default_factory=lambda: [(1, 0)])

    def row(self, line: int) -> int:
        at = bisect.bisect_right(self.shifts, (line, float("inf"))) - 1
        return line + self.shifts[max(at, 0)][1]


@dataclasses.dataclass
class Unpacked:
    """A workbook read into a folder of CSV files (``folder`` None where it could not be)."""

    workbook: Path
    folder: Path | None
    problems: list[Problem]
    #: By CSV file name.
    places: dict[str, Place] = dataclasses.field(default_factory=dict)
    #: The package sheet's row of each property.
    properties: dict[str, int] = dataclasses.field(default_factory=dict)

    def locate(self, problem: Problem) -> Problem:
        """A problem of the CSV folder as the workbook's: file the workbook, sheet and cell."""
        name = self.workbook.name
        file = problem.file or DESCRIPTOR
        if file == DESCRIPTOR:
            row = self._property_row(problem.field)
            resources = (problem.field or "").startswith("resources") and row is None
            return dataclasses.replace(
                problem,
                file=name,
                sheet=None if resources else PACKAGE_SHEET,
                line=row,
                cell=None if row is None else f"B{row}",
                message=_sheets_named(problem.message),
                hint=_workbook_hint(problem.code) or _sheets_named(problem.hint),
            )
        place = self.places.get(file)
        if place is None:
            return dataclasses.replace(problem, file=name)
        row = None if problem.line is None else place.row(problem.line)
        column = place.columns.get(problem.field or "")
        cell = None if row is None or column is None else f"{column_letter(column)}{row}"
        return dataclasses.replace(
            problem,
            file=name,
            sheet=place.sheet,
            line=row,
            cell=cell,
            message=_sheets_named(problem.message),
            hint=_sheets_named(problem.hint),
        )

    def _property_row(self, field: str | None) -> int | None:
        if not field:
            return None
        if field in self.properties:
            return self.properties[field]
        for name, row in self.properties.items():
            if name.startswith(field + "."):
                return row
        return None


def _workbook_hint(code: str) -> str | None:
    """The hints that speak of files where a workbook has sheets."""
    if code == "missing-resource":
        return _("Add a sheet named as the resource, with its headings in row 1.")
    if code == "empty-resource":
        return _("Add at least one row under the headings of the sheet.")
    return None


_CSV_NAME = re.compile(r"\b([a-z_]+)\.csv\b")


def _sheets_named(text: str | None) -> str | None:
    """``results.csv`` in a message or hint as the workbook has it: the sheet results."""
    if not text:
        return text
    return _CSV_NAME.sub(
        lambda m: (
            _("the sheet {name}").format(name=m.group(1))
            if m.group(1) in contract.RESOURCES
            else m.group(0)
        ),
        text,
    )


# --- reading ----------------------------------------------------------------------------------


def _problem(
    code: str, message: str, workbook: Path, *, sheet: str | None = None, **where: Any
) -> Problem:
    return Problem(code, message, file=workbook.name, sheet=sheet, **where)


def _refusal(path: Path, limits: size_limits.Limits) -> Problem | None:
    """Why this file is not read at all, from its name, first bytes and zip directory."""
    suffix = path.suffix.lower()
    name = path.name
    if suffix == ".xlsm":
        return _problem(
            "workbook-macros",
            _("{name} is a workbook with macros (.xlsm); pvreport never opens those.").format(
                name=name
            ),
            path,
        )
    if suffix in (".xlsb", ".ods"):
        return _problem(
            "workbook-old-format",
            _("{name} is a {kind} file; pvreport reads .xlsx workbooks.").format(
                name=name, kind=suffix
            ),
            path,
        )
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
            size = path.stat().st_size
    except OSError as error:
        return _problem(
            "workbook-unreadable",
            _("{name} cannot be opened: {reason}.").format(name=name, reason=error.strerror),
            path,
        )
    if head == _OLE2:
        # Both an old .xls and an encrypted .xlsx are OLE2 compound files; an encrypted one
        # holds an EncryptionInfo stream (its name is written in UTF-16).
        data = path.read_bytes() if size <= limits.max_file_size else b""
        if "EncryptionInfo".encode("utf-16-le") in data:
            return _problem(
                "workbook-password",
                _("{name} is protected by a password, so pvreport cannot read it.").format(
                    name=name
                ),
                path,
            )
        return _problem(
            "workbook-old-format",
            _("{name} is an old Excel 97-2003 workbook (.xls); pvreport reads .xlsx.").format(
                name=name
            ),
            path,
        )
    if suffix == ".xls":
        return _problem(
            "workbook-old-format",
            _(
                "{name} is named as an old Excel 97-2003 workbook (.xls); pvreport reads .xlsx."
            ).format(name=name),
            path,
        )
    if head[:4] != _ZIP or not zipfile.is_zipfile(path):
        return _problem(
            "workbook-unreadable",
            _("{name} is not a complete .xlsx workbook (it is damaged or cut short).").format(
                name=name
            ),
            path,
        )
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return _problem(
            "workbook-unreadable",
            _("{name} is not a complete .xlsx workbook (it is damaged or cut short).").format(
                name=name
            ),
            path,
        )
    unpacked = sum(part.file_size for part in parts)
    if unpacked > limits.max_file_size:
        return _problem(
            "workbook-too-large",
            _(
                "{name} unpacks to {size}, more than the {limit} pvreport reads from one "
                "package file; it was not unpacked."
            ).format(
                name=name,
                size=size_limits.readable_size(unpacked),
                limit=size_limits.readable_size(limits.max_file_size),
            ),
            path,
        )
    names = {part.filename.lower() for part in parts}
    if any(n.endswith("vbaproject.bin") for n in names):
        return _problem(
            "workbook-macros",
            _("{name} holds macros (a VBA project); pvreport never opens those.").format(name=name),
            path,
        )
    if "xl/workbook.xml" not in names:
        return _problem(
            "workbook-unreadable",
            _("{name} is a zip file but not an .xlsx workbook (it has no xl/workbook.xml).").format(
                name=name
            ),
            path,
        )
    links = sorted(n for n in names if n.startswith("xl/externallinks/") and n.endswith(".xml"))
    if links:
        return _problem(
            "workbook-external-links",
            _(
                "{name} takes values from other files ({count} external links); those values "
                "would change without anyone changing this workbook."
            ).format(name=name, count=len(links)),
            path,
        )
    return None


@dataclasses.dataclass
class _Details:
    """What openpyxl saw in one sheet."""

    hidden_rows: list[int] = dataclasses.field(default_factory=list)
    hidden_columns: list[int] = dataclasses.field(default_factory=list)
    #: (row, column) 0-based, of formulas, and of error cells with their error.
    formulas: set[tuple[int, int]] = dataclasses.field(default_factory=set)
    errors: dict[tuple[int, int], str] = dataclasses.field(default_factory=dict)
    #: (row, column) 0-based, of cells formatted as a percentage (12% is held as 0.12).
    percent: set[tuple[int, int]] = dataclasses.field(default_factory=set)


def _part(target: str) -> str:
    """A relation's target as the zip part's name (``/xl/worksheets/sheet1.xml`` and
    ``worksheets/sheet1.xml`` are both ``xl/worksheets/sheet1.xml``)."""
    target = target.lstrip("/")
    return target if target.startswith("xl/") else f"xl/{target}"


def _scan(path: Path, sheets: Sequence[str]) -> dict[str, _Details]:
    """What calamine does not see, per sheet. Hidden rows and columns are read from the sheet's
    XML as it is unpacked, a block at a time (each block cut after a tag's end, so no tag is
    split); only a sheet whose bytes hold a formula or an error cell is read again, by openpyxl
    in read-only mode (streamed, a row at a time), for those cells."""
    from openpyxl.reader.workbook import WorkbookParser

    found: dict[str, _Details] = {}
    again: list[str] = []
    with zipfile.ZipFile(path) as archive:
        parser = WorkbookParser(archive, "xl/workbook.xml")
        parser.parse()
        parts = {sheet.name: _part(rel.target) for sheet, rel in parser.find_sheets()}
        names = set(archive.namelist())
        percent = _percent_styles(archive) if "xl/styles.xml" in names else ()
        for name in sheets:
            part = parts.get(name)
            if part is None or part not in names:
                continue
            details = _Details()
            cells = False
            with archive.open(part) as handle:
                rest = b""
                while True:
                    more = handle.read(1 << 24)
                    block, rest = _cut(rest + more) if more else (rest, b"")
                    if not block:
                        break
                    if b'hidden="' in block:
                        _hidden(block, details)
                    if not cells and any(marker in block for marker in _CELL_MARKERS):
                        cells = True
                    if any(style in block for style in percent):
                        _percent_cells(block, percent, details)
            if cells:
                again.append(name)
            found[name] = details
    if again:
        _cells(path, again, found)
    return found


def _percent_styles(archive: zipfile.ZipFile) -> tuple[bytes, ...]:
    """The ``s="N"`` attributes of cells formatted as a percentage (built-in formats 9 and 10,
    or a format of the workbook's own with a % outside quotes)."""
    from openpyxl.styles.stylesheet import Stylesheet
    from openpyxl.xml.functions import fromstring

    sheet = Stylesheet.from_tree(fromstring(archive.read("xl/styles.xml")))
    ids = {9, 10} | {
        f.numFmtId
        for f in sheet.numFmts.numFmt
        if "%" in re.sub(r'"[^"]*"', "", f.formatCode or "").replace("\\%", "")
    }
    return tuple(
        f' s="{i}"'.encode() for i, xf in enumerate(sheet.cellXfs.xf) if xf.numFmtId in ids
    )


_CELL_TAG = re.compile(rb'<(?:\w+:)?c\b[^>]*\br="([A-Z]+)(\d+)"[^>]*>')


def _percent_cells(block: bytes, styles: tuple[bytes, ...], details: _Details) -> None:
    for tag in _CELL_TAG.finditer(block):
        text = tag.group()
        if any(style in text for style in styles):
            letters, row = tag.group(1).decode(), int(tag.group(2))
            column = 0
            for letter in letters:
                column = column * 26 + ord(letter) - 64
            details.percent.add((row - 1, column - 1))


def _cut(data: bytes) -> tuple[bytes, bytes]:
    cut = data.rfind(b">") + 1
    return data[:cut], data[cut:]


_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b[^>]*>")
_COL_TAG = re.compile(rb"<(?:\w+:)?col\b[^>]*>")
_ATTRIBUTE = re.compile(rb'\b(r|min|max|hidden)="([^"]*)"')
#: A formula (``<f>``, ``<f t="shared" .../>``, with or without a namespace prefix) or an
#: error cell.
_CELL_MARKERS = (b"<f>", b"<f ", b"<f/>", b":f>", b":f ", b't="e"')


def _hidden(block: bytes, details: _Details) -> None:
    for tag in _ROW_TAG.finditer(block):
        attributes = dict(_ATTRIBUTE.findall(tag.group()))
        if attributes.get(b"hidden") in (b"1", b"true") and attributes.get(b"r", b"").isdigit():
            details.hidden_rows.append(int(attributes[b"r"]))
    for tag in _COL_TAG.finditer(block):
        attributes = dict(_ATTRIBUTE.findall(tag.group()))
        if attributes.get(b"hidden") in (b"1", b"true") and attributes.get(b"min", b"").isdigit():
            first = int(attributes[b"min"])
            last = int(attributes.get(b"max", b"") or first)
            details.hidden_columns.extend(range(first - 1, max(last, first)))


def _cells(path: Path, sheets: Sequence[str], found: dict[str, _Details]) -> None:
    """Formulas and error cells, by openpyxl in read-only mode (a formula as its text, so that
    one with no saved value can be told from an empty cell)."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=False, keep_links=False)
    try:
        for name in sheets:
            details = found[name]
            for row in book[name].iter_rows():
                for cell in row:
                    kind = getattr(cell, "data_type", None)
                    if kind == "f":
                        details.formulas.add((cell.row - 1, cell.column - 1))
                    elif kind == "e":
                        details.errors[(cell.row - 1, cell.column - 1)] = str(cell.value)
    finally:
        book.close()


def cell_text(value: Any, date_field: bool = False) -> str:
    """A cell's value as the CSV text it stands for: a whole number without ``.0``, a date as
    ``YYYY-MM-DD``, a moment as ``YYYY-MM-DDTHH:MM:SS``, true and false in lower case."""
    kind = type(value)
    if kind is str:
        return value
    if kind is float:
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is dt.datetime:
        if date_field and value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat()
    if kind is dt.date:
        return value.isoformat()
    if value is None:
        return ""
    return str(value)


def _date_fields(name: str) -> set[str]:
    return {f for f, spec in contract.fields(name).items() if spec.get("type") == "date"}


def _rows(sheet: Any) -> Iterator[list[Any]]:
    """A sheet's rows from A1: calamine starts each row at the first column used."""
    if sheet.start is None:
        return
    lead = [""] * sheet.start[1]
    for values in sheet.iter_rows():
        yield lead + values if lead else values


def _write_sheet(
    sheet: Any,
    name: str,
    target: Path,
    details: _Details | None,
    workbook: Path,
) -> tuple[Place, list[Problem]]:
    """One sheet's cells into one CSV file, and where each line came from."""
    place = Place(sheet=name)
    problems: list[Problem] = []
    rows = _rows(sheet)
    header_row = next(rows, None)
    header = [cell_text(v) for v in header_row] if header_row is not None else []
    while header and not header[-1].strip():
        header.pop()
    width = len(header)
    place.columns = {h: i for i, h in enumerate(header)}
    dates = {i for i, h in enumerate(header) if h in _date_fields(name)}
    formulas = details.formulas if details else set()
    errors = details.errors if details else {}
    numbers = {
        i
        for i, h in enumerate(header)
        if contract.fields(name).get(h, {}).get("type") in ("number", "integer")
    }
    percent = {(r, c) for r, c in (details.percent if details else ()) if c in numbers}
    doubtful = {r for r, _c in formulas} | {r for r, _c in errors} | {r for r, _c in percent}
    pending_blank = 0
    line = 1
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        line += 1
        date_columns = sorted(dates)
        for index, values in enumerate(rows, start=1):
            cells = [v if v.__class__ is str else cell_text(v) for v in values]
            for i in date_columns:
                if i < len(values) and values[i].__class__ is dt.datetime:
                    cells[i] = cell_text(values[i], True)
            if index in doubtful:
                for (r, c), error in errors.items():
                    if r == index:
                        problems.append(
                            _problem(
                                "workbook-cell-error",
                                _("{cell} shows the error {error}.").format(
                                    cell=f"{column_letter(c)}{r + 1}", error=error
                                ),
                                workbook,
                                sheet=name,
                                line=r + 1,
                                cell=f"{column_letter(c)}{r + 1}",
                                field=header[c] if c < width else None,
                                value=error,
                            )
                        )
                for r, c in percent:
                    if r == index and c < len(values) and isinstance(values[c], (int, float)):
                        where = f"{column_letter(c)}{r + 1}"
                        problems.append(
                            _problem(
                                "workbook-percent-cell",
                                _(
                                    "{cell} is formatted as a percentage: it shows {shown}% but "
                                    "holds {held}, and {held} is what would be published."
                                ).format(
                                    cell=where,
                                    shown=cell_text(round(values[c] * 100, 10)),
                                    held=cells[c],
                                ),
                                workbook,
                                sheet=name,
                                line=r + 1,
                                cell=where,
                                field=header[c],
                                value=cells[c],
                            )
                        )
                for r, c in formulas:
                    if r == index and c < len(cells) and cells[c] == "":
                        problems.append(
                            _problem(
                                "formula-without-value",
                                _("{cell} holds a formula with no saved value.").format(
                                    cell=f"{column_letter(c)}{r + 1}"
                                ),
                                workbook,
                                sheet=name,
                                line=r + 1,
                                cell=f"{column_letter(c)}{r + 1}",
                                field=header[c] if c < width else None,
                            )
                        )
            row = cells if len(cells) <= width or any(cells[width:]) else cells[:width]
            if not any(row):
                pending_blank += 1  # trailing blank rows are dropped, inner ones kept
                continue
            for _blank in range(pending_blank):
                writer.writerow([""] * width)
            line += pending_blank
            pending_blank = 0
            joined = "".join(row)
            if "\n" in joined or "\r" in joined:
                breaks = joined.count("\n") + joined.count("\r") - joined.count("\r\n")
                writer.writerow(row)
                line += 1 + breaks
                place.shifts.append((line, index + 1 - line + 1))
            else:
                writer.writerow(row)
                line += 1
    return place, problems


def _warnings(
    name: str, details: _Details | None, header: Mapping[str, int], workbook: Path
) -> list[Problem]:
    problems: list[Problem] = []
    if details is None:
        return problems
    if details.hidden_rows:
        rows = details.hidden_rows
        first = rows[0]
        problems.append(
            _problem(
                "workbook-hidden",
                ngettext_rows(rows).format(sheet=name, rows=_spans(rows)),
                workbook,
                sheet=name,
                line=first,
            )
        )
    if details.hidden_columns:
        letters = [column_letter(c) for c in details.hidden_columns]
        by_index = {i: h for h, i in header.items()}
        problems.append(
            _problem(
                "workbook-hidden",
                ngettext(
                    "Column {columns} of the sheet {sheet} is hidden, but it is read and "
                    "published.",
                    "Columns {columns} of the sheet {sheet} are hidden, but they are read and "
                    "published.",
                    len(letters),
                ).format(columns=", ".join(letters), sheet=name),
                workbook,
                sheet=name,
                field=by_index.get(details.hidden_columns[0]),
            )
        )
    return problems


def ngettext_rows(rows: Sequence[int]) -> str:
    return ngettext(
        "Row {rows} of the sheet {sheet} is hidden, but it is read and published.",
        "Rows {rows} of the sheet {sheet} are hidden, but they are read and published.",
        len(rows),
    )


def _spans(numbers: Sequence[int]) -> str:
    spans: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        spans.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(spans)


def _merged(sheet: Any, name: str, header: Mapping[str, int], workbook: Path) -> list[Problem]:
    problems = []
    by_index = {i: h for h, i in header.items()}
    for (r1, c1), (r2, c2) in sheet.merged_cell_ranges or ():
        ref = f"{column_letter(c1)}{r1 + 1}:{column_letter(c2)}{r2 + 1}"
        problems.append(
            _problem(
                "workbook-merged-cells",
                _("Cells {range} of the sheet {sheet} are merged.").format(range=ref, sheet=name),
                workbook,
                sheet=name,
                line=r1 + 1,
                cell=f"{column_letter(c1)}{r1 + 1}",
                field=by_index.get(c1),
                value=ref,
            )
        )
    return problems


def _package_sheet(
    sheet: Any, workbook: Path
) -> tuple[dict[str, Any], dict[str, int], list[Problem]]:
    """The descriptor's properties from the package sheet, and the row of each."""
    problems: list[Problem] = []
    flat: dict[str, Any] = {}
    rows: dict[str, int] = {}
    values = sheet.to_python(skip_empty_area=False)
    header = [cell_text(v).strip().lower() for v in (values[0] if values else [])]
    if header[:2] != ["property", "value"]:
        problems.append(
            _problem(
                "workbook-package-sheet",
                _("Row 1 of the sheet package must hold the headings property and value.").format(),
                workbook,
                sheet=PACKAGE_SHEET,
                line=1,
                cell="A1",
            )
        )
        return {}, {}, problems
    for number, row in enumerate(values[1:], start=2):
        key = cell_text(row[0]).strip() if row else ""
        value = row[1] if len(row) > 1 else ""
        if not key:
            continue
        if key in rows:
            problems.append(
                _problem(
                    "duplicate-key",
                    _("The property {key} is written twice (rows {first} and {second}).").format(
                        key=key, first=rows[key], second=number
                    ),
                    workbook,
                    sheet=PACKAGE_SHEET,
                    line=number,
                    cell=f"A{number}",
                    field=key,
                )
            )
            continue
        rows[key] = number
        if value == "" or value is None:
            continue
        flat[key] = value
    return unflatten(flat), rows, problems


def unflatten(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted properties into the nested descriptor: ``a.b`` an object, ``a.1.b`` a list (from
    1), a word list (:data:`WORD_LISTS`) split at ``;``; dates as ``YYYY-MM-DD``, whole numbers
    without ``.0``, and numbers in text properties as their text."""
    root: dict[str, Any] = {}
    for key, value in flat.items():
        if isinstance(value, (dt.date, dt.datetime)):
            value = cell_text(value, True)
        elif isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            value = int(value)
        if any(fnmatch.fnmatchcase(key, p) for p in WORD_LISTS) and isinstance(value, str):
            value = [w.strip() for w in value.split(";") if w.strip()]
        elif _text_property(key) and not isinstance(value, (str, bool)):
            value = cell_text(value)
        node: Any = root
        parts = key.split(".")
        for part, after in zip(parts, [*parts[1:], None], strict=True):
            slot: Any = int(part) - 1 if part.isdigit() and isinstance(node, list) else part
            if after is None:
                _put(node, slot, value)
                break
            child = _get(node, slot)
            if child is None:
                child = [] if after.isdigit() else {}
                _put(node, slot, child)
            node = child
    return root


def _get(node: Any, slot: Any) -> Any:
    if isinstance(node, list):
        return node[slot] if 0 <= slot < len(node) else None
    return node.get(slot) if isinstance(node, dict) else None


def _put(node: Any, slot: Any, value: Any) -> None:
    if isinstance(node, list):
        while len(node) <= slot:
            node.append(None)
        node[slot] = value
    elif isinstance(node, dict):
        node[slot] = value


_TEXT_PROPERTIES = (
    "name",
    "title",
    "description",
    "version",
    "organisation.*",
    "reporting_period.*",
    "licenses.*",
    "contributors.*",
)


def _text_property(key: str) -> bool:
    if key in ("organisation.funding.amount",):
        return False
    return any(fnmatch.fnmatchcase(key, p) for p in _TEXT_PROPERTIES)


def unpack(path: Path, folder: Path, limits: size_limits.Limits | None = None) -> Unpacked:
    """Read the workbook at ``path`` into ``folder`` (an empty folder): a CSV file per resource
    sheet and ``datapackage.json``. Problems of the workbook itself (not readable, refused,
    merged or hidden cells, formulas with no saved value) come with it; every other check is
    the folder's."""
    import python_calamine

    limits = limits or size_limits.Limits()
    refused = _refusal(path, limits)
    if refused is not None:
        return Unpacked(path, None, [refused])
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        # The scan for what only openpyxl sees runs beside calamine's reading (both spend
        # their time outside Python: unpacking, and calamine's parse).
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            detail = pool.submit(_scan, path, _resource_sheets(book))
            return _read(book, path, folder, detail)
    except python_calamine.PasswordError:
        message = _("{name} is protected by a password, so pvreport cannot read it.")
        return Unpacked(
            path, None, [_problem("workbook-password", message.format(name=path.name), path)]
        )
    except (
        python_calamine.CalamineError,
        zipfile.BadZipFile,
        OSError,
        ValueError,
        KeyError,
    ) as error:
        message = _("{name} cannot be read as a workbook ({reason}).")
        return Unpacked(
            path,
            None,
            [
                _problem(
                    "workbook-unreadable",
                    message.format(name=path.name, reason=type(error).__name__),
                    path,
                )
            ],
        )


def _resource_sheets(book: Any) -> list[str]:
    return [n for n in book.sheet_names if n in contract.RESOURCES]


def _read(
    book: Any, path: Path, folder: Path, detail: concurrent.futures.Future[dict[str, _Details]]
) -> Unpacked:
    unpacked = Unpacked(path, folder, [])
    problems = unpacked.problems
    names = list(book.sheet_names)
    hidden = {m.name for m in book.sheets_metadata if str(m.visible).split(".")[-1] != "Visible"}
    resources = _resource_sheets(book)
    by_lower = {r.lower(): r for r in contract.RESOURCES} | {PACKAGE_SHEET: PACKAGE_SHEET}
    for n in names:
        meant = by_lower.get(n.lower().strip())
        if meant and n != meant and meant not in names:
            problems.append(
                _problem(
                    "workbook-sheet-name-case",
                    _("The sheet {sheet} is not read: its name must be written {name}.").format(
                        sheet=n, name=meant
                    ),
                    path,
                    sheet=n,
                    value=n,
                )
            )
    for n in [*resources, PACKAGE_SHEET]:
        if n in hidden:
            problems.append(
                _problem(
                    "workbook-hidden",
                    _("The sheet {sheet} is hidden, but it is read and published.").format(sheet=n),
                    path,
                    sheet=n,
                )
            )
    if PACKAGE_SHEET not in names:
        problems.append(
            _problem(
                "workbook-no-package-sheet",
                _("{name} has no sheet named package, which holds the report's properties.").format(
                    name=path.name
                ),
                path,
            )
        )
        unpacked.folder = None
        return unpacked
    descriptor, unpacked.properties, found = _package_sheet(
        book.get_sheet_by_name(PACKAGE_SHEET), path
    )
    problems.extend(found)
    extra: dict[str, dict[str, Any]] = descriptor.pop("resources", None) or {}
    sheets = {name: book.get_sheet_by_name(name) for name in resources}
    details = detail.result()
    descriptor["resources"] = []
    for name, sheet in sheets.items():
        file = f"{name}.csv"
        place, found = _write_sheet(sheet, name, folder / file, details.get(name), path)
        unpacked.places[file] = place
        problems.extend(found)
        problems.extend(_merged(sheet, name, place.columns, path))
        problems.extend(_warnings(name, details.get(name), place.columns, path))
        more = extra.get(name) if isinstance(extra, dict) else None
        descriptor["resources"].append(
            {"name": name, "path": file, **(more if isinstance(more, dict) else {})}
        )
    (folder / DESCRIPTOR).write_text(
        json.dumps(descriptor, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    return unpacked


def read_folder_tables(
    descriptor: Mapping[str, Any], folder: Path
) -> Iterator[tuple[str, list[list[str]]]]:
    """Each listed resource's CSV file as rows of text (blank lines kept as empty rows), for
    the workbook writer (``site/xlsx.py``)."""
    from .read import read_records

    for resource in descriptor.get("resources") or ():
        if not isinstance(resource, dict) or not isinstance(resource.get("path"), str):
            continue
        path = folder / resource["path"]
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = [record for _line, record in read_records(handle)]
        while rows and not rows[-1]:
            rows.pop()
        yield str(resource.get("name")), rows
