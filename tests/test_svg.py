"""The static chart SVGs pvreport draws itself: well-formed, standalone, deterministic, every
value where its axis says it is, every label there in words, hostile text harmless.

Charts are made by the real chart builders (charts.py) from model rows, then drawn by svg.py; the
SVG is parsed back with an XML parser and its axis ticks read as a person would read them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pvreport.report import derive
from pvreport.report.formatting import MINUS, format_ticks
from pvreport.report.model import (
    Engagement,
    Indicator,
    Organisation,
    ProfileRow,
    Report,
    ReportingPeriod,
    Result,
)
from pvreport.site import axes, charts, svg

AS_OF = dt.date(2026, 6, 1)
NS = "{http://www.w3.org/2000/svg}"


# -- making charts from rows ---------------------------------------------------------------------


def indicator(**kw: Any) -> Indicator:
    fields: dict[str, Any] = {
        "id": "x", "objective_id": "o", "title": "Residents satisfied", "kind": "outcome",
        "unit": "%", "direction": "increase", "method": "m", "source": "s",
    }  # fmt: skip
    fields.update(kw)
    return Indicator(**fields)


def report_of(
    indicators: Sequence[Indicator] = (),
    results: Sequence[Result] = (),
    profile: Sequence[ProfileRow] = (),
) -> Report:
    return Report(
        name="r", title="R", organisation=Organisation("Org", "Purpose"),
        reporting_period=ReportingPeriod("2025/26", dt.date(2025, 4, 1), dt.date(2026, 3, 31)),
        present=frozenset({"indicators", "results", "engagements", "engagement_profile"}),
        indicators=tuple(indicators), results=tuple(results),
        engagements=(Engagement("panel", "Panel", "deliberative", "involve", dt.date(2025, 1, 1),
                                dt.date(2025, 3, 1), 40, "residents", "what?"),),
        engagement_profile=tuple(profile),
    )  # fmt: skip


def charts_for(ind: Indicator, results: Sequence[Result]) -> dict[str, charts.Chart]:
    made = charts.indicator_charts(report_of([ind], results), ind, as_of=AS_OF)
    return {c.id: c for c in made}


def profile_chart(rows: Sequence[tuple[str, float, float]]) -> charts.Chart:
    profile = [ProfileRow("panel", "home", cat, part, pop) for cat, part, pop in rows]
    report = report_of(profile=profile)
    return charts.engagement_charts(report, report.engagements[0])[0]


def r(period: str, value: float, lower: float | None = None, upper: float | None = None,
      group: str = "all", status: str = "final") -> Result:  # fmt: skip
    return Result("x", period, group, value, lower, upper, status=status)  # type: ignore[arg-type]


TREND = charts_for(
    indicator(
        baseline_period="2021/22", baseline_value=16, target_period="2026/27", target_value=25
    ),
    [
        r("2021/22", 16, 14, 18),
        r("2022/23", 17),  # no interval this year
        r("2023/24", 18, 16.5, 19.5),
        r("2025/26", 20, 18.5, 21.5, status="provisional"),
        r("2025/26", 25, 22, 28, group="age: 16-24"),
        r("2025/26", 21, group="age: 25-64"),
        r("2025/26", 12, 9, 15, group="age: 65+"),
    ],
)


def every_kind() -> list[charts.Chart]:
    report = report_of(
        [indicator()], [r("2024", 1)], [ProfileRow("panel", "age", "16-34", 10, 30),
                                        ProfileRow("panel", "age", "35+", 90, 70)],
    )  # fmt: skip
    statuses = derive.report_statuses(report, as_of=AS_OF)
    return [
        *TREND.values(),
        *charts.engagement_charts(report, report.engagements[0]),
        charts.status_chart(statuses.values()),
    ]


# -- reading an SVG back -------------------------------------------------------------------------


def parse(text: str) -> ET.Element:
    root = ET.fromstring(text)
    assert root.tag == f"{NS}svg"
    return root


def by_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if name in (e.get("class") or "").split()]


def words(element: ET.Element) -> str:
    """The text of a <text>, its lines joined with spaces."""
    spans = element.findall(f"{NS}tspan")
    return " ".join(s.text or "" for s in spans) if spans else (element.text or "")


def squash(text: str) -> str:
    return "".join(text.split())


def number(label: str) -> float:
    """A tick label read back as a number: "1,200", "−5", "1.5 million"."""
    text = label.replace(MINUS, "-").replace(",", "")
    scale = 1.0
    for word, size in (("million", 1e6), ("billion", 1e9)):
        if text.endswith(word):
            text, scale = text.removesuffix(word).strip(), size
    return float(text) * scale


def value_axis(root: ET.Element, attr: str) -> tuple[list[float], list[float]]:
    """Tick values (read from their labels) and their pixel positions (from the grid lines)."""
    ticks = [number(words(t)) for t in by_class(root, "tick")]
    grid = [float(g.get(attr) or "nan") for g in by_class(root, "grid")]
    return ticks, grid


def to_value(ticks: Sequence[float], grid: Sequence[float]) -> Any:
    """The axis as a person reads it: pixels back to values, through the first and last tick."""

    def inverse(pixel: float) -> float:
        return ticks[0] + (pixel - grid[0]) / (grid[-1] - grid[0]) * (ticks[-1] - ticks[0])

    return inverse


def centre(element: ET.Element) -> tuple[float, float]:
    if element.tag == f"{NS}circle":
        return float(element.get("cx") or 0), float(element.get("cy") or 0)
    return float(element.get("data-x") or 0), float(element.get("data-y") or 0)


def assert_nice_and_covering(ticks: Sequence[float], grid: Sequence[float],
                             values: Sequence[float]) -> None:  # fmt: skip
    assert len(ticks) >= 2 and len(ticks) == len(grid)
    step = ticks[1] - ticks[0]
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m) for m in (1, 2, 5)), step
    for a, b in itertools.pairwise(ticks):
        assert math.isclose(b - a, step, rel_tol=1e-9)
    # Evenly spaced on the page too (to the 0.1 px the coordinates are written in).
    gaps = [b - a for a, b in itertools.pairwise(grid)]
    assert max(gaps) - min(gaps) <= 0.25
    assert ticks[0] <= min(values) and ticks[-1] >= max(values)


def tolerance(ticks: Sequence[float], grid: Sequence[float]) -> float:
    """Half a pixel's worth of value plus a little: coordinates are written to 0.1 px."""
    return abs((ticks[-1] - ticks[0]) / (grid[-1] - grid[0])) * 0.2


