"""Static chart SVGs, drawn by pvreport itself from each chart's data.

Every chart kind has a small frozen *drawing* (the numbers and words its picture is made of,
filled by :mod:`pvreport.site.charts` from the same values as its Vega-Lite spec, its value axis an
:class:`pvreport.site.axes.Axis` the spec is written from too) and one function here
that lays it out and writes the SVG as a string. Drawing takes well under a millisecond a chart,
against ~100 ms through a JavaScript engine, and gives the same bytes for the same drawing.

What every SVG here is: standalone (``xmlns``, ``viewBox`` plus ``width`` and ``height``, so an
``<img>`` scales it down on a phone), with no script, no link and nothing fetched; all words are
``<text>`` (escaped, wrapped by measured width, never cut short); colours are the site's
palette, and no meaning rests on colour alone: shapes, dash patterns and words carry it too.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import math
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from ..messages import pgettext
from .axes import Axis

BACKGROUND = "#ffffff"
TEXT = "#1a1a1a"  # 17.4:1 on white
MUTED_TEXT = "#505a5f"  # 7.1:1: axis lines, reference lines
GRID = "#dddddd"  # decorative only: every value is labelled or in the table
# Okabe-Ito hues, darkened where needed so every mark has >= 3:1 contrast on white, and still
# told apart by people with the common colour-vision deficiencies.
PALETTE: tuple[str, ...] = ("#0072B2", "#D55E00", "#007A5A", "#A8509A", "#505a5f")
PRIMARY = PALETTE[0]
FONT = "Arial, 'Liberation Sans', Helvetica, sans-serif"
WIDTH = 560

#: What the cache keys on besides the drawing: this module's own source, so that any change to
#: how charts are drawn redraws them (nobody has to remember to bump a number).
RENDERER_VERSION = "pvreport-svg " + hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]

LABEL_SIZE = 13
LINE_HEIGHT = 16
PAD = 8


def _period_lines(label: str) -> list[str]:
    """A period label over lines of one word, so that many periods fit side by side: "31 March
    2026" over three, "January to March 2026" too ("to" stays with the month before it)."""
    joiner = pgettext("quarter", "to")  # the word between a quarter's months ("i" in Welsh)
    lines: list[str] = []
    for word in label.split(" "):
        if word == joiner and lines:
            lines[-1] += " " + joiner
        else:
            lines.append(word)
    return lines


# -- drawings: what each kind of chart is drawn from ---------------------------------------------


@dataclasses.dataclass(frozen=True)
class TrendPoint:
    period: str  # as people read it, e.g. "January to March 2025"
    value: float
    lower: float | None = None
    upper: float | None = None
    #: "provisional" or "estimated" where the figure may still change, else None.
    tentative: str | None = None


@dataclasses.dataclass(frozen=True)
class Marker:
    kind: Literal["baseline", "target"]
    value: float
    label: str


@dataclasses.dataclass(frozen=True)
class TrendDrawing:
    points: tuple[TrendPoint, ...]
    markers: tuple[Marker, ...]
    latest_label: str
    #: The value axis, worked out once for this drawing and the chart's spec alike.
    axis: Axis
    # The legend's words, in the page's language: a final figure, and the figures that may
    # still change ("Provisional: may still change"; made from the points where empty).
    final_label: str = "Final figure"
    tentative_label: str = ""
    #: The period axis' title, in the page's language.
    period_title: str = "Period"


@dataclasses.dataclass(frozen=True)
class GroupPoint:
    label: str
    value: float
    lower: float | None
    upper: float | None
    worst: bool
    text: str  # the value as people read it, e.g. "12% (worst result)"


@dataclasses.dataclass(frozen=True)
class BreakdownDrawing:
    groups: tuple[GroupPoint, ...]
    axis: Axis
    everyone: float | None = None
    everyone_label: str = ""
    # The legend's words, in the page's language.
    others_label: str = "Other groups"
    worst_label: str = "Group with the worst result"


@dataclasses.dataclass(frozen=True)
class ProfileBar:
    label: str
    participants: float
    population: float
    text: str  # "10% took part, 30% of population"


@dataclasses.dataclass(frozen=True)
class ProfileDrawing:
    bars: tuple[ProfileBar, ...]
    axis: Axis
    # The legend's words, in the page's language.
    took_part_label: str = "Took part"
    population_label: str = "Population we serve"


@dataclasses.dataclass(frozen=True)
class LadderDrawing:
    rungs: tuple[str, ...]  # bottom to top: "Inform" ... "Empower"
    current: int  # index into rungs


@dataclasses.dataclass(frozen=True)
class StatusPanel:
    title: str
    rows: tuple[tuple[str, int], ...]


