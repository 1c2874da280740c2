"""Every statement on the record (contract v1.1): a project's earlier statements, each validated
as of the day it was published, and the rules across statements.

An earlier statement is checked as it was published: its embargoes and overdue updates are
judged at the start of its ``published`` day (:func:`statement_clock`). Its problems name its
own package (their ``file`` is a path from the current package's folder, such as
``../example-2024-25/results.csv``), so that the current package's messages and an earlier one's
are never confused.

The rules across statements compare the current statement with the one before it:

- error ``moved-without-revision``: an indicator's target, baseline or direction differs from the
  previous statement with no ``revisions`` row (resource ``indicators``, that ``row_id`` and
  ``field``) dated after the previous statement's ``published`` day, on the current file's line
  and field;
- warning ``dropped-without-revision``: an objective or indicator of the previous statement is
  gone with no revision row naming it;
- warning ``response-vanished``: a response that was ``in_progress`` is gone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..problems import Problem
from ..report.history import MOVED_FIELDS, same_value
from ..tables import gate, read
from ..tables.moments import Clock
from . import Validation


@dataclasses.dataclass(frozen=True)
class Earlier:
    """An earlier statement: its validation, the moment it is judged at (its ``published``
    day) and where its pages go (``archive/<slug>/``)."""

    validation: Validation
    clock: Clock
    label: str
    slug: str

    @property
    def published(self) -> dt.date | None:
        return gate.published_date(self.validation.descriptor or {})

    @property
    def prefix(self) -> str:
        return f"archive/{self.slug}/"


def period_slug(label: str) -> str:
    """A reporting period's label as a folder name: ``/`` written ``-`` (``2024/25`` ->
    ``2024-25``), and anything else that cannot be in an address too."""
    slug = re.sub(r"[^a-z0-9._-]+", "-", label.replace("/", "-").lower()).strip("-.")
    return slug or "statement"


def statement_clock(descriptor: Mapping[str, Any] | None, clock: Clock) -> Clock:
    """The moment an earlier statement is judged at: the start of its ``published`` day (UTC),
    else the day after its reporting period ends; the engine stamps its pages with the run's own
    fixed epoch, where there is one."""
    day = gate.published_date(descriptor or {})
    if day is None:
        end = _period(descriptor or {})[1]
        day = end + dt.timedelta(days=1) if end else clock.today
    now = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    return Clock(now, clock.epoch)


def _period(descriptor: Mapping[str, Any]) -> tuple[dt.date | None, dt.date | None]:
    period = descriptor.get("reporting_period")
    found: list[dt.date | None] = []
    for key in ("start", "end"):
        value = period.get(key) if isinstance(period, Mapping) else None
        try:
            found.append(dt.date.fromisoformat(value) if isinstance(value, str) else None)
        except ValueError:
            found.append(None)
    return found[0], found[1]


def statement_label(descriptor: Mapping[str, Any] | None) -> str:
    period = (descriptor or {}).get("reporting_period")
    label = period.get("label") if isinstance(period, Mapping) else None
    return label if isinstance(label, str) else ""


def _descriptor(folder: Path) -> Mapping[str, Any] | None:
    """The published date's source, read before validation (which is judged as of it); the
    gate reads and checks the file properly afterwards."""
    path = folder / gate.DESCRIPTOR
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > 1_000_000:
            return None
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def rerooted(problem: Problem, package_dir: Path, current_dir: Path) -> Problem:
    """An earlier package's problem, its file named from the current package's folder."""
    path = package_dir / (problem.file or gate.DESCRIPTOR)
    return dataclasses.replace(problem, file=os.path.relpath(path, current_dir))


def validate_earlier(
    current: Validation,
    previous: Sequence[Path],
    validate: Callable[[Path, Clock], Validation],
    clock: Clock,
) -> tuple[list[Earlier], list[Problem]]:
    """The earlier statements, newest first, each validated by ``validate`` at its own moment,
    and every problem with them: their own errors (naming their package), a statement given
    twice or as the current one, two statements of one reporting period, an "earlier" statement
    that is not earlier, and the rules across the current statement and the one before it."""
    problems: list[Problem] = []
    here = current.package_dir.resolve()
    earlier: list[Earlier] = []
    seen: dict[str, Path] = {}
    if current.descriptor is not None:
        seen[period_slug(statement_label(current.descriptor))] = here
    start = _period(current.descriptor or {})[0]
    for folder in previous:
        folder = folder.resolve()
        where = os.path.relpath(folder / gate.DESCRIPTOR, here)
        if folder == here:
            problems.append(
                Problem(
                    "previous-is-current",
                    f"--previous names {folder.name}, the package of the current statement: an "
                    "earlier statement is another package.",
                    file=where,
                )
            )
            continue
        descriptor = _descriptor(folder)
        own = statement_clock(descriptor, clock)
        validation = validate(folder, own)
        errors = [rerooted(p, folder, here) for p in validation.errors]
        problems.extend(errors)
        if errors or validation.descriptor is None:
            problems.append(
                Problem(
                    "earlier-statement-invalid",
                    f"The earlier statement in {folder.name} has "
                    f"{len(errors)} error{'' if len(errors) == 1 else 's'} (listed with its "
                    "files), so it cannot be published in the archive.",
                    file=where,
                )
            )
            continue
        label = statement_label(validation.descriptor)
        slug = period_slug(label)
        if slug in seen:
            problems.append(
                Problem(
                    "same-reporting-period",
                    f"The statement in {folder.name} reports on {label}, as the one in "
                    f"{seen[slug].name} does: each statement covers its own year.",
                    file=where,
                    field="reporting_period.label",
                    value=label,
                )
            )
            continue
        seen[slug] = folder
        ends = _period(validation.descriptor)[1]
        if start is not None and ends is not None and ends >= start:
            problems.append(
                Problem(
                    "previous-not-earlier",
                    f"The statement in {folder.name} ({label}) ends on {ends}, on or after the "
                    f"current statement's period starts on {start}: --previous names earlier "
                    "statements only.",
                    file=where,
                    field="reporting_period.end",
                    value=str(ends),
                )
            )
            continue
        earlier.append(Earlier(validation, own, label, slug))
    earlier.sort(key=lambda e: _period(e.validation.descriptor or {})[0] or dt.date.min)
    earlier.reverse()
    if earlier and current.ok:
        problems.extend(across(current, earlier[0].validation))
    return earlier, problems


# -- the rules across statements -----------------------------------------------------------------


def _rows(validation: Validation, name: str) -> dict[str, read.Row]:
    """A resource's rows by id (a response's id after its engagement's: ``engagement;id``, as
    a revision's ``row_id`` names it)."""
    table = validation.tables.get(name)
    if table is None:
        return {}
    rows = {}
    for row in table.rows:
        if row.get("id") is None:
            continue
        key = str(row.get("id"))
        if name == "responses":
            key = f"{row.get('engagement_id')};{key}"
        rows[key] = row
    return rows


