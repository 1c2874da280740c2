"""A package as one .xlsx workbook (contract v1.1): read as the CSV folder is, every problem
naming its sheet and cell, Excel's habits read as meant, bad workbooks refused with their own
problem, and conversion both ways losing nothing.

Workbooks are made here with openpyxl and zipfile from the CSV fixtures, not committed.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import AS_OF, BAD, BASE, BIN, ENV, EXAMPLE, copy_base, make_project, run_pvreport
from test_bad_inputs import CASES, build_case
from test_build_cases import CASES as BUILD_CASES
from test_build_cases import CASES_DIR as BUILD_DIR
from test_build_cases import apply_case

from pvreport.site import xlsx
from pvreport.tables import limits as size_limits
from pvreport.tables import read, workbook
from pvreport.validate import validate_package

#: The date the workbooks written here say they were made.
WRITTEN = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def to_workbook(folder: Path, target: Path) -> Path:
    data, problems = xlsx.folder_workbook(folder, created=WRITTEN)
    assert data is not None, problems
    target.write_bytes(data)
    return target


@pytest.fixture
def base_book(tmp_path: Path) -> Path:
    return to_workbook(BASE, tmp_path / "report.xlsx")


def problems_of(
    path: Path, **options: object
) -> set[tuple[str | None, int | None, str | None, str]]:
    result = validate_package(path, as_of=AS_OF, **options)
    return {(p.sheet, p.line, p.cell, p.code) for p in result.problems}


def edit(path: Path, change) -> Path:
    """Open the workbook with openpyxl, change it, save it."""
    book = openpyxl.load_workbook(path)
    change(book)
    book.save(path)
    return path


def rewrite_zip(path: Path, change) -> Path:
    """Rewrite the workbook's zip parts: ``change(parts)`` edits a dict of name -> bytes."""
    with zipfile.ZipFile(path) as archive:
        parts = {i.filename: archive.read(i) for i in archive.infolist()}
    change(parts)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    return path


# --- a workbook is a package --------------------------------------------------------------------


def test_the_base_workbook_validates_with_every_table(base_book: Path) -> None:
    result = validate_package(base_book, as_of=AS_OF)
    assert result.problems == []
    folder = validate_package(BASE, as_of=AS_OF)
    assert set(result.tables) == set(folder.tables)
    for name, table in folder.tables.items():
        assert result.tables[name].rows == table.rows, name
    assert result.descriptor["organisation"] == folder.descriptor["organisation"]


def test_a_problem_names_the_sheet_and_cell(base_book: Path) -> None:
    def plant(book: openpyxl.Workbook) -> None:
        book["results"]["D3"] = "about ten"

    edit(base_book, plant)
    result = validate_package(base_book, as_of=AS_OF)
    [problem] = result.problems
    assert (problem.file, problem.sheet, problem.cell, problem.line, problem.field) == (
        "report.xlsx",
        "results",
        "D3",
        3,
        "value",
    )
    assert problem.code == "wrong-type"


def test_cli_text_json_and_github_name_the_workbook(base_book: Path) -> None:
    edit(base_book, lambda book: book["results"].__setitem__("D17", "about ten"))
    # D17 is past the last row: the row is a new one, with only its value.
    folder = base_book.parent
    text = run_pvreport(folder, "validate", "report.xlsx", "--as-of", "2026-06-01")
    assert text.returncode == 1
    assert "report.xlsx: results!D17: [value] " in text.stdout
    assert "(wrong-type)" in text.stdout
    as_json = run_pvreport(folder, "validate", "report.xlsx", "--format", "json")
    found = json.loads(as_json.stdout)
    value = next(p for p in found if p["cell"] == "D17" and p["field"] == "value")
    assert (value["file"], value["sheet"], value["line"]) == ("report.xlsx", "results", 17)
    github = run_pvreport(folder, "validate", "report.xlsx", "--format", "github")
    assert "::error file=report.xlsx,line=17,title=wrong-type::results!D17: " in github.stdout


def test_a_folder_problem_keeps_its_keys(tmp_path: Path) -> None:
    """Only a workbook's problems carry sheet and cell."""
    package = copy_base(tmp_path / "p")
    (package / "results.csv").write_text(
        (package / "results.csv").read_text().replace(",12,", ",about ten,", 1)
    )
    out = run_pvreport(tmp_path, "validate", "p", "--format", "json")
    assert all("sheet" not in p for p in json.loads(out.stdout))


