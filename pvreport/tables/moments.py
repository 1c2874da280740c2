"""Moments (``embargo_until``): the one reader used by validation and by loading, and the
one clock they are judged by (:class:`Clock`).

A moment the validator accepts is exactly a moment the loader reads, because both call
:func:`parse_moment`; a cell it cannot read is an error of validation, never "no embargo".

Accepted forms (ISO 8601, as spreadsheets and people write it):

- a date, ``2027-04-05``: the start of that day in UTC;
- a date and time, ``2027-04-05T09:30`` or ``2027-04-05T09:30:00`` (seconds may have a
  fraction), with ``T``, ``t`` or a space between date and time, and a time zone: ``Z`` or
  ``z`` for UTC, or an offset ``+01:00`` / ``+0100`` / ``+01``. Without a zone the time is UTC.
- ``24:00`` (or ``24:00:00``) is the end of that day, the next day's midnight.

Anything else (``soon``, ``2027-02-30``, ``25:00``, ``09:00:00 BST``) cannot be read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re

_MOMENT = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[Tt ](?P<hour>\d{2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,9}))?)?"
    r"(?P<zone>[Zz]|[+-]\d{2}(?::?\d{2})?)?)?",
    re.ASCII,
)

#: How to write a moment, for hints.
HINT = (
    "Write the moment as YYYY-MM-DDTHH:MM:SSZ (UTC), for example 2026-05-01T09:30:00Z, "
    "with an offset such as 2026-05-01T10:30:00+01:00, or as a date, 2026-05-01, meaning "
    "the start of that day in UTC."
)


def parse_moment(text: str) -> dt.datetime:
    """A moment cell as an aware datetime; ``ValueError`` when it is in no accepted form."""
    found = _MOMENT.fullmatch(text.strip())
    if found is None:
        raise ValueError(f"{text!r} is not a moment in an accepted form")
    date = dt.date.fromisoformat(found["date"])
    if found["hour"] is None:
        return dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC)
    hour, minute = int(found["hour"]), int(found["minute"])
    second = int(found["second"] or 0)
    fraction = found["fraction"] or ""
    micro = int((fraction + "000000")[:6]) if fraction else 0
    next_day = False
    if hour == 24:
        # 24:00 is the end of the day: allowed only exactly, as the next day's midnight.
        if minute or second or (fraction and int(fraction)):
            raise ValueError(f"{text!r}: 24 is allowed only as 24:00")
        hour, next_day = 0, True
    zone = found["zone"]
    tz: dt.tzinfo = dt.UTC
    if zone and zone not in "Zz":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:] or 0)
        if hours > 23 or minutes > 59:
            raise ValueError(f"{text!r}: no such time zone offset")
        tz = dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    # datetime() refuses hours, minutes and seconds out of range (25:00, 09:60, 09:00:61).
    moment = dt.datetime(date.year, date.month, date.day, hour, minute, second, micro, tzinfo=tz)
    if next_day:
        moment += dt.timedelta(days=1)
    return moment


MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_DAY_MONTH_NAME = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})")
_MONTH_NAME_DAY = re.compile(r"([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})")
_TIME = re.compile(r"(?:^|\s|T)(\d{1,2})[:.](\d{2})(?::(\d{2}))?\s*(am|pm)?(?:\s*([a-z]+))?$")
_ZONES = {"z": "Z", "utc": "Z", "gmt": "Z", "bst": "+01:00"}


def guess_date(text: str) -> dt.date | None:
    """The date a person most likely meant by a date in another form (``1 June 2026``,
    ``01/06/2026``, read day first as in the UK), or None. For suggestions only: never read
    as a date."""
    text = text.strip().lower()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    day = month = year = None
    if found := _DAY_FIRST.fullmatch(text):
        day, month, year = (int(g) for g in found.groups())
    elif (found := _DAY_MONTH_NAME.fullmatch(text)) and found[2] in MONTHS:
        day, month, year = int(found[1]), MONTHS[found[2]], int(found[3])
    elif (found := _MONTH_NAME_DAY.fullmatch(text)) and found[1] in MONTHS:
        day, month, year = int(found[2]), MONTHS[found[1]], int(found[3])
    if day is None or month is None or year is None:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def suggest_moment(text: str) -> str | None:
    """A moment in an accepted form for a cell that is in none (``1 June 2026 09:30 BST`` gives
    ``2026-06-01T09:30:00+01:00``), or None where no reading is likely."""
    text = " ".join(text.strip().split())
    time = _TIME.search(text.lower())
    rest = text[: time.start()].strip() if time else text
    date = guess_date(rest)
    if date is None:
        return None
    if time is None:
        return date.isoformat()
    hour, minute, second = int(time[1]), int(time[2]), int(time[3] or 0)
    if time[4] == "pm" and hour < 12:
        hour += 12
    elif time[4] == "am" and hour == 12:
        hour = 0
    zone = _ZONES.get(time[5] or "z")
    if zone is None or hour > 23 or minute > 59 or second > 59:
        return None
    return f"{date.isoformat()}T{hour:02d}:{minute:02d}:{second:02d}{zone}"


@dataclasses.dataclass(frozen=True)
class Clock:
    """The one "now" of a run, taken once and passed through: validation, the build and the
    ``mkdocs serve`` plugin judge every embargo against ``now``, to the second, and statuses
    and overdue updates against ``today`` (``now``'s day in UTC). ``epoch`` is the fixed
    SOURCE_DATE_EPOCH the engine stamps pages with, where there is one."""

    now: dt.datetime
    epoch: int | None = None

    @property
    def today(self) -> dt.date:
        return self.now.date()

    @classmethod
    def make(cls, as_of: dt.date | None = None) -> Clock:
        """The clock of a run: ``as_of`` (``--as-of DATE``) is the start of that day in UTC, as
        a moment written as a date is (an embargo until that day has lifted, one until later
        that day has not); else ``SOURCE_DATE_EPOCH`` where it is set (reproducible builds),
        else the system clock, read once here."""
        env = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
        fixed = int(env) if env.isdigit() else None
        if as_of is not None:
            now = dt.datetime(as_of.year, as_of.month, as_of.day, tzinfo=dt.UTC)
            return cls(now, fixed if fixed is not None else int(now.timestamp()))
        if fixed is not None:
            return cls(dt.datetime.fromtimestamp(fixed, tz=dt.UTC), fixed)
        return cls(dt.datetime.now(dt.UTC).replace(microsecond=0))
