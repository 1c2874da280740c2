"""Tables into the report model: the validated descriptor and the tables read by
:mod:`pvreport.tables.read` become one :class:`~pvreport.report.model.Report`.

Cells that cannot be read as their field's type are ``None`` already (validation has reported
them); a large table's rows are made straight from its columns.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Mapping
from typing import Any

from .. import contract
from ..tables.read import Columns, Table, paused_gc, split_ids
from . import model


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
        if table.columns is not None and table.columns.count == table.row_count:
            rows[name] = _from_columns(table.columns, row_type, lists)
            continue
        built = []
        index: Mapping[str, int] | None = None
        names: list[str] = []
        positions: list[int] = []
        with paused_gc():
            for row in table.rows:
                if row.index is not index:
                    # The rows of a table share one index: the wanted fields are found once.
                    index = row.index
                    names = [k for k in index if k in wanted]
                    positions = [index[k] for k in names]
                values = row.values
                kwargs = {k: v for k, p in zip(names, positions) if (v := values[p]) is not None}
                for field in lists:
                    kwargs[field] = split_ids(row.get(field))
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
        published=_published(descriptor),
        relative_change_threshold=relative_change_threshold(descriptor),
        **rows,
    )


def relative_change_threshold(descriptor: Mapping[str, Any]) -> float:
    """``status_rules.relative_change_threshold`` (percent), or the contract's default where it
    is not given. The gate has already refused one that is not a number of 0 or more."""
    rules = descriptor.get("status_rules")
    value = rules.get("relative_change_threshold") if isinstance(rules, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return model.DEFAULT_RELATIVE_CHANGE_THRESHOLD
    return float(value)


def _from_columns(columns: Columns, row_type: type, lists: Mapping[str, Any]) -> tuple[Any, ...]:
    """A large table's model rows straight from its columns, without making a :class:`Row`
    each: every field of the row type in order, a cell as read (None where empty or
    unreadable) or the field's default, lists split once per distinct cell."""
    fields = [f for f in dataclasses.fields(row_type) if f.init]
    count = columns.count
    values: list[Any] = []
    for field in fields:
        if field.name == "line":
            values.append(columns.lines())
            continue
        default = field.default if field.default is not dataclasses.MISSING else None
        if field.name not in columns.index:
            values.append(itertools.repeat(split_ids(None) if field.name in lists else default))
            continue
        cells = columns.values(field.name).tolist()
        if field.name in lists:
            split: dict[Any, tuple[str, ...]] = {}
            cells = [split[c] if c in split else split.setdefault(c, split_ids(c)) for c in cells]
        elif default is not None:
            cells = [default if c is None else c for c in cells]
        values.append(cells)
    with paused_gc():
        made = tuple(itertools.starmap(row_type, itertools.islice(zip(*values), count)))
    return made


def _published(descriptor: Mapping[str, Any]) -> dt.date | None:
    value = descriptor.get("published")
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
