"""What changed between two statements (contract v1.1, "every statement on the record"): pure
functions from the earlier statement's public report and statuses, and the current one's, to
what the /what-changed/ page and each measure's page say.

Each statement is compared as it was published: its public rows only (withheld as of its own
``published`` day) and its statuses derived as of that day, beside the current statement's
public rows and statuses now.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from .derive import IndicatorStatus
from .model import Decision, Indicator, Objective, Report, Response, Revision

#: An indicator's fields that may not move between statements without a revision row.
MOVED_FIELDS = ("target_value", "target_period", "baseline_value", "baseline_period", "direction")


@dataclasses.dataclass(frozen=True)
class Then:
    """An earlier statement, as the current statement's pages speak of it: its period, the
    day it was published, where its pages are (``archive/2024-25/``), its public report and its
    statuses as of that day."""

    label: str
    published: dt.date | None
    prefix: str
    report: Report
    statuses: Mapping[str, IndicatorStatus]


@dataclasses.dataclass(frozen=True)
class StatusThenAndNow:
    indicator: Indicator
    then: IndicatorStatus
    now: IndicatorStatus

    @property
    def changed(self) -> bool:
        return (self.then.direction, self.then.target) != (self.now.direction, self.now.target)


@dataclasses.dataclass(frozen=True)
class Moved:
    """A target, baseline or direction that is not what it was, with the revision that says
    why (None where none does: validation reports it as an error)."""

    indicator: Indicator
    field: str
    was: Any
    now: Any
    revision: Revision | None


@dataclasses.dataclass(frozen=True)
class Outcome:
    """A response whose outcome changed: ``closed`` where it was in progress and is done."""

    then: Response
    now: Response

    @property
    def closed(self) -> bool:
        return self.then.outcome == "in_progress" and self.now.outcome == "done"


@dataclasses.dataclass(frozen=True)
class Changes:
    """Everything /what-changed/ says, since the previous statement ``previous``."""

    previous: Then
    objectives_added: tuple[Objective, ...]
    objectives_removed: tuple[Objective, ...]
    indicators_added: tuple[Indicator, ...]
    indicators_removed: tuple[Indicator, ...]
    decisions_added: tuple[Decision, ...]
    decisions_removed: tuple[Decision, ...]
    statuses: tuple[StatusThenAndNow, ...]
    moved: tuple[Moved, ...]
    decisions_changed: tuple[tuple[Decision, Decision], ...]
    outcomes: tuple[Outcome, ...]
    vanished: tuple[Response, ...]
    #: Removed objectives' and indicators' revision rows (a reason given for dropping them).
    dropped_because: Mapping[tuple[str, str], Revision]


def _by_id(rows: Sequence[Any]) -> dict[str, Any]:
    return {r.id: r for r in rows}


def _response_key(r: Response) -> str:
    return f"{r.engagement_id};{r.id}"


def same_value(a: Any, b: Any) -> bool:
    """Whether two statements hold the same value of a field: numbers as numbers (``55`` is
    ``55.0``), anything else as text, nothing only as nothing."""
    if a is None or b is None:
        return a is None and b is None
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return str(a) == str(b)


def compare(previous: Then, report: Report, statuses: Mapping[str, IndicatorStatus]) -> Changes:
    """What changed from ``previous`` to the current statement (``report``, ``statuses``)."""
    before = previous.report
    revisions = [
        v for v in report.revisions if previous.published is None or v.date > previous.published
    ]

    def revision(resource: str, row_id: str, field: str | None = None) -> Revision | None:
        found = [
            v
            for v in revisions
            if v.resource == resource and v.row_id == row_id and (field is None or v.field == field)
        ]
        return max(found, key=lambda v: v.date) if found else None

    def added_removed(then: Sequence[Any], now: Sequence[Any]) -> tuple[tuple[Any, ...], ...]:
        old, new = _by_id(then), _by_id(now)
        return (
            tuple(r for r in now if r.id not in old),
            tuple(r for r in then if r.id not in new),
        )

    objectives_added, objectives_removed = added_removed(before.objectives, report.objectives)
    indicators_added, indicators_removed = added_removed(before.indicators, report.indicators)
    decisions_added, decisions_removed = added_removed(before.decisions, report.decisions)
    then_indicators = _by_id(before.indicators)
    both = [i for i in report.indicators if i.id in then_indicators]
    moved = tuple(
        Moved(
            ind,
            field,
            getattr(old, field),
            getattr(ind, field),
            revision("indicators", ind.id, field),
        )
        for ind in both
        for old in [then_indicators[ind.id]]
        for field in MOVED_FIELDS
        if not same_value(getattr(old, field), getattr(ind, field))
    )
    then_decisions = _by_id(before.decisions)
    decisions_changed = tuple(
        (then_decisions[d.id], d)
        for d in report.decisions
        if d.id in then_decisions and then_decisions[d.id].status != d.status
    )
    now_responses = {_response_key(r): r for r in report.responses}
    outcomes = tuple(
        Outcome(r, now_responses[_response_key(r)])
        for r in before.responses
        if _response_key(r) in now_responses
        and now_responses[_response_key(r)].outcome != r.outcome
    )
    vanished = tuple(
        r
        for r in before.responses
        if r.outcome == "in_progress" and _response_key(r) not in now_responses
    )
    dropped_because = {
        (resource, row.id): found
        for resource, rows in (
            ("objectives", objectives_removed),
            ("indicators", indicators_removed),
        )
        for row in rows
        if (found := revision(resource, row.id)) is not None
    }
    return Changes(
        previous,
        objectives_added,
        objectives_removed,
        indicators_added,
        indicators_removed,
        decisions_added,
        decisions_removed,
        tuple(
            StatusThenAndNow(ind, previous.statuses[ind.id], statuses[ind.id])
            for ind in both
            if ind.id in previous.statuses and ind.id in statuses
        ),
        moved,
        decisions_changed,
        outcomes,
        vanished,
        dropped_because,
    )


def indicator_history(
    indicator_id: str, history: Sequence[Then]
) -> list[tuple[Then, IndicatorStatus]]:
    """An indicator's status in each earlier statement that has it, newest first."""
    return [(t, t.statuses[indicator_id]) for t in history if indicator_id in t.statuses]