def test_the_package_sheet_is_the_descriptor(base_book: Path) -> None:
    def change(book: openpyxl.Workbook) -> None:
        sheet = book["package"]
        sheet.append(["languages", "en;cy"])
        sheet.append(["status_rules.relative_change_threshold", 5])
        for row in sheet.iter_rows(min_row=2):
            if row[0].value == "reporting_period.start":
                row[1].value = dt.datetime(2025, 4, 1)  # a date cell, as Excel keeps it

    edit(base_book, change)
    descriptor = validate_package(base_book, as_of=AS_OF).descriptor
    assert descriptor["languages"] == ["en", "cy"]
    assert descriptor["status_rules"] == {"relative_change_threshold": 5}
    assert descriptor["reporting_period"]["start"] == "2025-04-01"
    assert descriptor["licenses"][0]["name"] == "OGL-UK-3.0"


def test_a_missing_property_names_the_package_sheet(base_book: Path) -> None:
    def drop(book: openpyxl.Workbook) -> None:
        sheet = book["package"]
        for row in sheet.iter_rows(min_row=2):
            if row[0].value == "organisation.name":
                row[1].value = None

    edit(base_book, drop)
    result = validate_package(base_book, as_of=AS_OF)
    assert {(p.sheet, p.field, p.code) for p in result.problems} == {
        ("package", "organisation.name", "missing-property")
    }


# --- Excel's habits --------------------------------------------------------------------------------


def test_excel_habits_read_as_meant(base_book: Path) -> None:
    def habits(book: openpyxl.Workbook) -> None:
        results = book["results"]
        results["G2"] = 900.0  # sample_size, an integer field, as a float
        results["D2"] = 12.0  # value
        engagements = book["engagements"]
        engagements["E2"] = dt.datetime(2025, 5, 1)  # start_date, a date-time cell at midnight

    edit(base_book, habits)
    result = validate_package(base_book, as_of=AS_OF)
    assert result.problems == []
    row = result.tables["results"].rows[0]
    assert (row.get("value"), row.get("sample_size")) == (12, 900)
    assert result.tables["engagements"].rows[0].get("start_date") == dt.date(2025, 5, 1)


def test_a_number_typed_as_text_gets_the_csv_hint(base_book: Path, tmp_path: Path) -> None:
    edit(base_book, lambda book: book["results"].__setitem__("D2", "1,200"))
    package = copy_base(tmp_path / "p")
    text = (package / "results.csv").read_text().splitlines()
    cells = text[1].split(",")
    cells[3] = '"1,200"'
    text[1] = ",".join(cells)
    (package / "results.csv").write_text("\n".join(text) + "\n")
    from_csv = validate_package(package, as_of=AS_OF).problems
    from_book = validate_package(base_book, as_of=AS_OF).problems
    assert [(p.code, p.field, p.hint, p.message) for p in from_book] == [
        (p.code, p.field, p.hint, p.message) for p in from_csv
    ]
    assert from_book[0].cell == "D2"


def test_a_share_formatted_as_a_percentage_is_an_error_not_a_silent_hundredth(
    base_book: Path,
) -> None:
    """12% typed in Excel is held as 0.12: publishing 0.12 as a share would be false."""

    def percent(book: openpyxl.Workbook) -> None:
        profile = book["engagement_profile"]
        profile["D2"] = 0.12  # participants_share, as Excel holds 12%
        profile["D2"].number_format = "0%"
        profile["C2"].number_format = "0%"  # category: text, not a number field
        book["results"]["H2"].number_format = "0.0%"  # status: text

    edit(base_book, percent)
    result = validate_package(base_book, as_of=AS_OF)
    flagged = [p for p in result.problems if p.code == "workbook-percent-cell"]
    assert [(p.sheet, p.cell, p.field, p.value) for p in flagged] == [
        ("engagement_profile", "D2", "participants_share", "0.12")
    ]
    assert "shows 12% but holds 0.12" in flagged[0].message


