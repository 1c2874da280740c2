"""Numeric chart axes, worked out once for both renderers.

A chart is shown twice: as the static SVG :mod:`pvreport.site.svg` draws (what everyone sees first,
and the only chart without JavaScript) and as the interactive Vega-Lite view of its spec. Each
numeric axis is an :class:`Axis` record made here, from the values the chart draws, and written
into both: the SVG draws its domain, ticks and labels; the spec gets the same domain (with Vega's
own rounding and padding turned off), the same tick values and the same label texts. So a reader
with or without JavaScript sees the same axis, and ``tests/test_chart_axes.py`` checks it by
rendering every spec of the example with Vega.

Decided here, for every chart:

- Ticks are round (1, 2 or 5 times a power of ten apart) and the axis runs from the first tick
  to the last, which cover every value drawn.
- A reference line (a baseline, a target, the figure for everyone) never sits on the end of the
  axis, where it would hide under the axis line or the plot's edge: the axis gets one more tick
  step of room beyond it (within the two limits below).
- An axis over values none of which is below zero never runs below zero (a count of workshops,
  a share of people); one over percentages all between 0 and 100 (a share) never runs above 100.
- Where every value is a whole number, ticks are whole numbers too (no "2.5 workshops").
- Labels are :func:`pvreport.report.formatting.format_ticks`' ("0.5 million", "−20").
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Iterable

from ..report.formatting import format_ticks


@dataclasses.dataclass(frozen=True)
class Axis:
    """One numeric axis: where it runs, its ticks and their labels, and its title."""

    domain: tuple[float, float]
    ticks: tuple[float, ...]
    labels: tuple[str, ...]
    title: str


def nice_ticks(
    low: float,
    high: float,
    count: int = 6,
    *,
    integer: bool = False,
    floor: float | None = None,
    ceiling: float | None = None,
) -> list[float]:
    """Round tick values (1, 2 or 5 times a power of ten apart) from at or below ``low`` to at or
    above ``high``: about ``count`` of them, so that the axis covers every value drawn. Room
    added around a single value stops at ``floor`` and ``ceiling`` where given."""
    if not (math.isfinite(low) and math.isfinite(high)):
        low, high = 0.0, 1.0
    if low > high:
        low, high = high, low
    if high - low < 1e-12 * max(1.0, abs(high)):
        # One value: give the axis some room around it.
        value = high
        room = abs(value) * 0.1 if abs(value) > 1e-6 else 1.0
        low, high = value - room, value + room
        if floor is not None and low < floor <= value:
            low = floor
        if ceiling is not None and value <= ceiling < high:
            high = ceiling
    raw = (high - low) / max(1, count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw * (1 - 1e-9))
    if integer:
        step = max(1.0, float(round(step)))
    first = math.floor(low / step + 1e-9)
    last = math.ceil(high / step - 1e-9)
    # Rounded a little below the step's precision, to drop float noise (0.30000000000000004).
    digits = max(0, 3 - math.floor(math.log10(step)))
    ticks = [round(i * step, digits) for i in range(first, last + 1)]
    return [0.0 if t == 0 else t for t in ticks]


def value_axis(
    values: Iterable[float],
    title: str,
    *,
    percent: bool = False,
    integer: bool | None = None,
    count: int = 6,
    references: Iterable[float] = (),
) -> Axis:
    """The axis for ``values`` (every value the chart draws on it, with ranges and reference
    lines): round ticks covering them, never below zero where none is, never above 100 for
    percentages that are shares (all from 0 to 100); whole-number ticks where every value is whole
    (or as told). ``references`` are the values drawn as lines across the plot (also among
    ``values``): where one would sit on an end of the axis, the axis runs one tick step further."""
    drawn = [float(v) for v in values]
    lines = [float(v) for v in references]
    drawn += lines
    if not drawn:
        drawn = [0.0, 1.0]
    low, high = min(drawn), max(drawn)
    if integer is None:
        integer = all(v.is_integer() for v in drawn)
    floor = 0.0 if low >= 0 else None
    # A share of a whole: percentages from 0 to 100 (a percentage change may run outside).
    ceiling = 100.0 if percent and floor is not None and high <= 100 else None
    ticks = nice_ticks(low, high, count, integer=integer, floor=floor, ceiling=ceiling)
    ticks = _room_for_lines(ticks, lines, floor, ceiling)
    return Axis((ticks[0], ticks[-1]), tuple(ticks), _labels(tuple(ticks)), title)


def _room_for_lines(
    ticks: list[float], lines: list[float], floor: float | None, ceiling: float | None
) -> list[float]:
    """``ticks`` with one more step at an end where a reference line would sit on it (within a
    fiftieth of the axis, a few pixels on any chart), unless that step would cross ``floor`` or
    ``ceiling``: there the line stays on the edge, named by its label."""
    if len(ticks) < 2 or not lines:
        return ticks
    step = ticks[1] - ticks[0]
    near = (ticks[-1] - ticks[0]) / 50
    digits = max(0, 3 - math.floor(math.log10(step)))
    if any(v - ticks[0] < near for v in lines):
        below = round(ticks[0] - step, digits)
        if floor is None or below >= floor - 1e-9:
            ticks = [0.0 if below == 0 else below, *ticks]
    if any(ticks[-1] - v < near for v in lines):
        above = round(ticks[-1] + step, digits)
        if ceiling is None or above <= ceiling + 1e-9:
            ticks = [*ticks, 0.0 if above == 0 else above]
    return ticks


@functools.lru_cache(maxsize=4096)
def _labels(ticks: tuple[float, ...]) -> tuple[str, ...]:
    """Tick labels, worked out once per set of ticks (a large report's charts share a few)."""
    return tuple(format_ticks(ticks))
