"""The contract's cross-resource rules (pvreport.validate.rules), one table of cases per rule.

Each case starts from a small clean package (``BASE``, which yields no problem at all), changes a
few cells, rows or files, reads the CSVs with the real ``read.read_table`` and runs every rule.
It then checks the exact (file, line, field, code) of every problem, so a rule that fires too
often, too rarely or in the wrong place fails. Near-miss variants that must stay clean sit beside
the bad ones.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import string
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pvreport import contract
from pvreport.problems import Problem, catalogue
from pvreport.tables import read
from pvreport.validate import rules

AS_OF = dt.date(2026, 5, 1)

DESCRIPTOR: dict[str, Any] = {
    "name": "test",
    "organisation": {"name": "Test Council", "purpose": "We test things."},
    "reporting_period": {"label": "2025/26", "start": "2025-04-01", "end": "2026-03-31"},
}

# Line numbers in the comments are the physical lines each row has in its file.
BASE: dict[str, str] = {
    "accountability": """\
id,name,direction,holds_us_to_account_for,mechanism
council,Full Council,upward,The budget,Scrutiny committee
""",
    "objectives": """\
id,title,summary,dimension,owner,parent_id,authorised_by,accountable_to,visibility
homes,Warm homes,Fewer damp homes.,outcome,Director of Housing,,eng-a,council,public
repairs,Fast repairs,Repairs done quickly.,service,Head of Repairs,homes,,,
""",
    "indicators": """\
id,objective_id,title,kind,unit,direction,baseline_period,baseline_value,target_period,target_value,counterbalance_id,method,source,visibility
damp,homes,Homes with damp,outcome,%,decrease,2023/24,12,2025/26,8,done,Stock survey,Survey,
done,homes,Damp repairs done,output,repairs,increase,2023/24,400,2025/26,600,,Count,Repairs system,
speed,repairs,Days to repair,outcome,days,decrease,,,,,,Average days,Repairs system,
""",
    "results": """\
indicator_id,period,group,value,lower,upper,embargo_until,note
damp,2023/24,all,12,,,,
damp,2024/25,all,10,,,,
damp,2025/26,all,9,8,10,,
damp,2025/26,age: 16-34,11,9,13,,
done,2023/24,all,400,,,,
done,2025/26,all,610,,,,
speed,2024/25,all,20,,,,
speed,2025/26,all,18,,,,
""",
    "engagements": """\
id,title,method,level,start_date,end_date,participants,audience,question,visibility
eng-a,Tenants' panel,deliberative,involve,2025-05-01,2025-06-30,24,Tenants,What first?,public
eng-b,Repairs survey,market_research,consult,2025-09-01,2025-09-30,500,Tenants,How fast?,
""",
    "engagement_profile": """\
engagement_id,dimension,category,participants_share,population_share
eng-a,age,16-34,30,35
eng-a,age,35 and over,70,65
eng-b,age,16-34,40,35
eng-b,age,35 and over,60,65
""",
    "decisions": """\
id,title,date,decided_by,summary,rationale,up_for_grabs,objective_ids,engagement_ids,status,visibility
d1,Damp first,2025-07-15,council,Damp before kitchens.,Damp harms health.,Which estates come first.,homes,eng-a,decided,public
d2,Repair hub,2025-12-01,council,A new repair hub.,Faster repairs.,,,,proposed,
""",
    "options": """\
decision_id,id,title,chosen,benefits,drawbacks,visibility
d1,move,Move money,true,Faster damp repairs,Kitchens wait,
d1,keep,Keep the plan,false,Kitchens on time,Damp stays,
d2,hub,Build a hub,false,Faster,Costly,
d2,none,No hub,false,Cheap,Slow,
""",
    "responses": """\
engagement_id,id,you_said,we_did,outcome,explanation,decision_id,visibility
eng-a,faster,Fix damp faster,We moved money,done,,d1,
eng-b,daily,Come every day,We will not,not_doing,It would cost too much.,,
""",
    "revisions": """\
date,resource,row_id,field,old_value,new_value,reason
2025-06-01,indicators,damp,target_value,10,8,The panel asked us to aim higher.
""",
    "labels": """\
