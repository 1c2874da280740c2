"""One chart, two renderers, the same axes.

Every chart is shown twice: as the static SVG pvreport draws (what a reader without JavaScript
sees, and everyone at first) and as the interactive Vega-Lite view of its spec. Both must show the
same numeric axes: the same domain (where the axis starts and ends), the same ticks at the same
places and the same tick labels. Here every spec of the example is rendered by Vega itself
(vl-convert, the engine the site's script runs) and its axes read back from the SVG it makes,
against the axes read back from pvreport's own SVG.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import vl_convert
from hypothesis import given, settings
from hypothesis import strategies as st

from pvreport import build, contract
from pvreport.report import derive, load, visibility
from pvreport.report.formatting import MINUS
from pvreport.report.model import Indicator, Result
from pvreport.site import axes, charts, svg
from pvreport.tables import read

EXAMPLE = Path(__file__).resolve().parent.parent / "datapackages" / "example"
JUNE_2026 = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
NS = "{http://www.w3.org/2000/svg}"


@dataclasses.dataclass(frozen=True)
class Axis:
    """A numeric axis as a reader sees it: where it starts and ends, its tick labels, and where
    along it (0 at its start, 1 at its end) each tick sits."""

    domain: tuple[float, float]
    labels: tuple[str, ...]
    at: tuple[float, ...]


def number(label: str) -> float:
    """A number as an axis or Vega's aria label writes it: "1,200", "−5", "1.5 million"."""
    text = label.replace(MINUS, "-").replace(",", "").strip()
    scale = 1.0
    for word, size in (("million", 1e6), ("billion", 1e9)):
        if text.endswith(word):
            text, scale = text.removesuffix(word).strip(), size
    return float(text) * scale


def _translate(element: ET.Element) -> tuple[float, float]:
    found = re.search(r"translate\(([-\d.e]+),([-\d.e]+)\)", element.get("transform") or "")
    return (float(found[1]), float(found[2])) if found else (0.0, 0.0)


def _text(element: ET.Element) -> str:
    spans = element.findall(f"{NS}tspan")
    return " ".join(s.text or "" for s in spans) if spans else (element.text or "")


def _along(points: list[float], start: float, end: float) -> tuple[float, ...]:
    return tuple((p - start) / (end - start) for p in points)


def vega_axes(text: str) -> list[Axis]:
    """The numeric axes of an SVG Vega drew: its own accessible description gives the domain,
    the domain line and tick marks where they are, the visible labels what they say."""
    root = ET.fromstring(text)
    axes = []
    for group in root.iter(f"{NS}g"):
        if group.get("aria-roledescription") != "axis":
            continue
        described = re.search(r"(X|Y)-axis.* linear scale with values from (.+) to (.+)$",
                              group.get("aria-label") or "")  # fmt: skip
        if not described:
            continue
        vertical = described[1] == "Y"

        def part(role: str, tag: str, group: ET.Element = group) -> list[ET.Element]:
            return [
                e
                for g in group.iter(f"{NS}g")
                if role in (g.get("class") or "").split()
                for e in g.iter(f"{NS}{tag}")
            ]

        (domain,) = part("role-axis-domain", "line")
        x0, y0 = _translate(domain)
        x1, y1 = x0 + float(domain.get("x2") or 0), y0 + float(domain.get("y2") or 0)
        # Vertical axes run upwards: the start is the lower end, the larger y.
        start, end = (-max(y0, y1), -min(y0, y1)) if vertical else (min(x0, x1), max(x0, x1))
        marks = [_translate(t) for t in part("role-axis-tick", "line")]
        positions = [-y if vertical else x for x, y in marks]
        labels = [_text(t) for t in part("role-axis-label", "text") if t.get("opacity", "1") != "0"]
        axes.append(
            Axis(
                (number(described[2]), number(described[3])),
                tuple(labels),
                _along(positions, start, end),
            )
        )
    return axes


def static_axes(text: str) -> list[Axis]:
    """The numeric axes of a static SVG pvreport drew: each a group with its domain line, its
    tick marks and their labels; the domain is read off the picture through the labelled ticks
    (so an axis that ran past its last tick would show it)."""
    root = ET.fromstring(text)
    axes = []
    for group in root.iter(f"{NS}g"):
        if group.get("class") != "value-axis":
            continue
        (domain,) = [e for e in group if e.get("class") == "domain"]
        vertical = domain.get("x1") == domain.get("x2")
        key = ("y1", "y2") if vertical else ("x1", "x2")
        sign = -1 if vertical else 1
        ends = sorted(sign * float(domain.get(k) or 0) for k in key)
        marks = [sign * float(e.get(key[0]) or 0) for e in group if e.get("class") == "tick-mark"]
        labels = [_text(e) for e in group if e.get("class") == "tick"]
        at = _along(marks, ends[0], ends[1])
        first, last = number(labels[0]), number(labels[-1])
        per = (last - first) / (at[-1] - at[0])
        axes.append(Axis((first - at[0] * per, first + (1 - at[0]) * per), tuple(labels), at))
    return axes


