"""Numbers, units, periods and dates written for people.

Pages, tables, alt texts, status reasons and charts all call these functions, so that one value
reads the same everywhere ("45%", "£1.15 million", "3.5 days", "January to March 2024",
"1 April 2025"). Downloads (CSV) keep the raw numbers; only what people read goes through here.

How many decimals a figure gets:

- A value keeps every decimal the publisher wrote, up to :data:`MAX_DECIMALS` (``1.15`` is
  shown as 1.15, never 1.1). The decimals written are those of the shortest text that reads back
  as the stored float (Python's ``repr``), which is the cell's own text; a cell that ends in
  zeros after its decimal point (``97.50``) is read as a :class:`~pvreport.tables.read.WrittenNumber`,
  which keeps its text. Nothing is counted per cell when a package is read, however many
  results it has.
- A value with a longer tail (``97.49863969529174``, or ``0.30000000000000004`` from float
  arithmetic) was computed, not written: it gets three significant figures (97.5, 0.3).
- Rounding is half away from zero on the decimal text (``decimal.ROUND_HALF_UP``), never on the
  binary float, so 0.125 is 0.13 and 2.675 is 2.68.
- Where a sentence compares two figures, :func:`format_change` gives both the fewest decimals
  (at most :data:`MAX_DECIMALS`) at which they read differently, and the difference worked out
  in decimals.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, localcontext

from .. import messages
from ..messages import N_, _, pgettext
from ..tables.read import WrittenNumber
from .periods import PeriodError, parse_period

# A real minus sign: screen readers say "minus" for it, but may skip or say "dash" for a hyphen.
MINUS = "\u2212"

#: Most decimals a figure is ever shown with: a publisher's fifth decimal is noise to a reader.
MAX_DECIMALS = 4
#: Significant figures of a computed value with a long tail of decimals.
_SIGNIFICANT = 3

_CURRENCIES = ("£", "€", "$")
_PERCENT_UNITS = frozenset({"%", "percent", "per cent", "percentage", "proportion"})
# "Percentage (%)", "Percentage of adults", "% of pupils", "Per cent of homes": a percentage,
# with the words after it kept ("45% of adults").
_PERCENT_PHRASE = re.compile(
    r"^(?:%|percentage|percent|per cent|proportion)\s*(?:\(\s*%\s*\))?\s*(?P<rest>of\s.*)?$",
    re.IGNORECASE,
)
# "Rate per 100,000 population", "Number per 1,000 homes": the noun says what a unit is, not how
# a figure reads; after a number only "per ..." is read ("6.7 per 100,000 population").
_NOUN_PER = re.compile(r"^(?:rate|number|count|total|ratio)\s+(?P<rest>per\s.*)$", re.IGNORECASE)
# "Number of people": "1,234 people".
_NUMBER_OF = re.compile(r"^(?:number|count|total)\s+of\s+(?P<rest>.+)$", re.IGNORECASE)
# A unit that only names the kind of figure: the number reads on its own ("0.95", "1,234").
_BARE = frozenset({"number", "count", "total", "ratio", "index", "score", "rate", "value"})
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
    "reports": "report",
}
_SCALE_IN_UNIT = frozenset({"million", "billion", "m", "bn", "£m", "£bn", "€m", "$m"})
_SCALE_WORDS = ((Decimal(10) ** 9, N_("billion")), (Decimal(10) ** 6, N_("million")))


def is_percent(unit: str | None) -> bool:
    """True for a percentage, however the unit spells it ("%", "Percentage (%)",
    "Percentage of adults")."""
    if unit is None:
        return False
    unit = unit.strip()
    return unit.lower() in _PERCENT_UNITS or _PERCENT_PHRASE.match(unit) is not None


# -- the digits -----------------------------------------------------------------------------------


def exact(value: float | Decimal) -> Decimal:
    """The value as the decimal its text was: the shortest text that reads back as the float.

    ``exact(1.15)`` is ``Decimal("1.15")``, not the binary float's 1.149999999999999911...; a
    number read from a cell that ends in zeros (``97.50``) keeps them.
    """
    if isinstance(value, Decimal):
        return value
    if isinstance(value, WrittenNumber):
        return Decimal(value.text)
    if isinstance(value, int):
        return Decimal(value)
    text = repr(float(value))
    return Decimal(text.removesuffix(".0"))


def written_decimals(value: float | Decimal) -> int:
    """Decimals the value was written with: 1.15 has 2, 45.0 has 0, 1e-05 has 5; a cell
    written ``97.50`` has 2."""
    exponent = exact(value).as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def decimals_for(value: float | Decimal) -> int:
    """How many decimals a value is shown with: all it was written with, up to
    :data:`MAX_DECIMALS`; three significant figures for a long computed tail."""
    number = exact(value)
    written = written_decimals(number)
    if written <= MAX_DECIMALS:
        return written
    if number == 0:
        return 0
    magnitude = number.copy_abs().adjusted()  # 97.49 -> 1, 0.0123 -> -2
    return max(0, min(MAX_DECIMALS, _SIGNIFICANT - 1 - magnitude))


def _rounded(number: Decimal, places: int) -> Decimal:
    """Half away from zero, on the decimal digits."""
    # Enough digits for any float: the default context (28) cannot quantize 1e300.
    with localcontext() as context:
        context.prec = max(28, number.adjusted() + places + 2)
        return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _digits(number: Decimal, places: int, *, trim: bool) -> str:
    """The number with thousands separators and a real minus sign, no unit."""
    rounded = _rounded(number, places)
    text = f"{rounded.copy_abs():,.{places}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    # Rounding can turn -0.00001 into "0": never print "minus 0".
    negative = rounded < 0 and any(ch not in "0.," for ch in text)
    language = messages.code()
    if language != messages.SOURCE_LANGUAGE:
        text = text.translate(_separators(language))  # "1 234,5" in French; Welsh as English
    return f"{MINUS}{text}" if negative else text


@functools.lru_cache(maxsize=32)
def _separators(language: str) -> dict[int, str]:
    """The language's decimal and thousands signs, as Babel's locale data has them."""
    import babel.numbers

    return {
        ord("."): babel.numbers.get_decimal_symbol(language),
        ord(","): babel.numbers.get_group_symbol(language),
    }


def _scaled(number: Decimal, decimals: int | None) -> str | None:
    """ "1.2 million" for a large value that words write exactly (or at fixed decimals), or None
    where the plain number reads better (1,234,567 stays: "1.2 million" would lose digits)."""
    for size, word in _SCALE_WORDS:
        if number.copy_abs() >= size:
            scaled = number / size
            if decimals is not None:
                return f"{_digits(scaled, decimals, trim=False)} {_(word)}"
            if written_decimals(scaled) <= 2:
                return f"{_digits(scaled, written_decimals(scaled), trim=True)} {_(word)}"
            return None
    return None


def _number(number: Decimal, decimals: int | None, *, scale: bool = True) -> str:
    scaled = _scaled(number, decimals) if scale else None
    if scaled is not None:
        return scaled
    if decimals is None:
        # Zeros the publisher wrote stay ("97.50"); those of a rounded long tail go ("0.3").
        return _digits(number, decimals_for(number), trim=written_decimals(number) > MAX_DECIMALS)
    return _digits(number, decimals, trim=False)


# -- units ----------------------------------------------------------------------------------------


def _lower_first(words: str) -> str:
    """ "Years" -> "years", "Per 1,000 live births" -> "per 1,000 live births"; "GBP", "CO2e"
    and "kWh" stay as written."""
    first = words.split(" ", 1)[0]
    if re.fullmatch(r"[A-Z][a-z]+", first):
        return words[0].lower() + words[1:]
    return words


def unit_in_words(unit: str | None) -> str:
    """A unit as a caption or an axis names it, with no number: "per cent", "per cent of
    adults", "pounds million per year", "rate per 100,000 population", "years"."""
    unit = " ".join((unit or "").split())
    percent = _PERCENT_PHRASE.match(unit)
    if percent is not None or unit.lower() in _PERCENT_UNITS:
        rest = percent.group("rest") if percent is not None else None
        return _("per cent {words}").format(words=rest.strip()) if rest else _("per cent")
    if unit.startswith("£"):
        rest = unit[1:].strip()
        return _("pounds {words}").format(words=rest) if rest else _("pounds")
    return _lower_first(unit)