@dataclasses.dataclass(frozen=True)
class StatusDrawing:
    panels: tuple[StatusPanel, ...]
    #: One axis for both panels, so that equal counts make equal bars.
    axis: Axis


Drawing = TrendDrawing | BreakdownDrawing | ProfileDrawing | LadderDrawing | StatusDrawing


def draw(drawing: Drawing) -> str:
    """The SVG of one drawing."""
    if isinstance(drawing, TrendDrawing):
        return draw_trend(drawing)
    if isinstance(drawing, BreakdownDrawing):
        return draw_breakdown(drawing)
    if isinstance(drawing, ProfileDrawing):
        return draw_profile(drawing)
    if isinstance(drawing, LadderDrawing):
        return draw_ladder(drawing)
    if isinstance(drawing, StatusDrawing):
        return draw_status(drawing)
    raise TypeError(f"no drawing for {type(drawing).__name__}")


# -- text: escaping, measuring, wrapping ---------------------------------------------------------

# Advance widths of Liberation Sans (Arial's metric twin) in 1/1000 em, for " " to "~", read
# from the font files once; anything else is measured by its class below.
_REGULAR = (
    "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 "
    "556 556 556 278 278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 556 833 "
    "722 778 667 778 722 667 611 722 667 944 667 667 611 278 278 278 469 556 333 556 556 500 556 "
    "556 278 556 556 222 222 500 222 833 556 556 556 556 333 500 278 556 500 722 500 500 500 334 "
    "260 334 584"
)
_BOLD = (
    "278 333 474 556 556 889 722 238 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 "
    "556 556 556 333 333 584 584 584 611 975 722 722 722 722 667 611 778 722 278 556 722 611 833 "
    "722 778 667 778 722 667 611 722 667 944 667 667 611 333 278 333 584 556 333 556 611 556 611 "
    "556 333 611 611 278 278 556 278 889 611 611 611 611 389 556 333 611 556 778 556 556 500 389 "
    "280 389 584"
)
_WIDTHS = {
    False: {chr(32 + i): int(w) for i, w in enumerate(_REGULAR.split())},
    True: {chr(32 + i): int(w) for i, w in enumerate(_BOLD.split())},
}
for _table in _WIDTHS.values():
    _table.update({"£": 556, "€": 556, "\u2212": 584, "–": 556, "—": 1000, "…": 1000})

# Characters XML 1.0 does not allow at all; a stray one would make the whole SVG unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def escape(text: str) -> str:
    """Text for an SVG element or attribute: markup characters escaped, XML-illegal ones dropped."""
    text = _NOT_XML.sub("", text)
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _char_width(ch: str, bold: bool) -> int:
    known = _WIDTHS[bold].get(ch)
    if known is not None:
        return known
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Cf", "Mn", "Me"):
        return 0
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1000
    # Other scripts' letters are about as wide as a Latin lower-case letter, a little more.
    return 600


def text_width(text: str, size: float = LABEL_SIZE, *, bold: bool = False) -> float:
    """The width in pixels of ``text`` set in the chart font (Arial metrics)."""
    table = _WIDTHS[bold]
    total = 0
    for ch in text:
        w = table.get(ch)
        total += w if w is not None else _char_width(ch, bold)
    return total * size / 1000


def wrap(text: str, width: float, size: float = LABEL_SIZE, *, bold: bool = False) -> list[str]:
    """``text`` broken into lines no wider than ``width`` pixels, at spaces where it can be and
    inside a word only where one word alone is wider than a line. Nothing is dropped."""
    words = text.split()
    if not words:
        return [""]
    lines: list[str] = []
    line = ""
    for word in words:
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, size, bold=bold) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        while text_width(word, size, bold=bold) > width and len(word) > 1:
            cut = 1
            while cut < len(word) and text_width(word[: cut + 1], size, bold=bold) <= width:
                cut += 1
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    lines.append(line)
    return lines


# -- numbers: coordinates and scales ---------------------------------------------------------


def _n(value: float) -> str:
    """A coordinate: one decimal place at most, so that the same drawing gives the same bytes."""
    text = f"{value:.1f}"
    text = text.removesuffix(".0")
    return "0" if text == "-0" else text


@dataclasses.dataclass(frozen=True)
class Scale:
    """A linear map from data values onto pixels."""

    d0: float
    d1: float
    r0: float
    r1: float

    def __call__(self, value: float) -> float:
        return self.r0 + (value - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)


# -- SVG pieces ---------------------------------------------------------------------------------


def _open(width: float, height: float) -> str:
    w, h = _n(math.ceil(width)), _n(math.ceil(height))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}" font-family="{escape(FONT)}" font-size="{LABEL_SIZE}" '
        f'fill="{TEXT}"><rect width="{w}" height="{h}" fill="{BACKGROUND}"/>'
    )


