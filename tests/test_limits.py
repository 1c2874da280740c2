"""Limits on file size, rows and cell length: the defaults let a national report through, a file
over a limit is named with where and how to fix it, and the limits are set in mkdocs.yml.

Real files in tmp_path, real validation; the build-level cases (limits set through mkdocs.yml)
are in fixtures/build/limit-*.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import AS_OF, BASE, copy_base, make_project
from hypothesis import given, settings
from hypothesis import strategies as st

from pvreport.problems import Problem
from pvreport.tables import limits, read
from pvreport.tables.limits import Limits, LimitsError
from pvreport.validate import validate_package


def test_defaults_fit_a_national_report() -> None:
    default = Limits()
    assert default.max_file_size == 512 * 1024 * 1024
    assert default.max_rows == 5_000_000
    assert default.max_cell_length == 10_000
    assert default.max_columns == 300


@pytest.mark.parametrize(
    ("written", "size"),
    [
        (1234, 1234),
        ("1234", 1234),
        ("800KB", 800 * 1024),
        ("512MB", 512 * 1024 * 1024),
        ("512 mb", 512 * 1024 * 1024),
        ("1.5GB", int(1.5 * 1024**3)),
        ("2G", 2 * 1024**3),
    ],
)
def test_sizes_are_read_as_people_write_them(written: object, size: int) -> None:
    assert limits.parse_size(written) == size


@pytest.mark.parametrize("written", ["", "big", "-5MB", "0", 0, -1, True, 1.5, "5 TB", None])
def test_a_size_that_is_not_one_is_refused_plainly(written: object) -> None:
    with pytest.raises(LimitsError, match="max_file_size must be a size such as 512MB"):
        limits.parse_size(written)


def test_options_set_some_limits_and_keep_the_defaults_for_the_rest() -> None:
    chosen = Limits.from_options({"package": "x", "max_rows": 10, "max_file_size": "1KB"})
    assert chosen == Limits(max_file_size=1024, max_rows=10, max_cell_length=10_000)
    with pytest.raises(LimitsError, match="max_cell_length must be a whole number above 0"):
        Limits.from_options({"max_cell_length": "long"})
    with pytest.raises(LimitsError, match="max_rows"):
        Limits.from_options({"max_rows": 0})
    assert Limits.from_options({"max_columns": 500}).max_columns == 500
    with pytest.raises(LimitsError, match="max_columns must be a whole number above 0"):
        Limits.from_options({"max_columns": "wide"})


def test_readable_size() -> None:
    assert limits.readable_size(512 * 1024 * 1024) == "512 MB"
    assert limits.readable_size(1536) == "1.5 KB"
    assert limits.readable_size(999) == "999 bytes"


#: Files opened while a test records them (see ``opened``): every read of a file by pvreport,
#: frictionless or pyarrow goes through Python's ``open`` (pyarrow is handed bytes), which
#: raises the ``open`` audit event. An audit hook cannot be removed, so one hook is added once and
#: records only while a test asks it to.
_OPENED: list[list[str]] = []


def _record_opens(event: str, args: tuple[object, ...]) -> None:
    if event == "open" and _OPENED and isinstance(args[0], (str, bytes, os.PathLike)):
        _OPENED[-1].append(os.fsdecode(args[0]))


sys.addaudithook(_record_opens)


@pytest.fixture
def opened() -> Iterator[list[str]]:
    """The paths of the files opened while the test runs."""
    paths: list[str] = []
    _OPENED.append(paths)
    try:
        yield paths
    finally:
        _OPENED.remove(paths)


def test_a_file_over_the_size_limit_is_never_read(tmp_path: Path, opened: list[str]) -> None:
    package = copy_base(tmp_path / "package")
    # A sparse file: 600 MB long, no disk used. Read, it would be 600 MB of NUL bytes, which
    # hygiene reports; only the size problem may come back, and the file is never opened.
    with (package / "results.csv").open("r+b") as handle:
        handle.truncate(600 * 1024 * 1024)
    opened.clear()
    result = validate_package(package, as_of=AS_OF)
    names = {Path(path).name for path in opened}
    assert "results.csv" not in names
    assert {"objectives.csv", "indicators.csv"} <= names  # the other files were read
    assert [(p.file, p.line, p.field, p.code) for p in result.problems] == [
        ("results.csv", None, None, "file-too-large")
    ]
    problem = result.problems[0]
    assert problem.message == (
        "results.csv is 600 MB, more than the 512 MB pvreport reads from one file, so it was "
        "not read."
    )
    assert problem.hint and "max_file_size" in problem.hint and "mkdocs.yml" in problem.hint
    assert "results" not in result.tables


def test_a_national_results_file_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A million results, about 100 MB with quoted notes, is within every default limit, and
    is judged from its bytes: it is never parsed as CSV row by row (seconds for a file this
    size; the benchmark times it)."""
    path = tmp_path / "results.csv"
    rng = random.Random(5)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("indicator_id,period,group,value,lower,upper,sample_size,status,note\n")
        row = '{i},2025-{m:02d},ward: Ward {w},{v},,,{n},final,"Counted by hand, checked twice."\n'
        handle.writelines(
            row.format(
                i=f"ind-{i % 400:04d}",
                m=i % 12 + 1,
                w=i % 7000,
                v=rng.random(),
                n=rng.randrange(10**6),
            )
            for i in range(1_000_000)
        )
    assert path.stat().st_size > 90 * 1024 * 1024
    scans: list[str] = []
    scan = limits._scan_rows

    def counted(file: str, text: str, chosen: Limits) -> Iterator[Problem]:
        scans.append(file)
        return scan(file, text, chosen)

    monkeypatch.setattr(limits, "_scan_rows", counted)
    assert limits.check_contents("results.csv", path, Limits()) == []
    assert scans == []
    # Just over a limit, the same file is parsed and caught, with the line of the first row
    # too many.
    found = limits.check_contents("results.csv", path, Limits(max_rows=999_999))
    assert [(p.line, p.code) for p in found] == [(1_000_001, "too-many-rows")]
    assert scans == ["results.csv"]


