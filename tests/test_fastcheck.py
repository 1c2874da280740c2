"""The vectorised checks give exactly the problems frictionless gives (a differential test).

frictionless is the reference. Every bad-input fixture, generated packages with planted errors and
random mutations of a results file are checked both ways, with the fast path forced on, and the
problems must be the same: code, file, line, field, value, message and hint.
"""

from __future__ import annotations

import csv
import tempfile
import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from conftest import AS_OF, BAD, copy_base
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_bad_inputs import CASES, build_case

from pvreport import contract, synthetic
from pvreport.problems import Problem
from pvreport.tables import read
from pvreport.validate import fastcheck, tabular, validate_package

Full = tuple[str, str | None, int | None, str | None, str | None, str, str | None]


def both_paths(package: Path) -> tuple[list[Full], list[Full]]:
    """The tabular problems of a package by frictionless, and by the fast path forced on."""
    slow, fast = tabular.both_ways(package)
    return sorted({_full(p) for p in slow}, key=repr), sorted({_full(p) for p in fast}, key=repr)


def _full(p: Problem) -> Full:
    return (p.code, p.file, p.line, p.field, p.value, p.message, p.hint)


# The gate's cases stop before any table is read; the others all reach frictionless.
@pytest.mark.parametrize("case", [c for c in CASES if not c.startswith("gate-")])
def test_bad_fixture_gives_the_same_problems_both_ways(case: str, tmp_path: Path) -> None:
    package = build_case(BAD / case, tmp_path)
    slow, fast = both_paths(package)
    assert fast == slow


def test_base_package_is_clean_both_ways(package: Path) -> None:
    assert both_paths(package) == ([], [])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_errors_give_the_same_problems_both_ways(seed: int, tmp_path: Path) -> None:
    package = synthetic.generate(tmp_path / "package", "S", seed)
    expected = synthetic.plant_errors(package, seed)
    slow, fast = both_paths(package)
    assert fast == slow
    # The planted problems frictionless is responsible for are all there (rules and hygiene
    # report the others).
    tabular_codes = {"wrong-type", "not-in-list", "bad-id", "bad-period", "missing-value",
                     "unknown-reference", "out-of-range", "duplicate-id", "extra-cell"}  # fmt: skip
    assert {(f, line, field, code) for code, f, line, field, *_ in fast} == {
        e for e in expected if e[3] in tabular_codes
    }


def test_large_file_takes_the_fast_path_by_itself(tmp_path: Path) -> None:
    # M's results file is over the threshold; its planted errors come out the same as the
    # expected ones without forcing anything.
    package = synthetic.generate(tmp_path / "package", "M", 5)
    expected = synthetic.plant_errors(package, 5)
    assert fastcheck.count_rows(package / "results.csv") > fastcheck.FAST_ROWS
    result = validate_package(package, as_of=AS_OF)
    assert sorted((p.file, p.line, p.field, p.code) for p in result.problems) == expected
    # Its columns were encoded on a second thread, which ended with the validation (a build
    # forks its engine helper afterwards).
    assert not [t for t in threading.enumerate() if t.name == "pvreport-encode"]


# Random mutations of a small results file ------------------------------------------------------

_CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "  12 ",
            "1e3",
            "NaN",
            "-inf",
            "-0",
            "+5",
            "1_000",
            "12.",
            ".5",
            "١٢",
            "0x1",
            "true",
            "1",
            "final",
            "Final",
            "final ",
            "estimated",
            "all",
            "age: 16-24",
            "damp-homes",
            "DAMP-homes",
            "no-such",
            "2024",
            "2024-13",
            "2024/25",
            "2023/24",
            "2024-Q5",
            "-1",
            "100",
            "2026-05-01T09:30:00Z",
            "2026-05-01",
            "a,b",
            'say "hi"',
            "line\nbreak",
            # Not ASCII: invisible, look-alike, text-direction and other digits.
            "\u200bdamp-homes",
            "damp-homes\u2060",
            "\u202e12",
            "all\u202c",
            "1\u00a0234",
            "1,234",
            "50%",
            "\u0663,\u0664\u0665\u0666",
            "caf\u00e9",
            "2026-05-0\u0661",
        ]
    ),
    st.text(max_size=8),
)


@st.composite
def mutations(draw: st.DrawFn) -> list[tuple[str, int, int, str]]:
    """A few edits of results.csv: (kind, record, column, text)."""
    kinds = st.sampled_from(["cell", "cell", "cell", "drop", "add", "blank", "copy"])
    return draw(
        st.lists(
            st.tuples(kinds, st.integers(1, 30), st.integers(0, 9), _CELLS), min_size=1, max_size=4
        )
    )


def _mutate(records: list[list[str]], edits: list[tuple[str, int, int, str]]) -> None:
    for kind, at, column, text in edits:
        index = min(at, len(records) - 1)
        record = records[index]
        if kind == "cell" and column < len(record):
            record[column] = text
        elif kind == "drop" and record:
            record.pop()
        elif kind == "add":
            record.append(text)
        elif kind == "blank":
            records.insert(index, [])
        elif kind == "copy":
            records.insert(index, list(records[max(1, index - 1)]))