def _text(
    x: float,
    y: float,
    lines: Sequence[str] | str,
    *,
    anchor: str = "start",
    valign: Literal["middle", "top", "bottom", "baseline"] = "middle",
    size: float = LABEL_SIZE,
    bold: bool = False,
    italic: bool = False,
    cls: str | None = None,
    fill: str | None = None,
    halo: bool = False,
) -> str:
    """One piece of text, over several lines where given a list; ``(x, y)`` is its anchor point
    and ``valign`` which part of the block sits at ``y``."""
    if isinstance(lines, str):
        lines = [lines]
    step = LINE_HEIGHT if size <= LABEL_SIZE else size * 1.25
    block = step * (len(lines) - 1)
    # From a point to the first line's baseline, with Arial's ascent (0.9 em) and descent (0.2 em).
    if valign == "middle":
        first = y - block / 2 + size * 0.35
    elif valign == "top":
        first = y + size * 0.8
    elif valign == "bottom":
        first = y - block - size * 0.2
    else:
        first = y
    attrs = f'x="{_n(x)}" y="{_n(first)}"'
    if anchor != "start":
        attrs += f' text-anchor="{anchor}"'
    if size != LABEL_SIZE:
        attrs += f' font-size="{_n(size)}"'
    if bold:
        attrs += ' font-weight="bold"'
    if italic:
        attrs += ' font-style="italic"'
    if fill:
        attrs += f' fill="{fill}"'
    if cls:
        attrs += f' class="{cls}"'
    if halo:
        # A white outline under the letters keeps a label readable where a line crosses it.
        attrs += (
            f' stroke="{BACKGROUND}" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'
        )
    if len(lines) == 1:
        return f"<text {attrs}>{escape(lines[0])}</text>"
    spans = "".join(
        f'<tspan x="{_n(x)}" dy="{_n(0 if i == 0 else step)}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f"<text {attrs}>{spans}</text>"


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str, width: float = 1,
          dash: str | None = None, cls: str | None = None) -> str:  # fmt: skip
    extra = f' stroke-dasharray="{dash}"' if dash else ""
    extra += f' class="{cls}"' if cls else ""
    return (
        f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{stroke}" '
        f'stroke-width="{_n(width)}"{extra}/>'
    )


def _circle(x: float, y: float, r: float, fill: str, cls: str, stroke: str | None = None) -> str:
    outline = f' stroke="{stroke}" stroke-width="2"' if stroke else ""
    return f'<circle class="{cls}" cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" fill="{fill}"{outline}/>'


def _diamond(x: float, y: float, r: float, fill: str, cls: str) -> str:
    return (
        f'<path class="{cls}" data-x="{_n(x)}" data-y="{_n(y)}" '
        f'd="M{_n(x)},{_n(y - r)}L{_n(x + r)},{_n(y)}L{_n(x)},{_n(y + r)}L{_n(x - r)},{_n(y)}Z" '
        f'fill="{fill}"/>'
    )


def _triangle(x: float, y: float, r: float, cls: str) -> str:
    """An open triangle: the mark of a figure that may still change."""
    h = r * 0.5
    return (
        f'<path class="{cls}" data-x="{_n(x)}" data-y="{_n(y)}" '
        f'd="M{_n(x)},{_n(y - r)}L{_n(x + r)},{_n(y + h)}L{_n(x - r)},{_n(y + h)}Z" '
        f'fill="{BACKGROUND}" stroke="{PRIMARY}" stroke-width="2" stroke-linejoin="round"/>'
    )


def _rect(x: float, y: float, w: float, h: float, fill: str, cls: str | None = None,
          stroke: str | None = None) -> str:  # fmt: skip
    extra = f' class="{cls}"' if cls else ""
    extra += f' stroke="{stroke}" stroke-width="1.5"' if stroke else ""
    return (
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(max(0.0, w))}" height="{_n(max(0.0, h))}" '
        f'fill="{fill}"{extra}/>'
    )


#: The step between two rows of a legend too wide for one.
LEGEND_ROW = 18


def _legend_places(x: float, items: Sequence[tuple[str, str]]) -> list[tuple[float, int]]:
    """Where each legend entry goes: its left edge and its row. Entries share a row while they
    fit the drawing's width; one that would run past it starts the next row (a language with
    longer words, such as Welsh, needs two)."""
    places = []
    start, row = x, 0
    for _, words in items:
        width = 16 + text_width(words)
        if x > start and x + width > WIDTH - PAD:
            x, row = start, row + 1
        places.append((x, row))
        x += width + 18
    return places


def _legend_rows(x: float, items: Sequence[tuple[str, str]]) -> int:
    return 1 + max((row for _, row in _legend_places(x, items)), default=0)