def differences(chart: charts.Chart) -> list[str]:
    """What differs between the chart's two renderings' numeric axes, in words (none: same)."""
    assert chart.drawing is not None
    ours = static_axes(svg.draw(chart.drawing))
    theirs = vega_axes(vl_convert.vegalite_to_svg(chart.spec))
    if len(ours) != len(theirs):
        return [f"{len(ours)} numeric axes without JavaScript, {len(theirs)} with"]
    found = []
    for n, (a, b) in enumerate(zip(ours, theirs, strict=True), start=1):
        span = abs(b.domain[1] - b.domain[0]) or 1.0
        if any(abs(p - q) > 0.002 * span for p, q in zip(a.domain, b.domain, strict=True)):
            found.append(f"axis {n}: runs {a.domain} without JavaScript, {b.domain} with")
        if a.labels != b.labels:
            found.append(f"axis {n}: ticks {a.labels} without JavaScript, {b.labels} with")
        elif any(abs(p - q) > 0.005 for p, q in zip(a.at, b.at, strict=True)):
            found.append(f"axis {n}: ticks sit at {a.at} without JavaScript, {b.at} with")
    return found


def example_charts() -> list[charts.Chart]:
    """Every chart the example's site shows, built as a build builds them."""
    descriptor = json.loads((EXAMPLE / "datapackage.json").read_text(encoding="utf-8"))
    tables = {
        name: read.read_table(name, EXAMPLE / f"{name}.csv", f"{name}.csv", contract.schema(name))
        for name in contract.RESOURCES
        if name != "labels"  # a package in one language has no labels
    }
    report, _ = visibility.withhold(load.to_report(descriptor, tables), now=JUNE_2026)
    today = JUNE_2026.date()
    statuses = derive.report_statuses(report, as_of=today)
    by_page = build.page_charts(report, statuses, today, derive.report_gaps(report))
    return [chart for page in by_page.values() for chart in page]


def test_every_chart_of_the_example_has_the_same_axes_with_and_without_javascript() -> None:
    every = example_charts()
    compared = 0
    differ: dict[str, list[str]] = {}
    for chart in every:
        assert chart.drawing is not None
        compared += len(static_axes(svg.draw(chart.drawing)))
        found = differences(chart)
        if found:
            differ[chart.id] = found
    # Every chart kind with a numeric axis is in the example: trends, breakdowns, profiles and
    # the home page's two panels (the ladder has no numeric axis).
    assert compared >= 39
    assert not differ, "\n".join(f"{k}: {v}" for k, v in differ.items())


# -- counts and shares never run below zero -----------------------------------------------------


def _trend(unit: str, values: list[float]) -> charts.Chart:
    ind = Indicator("x", "o", "Things", "output", unit, "increase", "m", "s")
    results = [Result("x", str(2020 + i), "all", v) for i, v in enumerate(values)]
    status = derive.indicator_status(ind, results, as_of=JUNE_2026.date())
    made = charts.trend_chart(ind, results, status)
    assert made is not None
    return made


@pytest.mark.parametrize(
    ("unit", "values"),
    [
        ("workshops", [1, 1]),  # one value twice: the axis needs room around it, not below 0
        ("Number of people", [0, 3, 2]),
        ("%", [0.5, 1.5, 2]),
        ("%", [98, 100, 100]),  # a share runs to 100 at most
        ("households", [0]),
    ],
)
def test_a_count_or_share_never_runs_below_zero_with_or_without_javascript(
    unit: str, values: list[float]
) -> None:
    chart = _trend(unit, values)
    assert differences(chart) == []
    assert chart.drawing is not None
    (axis,) = static_axes(svg.draw(chart.drawing))
    assert axis.domain[0] >= -1e-9 and min(values) >= axis.domain[0]
    assert max(values) <= axis.domain[1] + 1e-9
    assert all(not label.startswith(MINUS) for label in axis.labels)
    if unit == "%":
        assert axis.domain[1] <= 100 + 1e-9


@pytest.mark.parametrize("values", [[-1500, 250, -20], [-1_500_000, 250_000, -20]])
def test_a_figure_that_can_be_negative_keeps_its_negative_axis(values: list[float]) -> None:
    chart = _trend("£", values)
    assert differences(chart) == []
    assert chart.drawing is not None
    (axis,) = static_axes(svg.draw(chart.drawing))
    assert axis.domain[0] <= min(values) and axis.labels[0].startswith(MINUS)