# -- every kind ----------------------------------------------------------------------------------


def test_every_kind_is_a_standalone_well_formed_svg() -> None:
    for chart in every_kind():
        text = charts.render_svgs([chart])[chart.id]
        root = parse(text)
        width, height = float(root.get("width") or 0), float(root.get("height") or 0)
        assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
        assert 100 < width <= charts.WIDTH and 60 < height < 2000, chart.id
        tags = {e.tag.removeprefix(NS) for e in root.iter()}
        assert tags <= {"svg", "rect", "line", "polyline", "path", "circle", "text", "tspan", "g"}
        for element in root.iter():
            for name, value in element.attrib.items():
                assert "href" not in name and "url(" not in value, (chart.id, name)
            assert not element.tag.startswith("{") or element.tag.startswith(NS)
        assert "http" not in text.replace("http://www.w3.org/2000/svg", "")
        assert root.get("font-family") == charts.FONT
        # Colours are the site's own.
        used = set(re.findall(r'(?:fill|stroke)="(#[0-9a-fA-F]{6})"', text))
        assert used <= {*charts.PALETTE, charts.TEXT, charts.MUTED_TEXT, charts.GRID,
                        charts.BACKGROUND}, (chart.id, used)  # fmt: skip


def test_the_same_drawing_gives_the_same_bytes() -> None:
    first = charts.render_svgs(every_kind())
    again = charts.render_svgs(list(reversed(every_kind())))
    assert first == again
    # A drawing rebuilt from equal values, not the same object, draws the same bytes.
    for chart in every_kind():
        assert chart.drawing is not None
        copy = eval(repr(chart.drawing), vars(svg))  # our own frozen dataclasses
        assert copy == chart.drawing and svg.draw(copy) == first[chart.id]


# -- trend ---------------------------------------------------------------------------------------