def _legend(x: float, y: float, items: Sequence[tuple[str, str]]) -> str:
    """Legend entries in rows: each a ready-drawn symbol (centred on (0, 0)) and its words."""
    parts = []
    for (symbol, words), (left, row) in zip(items, _legend_places(x, items), strict=True):
        at = y + row * LEGEND_ROW
        parts.append(f'<g transform="translate({_n(left + 6)},{_n(at)})">{symbol}</g>')
        parts.append(_text(left + 16, at, words, cls="legend"))
    return "".join(parts)


def _value_axis_x(scale: Scale, axis: Axis, top: float, bottom: float) -> tuple[list[str], float]:
    """A value axis along the bottom: grid, domain line, ticks, labels and title. Returns the
    parts and the y just below the title."""
    parts = [_line(scale(t), top, scale(t), bottom, GRID, cls="grid") for t in axis.ticks]
    parts.append('<g class="value-axis">')
    parts.append(_line(scale.r0, bottom, scale.r1, bottom, MUTED_TEXT, cls="domain"))
    for t, label in zip(axis.ticks, axis.labels, strict=True):
        x = scale(t)
        parts.append(_line(x, bottom, x, bottom + 5, MUTED_TEXT, cls="tick-mark"))
        parts.append(_text(x, bottom + 7, label, anchor="middle", valign="top", cls="tick"))
    parts.append("</g>")
    y = bottom + 7 + LINE_HEIGHT + 4
    if axis.title:
        parts.append(
            _text((scale.r0 + scale.r1) / 2, y, axis.title, anchor="middle", valign="top",
                  cls="title")
        )  # fmt: skip
        y += LINE_HEIGHT + 2
    return parts, y


def _category_labels(labels: Sequence[str], max_width: float) -> list[list[str]]:
    return [wrap(label, max_width) for label in labels]


def _rows(line_counts: Sequence[int], top: float) -> tuple[list[float], list[float], float]:
    """Category rows, each tall enough for its own label (a long label makes its row taller, not
    every row): their centres, their heights, and the bottom of the last one."""
    heights = [max(44.0, n * LINE_HEIGHT + 16) for n in line_counts]
    total = sum(heights)
    if total < 80:  # a single row still gets a readable plot
        heights = [h * 80 / total for h in heights]
    centres = []
    y = top
    for h in heights:
        centres.append(y + h / 2)
        y += h
    return centres, heights, y


# -- trend ----------------------------------------------------------------------------------------


#: The latest value's label: bold, a little larger than the others.
LATEST_SIZE = 14


@dataclasses.dataclass(frozen=True)
class LabelPlace:
    """Where a point's label goes: its lines, and its anchor ``dx, dy`` pixels from the point,
    with ``anchor`` the part of the text at that x and ``valign`` the part of the block at that y
    (as :func:`_text` takes them). Made by :func:`place_label` for the SVG and the spec alike."""

    lines: tuple[str, ...]
    dx: float
    dy: float
    anchor: Literal["start", "middle", "end"]
    valign: Literal["top", "middle", "bottom"]


def _block(lines: Sequence[str], size: float, bold: bool) -> tuple[float, float]:
    """Width and height of a block of text lines as :func:`_text` sets them."""
    step = LINE_HEIGHT if size <= LABEL_SIZE else size * 1.25
    width = max(text_width(line, size, bold=bold) for line in lines)
    return width, step * (len(lines) - 1) + size * 1.1


def _box(place: LabelPlace, x: float, y: float, size: float, bold: bool
         ) -> tuple[float, float, float, float]:  # fmt: skip
    w, h = _block(place.lines, size, bold)
    ax, ay = x + place.dx, y + place.dy
    x0 = {"start": ax, "middle": ax - w / 2, "end": ax - w}[place.anchor]
    y0 = {"top": ay, "middle": ay - h / 2, "bottom": ay - h}[place.valign]
    return x0, y0, x0 + w, y0 + h


def _crossings(box: tuple[float, float, float, float], path: Sequence[tuple[float, float]],
               segments: Sequence[tuple[float, float, float, float]],
               marks: Sequence[tuple[float, float]], rules: Sequence[float]) -> int:  # fmt: skip
    """How much of the drawing ``box`` would cover: samples of the line and of other segments
    inside it, points whose marker (with a little room) touches it, rules across it."""
    x0, y0, x1, y1 = box
    hits = 0
    lines = [(*a, *b) for a, b in itertools.pairwise(path)] + list(segments)
    for ax, ay, bx, by in lines:
        if (
            max(ax, bx) < x0 - 2
            or min(ax, bx) > x1 + 2
            or max(ay, by) < y0 - 2
            or min(ay, by) > y1 + 2
        ):
            continue  # nowhere near
        n = max(2, int(math.hypot(bx - ax, by - ay)))
        for i in range(n + 1):
            px, py = ax + (bx - ax) * i / n, ay + (by - ay) * i / n
            if x0 - 2 < px < x1 + 2 and y0 - 2 < py < y1 + 2:
                hits += 1
    for px, py in marks:
        if x0 - 8 < px < x1 + 8 and y0 - 8 < py < y1 + 8:
            hits += 20
    for ry in rules:
        if y0 - 3 < ry < y1 + 3:
            hits += 20
    return hits


