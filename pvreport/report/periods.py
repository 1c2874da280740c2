"""Reporting periods as the contract writes them, and their dates.

Forms: ``2024`` (calendar year), ``2024/25`` (financial year, April to March), ``2024-Q1``
(calendar quarter), ``2024-03`` (month), ``2024-03-31`` (a day). Periods sort by start date.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import functools
import re
from typing import Literal

Form = Literal["year", "financial-year", "quarter", "month", "day"]

_PATTERNS: tuple[tuple[Form, re.Pattern[str]], ...] = (
    ("year", re.compile(r"^(\d{4})$")),
    ("financial-year", re.compile(r"^(\d{4})/(\d{2})$")),
    ("quarter", re.compile(r"^(\d{4})-Q([1-4])$")),
    ("month", re.compile(r"^(\d{4})-(\d{2})$")),
    ("day", re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")),
)

FORM_EXAMPLES = "2024, 2024/25, 2024-Q1, 2024-03 or 2024-03-31"


#: The forms, each with what it means, for hints.
FORMS_EXPLAINED = (
    "2024 (a calendar year), 2024/25 (a financial year), 2024-Q1 (a quarter), 2024-03 (a month) "
    "or 2024-03-31 (a day)"
)


def suggest_period(text: str) -> str | None:
    """The period in a contract form that a cell in another form most likely means
    (``2024-2025`` and ``2024-25`` give ``2024/25``, ``Q1 2024`` gives ``2024-Q1``, ``March 2024``
    gives ``2024-03``, ``31/03/2024`` gives ``2024-03-31``), or None."""
    from ..tables import moments

    cell = " ".join(text.strip().split()).lower()
    if found := re.fullmatch(r"(?:fy\s*)?(\d{4})\s*(?:/|-|to)\s*(\d{2}|\d{4})", cell):
        start, end = int(found[1]), int(found[2])
        if (len(found[2]) == 4 and end == start + 1) or (
            len(found[2]) == 2 and end == (start + 1) % 100
        ):
            return f"{start}/{(start + 1) % 100:02d}"
        return None
    if found := re.fullmatch(r"q([1-4])\s*[-/ ]?\s*(\d{4})|(\d{4})\s*[-/ ]?\s*q([1-4])", cell):
        quarter, year = (found[1], found[2]) if found[1] else (found[4], found[3])
        return f"{year}-Q{quarter}"
    if found := re.fullmatch(r"(\d{4})-(\d)", cell):
        return f"{found[1]}-0{found[2]}"
    if (found := re.fullmatch(r"([a-z]+)\.?,?\s+(\d{4})", cell)) and found[1] in moments.MONTHS:
        return f"{found[2]}-{moments.MONTHS[found[1]]:02d}"
    if (found := re.fullmatch(r"(\d{1,2})[/.-](\d{4})", cell)) and 1 <= int(found[1]) <= 12:
        return f"{found[2]}-{int(found[1]):02d}"
    date = moments.guess_date(cell)
    return date.isoformat() if date is not None and date.isoformat() != text.strip() else None


class PeriodError(ValueError):
    """A period string that is not one of the contract's forms, or names no real date."""


@dataclasses.dataclass(frozen=True, order=True)
class Period:
    """A parsed period; :mod:`pvreport.report.formatting` writes it in words ("January to March 2024")."""

    start: dt.date
    end: dt.date
    text: str = dataclasses.field(compare=False)
    form: Form = dataclasses.field(compare=False)


# Pure, and called for every result row by the rules: cached like parse_period.
@functools.lru_cache(maxsize=65536)
def period_form(text: str) -> Form | None:
    """The form of a period string, or None when it matches none."""
    for form, pattern in _PATTERNS:
        if pattern.match(text):
            return form
    return None


# A national report repeats the same few hundred periods across a million rows; periods are
# frozen, so one parse per distinct text is enough (errors are not cached, they raise again).
@functools.lru_cache(maxsize=65536)
def parse_period(text: str) -> Period:
    """Parse a contract period; raise :class:`PeriodError` with a plain message otherwise."""
    text = text.strip()
    form = period_form(text)
    if form is None:
        raise PeriodError(f"'{text}' is not a period; write it as {FORM_EXAMPLES}")
    nums = [int(n) for n in re.findall(r"\d+", text)]
    year = nums[0]
    try:
        if form == "year":
            return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), text, form)
        if form == "financial-year":
            if nums[1] != (year + 1) % 100:
                raise PeriodError(
                    f"'{text}' is not a financial year: the second part must be the next year, "
                    f"as in {year}/{(year + 1) % 100:02d}"
                )
            return Period(dt.date(year, 4, 1), dt.date(year + 1, 3, 31), text, form)
        if form == "quarter":
            q = int(text[-1])
            first = 3 * (q - 1) + 1
            last = first + 2
            return Period(
                dt.date(year, first, 1),
                dt.date(year, last, calendar.monthrange(year, last)[1]),
                text,
                form,
            )
        if form == "month":
            month = nums[1]
            return Period(
                dt.date(year, month, 1),
                dt.date(year, month, calendar.monthrange(year, month)[1]),
                text,
                form,
            )
        day = dt.date(year, nums[1], nums[2])
        return Period(day, day, text, form)
    except ValueError as exc:
        if isinstance(exc, PeriodError):
            raise
        raise PeriodError(f"'{text}' names no real date ({exc})") from None
