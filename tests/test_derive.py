"""The contract's derivations: hand-worked examples, edge cases and properties."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pvreport.report.derive import (
    DIRECTIONS,
    RULES,
    TARGETS,
    EquityGap,
    IndicatorStatus,
    LoopClosure,
    counterbalance_caution,
    engagements_without_responses,
    equity_gaps,
    indicator_status,
    loop_closure,
    objectives_measured_only_by_outputs,
    representativeness,
    rule_for,
    status_counts,
)
from pvreport.report.model import (
    Engagement,
    Indicator,
    Objective,
    Organisation,
    ProfileRow,
    Report,
    ReportingPeriod,
    Response,
    Result,
)

AS_OF = dt.date(2026, 6, 1)


def ind(**kw: object) -> Indicator:
    base: dict[str, object] = {
        "id": "i", "objective_id": "o", "title": "T", "kind": "outcome", "unit": "%",
        "direction": "increase", "method": "m", "source": "s",
    }  # fmt: skip
    base.update(kw)
    return Indicator(**base)  # type: ignore[arg-type]


def res(period: str, value: float, lower: float | None = None, upper: float | None = None,
        group: str = "all") -> Result:  # fmt: skip
    return Result("i", period, group, value, lower, upper)


# (name, indicator fields, results, expected direction, expected target)
CASES: list[tuple[str, dict[str, object], list[Result], str, str]] = [
    ("no results at all", {}, [], "no data", "no target"),
    ("no results, a target", {"target_period": "2026", "target_value": 5}, [], "no data",
     "not met"),
    ("one result, no baseline", {}, [res("2024", 10)], "not enough data", "no target"),
    ("one result at the baseline period", {"baseline_period": "2024", "baseline_value": 10},
     [res("2024", 10)], "not enough data", "no target"),
    ("one result, a baseline before it", {"baseline_period": "2020", "baseline_value": 8},
     [res("2024", 10)], "improving", "no target"),
    ("rises, no intervals", {}, [res("2022", 10), res("2024", 12)], "improving", "no target"),
    ("falls, no intervals", {}, [res("2022", 10), res("2024", 8)], "worsening", "no target"),
    ("falls, lower is better", {"direction": "decrease"}, [res("2022", 10), res("2024", 8)],
     "improving", "no target"),
    ("rises, lower is better", {"direction": "decrease"}, [res("2022", 10), res("2024", 12)],
     "worsening", "no target"),
    ("unchanged", {}, [res("2022", 10), res("2024", 10)], "no clear change", "no target"),
    ("intervals overlap", {}, [res("2022", 10, 8, 12), res("2024", 13, 11, 15)],
     "no clear change", "no target"),
    ("intervals touch", {}, [res("2022", 10, 8, 12), res("2024", 14, 12, 16)],
     "no clear change", "no target"),
    ("intervals apart", {}, [res("2022", 10, 8, 11), res("2024", 14, 12, 16)],
     "improving", "no target"),
    ("interval on the latest only", {}, [res("2022", 10), res("2024", 11, 9, 13)],
     "improving", "no target"),
    ("interval on the first only", {}, [res("2022", 10, 8, 12), res("2024", 9)],
     "worsening", "no target"),
    ("earliest by period, not file order", {}, [res("2024", 12), res("2022", 10)],
     "improving", "no target"),
    ("baseline wins over earliest result",
     {"baseline_period": "2023", "baseline_value": 15},
     [res("2022", 10), res("2023", 15), res("2024", 12)], "worsening", "no target"),
    ("baseline takes its result's interval",
     {"baseline_period": "2022", "baseline_value": 10},
     [res("2022", 10, 8, 12), res("2024", 11, 9, 13)], "no clear change", "no target"),
    ("target equal to latest", {"target_period": "2026", "target_value": 12},
     [res("2022", 10), res("2024", 12)], "improving", "met"),
    ("target beyond latest", {"target_period": "2026", "target_value": 12.5},
     [res("2022", 10), res("2024", 12)], "improving", "not met"),
    ("target met, lower is better",
     {"direction": "decrease", "target_period": "2026", "target_value": 9},
     [res("2022", 10), res("2024", 8)], "improving", "met"),
    ("target not met, lower is better",
     {"direction": "decrease", "target_period": "2026", "target_value": 7},
     [res("2022", 10), res("2024", 8)], "improving", "not met"),
    ("breakdowns do not count", {},
     [res("2022", 10), res("2024", 10), res("2024", 30, group="age: 16-24")],
     "no clear change", "no target"),
    ("quarters sort by date", {},
     [res("2024-Q4", 9), res("2025-Q1", 12), res("2024-Q3", 10)], "improving", "no target"),
    ("financial years", {}, [res("2023/24", 10), res("2024/25", 9)], "worsening",
     "no target"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "fields", "results", "direction", "target"), CASES,
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_status_table(
    name: str, fields: dict[str, object], results: list[Result], direction: str, target: str
) -> None:
    status = indicator_status(ind(**fields), results, as_of=AS_OF)
    assert (status.direction, status.target) == (direction, target)
    assert status.reason.endswith(".") and status.reason[0].isupper()
    assert status.target_reason.endswith(".")


def test_reference_and_latest_are_reported() -> None:
    status = indicator_status(
        ind(baseline_period="2021/22", baseline_value=16, target_period="2026/27",
            target_value=25),
        [res("2025/26", 20, 18.5, 21.5), res("2021/22", 16, 14, 18)],
        as_of=AS_OF,
    )  # fmt: skip
    assert status.latest is not None and status.latest.period == "2025/26"
    assert (status.reference_period, status.reference_value) == ("2021/22", 16)
    assert status.reference_is_baseline
    assert (status.reference_lower, status.reference_upper) == (14, 18)
    assert status.change == 4
    assert status.reason == (
        "It rose by 4 percentage points from the baseline of 16% in 2021/22 to 20% in 2025/26; "
        "higher is better. The ranges of uncertainty around the two figures do not overlap."
    )
    assert status.target_reason == (
        "The latest result, 20% in 2025/26, is 5 percentage points short of the target of 25% "
        "for 2026/27."
    )


def test_earliest_result_is_the_reference_without_a_baseline() -> None:
    status = indicator_status(
        ind(unit="days", direction="decrease"),
        [res("2023", 3.5), res("2022", 5), res("2024", 4)],
        as_of=AS_OF,
    )
    assert (status.reference_period, status.reference_value) == ("2022", 5)
    assert not status.reference_is_baseline
    assert status.direction == "improving"
    assert status.reason == (
        "It fell by 1 day from the first result of 5 days in 2022 to 4 days in 2024; "
        "lower is better. That is at least 2% of the starting figure, the smallest change that "
        "counts for figures with no range of uncertainty."
    )


def test_overlap_is_explained() -> None:
    status = indicator_status(ind(), [res("2022", 10, 8, 12), res("2024", 11, 9, 13)], as_of=AS_OF)
    assert status.intervals_overlap
    assert "ranges of uncertainty" in status.reason and "overlap" in status.reason


@pytest.mark.parametrize(
    ("next_update", "overdue"),
    [
        (None, False),
        (AS_OF + dt.timedelta(days=1), False),
        (AS_OF, False),  # due today: not yet passed
        (AS_OF - dt.timedelta(days=1), True),
    ],
)
def test_overdue(next_update: dt.date | None, overdue: bool) -> None:
    status = indicator_status(ind(next_update=next_update), [res("2024", 1)], as_of=AS_OF)
    assert status.overdue is overdue
    if overdue:
        assert status.overdue_reason == "New results were due on 31 May 2026."
    else:
        assert status.overdue_reason is None


def test_proxy_is_carried() -> None:
    assert indicator_status(ind(proxy=True), [], as_of=AS_OF).proxy
    assert not indicator_status(ind(), [], as_of=AS_OF).proxy


# -- properties ---------------------------------------------------------------------------------

YEARS = [str(y) for y in range(2015, 2027)]
# Whole and tenth values: exact enough in floating point that scaling keeps every comparison.
values = st.integers(min_value=-10_000, max_value=10_000).map(lambda n: n / 10)


@st.composite
def indicator_and_results(draw: st.DrawFn) -> tuple[Indicator, list[Result]]:
    periods = draw(st.lists(st.sampled_from(YEARS), unique=True, max_size=5))
    results = []
    for period in periods:
        value = draw(values)
        if draw(st.booleans()):
            below = draw(st.integers(0, 500)) / 10
            above = draw(st.integers(0, 500)) / 10
            results.append(res(period, value, value - below, value + above))
        else:
            results.append(res(period, value))
    fields: dict[str, object] = {"direction": draw(st.sampled_from(["increase", "decrease"]))}
    if draw(st.booleans()):
        fields.update(baseline_period=draw(st.sampled_from(YEARS)), baseline_value=draw(values))
    if draw(st.booleans()):
        fields.update(target_period="2027", target_value=draw(values))
    return ind(**fields), results


@given(indicator_and_results())
def test_reversing_direction_swaps_improving_and_worsening(
    case: tuple[Indicator, list[Result]],
) -> None:
    indicator, results = case
    flipped = dataclasses.replace(
        indicator, direction="decrease" if indicator.direction == "increase" else "increase"
    )
    before = indicator_status(indicator, results, as_of=AS_OF).direction
    after = indicator_status(flipped, results, as_of=AS_OF).direction
    swap = {"improving": "worsening", "worsening": "improving"}
    assert after == swap.get(before, before)


@given(indicator_and_results())
def test_overlapping_intervals_never_improve_or_worsen(
    case: tuple[Indicator, list[Result]],
) -> None:
    indicator, results = case
    status = indicator_status(indicator, results, as_of=AS_OF)
    latest = status.latest
    if latest is not None and status.reference_lower is not None and latest.lower is not None:
        assert status.reference_upper is not None and latest.upper is not None
        if latest.lower <= status.reference_upper and status.reference_lower <= latest.upper:
            assert status.direction not in ("improving", "worsening")


@given(indicator_and_results(), st.floats(min_value=0.001, max_value=1000))
def test_scaling_every_value_keeps_the_status(
    case: tuple[Indicator, list[Result]], factor: float
) -> None:
    indicator, results = case

    def scale(x: float | None) -> float | None:
        return None if x is None else x * factor

    scaled_indicator = dataclasses.replace(
        indicator,
        baseline_value=scale(indicator.baseline_value),
        target_value=scale(indicator.target_value),
    )
    scaled_results = [
        dataclasses.replace(r, value=r.value * factor, lower=scale(r.lower), upper=scale(r.upper))
        for r in results
    ]
    # Any change counts here: a float factor can move a change that is exactly the smallest that
    # counts by one rounding step. test_thresholds.py scales figures and thresholds exactly, as
    # decimals, the way a change of unit in a spreadsheet does.
    a = indicator_status(indicator, results, as_of=AS_OF, relative_threshold=0)
    b = indicator_status(scaled_indicator, scaled_results, as_of=AS_OF, relative_threshold=0)
    assert (a.direction, a.target, a.overdue, a.intervals_overlap) == (
        b.direction, b.target, b.overdue, b.intervals_overlap,
    )  # fmt: skip


# -- equity gaps --------------------------------------------------------------------------------


def test_equity_gap_uses_latest_period_of_each_dimension() -> None:
    results = [
        res("2024", 50),
        res("2023", 10, group="age: 16-24"),
        res("2023", 90, group="age: 65+"),
        res("2024", 30, 25, 35, group="age: 16-24"),
        res("2024", 45, 40, 50, group="age: 65+"),
        res("2024", 40, group="age: 25-64"),
        res("2023", 20, group="ward: Central"),
        res("2023", 35, group="ward: North"),
        res("2024", 1, group="sex: Female"),  # one group only: no gap
    ]
    gaps = equity_gaps(ind(), results)
    assert gaps == [
        EquityGap("age", "2024", "65+", 45, "16-24", 30, 15, False, 3),
        EquityGap("ward", "2023", "North", 35, "Central", 20, 15, False, 2),
    ]
    lower_better = equity_gaps(ind(direction="decrease"), results)
    assert (lower_better[0].best_group, lower_better[0].worst_group) == ("16-24", "65+")


def test_equity_gap_notes_overlapping_intervals_and_ties() -> None:
    results = [
        res("2024", 30, 25, 35, group="age: young"),
        res("2024", 32, 28, 36, group="age: old"),
        res("2024", 30, 25, 35, group="age: middle"),
    ]
    (gap,) = equity_gaps(ind(), results)
    assert gap.intervals_overlap
    assert (gap.best_group, gap.worst_group, gap.gap) == ("old", "young", 2)


# -- representativeness -------------------------------------------------------------------------


def prow(category: str, participants: float, population: float, dimension: str = "age",
         engagement: str = "e") -> ProfileRow:  # fmt: skip
    return ProfileRow(engagement, dimension, category, participants, population)


def test_representativeness_hand_worked() -> None:
    rows = [
        prow("16-24", 5, 15),  # 5 < 0.8 * 15: under-represented
        prow("25-64", 60, 60),
        prow("65+", 35, 25),
        prow("Central", 48, 50, "ward"),  # 48 >= 40: fine
        prow("North", 52, 50, "ward"),
    ]
    age, ward = representativeness(rows)
    assert (age.dimension, age.dissimilarity, age.under_represented) == ("age", 10.0, ("16-24",))
    assert (ward.dimension, ward.dissimilarity, ward.under_represented) == ("ward", 2.0, ())
    assert age.engagement_id == "e"


def test_under_represented_boundary_is_strict() -> None:
    (rep,) = representativeness([prow("a", 40, 50), prow("b", 60, 50)])
    assert rep.under_represented == ()  # exactly 80% of the population share is not below it


shares = st.lists(st.integers(0, 100), min_size=1, max_size=6).filter(lambda xs: sum(xs) > 0)


def to_percent(parts: list[int]) -> list[int]:
    """Integer shares summing to exactly 100 (the largest part absorbs the rounding)."""
    total = sum(parts)
    out = [p * 100 // total for p in parts]
    out[out.index(max(out))] += 100 - sum(out)
    return out


@given(shares)
def test_dissimilarity_is_zero_for_a_profile_like_its_population(parts: list[int]) -> None:
    pct = to_percent(parts)
    rows = [prow(f"c{i}", p, p) for i, p in enumerate(pct)]
    (rep,) = representativeness(rows)
    assert rep.dissimilarity == 0
    assert rep.under_represented == ()


@given(shares, shares)
def test_dissimilarity_is_100_for_disjoint_groups(a: list[int], b: list[int]) -> None:
    rows = [prow(f"a{i}", p, 0) for i, p in enumerate(to_percent(a))]
    rows += [prow(f"b{i}", 0, p) for i, p in enumerate(to_percent(b))]
    (rep,) = representativeness(rows)
    assert rep.dissimilarity == 100
    assert set(rep.under_represented) == {f"b{i}" for i, p in enumerate(to_percent(b)) if p > 0}


# -- loop closure, counts, cautions, rules ------------------------------------------------------


def engagement(eid: str) -> Engagement:
    return Engagement(eid, "E", "deliberative", "involve", dt.date(2025, 1, 1),
                      dt.date(2025, 2, 1), 10, "residents", "what?")  # fmt: skip


def response(eid: str, rid: str, outcome: str) -> Response:
    return Response(eid, rid, "said", "did", outcome)  # type: ignore[arg-type]


def test_loop_closure_and_engagements_without_responses() -> None:
    responses = [
        response("e1", "r1", "done"),
        response("e1", "r2", "not_doing"),
        response("e1", "r3", "done"),
        response("e2", "r1", "in_progress"),
    ]
    assert loop_closure(responses[:3]) == LoopClosure(2, 0, 1, 3)
    assert loop_closure([]) == LoopClosure(0, 0, 0, 0)
    report = Report(
        name="r", title="R", organisation=Organisation("Org", "Purpose"),
        reporting_period=ReportingPeriod("2025/26", dt.date(2025, 4, 1), dt.date(2026, 3, 31)),
        present=frozenset({"engagements", "responses"}),
        engagements=(engagement("e1"), engagement("e2"), engagement("e3")),
        responses=tuple(responses),
        objectives=(Objective("o1", "A", "s", "outcome", "x"), Objective("o2", "B", "s",
                    "service", "x"), Objective("o3", "C", "s", "trust", "x")),
        indicators=(ind(id="a", objective_id="o1", kind="output"),
                    ind(id="b", objective_id="o2", kind="output"),
                    ind(id="c", objective_id="o2", kind="outcome")),
    )  # fmt: skip
    assert [e.id for e in engagements_without_responses(report)] == ["e3"]
    # o3 has no indicator at all: that is a different warning, not "only outputs"
    assert [o.id for o in objectives_measured_only_by_outputs(report)] == ["o1"]


def test_status_counts_counts_every_word() -> None:
    statuses = [
        indicator_status(ind(), [res("2022", 1), res("2024", 2)], as_of=AS_OF),
        indicator_status(ind(target_period="2026", target_value=1), [res("2024", 2)],
                         as_of=AS_OF),
        indicator_status(ind(next_update=dt.date(2020, 1, 1)), [], as_of=AS_OF),
    ]  # fmt: skip
    counts = status_counts(statuses)
    assert list(counts) == [*DIRECTIONS, *TARGETS, "overdue"]
    assert counts == {
        "improving": 1, "worsening": 0, "no clear change": 0, "not enough data": 1,
        "no data": 1, "met": 1, "not met": 0, "no target": 2, "overdue": 1,
    }  # fmt: skip
    assert sum(counts[w] for w in DIRECTIONS) == sum(counts[w] for w in TARGETS) == 3


def test_counterbalance_caution() -> None:
    main = ind(id="a", counterbalance_id="b", target_period="2026", target_value=10)
    met = indicator_status(main, [res("2024", 11)], as_of=AS_OF)
    worse = indicator_status(ind(id="b"), [res("2022", 5), res("2024", 4)], as_of=AS_OF)
    better = indicator_status(ind(id="b"), [res("2022", 5), res("2024", 6)], as_of=AS_OF)
    assert met.target == "met"
    assert counterbalance_caution(main, met, worse)
    assert not counterbalance_caution(main, met, better)
    assert not counterbalance_caution(main, met, None)
    assert not counterbalance_caution(dataclasses.replace(main, counterbalance_id=None), met,
                                      worse)  # fmt: skip
    unmet = dataclasses.replace(met, target="not met")
    assert not counterbalance_caution(main, unmet, worse)


def test_rules_cover_every_status_word() -> None:
    words = [rule.word for rule in RULES]
    assert len(words) == len(set(words))
    for word in (*DIRECTIONS, *TARGETS, "overdue", "proxy"):
        rule = rule_for(word)
        assert rule.rule.endswith(".") and len(rule.rule) > 40
        assert rule.anchor == "status-" + word.replace(" ", "-")
    assert isinstance(indicator_status(ind(), [], as_of=AS_OF), IndicatorStatus)


# -- figures in status sentences ----------------------------------------------------------------


def test_status_sentences_read_figures_and_day_periods_as_written() -> None:
    # The examples: "It fell by 0.05 ... from 6.7 ... to 6.7", "72% in 31 March 2026".
    indicator = ind(unit="Rate per 100,000 population", direction="decrease",
                    target_value=6.705, target_period="2027-03-31")  # fmt: skip
    status = indicator_status(
        indicator, [res("2025-03-31", 6.75), res("2026-03-31", 6.7)], as_of=AS_OF
    )
    assert "6.75 per 100,000 population on 31 March 2025" in status.reason
    assert "6.7 per 100,000 population on 31 March 2026" in status.reason
    assert "Rate per" not in status.reason and " in 31 March" not in status.reason
    assert status.target_reason == (
        "The latest result, 6.7 per 100,000 population on 31 March 2026, is below the target "
        "of 6.705 per 100,000 population for 31 March 2027."
    )


def test_figures_compared_in_a_status_never_read_the_same() -> None:
    status = indicator_status(ind(), [res("2024", 97.5), res("2025", 97.49863969529174)],
                              as_of=AS_OF)  # fmt: skip
    assert "97.500% in 2024" in status.reason and "97.499% in 2025" in status.reason
    short = indicator_status(
        ind(target_value=97.5), [res("2024", 97.49863969529174)], as_of=AS_OF
    ).target_reason
    assert short == (
        "The latest result, 97.499% in 2024, is 0.0014 percentage points short of the target "
        "of 97.500%."
    )


def test_a_change_and_its_threshold_never_read_the_same() -> None:
    # 0.12043 alone reads 0.12 (three significant figures), as the threshold of 0.12 does.
    status = indicator_status(
        ind(unit="days", change_threshold=0.12), [res("2024", 10.5), res("2025", 10.62043)],
        as_of=AS_OF,
    )  # fmt: skip
    assert status.direction == "improving"
    assert "It rose by 0.1204 days from" in status.reason
    assert "That is at least 0.1200 days, the smallest change that counts" in status.reason