def place_label(
    label: str,
    point: tuple[float, float],
    area: tuple[float, float, float, float],
    *,
    path: Sequence[tuple[float, float]] = (),
    segments: Sequence[tuple[float, float, float, float]] = (),
    marks: Sequence[tuple[float, float]] = (),
    rules: Sequence[float] = (),
    size: float = LATEST_SIZE,
    bold: bool = True,
) -> LabelPlace:
    """A place for ``label`` by the point at ``point``: wholly inside ``area`` (left, top, right,
    bottom) and off the line ``path``, the ``segments`` (interval bars), the point ``marks`` and the
    horizontal ``rules`` (baseline, target) where any place is. Tried in order: above or below the
    point, then ending or starting at it, then beside it; on one line first, then wrapped. Where
    every place touches something, the one that touches least."""
    left, top, right, bottom = area
    x, y = point
    one = (label,)
    wrapped = [one]
    for width in ((right - left) / 2, 120.0):
        lines = tuple(wrap(label, width, size, bold=bold))
        if lines not in wrapped:
            wrapped.append(lines)
    offsets: list[tuple[float, float, Literal["start", "middle", "end"],
                        Literal["top", "middle", "bottom"]]] = [
        (0, -10, "middle", "bottom"), (0, 12, "middle", "top"),
        (6, -10, "end", "bottom"), (6, 12, "end", "top"),
        (-6, -10, "start", "bottom"), (-6, 12, "start", "top"),
        (-12, 0, "end", "middle"), (12, 0, "start", "middle"),
    ]  # fmt: skip
    best: tuple[int, LabelPlace] | None = None
    for lines in wrapped:
        for dx, dy, anchor, valign in offsets:
            place = LabelPlace(lines, dx, dy, anchor, valign)
            x0, y0, x1, y1 = _box(place, x, y, size, bold)
            if x0 < left or x1 > right or y0 < top or y1 > bottom:
                continue
            hits = _crossings((x0, y0, x1, y1), path, segments, marks, rules)
            if hits == 0:
                return place
            if best is None or hits < best[0]:
                best = (hits, place)
    if best is not None:
        return best[1]
    # Nowhere inside: the narrowest block above the point, pulled inside as far as it goes.
    lines = wrapped[-1]
    w, h = _block(lines, size, bold)
    dx = min(max(x, left + w / 2), right - w / 2) - x
    return LabelPlace(lines, dx, max(-10, top + h - y), "middle", "bottom")