def test_trend_points_sit_where_the_axis_says_and_periods_are_in_order() -> None:
    chart = TREND["indicator_x_trend"]
    root = parse(svg.draw(chart.drawing))  # type: ignore[arg-type]
    ticks, grid = value_axis(root, "y1")
    values = [16, 17, 18, 20, 14, 18, 16.5, 19.5, 18.5, 21.5, 25]
    assert_nice_and_covering(sorted(ticks), sorted(grid, reverse=True), values)
    read = to_value(ticks, grid)
    points = by_class(root, "point")
    assert len(points) == 4
    xs = [centre(p)[0] for p in points]
    assert xs == sorted(xs)
    for point, expected in zip(points, [16, 17, 18, 20], strict=True):
        assert read(centre(point)[1]) == pytest.approx(expected, abs=tolerance(ticks, grid))
    periods = [words(t) for t in by_class(root, "period")]
    assert periods == ["2021/22", "2022/23", "2023/24", "2025/26"]
    # Intervals: drawn for the three years that have one, not the year without.
    assert len(by_class(root, "interval")) == 3
    # Baseline and target: dash patterns differ, and their words are there.
    baseline, target = by_class(root, "baseline")[0], by_class(root, "target")[0]
    assert baseline.get("stroke-dasharray") != target.get("stroke-dasharray")
    assert read(float(baseline.get("y1") or 0)) == pytest.approx(16, abs=tolerance(ticks, grid))
    assert read(float(target.get("y1") or 0)) == pytest.approx(25, abs=tolerance(ticks, grid))
    assert words(by_class(root, "baseline-label")[0]) == "Baseline 16% (2021/22)"
    assert squash(words(by_class(root, "target-label")[0])) == squash("Target 25% for 2026/27")
    assert words(by_class(root, "latest")[0]) == "20% (provisional)"
    assert words(by_class(root, "title")[0]) == "Per cent"


def test_a_provisional_point_is_told_by_shape_and_words() -> None:
    root = parse(svg.draw(TREND["indicator_x_trend"].drawing))  # type: ignore[arg-type]
    tentative = by_class(root, "tentative")
    assert len(tentative) == 1 and tentative[0].tag == f"{NS}path"  # a triangle, not a circle
    assert all(p.tag == f"{NS}circle" for p in by_class(root, "point") if p not in tentative)
    legend = [words(t) for t in by_class(root, "legend")]
    assert legend == ["Final figure", "Provisional: may still change"]
    assert "open triangle" in TREND["indicator_x_trend"].caption


def test_negative_values_and_a_single_point() -> None:
    chart = charts_for(indicator(unit="£"), [r("2024", -1500), r("2025", 250), r("2026", -20)])
    root = parse(svg.draw(chart["indicator_x_trend"].drawing))  # type: ignore[arg-type]
    ticks, grid = value_axis(root, "y1")
    assert_nice_and_covering(sorted(ticks), sorted(grid, reverse=True), [-1500, 250, -20])
    assert any(words(t).startswith(MINUS) for t in by_class(root, "tick"))
    read = to_value(ticks, grid)
    got = [read(centre(p)[1]) for p in by_class(root, "point")]
    assert got == pytest.approx([-1500, 250, -20], abs=tolerance(ticks, grid))
    assert words(by_class(root, "title")[0]) == "Pounds (£)"

    single = charts_for(indicator(unit="days"), [r("2025-Q1", 7)])["indicator_x_trend"]
    root = parse(svg.draw(single.drawing))  # type: ignore[arg-type]
    ticks, grid = value_axis(root, "y1")
    assert_nice_and_covering(sorted(ticks), sorted(grid, reverse=True), [7])
    (point,) = by_class(root, "point")
    assert to_value(ticks, grid)(centre(point)[1]) == pytest.approx(7, abs=tolerance(ticks, grid))
    assert [words(t) for t in by_class(root, "period")] == ["January to March 2025"]
    assert not by_class(root, "interval") and not by_class(root, "band")


def test_many_periods_keep_the_latest_label_and_never_overlap() -> None:
    results = [r(f"{2020 + i // 12}-{i % 12 + 1:02d}", 40 + (i % 7)) for i in range(48)]
    chart = charts_for(indicator(), results)["indicator_x_trend"]
    root = parse(svg.draw(chart.drawing))  # type: ignore[arg-type]
    assert len(by_class(root, "point")) == 48
    shown = by_class(root, "period")
    assert 2 <= len(shown) < 48
    assert words(shown[-1]) == "December 2023"
    xs = [float(t.get("x") or 0) for t in shown]
    widths = [max(svg.text_width(s.text or "") for s in t.findall(f"{NS}tspan")) for t in shown]
    for (a, wa), (b, wb) in itertools.pairwise(zip(xs, widths, strict=True)):
        assert b - a >= (wa + wb) / 2, "period labels overlap"


