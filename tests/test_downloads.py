"""Public CSV downloads, worked column by column, against the plain row-by-row reading of what
a download must be: withheld rows left out, references to withheld rows blanked, text cells
that a spreadsheet would run as formulas neutralised, numbers untouched."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from conftest import AS_OF, EXAMPLE, copy_base

from pvreport import contract, synthetic
from pvreport.report import load, visibility
from pvreport.site import write
from pvreport.tables import read
from pvreport.validate import validate_package

#: Files left to frictionless and hygiene row by row: the reference the columns are held to.
REFERENCE = 10**12


def reference_csv(table: read.Table, withheld: visibility.Withheld) -> tuple[bytes, int]:
    """The download, one row and one cell at a time with Python's csv writer."""
    name = table.name
    gone_lines = withheld.lines.get(name, frozenset())
    fields = contract.fields(name)
    refs = {**contract.single_references(name), **contract.list_references(name)}
    scrub = {f: withheld.ids[r] for f, (r, _) in refs.items() if withheld.ids.get(r)}
    lists = contract.list_references(name)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = [label for label in dict.fromkeys(table.header) if label in fields]
    writer.writerow([write.neutralise(label) for label in header])
    count = 0
    for row in table.rows:
        if row.line in gone_lines:
            continue
        record = []
        for label in header:
            value = row.get(label)
            gone = scrub.get(label)
            if gone is not None and isinstance(value, str):
                if label in lists:
                    value = ";".join(i for i in read.split_ids(value) if i not in gone)
                elif value.strip() in gone:
                    value = None
            text = write.cell_text(value)
            if fields.get(label, {}).get("type", "string") == "string" or isinstance(value, str):
                text = write.neutralise(text)
            record.append(text)
        writer.writerow(record)
        count += 1
    return out.getvalue().encode("utf-8"), count


def downloads_agree(package: Path, *, fast_rows: int | None, now: dt.datetime) -> int:
    validation = validate_package(package, as_of=AS_OF, fast_rows=fast_rows)
    assert validation.ok, [p for p in validation.problems if p.is_error][:3]
    full = load.to_report(validation.descriptor or {}, validation.tables)
    _, withheld = visibility.withhold(full, now=now)
    for table in validation.tables.values():
        assert write.public_csv(table, withheld) == reference_csv(table, withheld), table.name
    return withheld.total


def _append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """The base package with withheld rows, references to them, and cells a spreadsheet would
    run or a CSV writer must quote."""
    pkg = copy_base(tmp_path / "pkg")
    _append(
        pkg / "engagements.csv",
        "eng-secret,A private workshop,deliberative,involve,2025-05-01,2025-05-02,5,"
        "Invited board,A secret question?,What we heard,,confidential",
    )
    objectives = (pkg / "objectives.csv").read_text(encoding="utf-8")
    (pkg / "objectives.csv").write_text(
        objectives.replace(",eng-housing,full-council", ",eng-housing;eng-secret,full-council"),
        encoding="utf-8",
    )
    _append(pkg / "results.csv", 'damp-homes,2022/23,all,-3.5,,,,final,,=HYPERLINK("x")')
    _append(pkg / "results.csv", 'damp-homes,2021/22,all,4,,,,final,,"a note, with ""quotes"""')
    _append(pkg / "results.csv", "damp-homes,2026/27,all,7.25,,,,provisional,2027-01-01T09:30:00Z,")
    # A column of the publisher's own: never published.
    decisions = (pkg / "decisions.csv").read_text(encoding="utf-8").splitlines()
    (pkg / "decisions.csv").write_text(
        "\n".join(
            [decisions[0] + ",internal_notes"]
            + [line + ",Staff only: the director is against it" for line in decisions[1:]]
        )
        + "\n",
        encoding="utf-8",
    )
    return pkg


@pytest.mark.parametrize("fast_rows", [REFERENCE, None], ids=["reference", "columns"])
def test_downloads_match_the_row_by_row_reading(hostile: Path, fast_rows: int | None) -> None:
    now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    assert downloads_agree(hostile, fast_rows=fast_rows, now=now) >= 2