def draw_trend(d: TrendDrawing) -> str:
    """Line and points over periods, the likely range as a pale band with bars, baseline and
    target as dashed lines named in the right margin, the latest value in bold; a figure that may
    still change is an open triangle (shape and words), named in a legend."""
    points = d.points
    ticks, labels = d.axis.ticks, d.axis.labels

    marker_lines = {m: wrap(m.label, 140) for m in d.markers}
    right = PAD + (max((text_width(ln) for ls in marker_lines.values() for ln in ls), default=0))
    right += 6 if d.markers else 0
    left = PAD + LINE_HEIGHT + 8 + max(text_width(t) for t in labels) + 8
    plot_w = WIDTH - left - right
    top = PAD + 22  # room for the latest value's label above the highest point
    plot_h = 300
    bottom = top + plot_h
    y = Scale(*d.axis.domain, bottom, top)
    step = plot_w / len(points)
    xs = [left + step * (i + 0.5) for i in range(len(points))]
    # Many periods: smaller points and caps, so that neighbours do not run into each other.
    shrink = min(1.0, step / 16)
    cap = 4 * shrink

    # Period labels over lines ("Q1 2025" as "Q1" over "2025"); where they would overlap, every
    # k-th is shown, counted back from the latest so that it always has its label.
    period_lines = [_period_lines(p.period) for p in points]
    widest = max(text_width(line) for lines in period_lines for line in lines)
    every = max(1, math.ceil((widest + 8) / step))
    label_rows = max(len(lines) for lines in period_lines)

    parts = [_open(WIDTH, 0)]  # replaced below once the height is known
    # Grid and the value axis.
    parts += [_line(left, y(t), left + plot_w, y(t), GRID, cls="grid") for t in ticks]
    parts.append('<g class="value-axis">')
    parts.append(_line(left, top, left, bottom, MUTED_TEXT, cls="domain"))
    for t, label in zip(ticks, labels, strict=True):
        ty = y(t)
        parts.append(_line(left - 5, ty, left, ty, MUTED_TEXT, cls="tick-mark"))
        parts.append(_text(left - 8, ty, label, anchor="end", cls="tick"))
    parts.append("</g>")
    parts.append(_line(left, bottom, left + plot_w, bottom, MUTED_TEXT))
    title_x = PAD + LINE_HEIGHT / 2 + 4
    parts.append(
        f'<text class="title" transform="translate({_n(title_x)},{_n((top + bottom) / 2)}) '
        f'rotate(-90)" text-anchor="middle" y="{_n(LABEL_SIZE * 0.35)}">{escape(d.axis.title)}</text>'
    )
    for i, (x, lines) in enumerate(zip(xs, period_lines, strict=True)):
        parts.append(_line(x, bottom, x, bottom + 5, MUTED_TEXT))
        if (len(points) - 1 - i) % every == 0:
            parts.append(_text(x, bottom + 7, lines, anchor="middle", valign="top", cls="period"))
    axis_end = bottom + 7 + LINE_HEIGHT * label_rows + 4
    parts.append(
        _text(
            left + plot_w / 2, axis_end, d.period_title, anchor="middle", valign="top", cls="title"
        )
    )
    height = axis_end + LINE_HEIGHT + 4

    # The likely range: a pale band (decorative) and bars at full strength (they carry it).
    ranged = [(x, p) for x, p in zip(xs, points, strict=True) if p.lower is not None]
    ranged = [(x, p) for x, p in ranged if p.upper is not None]
    if len(ranged) > 1:
        edge = [(x, y(p.upper)) for x, p in ranged] + [(x, y(p.lower)) for x, p in reversed(ranged)]  # type: ignore[arg-type]
        path = "M" + "L".join(f"{_n(a)},{_n(b)}" for a, b in edge) + "Z"
        parts.append(f'<path class="band" d="{path}" fill="{PRIMARY}" fill-opacity="0.15"/>')
    for x, p in ranged:
        assert p.lower is not None and p.upper is not None
        y0, y1 = y(p.lower), y(p.upper)
        parts.append(_line(x, y0, x, y1, PRIMARY, 1.5, cls="interval"))
        parts.append(_line(x - cap, y0, x + cap, y0, PRIMARY, 1.5))
        parts.append(_line(x - cap, y1, x + cap, y1, PRIMARY, 1.5))

    # Baseline and target: told apart by dash pattern and by their words, not by colour. Each
    # label sits on the outer side of its line (the higher line's above it, the lower's below),
    # so that two close lines never stack their words on top of each other.
    highest = min((y(m.value) for m in d.markers), default=0.0)
    for m in d.markers:
        my = y(m.value)
        dash = "6 4" if m.kind == "baseline" else "2 3"
        parts.append(_line(left, my, left + plot_w, my, MUTED_TEXT, 1.5, dash, cls=m.kind))
        lines = marker_lines[m]
        if len(d.markers) > 1:
            above = my <= highest
        else:
            above = m.kind == "target"
        if above and my - 2 - LINE_HEIGHT * len(lines) < 0:
            above = False  # no room above the top of the picture
        parts.append(
            _text(
                left + plot_w + 6,
                my - 2 if above else my + 2,
                lines,
                valign="bottom" if above else "top",
                italic=True,
                cls=f"{m.kind}-label",
            )
        )

    # The line, then its points on top.
    coords = [(x, y(p.value)) for x, p in zip(xs, points, strict=True)]
    if len(coords) > 1:
        line = " ".join(f"{_n(a)},{_n(b)}" for a, b in coords)
        parts.append(
            f'<polyline points="{line}" fill="none" stroke="{PRIMARY}" stroke-width="2.5" '
            'stroke-linejoin="round" stroke-linecap="round"/>'
        )
    for (x, py), p in zip(coords, points, strict=True):
        if p.tentative:
            parts.append(_triangle(x, py, 6.5 * shrink, "point tentative"))
        else:
            parts.append(_circle(x, py, 4.7 * shrink, PRIMARY, "point"))

    # The latest value, in bold, inside the plot and off the line, its points and the markers.
    lx, ly = coords[-1]
    bars = [(x, y(p.lower), x, y(p.upper)) for x, p in ranged]  # type: ignore[arg-type]
    place = place_label(
        d.latest_label, coords[-1], (left + 2, PAD, left + plot_w, bottom - 2), path=coords,
        segments=bars, marks=coords[:-1], rules=[y(m.value) for m in d.markers],
    )  # fmt: skip
    parts.append(
        _text(lx + place.dx, ly + place.dy, list(place.lines), anchor=place.anchor,
              valign=place.valign, size=LATEST_SIZE, bold=True, cls="latest", halo=True)
    )  # fmt: skip

    tentative = sorted({p.tentative for p in points if p.tentative})
    if tentative:
        words = " or ".join(tentative).capitalize()
        items = [
            (_circle(0, 0, 4.7, PRIMARY, "key"), d.final_label),
            (_triangle(0, 0, 6.5, "key"), d.tentative_label or f"{words}: may still change"),
        ]
        parts.append(_legend(left, height + 8, items))
        height += 24 + LEGEND_ROW * (_legend_rows(left, items) - 1)
    parts[0] = _open(WIDTH, height + PAD)
    return "".join(parts) + "</svg>"


