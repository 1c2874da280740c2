"""What pvreport works out from the data: honest statuses, equity gaps, who was heard, loop closure.

Pure functions over the model (:mod:`pvreport.report.model`): no files, no clock, no globals. "Today" is
always passed in as ``as_of`` so that a build can be repeated for any date. The rules follow the
contract's "What pvreport derives" section; :data:`RULES` publishes them in plain words, and the
"How we judge progress" page and every status word come from it, so that what the site says and
what the code does cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import localcontext
from typing import Literal

from ..messages import N_, _
from .formatting import (
    exact,
    format_change,
    format_date,
    format_difference,
    format_differences,
    format_number,
    format_period,
    period_phrase,
)
from .model import (
    DEFAULT_RELATIVE_CHANGE_THRESHOLD,
    Engagement,
    Indicator,
    Objective,
    ProfileRow,
    Report,
    Response,
    Result,
)
from .periods import PeriodError, parse_period

Direction = Literal["improving", "worsening", "no clear change", "not enough data", "no data"]
TargetStatus = Literal["met", "not met", "no target"]
#: Which rule decided a direction of travel: nothing to compare; the same figure twice; the two
#: ranges of uncertainty (overlapping or apart); only one figure with a range, so any change
#: counts; or, where neither has a range, the smallest change that counts (not reached, reached).
Decider = Literal[
    "no comparison",
    "same",
    "intervals overlap",
    "intervals apart",
    "one interval",
    "below threshold",
    "threshold reached",
]

DIRECTIONS: tuple[Direction, ...] = (
    "improving",
    "worsening",
    "no clear change",
    "not enough data",
    "no data",
)
TARGETS: tuple[TargetStatus, ...] = ("met", "not met", "no target")

# A profile category is under-represented below this share of its population share (contract).
UNDER_REPRESENTED_BELOW = 0.8


@dataclasses.dataclass(frozen=True)
class Rule:
    """One published rule: the status word, what it is about, and the rule in plain words.

    ``anchor`` is the fragment of the rule on the "How we judge progress" page, so that every
    status word on the site can link to the rule behind it.
    """

    word: str
    about: Literal["direction", "target", "freshness", "proxy"]
    rule: str

    @property
    def anchor(self) -> str:
        return "status-" + self.word.replace(" ", "-")


RULES: tuple[Rule, ...] = (
    Rule(
        N_("improving"),
        "direction",
        N_(
            "The latest result is better than the starting point: higher where higher is better, "
            "lower where lower is better. The starting point is the baseline, or the earliest "
            "result where there is no baseline. Where both results have a range of uncertainty "
            "and the two ranges overlap, we do not call it improving. Where neither has one, the "
            "change must be at least the smallest change that counts (see How much change counts "
            "below).",
        ),
    ),
    Rule(
        N_("worsening"),
        "direction",
        N_(
            "The latest result is worse than the starting point (the baseline, or the earliest "
            "result where there is no baseline). Where both results have a range of uncertainty "
            "and the two ranges overlap, we do not call it worsening. Where neither has one, the "
            "change must be at least the smallest change that counts (see How much change counts "
            "below).",
        ),
    ),
    Rule(
        N_("no clear change"),
        "direction",
        N_(
            "Both the latest result and the starting point have a range of uncertainty and the two "
            "ranges overlap, so the change could be down to chance; or neither has a range of "
            "uncertainty and the change is smaller than the smallest change that counts (see How "
            "much change counts below); or the latest result is exactly the same as the starting "
            "point.",
        ),
    ),
    Rule(
        N_("not enough data"),
        "direction",
        N_(
            "There is only one result and no baseline, so there is nothing to compare it with yet. "
            "The same applies where the only result is for the baseline period itself.",
        ),
    ),
    Rule(
        N_("no data"),
        "direction",
        N_(
            "No result has been published for this measure yet.",
        ),
    ),
    Rule(
        N_("met"),
        "target",
        N_(
            "The latest result is at the target or beyond it in the better direction: at or above "
            "the target where higher is better, at or below it where lower is better.",
        ),
    ),
    Rule(
        N_("not met"),
        "target",
        N_(
            "The latest result falls short of the target, or there is no result yet to compare with "
            "the target.",
        ),
    ),
    Rule(
        N_("no target"),
        "target",
        N_(
            "We have not set a target for this measure. We still report which way it is going.",
        ),
    ),
    Rule(
        N_("overdue"),
        "freshness",
        N_(
            "New results were due by the date we gave, and that date has passed without them. "
            "The figures shown are the latest we have.",
        ),
    ),
    Rule(
        N_("proxy"),
        "proxy",
        N_(
            "The figure only stands in for what we really want to know, because that cannot be "
            "measured directly. Read it as a sign, not the whole story.",
        ),
    ),
)

_RULES_BY_WORD = {rule.word: rule for rule in RULES}


def rule_for(word: str) -> Rule:
    """The published rule behind a status word; KeyError for a word that has none."""
    return _RULES_BY_WORD[word]


@dataclasses.dataclass(frozen=True)
class IndicatorStatus:
    """Where one indicator stands, and why, in words that can go straight onto a page.

    ``reason`` explains the direction of travel and ``target_reason`` the target, each one plain
    sentence with the numbers formatted for people. ``change`` is latest minus the reference value
    (signed, in the indicator's unit); None where there is nothing to compare.
    """

    direction: Direction
    target: TargetStatus
    overdue: bool
    latest: Result | None
    reference_period: str | None
    reference_value: float | None
    proxy: bool
    reason: str
    target_reason: str
    reference_is_baseline: bool = False
    reference_lower: float | None = None
    reference_upper: float | None = None
    change: float | None = None
    intervals_overlap: bool = False
    target_value: float | None = None
    target_period: str | None = None
    next_update: dt.date | None = None
    overdue_reason: str | None = None
    #: Which rule decided the direction of travel (see :data:`Decider`).
    decided_by: Decider = "no comparison"
    #: The smallest change that counts, in the indicator's unit, where that rule was used.
    threshold: float | None = None
    #: The share of the starting figure (percent) the threshold came from; None where the
    #: indicator has its own ``change_threshold``.
    relative_threshold: float | None = None


def period_start(text: str) -> dt.date:
    """The start date of a period, for sorting; unreadable periods sort first (validation has
    already reported them)."""
    try:
        return parse_period(text).start
    except PeriodError:
        return dt.date.min


@functools.lru_cache(maxsize=65536)
def _period_key(text: str) -> tuple[dt.date, str]:
    return (period_start(text), text)


def _sort_key(result: Result) -> tuple[dt.date, str]:
    # Once per distinct period: a national report sorts a million results by a few hundred.
    return _period_key(result.period)


def intervals_overlap(
    a_lower: float | None, a_upper: float | None, b_lower: float | None, b_upper: float | None
) -> bool:
    """True where both intervals are given and share at least one point (touching counts)."""
    if a_lower is None or a_upper is None or b_lower is None or b_upper is None:
        return False
    return a_lower <= b_upper and b_lower <= a_upper


def _better(indicator: Indicator, new: float, old: float) -> int:
    """+1 where ``new`` is better than ``old`` in the indicator's direction, -1 worse, 0 equal."""
    if new == old:
        return 0
    higher = new > old
    return 1 if higher == (indicator.direction == "increase") else -1


def smallest_change(indicator: Indicator, earlier: float, relative_threshold: float) -> float:
    """The smallest change that counts between ``earlier`` and a later result of ``indicator``,
    in its unit: its own ``change_threshold``, or else ``relative_threshold`` percent of the
    earlier value's size (so 2% of an earlier -50 is 1, and of an earlier 0 is 0)."""
    if indicator.change_threshold is not None:
        return indicator.change_threshold
    return relative_threshold / 100 * abs(earlier)


def change_counts(
    indicator: Indicator, earlier: float, later: float, relative_threshold: float
) -> bool:
    """True where the change from ``earlier`` to ``later`` is at least the smallest change that
    counts (:func:`smallest_change`): a change exactly equal to it counts. Worked out in the
    decimals the figures were written in, so that a change of unit never changes the answer."""
    own = indicator.change_threshold
    figures = (earlier, later, relative_threshold if own is None else own)
    if not all(math.isfinite(x) for x in figures):
        return abs(later - earlier) >= smallest_change(indicator, earlier, relative_threshold)
    with localcontext() as context:
        context.prec = 80  # enough for any two floats' products, so nothing is rounded
        size = abs(exact(later) - exact(earlier))
        if own is not None:
            return size >= exact(own)
        return size >= exact(relative_threshold) / 100 * abs(exact(earlier))


def _threshold_words(
    indicator: Indicator,
    earlier: float,
    relative_threshold: float,
    counted: bool,
    amount: str | None = None,
) -> str:
    """The sentence that says how the smallest change that counts decided the status.

    ``amount`` is the indicator's own threshold as written beside the change it is compared
    with (see :func:`pvreport.report.formatting.format_differences`)."""
    unit = indicator.unit
    own = indicator.change_threshold
    if own is not None:
        if own == 0:
            return _("Any change counts for this measure.")
        amount = amount or format_difference(own, unit)
        if counted:
            return _(
                "That is at least {amount}, the smallest change that counts for this measure."
            ).format(amount=amount)
        return _(
            "For this measure, a change of less than {amount} is counted as no clear change, "
            "because these figures have no range of uncertainty."
        ).format(amount=amount)
    if relative_threshold == 0:
        return _("This report counts any change, however small.")
    share = format_number(relative_threshold, "%")
    if earlier == 0:
        return _("The starting figure is 0 and {share} of 0 is 0, so any change counts.").format(
            share=share
        )
    if counted:
        return _(
            "That is at least {share} of the starting figure, the smallest change that counts "
            "for figures with no range of uncertainty."
        ).format(share=share)
    return _(
        "A change of less than {share} of the starting figure is counted as no clear change, "
        "because these figures have no range of uncertainty."
    ).format(share=share)


def _value_at(figure: str, period: str) -> str:
    """ "72% on 31 March 2026", "6.7 per 100,000 population in 2025/26": a formatted figure and
    its period, as a sentence reads them."""
    return f"{figure} {period_phrase(period)}"


def _target_status(indicator: Indicator, latest: Result | None) -> tuple[TargetStatus, str]:
    if indicator.target_value is None:
        return "no target", _("There is no target for this measure.")
    target = indicator.target_value
    unit = indicator.unit

    def target_of(figure: str) -> str:
        if indicator.target_period:
            return _("the target of {figure} for {period}").format(
                figure=figure, period=format_period(indicator.target_period)
            )
        return _("the target of {figure}").format(figure=figure)

    target_words = target_of(format_number(target, unit))
    if latest is None:
        return "not met", _("There is no result yet to compare with {target}.").format(
            target=target_words
        )
    verdict = _better(indicator, latest.value, target)
    # The two figures compared read differently wherever they differ (97.5 and 97.499, not 97.5
    # twice), and the shortfall is worked out on their decimal texts.
    figures = format_change(target, latest.value, unit)
    target_words = target_of(figures.first)
    latest_words = _value_at(figures.second, latest.period)
    if verdict == 0:
        sentence = _("The latest result, {latest}, is exactly at {target}.")
        return "met", sentence.format(latest=latest_words, target=target_words)
    if verdict > 0:
        if indicator.direction == "increase":
            sentence = _("The latest result, {latest}, is above {target}.")
        else:
            sentence = _("The latest result, {latest}, is below {target}.")
        return "met", sentence.format(latest=latest_words, target=target_words)
    sentence = _("The latest result, {latest}, is {short} short of {target}.")
    return "not met", sentence.format(
        latest=latest_words, short=figures.difference, target=target_words
    )


def indicator_status(
    indicator: Indicator,
    results: Iterable[Result],
    *,
    as_of: dt.date,
    relative_threshold: float = DEFAULT_RELATIVE_CHANGE_THRESHOLD,
) -> IndicatorStatus:
    """The status of one indicator as the contract defines it.

    ``relative_threshold`` is the report's ``status_rules.relative_change_threshold`` (percent):
    used where the indicator has no ``change_threshold`` of its own.

    ``results`` are that indicator's results in any order and any group; only ``all`` counts.
    The reference point is the baseline where there is one, otherwise the earliest result. The
    baseline carries the interval of the ``all`` result for the baseline period, where that
    result exists and its interval contains the baseline value (the baseline is that result).
    """
    unit = indicator.unit
    overall = sorted((r for r in results if r.is_all), key=_sort_key)
    overdue = indicator.next_update is not None and as_of > indicator.next_update
    overdue_reason = (
        _("New results were due on {date}.").format(date=format_date(indicator.next_update))
        if overdue and indicator.next_update is not None
        else None
    )
    latest = overall[-1] if overall else None
    target, target_reason = _target_status(indicator, latest)
    # Start from "no data" and fill in what the results allow: one constructor, typed fields.
    status = IndicatorStatus(
        direction="no data",
        target=target,
        overdue=overdue,
        latest=latest,
        reference_period=None,
        reference_value=None,
        proxy=indicator.proxy,
        reason=_("No result has been published for this measure yet."),
        target_reason=target_reason,
        target_value=indicator.target_value,
        target_period=indicator.target_period,
        next_update=indicator.next_update,
        overdue_reason=overdue_reason,
    )
    if latest is None:
        return status

    ref_lower: float | None = None
    ref_upper: float | None = None
    if indicator.baseline_period is not None and indicator.baseline_value is not None:
        has_baseline = True
        ref_period = indicator.baseline_period
        ref_value = indicator.baseline_value  # as written: "97.50" keeps its zero
        at_baseline = [r for r in overall if r.period == ref_period]
        if at_baseline:
            lo, hi = at_baseline[0].lower, at_baseline[0].upper
            if lo is not None and hi is not None and lo <= ref_value <= hi:
                ref_lower, ref_upper = lo, hi
        ref_name = N_("the baseline of {figure}")
    else:
        has_baseline = False
        first = overall[0]
        ref_period, ref_value = first.period, first.value
        ref_lower, ref_upper = first.lower, first.upper
        ref_name = N_("the first result of {figure}")
    status = dataclasses.replace(
        status,
        reference_period=ref_period,
        reference_value=ref_value,
        reference_is_baseline=has_baseline,
        reference_lower=ref_lower,
        reference_upper=ref_upper,
    )
    # Both figures of the comparison read differently wherever they differ (6.75 and 6.7, not
    # 6.7 twice), and the change is worked out on their decimal texts.
    figures = format_change(ref_value, latest.value, unit)
    ref_words = _(ref_name).format(figure=_value_at(figures.first, ref_period))
    latest_words = _value_at(figures.second, latest.period)

    # Nothing later than the starting point: one result and no baseline, or a single result
    # for the baseline period itself. There is no travel to judge.
    if (not has_baseline and len(overall) == 1) or (
        has_baseline and all(r.period == ref_period for r in overall)
    ):
        reason = (
            _("There is only one result, {latest}, and no baseline to compare it with.")
            if not has_baseline
            else _("The only result is for the baseline period itself ({latest}).")
        ).format(latest=latest_words)
        return dataclasses.replace(status, direction="not enough data", reason=reason)

    change = latest.value - ref_value
    overlap = intervals_overlap(latest.lower, latest.upper, ref_lower, ref_upper)
    verdict = _better(indicator, latest.value, ref_value)
    rose = change > 0
    size = figures.difference
    amount: str | None = None
    if indicator.change_threshold:
        # The change and the smallest change that counts are compared too: they read apart.
        size, amount = format_differences(
            exact(latest.value) - exact(ref_value), indicator.change_threshold, unit
        )
    direction: Direction
    decided_by: Decider
    threshold: float | None = None
    has_range = (
        latest.lower is not None and latest.upper is not None,
        ref_lower is not None and ref_upper is not None,
    )
    if overlap:
        direction = "no clear change"
        decided_by = "intervals overlap"
        if change == 0:
            reason = _("The latest result, {latest}, is the same as {reference}.")
        elif rose:
            reason = _(
                "It rose by {size} from {reference} to {latest}, but the ranges of uncertainty "
                "around the two figures overlap, so the change may be down to chance."
            )
        else:
            reason = _(
                "It fell by {size} from {reference} to {latest}, but the ranges of uncertainty "
                "around the two figures overlap, so the change may be down to chance."
            )
        reason = reason.format(size=size, reference=ref_words, latest=latest_words)
    elif verdict == 0:
        direction = "no clear change"
        decided_by = "same"
        reason = _("The latest result, {latest}, is the same as {reference}.").format(
            latest=latest_words, reference=ref_words
        )
    elif not any(has_range) and not change_counts(
        indicator, ref_value, latest.value, relative_threshold
    ):
        # Neither figure has a range of uncertainty, and the change is below the smallest
        # change that counts (contract v1.1, "how much change counts").
        direction = "no clear change"
        decided_by = "below threshold"
        threshold = smallest_change(indicator, ref_value, relative_threshold)
        moved = (
            _("It rose by {size} from {reference} to {latest}.")
            if rose
            else _("It fell by {size} from {reference} to {latest}.")
        )
        reason = moved.format(size=size, reference=ref_words, latest=latest_words)
        reason += " " + _threshold_words(
            indicator, ref_value, relative_threshold, counted=False, amount=amount
        )
    else:
        direction = "improving" if verdict > 0 else "worsening"
        if indicator.direction == "increase":
            moved = (
                _("It rose by {size} from {reference} to {latest}; higher is better.")
                if rose
                else _("It fell by {size} from {reference} to {latest}; higher is better.")
            )
        else:
            moved = (
                _("It rose by {size} from {reference} to {latest}; lower is better.")
                if rose
                else _("It fell by {size} from {reference} to {latest}; lower is better.")
            )
        reason = moved.format(size=size, reference=ref_words, latest=latest_words)
        if all(has_range):
            decided_by = "intervals apart"
            reason += " " + _("The ranges of uncertainty around the two figures do not overlap.")
        elif any(has_range):
            decided_by = "one interval"
            reason += " " + _(
                "Only one of the two figures has a range of uncertainty, so any change counts."
            )
        else:
            decided_by = "threshold reached"
            threshold = smallest_change(indicator, ref_value, relative_threshold)
            reason += " " + _threshold_words(
                indicator, ref_value, relative_threshold, counted=True, amount=amount
            )
    return dataclasses.replace(
        status,
        direction=direction,
        reason=reason[0].upper() + reason[1:],
        change=change,
        intervals_overlap=overlap,
        decided_by=decided_by,
        threshold=threshold,
        relative_threshold=(
            relative_threshold
            if threshold is not None and indicator.change_threshold is None
            else None
        ),
    )


def report_statuses(report: Report, *, as_of: dt.date) -> dict[str, IndicatorStatus]:
    """The status of every indicator of a report, by indicator id, in the report's order."""
    return {
        ind.id: indicator_status(
            ind,
            report.results_for(ind.id),
            as_of=as_of,
            relative_threshold=report.relative_change_threshold,
        )
        for ind in report.indicators
    }


def status_counts(statuses: Iterable[IndicatorStatus]) -> dict[str, int]:
    """How many indicators have each direction word and each target word (and how many are
    overdue). Every word is present, zeros included, in the order of :data:`RULES`. Counts,
    never averages: an average of statuses would hide the worsening ones."""
    counts = {word: 0 for word in (*DIRECTIONS, *TARGETS, "overdue")}
    for status in statuses:
        counts[status.direction] += 1
        counts[status.target] += 1
        if status.overdue:
            counts["overdue"] += 1
    return counts


def counterbalance_caution(
    indicator: Indicator,
    status: IndicatorStatus,
    counterbalance_status: IndicatorStatus | None,
) -> bool:
    """True where the target is met while the indicator read beside it is worsening: the
    "hitting the target but missing the point" warning, shown on both indicator pages."""
    if indicator.counterbalance_id is None or counterbalance_status is None:
        return False
    return status.target == "met" and counterbalance_status.direction == "worsening"


def objectives_measured_only_by_outputs(report: Report) -> list[Objective]:
    """Objectives with indicators, none of them an outcome: activity counted, not change."""
    kinds: dict[str, set[str]] = {}
    for ind in report.indicators:
        kinds.setdefault(ind.objective_id, set()).add(ind.kind)
    return [obj for obj in report.objectives if kinds.get(obj.id) == {"output"}]


@dataclasses.dataclass(frozen=True)
class EquityGap:
    """The gap between the groups with the best and the worst result of one breakdown in its
    latest period.

    Groups are the categories (``16-24``), the dimension is ``age``. ``gap`` is never negative.
    ``intervals_overlap`` is True where both groups have intervals that overlap: the gap may then
    be down to chance, and a page should say so.
    """

    dimension: str
    period: str
    best_group: str
    best_value: float
    worst_group: str
    worst_value: float
    gap: float
    intervals_overlap: bool = False
    groups: int = 0


def report_gaps(report: Report) -> dict[str, list[EquityGap]]:
    """Every indicator's equity gaps, by indicator id, from its results in file order: worked
    out once, so the chart and the table beside it name the same group with the worst result."""
    return {ind.id: equity_gaps(ind, report.results_for(ind.id)) for ind in report.indicators}


def equity_gaps(indicator: Indicator, results: Iterable[Result]) -> list[EquityGap]:
    """One gap per breakdown dimension (in order of first appearance), from its latest period.

    Dimensions with fewer than two groups in their latest period have no gap and are left out.
    Ties go to the group that comes first in the file, so the answer does not depend on chance.
    """
    by_dimension: dict[str, list[tuple[int, str, Result]]] = {}
    for position, result in enumerate(results):
        split = result.breakdown
        if split is None:
            continue
        by_dimension.setdefault(split[0], []).append((position, split[1], result))
    gaps = []
    for dimension, rows in by_dimension.items():
        keys = [_sort_key(r) for _, _, r in rows]
        latest_start = max(keys)
        current = [row for row, key in zip(rows, keys, strict=True) if key == latest_start]
        if len(current) < 2:
            continue
        sign = 1 if indicator.direction == "increase" else -1
        best = max(current, key=lambda row: (sign * row[2].value, -row[0]))
        worst = min(current, key=lambda row: (sign * row[2].value, row[0]))
        gaps.append(
            EquityGap(
                dimension=dimension,
                period=best[2].period,
                best_group=best[1],
                best_value=best[2].value,
                worst_group=worst[1],
                worst_value=worst[2].value,
                gap=abs(best[2].value - worst[2].value),
                intervals_overlap=intervals_overlap(
                    best[2].lower, best[2].upper, worst[2].lower, worst[2].upper
                ),
                groups=len(current),
            )
        )
    return gaps


@dataclasses.dataclass(frozen=True)
class Representativeness:
    """How far one engagement's participants were from the population, on one dimension.

    ``dissimilarity`` is half the sum of the absolute share differences: 0 means the participants
    were like the population, 100 that they were nothing like it.
    """

    dimension: str
    dissimilarity: float
    under_represented: tuple[str, ...]
    engagement_id: str = ""


def representativeness(profile_rows: Iterable[ProfileRow]) -> list[Representativeness]:
    """Per engagement and dimension (in order of first appearance): the dissimilarity index and
    the categories whose share of participants is below 80% of their share of the population."""
    grouped: dict[tuple[str, str], list[ProfileRow]] = {}
    for row in profile_rows:
        grouped.setdefault((row.engagement_id, row.dimension), []).append(row)
    out = []
    for (engagement_id, dimension), rows in grouped.items():
        index = 0.5 * math.fsum(abs(r.participants_share - r.population_share) for r in rows)
        under = tuple(
            r.category
            for r in rows
            if r.participants_share < UNDER_REPRESENTED_BELOW * r.population_share
        )
        out.append(Representativeness(dimension, index, under, engagement_id))
    return out


@dataclasses.dataclass(frozen=True)
class LoopClosure:
    """What was done with what people said: counts of responses by outcome."""

    done: int
    in_progress: int
    not_doing: int
    total: int


def loop_closure(responses: Iterable[Response]) -> LoopClosure:
    done = in_progress = not_doing = 0
    for response in responses:
        if response.outcome == "done":
            done += 1
        elif response.outcome == "in_progress":
            in_progress += 1
        elif response.outcome == "not_doing":
            not_doing += 1
    return LoopClosure(done, in_progress, not_doing, done + in_progress + not_doing)


def responses_by_engagement(report: Report) -> Mapping[str, Sequence[Response]]:
    grouped: dict[str, list[Response]] = {}
    for response in report.responses:
        grouped.setdefault(response.engagement_id, []).append(response)
    return grouped


def engagements_without_responses(report: Report) -> list[Engagement]:
    """Engagements where nothing was said back to the people who took part."""
    answered = {r.engagement_id for r in report.responses}
    return [e for e in report.engagements if e.id not in answered]