# -- breakdown -----------------------------------------------------------------------------------


def test_breakdown_places_every_group_and_marks_the_worst_by_shape() -> None:
    chart = TREND["indicator_x_by-age"]
    root = parse(svg.draw(chart.drawing))  # type: ignore[arg-type]
    assert [words(t) for t in by_class(root, "category")] == ["16-24", "25-64", "65+"]
    ticks, grid = value_axis(root, "x1")
    assert_nice_and_covering(ticks, grid, [25, 22, 28, 21, 12, 9, 15, 20])
    read = to_value(ticks, grid)
    points = by_class(root, "point")
    got = [read(centre(p)[0]) for p in points]
    assert got == pytest.approx([25, 21, 12], abs=tolerance(ticks, grid))
    worst = by_class(root, "worst")
    assert len(worst) == 1 and worst[0].tag == f"{NS}path" and worst[0] is points[2]
    assert [words(t) for t in by_class(root, "value")] == ["25%", "21%", "12% (worst result)"]
    # Only the two groups with an interval get one; the middle group has none.
    assert len(by_class(root, "interval")) == 2
    everyone = by_class(root, "everyone")[0]
    assert read(float(everyone.get("x1") or 0)) == pytest.approx(20, abs=tolerance(ticks, grid))
    assert words(by_class(root, "everyone-label")[0]) == "Everyone 20%"
    # Rows: each point on the same line as its label, top to bottom.
    ys = [centre(p)[1] for p in points]
    assert ys == sorted(ys)
    assert [words(t) for t in by_class(root, "legend")] == [
        "Other groups",
        "Group with the worst result",
    ]


# -- engagement profile, ladder, home -----------------------------------------------------------


def test_profile_bars_and_ticks_sit_on_the_axis() -> None:
    chart = profile_chart([("owns", 70, 55.5), ("rents", 30, 44.5)])
    root = parse(svg.draw(chart.drawing))  # type: ignore[arg-type]
    ticks, grid = value_axis(root, "x1")
    assert ticks[0] == 0
    assert_nice_and_covering(ticks, grid, [0, 70, 55.5, 30, 44.5])
    read = to_value(ticks, grid)
    tol = tolerance(ticks, grid)
    bars = by_class(root, "bar")
    ends = [float(b.get("x") or 0) + float(b.get("width") or 0) for b in bars]
    assert [read(e) for e in ends] == pytest.approx([70, 30], abs=tol)
    assert [read(float(b.get("x") or 0)) for b in bars] == pytest.approx([0, 0], abs=tol)
    population = [float(t.get("x") or 0) + 2 for t in by_class(root, "population")]
    assert [read(p) for p in population] == pytest.approx([55.5, 44.5], abs=tol)
    assert [words(t) for t in by_class(root, "category")] == ["owns", "rents (under-represented)"]
    assert [squash(words(t)) for t in by_class(root, "value")] == [
        squash("70% took part, 55.5% of population"),
        squash("30% took part, 44.5% of population"),
    ]


def test_ladder_fills_and_names_this_engagements_rung() -> None:
    report = report_of()
    ladder = charts.engagement_charts(report, report.engagements[0])[-1]
    root = parse(svg.draw(ladder.drawing))  # type: ignore[arg-type]
    names = [words(t) for t in by_class(root, "category")]
    assert names == ["Inform", "Consult", "Involve", "Collaborate", "Empower"]
    rungs = by_class(root, "rung")
    widths = [float(e.get("width") or 0) for e in rungs]
    assert widths == sorted(widths) and len(set(widths)) == 5
    ys = [float(e.get("y") or 0) for e in rungs]
    assert ys == sorted(ys, reverse=True)  # empower at the top
    (current,) = by_class(root, "current")
    assert current is rungs[2] and current.get("fill") == charts.PRIMARY
    assert all(e.get("fill") == charts.BACKGROUND for e in rungs if e is not current)
    assert [words(t) for t in by_class(root, "value")] == ["This engagement"]