def test_a_long_cell_is_named_by_file_line_and_field(tmp_path: Path) -> None:
    package = copy_base(tmp_path / "package")
    objectives = package / "objectives.csv"
    lines = objectives.read_text(encoding="utf-8").splitlines(keepends=True)
    # The long cell is quoted and runs over three lines: the problem names the line it starts on.
    long_text = "Warm homes. " * 900 + "\nSecond line.\nThird line."
    lines[2] = lines[2].replace(
        "People feel proud of where they live.", '"' + long_text.replace('"', '""') + '"'
    )
    objectives.write_text("".join(lines), encoding="utf-8", newline="")
    result = validate_package(package, as_of=AS_OF)
    assert [(p.file, p.line, p.field, p.code) for p in result.problems] == [
        ("objectives.csv", 3, "why_it_matters", "cell-too-long")
    ]
    assert result.problems[0].message.startswith(
        f"This cell holds {len(long_text):,} characters, more than the 10,000 pvreport takes"
    )


def test_only_ten_long_cells_are_named_and_the_rest_counted(tmp_path: Path) -> None:
    path = tmp_path / "responses.csv"
    body = "".join(f"eng-a,r{i},{'x' * 30},done\n" for i in range(25))
    path.write_text("engagement_id,id,you_said,outcome\n" + body, encoding="utf-8")
    found = limits.check_contents("responses.csv", path, Limits(max_cell_length=20))
    named = [p for p in found if p.line is not None]
    assert [(p.line, p.field) for p in named] == [(n, "you_said") for n in range(2, 12)]
    assert [p.message for p in found if p.line is None] == [
        "responses.csv has 15 more cells over 20 characters besides those named above."
    ]


