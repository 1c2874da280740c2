"""Numbers, periods and dates as people read them: one table of hand-written expectations."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pvreport.formatting import (
    MINUS,
    format_date,
    format_difference,
    format_interval,
    format_number,
    format_period,
)


@pytest.mark.parametrize(
    ("value", "unit", "decimals", "expected"),
    [
        (45, "%", None, "45%"),
        (45.26, "%", None, "45.3%"),
        (0.5, "%", None, "0.5%"),
        (12.5, "%", 2, "12.50%"),
        (1_234_567, "£", None, "£1.2 million"),
        (1_000_000, "£", None, "£1 million"),
        (2_500_000_000, "£", None, "£2.5 billion"),
        (12_300, "£", None, "£12,300"),
        (-300, "£ per year", None, f"{MINUS}£300 per year"),
        (3.5, "days", None, "3.5 days"),
        (1, "days", None, "1 day"),
        (1234, "people", None, "1,234 people"),
        (1, "people", None, "1 person"),
        (7.0, "complaints per 1,000 homes", None, "7 complaints per 1,000 homes"),
        (0.256, None, None, "0.26"),
        (150.4, None, None, "150"),
        (-0.001, None, None, "0"),
        (-2.5, "%", None, f"{MINUS}2.5%"),
    ],
)
def test_format_number(value: float, unit: str | None, decimals: int | None, expected: str) -> None:
    assert format_number(value, unit, decimals=decimals) == expected


def test_differences_of_percentages_are_points() -> None:
    assert format_difference(-5, "%") == "5 percentage points"
    assert format_difference(1, "%") == "1 percentage point"
    assert format_difference(-300, "£") == "£300"
    assert format_difference(2.5, "days") == "2.5 days"


def test_interval() -> None:
    assert format_interval(40, 50, "%") == "40% to 50%"
    assert format_interval(None, 50, "%") == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024/25", "2024/25"),
        ("2024", "2024"),
        ("2024-Q1", "Q1 2024"),
        ("2024-03", "March 2024"),
        ("2024-03-31", "31 March 2024"),
        ("not a period", "not a period"),
    ],
)
def test_format_period(text: str, expected: str) -> None:
    assert format_period(text) == expected


def test_format_date() -> None:
    assert format_date(dt.date(2025, 4, 1)) == "1 April 2025"
    assert format_date(dt.datetime(2025, 12, 25, 9, 30)) == "25 December 2025"


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_numbers_never_use_a_hyphen_or_scientific_notation(value: float) -> None:
    text = format_number(value, "people")
    assert "-" not in text and "e+" not in text and "e-" not in text
    if value >= 0:
        assert not text.startswith(MINUS)
    elif value <= -0.005:
        assert text.startswith(MINUS)
