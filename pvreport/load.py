"""Read a package folder into typed tables, and tables into the report model.

No checks happen here beyond what reading needs: :mod:`pvreport.validate` decides whether a package
is fit to read, and calls :func:`read_table` itself so that its rules see the same rows the site
will. Cells that cannot be read as their field's type become ``None`` (validation has already
reported them).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from . import contract, model

TRUE_VALUES = frozenset({"true", "True", "TRUE", "1"})
FALSE_VALUES = frozenset({"false", "False", "FALSE", "0"})
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclasses.dataclass(frozen=True)
class Row:
    """One data row: its physical line in the file and its cells, typed."""

    line: int
    cells: Mapping[str, Any]
    #: Fields whose cell was written but could not be read as its type (its value is None):
    #: rules must not take such a cell for an empty one.
    unreadable: frozenset[str] = frozenset()

    def get(self, field: str) -> Any:
        return self.cells.get(field)


@dataclasses.dataclass(frozen=True)
class Table:
    name: str
    file: str
    header: tuple[str, ...]
    header_line: int
    rows: tuple[Row, ...]


def csv_records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Each record of a CSV file with the physical line it starts on (1-based).

    Blank lines are records too (an empty list), as a spreadsheet shows them. A UTF-8 byte-order
    mark is dropped; CRLF and LF line ends are both fine.
    """
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, strict=False)
        end = 0
        for record in reader:
            start = end + 1
            end = reader.line_num
            yield start, record


def normalise_header(label: str) -> str:
    """A header label as the contract writes names: stray spaces gone, lower case."""
    return re.sub(r"\s+", "_", label.strip().lower())


def cast(value: str, field: Mapping[str, Any]) -> Any:
    """A cell as its Table Schema type, or None when it is empty or cannot be read."""
    value = value.strip()
    if value == "":
        return None
    kind = field.get("type", "string")
    try:
        if kind == "string":
            return value
        if kind == "number":
            return float(value)
        if kind == "integer":
            return int(value)
        if kind == "boolean":
            if value in TRUE_VALUES:
                return True
            if value in FALSE_VALUES:
                return False
            return None
        if kind == "date":
            return dt.date.fromisoformat(value) if _DATE.match(value) else None
        if kind == "datetime":
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return None
    return value


def split_ids(value: str | None) -> tuple[str, ...]:
    """A list-of-ids cell (``eng-01; eng-04``) as a tuple of ids."""
    if not value:
        return ()
    return tuple(part.strip() for part in value.split(";") if part.strip())


def read_table(name: str, path: Path, file: str, table_schema: Mapping[str, Any]) -> Table:
    """Read one CSV resource. Header labels are matched to fields by normalised name."""
    by_name = {f["name"]: f for f in table_schema.get("fields", [])}
    records = csv_records(path)
    header_line, labels = 1, []
    for header_line, labels in records:
        if any(cell.strip() for cell in labels):
            break
    header = tuple(normalise_header(label) for label in labels)
    # The first column of each name, with its field, worked out once rather than per cell: a
    # results file can have a million rows. Text and numbers, most cells, are cast inline
    # exactly as cast() does.
    columns: list[tuple[int, str, str, Mapping[str, Any]]] = []
    for index, label in enumerate(header):
        if label and label not in {c[1] for c in columns}:
            field = by_name.get(label, {"type": "string"})
            columns.append((index, label, field.get("type", "string"), field))
    rows = []
    for line, record in records:
        if not any(cell.strip() for cell in record):
            continue
        cells: dict[str, Any] = {}
        unreadable: set[str] = set()
        width = len(record)
        for index, label, kind, field in columns:
            if index >= width:
                break
            value = record[index]
            if kind == "string":
                cells[label] = value.strip() or None
                continue
            if kind == "number":
                text = value.strip()
                try:
                    cells[label] = float(text) if text else None
                except ValueError:
                    cells[label] = None
            else:
                cells[label] = cast(value, field)
            if cells[label] is None and value.strip():
                unreadable.add(label)
        rows.append(Row(line, cells, frozenset(unreadable)))
    return Table(name, file, header, header_line, tuple(rows))


def to_report(descriptor: Mapping[str, Any], tables: Mapping[str, Table]) -> model.Report:
    """Build the report model from a validated descriptor and its tables."""
    org = descriptor.get("organisation", {})
    funding = org.get("funding")
    period = descriptor["reporting_period"]
    rows: dict[str, tuple[Any, ...]] = {}
    for name, table in tables.items():
        row_type = model.ROW_TYPES[name]
        wanted = {f.name for f in dataclasses.fields(row_type)}
        lists = contract.list_references(name)
        built = []
        for row in table.rows:
            kwargs = {k: v for k, v in row.cells.items() if k in wanted and v is not None}
            for field in lists:
                kwargs[field] = split_ids(row.cells.get(field))
            kwargs["line"] = row.line
            built.append(row_type(**kwargs))
        rows[name] = tuple(built)
    return model.Report(
        name=descriptor.get("name", "report"),
        title=descriptor.get("title") or org.get("name", ""),
        description=descriptor.get("description"),
        version=descriptor.get("version"),
        licenses=tuple(descriptor.get("licenses", ())),
        contributors=tuple(descriptor.get("contributors", ())),
        organisation=model.Organisation(
            name=org["name"],
            purpose=org["purpose"],
            website=org.get("website"),
            contact_email=org.get("contact_email"),
            funding=model.Funding(
                amount=funding.get("amount"),
                currency=funding.get("currency"),
                period=funding.get("period"),
                sources=tuple(funding.get("sources", ())),
            )
            if isinstance(funding, Mapping)
            else None,
        ),
        reporting_period=model.ReportingPeriod(
            label=period["label"],
            start=dt.date.fromisoformat(period["start"]),
            end=dt.date.fromisoformat(period["end"]),
        ),
        present=frozenset(tables),
        **rows,
    )