def test_home_status_bars_and_counts() -> None:
    ind = indicator()
    statuses = [
        derive.indicator_status(ind, [r("2024", 1), r("2025", 2)], as_of=AS_OF) for _ in range(7)
    ] + [derive.indicator_status(ind, [], as_of=AS_OF)] * 4
    chart = charts.status_chart(statuses)
    root = parse(svg.draw(chart.drawing))  # type: ignore[arg-type]
    assert [words(t) for t in by_class(root, "heading")] == ["Direction of travel", "Targets"]
    assert [words(t) for t in by_class(root, "category")] == [*derive.DIRECTIONS, *derive.TARGETS]
    counts = [int(words(t)) for t in by_class(root, "value")]
    assert counts == [7, 0, 0, 0, 4, 0, 0, 11]
    ticks = [number(words(t)) for t in by_class(root, "tick")]
    assert all(t == int(t) for t in ticks) and max(ticks) >= 11
    grid = [float(g.get("x1") or 0) for g in by_class(root, "grid")]
    n = len(ticks) // 2
    read = to_value(ticks[:n], grid[:n])
    bars = by_class(root, "bar")
    got = [read(float(b.get("x") or 0) + float(b.get("width") or 0)) for b in bars]
    assert got == pytest.approx(counts, abs=0.05)


# -- hostile and awkward text --------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    "Tenants \"in\" & <b>out</b> 'quoted'",
    (
        "people who rent from the council or a housing association and have lived there for "
        "over ten years"
    ),
    "Supercalifragilisticexpialidociousandthenevenlongerwithoutanyspacesatall",
    "السكان في وسط المدينة",  # Arabic, right to left
    "שכונה\u200f צפונית",  # Hebrew with a right-to-left mark
    "bell\x07 and null\x00 characters",
]


def test_hostile_labels_are_escaped_wrapped_and_kept_whole() -> None:
    rows = [(label, 100 / len(HOSTILE), 100 / len(HOSTILE)) for label in HOSTILE]
    chart = profile_chart(rows)
    text = svg.draw(chart.drawing)  # type: ignore[arg-type]
    root = parse(text)  # no parse error: everything escaped, illegal characters dropped
    assert "<script" not in text and "<b>" not in text
    assert not [e for e in root.iter() if e.tag.removeprefix(NS) in ("script", "b", "a")]
    labels = by_class(root, "category")
    assert len(labels) == len(HOSTILE)
    for element, label in zip(labels, HOSTILE, strict=True):
        expected = re.sub("[\x00-\x08]", "", label)
        assert squash(words(element)) == squash(expected)
        lines = [s.text or "" for s in element.findall(f"{NS}tspan")] or [element.text or ""]
        assert all(svg.text_width(line) <= 150 for line in lines), lines
    assert len(by_class(root, "category")[2].findall(f"{NS}tspan")) >= 3  # wrapped, not cut
    assert "…" not in text


def test_hostile_group_names_in_a_breakdown() -> None:
    results = [r("2025", 10 + i, group=f"area: {label}") for i, label in enumerate(HOSTILE)]
    results.append(r("2025", 12))
    chart = charts_for(indicator(), results)["indicator_x_by-area"]
    root = parse(svg.draw(chart.drawing))  # type: ignore[arg-type]
    got = [squash(words(t)) for t in by_class(root, "category")]
    assert got == [squash(re.sub("[\x00-\x08]", "", label)) for label in HOSTILE]
    # Rows grow with their labels: no two labels share space.
    tops = [float(t.get("y") or 0) for t in by_class(root, "category")]
    assert tops == sorted(tops)


# -- the pieces ----------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    st.floats(-1e9, 1e9, allow_nan=False),
    st.floats(0, 1e9, allow_nan=False),
)
def test_nice_ticks_cover_the_range_with_round_steps(low: float, span: float) -> None:
    high = low + span
    ticks = axes.nice_ticks(low, high)
    slack = 1e-6 * max(1, abs(low), abs(high))
    assert ticks[0] <= low + slack and ticks[-1] >= high - slack
    assert 2 <= len(ticks) <= 13
    # The step as the ticks are written: a float difference at 5e8 is off in the 8th digit.
    step = float(Decimal(repr(ticks[1])) - Decimal(repr(ticks[0])))
    scale = 10 ** math.floor(math.log10(step) + 1e-9)
    # Round as far as floats of that size can be: at 5e8 they are 6e-8 apart, so a step of
    # 0.0005 between two of them may read 0.0005001.
    exact = max(1e-3, 4 * math.ulp(max(abs(ticks[0]), abs(ticks[-1]))) / scale)
    assert min(abs(step / scale - m) for m in (1, 2, 5, 10)) <= exact
    labels = format_ticks(ticks)
    assert len(set(labels)) == len(labels), labels  # every tick reads differently


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=200), st.integers(40, 300))
def test_wrap_keeps_every_character_and_fits(text: str, width: int) -> None:
    lines = svg.wrap(text, width)
    assert squash("".join(lines)) == squash(text)
    for line in lines:
        assert svg.text_width(line) <= width or len(line) == 1


