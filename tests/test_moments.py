"""One reader of moments (embargo_until) for validation and loading: what validates is read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import AS_OF, copy_base
from hypothesis import given, settings
from hypothesis import strategies as st

from pvreport.report import load
from pvreport.tables import moments, read
from pvreport.validate import validate_package

UTC = dt.UTC

#: Every accepted form, and the moment it means.
ACCEPTED = {
    "2027-06-01T09:00:00Z": dt.datetime(2027, 6, 1, 9, tzinfo=UTC),
    "2027-06-01T09:00:00z": dt.datetime(2027, 6, 1, 9, tzinfo=UTC),
    "2027-06-01t09:00:00z": dt.datetime(2027, 6, 1, 9, tzinfo=UTC),
    "2027-06-01 09:00:00Z": dt.datetime(2027, 6, 1, 9, tzinfo=UTC),
    "2027-06-01T09:00Z": dt.datetime(2027, 6, 1, 9, tzinfo=UTC),
    "2027-06-01T09:00:00": dt.datetime(2027, 6, 1, 9, tzinfo=UTC),
    "2027-06-01T09:00:00.25Z": dt.datetime(2027, 6, 1, 9, 0, 0, 250000, tzinfo=UTC),
    "2027-06-01T10:00:00+01:00": dt.datetime(2027, 6, 1, 9, tzinfo=UTC),
    "2027-06-01T10:00:00+0100": dt.datetime(2027, 6, 1, 9, tzinfo=UTC),
    "2027-06-01T08:00:00-01": dt.datetime(2027, 6, 1, 9, tzinfo=UTC),
    "2027-06-01T24:00:00Z": dt.datetime(2027, 6, 2, tzinfo=UTC),
    "2027-12-31T24:00Z": dt.datetime(2028, 1, 1, tzinfo=UTC),
    "2027-04-05": dt.datetime(2027, 4, 5, tzinfo=UTC),
    " 2027-04-05 ": dt.datetime(2027, 4, 5, tzinfo=UTC),
}
REFUSED = [
    "soon",
    "2027-02-30",
    "2027-02-30T09:00:00Z",
    "2027-06-01T25:00:00Z",
    "2027-06-01T24:30:00Z",
    "2027-06-01T24:00:01Z",
    "2027-06-01T09:60:00Z",
    "2027-06-01T09:00:00 BST",
    "2027-06-01T09:00:00+24:00",
    "2027-6-1",
    "01/06/2027",
    "2027-06-01T09",
    "٢٠٢٧-06-01",
]


@pytest.mark.parametrize(("text", "moment"), ACCEPTED.items())
def test_each_accepted_form_is_read_as_its_moment(text: str, moment: dt.datetime) -> None:
    assert moments.parse_moment(text) == moment
    assert read.cast(text, {"type": "datetime"}) == moment


@pytest.mark.parametrize("text", REFUSED)
def test_other_forms_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        moments.parse_moment(text)
    assert read.cast(text, {"type": "datetime"}) is None


def _with_embargo(root: Path, cells: list[str]) -> Path:
    package = copy_base(root)
    rows = "".join(
        f"damp-homes,{2026 + i}/{(27 + i) % 100:02d},all,8,,,,provisional,{cell},\n"
        for i, cell in enumerate(cells)
    )
    with (package / "results.csv").open("a", encoding="utf-8", newline="") as handle:
        handle.write(rows)
    return package


@pytest.mark.parametrize("fast_rows", [10**12, None], ids=["reference", "columns"])
def test_validation_accepts_exactly_what_the_loader_reads(tmp_path: Path, fast_rows: int) -> None:
    """Both ways of reading a file (row by row, and by column for large files)."""
    cells = [*ACCEPTED, *REFUSED]
    package = _with_embargo(tmp_path / "package", [c.strip() for c in cells])
    result = validate_package(package, as_of=AS_OF, fast_rows=fast_rows)
    refused = {(p.line, p.field) for p in result.problems if p.code == "bad-moment"}
    first = 13  # the base file has a heading and 11 rows
    assert refused == {(first + i, "embargo_until") for i, c in enumerate(cells) if c in REFUSED}
    assert not [p for p in result.errors if p.code != "bad-moment"]
    problem = next(p for p in result.problems if p.code == "bad-moment")
    assert problem.hint and "2026-05-01T09:30:00Z" in problem.hint
    # What validation accepted, the model holds as its moment (never "no embargo").
    report = load.to_report(result.descriptor or {}, result.tables)
    read = {r.line: r.embargo_until for r in report.results}
    for i, cell in enumerate(cells):
        if cell in ACCEPTED:
            assert read[first + i] == ACCEPTED[cell]


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(
        min_value=dt.datetime(1900, 1, 1),
        max_value=dt.datetime(2200, 12, 31),
        timezones=st.sampled_from(
            [
                UTC,
                dt.timezone(dt.timedelta(hours=1)),
                dt.timezone(dt.timedelta(hours=-5, minutes=-30)),
                dt.timezone(dt.timedelta(hours=14)),
            ]
        ),
    ),
    z=st.sampled_from(["Z", "z", "+00:00"]),
    separator=st.sampled_from(["T", "t", " "]),
)
def test_any_moment_written_in_iso_8601_reads_back_as_itself(
    moment: dt.datetime, z: str, separator: str
) -> None:
    text = moment.isoformat(sep=separator)
    if moment.utcoffset() == dt.timedelta(0):
        text = text.removesuffix("+00:00") + z
    assert moments.parse_moment(text) == moment
    # A plain date is the start of that day in UTC.
    day = moment.date()
    assert moments.parse_moment(day.isoformat()) == dt.datetime(
        day.year, day.month, day.day, tzinfo=UTC
    )
