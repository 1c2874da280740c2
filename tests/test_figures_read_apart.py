"""No sentence on any page compares two figures that read the same but differ in the data.

"It fell by 0.05 from 6.7 to 6.7" is the defect: both figures were rounded alike. The pages of
the example, of a generated M package and of a package whose figures have long computed tails
(as national statistics publish them) are rendered, and every sentence that compares two figures
is found by its shape: a change ("from A ... to B"), a target ("the latest result, B, is ... the
target of A") and an equity gap ("the group with the best result (G, A) and the group with the
worst result (H, B)"). The status records tie the shapes to the data: each status that compares
two different values has its sentence on its page, in one of the shapes, so the shapes cannot
silently stop matching.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import html
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import AS_OF, BASE, copy_base
from hypothesis import given, settings
from hypothesis import strategies as st
from test_formatting import UNITS, read_back, written

from pvreport import build, contract, synthetic
from pvreport.report import derive, load, visibility
from pvreport.report.formatting import format_change, format_interval, format_number
from pvreport.report.model import Report, Result
from pvreport.site import render, svg
from pvreport.tables import read
from pvreport.validate import validate_package

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "datapackages" / "example"

# A figure as pages write it: sign, currency, digits, and a scale word where there is one.
NUM = r"−?[£€$]?\d[\d,]*(?:\.\d+)?(?: (?:million|billion)\b)?"
CHANGE = re.compile(
    rf"(?:[Ff]rom|[Ff]rom the baseline of|from the first result of) (?P<a>{NUM})[^;.]*? "
    rf"(?:in|on) [^;]*? to (?P<b>{NUM})"
)
TARGET = re.compile(
    rf"[Tt]he latest result, (?P<b>{NUM}).*?, is (?:above|below|[^;]*? short of) "
    rf"the target of (?P<a>{NUM})"
)
GAP_PAGE = re.compile(
    rf"best result \(.*?, (?P<a>{NUM})[^()]*\) and the group with the worst result \(.*?, "
    rf"(?P<b>{NUM})[^()]*\) was (?P<d>\S+)"
)
GAP_ALT = re.compile(
    rf"the group with the worst result is .*?, at (?P<b>{NUM})[^:]*: (?P<d>\S+) "
    rf"[^:]*?(?:below|above) .*?, at (?P<a>{NUM})"
)


def comparisons(text: str) -> Iterator[tuple[str, str, str, str | None]]:
    """(shape, first figure, second figure, difference) of every comparison in a page."""
    for line in html.unescape(text).splitlines():
        for shape, pattern in (("change", CHANGE), ("target", TARGET)):
            for found in pattern.finditer(line):
                yield shape, found["a"], found["b"], None
        for shape, pattern in (("gap", GAP_PAGE), ("gap", GAP_ALT)):
            for found in pattern.finditer(line):
                yield shape, found["a"], found["b"], found["d"]


def long_tails(target: Path) -> Path:
    """The base package with figures as a national statistics body publishes them: a rate that
    moved from 6.75 to 6.7, a percentage computed to 14 decimals, groups apart by less than 0.01."""
    package = copy_base(target)
    with (package / "indicators.csv").open(newline="", encoding="utf-8") as f:
        header = next(csv.reader(f))

    def indicator(**cells: str) -> list[str]:
        row = {"objective_id": "safe-homes", "kind": "outcome", "proxy": "false",
               "method": "Computed by the statistics office.", "source": "National statistics",
               "visibility": "public", "next_update": "2027-09-30"}  # fmt: skip
        row.update(cells)
        return [row.get(column, "") for column in header]

    with (package / "indicators.csv").open("a", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([
            indicator(id="suicide-rate", title="Deaths by suicide", direction="decrease",
                      unit="Rate per 100,000 population"),
            indicator(id="adults-in-work", title="Adults in work", direction="increase",
                      unit="Percentage of adults", target_value="97.5", target_period="2027"),
        ])  # fmt: skip
    with (package / "results.csv").open(newline="", encoding="utf-8") as f:
        header = next(csv.reader(f))

    def result(indicator_id: str, period: str, value: str, group: str = "all") -> list[str]:
        row = {"indicator_id": indicator_id, "period": period, "group": group, "value": value,
               "status": "final"}  # fmt: skip
        return [row.get(column, "") for column in header]

    with (package / "results.csv").open("a", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([
            result("suicide-rate", "2025-03-31", "6.75"),
            result("suicide-rate", "2026-03-31", "6.7"),
            result("adults-in-work", "2024", "97.5"),
            result("adults-in-work", "2025", "97.49863969529174"),
            result("adults-in-work", "2025", "97.4951", "sex: female"),
            result("adults-in-work", "2025", "97.4986396", "sex: male"),
        ])  # fmt: skip
    return package


def package(kind: str, tmp_path: Path) -> Path:
    if kind == "example":
        return EXAMPLE
    if kind == "M":
        return synthetic.generate(tmp_path / "m", "M", seed=0)
    return long_tails(tmp_path / "long-tails")


@pytest.mark.parametrize("kind", ["example", "M", "long tails"])
def test_no_sentence_compares_figures_that_read_the_same(kind: str, tmp_path: Path) -> None:
    validation = validate_package(package(kind, tmp_path), as_of=AS_OF)
    assert validation.ok, [p for p in validation.problems if p.is_error][:5]
    assert validation.descriptor is not None
    site = build.render_report(validation, build.Clock.make(AS_OF))
    pages = {p.src: html.unescape(p.text) for p in site.rendered.pages}

    # Every comparison on every page: figures that read the same are only those of a gap of 0.
    found = 0
    for src, text in pages.items():
        for shape, first, second, difference in comparisons(text):
            found += 1
            assert first != second or difference == "0", (src, shape, first, second)

    # The status records: every sentence that compares two different values is on its page and
    # has one of the shapes above, so the shapes do find the sentences that matter.
    report, _ = visibility.withhold(load.to_report(validation.descriptor, validation.tables),
                                    now=build.Clock.make(AS_OF).now)  # fmt: skip
    statuses = derive.report_statuses(report, as_of=AS_OF)
    compared = 0
    for indicator_id, status in statuses.items():
        page = pages[f"indicators/{indicator_id}.md"]
        latest = status.latest
        if latest is None:
            continue
        if status.reference_value is not None and status.reference_value != latest.value:
            compared += 1
            assert status.reason in page
            assert any(shape == "change" for shape, *_ in comparisons(status.reason)), status.reason
        if status.target_value is not None and status.target_value != latest.value:
            compared += 1
            assert status.target_reason in page
            assert any(shape == "target" for shape, *_ in comparisons(status.target_reason)), (
                status.target_reason
            )
    for indicator_id, gaps in derive.report_gaps(report).items():
        for gap in gaps:
            if gap.best_value != gap.worst_value:
                compared += 1
                assert any(shape == "gap" for shape, *_ in
                           comparisons(pages[f"indicators/{indicator_id}.md"]))  # fmt: skip
    assert compared > 0 and found >= compared


# -- a written value reads back as itself, wherever it is shown ---------------------------------


@functools.cache
def _base_report() -> tuple[Report, visibility.Withheld]:
    validation = validate_package(BASE, as_of=AS_OF)
    assert validation.ok and validation.descriptor is not None
    full = load.to_report(validation.descriptor, validation.tables)
    return visibility.withhold(full, now=build.Clock.make(AS_OF).now)


def _figures(text: str, unit: str | None) -> list[Decimal]:
    return [read_back(found.group(0), unit) for found in re.finditer(NUM, text)]


@settings(max_examples=15, deadline=None)
@given(written, written, written, st.sampled_from(UNITS))
def test_a_written_value_reads_back_on_pages_tables_alt_texts_and_chart_labels(
    first: float, second: float, group: float, unit: str | None
) -> None:
    report, withheld = _base_report()
    ind = dataclasses.replace(
        report.indicators[0], unit=unit or "", baseline_period=None, baseline_value=None,
        target_period="2026/27", target_value=group,
    )  # fmt: skip
    mine = (
        Result(ind.id, "2024/25", "all", first),
        Result(ind.id, "2025/26", "all", second),
        Result(ind.id, "2025/26", "age: 16-24", group),
        Result(ind.id, "2025/26", "age: 25-64", first),
        Result(ind.id, "2025/26", "age: 65+", second),
    )
    report = dataclasses.replace(
        report,
        indicators=(ind, *report.indicators[1:]),
        results=(*mine, *(r for r in report.results if r.indicator_id != ind.id)),
    )
    statuses = derive.report_statuses(report, as_of=AS_OF)
    gaps = derive.report_gaps(report)
    by_page = build.page_charts(report, statuses, AS_OF, gaps)
    rendered = render.render_site(render.Inputs(
        report=report, withheld=withheld, as_of=AS_OF, statuses=statuses, charts=by_page, gaps=gaps
    ))  # fmt: skip
    page = next(html.unescape(p.text) for p in rendered.pages if p.src == f"indicators/{ind.id}.md")
    first_d, second_d, group_d = (Decimal(repr(v)) for v in (first, second, group))

    # Pages: the results table, row by row.
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th><td>([^<]+)</td>', page))
    assert read_back(rows["2024/25"], unit) == first_d
    assert read_back(rows["2025/26"], unit) == second_d
    # The tables of the charts' data.
    trend, breakdown = by_page[f"indicators/{ind.id}"][:2]
    assert [read_back(row[1], unit) for row in trend.rows] == [first_d, second_d]
    assert [read_back(row[1], unit) for row in breakdown.rows] == [group_d, first_d, second_d]
    # Alt texts.
    if first_d == second_d:
        told = re.match(rf"Stayed at ({NUM})", trend.alt)
        assert told is not None and read_back(told[1], unit) == first_d, trend.alt
    else:
        told = re.match(rf"(?:Rose|Fell) from ({NUM}).*? in 2024/25 to ({NUM})", trend.alt)
        assert told is not None, trend.alt
        assert (read_back(told[1], unit), read_back(told[2], unit)) == (first_d, second_d)
    told = re.search(
        rf"All groups: 16-24 ({NUM}).*, 25-64 ({NUM}).* and 65\+ ({NUM})", breakdown.alt
    )
    assert told is not None, breakdown.alt
    assert [read_back(told[i], unit) for i in (1, 2, 3)] == [group_d, first_d, second_d]
    # Chart labels: the interactive chart's, and the static chart's.
    for layer in trend.spec["layer"]:
        for point in layer.get("data", {}).get("values", []):
            if "period" in point:
                assert read_back(point["label"], unit) == Decimal(repr(point["value"]))
    drawn = re.findall(rf">({NUM}[^<]*)</t", svg.draw(trend.drawing))
    assert second_d in {read_back(label, unit) for label in drawn}, drawn


# -- zeros the publisher wrote ------------------------------------------------------------------


@pytest.mark.parametrize("by_column", [False, True])
def test_a_value_keeps_the_zeros_it_was_written_with(tmp_path: Path, by_column: bool) -> None:
    # "97.50" is read as the number 97.5 and shown as written, by row (small files) and by
    # column (large files) alike; a rounded long tail still drops its zeros.
    path = tmp_path / "results.csv"
    path.write_text(
        "indicator_id,period,group,value,lower,upper\n"
        "i,2024,all,97.50,97.0,98.00\n"
        "i,2025,all,97.32,,\n"
        "i,2026,all,12,,\n",
        encoding="utf-8",
    )
    parsed = read.parse_arrow(path) if by_column else None
    assert (parsed is not None) == by_column
    table = read.read_table("results", path, "results.csv", contract.schema("results"),
                            parsed=parsed)  # fmt: skip
    values = [row.get("value") for row in table.rows]
    assert values == [97.5, 97.32, 12]
    assert [format_number(v, "%") for v in values] == ["97.50%", "97.32%", "12%"]
    first = table.rows[0]
    assert format_interval(first.get("lower"), first.get("upper"), "%") == "97.0% to 98.00%"
    change = format_change(values[0], values[1], "%")
    assert (change.first, change.second, change.difference) == (
        "97.50%", "97.32%", "0.18 percentage points",
    )  # fmt: skip
