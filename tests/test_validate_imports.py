"""What a validation imports: pandas only where a check needs it.

pyarrow imports pandas (0.13-0.17 s) on its first conversion of any Python value unless
``validate_package`` keeps it out; the repeated-key check still uses pandas when keys repeat.
Each case runs in a fresh interpreter, since an import happens once per process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import AS_OF

_SCRIPT = """
import json, sys, datetime as dt
from pvreport.validate import validate_package
found = validate_package(sys.argv[1], as_of=dt.date.fromisoformat(sys.argv[2]), fast_rows=-1)
print(json.dumps({"pandas": "pandas" in sys.modules,
                  "codes": sorted({p.code for p in found.problems})}))
"""


def _validate_fresh(package: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(package), AS_OF.isoformat()],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def test_validation_by_column_does_not_import_pandas(package: Path) -> None:
    outcome = _validate_fresh(package)
    assert outcome["pandas"] is False
    assert outcome["codes"] == []


def test_repeated_keys_are_still_found_with_pandas(package: Path) -> None:
    path = package / "indicators.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join([*lines, lines[1]]), encoding="utf-8", newline="")
    outcome = _validate_fresh(package)
    assert "duplicate-id" in outcome["codes"]
    assert outcome["pandas"] is True
