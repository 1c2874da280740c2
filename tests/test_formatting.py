"""Numbers, periods and dates as people read them: hand-written expectations and properties."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pvreport.report.formatting import (
    MAX_DECIMALS,
    MINUS,
    format_change,
    format_date,
    format_difference,
    format_differences,
    format_interval,
    format_number,
    format_period,
    format_ticks,
    period_phrase,
    unit_in_words,
)
from pvreport.tables.read import WrittenNumber, read_number


@pytest.mark.parametrize(
    ("value", "unit", "decimals", "expected"),
    [
        (45, "%", None, "45%"),
        (45.26, "%", None, "45.26%"),
        (0.5, "%", None, "0.5%"),
        (12.5, "%", 2, "12.50%"),
        # Words for millions only where they keep every digit the publisher wrote.
        (1_234_567, "£", None, "£1,234,567"),
        (1_200_000, "£", None, "£1.2 million"),
        (1_250_000, "£", None, "£1.25 million"),
        (1_000_000, "£", None, "£1 million"),
        (2_500_000_000, "£", None, "£2.5 billion"),
        (12_300, "£", None, "£12,300"),
        (-300, "£ per year", None, f"{MINUS}£300 per year"),
        (3.5, "days", None, "3.5 days"),
        (1, "days", None, "1 day"),
        (1234, "people", None, "1,234 people"),
        (1, "people", None, "1 person"),
        (7.0, "complaints per 1,000 homes", None, "7 complaints per 1,000 homes"),
        # Every decimal the publisher wrote, up to four: never fewer (issue: 1.15 read 1.1).
        (1.15, "£ million per year", None, "£1.15 million per year"),
        (0.256, None, None, "0.256"),
        (150.4, None, None, "150.4"),
        (2.675, None, None, "2.675"),
        (12.3456, None, None, "12.3456"),
        (-0.001, None, None, f"{MINUS}0.001"),
        (-2.5, "%", None, f"{MINUS}2.5%"),
        # A computed value with a long tail: three significant figures, half away from zero.
        (97.49863969529174, "%", None, "97.5%"),
        (0.1 + 0.2, None, None, "0.3"),
        (6.752345, None, None, "6.75"),
        (0.0012345678, None, None, "0.0012"),
        (1234.56789012, None, None, "1,235"),
        (-0.00001, None, None, "0"),
        # Half away from zero on the decimal text, not the binary float (2.675 is 2.67499...).
        (2.675, None, 2, "2.68"),
        (0.125, None, 2, "0.13"),
        (-0.125, None, 2, f"{MINUS}0.13"),
        (1.15, None, 1, "1.2"),
    ],
)
def test_format_number(value: float, unit: str | None, decimals: int | None, expected: str) -> None:
    assert format_number(value, unit, decimals=decimals) == expected


# Units as publishers write them: those of the example, then those of a national statistics
# package (the UK's SDG indicators). After a number each reads as a sentence would say it.
@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (310, "households", "310 households"),
        (41, "%", "41%"),
        (64, "people", "64 people"),
        (2140, "reports", "2,140 reports"),
        (1, "reports", "1 report"),
        (62, "per 100,000 collections", "62 per 100,000 collections"),
        (6.7, "Rate per 100,000 population", "6.7 per 100,000 population"),
        (45.5, "Percentage (%)", "45.5%"),
        (45.5, "Percentage", "45.5%"),
        (45.5, "Percentage of adults", "45.5% of adults"),
        (45.5, "% of pupils", "45.5% of pupils"),
        (1234, "Number", "1,234"),
        (1234, "Number of people", "1,234 people"),
        (1, "Number of people", "1 person"),
        (0.95, "Ratio", "0.95"),
        (78.5, "Years", "78.5 years"),
        (1, "Years", "1 year"),
        (3.9, "Per 1,000 live births", "3.9 per 1,000 live births"),
        (1.15, "£ million", "£1.15 million"),
        (1.15, "£m", "£1.15m"),
        (12, "Tonnes CO2e", "12 tonnes CO2e"),
        (12, "GWh", "12 GWh"),
    ],
)
def test_units_read_naturally_after_a_number(value: float, unit: str, expected: str) -> None:
    assert format_number(value, unit) == expected


def test_differences_of_percentages_are_points() -> None:
    assert format_difference(-5, "%") == "5 percentage points"
    assert format_difference(1, "%") == "1 percentage point"
    assert format_difference(-5, "Percentage of adults") == "5 percentage points"
    assert format_difference(-300, "£") == "£300"
    assert format_difference(2.5, "days") == "2.5 days"
    assert format_difference(1e-9, "days") == "less than 0.0001 days"
    assert format_difference(1e-9, "£") == "less than £0.0001"
    assert format_difference(1e-9, "%") == "less than 0.0001 percentage points"


def test_interval() -> None:
    assert format_interval(40, 50, "%") == "40% to 50%"
    assert format_interval(None, 50, "%") == ""
    assert format_interval(97.49863969529174, 97.5, "%") == "97.499% to 97.500%"


@pytest.mark.parametrize(
    ("first", "second", "unit", "expected"),
    [
        # The sentence: "It fell by 0.05 ... from 6.7 ... to 6.7".
        (
            6.75,
            6.7,
            "Rate per 100,000 population",
            (
                "6.75 per 100,000 population",
                "6.7 per 100,000 population",
                "0.05 per 100,000 population",
            ),
        ),
        (97.5, 97.32, "%", ("97.5%", "97.32%", "0.18 percentage points")),
        # Alike at their own decimals: both get the fewest that tell them apart.
        (97.5, 97.49863969529174, "%", ("97.500%", "97.499%", "0.0014 percentage points")),
        (12.34567, 12.34612, None, ("12.3457", "12.3461", "0.0005")),
        (1.15, 1.125, "£ million", ("£1.15 million", "£1.125 million", "£0.025 million")),
        (40, 40, "%", ("40%", "40%", "0 percentage points")),
    ],
)
def test_change_reads_two_figures_apart(
    first: float, second: float, unit: str | None, expected: tuple[str, str, str]
) -> None:
    change = format_change(first, second, unit)
    assert (change.first, change.second, change.difference) == expected


@pytest.mark.parametrize(
    ("text", "label", "phrase"),
    [
        ("2024/25", "2024/25", "in 2024/25"),
        ("2024", "2024", "in 2024"),
        ("2026-Q1", "January to March 2026", "in January to March 2026"),
        ("2024-Q4", "October to December 2024", "in October to December 2024"),
        ("2026-03", "March 2026", "in March 2026"),
        ("2026-03-31", "31 March 2026", "on 31 March 2026"),
        ("not a period", "not a period", "in not a period"),
    ],
)
def test_periods_read_as_english_does(text: str, label: str, phrase: str) -> None:
    assert format_period(text) == label
    assert period_phrase(text) == phrase


def test_format_date() -> None:
    assert format_date(dt.date(2025, 4, 1)) == "1 April 2025"
    assert format_date(dt.datetime(2025, 12, 25, 9, 30)) == "25 December 2025"


def test_ticks_share_the_step_decimals_and_show_no_float_noise() -> None:
    assert format_ticks([0, 0.1, 0.2, 0.30000000000000004]) == ["0.0", "0.1", "0.2", "0.3"]
    assert format_ticks([0, 500_000, 1_000_000]) == ["0", "0.5 million", "1.0 million"]
    assert format_ticks([0, 20, 40]) == ["0", "20", "40"]


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_numbers_never_use_a_hyphen_or_scientific_notation(value: float) -> None:
    text = format_number(value, "people")
    assert "-" not in text and "e+" not in text and "e-" not in text and "E" not in text
    if value >= 0:
        assert not text.startswith(MINUS)
    elif value <= -(10**-MAX_DECIMALS):
        assert text.startswith(MINUS)


# -- reading a figure back --------------------------------------------------------------------

_SCALES = {"million": Decimal(10**6), "billion": Decimal(10**9)}
_FIGURE = re.compile(r"^(−?)[£€$]?([\d,]+(?:\.\d+)?)(?: (million|billion))?")


def read_back(text: str, unit: str | None = None) -> Decimal:
    """The number a reader takes from a figure as pvreport writes it ("−£1.15 million" ...);
    "million" in a unit ("£ million per year") is the unit's, not the number's."""
    found = _FIGURE.match(text)
    assert found is not None, text
    number = Decimal(found.group(2).replace(",", ""))
    if found.group(3) and found.group(3) not in (unit or ""):
        number *= _SCALES[found.group(3)]
    return -number if found.group(1) else number


UNITS = [
    "%",
    "£",
    "£ million per year",
    "Rate per 100,000 population",
    "Number of people",
    "days",
    None,
    "Percentage of adults",
    "Ratio",
]

# A value as a publisher writes it: up to 3 decimals, any size a report holds.
written = st.builds(
    lambda whole, decimals, places: Decimal(whole) + Decimal(decimals).scaleb(-places),
    st.integers(-(10**9), 10**9),
    st.integers(0, 999),
    st.integers(0, 3),
).map(lambda d: float(d))


@given(written, st.sampled_from(UNITS))
def test_a_written_value_reads_back_as_the_same_number(value: float, unit: str | None) -> None:
    assert read_back(format_number(value, unit), unit) == Decimal(repr(value))
    assert read_back(format_interval(value, value + 1, unit), unit) == Decimal(repr(value))


@given(written, written, st.sampled_from(UNITS))
def test_two_written_values_compared_read_back_as_themselves(
    first: float, second: float, unit: str | None
) -> None:
    change = format_change(first, second, unit)
    assert read_back(change.first, unit) == Decimal(repr(first))
    assert read_back(change.second, unit) == Decimal(repr(second))
    size = read_back(change.difference, unit)
    assert size == abs(Decimal(repr(second)) - Decimal(repr(first)))


@given(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
)
def test_figures_that_differ_at_the_shown_precision_never_read_the_same(
    first: float, second: float
) -> None:
    change = format_change(first, second, "%")
    at_cap = Decimal(10) ** -MAX_DECIMALS
    apart = Decimal(repr(first)).quantize(at_cap) != Decimal(repr(second)).quantize(at_cap)
    if apart:
        assert change.first != change.second
    if change.first == change.second:
        assert not apart


@given(
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(allow_nan=False, allow_infinity=False),
)
def test_any_finite_figure_is_written_without_error(first: float, second: float) -> None:
    # 1e300 needs more digits than the decimal module's default context holds.
    change = format_change(first, second, "£")
    assert change.first and change.second and change.difference
    assert format_interval(first, second, "%")


def test_zeros_the_publisher_wrote_stay_and_equal_floats_do_not_share_a_reading() -> None:
    assert format_number(97.5, "%") == "97.5%"
    assert format_number(WrittenNumber("97.50"), "%") == "97.50%"
    assert format_number(97.5, "%") == "97.5%"  # the cache keeps the two apart
    assert format_number(WrittenNumber("12.0"), "days") == "12.0 days"
    assert format_number(WrittenNumber("1.000000"), None) == "1"  # beyond 4 decimals: a tail
    assert read_number("97.50") == 97.5 and isinstance(read_number("97.5"), float)
    change = format_change(WrittenNumber("12.50"), WrittenNumber("10.50"), "%")
    assert change.difference == "2.00 percentage points"


@pytest.mark.parametrize(
    ("unit", "words"),
    [
        ("%", "per cent"),
        ("Percentage (%)", "per cent"),
        ("Percentage of adults", "per cent of adults"),
        ("Rate per 100,000 population", "rate per 100,000 population"),
        ("Years", "years"),
        ("£ million per year", "pounds million per year"),
        ("days", "days"),
    ],
)
def test_a_unit_in_words_for_captions_and_axes(unit: str, words: str) -> None:
    assert unit_in_words(unit) == words


def test_two_sizes_of_change_compared_read_apart() -> None:
    assert format_differences(-0.12043, 0.12, "days") == ("0.1204 days", "0.1200 days")
    assert format_differences(0.05, 0.1, "%") == ("0.05 percentage points", "0.1 percentage points")
    assert format_differences(1e-9, 0.1, "£") == ("less than £0.0001", "£0.1")


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("2025/26", "by 2025/26"),
        ("2026", "by 2026"),
        ("2026-03", "by March 2026"),
        ("2026-03-31", "by 31 March 2026"),
        ("2026-Q1", "for January to March 2026"),
    ],
)
def test_a_target_period_reads_as_english(text: str, phrase: str) -> None:
    from pvreport.report.formatting import by_period

    assert by_period(text) == phrase