def _with_unit(number: str, value: Decimal, unit: str | None) -> str:
    """A number with its unit, as it reads inside a sentence."""
    if unit is None or not unit.strip():
        return number
    unit = " ".join(unit.split())
    if unit.lower() in _BARE:
        return number
    percent = _PERCENT_PHRASE.match(unit)
    if percent is not None or unit.lower() in _PERCENT_UNITS:
        rest = percent.group("rest") if percent is not None else None
        return f"{number}% {rest.strip()}" if rest else f"{number}%"
    for symbol in _CURRENCIES:
        if unit.startswith(symbol):
            rest = unit[len(symbol) :].strip()
            sign = MINUS if number.startswith(MINUS) else ""
            money = f"{sign}{symbol}{number.removeprefix(MINUS)}"
            if rest and rest[0] in "mkb" and rest.split(" ", 1)[0] in ("m", "k", "bn"):
                return money + rest  # "£m" reads "£1.15m", as it is written
            return f"{money} {rest}" if rest else money
    for pattern in (_NOUN_PER, _NUMBER_OF):
        found = pattern.match(unit)
        if found is not None:
            unit = found.group("rest")
            break
    unit = _lower_first(unit)
    if value == 1 and unit.lower() in _SINGULAR:
        unit = _SINGULAR[unit.lower()]
    return f"{number} {unit}"


