"""What a validation imports: never pandas, and frictionless only where a cell is in doubt.

pyarrow imports pandas (0.13-0.17 s) on its first conversion of any Python value unless
``validate_package`` keeps it out; code that asks pyarrow for pandas afterwards still gets it.
Each case runs in a fresh interpreter, since an import happens once per process.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import AS_OF

from pvreport.validate import validate_package

_SCRIPT = """
import json, sys, datetime as dt
from pvreport.validate import validate_package
found = validate_package(sys.argv[1], as_of=dt.date.fromisoformat(sys.argv[2]), fast_rows=-1)
outcome = {"pandas": "pandas" in sys.modules,
           "codes": sorted({p.code for p in found.problems})}
import pyarrow as pa
frame = pa.table({"a": [1, 2]}).to_pandas()  # what any later code may ask of pyarrow
outcome["to_pandas"] = type(frame).__name__
print(json.dumps(outcome))
"""


def _fresh(script: str, package: Path) -> dict[str, Any]:
    """What ``script`` prints (JSON) on validating ``package`` in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", script, str(package), AS_OF.isoformat()],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stderr == ""
    return json.loads(done.stdout)


def test_validation_by_column_does_not_import_pandas(package: Path) -> None:
    outcome = _fresh(_SCRIPT, package)
    assert outcome["pandas"] is False
    assert outcome["codes"] == []
    assert outcome["to_pandas"] == "DataFrame"


def test_repeated_keys_are_found_without_pandas(package: Path) -> None:
    path = package / "indicators.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join([*lines, lines[1]]), encoding="utf-8", newline="")
    outcome = _fresh(_SCRIPT, package)
    assert "duplicate-id" in outcome["codes"]
    assert outcome["pandas"] is False
    assert outcome["to_pandas"] == "DataFrame"


def test_frictionless_limits_written_out_are_frictionless_own() -> None:
    import frictionless

    from pvreport.validate import fastcheck

    assert fastcheck.LIMIT_ERRORS == frictionless.settings.DEFAULT_LIMIT_ERRORS
    assert fastcheck._SAMPLE_ROWS == frictionless.settings.DEFAULT_SAMPLE_SIZE


_IMPORT_ONLY = """
import sys
import pvreport.cli, pvreport.validate
print(sorted(m for m in ("frictionless", "pandas") if m in sys.modules))
"""


def test_importing_validate_does_not_import_frictionless() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_ONLY], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


_BY_COLUMN = """
import json, sys, datetime as dt
from pvreport.validate import validate_package
found = validate_package(sys.argv[1], as_of=dt.date.fromisoformat(sys.argv[2]), fast_rows=-1)
print(json.dumps({
    "problems": [[p.code, p.file, p.line, p.field, p.value, p.message, p.hint]
                 for p in found.problems],
    "frictionless": "frictionless" in sys.modules,
}))
"""


def _reference(package: Path) -> list[list[Any]]:
    """The problems with every file read by frictionless itself."""
    found = validate_package(package, as_of=AS_OF, fast_rows=10**12)
    return [[p.code, p.file, p.line, p.field, p.value, p.message, p.hint] for p in found.problems]


def _set_cell(path: Path, column: str, cell: str) -> None:
    """Write ``cell`` into ``column`` of the first data row of a CSV file."""
    with path.open(encoding="utf-8", newline="") as handle:
        records = list(csv.reader(handle))
    records[1][records[0].index(column)] = cell
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(records)


def test_clean_package_by_column_does_not_import_frictionless(package: Path) -> None:
    # Every field type of the contract filled in: dates, a datetime, booleans, web addresses,
    # patterns, lists, numbers with bounds; all are decided without frictionless.
    _set_cell(package / "results.csv", "embargo_until", "2026-01-05T09:30:00Z")
    _set_cell(package / "indicators.csv", "source_url", "https://example.org/data/damp-2024.csv")
    outcome = _fresh(_BY_COLUMN, package)
    assert outcome["frictionless"] is False
    assert outcome["problems"] == _reference(package)


@pytest.mark.parametrize(
    ("file", "column", "cell"),
    [
        ("results.csv", "status", "finall"),
        ("indicators.csv", "proxy", "yes"),
        ("indicators.csv", "source_url", "not a web address"),
        ("engagements.csv", "start_date", "2026-02-30"),
        ("results.csv", "period", "2025-Q5"),
    ],
)
def test_a_doubtful_cell_brings_frictionless_in_with_its_own_problems(
    package: Path, file: str, column: str, cell: str
) -> None:
    _set_cell(package / file, column, cell)
    outcome = _fresh(_BY_COLUMN, package)
    assert outcome["frictionless"] is True
    assert outcome["problems"] == _reference(package)
    assert any(p[4] == cell for p in outcome["problems"])


def test_an_unreadable_moment_is_reported_by_pvreport_without_frictionless(package: Path) -> None:
    # frictionless gets embargo_until as text; pvreport's own reader of moments (moments.py)
    # refuses it, the same by column as by row, and a file is not handed to frictionless for it.
    _set_cell(package / "results.csv", "embargo_until", "2026-13-01T00:00:00Z")
    outcome = _fresh(_BY_COLUMN, package)
    assert outcome["frictionless"] is False
    assert outcome["problems"] == _reference(package)
    refused = [p[:4] for p in outcome["problems"] if p[3] == "embargo_until"]
    assert refused == [["bad-moment", "results.csv", 2, "embargo_until"]]


_CLI = """
import json, sys
from pvreport.cli import main
code = main(["validate", sys.argv[1], "--as-of", sys.argv[2]])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""

#: What only the build, an error or another command needs: `pvreport validate` of a clean
#: package imports none of them (numpy.ma, 10-30 ms, came through a NumPy array given to
#: pyarrow; the engine's module and importlib.metadata, 10-20 ms, through --engine's choices).
_NOT_ON_THE_CLEAN_PATH = (
    "frictionless", "pandas", "numpy.ma", "importlib.metadata", "mkdocs", "jinja2", "markdown",
    "nh3", "selectolax", "pvreport.build", "pvreport.site.engine", "pvreport.site.render",
    "pvreport.site.charts",
)  # fmt: skip


def test_validate_on_the_command_line_imports_only_what_validation_needs(package: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _CLI, str(package), AS_OF.isoformat()],
        capture_output=True,
        text=True,
        check=True,
    )
    outcome = json.loads(done.stdout.splitlines()[-1])
    assert outcome["code"] == 0
    assert set(_NOT_ON_THE_CLEAN_PATH) & set(outcome["modules"]) == set()