def test_text_width_uses_arial_metrics() -> None:
    # Arial's digits are 0.556 em; "i" narrow, "W" wide: a label's width is measured, not guessed.
    assert svg.text_width("0000", 10) == pytest.approx(22.24)
    assert svg.text_width("iiii") < svg.text_width("WWWW")
    assert svg.text_width("Bold", bold=True) > svg.text_width("Bold")


def test_a_chart_without_a_drawing_is_refused() -> None:
    chart = charts.Chart("c", "t", "c", "a", {}, [], [], "")
    with pytest.raises(ValueError, match="nothing to draw"):
        charts.render_svgs([chart])


# -- reference lines clear of the axis, labels inside the picture --------------------------------


def _fire_service_trends() -> dict[str, charts.Chart]:
    """Two trends as a fire and rescue service reports them: the target is the lowest value drawn
    (and the baseline the highest), and the latest label is long."""
    response = charts_for(
        indicator(id="x", unit="minutes", direction="decrease", baseline_period="2021/22",
                  baseline_value=8.75, target_period="2025/26", target_value=8.00),
        [r("2021/22", 8.75), r("2022/23", 8.60), r("2023/24", 8.45), r("2024/25", 8.50),
         r("2025/26", 8.30)],
    )["indicator_x_trend"]  # fmt: skip
    deaths = charts_for(
        indicator(id="x", unit="per 100,000 population", direction="decrease",
                  baseline_period="2021", baseline_value=0.45, target_period="2025",
                  target_value=0.30),
        [r("2021", 0.45), r("2022", 0.42), r("2023", 0.38), r("2024", 0.36),
         r("2025", 0.357, status="provisional")],
    )["indicator_x_trend"]  # fmt: skip
    return {"response": response, "deaths": deaths}


FIRE = _fire_service_trends()


def text_boxes(root: ET.Element) -> list[tuple[ET.Element, tuple[float, float, float, float]]]:
    """Every <text>'s estimated extent (left, top, right, bottom) from its anchor, font and lines,
    with Arial's ascent (0.9 em) and descent (0.2 em). Rotated titles are measured turned."""
    boxes = []
    for t in root.iter(f"{NS}text"):
        size = float(t.get("font-size") or svg.LABEL_SIZE)
        bold = t.get("font-weight") == "bold"
        spans = t.findall(f"{NS}tspan")
        lines = [s.text or "" for s in spans] if spans else [t.text or ""]
        width = max(svg.text_width(line, size, bold=bold) for line in lines)
        step = sum(float(s.get("dy") or 0) for s in spans)
        x, y = float(t.get("x") or 0), float(t.get("y") or 0)
        start = {"middle": x - width / 2, "end": x - width}.get(t.get("text-anchor") or "", x)
        box = (start, y - 0.9 * size, start + width, y + step + 0.2 * size)
        transform = t.get("transform")
        if transform:
            m = re.fullmatch(r"translate\(([-\d.]+),([-\d.]+)\) rotate\(-90\)", transform)
            assert m, transform
            tx, ty = float(m[1]), float(m[2])
            # Turned a quarter left about (tx, ty): x along the page's -y, y along its x.
            box = (tx + box[1], ty - box[2], tx + box[3], ty - box[0])
        boxes.append((t, box))
    return boxes


def assert_texts_inside(text: str) -> None:
    root = parse(text)
    width, height = float(root.get("width") or 0), float(root.get("height") or 0)
    for t, (x0, y0, x1, y1) in text_boxes(root):
        where = (t.get("class"), "".join(t.itertext()), (x0, y0, x1, y1), (width, height))
        assert x0 >= -0.5 and y0 >= -0.5 and x1 <= width + 0.5 and y1 <= height + 0.5, where


@pytest.mark.parametrize(("name", "kind", "edge"),
                         [("response", "target", "bottom"), ("deaths", "target", "bottom"),
                          ("deaths", "baseline", "top"), ("response", "baseline", "top")])  # fmt: skip