cells = st.lists(
    st.lists(st.text(alphabet='ab ,"\n', max_size=12), min_size=3, max_size=3),
    min_size=1,
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(rows=cells, limit=st.integers(min_value=1, max_value=10))
def test_every_long_cell_is_found_whatever_the_quoting(
    rows: list[list[str]], limit: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The quick look at a file's lines never misses a cell that the CSV reader sees as long."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["a", "b", "c"])
    writer.writerows(rows)
    path = tmp_path_factory.mktemp("cells") / "t.csv"
    path.write_text(out.getvalue(), encoding="utf-8", newline="")
    expected = 0
    for record in csv.reader(io.StringIO(out.getvalue(), newline="")):
        if record != ["a", "b", "c"] and any(c.strip() for c in record):
            expected += sum(len(c) > limit for c in record)
    found = limits.check_contents("t.csv", path, Limits(max_cell_length=limit))
    named = [p for p in found if p.line is not None]
    assert len(named) == min(expected, limits.MAX_NAMED_CELLS)


def _cli(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "pvreport"), *args],
        cwd=project,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_validate_and_build_read_the_limits_from_mkdocs_yml(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", BASE)
    config = project / "mkdocs.yml"
    original = config.read_text(encoding="utf-8")
    config.write_text(
        original.replace(
            "package: datapackages/base", "package: datapackages/base\n      max_rows: 3"
        ),
        encoding="utf-8",
    )
    validated = _cli(project, "validate", "datapackages/base", "--as-of", AS_OF.isoformat())
    built = _cli(project, "build", "--as-of", AS_OF.isoformat())
    assert validated.returncode == built.returncode == 1
    assert "datapackages/base/results.csv:5: results.csv has more than 3 rows" in validated.stdout
    assert built.stdout == validated.stdout
    assert not (project / "site").exists()
    # Without the setting, the same package validates.
    elsewhere = _cli(tmp_path, "validate", str(project / "datapackages" / "base"))
    assert "too-many-rows" not in elsewhere.stdout

    # A limit that is not a number is a misuse of the command, said plainly, before any reading.
    config.write_text(
        original.replace(
            "package: datapackages/base", "package: datapackages/base\n      max_rows: many"
        ),
        encoding="utf-8",
    )
    validated = _cli(project, "validate", "datapackages/base")
    assert validated.returncode == 2
    assert "max_rows must be a whole number above 0, not 'many'" in validated.stderr
    built = _cli(project, "build")
    assert built.returncode == 1
    assert "max_rows must be a whole number above 0, not 'many'" in built.stderr
    assert "Traceback" not in built.stderr + validated.stderr


# Memory: a long line is measured from the bytes ---------------------------------------------------

_MEASURE = """
import datetime, json, re, sys
from pathlib import Path
from pvreport.validate import validate_package

as_of = datetime.date.fromisoformat(sys.argv[3])

def status(name):
    text = Path("/proc/self/status").read_text()
    return int(re.search(name + r":\\s+(\\d+) kB", text).group(1)) * 1024

validate_package(Path(sys.argv[1]), as_of=as_of)  # imports and first use, as every one pays
Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from here
before = status("VmRSS")
result = validate_package(Path(sys.argv[2]), as_of=as_of)
print(json.dumps({"grown": status("VmHWM") - before, "problems": [
    [p.file, p.line, p.field, p.code] for p in result.problems
]}))
"""


@pytest.mark.parametrize(
    ("text", "line"),
    [("x", 3), ("\u00e9", 3), ("x", 1)],
    ids=["ascii", "not-ascii", "in-the-heading-row"],
)
def test_a_long_line_takes_less_than_twice_its_file_in_memory(
    tmp_path: Path, text: str, line: int
) -> None:
    """A 30 MB cell on one line (once 11 times the file's size in memory, 4.4 GB for a 400 MB
    line) is found from the file's bytes: the validation's peak memory grows by less than twice
    the file's size (its bytes are read once, whole). Measured in a process of its own, from
    after a first validation (imports and caches) to the peak of the second."""
    package = copy_base(tmp_path / "package")
    objectives = package / "objectives.csv"
    lines = objectives.read_bytes().splitlines(keepends=True)
    cell = (text * (30_000_000 // len(text.encode()))).encode()
    if line == 1:
        lines[0] = lines[0].replace(b"why_it_matters", cell)
    else:
        lines[2] = lines[2].replace(b"People feel proud of where they live.", cell)
    objectives.write_bytes(b"".join(lines))
    size = objectives.stat().st_size
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(BASE), str(package), AS_OF.isoformat()],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    measured = json.loads(done.stdout)
    field = "why_it_matters" if line > 1 else None
    assert measured["problems"] == [["objectives.csv", line, field, "cell-too-long"]]
    assert measured["grown"] < 2 * size, f"{measured['grown'] / size:.1f} times the file's size"


# Columns: a file too wide stops before frictionless ----------------------------------------------


def _wide(package: Path, extra: int) -> Path:
    """results.csv with ``extra`` columns of the publisher's own beside the contract's."""
    path = package / "results.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    rows[0] += [f"own_{i}" for i in range(extra)]
    for row in rows[1:]:
        row += ["1"] * extra
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_a_file_wider_than_the_limit_goes_no_further(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """10,000 columns took frictionless 108 s and 2.2 GB (its work grows with the square of the
    columns): the heading row is counted first, and frictionless never sees the file."""
    from pvreport.validate import tabular

    package = copy_base(tmp_path / "package")
    _wide(package, 10_000)
    seen: list[str] = []
    original = tabular.check

    def check(package_dir: Path, readable: dict, *args: object, **kwargs: object) -> object:
        seen.extend(readable)
        return original(package_dir, readable, *args, **kwargs)

    monkeypatch.setattr(tabular, "check", check)
    result = validate_package(package, as_of=AS_OF)
    assert [(p.file, p.line, p.field, p.code) for p in result.problems] == [
        ("results.csv", 1, None, "too-many-columns")
    ]
    assert result.problems[0].message == (
        "results.csv has 10,010 columns in its heading row, more than the 300 pvreport reads "
        "from one file, so it was read no further."
    )
    assert "results" not in seen and "objectives" in seen


def test_the_column_limit_counts_the_heading_row_after_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "results.csv"
    path.write_text('\n,,\n"a\nb",' + ",".join("c" * 4) + "\n1,2,3,4,5\n", encoding="utf-8")
    found = limits.check_contents("results.csv", path, Limits(max_columns=4))
    assert [(p.line, p.value) for p in found] == [(3, "5")]
    assert limits.check_contents("results.csv", path, Limits(max_columns=5)) == []


# Lines and cells measured a block at a time: the same answers wherever the blocks fall -------


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet='ab,"\n', max_size=60),
    block=st.integers(min_value=1, max_value=9),
    longest=st.integers(min_value=1, max_value=8),
)
def test_lines_are_judged_alike_wherever_the_blocks_fall(
    text: str, block: int, longest: int
) -> None:
    data = text.encode()
    lines = data.split(b"\n")
    odd = any(line.count(b'"') % 2 for line in lines)
    long = any(len(line) > longest for line in lines)
    original = limits.BLOCK
    limits.BLOCK = block
    try:
        suspect = limits._suspect(data, Limits(max_cell_length=longest), data.count(b"\n"))
    finally:
        limits.BLOCK = original
    assert suspect == (odd or long)


@settings(max_examples=150, deadline=None)
@given(rows=cells, limit=st.integers(min_value=1, max_value=10), block=st.integers(1, 16))
def test_every_long_cell_is_found_wherever_the_blocks_fall(
    rows: list[list[str]],
    limit: int,
    block: int,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["a", "b", "c"])
    writer.writerows(rows)
    path = tmp_path_factory.mktemp("cells") / "t.csv"
    path.write_text(out.getvalue(), encoding="utf-8", newline="")
    expected = []
    reader = csv.reader(io.StringIO(out.getvalue(), newline=""))
    end = 0
    for record in reader:
        start, end = end + 1, reader.line_num
        if record != ["a", "b", "c"] and any(c.strip() for c in record):
            expected += [(start, "abc"[i], len(c)) for i, c in enumerate(record) if len(c) > limit]
    original = limits.BLOCK
    limits.BLOCK = block
    try:
        found = limits.check_contents("t.csv", path, Limits(max_cell_length=limit))
    finally:
        limits.BLOCK = original
    named = [(p.line, p.field, int(str(p.value).split()[0])) for p in found if p.line is not None]
    assert named == expected[: limits.MAX_NAMED_CELLS]


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet='ab ,"\n', max_size=80),
    limit=st.integers(min_value=1, max_value=6),
    block=st.integers(1, 16),
)
def test_long_cells_are_the_csv_readers_whatever_the_quotes(
    text: str, limit: int, block: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Quotes inside an unquoted cell (``5" screen``) are plain characters to the CSV reader;
    cells are measured from the bytes as the reader reads them, wherever the blocks fall."""
    path = tmp_path_factory.mktemp("quotes") / "t.csv"
    path.write_bytes(text.encode())
    expected = []
    header: list[str] | None = None
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    end = 0
    for record in reader:
        start, end = end + 1, reader.line_num
        if not any(c.strip() for c in record):
            continue
        names = [None] * len(record) if header is None else header
        expected += [
            (start, names[i] if i < len(names) else None, len(c))
            for i, c in enumerate(record)
            if len(c) > limit
        ]
        if header is None:
            header = [c.strip() for c in record]
    original = limits.BLOCK
    limits.BLOCK = block
    try:
        found = limits.check_contents(
            "t.csv", path, Limits(max_cell_length=limit, max_columns=1000)
        )
    finally:
        limits.BLOCK = original
    named = [(p.line, p.field, int(str(p.value).split()[0])) for p in found if p.line is not None]
    assert named == expected[: limits.MAX_NAMED_CELLS]


def test_a_cell_longer_than_the_csv_modules_own_limit_is_read_when_the_options_allow_it(
    tmp_path: Path,
) -> None:
    # Python's csv reader refuses a cell over 128 KB unless something in the process raised its
    # limit first; pvreport's reader raises it itself, for its own reading only, and in a fresh
    # process (the command) nothing else has.
    project = make_project(tmp_path / "project", BASE)
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "package: datapackages/base",
            "package: datapackages/base\n      max_cell_length: 300000",
        ),
        encoding="utf-8",
    )
    results = project / "datapackages" / "base" / "results.csv"
    lines = results.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].rstrip("\n").removesuffix(",") + "," + "word " * 33_000 + "\n"
    results.write_text("".join(lines), encoding="utf-8")
    validated = _cli(project, "validate", "datapackages/base", "--as-of", AS_OF.isoformat())
    assert "file-unreadable" not in validated.stdout
    assert "cell-too-long" not in validated.stdout
    assert validated.returncode == 0, validated.stdout


def test_the_csv_reader_raises_the_limit_for_its_own_reading_only(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("a,b\n1," + "x" * 200_000 + "\n", encoding="utf-8")
    # As a fresh process has it (frictionless raises it for good when it is imported).
    before = csv.field_size_limit(131_072)
    try:
        assert [len(record[1]) for _, record in read.csv_records(path)] == [1, 200_000]
        assert csv.field_size_limit() == 131_072
    finally:
        csv.field_size_limit(before)