def test_a_formula_gives_its_saved_value(base_book: Path) -> None:
    """openpyxl writes no saved values, so the saved value is put into the sheet's XML."""

    def formula(parts: dict[str, bytes]) -> None:
        name = sheet_part(parts, "results")
        xml = parts[name].decode()
        # D2 holds the number 12: give it a formula with that saved value.
        xml, count = re.subn(
            r'<c r="D2"([^>]*)><v>12</v></c>', r'<c r="D2"\1><f>6*2</f><v>12</v></c>', xml
        )
        assert count == 1
        parts[name] = xml.encode()

    rewrite_zip(base_book, formula)
    result = validate_package(base_book, as_of=AS_OF)
    assert result.problems == []
    assert result.tables["results"].rows[0].get("value") == 12


def test_a_formula_without_a_saved_value_is_an_error(base_book: Path) -> None:
    edit(base_book, lambda book: book["results"].__setitem__("D2", "=6*2"))
    assert ("results", 2, "D2", "formula-without-value") in problems_of(base_book)


def test_an_error_cell_is_an_error(base_book: Path) -> None:
    def error(parts: dict[str, bytes]) -> None:
        name = sheet_part(parts, "results")
        xml = parts[name].decode()
        xml, count = re.subn(
            r'<c r="D2"([^>]*)><v>12</v></c>', r'<c r="D2" t="e"><v>#N/A</v></c>', xml
        )
        assert count == 1
        parts[name] = xml.encode()

    rewrite_zip(base_book, error)
    found = problems_of(base_book)
    assert ("results", 2, "D2", "workbook-cell-error") in found


def test_merged_cells_are_an_error_naming_the_range(base_book: Path) -> None:
    edit(base_book, lambda book: book["results"].merge_cells("A3:A4"))
    result = validate_package(base_book, as_of=AS_OF)
    merged = [p for p in result.problems if p.code == "workbook-merged-cells"]
    assert [(p.sheet, p.cell, p.value) for p in merged] == [("results", "A3", "A3:A4")]
    assert "A3:A4" in merged[0].message


def test_hidden_rows_columns_and_sheets_are_warnings(base_book: Path) -> None:
    def hide(book: openpyxl.Workbook) -> None:
        book["results"].row_dimensions[5].hidden = True
        book["objectives"].column_dimensions["C"].hidden = True
        book["revisions"].sheet_state = "hidden"

    edit(base_book, hide)
    result = validate_package(base_book, as_of=AS_OF)
    assert result.ok
    hidden = {(p.sheet, p.line, p.field) for p in result.problems if p.code == "workbook-hidden"}
    assert hidden == {
        ("results", 5, None),
        ("objectives", None, "summary"),
        ("revisions", None, None),
    }
    assert all(p.severity == "warning" for p in result.problems)
    # Hidden is not confidential: the hidden row is read (and would be published).
    assert len(result.tables["results"].rows) == len(validate_package(BASE).tables["results"].rows)


def test_a_cell_with_line_breaks_keeps_the_rows_below_right(base_book: Path) -> None:
    def change(book: openpyxl.Workbook) -> None:
        book["results"]["J2"] = "first line\nsecond line\nthird"
        book["results"]["D5"] = "about ten"

    edit(base_book, change)
    assert ("results", 5, "D5", "wrong-type") in problems_of(base_book)


# --- bad workbooks ------------------------------------------------------------------------------


def only(path: Path, **options: object) -> set[tuple[str | None, int | None, str | None, str]]:
    return problems_of(path, **options)


def test_a_truncated_workbook(base_book: Path) -> None:
    base_book.write_bytes(base_book.read_bytes()[:3000])
    assert only(base_book) == {(None, None, None, "workbook-unreadable")}