# -- figures --------------------------------------------------------------------------------------


def format_number(
    value: float | Decimal, unit: str | None = None, *, decimals: int | None = None
) -> str:
    """A value with its unit, as it reads in a sentence or a table cell.

    ``decimals`` fixes the number of decimal places; by default a value keeps the decimals it was
    written with (see the module's notes), with no trailing zeros. Millions and billions are
    written in words where the words keep every digit.

    >>> format_number(45, "%"), format_number(1_200_000, "£"), format_number(12_300, "£")
    ('45%', '£1.2 million', '£12,300')
    >>> format_number(1.15, "£ million per year"), format_number(6.7, "Rate per 100,000 population")
    ('£1.15 million per year', '6.7 per 100,000 population')
    >>> format_number(3.5, "days"), format_number(1234, "Number of people"), format_number(1, "people")
    ('3.5 days', '1,234 people', '1 person')
    """
    if isinstance(value, float) and not math.isfinite(value):
        return _("not a number")
    if isinstance(value, Decimal):
        return _with_unit(_number(value, decimals, scale=_scales(unit)), value, unit)
    return _format_float(
        float(value), getattr(value, "text", None), unit, decimals, messages.current()
    )


# A national report shows the same few thousand values in a million cells: each distinct value,
# unit and precision is written once. The text a number was written as is part of the key:
# 97.5 and 97.50 are equal floats but read differently.
@functools.lru_cache(maxsize=65536)
def _format_float(
    value: float, text: str | None, unit: str | None, decimals: int | None, translations: object
) -> str:
    """``translations`` is part of the key: the words of a figure ("million") are the page's."""
    number = Decimal(text) if text is not None else exact(value)
    return _with_unit(_number(number, decimals, scale=_scales(unit)), number, unit)


def _scales(unit: str | None) -> bool:
    """False where the unit already holds a scale word: "£1,200 million", never "£1.2 million
    million"."""
    return not _SCALE_IN_UNIT & set((unit or "").lower().split())


_CURRENCY_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}


def format_money(amount: float, currency: str | None) -> str:
    """An amount of money: a currency code the reader may not know becomes its symbol."""
    code = (currency or "").strip()
    return format_number(amount, _CURRENCY_SYMBOLS.get(code.upper(), code))


def _points(size: Decimal, text: str) -> str:
    return messages.ngettext(
        "{n} percentage point", "{n} percentage points", 1 if size == 1 else 2
    ).format(n=text)


