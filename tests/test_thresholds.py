"""How much change counts (contract v1.1): the threshold rule of the direction of travel.

Table-driven edges of the rule, the sentence that says which rule decided, and properties:
below the threshold no figure without a range of uncertainty improves or worsens; a change of
unit (values and the measure's own threshold scaled together) changes no status; and a relative
threshold of 0 gives v1's statuses exactly, judged against a copy of v1's rule kept here.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import copy_base
from hypothesis import given
from hypothesis import strategies as st
from test_derive import ind as derive_ind
from test_derive import res

from pvreport import build
from pvreport.report.derive import DEFAULT_RELATIVE_CHANGE_THRESHOLD, indicator_status
from pvreport.report.model import Indicator, Result
from pvreport.validate import validate_package

AS_OF = dt.date(2026, 6, 1)


def ind(**kw: object) -> Indicator:
    """An indicator as test_derive makes one, its unit empty unless given (a threshold is in the
    indicator's unit)."""
    return derive_ind(**{"unit": "", **kw})


def test_the_contract_default_is_two_per_cent() -> None:
    assert DEFAULT_RELATIVE_CHANGE_THRESHOLD == 2


# (name, indicator fields, results, relative threshold, expected direction, words in the reason)
EDGES: list[tuple[str, dict[str, object], list[Result], float, str, str]] = [
    # The cases: UK SDG figures without intervals, moved by less than 2%.
    ("97.50 to 97.32 is no clear change", {}, [res("2015", 97.50), res("2022", 97.32)], 2,
     "no clear change", ("A change of less than 2% of the starting figure is counted as no clear "
     "change, because these figures have no range of uncertainty.")),
    ("6.75 to 6.70, lower is better", {"direction": "decrease"},
     [res("2015", 6.75), res("2022", 6.70)], 2, "no clear change", "less than 2%"),
    # Equal to the threshold: the smallest change that counts, counts.
    ("exactly 2% counts", {}, [res("2020", 100), res("2024", 102)], 2, "improving",
     "That is at least 2% of the starting figure, the smallest change that counts"),
    ("just under 2% does not", {}, [res("2020", 100), res("2024", 101.99)], 2,
     "no clear change", "less than 2%"),
    ("exactly the own threshold counts", {"change_threshold": 0.5},
     [res("2020", 10), res("2024", 10.5)], 2, "improving",
     "That is at least 0.5, the smallest change that counts for this measure"),
    ("just under the own threshold does not", {"change_threshold": 0.5},
     [res("2020", 10), res("2024", 10.49)], 2, "no clear change",
     ("For this measure, a change of less than 0.5 is counted as no clear change, because "
     "these figures have no range of uncertainty.")),
    # Decimal figures as written: 0.3 - 0.2 is 0.1, not 0.09999999999999998.
    ("0.3 to 0.2 with a threshold of 0.1 counts", {"change_threshold": 0.1},
     [res("2020", 0.3), res("2024", 0.2)], 2, "worsening", "at least 0.1"),
    ("1.1 to 1.122 is exactly 2%", {}, [res("2020", 1.1), res("2024", 1.122)], 2, "improving",
     "at least 2%"),
    # The own threshold wins over the relative one, both ways.
    ("own threshold smaller than 2%", {"change_threshold": 0.1},
     [res("2020", 100), res("2024", 100.5)], 2, "improving", "at least 0.1"),
    ("own threshold larger than 2%", {"change_threshold": 5},
     [res("2020", 100), res("2024", 104)], 2, "no clear change", "less than 5"),
    ("own threshold of 0: any change counts", {"change_threshold": 0},
     [res("2020", 100), res("2024", 100.01)], 2, "improving",
     "Any change counts for this measure."),
    # An earlier value of 0: 2% of 0 is 0, so any change counts; an own threshold still applies.
    ("from 0, any change counts", {}, [res("2020", 0), res("2024", 0.001)], 2, "improving",
     "The starting figure is 0 and 2% of 0 is 0, so any change counts."),
    ("from 0 to 0", {}, [res("2020", 0), res("2024", 0)], 2, "no clear change",
     "is the same as"),
    ("from 0, own threshold applies", {"change_threshold": 1},
     [res("2020", 0), res("2024", 0.5)], 2, "no clear change", "less than 1"),
    # A negative earlier value: the share is of its size, |-50| = 50, so 2% is 1.
    ("negative, under 2% of its size", {}, [res("2020", -50), res("2024", -49.2)], 2,
     "no clear change", "less than 2%"),
    ("negative, exactly 2% of its size", {}, [res("2020", -50), res("2024", -49)], 2,
     "improving", "at least 2%"),
    ("negative, worse by more", {}, [res("2020", -50), res("2024", -51.5)], 2, "worsening",
     "at least 2%"),
    ("negative to positive", {}, [res("2020", -0.5), res("2024", 0.5)], 2, "improving",
     "at least 2%"),
    # One point with an interval and one without: the threshold does not apply (contract).
    ("interval on the latest only", {}, [res("2020", 100), res("2024", 100.5, 99, 102)], 2,
     "improving", "Only one of the two figures has a range of uncertainty, so any change counts."),
    ("interval on the first only", {}, [res("2020", 100, 99, 101), res("2024", 99.9)], 2,
     "worsening", "Only one of the two figures has a range of uncertainty"),
    ("baseline without a result, latest without interval", {"baseline_period": "2020",
     "baseline_value": 100}, [res("2024", 101)], 2, "no clear change", "less than 2%"),
    ("baseline outside its result's interval has none", {"baseline_period": "2020",
     "baseline_value": 100}, [res("2020", 90, 89, 91), res("2024", 100.5, 100, 101)], 2,
     "improving", "Only one of the two figures"),
    # Both with intervals: the intervals decide, the threshold is not used.
    ("intervals apart, change under 2%", {"change_threshold": 5},
     [res("2020", 100, 99.9, 100.1), res("2024", 100.5, 100.4, 100.6)], 2, "improving",
     "The ranges of uncertainty around the two figures do not overlap."),
    ("intervals overlap, change over 2%", {}, [res("2020", 100, 90, 110), res("2024", 108, 98,
     118)], 2, "no clear change", "ranges of uncertainty around the two figures overlap"),
    # 0 restores v1's "any change".
    ("relative 0: any change counts", {}, [res("2020", 100), res("2024", 100.01)], 0,
     "improving", "This report counts any change, however small."),
    ("relative 0.5", {}, [res("2020", 100), res("2024", 100.4)], 0.5, "no clear change",
     "less than 0.5% of the starting figure"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "fields", "results", "relative", "direction", "words"), EDGES,
                         ids=[e[0] for e in EDGES])  # fmt: skip
def test_threshold_edges(
    name: str,
    fields: dict[str, object],
    results: list[Result],
    relative: float,
    direction: str,
    words: str,
) -> None:
    status = indicator_status(ind(**fields), results, as_of=AS_OF, relative_threshold=relative)
    assert status.direction == direction
    assert words in status.reason
    assert status.reason.endswith(".") and status.reason[0].isupper()


def test_the_reason_names_the_rule_in_full() -> None:
    status = indicator_status(
        ind(unit="%"), [res("2015", 97.5), res("2022", 97.32)], as_of=AS_OF, relative_threshold=2
    )
    assert status.decided_by == "below threshold"
    assert status.threshold == pytest.approx(1.95)
    assert status.reason == (
        "It fell by 0.18 percentage points from the first result of 97.5% in 2015 to 97.32% in "
        "2022. A change of less than 2% of the starting figure is counted as no clear change, "
        "because these figures have no range of uncertainty."
    )


def test_the_default_threshold_applies_without_a_setting() -> None:
    status = indicator_status(ind(), [res("2015", 97.5), res("2022", 97.32)], as_of=AS_OF)
    assert status.direction == "no clear change"


# -- properties ---------------------------------------------------------------------------------

YEARS = [str(y) for y in range(2015, 2027)]
# Figures as a spreadsheet holds them: up to 6 significant digits and 3 decimals.
decimals = st.builds(
    lambda n, places: Decimal(n).scaleb(-places),
    st.integers(min_value=-999_999, max_value=999_999),
    st.integers(min_value=0, max_value=3),
)
thresholds = st.one_of(
    st.none(),
    st.builds(
        lambda n, places: Decimal(n).scaleb(-places),
        st.integers(0, 50_000),
        st.integers(0, 3),
    ),
)
relatives = st.sampled_from([0, 0.5, 1, 2, 2.5, 5, 10])


@dataclasses.dataclass(frozen=True)
class Case:
    """An indicator's figures as decimals, so that a change of unit can be applied exactly."""

    direction: str
    values: tuple[tuple[str, Decimal, Decimal | None, Decimal | None], ...]
    baseline: tuple[str, Decimal] | None
    target: Decimal | None
    change_threshold: Decimal | None

    def scaled(self, factor: Decimal) -> Case:
        def s(x: Decimal | None) -> Decimal | None:
            return None if x is None else x * factor

        return Case(
            self.direction,
            tuple((p, v * factor, s(lo), s(hi)) for p, v, lo, hi in self.values),
            None if self.baseline is None else (self.baseline[0], self.baseline[1] * factor),
            s(self.target),
            s(self.change_threshold),
        )

    def indicator(self) -> Indicator:
        fields: dict[str, object] = {"direction": self.direction}
        if self.baseline is not None:
            fields.update(baseline_period=self.baseline[0], baseline_value=float(self.baseline[1]))
        if self.target is not None:
            fields.update(target_period="2027", target_value=float(self.target))
        if self.change_threshold is not None:
            fields.update(change_threshold=float(self.change_threshold))
        return ind(**fields)

    def results(self) -> list[Result]:
        def f(x: Decimal | None) -> float | None:
            return None if x is None else float(x)

        return [res(p, float(v), f(lo), f(hi)) for p, v, lo, hi in self.values]


@st.composite
def cases(draw: st.DrawFn, *, intervals: bool = True, own: bool = True) -> Case:
    periods = draw(st.lists(st.sampled_from(YEARS), unique=True, max_size=5))
    values: list[tuple[str, Decimal, Decimal | None, Decimal | None]] = []
    for period in periods:
        # Often a small step from the figure before, so that changes near the threshold are common.
        if values and draw(st.booleans()):
            value = values[-1][1] + Decimal(draw(st.integers(-2_000, 2_000))).scaleb(-3)
        else:
            value = draw(decimals)
        if intervals and draw(st.booleans()):
            below = Decimal(draw(st.integers(0, 500))).scaleb(-1)
            above = Decimal(draw(st.integers(0, 500))).scaleb(-1)
            values.append((period, value, value - below, value + above))
        else:
            values.append((period, value, None, None))
    baseline = None
    if draw(st.booleans()):
        near = values[0][1] if values and draw(st.booleans()) else draw(decimals)
        baseline = (draw(st.sampled_from(YEARS)), near)
    target = draw(decimals) if draw(st.booleans()) else None
    return Case(
        draw(st.sampled_from(["increase", "decrease"])),
        tuple(values),
        baseline,
        target,
        draw(thresholds) if own else None,
    )


@given(cases(intervals=False), relatives)
def test_below_the_threshold_figures_without_intervals_never_improve_or_worsen(
    case: Case, relative: float
) -> None:
    indicator = case.indicator()
    status = indicator_status(indicator, case.results(), as_of=AS_OF, relative_threshold=relative)
    if status.reference_value is None or status.latest is None or status.change is None:
        return
    # The threshold worked out here on its own, in decimals, from the contract's words.
    earlier = Decimal(repr(status.reference_value))
    change = abs(Decimal(repr(status.latest.value)) - earlier)
    if case.change_threshold is not None:
        threshold = case.change_threshold
    else:
        threshold = Decimal(repr(relative)) / 100 * abs(earlier)
    if status.reference_lower is None and change < threshold:
        assert status.direction == "no clear change"
    elif status.reference_lower is None and change > 0:
        assert status.direction in ("improving", "worsening")


factors = st.builds(
    lambda n, places: Decimal(n).scaleb(places),
    st.integers(1, 999),
    st.integers(-4, 4),
)


@given(cases(), factors, relatives)
def test_a_change_of_unit_keeps_every_status(case: Case, factor: Decimal, relative: float) -> None:
    """Values, intervals, baseline, target and the measure's own threshold scaled together,
    as when a measure is given in pence rather than pounds: no status changes."""
    scaled = case.scaled(factor)
    a = indicator_status(case.indicator(), case.results(), as_of=AS_OF,
                         relative_threshold=relative)  # fmt: skip
    b = indicator_status(scaled.indicator(), scaled.results(), as_of=AS_OF,
                         relative_threshold=relative)  # fmt: skip
    assert (a.direction, a.target, a.intervals_overlap, a.decided_by) == (
        b.direction, b.target, b.intervals_overlap, b.decided_by,
    )  # fmt: skip


def v1_direction(indicator: Indicator, results: list[Result]) -> str:
    """Contract v1's direction of travel, kept as it was: the oracle for a relative threshold
    of 0. Overlapping intervals on both points give no clear change; otherwise any change."""
    overall = sorted((r for r in results if r.group == "all"), key=lambda r: r.period)
    if not overall:
        return "no data"
    latest = overall[-1]
    lower = upper = None
    if indicator.baseline_period is not None and indicator.baseline_value is not None:
        ref_period, ref_value = indicator.baseline_period, indicator.baseline_value
        at = [r for r in overall if r.period == ref_period]
        if (
            at
            and at[0].lower is not None
            and at[0].upper is not None
            and (at[0].lower <= ref_value <= at[0].upper)
        ):
            lower, upper = at[0].lower, at[0].upper
        if all(r.period == ref_period for r in overall):
            return "not enough data"
    else:
        if len(overall) == 1:
            return "not enough data"
        ref_value, lower, upper = overall[0].value, overall[0].lower, overall[0].upper
    if (
        latest.lower is not None
        and latest.upper is not None
        and lower is not None
        and upper is not None
        and latest.lower <= upper
        and lower <= latest.upper
    ):
        return "no clear change"
    if latest.value == ref_value:
        return "no clear change"
    higher = latest.value > ref_value
    return "improving" if higher == (indicator.direction == "increase") else "worsening"


@given(cases(own=False))
def test_a_relative_threshold_of_0_gives_v1_statuses(case: Case) -> None:
    indicator, results = case.indicator(), case.results()
    status = indicator_status(indicator, results, as_of=AS_OF, relative_threshold=0)
    assert status.direction == v1_direction(indicator, results)


@given(cases(own=False))
def test_the_v1_oracle_agrees_where_the_threshold_is_not_reached_or_unused(case: Case) -> None:
    """The default 2% only ever turns v1's improving or worsening into no clear change."""
    indicator, results = case.indicator(), case.results()
    now = indicator_status(indicator, results, as_of=AS_OF).direction
    then = v1_direction(indicator, results)
    assert now == then or (now == "no clear change" and then in ("improving", "worsening"))


# -- the rules page publishes the thresholds --------------------------------------------------


def rules_page(package: Path) -> str:
    validation = validate_package(package, as_of=AS_OF)
    assert validation.ok, [p for p in validation.problems if p.is_error]
    site = build.render_report(validation, build.Clock.make(AS_OF))
    (page,) = [p.text for p in site.rendered.pages if p.src == "how-we-judge-progress.md"]
    return page


def set_status_rules(package: Path, rules: dict[str, object]) -> None:
    path = package / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["status_rules"] = rules
    path.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")


def test_the_rules_page_publishes_the_report_threshold_and_own_thresholds(
    tmp_path: Path,
) -> None:
    package = copy_base(tmp_path / "package")
    set_status_rules(package, {"relative_change_threshold": 2.5})
    indicators = package / "indicators.csv"
    rows = list(csv.DictReader(indicators.read_text(encoding="utf-8").splitlines()))
    rows[1]["change_threshold"] = "25"  # repairs-done, counted in repairs
    out = io.StringIO()
    fields = [*rows[0].keys(), "change_threshold"]
    writer = csv.DictWriter(out, fieldnames=fields, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    indicators.write_text(out.getvalue(), encoding="utf-8")
    page = rules_page(package)
    assert "a change of less than **2.5% of the starting figure** is counted as no clear " in page
    assert "which we use instead of 2.5%:" in page
    assert "| [Damp repairs completed](indicators/repairs-done.md) | 25 repairs |" in page


def test_the_rules_page_says_when_any_change_counts(tmp_path: Path) -> None:
    package = copy_base(tmp_path / "package")
    set_status_rules(package, {"relative_change_threshold": 0})
    page = rules_page(package)
    assert "This report counts any change, however small, as improving or worsening" in page
    assert "No measure has a smallest change of its own." in page
    assert "of the starting figure" not in page