def test_a_corrupt_workbook(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not a zip file at all")
    assert only(path) == {(None, None, None, "workbook-unreadable")}


def ole2(extra: bytes = b"") -> bytes:
    """A compound file's header, as both old .xls files and encrypted workbooks start."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + extra + bytes(512)


def test_a_password_protected_workbook(tmp_path: Path) -> None:
    # An encrypted .xlsx is a compound file holding the streams EncryptionInfo and
    # EncryptedPackage (their names in UTF-16).
    path = tmp_path / "report.xlsx"
    path.write_bytes(
        ole2("EncryptionInfo".encode("utf-16-le") + "EncryptedPackage".encode("utf-16-le"))
    )
    assert only(path) == {(None, None, None, "workbook-password")}


def test_an_old_xls(tmp_path: Path) -> None:
    path = tmp_path / "report.xls"
    path.write_bytes(ole2("Workbook".encode("utf-16-le")))
    assert only(path) == {(None, None, None, "workbook-old-format")}
    renamed = tmp_path / "renamed.xlsx"
    renamed.write_bytes(path.read_bytes())
    assert only(renamed) == {(None, None, None, "workbook-old-format")}


def test_macros_are_refused_never_opened(base_book: Path, tmp_path: Path) -> None:
    xlsm = tmp_path / "report.xlsm"
    shutil.copyfile(base_book, xlsm)
    assert only(xlsm) == {(None, None, None, "workbook-macros")}
    rewrite_zip(base_book, lambda parts: parts.__setitem__("xl/vbaProject.bin", b"\x00" * 64))
    assert only(base_book) == {(None, None, None, "workbook-macros")}


def test_a_zip_bomb_is_measured_before_unpacking(base_book: Path) -> None:
    # 4 MB of one byte compresses to a few KB; the limit is on the unpacked size, read from
    # the zip directory.
    rewrite_zip(base_book, lambda parts: parts.__setitem__("xl/media/pad.bin", b"0" * 4_000_000))
    assert base_book.stat().st_size < 100_000
    limits = size_limits.Limits(max_file_size=2_000_000)
    assert only(base_book, limits=limits) == {(None, None, None, "workbook-too-large")}
    with zipfile.ZipFile(base_book) as archive:
        assert sum(i.file_size for i in archive.infolist()) > limits.max_file_size


def test_external_links(base_book: Path) -> None:
    rewrite_zip(
        base_book,
        lambda parts: parts.__setitem__("xl/externalLinks/externalLink1.xml", b"<externalLink/>"),
    )
    assert only(base_book) == {(None, None, None, "workbook-external-links")}


def test_a_sheet_over_max_rows(base_book: Path) -> None:
    limits = size_limits.Limits(max_rows=5)
    found = only(base_book, limits=limits)
    over = {f for f in found if f[3] == "too-many-rows"}
    assert ("results", 7, None, "too-many-rows") in over


def test_a_missing_package_sheet(base_book: Path) -> None:
    edit(base_book, lambda book: book.remove(book["package"]))
    assert only(base_book) == {(None, None, None, "workbook-no-package-sheet")}


def test_a_sheet_named_in_the_wrong_case(base_book: Path) -> None:
    def rename(book: openpyxl.Workbook) -> None:
        book["results"].title = "renamed"  # openpyxl refuses a name another sheet has in any case
        book["renamed"].title = "Results"

    edit(base_book, rename)
    found = only(base_book)
    assert ("Results", None, None, "workbook-sheet-name-case") in found
    assert (None, None, None, "missing-resource") in found


def test_a_workbook_saved_with_a_csv_name_is_still_caught() -> None:
    expected = (BAD / "hyg-excel-as-csv" / "expected.txt").read_text()
    assert "excel-file-as-csv" in expected


# --- the differential test: a bad CSV fixture as a workbook -------------------------------------

#: Bad fixtures a workbook cannot hold, and why.
NOT_A_WORKBOOK = {
    # Paths, descriptor JSON and a resource's own schema file: a workbook has none (its sheets
    # are its resources; its own refusals are tested above).
    **{case: "descriptor or path" for case in CASES if case.startswith(("gate-", "schema-"))},
    # The bytes of a CSV file, which a workbook's cells cannot hold.
    "hyg-blank-header": "a heading cell left blank with data under it is an extra cell",
    "hyg-control-character": "no workbook holds a control character",
    "hyg-excel-as-csv": "the file is already a workbook",
    "hyg-utf16": "encoding",
    "hyg-windows-1252": "encoding",
    "hyg-unterminated-quote": "quotes",
    "hyg-row-of-spaces": "a row of spaces",
    "tab-missing-cell": "a workbook's row has every column",
}


def csv_rows(path: Path) -> dict[int, int]:
    """Each record's first line -> its row as a spreadsheet counts them."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {line: row for row, (line, _r) in enumerate(read.read_records(handle), start=1)}


@pytest.mark.parametrize("case", [c for c in CASES if c not in NOT_A_WORKBOOK])
def test_a_bad_fixture_as_a_workbook_gives_the_same_problems(case: str, tmp_path: Path) -> None:
    folder = build_case(BAD / case, tmp_path)
    book = to_workbook(folder, tmp_path / "report.xlsx")
    from_csv = validate_package(folder, as_of=AS_OF).problems
    from_book = validate_package(book, as_of=AS_OF).problems
    assert sorted({(p.code, p.field) for p in from_book}, key=str) == sorted(
        {(p.code, p.field) for p in from_csv}, key=str
    )
    found = {(p.code, p.field, p.sheet, p.line, p.cell) for p in from_book}
    for p in from_csv:
        if p.file in (None, "datapackage.json"):
            continue
        sheet = p.file.removesuffix(".csv")
        row = None if p.line is None else csv_rows(folder / p.file)[p.line]
        lines = (folder / p.file).read_text(encoding="utf-8-sig").splitlines()
        header = lines[0].split(",") if lines else []
        cells = {None}
        if row is not None and p.field in header:
            # A heading written twice: the cell is in one of its columns.
            cells = {
                f"{workbook.column_letter(i)}{row}" for i, h in enumerate(header) if h == p.field
            }
        assert any((p.code, p.field, sheet, row, cell) in found for cell in cells), (p, found)
    assert all(p.file == "report.xlsx" for p in from_book)
    # The passing CSV files are never named: a message speaks of sheets.
    for p in from_book:
        for text in (p.message, p.hint or ""):
            assert ".csv" not in text and "pvreport-workbook-" not in text, text


# --- round trip -----------------------------------------------------------------------------------


def rows_of(folder: Path) -> dict[str, list[list[str]]]:
    """Each CSV file's rows, trailing empty cells and blank rows at the end left out (a
    workbook's row has every column: a short CSV row comes back with its empty cells)."""
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    found = {}
    for name, rows in workbook.read_folder_tables(descriptor, folder):
        trimmed = []
        for row in rows:
            row = list(row)
            while row and row[-1] == "":
                row.pop()
            trimmed.append(row)
        found[name] = trimmed
    return found


def round_trip_cases() -> list[str]:
    return ["example", "base", *[c for c in CASES if c not in NOT_A_WORKBOOK]]


@pytest.mark.parametrize("case", round_trip_cases())
def test_csv_to_workbook_to_csv_gives_the_same_rows_and_cells(case: str, tmp_path: Path) -> None:
    folder = {"example": EXAMPLE, "base": BASE}.get(case) or build_case(BAD / case, tmp_path)
    book = tmp_path / "report.xlsx"
    assert run_pvreport(tmp_path, "convert", str(folder), str(book)).returncode in (0, 1)
    back = tmp_path / "back"
    done = run_pvreport(tmp_path, "convert", str(book), str(back))
    assert done.returncode == 0, done.stdout + done.stderr
    assert rows_of(back) == rows_of(folder)
    before = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    after = json.loads((back / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in after.pop("resources")] == [
        r["name"] for r in before.pop("resources")
    ]
    assert after == before


def test_the_example_round_trip_is_byte_for_byte(tmp_path: Path) -> None:
    book = tmp_path / "example.xlsx"
    assert run_pvreport(tmp_path, "convert", str(EXAMPLE), str(book)).returncode == 0
    assert run_pvreport(tmp_path, "convert", str(book), "back").returncode == 0
    for csv_file in EXAMPLE.glob("*.csv"):
        assert (tmp_path / "back" / csv_file.name).read_bytes() == csv_file.read_bytes()


def test_convert_never_overwrites(base_book: Path) -> None:
    done = run_pvreport(base_book.parent, "convert", str(BASE), "report.xlsx")
    assert done.returncode == 2
    assert "already exists" in done.stderr


def test_convert_gives_the_same_bytes_for_the_same_folder(tmp_path: Path) -> None:
    """A team keeping the workbook in git sees no change where nothing changed: the stamp inside
    it is SOURCE_DATE_EPOCH's, as a reproducible build sets it."""
    env = {**ENV, "SOURCE_DATE_EPOCH": "1767225600"}
    for name in ("a.xlsx", "b.xlsx"):
        done = subprocess.run(
            [str(BIN / "pvreport"), "convert", str(EXAMPLE), name],
            cwd=tmp_path,
            env=env,
            check=False,
        )
        assert done.returncode == 0
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_the_written_workbook_has_typed_cells_and_text_never_a_formula(tmp_path: Path) -> None:
    package = copy_base(tmp_path / "p")
    path = package / "objectives.csv"
    text = path.read_text().splitlines()
    cells = text[1].split(",")
    cells[2] = "=HYPERLINK(1)"  # summary
    text[1] = ",".join(cells)
    path.write_text("\n".join(text) + "\n")
    book = openpyxl.load_workbook(to_workbook(package, tmp_path / "r.xlsx"))
    assert book["objectives"]["C2"].data_type == "s"
    assert book["objectives"]["C2"].value == "=HYPERLINK(1)"
    results = book["results"]
    assert results["D2"].value == 12 and results["D2"].data_type == "n"


# --- helpers ----------------------------------------------------------------------------------


def sheet_part(parts: dict[str, bytes], sheet: str) -> str:
    """The zip part of a sheet, from the workbook's own list and relations."""
    book = parts["xl/workbook.xml"].decode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    rid = re.search(rf'<sheet [^>]*name="{sheet}"[^>]*r:id="(rId\d+)"', book)
    if rid is None:
        rid = re.search(rf'<sheet [^>]*r:id="(rId\d+)"[^>]*name="{sheet}"', book)
    assert rid is not None
    target = re.search(rf'Id="{rid.group(1)}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'Target="([^"]+)"[^>]*Id="{rid.group(1)}"', rels
    )
    assert target is not None
    return "xl/" + target.group(1).removeprefix("/xl/")