text
age
""",
}


# Edits of the base package ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Cell:
    """Set one cell: the row on physical ``line`` of the base file (a new column is added)."""

    resource: str
    line: int
    field: str
    value: str


@dataclasses.dataclass(frozen=True)
class AddRow:
    resource: str
    cells: dict[str, str]


@dataclasses.dataclass(frozen=True)
class DropRows:
    """Remove rows by their base line; later rows move up in the written file."""

    resource: str
    lines: tuple[int, ...]


@dataclasses.dataclass(frozen=True)
class Drop:
    """The package does not have this resource at all."""

    resource: str


@dataclasses.dataclass(frozen=True)
class Unreadable:
    """The descriptor lists the resource but it could not be read (no table)."""

    resource: str


Edit = Cell | AddRow | DropRows | Drop | Unreadable


def write_csv(path: Path, text: str, edits: Sequence[Edit], name: str) -> None:
    reader = csv.DictReader(io.StringIO(text))
    header = list(reader.fieldnames or [])
    rows = [dict(r) for r in reader]
    for edit in edits:
        if isinstance(edit, Cell) and edit.resource == name:
            if edit.field not in header:
                header.append(edit.field)
            rows[edit.line - 2][edit.field] = edit.value
    for edit in edits:
        if isinstance(edit, AddRow) and edit.resource == name:
            rows.append(dict(edit.cells))
    dropped = {
        line for e in edits if isinstance(e, DropRows) and e.resource == name for line in e.lines
    }
    rows = [r for i, r in enumerate(rows, start=2) if i not in dropped]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def table_from_csv(tmp: Path, name: str, text: str, file: str | None = None) -> read.Table:
    """A read.Table from CSV text, read by the real reader from a throwaway file."""
    path = tmp / (file or f"{name}.csv")
    path.write_text(text, encoding="utf-8")
    return read.read_table(name, path, path.name, contract.schema(name))


def build(tmp: Path, edits: Sequence[Edit] = ()) -> tuple[dict[str, Any], dict[str, read.Table]]:
    dropped = {e.resource for e in edits if isinstance(e, Drop)}
    unreadable = {e.resource for e in edits if isinstance(e, Unreadable)}
    descriptor = dict(DESCRIPTOR)
    descriptor["resources"] = [
        {"name": n, "path": f"{n}.csv"} for n in contract.RESOURCES if n not in dropped
    ]
    tables = {}
    for name in contract.RESOURCES:
        if name in dropped or name in unreadable:
            continue
        write_csv(tmp / f"{name}.csv", BASE[name], edits, name)
        tables[name] = read.read_table(
            name, tmp / f"{name}.csv", f"{name}.csv", contract.schema(name)
        )
    return descriptor, tables


def run(tmp: Path, edits: Sequence[Edit] = (), as_of: dt.date = AS_OF) -> list[Problem]:
    descriptor, tables = build(tmp, edits)
    return list(rules.check(descriptor, tables, as_of=as_of))


def where(problems: Sequence[Problem]) -> list[tuple[str, int | None, str, str]]:
    return sorted((p.file or "", p.line, p.field or "-", p.code) for p in problems)


# The cases --------------------------------------------------------------------------------------

E = tuple[str, int | None, str, str]


@dataclasses.dataclass(frozen=True)
class Case:
    id: str
    edits: tuple[Edit, ...]
    expected: tuple[E, ...]


def case(id: str, *edits: Edit, expect: Sequence[E] = ()) -> Any:
    return pytest.param(Case(id, edits, tuple(expect)), id=id)


CASES = [
    # broken-list-reference
    case(
        "list-authorised-by-missing",
        Cell("objectives", 2, "authorised_by", "eng-a;eng-z"),
        expect=[("objectives.csv", 2, "authorised_by", "broken-list-reference")],
    ),
    case(
        "list-accountable-to-missing",
        Cell("objectives", 3, "accountable_to", "council; nobody"),
        expect=[("objectives.csv", 3, "accountable_to", "broken-list-reference")],
    ),
    case(
        "list-decision-two-missing",
        Cell("decisions", 2, "objective_ids", "homes;nope"),
        Cell("decisions", 2, "engagement_ids", "eng-x;eng-a"),
        expect=[
            ("decisions.csv", 2, "engagement_ids", "broken-list-reference"),
            ("decisions.csv", 2, "objective_ids", "broken-list-reference"),
        ],
    ),
    case(
        "list-two-missing-in-one-cell",
        Cell("objectives", 2, "authorised_by", "eng-y;eng-z"),
        expect=[("objectives.csv", 2, "authorised_by", "broken-list-reference")] * 2,
    ),
    case(
        "list-spaces-and-trailing-semicolon-clean",
        Cell("objectives", 2, "authorised_by", " eng-a ; eng-b ;"),
    ),
    # A list that breaks the cell's pattern is frictionless' to report, once.
    case(
        "list-commas-left-to-frictionless", Cell("objectives", 2, "authorised_by", "eng-a, eng-z")
    ),
    case(
        "list-target-unreadable-skipped",
        Unreadable("engagements"),
        Cell("objectives", 2, "authorised_by", "eng-z"),
    ),
    # reference-to-absent-resource
    case(
        "absent-engagements",
        Drop("engagements"),
        Drop("engagement_profile"),
        Drop("responses"),
        expect=[
            ("decisions.csv", 2, "engagement_ids", "reference-to-absent-resource"),
            ("objectives.csv", 2, "authorised_by", "reference-to-absent-resource"),
        ],
    ),
    case(
        "absent-decisions",
        Drop("decisions"),
        expect=[
            ("options.csv", line, "decision_id", "reference-to-absent-resource")
            for line in (2, 3, 4, 5)
        ]
        + [("responses.csv", 2, "decision_id", "reference-to-absent-resource")],
    ),
    case(
        "absent-decisions-and-options",
        Drop("decisions"),
        Drop("options"),
        expect=[("responses.csv", 2, "decision_id", "reference-to-absent-resource")],
    ),
    case("absent-revisions-clean", Drop("revisions")),
    # objective-parent-cycle
    case(
        "cycle-two",
        Cell("objectives", 2, "parent_id", "repairs"),
        expect=[("objectives.csv", 2, "parent_id", "objective-parent-cycle")],
    ),
    case(
        "cycle-self",
        Cell("objectives", 3, "parent_id", "repairs"),
        expect=[("objectives.csv", 3, "parent_id", "objective-parent-cycle")],
    ),
    case(
        "cycle-three",
        AddRow(
            "objectives",
            {
                "id": "third",
                "title": "T",
                "summary": "S",
                "dimension": "trust",
                "owner": "O",
                "parent_id": "repairs",
            },
        ),
        Cell("objectives", 2, "parent_id", "third"),
        expect=[("objectives.csv", 2, "parent_id", "objective-parent-cycle")],
    ),
    case(
        "deep-tree-clean",
        AddRow(
            "objectives",
            {
                "id": "leaf",
                "title": "T",
                "summary": "S",
                "dimension": "trust",
                "owner": "O",
                "parent_id": "repairs",
            },
        ),
        AddRow(
            "indicators",
            {
                "id": "leafy",
                "objective_id": "leaf",
                "title": "L",
                "kind": "outcome",
                "unit": "%",
                "direction": "increase",
                "method": "m",
                "source": "s",
            },
        ),
        AddRow(
            "results", {"indicator_id": "leafy", "period": "2025/26", "group": "all", "value": "3"}
        ),
    ),
    # counterbalance-is-itself
    case(
        "counterbalance-self",
        Cell("indicators", 2, "counterbalance_id", "damp"),
        expect=[("indicators.csv", 2, "counterbalance_id", "counterbalance-is-itself")],
    ),
    # reserved-id: a page's id that is an address the site uses itself
    case(
        "reserved-id",
        Cell("decisions", 3, "id", "index"),
        Cell("options", 5, "decision_id", "index"),
        Cell("options", 4, "decision_id", "index"),
        expect=[("decisions.csv", 3, "id", "reserved-id")],
    ),
    case(
        "reserved-id-within-a-longer-id-clean",
        Cell("decisions", 3, "id", "index-of-repairs"),
        Cell("options", 5, "decision_id", "index-of-repairs"),
        Cell("options", 4, "decision_id", "index-of-repairs"),
    ),
    # number-not-finite / number-too-large: in every number field, whatever the spelling
    *[
        case(
            f"not-finite-{spelling}",
            Cell("results", 3, "value", spelling),
            expect=[("results.csv", 3, "value", "number-not-finite")],
        )
        for spelling in ("NaN", "nan", "inf", "-Infinity", "+INF", "1e400")
    ],
    case(
        "too-large",
        Cell("results", 3, "value", "-1.7e308"),
        Cell("engagements", 2, "participants", str(10**16)),
        expect=[
            ("results.csv", 3, "value", "number-too-large"),
            ("engagements.csv", 2, "participants", "number-too-large"),
        ],
    ),
    case(
        "largest-figures-clean",
        Cell("results", 2, "value", "1e15"),
        Cell("results", 3, "value", "-1000000000000000"),
        Cell("engagements", 2, "participants", str(10**15)),
    ),
    # baseline-half-given / target-half-given / interval-half-given
    case(
        "baseline-value-missing",
        Cell("indicators", 3, "baseline_value", ""),
        expect=[("indicators.csv", 3, "baseline_value", "baseline-half-given")],
    ),
    case(
        "baseline-period-missing",
        Cell("indicators", 3, "baseline_period", ""),
        expect=[("indicators.csv", 3, "baseline_period", "baseline-half-given")],
    ),
    # "12%" cannot be read as a number: frictionless reports it; it is not an empty cell.
    case(
        "baseline-value-unreadable-left-to-frictionless",
        Cell("indicators", 3, "baseline_value", "12%"),
    ),
    case(
        "target-value-missing",
        Cell("indicators", 2, "target_value", ""),
        expect=[("indicators.csv", 2, "target_value", "target-half-given")],
    ),
    case(
        "target-period-missing",
        Cell("indicators", 4, "target_value", "10"),
        expect=[("indicators.csv", 4, "target_period", "target-half-given")],
    ),
    case(
        "interval-upper-missing",
        Cell("results", 4, "upper", ""),
        expect=[("results.csv", 4, "upper", "interval-half-given")],
    ),
    case(
        "interval-lower-missing",
        Cell("results", 2, "upper", "13"),
        expect=[("results.csv", 2, "lower", "interval-half-given")],
    ),
    # value-outside-interval
    case(
        "lower-above-value",
        Cell("results", 4, "lower", "9.5"),
        expect=[("results.csv", 4, "lower", "value-outside-interval")],
    ),
    case(
        "upper-below-value",
        Cell("results", 4, "upper", "8.5"),
        expect=[("results.csv", 4, "upper", "value-outside-interval")],
    ),
    case(
        "interval-swapped",
        Cell("results", 4, "lower", "10"),
        Cell("results", 4, "upper", "8"),
        expect=[
            ("results.csv", 4, "lower", "value-outside-interval"),
            ("results.csv", 4, "upper", "value-outside-interval"),
        ],
    ),
    case(
        "interval-equal-ends-clean",
        Cell("results", 4, "lower", "9"),
        Cell("results", 4, "upper", "9"),
    ),
    # period-not-a-date
    case(
        "financial-year-wrong-second-part",
        Cell("results", 8, "period", "2024/26"),
        expect=[("results.csv", 8, "period", "period-not-a-date")],
    ),
    case(
        "target-period-no-such-day",
        Cell("indicators", 2, "target_period", "2026-02-30"),
        expect=[("indicators.csv", 2, "target_period", "period-not-a-date")],
    ),
    # 2024-13 breaks the field's pattern: frictionless reports that, not the rules.
    case("month-13-left-to-frictionless", Cell("results", 8, "period", "2024-13")),
    # mixed-period-forms
    case(
        "mixed-result-period",
        Cell("results", 3, "period", "2024"),
        expect=[("results.csv", 3, "period", "mixed-period-forms")],
    ),
    case(
        "mixed-baseline-period",
        Cell("indicators", 3, "baseline_period", "2023"),
        expect=[("indicators.csv", 3, "baseline_period", "mixed-period-forms")],
    ),
    case(
        "quarters-throughout-clean",
        Cell("results", 8, "period", "2025-Q1"),
        Cell("results", 9, "period", "2025-Q4"),
    ),
    # engagement-ends-before-start
    case(
        "engagement-ends-early",
        Cell("engagements", 3, "end_date", "2025-08-31"),
        expect=[("engagements.csv", 3, "end_date", "engagement-ends-before-start")],
    ),
    case("engagement-one-day-clean", Cell("engagements", 3, "end_date", "2025-09-01")),
    # shares-do-not-sum
    case(
        "participants-sum-90",
        Cell("engagement_profile", 3, "participants_share", "60"),
        expect=[("engagement_profile.csv", 2, "participants_share", "shares-do-not-sum")],
    ),
    case(
        "population-sum-102-second-group",
        Cell("engagement_profile", 5, "population_share", "67"),
        expect=[("engagement_profile.csv", 4, "population_share", "shares-do-not-sum")],
    ),
    case(
        "population-sum-101-within-rounding",
        Cell("engagement_profile", 5, "population_share", "66"),
    ),
    case(
        "second-dimension-own-group-clean",
        AddRow(
            "engagement_profile",
            {
                "engagement_id": "eng-a",
                "dimension": "ward",
                "category": "North",
                "participants_share": "100",
                "population_share": "100",
            },
        ),
    ),
    # chosen-option-count
    case(
        "decided-none-chosen",
        Cell("options", 2, "chosen", "false"),
        expect=[("options.csv", 2, "chosen", "chosen-option-count")],
    ),
    case(
        "decided-two-chosen",
        Cell("options", 3, "chosen", "true"),
        expect=[("options.csv", 3, "chosen", "chosen-option-count")],
    ),
    case(
        "reversed-none-chosen",
        Cell("decisions", 2, "status", "reversed"),
        Cell("options", 2, "chosen", "false"),
        expect=[("options.csv", 2, "chosen", "chosen-option-count")],
    ),
    case("reversed-one-chosen-clean", Cell("decisions", 2, "status", "reversed")),
    case(
        "implemented-two-chosen",
        Cell("decisions", 3, "status", "implemented"),
        Cell("options", 4, "chosen", "true"),
        Cell("options", 5, "chosen", "true"),
        expect=[("options.csv", 5, "chosen", "chosen-option-count")],
    ),
    # A decided decision with no options is the warning's business, not this error's.
    case(
        "decided-without-options-only-warns",
        DropRows("options", (2, 3)),
        expect=[("decisions.csv", 2, "-", "decision-with-few-options")],
    ),
    # chosen-option-withheld: the public sees a decision was taken, not what was decided.
    case(
        "chosen-option-confidential",
        Cell("options", 2, "visibility", "confidential"),
        expect=[("options.csv", 2, "visibility", "chosen-option-withheld")],
    ),
    case(
        "reversed-chosen-option-confidential",
        Cell("decisions", 2, "status", "reversed"),
        Cell("options", 2, "visibility", "confidential"),
        expect=[("options.csv", 2, "visibility", "chosen-option-withheld")],
    ),
    case("option-not-chosen-confidential-clean", Cell("options", 3, "visibility", "confidential")),
    case("proposed-option-confidential-clean", Cell("options", 4, "visibility", "confidential")),
    # A confidential decision is withheld whole: nothing of it is shown, so nothing is missing.
    case(
        "confidential-decision-with-confidential-options-clean",
        Cell("decisions", 2, "visibility", "confidential"),
        Cell("options", 2, "visibility", "confidential"),
        Cell("options", 3, "visibility", "confidential"),
    ),
    # option-chosen-while-proposed
    case(
        "proposed-with-chosen",
        Cell("options", 4, "chosen", "true"),
        expect=[("options.csv", 4, "chosen", "option-chosen-while-proposed")],
    ),
    # not-doing-without-explanation
    case(
        "not-doing-unexplained",
        Cell("responses", 3, "explanation", ""),
        expect=[("responses.csv", 3, "explanation", "not-doing-without-explanation")],
    ),
    case(
        "done-without-explanation-clean",
        Cell("responses", 3, "outcome", "done"),
        Cell("responses", 3, "explanation", ""),
    ),
    # bad-result-group
    case(
        "group-without-colon",
        Cell("results", 5, "group", "age 16-34"),
        expect=[("results.csv", 5, "group", "bad-result-group")],
    ),
    case(
        "group-capital-all",
        Cell("results", 2, "group", "All"),
        expect=[("results.csv", 2, "group", "bad-result-group")],
    ),
    case(
        "group-empty-dimension",
        Cell("results", 5, "group", ": 16-34"),
        expect=[("results.csv", 5, "group", "bad-result-group")],
    ),
    case("group-no-space-clean", Cell("results", 5, "group", "age:16-34")),
    # revision-of-absent-resource
    case(
        "revision-of-absent-options",
        Drop("options"),
        Cell("revisions", 2, "resource", "options"),
        expect=[
            ("decisions.csv", 2, "-", "decision-with-few-options"),
            ("decisions.csv", 3, "-", "decision-with-few-options"),
            ("revisions.csv", 2, "resource", "revision-of-absent-resource"),
        ],
    ),
    # A name outside the contract breaks the enum: frictionless reports it.
    case("revision-unknown-name-left-to-frictionless", Cell("revisions", 2, "resource", "budgets")),
    # revision-names-no-row
    case(
        "revision-of-no-indicator",
        Cell("revisions", 2, "row_id", "damp-2"),
        expect=[("revisions.csv", 2, "row_id", "revision-names-no-row")],
    ),
    case(
        "revision-of-an-indicator-in-capitals",
        Cell("revisions", 2, "row_id", "DAMP"),
        expect=[("revisions.csv", 2, "row_id", "revision-names-no-row")],
    ),
    case(
        "revision-of-no-result",
        Cell("revisions", 2, "resource", "results"),
        Cell("revisions", 2, "row_id", "damp;2019/20;all"),
        expect=[("revisions.csv", 2, "row_id", "revision-names-no-row")],
    ),
    case(
        "revision-of-a-result-clean",
        Cell("revisions", 2, "resource", "results"),
        Cell("revisions", 2, "row_id", "damp;2024/25;all"),
    ),
    case(
        "revision-of-a-profile-row-clean",
        Cell("revisions", 2, "resource", "engagement_profile"),
        Cell("revisions", 2, "row_id", "eng-a;age;35 and over"),
    ),
    # objective-without-indicators / objective-without-outcome-indicator
    case(
        "objective-unmeasured",
        AddRow(
            "objectives",
            {"id": "parks", "title": "Parks", "summary": "S", "dimension": "service", "owner": "O"},
        ),
        expect=[("objectives.csv", 4, "-", "objective-without-indicators")],
    ),
    case(
        "parent-measured-through-child-clean",
        AddRow(
            "objectives",
            {"id": "top", "title": "Top", "summary": "S", "dimension": "trust", "owner": "O"},
        ),
        Cell("objectives", 2, "parent_id", "top"),
    ),
    case(
        "objective-outputs-only",
        Cell("indicators", 4, "kind", "output"),
        expect=[("objectives.csv", 3, "-", "objective-without-outcome-indicator")],
    ),
    # A sub-objective's outcome does not rescue a parent whose own indicators are all outputs.
    case(
        "parent-outputs-only-child-outcome",
        Cell("indicators", 2, "kind", "output"),
        expect=[("objectives.csv", 2, "-", "objective-without-outcome-indicator")],
    ),
    # target-met-counterbalance-worsening
    case(
        "target-met-counterbalance-worse",
        Cell("results", 4, "value", "7.5"),
        Cell("results", 4, "lower", "7"),
        Cell("results", 4, "upper", "8"),
        Cell("results", 7, "value", "350"),
        expect=[("indicators.csv", 2, "counterbalance_id", "target-met-counterbalance-worsening")],
    ),
    case(
        "counterbalance-worse-but-target-not-met-clean",
        Cell("results", 7, "value", "350"),
    ),
    case(
        "counterbalance-latest-embargoed-clean",
        Cell("results", 4, "value", "7.5"),
        Cell("results", 4, "lower", "7"),
        Cell("results", 4, "upper", "8"),
        Cell("results", 7, "value", "350"),
        Cell("results", 7, "embargo_until", "2026-06-01T09:30:00Z"),
    ),
    # The site shows no counterbalance that is confidential: no warning about one either.
    case(
        "counterbalance-confidential-clean",
        Cell("results", 4, "value", "7.5"),
        Cell("results", 4, "lower", "7"),
        Cell("results", 4, "upper", "8"),
        Cell("results", 7, "value", "350"),
        Cell("indicators", 3, "visibility", "confidential"),
    ),
    case(
        "counterbalance-intervals-overlap-clean",
        Cell("results", 4, "value", "7.5"),
        Cell("results", 4, "lower", "7"),
        Cell("results", 4, "upper", "8"),
        Cell("indicators", 3, "baseline_period", ""),
        Cell("indicators", 3, "baseline_value", ""),
        Cell("results", 6, "lower", "300"),
        Cell("results", 6, "upper", "500"),
        Cell("results", 7, "value", "350"),
        Cell("results", 7, "lower", "300"),
        Cell("results", 7, "upper", "400"),
    ),
    case(
        "counterbalance-change-below-its-threshold-clean",
        Cell("results", 4, "value", "7.5"),
        Cell("results", 4, "lower", "7"),
        Cell("results", 4, "upper", "8"),
        Cell("results", 7, "value", "350"),
        Cell("indicators", 3, "change_threshold", "60"),
    ),
    # change-threshold-unused
    case(
        "change-threshold-every-result-has-a-range",
        Cell("indicators", 4, "change_threshold", "2"),
        Cell("results", 8, "lower", "19"),
        Cell("results", 8, "upper", "21"),
        Cell("results", 9, "lower", "17"),
        Cell("results", 9, "upper", "19"),
        expect=[("indicators.csv", 4, "change_threshold", "change-threshold-unused")],
    ),
    case("change-threshold-used-clean", Cell("indicators", 4, "change_threshold", "2")),
    case(
        "change-threshold-latest-without-range-clean",
        Cell("indicators", 4, "change_threshold", "2"),
        Cell("results", 8, "lower", "19"),
        Cell("results", 8, "upper", "21"),
    ),
    case(
        "change-threshold-breakdown-without-range-still-unused",
        Cell("indicators", 2, "change_threshold", "0.5"),
        Cell("results", 2, "lower", "11"),
        Cell("results", 2, "upper", "13"),
        Cell("results", 3, "lower", "9"),
        Cell("results", 3, "upper", "11"),
        Cell("results", 5, "lower", ""),
        Cell("results", 5, "upper", ""),
        expect=[("indicators.csv", 2, "change_threshold", "change-threshold-unused")],
    ),
    case(
        "change-threshold-baseline-outside-its-range-clean",
        Cell("indicators", 2, "change_threshold", "0.5"),
        Cell("indicators", 2, "baseline_value", "14"),
        Cell("results", 2, "lower", "11"),
        Cell("results", 2, "upper", "13"),
        Cell("results", 3, "lower", "9"),
        Cell("results", 3, "upper", "11"),
    ),
    # engagement-without-responses / engagement-without-profile
    case(
        "engagement-unanswered",
        DropRows("responses", (3,)),
        expect=[("engagements.csv", 3, "-", "engagement-without-responses")],
    ),
    case(
        "no-responses-file",
        Drop("responses"),
        expect=[
            ("engagements.csv", 2, "-", "engagement-without-responses"),
            ("engagements.csv", 3, "-", "engagement-without-responses"),
        ],
    ),
    case("responses-unreadable-skipped", Unreadable("responses")),
    case(
        "engagement-unprofiled",
        DropRows("engagement_profile", (4, 5)),
        expect=[("engagements.csv", 3, "-", "engagement-without-profile")],
    ),
    # decision-with-few-options
    case(
        "decision-one-option",
        DropRows("options", (5,)),
        expect=[("decisions.csv", 3, "-", "decision-with-few-options")],
    ),
    # up-for-grabs-missing
    case(
        "engaged-decision-nothing-open",
        Cell("decisions", 2, "up_for_grabs", ""),
        expect=[("decisions.csv", 2, "up_for_grabs", "up-for-grabs-missing")],
    ),
    # next-update-passed: judged on AS_OF (2026-05-01), as the site judges "overdue".
    case(
        "next-update-passed",
        Cell("indicators", 2, "next_update", "2026-04-30"),
        expect=[("indicators.csv", 2, "next_update", "next-update-passed")],
    ),
    case("next-update-today-clean", Cell("indicators", 2, "next_update", "2026-05-01")),
    case(
        "next-update-passed-confidential-clean",
        Cell("indicators", 4, "next_update", "2025-01-01"),
        Cell("indicators", 4, "visibility", "confidential"),
    ),
    # stale-results: the cut-off is 2024-03-31, two years before the period's end.
    case(
        "stale-latest-2022-23",
        Cell("results", 8, "period", "2021/22"),
        Cell("results", 9, "period", "2022/23"),
        expect=[("indicators.csv", 4, "-", "stale-results")],
    ),
    case(
        "latest-ends-on-cutoff-clean",
        Cell("results", 8, "period", "2022/23"),
        Cell("results", 9, "period", "2023/24"),
    ),
    # indicator-without-results
    case(
        "indicator-no-results",
        DropRows("results", (8, 9)),
        expect=[("indicators.csv", 4, "-", "indicator-without-results")],
    ),
    # formula-like-text
    case(
        "formula-in-title",
        Cell("objectives", 2, "title", '=HYPERLINK("http://x")'),
        expect=[("objectives.csv", 2, "title", "formula-like-text")],
    ),
    case(
        "formula-at-sign-and-minus-text",
        Cell("responses", 2, "you_said", "@everyone fix it"),
        Cell("results", 3, "note", "-5 people left"),
        expect=[
            ("responses.csv", 2, "you_said", "formula-like-text"),
            ("results.csv", 3, "note", "formula-like-text"),
        ],
    ),
    case(
        "formula-in-extra-column",
        Cell("results", 3, "comment", "+1 from me"),
        expect=[("results.csv", 3, "comment", "formula-like-text")],
    ),
    case(
        "negative-numbers-clean",
        Cell("results", 3, "note", "-5"),
        Cell("revisions", 2, "old_value", "-2.5"),
        Cell("results", 3, "comment", "-12"),
    ),
    # withheld-with-parent
    case(
        "public-indicator-confidential-objective",
        Cell("objectives", 3, "visibility", "confidential"),
        expect=[("indicators.csv", 4, "visibility", "withheld-with-parent")],
    ),
    case(
        "confidential-indicator-confidential-objective-clean",
        Cell("objectives", 3, "visibility", "confidential"),
        Cell("indicators", 4, "visibility", "confidential"),
    ),
    case(
        "public-options-and-responses-of-confidential-parents",
        Cell("decisions", 3, "visibility", "confidential"),
        Cell("options", 5, "visibility", "confidential"),
        Cell("engagements", 3, "visibility", "confidential"),
        expect=[
            ("options.csv", 4, "visibility", "withheld-with-parent"),
            ("responses.csv", 3, "visibility", "withheld-with-parent"),
        ],
    ),
    # A public decision that refers to a confidential engagement is fine: the site says so.
    case(
        "reference-to-confidential-row-clean",
        Cell("engagements", 2, "visibility", "confidential"),
        Cell("responses", 2, "visibility", "confidential"),
    ),
]


def test_base_package_is_clean(tmp_path: Path) -> None:
    assert run(tmp_path) == []


@pytest.mark.parametrize("c", CASES)
def test_rule(tmp_path: Path, c: Case) -> None:
    assert where(run(tmp_path, c.edits)) == sorted(c.expected)


RULE_CODES = set(
    yaml.safe_load(
        (Path(rules.__file__).parents[1] / "catalogue").joinpath("rules.yaml").read_text()
    )
)
FIXTURES = Path(__file__).parent / "fixtures" / "bad"
#: The rules across statements, each with a fixture of two statements (tests/test_across.py).
ACROSS = Path(__file__).parent / "fixtures" / "across"


def _stated(pattern: str, folder: Path) -> set[str]:
    return {
        line.split()[-1]
        for expected in folder.glob(pattern)
        for line in expected.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }


ACROSS_CODES = _stated("*/expected.txt", ACROSS)


def test_the_rules_across_statements_have_their_own_fixtures() -> None:
    assert ACROSS_CODES, "tests/fixtures/across holds no expected problems"
    assert ACROSS_CODES <= set(catalogue())


def test_every_rule_code_is_covered_by_a_case() -> None:
    codes = {code for p in CASES for (_, _, _, code) in p.values[0].expected}
    assert RULE_CODES - codes - ACROSS_CODES == set()


def test_every_rule_code_has_a_bad_input_fixture() -> None:
    assert RULE_CODES - _stated("rule-*/expected.txt", FIXTURES) - ACROSS_CODES == set()


# Messages say what is wrong specifically ---------------------------------------------------------


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, problems
    return problems[0]


def test_broken_list_reference_names_the_id_and_its_source(tmp_path: Path) -> None:
    p = only(run(tmp_path, [Cell("objectives", 2, "authorised_by", "eng-a;eng-z")]))
    assert p.value == "eng-z"
    assert "'eng-z'" in p.message and "engagements.csv" in p.message
    assert "id column of engagements.csv" in (p.hint or "")
    assert p.severity == "error"


def test_shares_message_gives_the_sum(tmp_path: Path) -> None:
    p = only(run(tmp_path, [Cell("engagement_profile", 3, "participants_share", "60")]))
    assert p.value == "90"
    assert "add up to 90" in p.message and "lines 2 and 3" in p.message


def test_chosen_count_message_says_how_many(tmp_path: Path) -> None:
    p = only(run(tmp_path, [Cell("options", 3, "chosen", "true")]))
    assert "2 of its 2 options" in p.message
    p = only(run(tmp_path, [Cell("options", 2, "chosen", "false")]))
    assert "none of its 2 options" in p.message


def test_cycle_message_shows_the_chain(tmp_path: Path) -> None:
    p = only(run(tmp_path, [Cell("objectives", 2, "parent_id", "repairs")]))
    assert "homes → repairs → homes" in p.message


def test_period_message_comes_from_periods(tmp_path: Path) -> None:
    p = only(run(tmp_path, [Cell("results", 8, "period", "2024/26")]))
    assert p.value == "2024/26" and "2024/25" in p.message


def test_no_such_day_message_is_plain(tmp_path: Path) -> None:
    p = only(run(tmp_path, [Cell("indicators", 2, "target_period", "2026-02-30")]))
    assert (
        p.message
        == "'2026-02-30' names no real date: February 2026 has 28 days, so there is no day 30."
    )


def test_mixed_forms_message_names_both_forms(tmp_path: Path) -> None:
    p = only(run(tmp_path, [Cell("results", 3, "period", "2024")]))
    assert "a calendar year" in p.message and "financial years" in p.message
    assert "'damp'" in p.message


def test_warnings_are_warnings(tmp_path: Path) -> None:
    p = only(run(tmp_path, [DropRows("results", (8, 9))]))
    assert p.severity == "warning"


def test_file_name_comes_from_the_table(tmp_path: Path) -> None:
    """A resource may live in a file of another name: problems point at that file."""
    descriptor, tables = build(tmp_path)
    text = BASE["responses"].replace("It would cost too much.", "")
    tables["responses"] = table_from_csv(tmp_path, "responses", text, file="you-said-we-did.csv")
    problems = list(rules.check(descriptor, tables, as_of=AS_OF))
    assert where(problems) == [
        ("you-said-we-did.csv", 3, "explanation", "not-doing-without-explanation")
    ]


def test_list_target_without_id_column_is_not_judged(tmp_path: Path) -> None:
    """engagements.csv without its id column gets its own problem; lists into it are not judged."""
    descriptor, tables = build(tmp_path, [Cell("objectives", 2, "authorised_by", "eng-z")])
    text = "\n".join(line.partition(",")[2] for line in BASE["engagements"].splitlines()) + "\n"
    tables["engagements"] = table_from_csv(tmp_path, "engagements", text)
    assert "id" not in tables["engagements"].header
    codes = {p.code for p in rules.check(descriptor, tables, as_of=AS_OF)}
    assert "broken-list-reference" not in codes


def test_embargo_depends_on_the_build_date(tmp_path: Path) -> None:
    edits = [
        Cell("results", 4, "value", "7.5"),
        Cell("results", 4, "lower", "7"),
        Cell("results", 4, "upper", "8"),
        Cell("results", 7, "value", "350"),
        Cell("results", 7, "embargo_until", "2026-06-01T09:30:00Z"),
    ]
    assert run(tmp_path, edits, as_of=dt.date(2026, 5, 1)) == []
    after = run(tmp_path, edits, as_of=dt.date(2026, 6, 2))
    assert [p.code for p in after] == ["target-met-counterbalance-worsening"]


# Robustness: any cells at all give problems, never an exception ---------------------------------

_junk = st.one_of(
    st.none(),
    st.text(alphabet=string.printable, max_size=12),
    st.sampled_from(["all", "age: x", "=1", "-", "-5", "@x", ""]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-5, 200),
    st.booleans(),
    st.dates(),
)
_ids = st.sampled_from(["a", "b", "c", "homes", "eng-a", "d1"])
_periods = st.sampled_from(
    [
        "2023/24",
        "2024/25",
        "2024",
        "2025",
        "2024-Q1",
        "2024-03",
        "2024-03-31",
        "2024-02-30",
        "2024/26",
    ]
)


def _typed(field: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Mostly well-typed cells, with ids from a small pool so that references link up."""
    constraints = field.get("constraints", {})
    kind = field.get("type", "string")
    if contract.LIST_OF in field:
        return st.lists(_ids, max_size=3).map(";".join)
    if "enum" in constraints:
        return st.sampled_from([*constraints["enum"], "junk"])
    if "period" in field["name"]:
        return _periods
    if "pattern" in constraints:
        return _ids
    if kind == "number":
        return st.one_of(st.floats(-10, 200), st.floats(allow_nan=True, allow_infinity=True))
    if kind == "integer":
        return st.integers(-5, 200)
    if kind == "boolean":
        return st.booleans()
    if kind == "date":
        return st.dates(dt.date(2020, 1, 1), dt.date(2027, 12, 31))
    if kind == "datetime":
        return st.datetimes(timezones=st.just(dt.UTC))
    if field["name"] == "group":
        return st.sampled_from(["all", "age: 16-24", "All", "age", ":"])
    return st.text(max_size=8)