# -- breakdown by group --------------------------------------------------------------------------


def draw_breakdown(d: BreakdownDrawing) -> str:
    """Each group's latest value as a point on its own row with its likely range as a bar; the
    group with the worst result a diamond in another colour (shape and words, not colour alone);
    the figure for everyone a dashed line named at the top."""
    groups = d.groups
    label_lines = _category_labels([g.label for g in groups], 170)
    label_w = max(text_width(line) for lines in label_lines for line in lines)
    left = PAD + label_w + 10
    right = PAD + 8
    top = PAD + (22 if d.everyone is not None else 6)
    plot_w = WIDTH - left - right
    centres, _, bottom = _rows([len(lines) for lines in label_lines], top)

    x = Scale(*d.axis.domain, left, left + plot_w)

    parts: list[str] = []
    axis, end = _value_axis_x(x, d.axis, top, bottom)
    parts += axis
    parts.append(_line(left, top, left, bottom, MUTED_TEXT))
    for cy, lines in zip(centres, label_lines, strict=True):
        parts.append(_line(left - 5, cy, left, cy, MUTED_TEXT))
        parts.append(_text(left - 8, cy, lines, anchor="end", cls="category"))
    if d.everyone is not None:
        ex = x(d.everyone)
        parts.append(_line(ex, top, ex, bottom, MUTED_TEXT, 1, "6 4", cls="everyone"))
        half = text_width(d.everyone_label) / 2
        tx = min(max(ex, half + 2), WIDTH - half - 2)
        parts.append(
            _text(tx, top - 4, d.everyone_label, anchor="middle", valign="bottom", italic=True,
                  cls="everyone-label")
        )  # fmt: skip
    for cy, g in zip(centres, groups, strict=True):
        if g.lower is not None and g.upper is not None:
            parts.append(_line(x(g.lower), cy, x(g.upper), cy, MUTED_TEXT, 2, cls="interval"))
    for cy, g in zip(centres, groups, strict=True):
        gx = x(g.value)
        if g.worst:
            parts.append(_diamond(gx, cy, 7.7, PALETTE[1], "point worst"))
        else:
            parts.append(_circle(gx, cy, 6.2, PRIMARY, "point"))
        # The value to the upper right of its point, or to its left where it would run off.
        width = text_width(g.text)
        if gx + 10 + width <= WIDTH - 2:
            parts.append(_text(gx + 10, cy - 10, g.text, cls="value", halo=True))
        else:
            parts.append(_text(gx - 10, cy - 10, g.text, anchor="end", cls="value", halo=True))
    items = [
        (_circle(0, 0, 6.2, PRIMARY, "key"), d.others_label),
        (_diamond(0, 0, 7.7, PALETTE[1], "key"), d.worst_label),
    ]
    parts.append(_legend(left, end + 10, items))
    height = end + 10 + 12 + PAD + LEGEND_ROW * (_legend_rows(left, items) - 1)
    return _open(WIDTH, height) + "".join(parts) + "</svg>"


# -- engagement profile ---------------------------------------------------------------------------


