"""The whole validation by column gives exactly the problems and rows of the row-by-row reference.

``validate_package(fast_rows=...)`` chooses, per file, between the reference path (hygiene row by
row, frictionless, rows read into Python, every rule over every row) and the path for large files
(the file read once by pyarrow, hygiene and Table Schema checks by column, rules behind
vectorised pre-filters, rows made on demand). Forcing the second on every file of every bad
fixture, of packages with planted errors and of random mutations must change nothing: the same
problems (code, file, line, field, value, message, hint, severity) and the same rows.
"""

from __future__ import annotations

import csv
import io
import math
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from conftest import AS_OF, BAD
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_bad_inputs import CASES, build_case
from test_fastcheck import mutated_package, mutations

from pvreport import contract, synthetic
from pvreport.tables import limits as size_limits
from pvreport.tables import read
from pvreport.validate import Validation, hygiene, validate_package

#: Every file, however small, by column.
ALWAYS = -1
#: No file by column: the reference.
NEVER = 10**12

Full = tuple[str, str | None, int | None, str | None, str | None, str, str | None, str | None]


def _full(result: Validation) -> list[Full]:
    return [
        (p.code, p.file, p.line, p.field, p.value, p.message, p.hint, p.severity)
        for p in result.problems
    ]


def _same_nan(value: object) -> object:
    # A cell "NaN" reads as a float NaN on both paths; NaN equals nothing, not even itself.
    return _NAN if isinstance(value, float) and math.isnan(value) else value


_NAN = object()


def _rows(result: Validation) -> dict[str, list[tuple[int, dict[str, object], frozenset[str]]]]:
    return {
        name: [
            (row.line, {k: _same_nan(v) for k, v in row.cells.items()}, row.unreadable)
            for row in table.rows
        ]
        for name, table in result.tables.items()
    }


def assert_same_both_ways(package: Path) -> Validation:
    reference = validate_package(package, as_of=AS_OF, fast_rows=NEVER)
    fast = validate_package(package, as_of=AS_OF, fast_rows=ALWAYS)
    # Problems first (before any rule asked for every row), then the rows themselves.
    assert _full(fast) == _full(reference)
    assert {n: t.row_count for n, t in fast.tables.items()} == {
        n: t.row_count for n, t in reference.tables.items()
    }
    assert _rows(fast) == _rows(reference)
    return fast


@pytest.mark.parametrize("case", [c for c in CASES if not c.startswith("gate-")])
def test_bad_fixture_is_the_same_by_column(case: str, tmp_path: Path) -> None:
    assert_same_both_ways(build_case(BAD / case, tmp_path))


def test_base_package_is_read_by_column(package: Path) -> None:
    fast = assert_same_both_ways(package)
    # The fast path really ran: every table is held by column.
    assert all(table.columns is not None for table in fast.tables.values())
    assert set(fast.tables) == set(contract.RESOURCES) - {"labels"}  # one language