# --- build ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_build_from_a_workbook_named_in_mkdocs_yml_and_on_the_command_line(
    tmp_path: Path,
) -> None:
    """`package: report.xlsx` in mkdocs.yml and `--package report.xlsx` both build the
    example's site from its workbook, with its pages; a broken cell stops the build and names it."""
    from bs4 import BeautifulSoup

    project = make_project(tmp_path / "project", BASE)
    shutil.rmtree(project / "datapackages")
    to_workbook(EXAMPLE, project / "report.xlsx")
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("datapackages/base", "report.xlsx"), encoding="utf-8")
    assert "package: report.xlsx" in config.read_text(encoding="utf-8")
    built = run_pvreport(project, "build", "--as-of", "2026-06-01")
    assert built.returncode == 0, built.stdout + built.stderr
    page = project / "site" / "indicators" / "households-in-temporary-homes" / "index.html"
    title = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find("h1")
    assert title is not None and "temporary homes" in title.get_text().lower()

    edit(project / "report.xlsx", lambda book: book["results"].__setitem__("D3", "about ten"))
    (project / "broken.xlsx").write_bytes((project / "report.xlsx").read_bytes())
    stopped = run_pvreport(project, "build", "--package", "broken.xlsx", "--as-of", "2026-06-01")
    assert stopped.returncode == 1
    assert "broken.xlsx: results!D3: [value]" in stopped.stdout + stopped.stderr