def draw_profile(d: ProfileDrawing) -> str:
    """Participants' share as bars, the population's as a thick black tick (a different shape,
    not only a colour), and both shares in words beside each row."""
    bars = d.bars
    label_lines = _category_labels([b.label for b in bars], 150)
    label_w = max(text_width(line) for lines in label_lines for line in lines)
    left = PAD + label_w + 10
    one_line = max(text_width(b.text) for b in bars)
    # The shares in words go on one line where the plot keeps at least 200 pixels, else on two.
    if WIDTH - left - one_line - 16 - PAD >= 200:
        texts = [[b.text] for b in bars]
    else:
        texts = [[part.strip() + ("," if i == 0 else "") for i, part in
                  enumerate(b.text.split(",", 1))] if "," in b.text else wrap(b.text, 150)
                 for b in bars]  # fmt: skip
    text_w = max(text_width(line) for lines in texts for line in lines)
    right = PAD + text_w + 16
    plot_w = WIDTH - left - right
    top = PAD + 4
    counts = [max(len(a), len(b)) for a, b in zip(label_lines, texts, strict=True)]
    centres, heights, bottom = _rows(counts, top)
    x = Scale(*d.axis.domain, left, left + plot_w)

    parts: list[str] = []
    axis, end = _value_axis_x(x, d.axis, top, bottom)
    parts += axis
    parts.append(_line(left, top, left, bottom, MUTED_TEXT))
    # Bars and ticks keep one size in every row, fitted to the shortest row.
    bar_h = min(heights) * 0.6
    tick_h = min(30.0, min(heights) * 0.85)
    for cy, b, lines, words in zip(centres, bars, label_lines, texts, strict=True):
        parts.append(_line(left - 5, cy, left, cy, MUTED_TEXT))
        parts.append(_text(left - 8, cy, lines, anchor="end", cls="category"))
        parts.append(_rect(left, cy - bar_h / 2, x(b.participants) - left, bar_h, PRIMARY, "bar"))
        px = x(b.population)
        parts.append(_rect(px - 2, cy - tick_h / 2, 4, tick_h, TEXT, "population"))
        parts.append(_text(left + plot_w + 8, cy, words, cls="value"))
    bar_key = _rect(-6, -6, 12, 12, PRIMARY)
    tick_key = _rect(-2, -8, 4, 16, TEXT)
    items = [(bar_key, d.took_part_label), (tick_key, d.population_label)]
    parts.append(_legend(left, end + 10, items))
    height = end + 10 + 12 + PAD + LEGEND_ROW * (_legend_rows(left, items) - 1)
    return _open(WIDTH, height) + "".join(parts) + "</svg>"


# -- participation ladder -------------------------------------------------------------------------


def draw_ladder(d: LadderDrawing) -> str:
    """The rungs as bars, each one step longer, top rung at the top; this engagement's rung
    filled and named in words, the others outlined."""
    rungs = d.rungs
    label_w = max(text_width(r) for r in rungs)
    mark = "This engagement"
    left = PAD + label_w + 10
    plot_w = 260
    row = 40
    top = PAD
    width = left + plot_w + 8 + text_width(mark, bold=True) + PAD
    unit = plot_w / len(rungs)
    parts: list[str] = []
    for i, rung in enumerate(rungs):
        cy = top + row * (len(rungs) - 1 - i + 0.5)
        parts.append(_text(left - 8, cy, rung, anchor="end", cls="category"))
        length = unit * (i + 1)
        current = i == d.current
        fill = PRIMARY if current else BACKGROUND
        parts.append(
            _rect(left, cy - row * 0.35, length, row * 0.7, fill, "rung current" if current
                  else "rung", MUTED_TEXT)
        )  # fmt: skip
        if current:
            parts.append(_text(left + length + 8, cy, mark, bold=True, cls="value"))
    parts.append(_line(left, top, left, top + row * len(rungs), MUTED_TEXT))
    height = top + row * len(rungs) + PAD
    return _open(width, height) + "".join(parts) + "</svg>"


# -- home: measures by status ---------------------------------------------------------------------


def draw_status(d: StatusDrawing) -> str:
    """One panel per question (direction of travel, targets): a bar per status word, its count
    written at its end; both panels share one scale and one label width."""
    labels = [word for panel in d.panels for word, _ in panel.rows]
    label_w = max([120.0] + [text_width(w) for w in labels])
    left = PAD + label_w + 10
    # Room on the right for the longest bar's count and the last tick's label.
    plot_w = WIDTH - left - PAD - 24
    row = 30
    parts: list[str] = []
    y = PAD
    for panel in d.panels:
        parts.append(_text(PAD, y, panel.title, valign="top", size=15, bold=True, cls="heading"))
        top = y + 24
        bottom = top + row * len(panel.rows)
        x = Scale(*d.axis.domain, left, left + plot_w)
        axis, end = _value_axis_x(x, d.axis, top, bottom)
        parts += axis
        parts.append(_line(left, top, left, bottom, MUTED_TEXT))
        for i, (word, count) in enumerate(panel.rows):
            cy = top + row * (i + 0.5)
            parts.append(_line(left - 5, cy, left, cy, MUTED_TEXT))
            parts.append(_text(left - 8, cy, word, anchor="end", cls="category"))
            parts.append(_rect(left, cy - row * 0.45, x(count) - left, row * 0.9, PRIMARY, "bar"))
            parts.append(_text(x(count) + 4, cy, str(count), cls="value"))
        y = end + 20
    return _open(WIDTH, y - 20 + PAD) + "".join(parts) + "</svg>"
