"""Charts everyone can read: Vega-Lite specs, their text alternatives, data tables and SVGs.

Every chart is a :class:`Chart`: a Vega-Lite spec (a plain dict, filled from small tested
templates here, which is ~25 times faster than building it through Altair's schema machinery),
the text alternative written from the data in words, a caption, the same data as a table of
formatted cells, a CSV of exactly that data with raw numbers, and a *drawing*: the same values
again, from which :mod:`pvreport.site.svg` draws the static SVG everyone sees first (and the only chart
without JavaScript; the site's script swaps in an interactive view of the spec where it can).
Each numeric axis is worked out once, as an :class:`pvreport.site.axes.Axis` in the drawing, and the
spec is written from it (domain, tick values, label texts), so both views show the same axes.
:func:`render_cached` keeps drawn SVGs in a content-addressed cache.

Accessibility rules built in here: status is never told by colour alone (shapes and words carry
it too); every mark colour has at least 3:1 contrast against the white chart background, and text
at least 4.5:1; fonts are the system's (Arial or its metric twin Liberation Sans), never
downloaded.

Specs are plain dicts; Altair is not imported (importing pvreport changes no chart library's
global state). The tests validate every kind of spec against the Vega-Lite schema with Altair and
render them with Vega (vl-convert).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json
import os
import re
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..messages import N_, gettext, ngettext, pgettext
from ..report import derive
from ..report.formatting import (
    format_change,
    format_interval,
    format_number,
    format_period,
    is_percent,
    period_phrase,
    unit_in_words,
)
from ..report.model import Engagement, Indicator, ProfileRow, Report, Result
from . import svg
from .axes import Axis, value_axis
from .write import cell_text, neutralise

# The Vega-Lite version the specs are written for and the site's bundle runs; pinned so output
# does not drift (tests/test_charts.py checks that vl-convert ships it and that Altair's schema
# of this version accepts every spec).
VEGA_LITE_SCHEMA = "v6.4.1"
VEGA_LITE_VERSION = VEGA_LITE_SCHEMA.rsplit(".", 1)[0]
SCHEMA_URL = f"https://vega.github.io/schema/vega-lite/{VEGA_LITE_SCHEMA}.json"

# The look is defined once, in svg.py, and shared by the static SVGs and the interactive specs.
BACKGROUND = svg.BACKGROUND
TEXT = svg.TEXT
MUTED_TEXT = svg.MUTED_TEXT
GRID = svg.GRID
PALETTE = svg.PALETTE
PRIMARY = svg.PRIMARY
FONT = svg.FONT
WIDTH = svg.WIDTH
# Result statuses that mean the figure may still change; charts and alt texts name them.
TENTATIVE = frozenset({"provisional", "estimated"})
# Their words on a chart, in the page's language.
_TENTATIVE_WORDS = {"provisional": N_("provisional"), "estimated": N_("estimated")}


def _tentative(status: str) -> str:
    """ " (provisional)" after a figure that may still change, "" after a final one."""
    return f" ({gettext(_TENTATIVE_WORDS[status])})" if status in TENTATIVE else ""


def _may_still_change(values: Sequence[Mapping[str, Any]]) -> str:
    """The legend's words for the figures of a trend that may still change, in the page's
    language ("Provisional: may still change"); "" where every figure is final."""
    kinds = sorted({v["status"] for v in values if v["status"] in TENTATIVE})
    if not kinds:
        return ""
    words = [gettext(_TENTATIVE_WORDS[k]) for k in kinds]
    joined = (
        words[0]
        if len(words) == 1
        else pgettext("clauses", "{items} or {last}").format(items=words[0], last=words[1])
    )
    return gettext("{statuses}: may still change").format(statuses=joined[:1].upper() + joined[1:])


THEME_CONFIG: dict[str, Any] = {
    "background": BACKGROUND,
    "font": FONT,
    "padding": 8,
    "view": {"stroke": None},
    "axis": {
        "labelFont": FONT,
        "titleFont": FONT,
        "labelFontSize": 13,
        "titleFontSize": 13,
        "titleFontWeight": "normal",
        "labelColor": TEXT,
        "titleColor": TEXT,
        "domainColor": MUTED_TEXT,
        "tickColor": MUTED_TEXT,
        "gridColor": GRID,
        "labelLimit": 260,
    },
    "legend": {
        "labelFont": FONT,
        "titleFont": FONT,
        "labelFontSize": 13,
        "titleFontSize": 13,
        "labelColor": TEXT,
        "titleColor": TEXT,
        "orient": "bottom",
    },
    "title": {"font": FONT, "fontSize": 15, "color": TEXT, "anchor": "start"},
    "header": {"labelFont": FONT, "titleFont": FONT, "labelFontSize": 13, "labelColor": TEXT},
    "text": {"font": FONT, "fontSize": 13, "color": TEXT},
    "range": {"category": list(PALETTE)},
    "mark": {"color": PRIMARY},
    "line": {"strokeWidth": 2.5},
    "point": {"filled": True, "size": 70},
}


@dataclasses.dataclass(frozen=True)
class Chart:
    """One chart: what it shows (spec), and the same story in words (alt, caption, table, CSV).

    ``id`` is made by :func:`chart_id`, unique within the site; page files are ``<id>.svg``,
    ``<id>.csv`` and ``<id>.json``. ``rows`` hold formatted cells (what people read); ``csv`` holds the same rows
    with raw numbers (what people reuse).
    """

    id: str
    title: str
    caption: str
    alt: str
    spec: dict[str, Any]
    columns: list[str]
    rows: list[list[str]]
    csv: str
    #: The breakdown or profile dimension a chart is about (None for a whole-population chart),
    #: so that a page can place it in that dimension's section.
    topic: str | None = None
    #: What the static SVG is drawn from (the same values as the spec); see :mod:`pvreport.site.svg`.
    drawing: svg.Drawing | None = None


#: Between the parts of a chart id: a character that no row id and no :func:`slug` holds.
CHART_ID_SEPARATOR = "_"


def chart_id(kind: str, owner: str, name: str) -> str:
    """The id of one chart of a page, and so the name of its files: ``indicator_<id>_trend``.

    ``kind`` is the page's kind, ``owner`` the id of its row (a slug, ``[a-z0-9-]``) and ``name``
    the chart's name within the page (``trend``, ``by-<slug>``, unique within the page). No part
    holds the separator, so the id reads back into the same three parts: two charts have one
    name only if they are the same chart of the same page. (Joined by hyphens, the trend of an
    indicator ``x-by-ward`` and the breakdown of ``x`` by ``ward trend`` were one file.)
    """
    for part in (kind, owner, name):
        if not part or CHART_ID_SEPARATOR in part:
            raise ValueError(f"a part of a chart id must be a slug, not {part!r}")
    return CHART_ID_SEPARATOR.join((kind, owner, name))


def slug(text: str) -> str:
    """A URL-safe piece of an id: ``Age band`` -> ``age-band``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def _csv(columns: Sequence[str], records: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow(["" if cell is None else _raw(cell) for cell in record])
    return out.getvalue()


def _raw(cell: object) -> object:
    """A cell as the site's other downloads write it: 16.0 as 16, booleans as true/false, and
    text that a spreadsheet would run as a formula made inert."""
    if isinstance(cell, (bool, float)):
        return cell_text(cell)
    if isinstance(cell, str):
        return neutralise(cell)
    return cell


def _spec(alt_text: str, body: dict[str, Any]) -> dict[str, Any]:
    """A whole Vega-Lite spec: schema, theme and description around a chart body."""
    return {
        "$schema": SCHEMA_URL,
        "description": alt_text,
        "config": THEME_CONFIG,
        **body,
    }


def _axis_title(unit: str) -> str:
    words = unit_in_words(unit)
    if unit.strip().startswith("£"):
        words += " (£)"
    return words[:1].upper() + words[1:]


def _number(value: float) -> float | int:
    """A number for the spec: 90.0 as 90, so the JSON stays short."""
    return int(value) if float(value).is_integer() else value


def _scale(axis: Axis) -> dict[str, Any]:
    """A Vega-Lite scale that runs exactly over the axis' domain: Vega's own rounding (nice),
    zero and padding turned off, so the interactive view matches the static SVG."""
    return {"domain": [_number(v) for v in axis.domain], "nice": False, "zero": False}


def _axis(axis: Axis) -> dict[str, Any]:
    """Vega-Lite axis settings with the axis' own tick values and label texts (each tick's label
    looked up by its value), every label shown, as the static SVG shows them."""
    ticks = json.dumps([_number(t) for t in axis.ticks], separators=(",", ":"))
    labels = json.dumps(list(axis.labels), ensure_ascii=False, separators=(",", ":"))
    return {
        "values": [_number(t) for t in axis.ticks],
        "labelExpr": f"{labels}[indexof({ticks}, datum.value)]",
        "labelOverlap": False,
    }


def _wrapped_labels(labels: Sequence[str], width: int = 22) -> dict[str, Any]:
    """Axis settings that break long category labels over lines instead of cutting them short.

    A chain of equality tests in Vega's expression language, built only for the labels that
    need it; strings are JSON literals, so quotes in the data cannot break the expression.
    """
    expr = "datum.label"
    for label in reversed(labels):
        lines = textwrap.wrap(label, width, break_on_hyphens=False)
        if len(lines) > 1:
            expr = f"datum.label === {json.dumps(label)} ? {json.dumps(lines)} : {expr}"
    return {"labelExpr": expr, "labelLimit": 0} if expr != "datum.label" else {}


def _row_height(labels: Sequence[str]) -> int:
    """Pixels per category row: more where labels run over two or three lines."""
    return 56 if _wrapped_labels(labels) else 44


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[0].upper() + text[1:] if text else text
    return text if text.endswith(".") else text + "."


def _join(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return gettext("{items} and {last}").format(
        items=gettext(", ").join(words[:-1]), last=words[-1]
    )


# -- indicator trend ----------------------------------------------------------------------------


def _interval(value: Mapping[str, Any]) -> dict[str, float | None]:
    """A drawn figure's range: both ends, or neither (half a range is not drawn)."""
    whole = value["lower"] is not None and value["upper"] is not None
    return {"lower": value["lower"] if whole else None, "upper": value["upper"] if whole else None}


def trend_alt(
    indicator: Indicator, overall: Sequence[Result], status: derive.IndicatorStatus
) -> str:
    """The trend in words, e.g. "Rose from 16% in 2021/22 (the baseline) to 20% in 2025/26; the
    target of 25% for 2026/27 is not met." Written from the same status the page shows."""
    unit = indicator.unit
    latest = status.latest
    if latest is None:
        return gettext("No results yet.")
    # A provisional or estimated figure may change: say so wherever the value is told.
    tentative = _tentative(latest.status)
    at = f"{format_number(latest.value, unit)} {period_phrase(latest.period)}{tentative}"
    if status.direction == "not enough data" or status.reference_value is None:
        text = gettext("One result so far: {at}").format(at=at)
    else:
        # The two figures compared read differently wherever they differ.
        figures = format_change(status.reference_value, latest.value, unit)
        at = f"{figures.second} {period_phrase(latest.period)}{tentative}"
        start = f"{figures.first} {period_phrase(str(status.reference_period))}"
        base = status.reference_is_baseline
        change = status.change or 0
        if change > 0:
            words = (
                gettext("Rose from {start} (the baseline) to {at}")
                if base
                else gettext("Rose from {start} to {at}")
            )
        elif change < 0:
            words = (
                gettext("Fell from {start} (the baseline) to {at}")
                if base
                else gettext("Fell from {start} to {at}")
            )
        else:
            words = (
                gettext("Stayed at {value} from {start} (the baseline) to {end}")
                if base
                else gettext("Stayed at {value} from {start} to {end}")
            )
        text = words.format(
            start=start if change else format_period(str(status.reference_period)),
            at=at,
            value=format_number(latest.value, unit),
            end=f"{format_period(latest.period)}{tentative}",
        )
        if status.intervals_overlap and change != 0:
            text += gettext(", but the ranges of uncertainty overlap, so this is no clear change")
        if status.decided_by == "below threshold":
            text += gettext(", a change too small to count, so this is no clear change")
        if indicator.direction == "decrease":
            text += gettext("; lower is better")
    if status.target_value is not None:
        target = format_change(latest.value, status.target_value, unit).second
        if status.target_period:
            words = gettext("; the target of {target} for {period} is {status}")
        else:
            words = gettext("; the target of {target} is {status}")
        text += words.format(
            target=target,
            period=format_period(status.target_period or ""),
            status=gettext(status.target),
        )
    return _sentence(text)


#: The trend spec's plot, in pixels (Vega-Lite's width and height).
PLOT_WIDTH, PLOT_HEIGHT = WIDTH - 150, 300


def _latest_place(
    values: Sequence[Mapping[str, Any]],
    markers: Sequence[tuple[str, float, str]],
    axis: Axis,
    width: float,
    height: float,
) -> svg.LabelPlace:
    """Where the spec's latest label goes: :func:`svg.place_label` on the spec's plot, where
    Vega-Lite puts each period at the middle of its step and maps the axis' domain onto the
    height."""
    d0, d1 = axis.domain
    step = width / len(values)

    def vy(value: float) -> float:
        return height - (value - d0) / (d1 - d0) * height

    coords = [(step * (i + 0.5), vy(v["value"])) for i, v in enumerate(values)]
    bars = [
        (step * (i + 0.5), vy(v["lower"]), step * (i + 0.5), vy(v["upper"]))
        for i, v in enumerate(values)
        if v["lower"] is not None and v["upper"] is not None
    ]
    return svg.place_label(
        values[-1]["label"], coords[-1], (2, -22, width, height - 2), path=coords,
        segments=bars, marks=coords[:-1], rules=[vy(v) for _, v, _ in markers],
    )  # fmt: skip


def trend_chart(
    indicator: Indicator, results: Iterable[Result], status: derive.IndicatorStatus
) -> Chart | None:
    """The trend of ``all`` with its interval band, baseline and target marked, latest labelled.

    None where there is no ``all`` result to draw.
    """
    unit = indicator.unit
    overall = sorted((r for r in results if r.is_all), key=lambda r: derive.period_start(r.period))
    if not overall:
        return None
    alt_text = trend_alt(indicator, overall, status)
    order = [format_period(r.period) for r in overall]
    values = [
        {
            "period": format_period(r.period),
            "value": r.value,
            "lower": r.lower,
            "upper": r.upper,
            "label": format_number(r.value, unit) + _tentative(r.status),
            "interval": format_interval(r.lower, r.upper, unit),
            "status": r.status,
        }
        for r in overall
    ]
    x = {
        "field": "period",
        "type": "ordinal",
        "sort": order,
        "title": gettext("Period"),
        # "31 March 2025" over three lines, so that many periods fit side by side; "January to
        # March 2025" too, "to" kept with its month (as the static chart draws it).
        "axis": {
            "labelAngle": 0,
            "labelOverlap": "greedy",
            "labelExpr": "split(replace(datum.label, ' {0} ', '\u00a0{0} '), ' ')".format(
                pgettext("quarter", "to")
            ),
        },
    }
    with_interval = [v for v in values if v["lower"] is not None and v["upper"] is not None]
    markers: list[tuple[str, float, str]] = []
    if indicator.baseline_value is not None:
        label = gettext("Baseline {value}").format(
            value=format_number(indicator.baseline_value, unit)
        )
        if indicator.baseline_period:
            label += f" ({format_period(indicator.baseline_period)})"
        markers.append(("baseline", indicator.baseline_value, label))
    if indicator.target_value is not None:
        value = format_number(indicator.target_value, unit)
        if indicator.target_period:
            label = gettext("Target {value} for {period}").format(
                value=value, period=format_period(indicator.target_period)
            )
        else:
            label = gettext("Target {value}").format(value=value)
        markers.append(("target", indicator.target_value, label))
    # Every value drawn against the axis: points, whole ranges, baseline and target.
    every = [v["value"] for v in values] + [v for _, v, _ in markers]
    every += [v["upper"] for v in with_interval] + [v["lower"] for v in with_interval]
    y_axis = value_axis(
        every, _axis_title(unit), percent=is_percent(unit), references=[v for _, v, _ in markers]
    )

    def y(field: str) -> dict[str, Any]:
        return {
            "field": field,
            "type": "quantitative",
            "title": y_axis.title,
            "scale": _scale(y_axis),
            "axis": _axis(y_axis),
        }

    tooltip = [
        {"field": "period", "title": gettext("Period")},
        {"field": "label", "title": gettext("Value")},
        {"field": "interval", "title": gettext("Likely range")},
    ]
    layers: list[dict[str, Any]] = []
    if with_interval:
        # The pale band is decorative; the error bars carry the interval at full contrast.
        layers.append(
            {
                "data": {"values": with_interval},
                "mark": {"type": "area", "color": PRIMARY, "opacity": 0.15},
                "encoding": {"x": x, "y": y("lower"), "y2": {"field": "upper"}},
            }
        )
        layers.append(
            {
                "data": {"values": with_interval},
                "mark": {"type": "rule", "color": PRIMARY, "strokeWidth": 1.5},
                "encoding": {"x": x, "y": y("lower"), "y2": {"field": "upper"}},
            }
        )
    layers.append(
        {
            "data": {"values": values},
            "mark": {
                "type": "line",
                "color": PRIMARY,
                "point": {"filled": True, "size": 70, "color": PRIMARY},
            },
            "encoding": {"x": x, "y": y("value"), "tooltip": tooltip},
        }
    )
    tentative = [v for v in values if v["status"] in TENTATIVE]
    if tentative:
        # A figure that may still change is an open triangle: a shape, not only its words.
        layers.append(
            {
                "data": {"values": tentative},
                "mark": {
                    "type": "point",
                    "shape": "triangle-up",
                    "filled": True,
                    "fill": BACKGROUND,
                    "stroke": PRIMARY,
                    "strokeWidth": 2,
                    "size": 110,
                    "opacity": 1,
                },
                "encoding": {"x": x, "y": y("value"), "tooltip": tooltip},
            }
        )
    for kind, value, label in markers:
        data = {"values": [{"value": value, "label": label}]}
        layers.append(
            {
                "data": data,
                "mark": {
                    "type": "rule",
                    "color": MUTED_TEXT,
                    "strokeWidth": 1.5,
                    # Baseline and target are told apart by dash pattern and words, not colour.
                    "strokeDash": [6, 4] if kind == "baseline" else [2, 3],
                },
                "encoding": {"y": y("value")},
            }
        )
        layers.append(
            {
                "data": data,
                "mark": {
                    # Labels sit in the right margin, clear of the data; the baseline's below its
                    # line and the target's above, so the two never collide when close.
                    "type": "text",
                    "align": "left",
                    "baseline": "top" if kind == "baseline" else "bottom",
                    "dx": 6,
                    "dy": 2 if kind == "baseline" else -2,
                    "x": "width",
                    "fontStyle": "italic",
                },
                "encoding": {"y": y("value"), "text": {"field": "label"}},
            }
        )
    latest = values[-1]
    # The latest value's label: inside the plot and off the line, its points, bars and the
    # baseline and target, placed on the spec's own plot as the static SVG places it on its own.
    place = _latest_place(values, markers, y_axis, PLOT_WIDTH, PLOT_HEIGHT)
    layers.append(
        {
            # Its lines as a list: Vega sets one line under another.
            "data": {"values": [{**latest, "lines": list(place.lines)}]},
            "mark": {
                "type": "text",
                "align": {"start": "left", "middle": "center", "end": "right"}[place.anchor],
                "baseline": place.valign,
                "dx": place.dx,
                "dy": place.dy,
                "lineHeight": svg.LATEST_SIZE * 1.25,
                "fontWeight": "bold",
                "fontSize": svg.LATEST_SIZE,
            },
            "encoding": {
                "x": x,
                "y": y("value"),
                "text": {"field": "lines", "title": gettext("Latest")},
            },
        }
    )
    spec = _spec(alt_text, {"width": PLOT_WIDTH, "height": PLOT_HEIGHT, "layer": layers})
    columns = [
        gettext(c) for c in (N_("Period"), N_("Value"), N_("Lower"), N_("Upper"), N_("Status"))
    ]
    rows = [
        [
            format_period(r.period),
            format_number(r.value, unit),
            "" if r.lower is None else format_number(r.lower, unit),
            "" if r.upper is None else format_number(r.upper, unit),
            gettext(_RESULT_STATUS[r.status]),
        ]
        for r in overall
    ]
    # The download keeps the data's own words (English column names, status codes).
    data_csv = _csv(
        ["Period", "Value", "Lower", "Upper", "Status"],
        ([r.period, r.value, r.lower, r.upper, r.status] for r in overall),
    )
    notes = []
    if with_interval:
        notes.append(gettext("the shaded band and bars show the likely range of each figure"))
    if any(kind == "baseline" for kind, *_ in markers):
        notes.append(gettext("the long-dashed line marks the baseline"))
    if any(kind == "target" for kind, *_ in markers):
        notes.append(gettext("the short-dashed line marks the target"))
    if tentative:
        notes.append(gettext("an open triangle marks a figure that may still change"))
    caption = gettext("Every result for the whole population, in {unit}.").format(
        unit=unit_in_words(unit)
    )
    if notes:
        # A list of clauses: a language may join them otherwise than a list of names.
        last = pgettext("clauses", "{items} and {last}")
        joined = (
            notes[0]
            if len(notes) == 1
            else last.format(items=pgettext("clauses", ", ").join(notes[:-1]), last=notes[-1])
        )
        caption += " " + _sentence(joined)
    drawing = svg.TrendDrawing(
        points=tuple(
            svg.TrendPoint(
                period=v["period"],
                value=v["value"],
                **_interval(v),
                tentative=v["status"] if v["status"] in TENTATIVE else None,
            )
            for v in values
        ),
        markers=tuple(svg.Marker(kind, value, label) for kind, value, label in markers),  # type: ignore[arg-type]
        latest_label=latest["label"],
        axis=y_axis,
        final_label=gettext("Final figure"),
        tentative_label=_may_still_change(values),
        period_title=gettext("Period"),
    )
    return Chart(
        id=chart_id("indicator", indicator.id, "trend"),
        title=gettext("{title}: trend").format(title=indicator.title),
        caption=caption,
        alt=alt_text,
        spec=spec,
        columns=columns,
        rows=rows,
        csv=data_csv,
        drawing=drawing,
    )


# -- indicator breakdowns -----------------------------------------------------------------------


def breakdown_alt(indicator: Indicator, gap: derive.EquityGap, groups: Sequence[Result]) -> str:
    unit = indicator.unit
    # The two figures compared read differently wherever they differ; the gap between them is
    # worked out on their decimal texts.
    figures = format_change(gap.best_value, gap.worst_value, unit)
    when = period_phrase(gap.period)
    if indicator.direction == "increase":
        words = gettext(
            "{when}, by {dimension}, the group with the worst result is {worst}, "
            "at {worst_value}: {gap} below {best}, at {best_value}"
        )
    else:
        words = gettext(
            "{when}, by {dimension}, the group with the worst result is {worst}, "
            "at {worst_value}: {gap} above {best}, at {best_value}"
        )
    text = words.format(
        when=f"{when[0].upper()}{when[1:]}",
        dimension=gap.dimension,
        worst=gap.worst_group,
        worst_value=figures.second,
        gap=figures.difference,
        best=gap.best_group,
        best_value=figures.first,
    )
    if gap.intervals_overlap:
        text += gettext("; their ranges of uncertainty overlap, so the gap may be down to chance")
    if len(groups) > 2:
        listed = [f"{_category(r)} {format_number(r.value, unit)}" for r in groups]
        text += gettext(". All groups: {groups}").format(groups=_join(listed))
    return _sentence(text)


def _category(result: Result) -> str:
    split = result.breakdown
    return split[1] if split else result.group


#: The breakdown spec's plot width, in pixels.
BREAKDOWN_WIDTH = WIDTH - 100


def breakdown_chart(
    indicator: Indicator, results: Sequence[Result], gap: derive.EquityGap, chart_id: str
) -> Chart:
    """The latest period of one breakdown by group, with intervals; the worst group named and
    drawn as a diamond (shape and words, not colour alone)."""
    unit = indicator.unit
    groups = [
        r
        for r in results
        if r.breakdown is not None and r.breakdown[0] == gap.dimension and r.period == gap.period
    ]
    overall = [r for r in results if r.is_all and r.period == gap.period]
    alt_text = breakdown_alt(indicator, gap, groups)
    worst_role, other_role = gettext("Group with the worst result"), gettext("Other groups")
    values = [
        {
            "group": _category(r),
            "value": r.value,
            "lower": r.lower,
            "upper": r.upper,
            "role": worst_role if _category(r) == gap.worst_group else other_role,
            "label": format_number(r.value, unit)
            + (" " + gettext("(worst result)") if _category(r) == gap.worst_group else ""),
            "interval": format_interval(r.lower, r.upper, unit),
        }
        for r in groups
    ]
    order = [v["group"] for v in values]
    y = {
        "field": "group",
        "type": "nominal",
        "sort": order,
        "title": None,  # the chart's title names the dimension; labels get the room
        "axis": _wrapped_labels(order),
    }

    with_interval = [v for v in values if v["lower"] is not None and v["upper"] is not None]
    every = [v["value"] for v in values] + [r.value for r in overall[:1]]
    every += [v["upper"] for v in with_interval] + [v["lower"] for v in with_interval]
    x_axis = value_axis(
        every,
        _axis_title(unit),
        percent=is_percent(unit),
        references=[r.value for r in overall[:1]],
    )

    def x(field: str) -> dict[str, Any]:
        return {
            "field": field,
            "type": "quantitative",
            "title": x_axis.title,
            "scale": _scale(x_axis),
            "axis": _axis(x_axis),
        }

    layers: list[dict[str, Any]] = []
    if with_interval:
        layers.append(
            {
                "data": {"values": with_interval},
                "mark": {"type": "rule", "color": MUTED_TEXT, "strokeWidth": 2},
                "encoding": {"y": y, "x": x("lower"), "x2": {"field": "upper"}},
            }
        )
    if overall:
        everyone = {
            "value": overall[0].value,
            "label": gettext("Everyone {value}").format(
                value=format_number(overall[0].value, unit)
            ),
        }
        layers.append(
            {
                "data": {"values": [everyone]},
                "mark": {"type": "rule", "color": MUTED_TEXT, "strokeDash": [6, 4]},
                "encoding": {"x": x("value")},
            }
        )
        layers.append(
            {
                "data": {"values": [everyone]},
                "mark": {
                    "type": "text",
                    "y": 0,
                    "baseline": "bottom",
                    "dy": -2,
                    "align": "center",
                    "fontStyle": "italic",
                },
                "encoding": {"x": x("value"), "text": {"field": "label"}},
            }
        )
    layers.append(
        {
            "data": {"values": values},
            "mark": {"type": "point", "filled": True, "size": 120, "opacity": 1},
            "encoding": {
                "y": y,
                "x": x("value"),
                "shape": {
                    "field": "role",
                    "type": "nominal",
                    "scale": {"domain": [other_role, worst_role], "range": ["circle", "diamond"]},
                    "legend": {"title": None},
                },
                "color": {
                    "field": "role",
                    "type": "nominal",
                    "scale": {"domain": [other_role, worst_role], "range": [PRIMARY, PALETTE[1]]},
                    "legend": {"title": None},
                },
                "tooltip": [
                    {"field": "group", "title": gap.dimension.capitalize()},
                    {"field": "label", "title": gettext("Value")},
                    {"field": "interval", "title": gettext("Likely range")},
                ],
            },
        }
    )
    # Each value to the upper right of its point, or to its left where it would run past the
    # plot, as the static SVG places it.
    d0, d1 = x_axis.domain
    right = [
        (v["value"] - d0) / (d1 - d0) * BREAKDOWN_WIDTH + 10 + svg.text_width(v["label"])
        <= BREAKDOWN_WIDTH
        for v in values
    ]
    for side, align, dx in ((True, "left", 10), (False, "right", -10)):
        placed = [v for v, r in zip(values, right, strict=True) if r is side]
        if placed:
            layers.append(
                {
                    "data": {"values": placed},
                    "mark": {"type": "text", "align": align, "dx": dx, "dy": -10},
                    "encoding": {"y": y, "x": x("value"), "text": {"field": "label"}},
                }
            )
    spec = _spec(
        alt_text,
        {
            "width": BREAKDOWN_WIDTH,
            "height": max(80, _row_height(order) * len(values)),
            "layer": layers,
        },
    )
    columns = [gap.dimension.capitalize()] + [
        gettext(c) for c in (N_("Value"), N_("Lower"), N_("Upper"), N_("Worst result"))
    ]
    rows = [
        [
            _category(r),
            format_number(r.value, unit),
            "" if r.lower is None else format_number(r.lower, unit),
            "" if r.upper is None else format_number(r.upper, unit),
            gettext("yes") if _category(r) == gap.worst_group else "",
        ]
        for r in groups
    ]
    data_csv = _csv(
        ["Group", "Period", "Value", "Lower", "Upper", "Worst result"],
        (
            [r.group, r.period, r.value, r.lower, r.upper, _category(r) == gap.worst_group]
            for r in groups
        ),
    )
    caption = gettext("The latest results by {dimension}, for {period}, in {unit}.").format(
        dimension=gap.dimension, period=format_period(gap.period), unit=unit_in_words(unit)
    )
    if with_interval and overall:
        marks = gettext(
            "The diamond marks the group with the worst result, bars show the likely range "
            "of each figure, and the dashed line the figure for everyone."
        )
    elif with_interval:
        marks = gettext(
            "The diamond marks the group with the worst result, bars show the likely range "
            "of each figure."
        )
    elif overall:
        marks = gettext(
            "The diamond marks the group with the worst result, and the dashed line the figure "
            "for everyone."
        )
    else:
        marks = gettext("The diamond marks the group with the worst result.")
    caption += " " + marks
    drawing = svg.BreakdownDrawing(
        groups=tuple(
            svg.GroupPoint(
                label=v["group"],
                value=v["value"],
                **_interval(v),
                worst=v["role"] == worst_role,
                text=v["label"],
            )
            for v in values
        ),
        axis=x_axis,
        others_label=other_role,
        worst_label=worst_role,
        everyone=overall[0].value if overall else None,
        everyone_label=gettext("Everyone {value}").format(
            value=format_number(overall[0].value, unit)
        )
        if overall
        else "",
    )
    return Chart(
        id=chart_id,
        title=gettext("{title} by {dimension}").format(
            title=indicator.title, dimension=gap.dimension
        ),
        caption=caption,
        alt=alt_text,
        spec=spec,
        columns=columns,
        rows=rows,
        csv=data_csv,
        drawing=drawing,
    )


def indicator_charts(
    report: Report,
    indicator: Indicator,
    *,
    as_of: dt.date,
    status: derive.IndicatorStatus | None = None,
    gaps: Sequence[derive.EquityGap] | None = None,
) -> list[Chart]:
    """The trend of ``all`` and one chart per breakdown dimension (latest period, by group).

    ``status`` and ``gaps`` are worked out here unless the caller has them already.
    """
    results = report.results_for(indicator.id)
    if status is None:
        status = derive.indicator_status(
            indicator, results, as_of=as_of, relative_threshold=report.relative_change_threshold
        )
    if gaps is None:
        gaps = derive.equity_gaps(indicator, results)
    charts: list[Chart] = []
    trend = trend_chart(indicator, results, status)
    if trend is not None:
        charts.append(trend)
    used: set[str] = {"trend"}
    for gap in gaps:
        name = _unique(f"by-{slug(gap.dimension)}", used)
        chart = breakdown_chart(indicator, results, gap, chart_id("indicator", indicator.id, name))
        charts.append(dataclasses.replace(chart, topic=gap.dimension))
    return charts


def _unique(candidate: str, used: set[str]) -> str:
    """``candidate``, or ``candidate-2``, ``-3``...: a name not yet ``used`` on the page."""
    name, n = candidate, 2
    while name in used:
        name, n = f"{candidate}-{n}", n + 1
    used.add(name)
    return name


# -- engagements --------------------------------------------------------------------------------

LADDER: tuple[tuple[str, str], ...] = (
    ("inform", N_("We told people what we were doing")),
    ("consult", N_("We asked for views before we decided")),
    ("involve", N_("We worked with people throughout, so their concerns shaped the options")),
    ("collaborate", N_("We decided together, as partners")),
    ("empower", N_("People made the decision themselves")),
)
# The rungs' names as the ladder shows them (the same messages as the pages' table).
_RUNGS = {
    "inform": N_("Inform"),
    "consult": N_("Consult"),
    "involve": N_("Involve"),
    "collaborate": N_("Collaborate"),
    "empower": N_("Empower"),
}
# A result's status in a chart's data table.
_RESULT_STATUS = {
    "final": N_("final"),
    "provisional": N_("provisional"),
    "revised": N_("revised"),
    "estimated": N_("estimated"),
}


def _rung(name: str) -> str:
    return gettext(_RUNGS[name])


def profile_alt(
    engagement: Engagement, rows: Sequence[ProfileRow], rep: derive.Representativeness
) -> str:
    parts = []
    for row in rows:
        shares = format_change(row.participants_share, row.population_share, "%")
        part = gettext(
            "{group}, {took_part} of participants against {population} of the population"
        )
        part = part.format(group=row.category, took_part=shares.first, population=shares.second)
        if row.category in rep.under_represented:
            part += " " + gettext("(under-represented)")
        parts.append(part)
    return gettext(
        "Who took part, by {dimension}, against the population: {groups}. On a scale from 0 "
        "(just like the population) to 100 (nothing like it), the difference is {index}."
    ).format(
        dimension=rep.dimension, groups="; ".join(parts), index=format_number(rep.dissimilarity)
    )


def profile_chart(
    engagement: Engagement,
    rows: Sequence[ProfileRow],
    rep: derive.Representativeness,
    chart_id: str,
) -> Chart:
    """Participants (bars) against the population (black ticks) per category; under-represented
    categories are named in words on the axis and in the labels."""
    alt_text = profile_alt(engagement, rows, rep)
    values = []
    for row in rows:
        under = row.category in rep.under_represented
        values.append(
            {
                "category": row.category + (" " + gettext("(under-represented)") if under else ""),
                "participants": row.participants_share,
                "population": row.population_share,
                "label": gettext("{0.first} took part, {0.second} of population").format(
                    format_change(row.participants_share, row.population_share, "%")
                ),
            }
        )
    order = [v["category"] for v in values]
    y = {
        "field": "category",
        "type": "nominal",
        "sort": order,
        "title": None,  # the chart's title names the dimension; labels get the room
        "axis": _wrapped_labels(order),
    }
    # From 0, and to at least 50 so that small shares look small.
    shares = [0.0, 50.0] + [s for r in rows for s in (r.participants_share, r.population_share)]
    x_axis = value_axis(shares, gettext("Share (per cent)"), percent=True)
    layers = [
        {
            "mark": {"type": "bar", "color": PRIMARY, "height": {"band": 0.6}},
            "encoding": {
                "y": y,
                "x": {
                    "field": "participants",
                    "type": "quantitative",
                    "title": x_axis.title,
                    "scale": _scale(x_axis),
                    "axis": _axis(x_axis),
                },
                "tooltip": [
                    {"field": "category", "title": rep.dimension.capitalize()},
                    {"field": "label", "title": gettext("Shares")},
                ],
            },
        },
        {
            # The population is a thick black tick: a different shape, not only a colour.
            "mark": {"type": "tick", "color": TEXT, "opacity": 1, "thickness": 4, "bandSize": 30},
            "encoding": {"y": y, "x": {"field": "population", "type": "quantitative"}},
        },
        {
            "mark": {"type": "text", "align": "left", "dx": 8, "x": "width"},
            "encoding": {"y": y, "text": {"field": "label"}},
        },
    ]
    spec = _spec(
        alt_text,
        {
            "data": {"values": values},
            "width": 300,
            "height": max(80, _row_height(order) * len(values)),
            "layer": layers,
        },
    )
    columns = [rep.dimension.capitalize()] + [
        gettext(c) for c in (N_("Took part"), N_("Population"), N_("Under-represented"))
    ]
    table = [
        [
            r.category,
            format_number(r.participants_share, "%"),
            format_number(r.population_share, "%"),
            gettext("yes") if r.category in rep.under_represented else "",
        ]
        for r in rows
    ]
    data_csv = _csv(
        ["Category", "Participants share", "Population share", "Under-represented"],
        (
            [
                r.category,
                r.participants_share,
                r.population_share,
                r.category in rep.under_represented,
            ]
            for r in rows
        ),
    )
    caption = gettext(
        "Bars show each group's share of the people who took part in {title}; "
        "black lines show its share of the population we serve."
    ).format(title=engagement.title)
    drawing = svg.ProfileDrawing(
        bars=tuple(
            svg.ProfileBar(v["category"], v["participants"], v["population"], v["label"])
            for v in values
        ),
        axis=x_axis,
        took_part_label=gettext("Took part"),
        population_label=gettext("Population we serve"),
    )
    return Chart(
        id=chart_id,
        title=gettext("Who took part, by {dimension}").format(dimension=rep.dimension),
        caption=caption,
        alt=alt_text,
        spec=spec,
        columns=columns,
        rows=table,
        csv=data_csv,
        drawing=drawing,
    )


def ladder_chart(engagement: Engagement) -> Chart:
    """The participation ladder, each rung one step longer, this engagement's rung filled and
    labelled in words."""
    names = [name for name, _ in LADDER]
    step = names.index(engagement.level) + 1
    alt_text = gettext(
        "This engagement was at the {rung} rung, step {step} of {steps} on the participation "
        "ladder ({rungs})."
    ).format(
        rung=_rung(engagement.level).lower(),
        step=step,
        steps=len(LADDER),
        rungs=_join([_rung(n).lower() for n in names]),
    )
    values = [
        {
            "rung": _rung(name),
            "step": i,
            "this": name == engagement.level,
            "label": gettext("This engagement") if name == engagement.level else "",
        }
        for i, (name, _) in enumerate(LADDER, start=1)
    ]
    order = [v["rung"] for v in reversed(values)]  # empower at the top, as on a ladder
    y = {"field": "rung", "type": "nominal", "sort": order, "title": None}
    x = {"field": "step", "type": "quantitative", "axis": None, "scale": {"domain": [0, 5]}}
    layers = [
        {
            "mark": {
                "type": "bar",
                "stroke": MUTED_TEXT,
                "strokeWidth": 1.5,
                "height": {"band": 0.7},
            },
            "encoding": {
                "y": y,
                "x": x,
                "color": {
                    "condition": {"test": "datum.this", "value": PRIMARY},
                    "value": BACKGROUND,
                },
            },
        },
        {
            "mark": {"type": "text", "align": "left", "dx": 8, "fontWeight": "bold"},
            "encoding": {"y": y, "x": x, "text": {"field": "label"}},
        },
    ]
    spec = _spec(
        alt_text,
        {"data": {"values": values}, "width": 260, "height": 200, "layer": layers},
    )
    columns = [gettext(c) for c in (N_("Rung"), N_("What it means"), N_("This engagement"))]
    rows = [
        [_rung(name), gettext(meaning), gettext("yes") if name == engagement.level else ""]
        for name, meaning in LADDER
    ]
    data_csv = _csv(
        ["Rung", "Step", "What it means", "This engagement"],
        (
            [name, i, meaning, name == engagement.level]
            for i, (name, meaning) in enumerate(LADDER, 1)
        ),
    )
    return Chart(
        id=chart_id("engagement", engagement.id, "ladder"),
        title=gettext("The participation ladder"),
        caption=gettext(
            "The participation ladder runs from informing people to letting them decide. "
            "The filled bar marks this engagement: {rung}."
        ).format(rung=_rung(engagement.level).lower()),
        alt=alt_text,
        spec=spec,
        columns=columns,
        rows=rows,
        csv=data_csv,
        drawing=svg.LadderDrawing(tuple(_rung(n) for n in names), step - 1),
    )


def engagement_charts(report: Report, engagement: Engagement) -> list[Chart]:
    """One chart per profile dimension (participants against population), then the ladder."""
    profile = [p for p in report.engagement_profile if p.engagement_id == engagement.id]
    charts: list[Chart] = []
    used: set[str] = {"ladder"}
    for rep in derive.representativeness(profile):
        rows = [p for p in profile if p.dimension == rep.dimension]
        name = _unique(f"profile-{slug(rep.dimension)}", used)
        charts.append(
            profile_chart(engagement, rows, rep, chart_id("engagement", engagement.id, name))
        )
    charts.append(ladder_chart(engagement))
    return charts


# -- home ---------------------------------------------------------------------------------------


def status_chart(statuses: Iterable[derive.IndicatorStatus]) -> Chart:
    """Indicators by status, as counts: direction of travel and targets, every bar labelled."""
    counts = derive.status_counts(list(statuses))
    total = sum(counts[w] for w in derive.DIRECTIONS)
    records = [(N_("Direction of travel"), w, counts[w]) for w in derive.DIRECTIONS]
    records += [(N_("Targets"), w, counts[w]) for w in derive.TARGETS]
    directions = "; ".join(f"{counts[w]} {gettext(w)}" for w in derive.DIRECTIONS)
    with_no_target = gettext("with no target")
    targets = "; ".join(
        f"{counts[w]} {with_no_target if w == 'no target' else gettext(w)}" for w in derive.TARGETS
    )
    alt_text = ngettext(
        "Of {total} measure, direction of travel: {directions}. Targets: {targets}.",
        "Of {total} measures, direction of travel: {directions}. Targets: {targets}.",
        total,
    ).format(total=total, directions=directions, targets=targets)

    # One axis for both panels: equal counts make equal bars.
    x_axis = value_axis([0, max(1, total)], gettext("Number of measures"), integer=True)

    def panel(measure: str, words: Sequence[str]) -> dict[str, Any]:
        values = [
            {"status": gettext(w), "count": counts[w], "label": str(counts[w])} for w in words
        ]
        # One label width for both panels, so their bars start at the same place.
        y = {
            "field": "status",
            "type": "nominal",
            "sort": [gettext(w) for w in words],
            "title": None,
            "axis": {"minExtent": 120},
        }
        x = {
            "field": "count",
            "type": "quantitative",
            "title": x_axis.title,
            "axis": _axis(x_axis),
            "scale": _scale(x_axis),
        }
        return {
            "title": gettext(measure),
            "data": {"values": values},
            "width": WIDTH - 160,
            "height": 30 * len(words),
            "layer": [
                {"mark": {"type": "bar", "color": PRIMARY}, "encoding": {"y": y, "x": x}},
                {
                    "mark": {"type": "text", "align": "left", "dx": 4},
                    "encoding": {"y": y, "x": x, "text": {"field": "label"}},
                },
            ],
        }

    spec = _spec(
        alt_text,
        {
            "vconcat": [
                panel("Direction of travel", derive.DIRECTIONS),
                panel("Targets", derive.TARGETS),
            ],
            "spacing": 24,
        },
    )
    columns = [N_("Measure"), N_("Status"), N_("Indicators")]
    rows = [[gettext(m), gettext(w), str(c)] for m, w, c in records]
    return Chart(
        id=chart_id("home", "index", "status"),
        title=gettext("Our measures by status"),
        caption=gettext(
            "How many of our measures are improving, worsening or show no clear change, "
            "and how many meet their target."
        ),
        alt=alt_text,
        spec=spec,
        columns=[gettext(c) for c in columns],
        rows=rows,
        csv=_csv(columns, records),
        drawing=svg.StatusDrawing(
            panels=(
                svg.StatusPanel(
                    gettext("Direction of travel"),
                    tuple((gettext(w), counts[w]) for w in derive.DIRECTIONS),
                ),
                svg.StatusPanel(
                    gettext("Targets"), tuple((gettext(w), counts[w]) for w in derive.TARGETS)
                ),
            ),
            axis=x_axis,
        ),
    )


# -- output -------------------------------------------------------------------------------------


def spec_json(chart: Chart) -> str:
    """The spec as the site serves it: stable key order, so the same chart gives the same bytes."""
    return json.dumps(chart.spec, ensure_ascii=False, separators=(",", ":")) + "\n"


def _draw(chart: Chart) -> str:
    if chart.drawing is None:
        raise ValueError(f"chart {chart.id} has nothing to draw its SVG from")
    return svg.draw(chart.drawing)


def _check_unique(charts: Sequence[Chart]) -> None:
    ids = [c.id for c in charts]
    if len(set(ids)) != len(ids):
        raise ValueError(
            "chart ids must be unique: " + ", ".join(sorted({i for i in ids if ids.count(i) > 1}))
        )


def render_svgs(charts: Iterable[Chart]) -> dict[str, str]:
    """A static SVG for every chart, by chart id. Same charts, same bytes."""
    charts = list(charts)
    _check_unique(charts)
    return {c.id: _draw(c) for c in charts}


def chart_files(chart: Chart, svg: str) -> dict[str, str]:
    """The files of one chart, by file name: ``<id>.svg``, ``<id>.csv``, ``<id>.json``."""
    return {
        f"{chart.id}.svg": svg,
        f"{chart.id}.csv": chart.csv,
        f"{chart.id}.json": spec_json(chart),
    }


# -- the chart cache ----------------------------------------------------------------------------
#
# Drawing is fast (a fraction of a millisecond a chart), so charts are drawn in this process: a
# pool of workers would cost more to start than the drawing it shares out. The cache stays for
# rebuilds: reading an unchanged chart is cheaper still, and a rebuild after one changed row
# draws only the charts that row is in. It is one file of SVGs by key (see PACK_NAME).


@dataclasses.dataclass(frozen=True)
class DrawnCharts:
    """SVGs by chart id, and how many of them came from the cache rather than being drawn."""

    svgs: dict[str, str]
    from_cache: int


def cache_key(drawing: svg.Drawing, renderer: str | None = None) -> str:
    """A chart's address in the cache: a hash of everything its SVG depends on.

    The drawing (frozen dataclasses of numbers and words, whose ``repr`` is exact and stable),
    the renderer's version (a hash of svg.py's source) and the look: change any of them and the
    key changes, so the cache can never serve an SVG drawn from something else.
    """
    digest = hashlib.sha256()
    for part in (
        renderer if renderer is not None else svg.RENDERER_VERSION,
        json.dumps(THEME_CONFIG, sort_keys=True, ensure_ascii=False),
        repr(drawing),
    ):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


#: The cache is one file: thousands of small files cost more to write (about half a millisecond
#: each here) than the SVGs in them cost to draw.
PACK_NAME = "svgs.pack"
_PACK_HEADER = b"pvreport chart cache 1\n"


def read_pack(path: Path) -> dict[str, bytes]:
    """The SVGs in a cache file, by key: ``<key> <length>\n<svg bytes>\n`` after one header line.

    Anything unreadable (no file, another format, a file cut short) yields what came before it,
    or nothing: every SVG not found is drawn again, so damage costs time, never a wrong chart.
    """
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    if not data.startswith(_PACK_HEADER):
        return {}
    found: dict[str, bytes] = {}
    at = len(_PACK_HEADER)
    while at < len(data):
        end = data.find(b"\n", at, at + 100)
        head = data[at:end].split(b" ") if end > 0 else []
        if len(head) != 2 or len(head[0]) != 64 or not head[1].isdigit():
            break
        start = end + 1
        stop = start + int(head[1])
        entry = data[start:stop]
        if data[stop : stop + 1] != b"\n" or not entry.endswith(b"</svg>"):
            break
        found[head[0].decode("ascii")] = entry
        at = stop + 1
    return found


def write_pack(path: Path, entries: dict[str, bytes]) -> None:
    """Write a cache file atomically: a reader sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    parts = [_PACK_HEADER]
    for key in sorted(entries):
        parts += [f"{key} {len(entries[key])}\n".encode("ascii"), entries[key], b"\n"]
    # The process id keeps two builds of one project (serve and build) off each other's file.
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(b"".join(parts))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def render_cached(
    charts: Iterable[Chart],
    *,
    cache_dir: Path | None = None,
    on_chart: Callable[[int], None] | None = None,
) -> DrawnCharts:
    """A static SVG for every chart, taken from the cache where the same drawing was drawn
    before and drawn otherwise; same charts, same bytes as :func:`render_svgs`.

    ``cache_dir`` may be deleted at any time: it only saves work. It keeps the SVGs of this
    build's charts only, so it never grows past one report's worth. ``on_chart`` is told how
    many charts are done so far (for progress on long builds).
    """
    charts = list(charts)
    _check_unique(charts)
    pack = cache_dir / PACK_NAME if cache_dir is not None else None
    stored = read_pack(pack) if pack is not None else {}
    svgs: dict[str, str] = {}
    # By key: the same drawing twice (two equal ladders) is looked up or drawn once.
    done: dict[str, bytes] = {}
    from_cache = 0
    drew = False
    for n, chart in enumerate(charts, start=1):
        if chart.drawing is None:
            raise ValueError(f"chart {chart.id} has nothing to draw its SVG from")
        key = cache_key(chart.drawing)
        found = done.get(key)
        if found is None:
            found = stored.get(key)
            if found is None:
                found = svg.draw(chart.drawing).encode("utf-8")
                drew = True
            done[key] = found
        from_cache += key in stored
        svgs[chart.id] = found.decode("utf-8")
        if on_chart is not None and n % 200 == 0:
            on_chart(n)
    if pack is not None and (drew or stored.keys() != done.keys()):
        write_pack(pack, done)
    if on_chart is not None:
        on_chart(len(charts))
    return DrawnCharts(svgs, from_cache)