def format_difference(
    value: float | Decimal, unit: str | None = None, *, decimals: int | None = None
) -> str:
    """The size of a gap or change, without its sign: "5 percentage points", "£300", "2 days".

    A change between two percentages is in percentage points, not per cent: going from 10% to
    15% is 5 percentage points, which "5%" would misstate. A difference that is not zero never
    reads as zero: below the smallest decimal shown it is "less than 0.0001".
    """
    size = exact(value).copy_abs()
    text = _number(size, decimals, scale=_scales(unit))
    if size != 0 and decimals is None and text == "0":
        smallest = Decimal(1).scaleb(-MAX_DECIMALS)
        text = _number(smallest, None)
        return _("less than {amount}").format(
            amount=_points(smallest, text) if is_percent(unit) else _with_unit(text, smallest, unit)
        )
    if is_percent(unit):
        return _points(_rounded(size, MAX_DECIMALS), text)
    return _with_unit(text, size, unit)


def format_differences(
    first: float | Decimal, second: float | Decimal, unit: str | None = None
) -> tuple[str, str]:
    """Two sizes of change that one sentence compares ("it fell by 0.0999 ...; a change of less
    than 0.1 is no clear change"), without their signs, reading differently wherever they
    differ (see :func:`format_change`)."""
    one, two = exact(first).copy_abs(), exact(second).copy_abs()
    texts = _apart(one, two, scale=_scales(unit))
    words = []
    for size, text in zip((one, two), texts, strict=True):
        if size != 0 and text == "0":
            words.append(format_difference(size, unit))  # "less than 0.0001"
        elif is_percent(unit):
            words.append(_points(_rounded(size, MAX_DECIMALS), text))
        else:
            words.append(_with_unit(text, size, unit))
    return words[0], words[1]


def format_interval(lower: float | None, upper: float | None, unit: str | None = None) -> str:
    """A confidence interval as words, "40% to 50%"; empty where there is no interval."""
    if lower is None or upper is None:
        return ""
    first, second = _apart(exact(lower), exact(upper), scale=_scales(unit))
    return _("{lower} to {upper}").format(
        lower=_with_unit(first, exact(lower), unit), upper=_with_unit(second, exact(upper), unit)
    )


def _apart(first: Decimal, second: Decimal, *, scale: bool = True) -> tuple[str, str]:
    """Two numbers that read differently wherever they differ: each with its own decimals, or,
    where those read the same, both with the fewest decimals (at most :data:`MAX_DECIMALS`) that
    tell them apart."""
    one, two = _number(first, None, scale=scale), _number(second, None, scale=scale)
    if one != two or first == second:
        return one, two
    for places in range(1, MAX_DECIMALS + 1):
        one, two = _number(first, places, scale=False), _number(second, places, scale=False)
        if one != two:
            break
    return one, two


@dataclasses.dataclass(frozen=True)
class Change:
    """Two figures compared in one sentence, and the size of the difference between them."""

    first: str
    second: str
    difference: str


def format_change(
    first: float | Decimal, second: float | Decimal, unit: str | None = None
) -> Change:
    """Two figures a sentence compares ("from 6.75 to 6.7", "the best group at 97.5, the worst at
    97.32"), each with its unit, and the size of their difference.

    Figures that differ never read the same: where their own decimals would show them alike
    (97.5 and 97.49863969529174), both get the fewest decimals at which they read differently,
    up to :data:`MAX_DECIMALS` ("97.500" and "97.499"). The difference is worked out on the
    decimal texts, so 6.75 to 6.7 is 0.05, not 0.04999999999999982.
    """
    one, two = exact(first), exact(second)
    first_text, second_text = _apart(one, two, scale=_scales(unit))
    return Change(
        first=_with_unit(first_text, one, unit),
        second=_with_unit(second_text, two, unit),
        difference=format_difference(two - one, unit),
    )


