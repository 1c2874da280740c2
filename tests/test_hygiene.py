"""File hygiene: the mistakes a spreadsheet user makes, each found and explained."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from conftest import AS_OF, BASE
from hypothesis import given, settings
from hypothesis import strategies as st

from pvreport import contract
from pvreport.validate import hygiene, validate_package


def check(tmp_path: Path, name: str, content: str | bytes) -> hygiene.FileCheck:
    path = tmp_path / f"{name}.csv"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return hygiene.check_file(name, path, f"{name}.csv")


def found(result: hygiene.FileCheck) -> list[tuple[str, int | None, str | None]]:
    return sorted(((p.code, p.line, p.field) for p in result.problems), key=str)


REVISIONS_HEADER = ",".join(contract.fields("revisions"))
REVISION = "2025-06-01,indicators,damp-homes,target_value,10,8,The panel asked us to aim higher."


def test_bom_and_crlf_are_accepted_silently(package: Path) -> None:
    for name in contract.RESOURCES[:-1]:  # the base has no labels (one language)
        path = package / f"{name}.csv"
        text = path.read_text(encoding="utf-8")
        path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    result = validate_package(package, as_of=AS_OF)
    assert result.problems == []
    assert result.tables["objectives"].header[0] == "id"


def test_crlf_keeps_line_numbers(package: Path) -> None:
    path = package / "objectives.csv"
    text = path.read_text(encoding="utf-8").replace("service,Director of Environment", "service,")
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    result = validate_package(package, as_of=AS_OF)
    assert [(p.code, p.file, p.line, p.field) for p in result.problems] == [
        ("missing-value", "objectives.csv", 3, "owner")
    ]


def test_windows_1252_is_named_with_line_and_advice(tmp_path: Path) -> None:
    text = f"{REVISIONS_HEADER}\n{REVISION}\n2025-07-01,results,x,value,1,2,The council\u2019s own figure\n"
    result = check(tmp_path, "revisions", text.encode("cp1252"))
    assert result.fatal
    [problem] = result.problems
    assert (problem.code, problem.line) == ("not-utf8", 3)
    assert "looks like Windows-1252" in problem.message
    assert "\u2019" in problem.message
    assert "CSV UTF-8" in problem.message + (problem.hint or "")


def test_bytes_that_are_not_windows_1252_either(tmp_path: Path) -> None:
    # 0x81 is undefined in Windows-1252, so pvreport does not guess.
    result = check(tmp_path, "revisions", f"{REVISIONS_HEADER}\n\x00".encode() + b"\x81\n")
    [problem] = result.problems
    assert problem.code == "not-utf8" and problem.line == 2
    assert "Windows-1252" not in problem.message and "0x81" in problem.message


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00rest of a workbook", "excel-file-as-csv"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old excel", "excel-file-as-csv"),
        (b"version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 10\n", "lfs-pointer"),
        (b"\x1f\x8b\x08\x00 gzip", "compressed-resource"),
        ("id,name\n".encode("utf-16"), "not-utf8"),
        (b"", "empty-file"),
        (b"\n \n,,\n", "empty-file"),
        (b"date;resource;row_id\n2025-01-01;x;y\n", "wrong-delimiter"),
        (b"date\tresource\trow_id\n", "wrong-delimiter"),
    ],
)
def test_fatal_file_problems(tmp_path: Path, content: bytes, code: str) -> None:
    result = check(tmp_path, "revisions", content)
    assert result.fatal
    assert [p.code for p in result.problems] == [code]


def test_fatal_files_go_no_further(package: Path) -> None:
    path = package / "objectives.csv"
    path.write_bytes(path.read_text(encoding="utf-8").replace("feel", "f\u00e9el").encode("cp1252"))
    result = validate_package(package, as_of=AS_OF)
    from_file = [p.code for p in result.problems if p.file == "objectives.csv"]
    assert from_file == ["not-utf8"]
    assert "objectives" not in result.tables
    assert "indicators" in result.tables


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('a,b\n"x,y\n', 2),
        ('a,b\n"x\ny",z\n"open\n', 4),
        ('a,b\nx,"y""\n', 2),
        ('a,"b\n\n\nc', 1),
    ],
)
def test_unterminated_quote_line(text: str, line: int) -> None:
    assert hygiene.unterminated_quote(text) == line


@pytest.mark.parametrize("text", ["a,b\nx,y\n", 'a,b\n"x\ny","say ""hi"""\n', 'a,b\n5" screen,y\n'])
def test_closed_quotes_are_fine(text: str) -> None:
    assert hygiene.unterminated_quote(text) is None


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.lists(st.text(max_size=6), min_size=1, max_size=4), min_size=1, max_size=5))
def test_files_written_by_a_csv_writer_have_no_open_quote(rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    text = buffer.getvalue()
    assert hygiene.unterminated_quote(text) is None
    # Opening a quoted cell on a new last line and never closing it is found, on that line.
    lines_before = text.count("\n")
    assert hygiene.unterminated_quote(text + '"never closed') == lines_before + 1


def test_header_problems(tmp_path: Path) -> None:
    text = " ID ,Name,direction,direction,,Notes\nfull-council,Full Council,upward,x,,y\n"
    result = check(tmp_path, "accountability", text)
    assert not result.fatal
    assert found(result) == [
        ("duplicate-header", 1, "direction"),
        ("header-not-exact", 1, "id"),
        ("header-not-exact", 1, "name"),
        ("missing-column", 1, None),
        ("unknown-column", 1, "Notes"),
    ]
    by_code = {p.code: p for p in result.problems}
    assert by_code["missing-column"].value == "holds_us_to_account_for, mechanism"
    assert by_code["unknown-column"].severity == "warning"
    assert (
        '" ID "' in by_code["header-not-exact"].message
        or '"Name"' in by_code["header-not-exact"].message
    )
    assert result.header == ("id", "name", "direction", "direction", "", "notes")


def test_blank_heading_only_matters_with_values(tmp_path: Path) -> None:
    quiet = check(tmp_path, "revisions", f"{REVISIONS_HEADER},\n{REVISION},\n")
    assert quiet.problems == []
    loud = check(tmp_path, "revisions", f"{REVISIONS_HEADER},\n{REVISION},by email\n")
    assert found(loud) == [("blank-header", 1, None)]


def test_header_after_blank_lines_and_blank_rows(tmp_path: Path) -> None:
    result = check(tmp_path, "revisions", f"\n{REVISIONS_HEADER}\n{REVISION}\n\n,,,\n{REVISION}\n")
    assert result.header_line == 2
    assert found(result) == [("blank-row", 4, None), ("blank-row", 5, None)]
    assert all(p.severity == "warning" for p in result.problems)


@pytest.mark.parametrize(
    ("value", "code", "hint_part"),
    [
        ('"1,234"', "number-thousands-separator", "1234"),
        ('"-12,345.5"', "number-thousands-separator", "-12345.5"),
        ("45%", "number-percent-sign", "45"),
        ("45.5 %", "number-percent-sign", "45.5"),
    ],
)
def test_numbers_as_people_write_them(
    tmp_path: Path, value: str, code: str, hint_part: str
) -> None:
    header = ",".join(contract.fields("results"))
    result = check(tmp_path, "results", f"{header}\ndamp-homes,2024,all,{value},,,,,,\n")
    assert [(p.code, p.line, p.field) for p in result.problems] == [(code, 2, "value")]
    assert hint_part in (result.problems[0].hint or "")
    assert result.explained == {(2, "value")}


@pytest.mark.parametrize("value", ["1234", "-0.5", "12,34", "n/a", ""])
def test_other_numbers_are_left_to_the_type_check(tmp_path: Path, value: str) -> None:
    header = ",".join(contract.fields("results"))
    result = check(tmp_path, "results", f'{header}\ndamp-homes,2024,all,"{value}",,,,,,\n')
    assert result.problems == []


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("2024-02-30", "date-impossible"),
        ("2025-13-01", "date-impossible"),
        ("30/02/2024", "date-format"),
        ("01.06.2025", "date-format"),
        ("June 2025", "date-format"),
        ("2025-6-1", "date-format"),
    ],
)
def test_dates(tmp_path: Path, value: str, code: str) -> None:
    result = check(
        tmp_path, "revisions", f"{REVISIONS_HEADER}\n{REVISION.replace('2025-06-01', value)}\n"
    )
    assert [(p.code, p.line, p.field, p.value) for p in result.problems] == [
        (code, 2, "date", value)
    ]
    assert "YYYY-MM-DD" in (result.problems[0].hint or "")


