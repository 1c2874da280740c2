"""The report as frozen dataclasses: what every later stage (derive, charts, render) reads.

Field names are the contract's column names. List-of-ids cells are tuples of ids. Optional cells
that are empty are ``None``. Rows keep ``line``, the physical line of their CSV file, so that any
later stage can point a user back to the spreadsheet.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from typing import Any, Literal

Visibility = Literal["public", "confidential"]

#: The contract's default for ``status_rules.relative_change_threshold`` (percent): where neither
#: compared result has a range of uncertainty, a change smaller than this share of the earlier
#: value's size counts as no change.
DEFAULT_RELATIVE_CHANGE_THRESHOLD = 2.0


@dataclasses.dataclass(frozen=True)
class Funding:
    amount: float | None = None
    currency: str | None = None
    period: str | None = None
    sources: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Organisation:
    name: str
    purpose: str
    website: str | None = None
    contact_email: str | None = None
    funding: Funding | None = None


@dataclasses.dataclass(frozen=True)
class ReportingPeriod:
    label: str
    start: dt.date
    end: dt.date


@dataclasses.dataclass(frozen=True)
class Accountability:
    id: str
    name: str
    direction: Literal["upward", "outward", "inward"]
    holds_us_to_account_for: str
    mechanism: str
    url: str | None = None
    line: int = 0


@dataclasses.dataclass(frozen=True)
class Objective:
    id: str
    title: str
    summary: str
    dimension: Literal["service", "outcome", "trust"]
    owner: str
    why_it_matters: str | None = None
    parent_id: str | None = None
    authorised_by: tuple[str, ...] = ()
    accountable_to: tuple[str, ...] = ()
    visibility: Visibility = "public"
    line: int = 0


@dataclasses.dataclass(frozen=True)
class Indicator:
    id: str
    objective_id: str
    title: str
    kind: Literal["outcome", "output"]
    unit: str
    direction: Literal["increase", "decrease"]
    method: str
    source: str
    baseline_period: str | None = None
    baseline_value: float | None = None
    target_period: str | None = None
    target_value: float | None = None
    target_set_by: Literal["local", "national", "regulator", "public"] | None = None
    counterbalance_id: str | None = None
    proxy: bool = False
    context: str | None = None
    next_update: dt.date | None = None
    source_url: str | None = None
    visibility: Visibility = "public"
    line: int = 0
    #: The smallest change that counts, in the indicator's unit (contract v1.1).
    change_threshold: float | None = None


@functools.lru_cache(maxsize=65536)
def split_group(group: str) -> tuple[str, str] | None:
    """A result's group as (dimension, category), worked out once per distinct text: a national
    report repeats a few hundred groups a million times."""
    if group == "all" or ":" not in group:
        return None
    dimension, _, category = group.partition(":")
    return dimension.strip(), category.strip()


# slots: a national report has a million results; without a __dict__ each they take ~40 MB less.
@dataclasses.dataclass(frozen=True, slots=True)
class Result:
    indicator_id: str
    period: str
    group: str
    value: float
    lower: float | None = None
    upper: float | None = None
    sample_size: int | None = None
    status: Literal["final", "provisional", "revised", "estimated"] = "final"
    embargo_until: dt.datetime | None = None
    note: str | None = None
    line: int = 0

    @property
    def is_all(self) -> bool:
        return self.group == "all"

    @property
    def breakdown(self) -> tuple[str, str] | None:
        """``("age", "16-24")`` for a group ``age: 16-24``; None for ``all``."""
        return split_group(self.group)


@dataclasses.dataclass(frozen=True)
class Engagement:
    id: str
    title: str
    method: Literal[
        "statutory",
        "information",
        "customer_service",
        "market_research",
        "deliberative",
        "devolved",
    ]
    level: Literal["inform", "consult", "involve", "collaborate", "empower"]
    start_date: dt.date
    end_date: dt.date
    participants: int
    audience: str
    question: str
    what_we_heard: str | None = None
    report_url: str | None = None
    visibility: Visibility = "public"
    line: int = 0


@dataclasses.dataclass(frozen=True)
class ProfileRow:
    engagement_id: str
    dimension: str
    category: str
    participants_share: float
    population_share: float
    line: int = 0


@dataclasses.dataclass(frozen=True)
class Decision:
    id: str
    title: str
    date: dt.date
    decided_by: str
    summary: str
    rationale: str
    status: Literal["proposed", "decided", "implemented", "reviewed", "reversed"]
    up_for_grabs: str | None = None
    objective_ids: tuple[str, ...] = ()
    engagement_ids: tuple[str, ...] = ()
    review_date: dt.date | None = None
    review_trigger: str | None = None
    visibility: Visibility = "public"
    line: int = 0


@dataclasses.dataclass(frozen=True)
class Option:
    decision_id: str
    id: str
    title: str
    chosen: bool
    benefits: str
    drawbacks: str
    cost: float | None = None
    cost_unit: str | None = None
    who_gains: str | None = None
    who_loses: str | None = None
    public_support: float | None = None
    visibility: Visibility = "public"
    line: int = 0


@dataclasses.dataclass(frozen=True)
class Response:
    engagement_id: str
    id: str
    you_said: str
    we_did: str
    outcome: Literal["done", "in_progress", "not_doing"]
    explanation: str | None = None
    decision_id: str | None = None
    visibility: Visibility = "public"
    line: int = 0


@dataclasses.dataclass(frozen=True)
class Revision:
    date: dt.date
    resource: str
    row_id: str
    field: str
    old_value: str
    reason: str
    new_value: str | None = None
    line: int = 0


ROW_TYPES: dict[str, type] = {
    "accountability": Accountability,
    "objectives": Objective,
    "indicators": Indicator,
    "results": Result,
    "engagements": Engagement,
    "engagement_profile": ProfileRow,
    "decisions": Decision,
    "options": Option,
    "responses": Response,
    "revisions": Revision,
}


@dataclasses.dataclass(frozen=True)
class Report:
    """A whole report. ``present`` names the resources the package has (possibly empty ones)."""

    name: str
    title: str
    organisation: Organisation
    reporting_period: ReportingPeriod
    present: frozenset[str]
    description: str | None = None
    #: ``published`` of datapackage.json: the day the statement was published, where given.
    published: dt.date | None = None
    version: str | None = None
    licenses: tuple[dict[str, Any], ...] = ()
    contributors: tuple[dict[str, Any], ...] = ()
    accountability: tuple[Accountability, ...] = ()
    objectives: tuple[Objective, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    results: tuple[Result, ...] = ()
    engagements: tuple[Engagement, ...] = ()
    engagement_profile: tuple[ProfileRow, ...] = ()
    decisions: tuple[Decision, ...] = ()
    options: tuple[Option, ...] = ()
    responses: tuple[Response, ...] = ()
    revisions: tuple[Revision, ...] = ()
    #: ``status_rules.relative_change_threshold`` of datapackage.json, in percent.
    relative_change_threshold: float = DEFAULT_RELATIVE_CHANGE_THRESHOLD

    @functools.cached_property
    def _results_by_indicator(self) -> dict[str, tuple[Result, ...]]:
        grouped: dict[str, list[Result]] = {}
        for r in self.results:
            grouped.setdefault(r.indicator_id, []).append(r)
        return {k: tuple(v) for k, v in grouped.items()}

    def results_for(self, indicator_id: str) -> tuple[Result, ...]:
        """The results of one indicator, in file order."""
        return self._results_by_indicator.get(indicator_id, ())
