"""Tables into the report model: the validated descriptor and the tables read by
:mod:`pvreport.tables.read` become one :class:`~pvreport.report.model.Report`.

Cells that cannot be read as their field's type are ``None`` already (validation has reported
them); a large table's rows are made straight from its columns.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
from collections.abc import Callable, Mapping
from typing import Any

from .. import contract
from ..tables.read import Columns, Table, paused_gc, split_ids
from . import model


def to_report(
    descriptor: Mapping[str, Any], tables: Mapping[str, Table], language: str | None = None
) -> model.Report:
    """Build the report model from a validated descriptor and its tables, with its texts in
    ``language`` (default: the package's first language).

    In another language than the first, each translatable field is read from its
    ``<field>_<lang>`` column, and each breakdown's dimension and category (of results' groups
    and of the engagement profile) from the labels; where a translation is missing (validation
    has reported it), the first language's text is kept as a :class:`model.Foreign`, which pages
    mark up with its language."""
    languages = contract.languages(descriptor)
    language = language or languages[0]
    translate = _Translation(languages[0], language, tables.get("labels"))
    org = descriptor.get("organisation", {})
    funding = org.get("funding")
    period = descriptor["reporting_period"]
    rows: dict[str, tuple[Any, ...]] = {}
    for name, table in tables.items():
        row_type = model.ROW_TYPES[name]
        wanted = {f.name for f in dataclasses.fields(row_type)}
        lists = contract.list_references(name)
        swaps = translate.swaps(name)
        if table.columns is not None and table.columns.count == table.row_count:
            rows[name] = _from_columns(table.columns, row_type, lists, swaps)
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
                for field, (column, swap) in swaps.items():
                    kwargs[field] = swap(kwargs.get(field), row.get(column) if column else None)
                kwargs["line"] = row.line
                built.append(row_type(**kwargs))
        rows[name] = tuple(built)
    said = translate.property
    return model.Report(
        name=descriptor.get("name", "report"),
        title=said(descriptor, "title") or said(org, "name") or "",
        description=said(descriptor, "description"),
        version=descriptor.get("version"),
        licenses=tuple(descriptor.get("licenses", ())),
        contributors=tuple(descriptor.get("contributors", ())),
        organisation=model.Organisation(
            name=said(org, "name"),
            purpose=said(org, "purpose"),
            website=org.get("website"),
            contact_email=org.get("contact_email"),
            funding=model.Funding(
                amount=funding.get("amount"),
                currency=funding.get("currency"),
                period=funding.get("period"),
                sources=tuple(said(funding, "sources") or ()),
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
        languages=languages,
        language=language,
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


#: How a field's text is put in the report's language: from the cell as read and its
#: translation's cell (None where the file has no translation column), the text to show.
Swap = Callable[[Any, Any], Any]


class _Translation:
    """What changes in a report in another language than the package's first: the translated
    columns read in place of the originals, the labels of breakdowns, the properties."""

    def __init__(self, primary: str, language: str, labels: Table | None) -> None:
        self.primary = primary
        self.language = language
        self.active = language != primary
        self.labels: dict[str, str] = {}
        if self.active and labels is not None:
            column = f"text_{language}"
            for row in labels.rows:
                text, translated = row.get("text"), row.get(column)
                if isinstance(text, str) and isinstance(translated, str) and translated.strip():
                    self.labels[text.strip()] = translated.strip()

    def text(self, original: Any, translated: Any) -> Any:
        """The translation where there is one, else the original marked as in the primary
        language (an empty original stays empty)."""
        if isinstance(translated, str) and translated.strip():
            return translated
        if isinstance(original, str) and original:
            return model.Foreign(original, self.primary)
        return original

    def label(self, text: Any) -> Any:
        if not isinstance(text, str):
            return text
        found = self.labels.get(text.strip())
        return found if found is not None else model.Foreign(text, self.primary)

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one instance per report, dropped with it
    def group(self, group: Any, _: Any = None) -> Any:
        parts = model.split_group(group) if isinstance(group, str) else None
        if parts is None:
            return group
        return f"{self.label(parts[0])}: {self.label(parts[1])}"

    def swaps(self, name: str) -> dict[str, tuple[str | None, Swap]]:
        """For each field of resource ``name`` that changes: its translation's column (None
        where the value is worked out from the field itself) and how."""
        if not self.active:
            return {}
        out: dict[str, tuple[str | None, Swap]] = {
            field: (f"{field}_{self.language}", self.text)
            for field in contract.TRANSLATABLE.get(name, ())
            if name != "labels"
        }
        if name == "results":
            out["group"] = (None, self.group)
        elif name == "engagement_profile":
            out["dimension"] = (None, lambda value, _: self.label(value))
            out["category"] = (None, lambda value, _: self.label(value))
        return out

    def property(self, holder: Any, key: str) -> Any:
        """A property of datapackage.json (``organisation`` and ``name``) in the language."""
        if not isinstance(holder, Mapping):
            return None
        original = holder.get(key)
        if not self.active:
            return original
        translated = holder.get(f"{key}_{self.language}")
        if isinstance(original, list):
            if isinstance(translated, list) and len(translated) == len(original):
                return translated
            return [model.Foreign(x, self.primary) if isinstance(x, str) else x for x in original]
        return self.text(original, translated)


def _from_columns(
    columns: Columns,
    row_type: type,
    lists: Mapping[str, Any],
    swaps: Mapping[str, tuple[str | None, Swap]] | None = None,
) -> tuple[Any, ...]:
    """A large table's model rows straight from its columns, without making a :class:`Row`
    each: every field of the row type in order, a cell as read (None where empty or
    unreadable) or the field's default, lists split once per distinct cell; a field in
    ``swaps`` is put in the report's language."""
    swaps = swaps or {}
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
        if field.name in swaps:
            column, swap = swaps[field.name]
            others = columns.values(column).tolist() if column else itertools.repeat(None)
            cells = [swap(c, t) for c, t in zip(cells, others)]
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