@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from(["%", "people", "£", "days"]),
    st.lists(
        st.one_of(
            st.integers(-50, 2_000_000).map(float),
            st.decimals(-100, 100, places=2).map(float),
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_any_trend_has_the_same_axis_with_and_without_javascript(
    unit: str, values: list[float]
) -> None:
    chart = _trend(unit, values)
    assert differences(chart) == []


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(-1e7, 1e7, allow_nan=False), min_size=1, max_size=8),
    st.booleans(),
)
def test_an_axis_covers_its_values_and_stays_within_zero_and_100_where_they_do(
    values: list[float], percent: bool
) -> None:
    axis = axes.value_axis(values, "title", percent=percent)
    assert axis.domain == (axis.ticks[0], axis.ticks[-1])
    slack = 1e-9 * max(1.0, *(abs(v) for v in values))
    assert axis.ticks[0] <= min(values) + slack and axis.ticks[-1] >= max(values) - slack
    assert len(axis.labels) == len(axis.ticks) == len(set(axis.labels)) >= 2
    if min(values) >= 0:
        assert axis.ticks[0] >= 0
    if percent and 0 <= min(values) and max(values) <= 100:
        assert axis.ticks[-1] <= 100
    if all(v.is_integer() for v in values):
        assert all(t.is_integer() for t in axis.ticks)


@pytest.mark.parametrize(
    ("values", "references", "percent", "room_below", "room_above"),
    [
        # 8.75 is clear of the top (8.8), 8.0 on the bottom.
        ([8.75, 8.6, 8.45, 8.5, 8.3, 8.0], [8.75, 8.0], False, True, False),
        ([0.45, 0.42, 0.38, 0.357, 0.3], [0.45, 0.3], False, True, True),
        ([0, 3, 2], [0], False, False, False),  # a count never runs below zero
        ([80, 90, 100], [100], True, False, False),  # a share never runs above 100
        ([10, 20, 30], [20], False, False, False),  # a line inside the axis needs no room
    ],
)
def test_a_reference_line_on_the_edge_of_the_axis_gets_a_step_of_room(
    values: list[float],
    references: list[float],
    percent: bool,
    room_below: bool,
    room_above: bool,
) -> None:
    plain = axes.value_axis(values, "t", percent=percent)
    axis = axes.value_axis(values, "t", percent=percent, references=references)
    step = plain.ticks[1] - plain.ticks[0]
    assert axis.domain == (axis.ticks[0], axis.ticks[-1])
    assert axis.domain[0] == pytest.approx(plain.domain[0] - (step if room_below else 0))
    assert axis.domain[1] == pytest.approx(plain.domain[1] + (step if room_above else 0))
    assert len(axis.labels) == len(axis.ticks)


@pytest.mark.parametrize(
    ("values", "baseline", "target"), [([8.75, 8.6, 8.45, 8.5, 8.3], 8.75, 8.0),
                                       ([0.45, 0.42, 0.38, 0.36, 0.357], 0.45, 0.3)],
)  # fmt: skip
def test_a_target_at_the_lowest_value_has_the_same_room_with_and_without_javascript(
    values: list[float], baseline: float, target: float
) -> None:
    ind = Indicator("x", "o", "Things", "output", "minutes", "decrease", "m", "s",
                    baseline_period="2020", baseline_value=baseline, target_period="2030",
                    target_value=target)  # fmt: skip
    results = [Result("x", str(2020 + i), "all", v) for i, v in enumerate(values)]
    status = derive.indicator_status(ind, results, as_of=JUNE_2026.date())
    chart = charts.trend_chart(ind, results, status)
    assert chart is not None and chart.drawing is not None
    assert differences(chart) == []
    (axis,) = static_axes(svg.draw(chart.drawing))
    assert axis.domain[0] < target and axis.domain[1] > baseline


@pytest.mark.parametrize(
    ("values", "unit", "label"),
    [
        ([8.75, 8.6, 8.45, 8.5, 8.3], "minutes", "8.3 minutes"),
        ([0.45, 0.42, 0.38, 0.36, 0.357], "per 100,000 population", "0.357 per 100,000"),
    ],
)
def test_the_interactive_latest_label_stays_in_the_plot_as_the_static_one_does(
    values: list[float], unit: str, label: str
) -> None:
    ind = Indicator("x", "o", "Things", "output", unit, "decrease", "m", "s",
                    baseline_period="2020", baseline_value=values[0], target_period="2030",
                    target_value=values[-1] - 0.5 * (values[0] - values[-1]))  # fmt: skip
    results = [Result("x", str(2020 + i), "all", v) for i, v in enumerate(values)]
    results[-1] = dataclasses.replace(results[-1], status="provisional")
    status = derive.indicator_status(ind, results, as_of=JUNE_2026.date())
    chart = charts.trend_chart(ind, results, status)
    assert chart is not None
    rendered = vl_convert.vegalite_to_svg(chart.spec)
    # The latest label: the one bold text, its x from the plot's left edge.
    (text,) = [
        t for t in ET.fromstring(rendered).iter(f"{NS}text") if t.get("font-weight") == "bold"
    ]
    assert label in "".join(text.itertext())
    m = re.search(r"translate\(([-\d.]+),([-\d.]+)\)", text.get("transform") or "")
    assert m
    x = float(m[1])
    spans = list(text.iter(f"{NS}tspan")) or [text]
    width = max(svg.text_width(s.text or "", 14, bold=True) for s in spans)
    start = {"end": x - width, "middle": x - width / 2}.get(text.get("text-anchor") or "", x)
    assert 0 <= start and start + width <= chart.spec["width"], (start, width)
