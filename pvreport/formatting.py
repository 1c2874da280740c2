"""Numbers, units, periods and dates written for people.

Pages, tables, alt texts, status reasons and charts all call these functions, so that one value
reads the same everywhere ("45%", "£1.2 million", "3.5 days", "Q1 2024", "1 April 2025").
Downloads (CSV) keep the raw numbers; only what people read goes through here.
"""

from __future__ import annotations

import datetime as dt
import math

from .periods import PeriodError, parse_period

# A real minus sign: screen readers say "minus" for it, but may skip or say "dash" for a hyphen.
MINUS = "\u2212"

_CURRENCIES = ("£", "€", "$")
_PERCENT_UNITS = frozenset({"%", "percent", "per cent", "percentage"})
# Singular forms for a value of exactly one ("1 person", "1 day"); unknown units stay as written.
_SINGULAR = {
    "people": "person",
    "children": "child",
    "days": "day",
    "weeks": "week",
    "months": "month",
    "years": "year",
    "hours": "hour",
    "minutes": "minute",
    "households": "household",
    "homes": "home",
    "visits": "visit",
    "cases": "case",
    "complaints": "complaint",
    "residents": "resident",
    "pupils": "pupil",
    "places": "place",
    "journeys": "journey",
    "trees": "tree",
    "tonnes": "tonne",
    "beds": "bed",
    "schools": "school",
    "businesses": "business",
}
_SCALE_WORDS = ((1e9, "billion"), (1e6, "million"))


def is_percent(unit: str | None) -> bool:
    return unit is not None and unit.strip().lower() in _PERCENT_UNITS


def _default_decimals(value: float) -> int:
    """Enough decimals to be honest, few enough to read: 45, 3.5, 0.25, 12,300."""
    magnitude = abs(value)
    if magnitude >= 100 or float(value).is_integer():
        return 0
    if magnitude >= 1:
        return 1
    return 2


def _plain(value: float, decimals: int | None, *, trim: bool) -> str:
    """The number with thousands separators and a real minus sign, no unit."""
    places = _default_decimals(value) if decimals is None else decimals
    text = f"{abs(value):,.{places}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    # Rounding can turn -0.001 into "0": never print "minus 0".
    negative = value < 0 and any(ch not in "0.," for ch in text)
    return f"{MINUS}{text}" if negative else text


def _scaled(value: float, decimals: int | None) -> str | None:
    """ "1.2 million" for large values, or None where the plain number reads better."""
    for size, word in _SCALE_WORDS:
        if abs(value) >= size:
            places = 1 if decimals is None else decimals
            return f"{_plain(value / size, places, trim=decimals is None)} {word}"
    return None


def format_number(value: float, unit: str | None = None, *, decimals: int | None = None) -> str:
    """A value with its unit, for people.

    ``decimals`` fixes the number of decimal places; by default there are as many as help
    (none for whole numbers and values of 100 or more, one below 100, two below 1), with
    trailing zeros dropped. Millions and billions are written in words.

    >>> format_number(45, "%"), format_number(1_234_567, "£"), format_number(12_300, "£")
    ('45%', '£1.2 million', '£12,300')
    >>> format_number(3.5, "days"), format_number(1234, "people"), format_number(1, "people")
    ('3.5 days', '1,234 people', '1 person')
    """
    if isinstance(value, float) and not math.isfinite(value):
        return "not a number"
    value = float(value)
    number = _scaled(value, decimals) or _plain(value, decimals, trim=decimals is None)
    if unit is None or not unit.strip():
        return number
    unit = unit.strip()
    if is_percent(unit):
        return f"{number}%"
    for symbol in _CURRENCIES:
        if unit.startswith(symbol):
            rest = unit[len(symbol) :].strip()
            sign = MINUS if number.startswith(MINUS) else ""
            money = f"{sign}{symbol}{number.removeprefix(MINUS)}"
            return f"{money} {rest}" if rest else money
    if value == 1 and unit.lower() in _SINGULAR:
        unit = _SINGULAR[unit.lower()]
    return f"{number} {unit}"


def format_difference(value: float, unit: str | None = None, *, decimals: int | None = None) -> str:
    """The size of a gap or change, without its sign: "5 percentage points", "£300", "2 days".

    A change between two percentages is in percentage points, not per cent: going from 10% to
    15% is 5 percentage points, which "5%" would misstate.
    """
    size = abs(value)
    if is_percent(unit):
        points = _plain(size, decimals, trim=decimals is None)
        return f"{points} percentage point" + ("" if size == 1 else "s")
    return format_number(size, unit, decimals=decimals)


def format_interval(lower: float | None, upper: float | None, unit: str | None = None) -> str:
    """A confidence interval as words, "40% to 50%"; empty where there is no interval."""
    if lower is None or upper is None:
        return ""
    return f"{format_number(lower, unit)} to {format_number(upper, unit)}"


def format_date(date: dt.date | dt.datetime) -> str:
    """ "1 April 2025": day without a leading zero, month in words, as British English writes it."""
    return f"{date.day} {date.strftime('%B')} {date.year}"


def format_period(text: str) -> str:
    """A contract period for people: "2024/25" and "2024" stay, "2024-Q1" is "Q1 2024",
    "2024-03" is "March 2024", "2024-03-31" is "31 March 2024". Text that is not a period
    is returned as it is (validation reports it; the page should still say something)."""
    try:
        period = parse_period(text)
    except PeriodError:
        return text
    if period.form == "quarter":
        return f"Q{period.text[-1]} {period.start.year}"
    if period.form == "month":
        return f"{period.start.strftime('%B')} {period.start.year}"
    if period.form == "day":
        return format_date(period.start)
    return period.text