def mutated_package(folder: Path, edits: list[tuple[str, int, int, str]]) -> Path:
    """A copy of the base package in ``folder`` whose results.csv has the edits applied."""
    package = copy_base(folder / "package")
    path = package / "results.csv"
    records = [record for _, record in read.csv_records(path)]
    _mutate(records, edits)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for record in records:
            writer.writerow(record) if record else handle.write("\n")
    return package


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=mutations())
def test_random_mutations_of_results_give_the_same_problems(
    edits: list[tuple[str, int, int, str]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        slow, fast = both_paths(mutated_package(Path(folder), edits))
        assert fast == slow


# Spellings near the edge of each field type's rules, and small edits of them: a cell the
# vectorised checks pass must be one frictionless reads without a note.
_NEAR = [
    *("true", "false", "True", "FALSE", "1", "0", "yes", ""),
    *("2025-05-01", "2024-02-29", "2026-02-29", "2025-5-1", "20250501", "0000-01-01"),
    *("2026-01-05T09:30:00Z", "2026-01-05T09:30:00+01:00", "2026-01-05T24:00:00", "2026-01-05"),
    *("2026-01-05T09:30:00", "2026-01-05 09:30:00", "2026-01-05T09:30:00+23:59"),
    *("https://example.org/a/b.csv", "http://x.y/", "https://a..b/", "ftp://x.org", "x.org"),
    *("12", "-3.5", "100", "100.0", "0", "-0", "1e5", "007", "1,000", " 5", "99.999999999999999"),
    *(
        "final",
        "Final",
        "public",
        "ind-0001",
        "-ind",
        "2023/24",
        "2025-Q4",
        "2025-13",
        "2025-12-31",
    ),
    *("a; b", "a;b;", " a ", "a;;b", "a" * 64, "a" * 65),
]
_EDITS = ":-T+Z /0123456789aZ;.\n\t\u00a0\u00e9\u0660"


@st.composite
def _near_cells(draw: st.DrawFn) -> str:
    cell = draw(st.sampled_from(_NEAR))
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(cell)))
        char = draw(st.sampled_from(_EDITS))
        if draw(st.booleans()) and at < len(cell):
            cell = cell[:at] + char + cell[at + 1 :]
        else:
            cell = cell[:at] + char + cell[at:]
    return cell


_ALL_FIELDS = [
    (schema, position)
    for name in contract.RESOURCES
    for schema in [tabular.file_schema(name, tuple(contract.fields(name)))[0]]
    for position in range(len(schema["fields"]))
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=st.lists(st.one_of(_near_cells(), st.text(max_size=10)), min_size=1, max_size=25))
@example(cells=_NEAR)
def test_cells_the_vectorised_checks_pass_are_cells_frictionless_reads(cells: list[str]) -> None:
    column = pa.array(cells, pa.string())
    for schema, position in _ALL_FIELDS:
        field = schema["fields"][position]
        ok = fastcheck._certainly_valid(column, field, lambda: pc.dictionary_encode(column))
        if ok is None:
            continue
        passed = cells if ok is True else [c for c, fine in zip(cells, ok.to_pylist()) if fine]
        _, handlers = fastcheck._frictionless_schema(schema)
        reader = list(handlers.values())[position].reader
        for cell in passed:
            assert not reader(cell)[1], (field["name"], cell)


def test_the_vectorised_checks_pass_the_usual_spellings() -> None:
    # The clean path only pays if the everyday spellings are passed without frictionless.
    usual = {
        ("results", "embargo_until"): "2026-01-05T09:30:00Z",
        ("results", "period"): "2025-Q4",
        ("results", "status"): "final",
        ("results", "sample_size"): "1175",
        ("indicators", "proxy"): "false",
        ("indicators", "source_url"): "https://example.org/data/damp-2024.csv",
        ("engagements", "start_date"): "2025-05-01",
        ("decisions", "objective_ids"): "safe-homes; warm-homes",
        ("engagement_profile", "participants_share"): "12.5",
    }
    for (name, field_name), cell in usual.items():
        schema = tabular.file_schema(name, tuple(contract.fields(name)))[0]
        field = next(f for f in schema["fields"] if f["name"] == field_name)
        column = pa.array([cell], pa.string())
        ok = fastcheck._certainly_valid(column, field, lambda c=column: pc.dictionary_encode(c))
        assert ok is True or (ok is not None and ok.to_pylist() == [True]), (name, field_name)


def _repeated_keys_by_loop(columns: list[list[str | None]]) -> list[tuple[int, str]]:
    """The reference: every row in turn, remembering the latest row of each key."""
    last_seen: dict[tuple[str | None, ...], int] = {}
    out = []
    for index, cells in enumerate(zip(*columns)):
        if all(c is None for c in cells):
            continue  # no key at all: reported as such, not as a repeat
        if cells in last_seen:
            out.append((index, f"the same as in the row at position {last_seen[cells]}"))
        last_seen[cells] = index + 2
    return out


def _repeated_keys_fast(columns: list[list[str | None]]) -> list[tuple[int, str]]:
    keys = [pa.array(c, pa.string()) for c in columns]
    present = keys[0].is_valid()
    for key in keys[1:]:
        present = pc.or_(present, key.is_valid())
    return fastcheck._repeated_keys(keys, present)


@given(
    st.integers(1, 3).flatmap(
        lambda width: st.lists(
            st.tuples(*[st.sampled_from(["a", "b", "c", None])] * width), max_size=30
        )
    )
)
def test_repeated_keys_are_found_as_a_loop_finds_them(rows: list[tuple[str | None, ...]]) -> None:
    if not rows:
        return
    columns = [list(c) for c in zip(*rows)]
    assert _repeated_keys_fast(columns) == _repeated_keys_by_loop(columns)


def test_repeated_keys_of_too_many_combinations_to_number_at_once() -> None:
    # Five columns of 20,000 distinct values each: 20,001 ** 5 combinations do not fit in one
    # 64-bit number, so the numbering starts again partway.
    count = 20_000
    columns = [[f"{i * (k + 1) % count:05d}" for i in range(count)] for k in range(5)]
    for column in columns:
        column += column[:3]  # the first three keys again, at the end
    expected = _repeated_keys_by_loop(columns)
    assert [row for row, _ in expected] == [count, count + 1, count + 2]
    assert _repeated_keys_fast(columns) == expected
