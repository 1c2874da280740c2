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

from pvreport.validate import validate_package

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


def test_frictionless_limits_written_out_are_frictionless_own() -> None:
    import frictionless

    from pvreport import fastcheck

    assert fastcheck.LIMIT_ERRORS == frictionless.settings.DEFAULT_LIMIT_ERRORS
    assert fastcheck._SAMPLE_ROWS == frictionless.settings.DEFAULT_SAMPLE_SIZE


_IMPORT_ONLY = """
import sys
import pvreport.cli, pvreport.validate
print(sorted(m for m in ("frictionless", "pandas") if m in sys.modules))
"""


def test_importing_validate_leaves_frictionless_to_the_warm_up() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_ONLY], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


_WARMED = """
import json, sys, threading, datetime as dt
from pvreport.validate import validate_package
found = validate_package(sys.argv[1], as_of=dt.date.fromisoformat(sys.argv[2]), fast_rows=-1)
print(json.dumps({
    "codes": sorted({p.code for p in found.problems}),
    "frictionless": "frictionless" in sys.modules,
    "threads": [t.name for t in threading.enumerate() if t is not threading.main_thread()],
}))
"""


def test_warm_up_thread_is_done_when_validation_returns(package: Path) -> None:
    # A byte-order mark: the reading imports a codec while the warm-up imports frictionless.
    path = package / "results.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    done = subprocess.run(
        [sys.executable, "-c", _WARMED, str(package), AS_OF.isoformat()],
        capture_output=True,
        text=True,
        check=True,
    )
    outcome = json.loads(done.stdout)
    assert outcome["frictionless"] is True
    assert outcome["threads"] == []
    reference = validate_package(package, as_of=AS_OF, fast_rows=10**12)
    assert outcome["codes"] == sorted({p.code for p in reference.problems})
    assert done.stderr == ""


def test_schemas_made_ahead_are_those_the_checks_ask_for(package: Path) -> None:
    from pvreport import fastcheck, gate
    from pvreport import validate as validate_module

    fastcheck._schema_of.cache_clear()
    likely = validate_module._likely_schemas(gate.check(package).resources)
    assert likely
    fastcheck.warm_up(likely)
    made = fastcheck._schema_of.cache_info().misses
    validate_package(package, as_of=AS_OF, fast_rows=-1)
    after = fastcheck._schema_of.cache_info()
    assert after.misses == made
    assert after.hits >= len(likely)