def _shown(value: Any) -> str:
    return "empty" if value is None else str(value)


def across(current: Validation, previous: Validation) -> Iterator[Problem]:
    """The rules across the current statement and the one before it."""
    before = gate.published_date(previous.descriptor or {})
    revised: set[tuple[str, str, str]] = set()
    named: set[tuple[str, str]] = set()
    for row in current.tables["revisions"].rows if "revisions" in current.tables else ():
        resource, row_id, field = row.get("resource"), row.get("row_id"), row.get("field")
        named.add((str(resource), str(row_id)))
        day = row.get("date")
        if before is None or (isinstance(day, dt.date) and day > before):
            revised.add((str(resource), str(row_id), str(field)))
    indicators = current.tables.get("indicators")
    then = _rows(previous, "indicators")
    now = _rows(current, "indicators")
    for ind_id, row in now.items():
        old = then.get(ind_id)
        if old is None:
            continue
        for field in MOVED_FIELDS:
            was, is_ = old.get(field), row.get(field)
            if same_value(was, is_) or ("indicators", ind_id, field) in revised:
                continue
            yield Problem(
                "moved-without-revision",
                f"The {field.replace('_', ' ')} of {ind_id} was {_shown(was)} in the previous "
                f"statement and is {_shown(is_)} now, and no revision says why.",
                file=indicators.file if indicators else None,
                line=row.line,
                field=field,
                value=_shown(is_),
                hint=f"Add a row to revisions.csv: resource indicators, row_id {ind_id}, field "
                f"{field}, old_value {_shown(was)}, new_value {_shown(is_)}, dated after "
                f"{before or 'the previous statement'}, with the reason. Moving a target or a "
                "baseline must be said in public.",
            )
    for resource in ("objectives", "indicators"):
        for gone_id, old in _rows(previous, resource).items():
            if gone_id in _rows(current, resource) or (resource, gone_id) in named:
                continue
            yield Problem(
                "dropped-without-revision",
                f"The {resource[:-1]} {gone_id} of the previous statement is not in this one, "
                "and no revision says why.",
                file=f"{resource}.csv"
                if resource not in current.tables
                else current.tables[resource].file,
                field="id",
                value=gone_id,
                hint=f"Add a row to revisions.csv: resource {resource}, row_id {gone_id}, field "
                "id, old_value "
                f"{gone_id}, new_value empty, with the reason it was dropped.",
            )
    responses = current.tables.get("responses")
    kept = _rows(current, "responses")
    for gone_id, old in _rows(previous, "responses").items():
        if old.get("outcome") != "in_progress" or gone_id in kept:
            continue
        yield Problem(
            "response-vanished",
            f"The response {gone_id} was in progress in the previous statement and is not in this "
            "one: readers cannot tell whether it was done.",
            file=responses.file if responses else "responses.csv",
            field="id",
            value=gone_id,
        )