@st.composite
def random_tables(draw: st.DrawFn) -> dict[str, read.Table]:
    tables = {}
    for name in draw(st.sets(st.sampled_from(contract.RESOURCES))):
        fields = contract.fields(name)
        header = tuple(draw(st.permutations(list(fields))))[: draw(st.integers(0, len(fields)))]
        rows = []
        for line in range(2, 2 + draw(st.integers(0, 5))):
            cells = {
                f: draw(st.one_of(_typed(fields[f]), _typed(fields[f]), _junk)) for f in header
            }
            unreadable = (
                frozenset(draw(st.sets(st.sampled_from(header)))) if header else frozenset()
            )
            rows.append(read.Row(line, cells, unreadable))
        tables[name] = read.Table(name, f"{name}.csv", header, 1, tuple(rows))
    return tables


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tables=random_tables(),
    declared=st.sets(st.sampled_from(contract.RESOURCES)),
    end=st.one_of(st.none(), st.text(max_size=10), st.just("2026-02-29"), st.just("2024-02-29")),
)
def test_rules_never_crash(
    tables: dict[str, read.Table], declared: set[str], end: str | None
) -> None:
    descriptor = {
        "resources": [{"name": n, "path": f"{n}.csv"} for n in declared | set(tables)],
        "reporting_period": {"end": end},
    }
    for p in rules.check(descriptor, tables, as_of=AS_OF):
        assert p.code in catalogue()
        assert p.file is not None and p.line is not None