@pytest.mark.parametrize("seed", [0, 3])
def test_planted_errors_are_the_same_by_column(seed: int, tmp_path: Path) -> None:
    package = synthetic.generate(tmp_path / "package", "S", seed)
    expected = synthetic.plant_errors(package, seed)
    fast = assert_same_both_ways(package)
    assert sorted((p.file, p.line, p.field, p.code) for p in fast.problems) == expected


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=mutations())
def test_random_mutations_are_the_same_by_column(edits: list[tuple[str, int, int, str]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        assert_same_both_ways(mutated_package(Path(folder), edits))


def test_rows_are_made_only_when_asked_for(package: Path) -> None:
    table = validate_package(package, as_of=AS_OF, fast_rows=ALWAYS).tables["results"]
    assert table.columns is not None
    assert table._rows is None  # validation looked at columns and a few rows only
    count = table.row_count
    rows = table.rows
    assert len(rows) == count and rows[0].index is rows[-1].index  # one shared field index


def _suspect_by_lines(data: bytes, limits: size_limits.Limits) -> bool:
    """The reference: the file split into lines."""
    lines = data.split(b"\n")
    return (
        len(lines) - 1 > limits.max_rows
        or max(map(len, lines)) > limits.max_cell_length
        or (b'"' in data and any(line.count(b'"') % 2 for line in lines))
    )


@settings(max_examples=300, deadline=None)
@given(
    data=st.lists(st.sampled_from([b"a", b"b", b'"', b"\n", b",", b"\r"]), max_size=40).map(
        b"".join
    ),
    max_rows=st.integers(0, 6),
    max_cell_length=st.integers(1, 9),
)
def test_limits_find_suspect_files_by_array_as_by_lines(
    data: bytes, max_rows: int, max_cell_length: int
) -> None:
    limits = size_limits.Limits(max_rows=max_rows, max_cell_length=max_cell_length)
    assert size_limits._suspect(data, limits, data.count(b"\n")) == _suspect_by_lines(data, limits)


@settings(max_examples=150, deadline=None)
@given(
    records=st.lists(
        st.lists(
            st.sampled_from(["a", "", " ", "x\ny", "p\r\nq", "r\rs", "t\n\nu", 'say "hi"', "1,5"]),
            min_size=0,
            max_size=4,
        ),
        max_size=8,
    ),
    terminator=st.sampled_from(["\n", "\r\n"]),
)
def test_lines_of_records_by_column_are_python_readers(
    records: list[list[str]], terminator: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "table.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator=terminator)
            writer.writerow(["one", "two", "three"])
            for record in records:
                writer.writerow(record) if record else handle.write(terminator)
        parsed = read.parse_arrow(path)
        if parsed is not None:
            assert list(parsed.lines) == list(read.Lines(path))


_TOKENS = re.compile(r'["\n,]')


def _unterminated_quote_token_by_token(text: str) -> int | None:
    """The reference: every quote, comma and line break in turn (the earlier implementation)."""
    line, in_quote, opened, cell_start, skip = 1, False, 0, 0, -1
    for match in _TOKENS.finditer(text):
        char, at = match.group(), match.start()
        if at == skip:
            continue
        if in_quote:
            if char == '"':
                if text.startswith('"', at + 1):
                    skip = at + 1
                else:
                    in_quote = False
            elif char == "\n":
                line += 1
        elif char == '"':
            if at == cell_start:
                in_quote, opened = True, line
        else:
            line += char == "\n"
            cell_start = at + 1
    return opened if in_quote else None


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet='ab",\n\r ', max_size=30))
def test_unterminated_quote_jumping_quote_to_quote_is_the_token_scan(text: str) -> None:
    assert hygiene.unterminated_quote(text) == _unterminated_quote_token_by_token(text)


def test_columns_encoded_ahead_on_another_thread_are_the_ones_asked_for(tmp_path: Path) -> None:
    import pyarrow.compute as pc

    path = tmp_path / "results.csv"
    rows = [f"ind-{i % 7},2024-{1 + i % 12:02d},all,{i % 13}.5,,\n" for i in range(5000)]
    path.write_text("indicator_id,period,group,value,lower,upper\n" + "".join(rows))
    ahead, asked = read.parse_arrow(path), read.parse_arrow(path)
    assert ahead is not None and asked is not None
    ahead.encode_ahead()
    ahead.encode_ahead()  # once only
    for position, column in enumerate(asked.columns):
        assert ahead.encoded(position).equals(pc.dictionary_encode(column))
        assert asked.encoded(position).equals(ahead.encoded(position))


def test_a_failed_encoding_thread_leaves_the_work_to_the_caller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    import pyarrow.compute as pc

    path = tmp_path / "results.csv"
    path.write_text("a,b\n1,2\n3,4\n")
    parsed = read.parse_arrow(path)
    assert parsed is not None

    def fails(column: object) -> object:
        raise MemoryError

    monkeypatch.setattr(pc, "dictionary_encode", fails)
    monkeypatch.setattr(threading, "excepthook", lambda args: None)
    parsed.encode_ahead()
    assert parsed._encoding is not None
    parsed._encoding.join()
    monkeypatch.undo()
    assert parsed.encoded(1).dictionary.to_pylist() == ["2", "4"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b"a", b",", b"\n", b"\r", b'"', b"\xc3\xa9", b" "]), max_size=12))
def test_a_stray_quote_is_found_as_the_regular_expression_finds_it(parts: list[bytes]) -> None:
    data = b"".join(parts)
    expected = re.search(rb'[^,\n\r"]"[^,\n\r"]', data) is not None
    assert read.stray_quote(data) == expected


def test_a_file_that_is_not_all_ascii_is_still_checked_by_column(
    package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Real reports hold a £, an en dash or a Welsh place name: one such cell once sent a
    # million-row file to the row-by-row checks (ten times slower); it is read by pyarrow.
    path = package / "results.csv"
    text = path.read_text(encoding="utf-8")
    records = list(csv.reader(io.StringIO(text, newline="")))
    note = records[0].index("note")
    records[3][note] = "Cost £2m – Ynys Môn"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(records)
    by_python = read._parse_python

    def refuse(path: Path) -> object:
        assert path.name != "results.csv", "results.csv was read by Python's reader"
        return by_python(path)

    monkeypatch.setattr(read, "_parse_python", refuse)
    result = validate_package(package, as_of=AS_OF, fast_rows=ALWAYS)
    assert not result.errors
    assert any(r.get("note") == "Cost £2m – Ynys Môn" for r in result.tables["results"].rows)


@pytest.mark.parametrize(
    "save",
    [
        synthetic.as_excel_saves,
        synthetic.every_cell_quoted,
    ],
    ids=["excel", "quoted"],
)
@pytest.mark.parametrize("seed", [0, 1])
def test_a_package_saved_by_other_tools_is_read_by_column_with_the_same_problems(
    seed: int, save: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = synthetic.generate(tmp_path / "package", "S", seed)
    synthetic.plant_errors(package, seed)
    for path in package.glob("*.csv"):
        path.write_bytes(save(path.read_bytes()))
    assert_same_both_ways(package)
    parse = read.parse_arrow
    monkeypatch.setattr(read, "parse_arrow", lambda *args: parse(*args) or pytest.fail("refused"))
    validate_package(package, as_of=AS_OF, fast_rows=ALWAYS)


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet='aé",\n\r ', max_size=30), bom=st.booleans())
def test_unterminated_quote_of_the_bytes_is_that_of_the_text(text: str, bom: bool) -> None:
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    assert hygiene.unterminated_quote(data) == _unterminated_quote_token_by_token(text)