def format_ticks(ticks: Sequence[float]) -> list[str]:
    """Axis tick values, with the same decimals on every tick (the step's), large ones in words."""
    if len(ticks) < 2:
        return [format_number(t) for t in ticks]
    step = abs(exact(ticks[1]) - exact(ticks[0]))
    top = max(exact(t).copy_abs() for t in ticks)
    for size, word in _SCALE_WORDS:
        if top >= size:
            places = max(0, -(step / size).adjusted())
            return [
                "0" if t == 0 else f"{_digits(exact(t) / size, places, trim=False)} {_(word)}"
                for t in ticks
            ]
    places = max(0, -step.adjusted()) if step else 0
    return [_digits(exact(t), places, trim=False) for t in ticks]


# -- dates and periods ----------------------------------------------------------------------------


#: The calendar quarters' months, as a period of ``2024-Q1`` names them (then the year).
_QUARTERS = (
    N_("January to March"),
    N_("April to June"),
    N_("July to September"),
    N_("October to December"),
)


def format_date(date: dt.date | dt.datetime) -> str:
    """ "1 April 2025": day without a leading zero, month in words, as British English writes it;
    in another language as Babel's locale data writes it ("1 Ebrill 2025")."""
    language = messages.code()
    if language == messages.SOURCE_LANGUAGE:
        return f"{date.day} {date.strftime('%B')} {date.year}"
    return _date_in(dt.date(date.year, date.month, date.day), "d MMMM y", language)


@functools.lru_cache(maxsize=4096)
def _date_in(date: dt.date, pattern: str, language: str) -> str:
    import babel.dates  # only for a language other than English (a quarter of a second to load)

    return babel.dates.format_date(date, pattern, locale=language)


def format_period(text: str) -> str:
    """A contract period for people, as a label (a table cell, a chart axis, a heading): "2024/25"
    and "2024" stay, "2024-Q1" is "January to March 2024", "2024-03" is "March 2024",
    "2024-03-31" is "31 March 2024". Text that is not a period is returned as it is (validation
    reports it; the page should still say something)."""
    # Keyed by the translations in force: a project's own catalogue may word periods otherwise.
    return _format_period(text, messages.current())


# A report of a million results names the same few hundred periods again and again.
@functools.lru_cache(maxsize=16384)
def _format_period(text: str, translations: object) -> str:
    language = getattr(translations, "pvreport_language", None) or messages.SOURCE_LANGUAGE
    try:
        period = parse_period(text)
    except PeriodError:
        return text
    english = language == messages.SOURCE_LANGUAGE
    if period.form == "quarter":
        if english:
            return (
                f"{period.start.strftime('%B')} to {period.end.strftime('%B')} {period.start.year}"
            )
        months = _(_QUARTERS[(period.start.month - 1) // 3])
        return f"{months} {period.start.year}"
    if period.form == "month":
        if english:
            return f"{period.start.strftime('%B')} {period.start.year}"
        return _date_in(period.start, "LLLL y", language)
    if period.form == "day":
        return format_date(period.start)
    return period.text


def _form(text: str) -> str | None:
    try:
        return parse_period(text).form
    except PeriodError:
        return None


def by_period(text: str) -> str:
    """A target's period after its value: "by 2025/26", "by 31 March 2026", "by March 2026"; a
    quarter reads "for January to March 2026" ("by January to March" says nothing clear)."""
    form = _form(text)
    if form == "quarter":
        return pgettext("quarter", "for {period}").format(period=format_period(text))
    if form == "month":
        return pgettext("month", "by {period}").format(period=format_period(text))
    return _("by {period}").format(period=format_period(text))


def period_phrase(text: str) -> str:
    """A period inside a sentence, with the word English puts before it: "on 31 March 2026",
    "in March 2026", "in January to March 2026", "in 2025/26", "in 2024". Each form is its own
    message: another language may need other words for each (Welsh "ym mis Mawrth 2026")."""
    form = _form(text)
    period = format_period(text)
    if form == "day":
        return _("on {date}").format(date=period)
    if form == "quarter":
        return pgettext("quarter", "in {period}").format(period=period)
    if form == "month":
        return pgettext("month", "in {period}").format(period=period)
    return _("in {period}").format(period=period)