def test_day_first_date_hint_spells_out_the_fix(tmp_path: Path) -> None:
    result = check(
        tmp_path,
        "revisions",
        f"{REVISIONS_HEADER}\n{REVISION.replace('2025-06-01', '01/06/2025')}\n",
    )
    assert "2025-06-01" in (result.problems[0].hint or "")


def test_leap_day_is_a_real_date(tmp_path: Path) -> None:
    result = check(
        tmp_path,
        "revisions",
        f"{REVISIONS_HEADER}\n{REVISION.replace('2025-06-01', '2024-02-29')}\n",
    )
    assert result.problems == []


def test_invisible_characters_in_ids_show_code_points(tmp_path: Path) -> None:
    header = ",".join(contract.fields("accountability"))
    text = (
        f"{header}\n"
        "full-council,Full Council,upward,The budget,Scrutiny,\n"
        "residents\u00a0,Residents,outward,Services,Survey,\n"
        "full-council\u200b,Council again,upward,The budget,Scrutiny,\n"
    )
    result = check(tmp_path, "accountability", text)
    assert found(result) == [("invisible-character", 3, "id"), ("lookalike-id", 4, "id")]
    by_code = {p.code: p for p in result.problems}
    assert "U+00A0 NO-BREAK SPACE" in by_code["invisible-character"].message
    assert "U+200B ZERO WIDTH SPACE" in by_code["lookalike-id"].message
    assert "line 2" in by_code["lookalike-id"].message