def test_a_reference_line_at_the_lowest_or_highest_value_is_clear_of_the_axis_edge(
    name: str, kind: str, edge: str
) -> None:
    root = parse(svg.draw(FIRE[name].drawing))  # type: ignore[arg-type]
    (domain,) = by_class(root, "domain")
    top, bottom = sorted([float(domain.get("y1") or 0), float(domain.get("y2") or 0)])
    (line,) = by_class(root, kind)
    my = float(line.get("y1") or 0)
    assert top < my < bottom
    assert abs(my - (bottom if edge == "bottom" else top)) >= 4, (name, kind, my, top, bottom)
    # Still where the axis says it is.
    ticks, grid = value_axis(root, "y1")
    value = {"target": {"response": 8.00, "deaths": 0.30},
             "baseline": {"response": 8.75, "deaths": 0.45}}[kind][name]  # fmt: skip
    assert to_value(ticks, grid)(my) == pytest.approx(value, abs=tolerance(ticks, grid))


def test_every_label_of_every_chart_stays_inside_the_picture() -> None:
    for chart in [*every_kind(), *FIRE.values()]:
        assert_texts_inside(svg.draw(chart.drawing))  # type: ignore[arg-type]


def _segments_cross_box(points: Sequence[tuple[float, float]],
                        box: tuple[float, float, float, float]) -> bool:  # fmt: skip
    """Whether the polyline through ``points`` passes through ``box`` (sampled every 0.5 px)."""
    x0, y0, x1, y1 = box
    for (ax, ay), (bx, by) in itertools.pairwise(points):
        n = max(2, int(math.hypot(bx - ax, by - ay) * 2))
        for i in range(n + 1):
            px, py = ax + (bx - ax) * i / n, ay + (by - ay) * i / n
            if x0 < px < x1 and y0 < py < y1:
                return True
    return False


@pytest.mark.parametrize("name", ["response", "deaths"])
def test_the_latest_label_stays_in_the_plot_and_off_the_line(name: str) -> None:
    root = parse(svg.draw(FIRE[name].drawing))  # type: ignore[arg-type]
    boxes = dict(text_boxes(root))
    (latest,) = by_class(root, "latest")
    x0, y0, x1, y1 = boxes[latest]
    (domain,) = by_class(root, "domain")
    left = float(domain.get("x1") or 0)
    grid = by_class(root, "grid")
    right = float(grid[0].get("x2") or 0)
    assert left <= x0 and x1 <= right, "the latest label runs past the plot area"
    (polyline,) = root.iter(f"{NS}polyline")
    coords = [tuple(map(float, p.split(","))) for p in (polyline.get("points") or "").split()]
    assert not _segments_cross_box(coords, (x0, y0, x1, y1)), "the latest label is on the line"
    for px, py in coords:  # every point's marker, with its radius
        assert not (x0 - 6 < px < x1 + 6 and y0 - 6 < py < y1 + 6), "on a point"
    for kind in ("baseline", "target"):
        for line in by_class(root, kind):
            assert not (y0 < float(line.get("y1") or 0) < y1), f"the {kind} line crosses it"


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.decimals(0, 1000, places=2).map(float), min_size=1, max_size=30),
    st.sampled_from(["%", "minutes", "per 100,000 population", "people"]),
    st.booleans(),
)
def test_any_trend_keeps_its_labels_inside_and_its_latest_label_in_the_plot(
    values: list[float], unit: str, provisional: bool
) -> None:
    if unit == "%":
        values = [v / 10 for v in values]
    results = [r(str(2000 + i), v) for i, v in enumerate(values)]
    if provisional:
        results[-1] = r(str(2000 + len(values) - 1), values[-1], status="provisional")
    low, high = min(values), max(values)
    ind = indicator(unit=unit, baseline_period="2000", baseline_value=high,
                    target_period="2040", target_value=low)  # fmt: skip
    text = svg.draw(charts_for(ind, results)["indicator_x_trend"].drawing)  # type: ignore[arg-type]
    assert_texts_inside(text)
    root = parse(text)
    boxes = dict(text_boxes(root))
    (latest,) = by_class(root, "latest")
    x0, _, x1, _ = boxes[latest]
    (domain,) = by_class(root, "domain")
    assert float(domain.get("x1") or 0) <= x0 and x1 <= float(
        by_class(root, "grid")[0].get("x2") or 0
    )