@pytest.mark.parametrize(
    "descriptor",
    [{}, {"resources": "x", "reporting_period": []}, {"resources": [1, {"name": 2}]}],
    ids=["empty", "wrong-types", "resources-without-names"],
)
def test_a_strange_descriptor_still_has_its_tables_judged(
    tmp_path: Path, descriptor: dict[str, Any]
) -> None:
    """A descriptor the rules cannot read (its own problems are the gate's and frictionless' to
    report) neither stops the rules nor makes them invent problems: a clean package stays clean,
    and a broken table gives the problems it gives under its real descriptor."""
    (tmp_path / "clean").mkdir()
    (tmp_path / "broken").mkdir()
    _, clean = build(tmp_path / "clean")
    assert list(rules.check(descriptor, clean, as_of=AS_OF)) == []
    edits = [Cell("objectives", 2, "parent_id", "repairs"), Cell("results", 4, "upper", "")]
    real, broken = build(tmp_path / "broken", edits)
    expected = [
        ("objectives.csv", 2, "parent_id", "objective-parent-cycle"),
        ("results.csv", 4, "upper", "interval-half-given"),
    ]
    assert where(rules.check(real, broken, as_of=AS_OF)) == expected
    assert where(rules.check(descriptor, broken, as_of=AS_OF)) == expected


@pytest.mark.parametrize(("day", "warned"), [("2026-09-30", False), ("2026-10-01", True)])
def test_next_update_is_judged_on_the_builds_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, day: str, warned: bool
) -> None:
    """Without --as-of, validate and build take the same day (SOURCE_DATE_EPOCH here)."""
    from conftest import copy_base

    from pvreport.build import Clock
    from pvreport.validate import validate_package

    moment = dt.datetime.fromisoformat(day).replace(hour=12, tzinfo=dt.UTC)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(moment.timestamp())))
    assert Clock.make().today == moment.date()
    # Every indicator of the base package is due by 2026-09-30.
    problems = validate_package(copy_base(tmp_path / "pkg")).problems
    assert {p.code for p in problems} == ({"next-update-passed"} if warned else set())