@pytest.mark.parametrize("fast_rows", [REFERENCE, None], ids=["reference", "columns"])
def test_columns_outside_the_contract_are_not_downloaded(hostile: Path, fast_rows: int) -> None:
    validation = validate_package(hostile, as_of=AS_OF, fast_rows=fast_rows)
    report = load.to_report(validation.descriptor or {}, validation.tables)
    _, withheld = visibility.withhold(report, now=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    data, _ = write.public_csv(validation.tables["decisions"], withheld)
    text = data.decode("utf-8")
    assert "internal_notes" not in text and "Staff only" not in text
    assert text.splitlines()[0].split(",") == [
        f for f in contract.fields("decisions") if f in validation.tables["decisions"].header
    ]
    warning = next(p for p in validation.problems if p.code == "unknown-column")
    assert "not checked, shown or published" in warning.message


def test_heading_cells_are_neutralised_as_text_cells_are() -> None:
    row = write.csv_header(["id", '=HYPERLINK("http://x.example")', "@SUM(A1)", "+1", "-2"])
    assert next(csv.reader(io.StringIO(row))) == [
        "id",
        '\'=HYPERLINK("http://x.example")',
        "'@SUM(A1)",
        "'+1",
        "'-2",
    ]


@pytest.mark.parametrize("fast_rows", [REFERENCE, None], ids=["reference", "columns"])
def test_the_example_and_a_generated_report_download_the_same_either_way(
    tmp_path: Path, fast_rows: int | None
) -> None:
    now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    downloads_agree(EXAMPLE, fast_rows=fast_rows, now=now)
    generated = synthetic.generate(tmp_path / "s", "S", seed=2)
    downloads_agree(generated, fast_rows=fast_rows, now=now)


@pytest.mark.parametrize("package", ["example", "generated", "hostile"])
def test_the_report_model_is_the_same_read_by_column_or_by_row(
    package: str, tmp_path: Path, hostile: Path
) -> None:
    folder = {
        "example": EXAMPLE,
        "generated": synthetic.generate(tmp_path / "s", "S", seed=4),
        "hostile": hostile,
    }[package]
    by_row = validate_package(folder, as_of=AS_OF, fast_rows=REFERENCE)
    by_column = validate_package(folder, as_of=AS_OF)
    assert any(t.columns is not None for t in by_column.tables.values())
    assert load.to_report(by_column.descriptor or {}, by_column.tables) == load.to_report(
        by_row.descriptor or {}, by_row.tables
    )


def test_the_zip_descriptor_describes_the_contract_columns_only() -> None:
    import json

    descriptor = {
        "name": "x",
        "resources": [
            {
                "name": "decisions",
                "path": "decisions.csv",
                "schema": {
                    "fields": [
                        {"name": "id", "type": "string"},
                        {"name": "internal_notes", "description": "Staff only: who objected"},
                    ]
                },
            }
        ],
    }
    out = json.loads(write.public_descriptor(descriptor, {"decisions": ["id"]}))
    fields = out["resources"][0]["schema"]["fields"]
    # The contract's schema of the columns the public CSV has, not the package's own.
    assert fields == [contract.fields("decisions")["id"]]
    assert "Staff only" not in json.dumps(out)


@pytest.mark.parametrize("fast_rows", [None, 0], ids=["rows", "columns"])
def test_numbers_are_downloaded_as_the_package_wrote_them(tmp_path: Path, fast_rows: int) -> None:
    """The data page promises numbers are never changed: 97.50 stays 97.50, and 97.5 beside it
    stays 97.5 (one number, two cells as written)."""
    pkg = copy_base(tmp_path / "pkg")
    _append(pkg / "results.csv", "damp-homes,2022/23,all,97.50,,,,final,,")
    _append(pkg / "results.csv", "damp-homes,2021/22,all,97.5,,,,final,,")
    _append(pkg / "results.csv", "damp-homes,2020/21,all,8.00,,,,final,,")
    validation = validate_package(pkg, as_of=AS_OF, fast_rows=fast_rows)
    assert validation.ok, [p for p in validation.problems if p.is_error][:3]
    report = load.to_report(validation.descriptor or {}, validation.tables)
    _, withheld = visibility.withhold(report, now=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    data, _ = write.public_csv(validation.tables["results"], withheld)
    rows = {r["period"]: r["value"] for r in csv.DictReader(io.StringIO(data.decode("utf-8")))}
    assert (rows["2022/23"], rows["2021/22"], rows["2020/21"]) == ("97.50", "97.5", "8.00")