@pytest.mark.parametrize("case", BUILD_CASES)
def test_a_build_fixture_round_trips_or_says_why_not(case: str, tmp_path: Path) -> None:
    """The build fixtures (hostile text, withheld rows): CSV to workbook to CSV gives the same
    rows and cells; one a workbook cannot hold is refused with a problem, never half written."""
    package = copy_base(tmp_path / "project" / "datapackages" / "package")
    apply_case(BUILD_DIR / case, package)
    data, problems = xlsx.folder_workbook(package, created=WRITTEN)
    if data is None:
        assert problems and all(p.is_error for p in problems)
        return
    book = tmp_path / "report.xlsx"
    book.write_bytes(data)
    back = tmp_path / "back"
    back.mkdir()
    unpacked = workbook.unpack(book, back)
    assert unpacked.folder is not None, unpacked.problems
    assert rows_of(back) == rows_of(package)


# --- the one writer -------------------------------------------------------------------------------


def test_the_package_sheet_reads_back_as_the_descriptor_it_was_written_from(
    tmp_path: Path,
) -> None:
    """The writer's one flattening of datapackage.json (xlsx.package_rows) and the reader's
    unflattening are each other's inverse: word lists as en;cy, lists of objects numbered,
    numbers, true/false, a number too large for a cell, a resource's own properties."""
    descriptor = json.loads((EXAMPLE / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["languages"] = ["en", "cy"]
    descriptor["keywords"] = ["housing", "waste"]
    descriptor["licenses"] = [{"name": "OGL-UK-3.0", "path": "https://example.org/ogl"}]
    descriptor["contributors"] = [{"title": "A. Writer", "roles": ["author", "editor"]}]
    descriptor["organisation"] = {
        **descriptor.get("organisation", {}),
        "funding": {"amount": 1250.5, "sources": ["grant", "council tax"]},
    }
    descriptor["draft"] = False
    descriptor["population"] = 2**60
    descriptor["version"] = "1.10"
    resources = descriptor["resources"]
    resources[0] = {**resources[0], "title": "Objectives", "note": {"checked": True}}
    rows = xlsx.package_rows(descriptor)
    assert ("languages", "en;cy") in rows
    assert ("licenses.1.name", "OGL-UK-3.0") in rows
    assert ("keywords.2", "waste") in rows
    tables = {r["name"]: (["id"], [["x"]]) for r in resources}
    sheets = xlsx.package_sheets(descriptor, tables, guide=False, typed=True)
    book = tmp_path / "report.xlsx"
    book.write_bytes(xlsx.workbook_bytes(sheets, created=WRITTEN, typed=True))
    (tmp_path / "back").mkdir()
    unpacked = workbook.unpack(book, tmp_path / "back")
    assert unpacked.folder is not None, unpacked.problems
    after = json.loads((tmp_path / "back" / "datapackage.json").read_text(encoding="utf-8"))
    expected = {**descriptor, "population": str(2**60)}  # no cell holds it as a number
    expected["resources"] = [
        {
            "name": r["name"],
            "path": f"{r['name']}.csv",
            **{k: v for k, v in r.items() if k not in ("name", "path")},
        }
        for r in resources
    ]
    assert after == expected


def test_typed_cells_are_of_their_kind_only_where_they_read_back_the_same(
    tmp_path: Path,
) -> None:
    """Numbers, dates and true/false of a column of that type are cells of that kind; 3.50
    (its written zero), a 17-digit number, an impossible date and text stay text, and a text
    starting with = is never a formula."""
    tables = {
        "decisions": (
            ["id", "date", "title"],
            [["a", "2025-03-31", "=1+1"], ["b", "2025-02-30", "3"], ["c", "31/03/2025", ""]],
        ),
        "options": (
            ["id", "chosen", "cost"],
            [["a", "true", "12"], ["b", "false", "3.50"], ["c", "yes", "0.30000000000000004"]],
        ),
    }
    sheets = xlsx.package_sheets({}, tables, guide=False, typed=True)
    book = tmp_path / "r.xlsx"
    book.write_bytes(xlsx.workbook_bytes(sheets, created=WRITTEN, typed=True))
    opened = openpyxl.load_workbook(book)

    def kinds(name: str) -> list[list[tuple[str, object]]]:
        rows = opened[name].iter_rows(min_row=2)
        return [[(c.data_type, c.value) for c in row] for row in rows]

    assert kinds("decisions") == [
        [("s", "a"), ("d", dt.datetime(2025, 3, 31)), ("s", "=1+1")],
        [("s", "b"), ("s", "2025-02-30"), ("s", "3")],
        [("s", "c"), ("s", "31/03/2025"), ("n", None)],
    ]
    assert kinds("options") == [
        [("s", "a"), ("b", True), ("n", 12)],
        [("s", "b"), ("b", False), ("s", "3.50")],
        [("s", "c"), ("s", "yes"), ("s", "0.30000000000000004")],
    ]
    back = tmp_path / "back"
    back.mkdir()
    assert workbook.unpack(book, back).folder is not None
    for name, (header, rows) in tables.items():
        lines = (back / f"{name}.csv").read_text(encoding="utf-8").splitlines()
        assert lines == [",".join(header), *(",".join(row) for row in rows)]


def test_convert_refuses_a_control_character_and_names_its_cell(tmp_path: Path) -> None:
    folder = build_case(BAD / "hyg-control-character", tmp_path)
    done = run_pvreport(tmp_path, "convert", str(folder), "report.xlsx")
    assert done.returncode == 1
    assert "objectives.csv:3" in done.stdout and "control-character" in done.stdout
    assert "owner" in done.stdout
    assert not (tmp_path / "report.xlsx").exists()
    data, problems = xlsx.folder_workbook(folder, created=WRITTEN)
    assert data is None
    assert [(p.code, p.file, p.line, p.field) for p in problems] == [
        ("control-character", "objectives.csv", 3, "owner")
    ]