def test_invisible_characters_in_id_lists(tmp_path: Path) -> None:
    header = ",".join(contract.fields("decisions"))
    row = (
        "d-1,Title,2025-01-01,full-council,Summary,Rationale,,safe-homes;\u2060clean-streets,,"
        "decided,,,\n"
    )
    result = check(tmp_path, "decisions", f"{header}\n{row}")
    assert [(p.code, p.field) for p in result.problems] == [
        ("invisible-character", "objective_ids")
    ]
    assert "U+2060" in result.problems[0].message


def test_bidi_override_in_text_is_a_warning(tmp_path: Path) -> None:
    row = REVISION.replace("aim", "\u202eaim")
    result = check(tmp_path, "revisions", f"{REVISIONS_HEADER}\n{row}\n")
    [problem] = result.problems
    assert (problem.code, problem.severity, problem.field) == (
        "bidi-control-character",
        "warning",
        "reason",
    )
    assert "U+202E" in problem.message


def test_control_character_line_and_column(tmp_path: Path) -> None:
    # The cell starts on line 2 and holds a line break, so the control character is on line 3.
    text = f'{REVISIONS_HEADER}\n2025-06-01,indicators,x,y,1,2,"First line\nsecond\x07 line"\n'
    result = check(tmp_path, "revisions", text)
    assert [(p.code, p.line, p.field) for p in result.problems] == [
        ("control-character", 3, "reason")
    ]
    assert "U+0007" in result.problems[0].message
    assert not result.fatal


def test_many_control_characters_are_capped(tmp_path: Path) -> None:
    rows = "".join(f"2025-06-01,indicators,x{i},y,1,2,bad\x01\n" for i in range(50))
    result = check(tmp_path, "revisions", f"{REVISIONS_HEADER}\n{rows}")
    assert len(result.problems) == 10


def test_base_files_are_clean() -> None:
    for name in contract.RESOURCES[:-1]:  # the base has no labels (one language)
        result = hygiene.check_file(name, BASE / f"{name}.csv", f"{name}.csv")
        assert result.problems == [] and not result.fatal, name


@pytest.mark.parametrize(
    ("label", "close"),
    [
        ("visibility", True),
        ("visiblity", True),  # a letter left out
        ("visibillity", True),  # a letter added
        ("visibilitx", True),  # a letter changed
        ("visibiltiy", True),  # two neighbours swapped
        ("_visibility", True),
        ("visibilities", False),
        ("visible", False),
        ("vsibilty", False),  # two edits
        ("status", False),
    ],
)
def test_one_edit_apart_from_visibility(label: str, close: bool) -> None:
    assert hygiene.one_edit_apart(label, "visibility") is close
    assert hygiene.one_edit_apart("visibility", label) is close
