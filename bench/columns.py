"""Validation time and peak memory of a package whose results.csv is very wide.

frictionless' time and memory grow with the square of a file's columns (it copies the heading
row into each unknown column's problem); pvreport counts the heading row first and reads a file
wider than ``max_columns`` no further. This measures `pvreport validate` as a whole process on
the test fixtures' base package with N columns of the publisher's own added to results.csv:

    .venv/bin/python bench/columns.py                       # 1,000 and 10,000 columns
    .venv/bin/python bench/columns.py --columns 2000 --timeout 60
    PYTHONPATH=/path/to/other/checkout .venv/bin/python bench/columns.py   # another version

Each figure is one run (seconds of wall time, and the peak resident memory of the process from
the kernel's rusage of the child); a run that takes longer than ``--timeout`` is stopped and
reported as "> TIMEOUT s".
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BASE = REPO / "tests" / "fixtures" / "base"
SUMMARY = re.compile(r"(?:no|\d+) errors?, (?:no|\d+) warnings?")


def wide_package(folder: Path, extra: int) -> Path:
    """The base package with ``extra`` columns of the publisher's own in results.csv."""
    package = folder / f"wide-{extra}"
    shutil.copytree(BASE, package)
    path = package / "results.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    rows[0] += [f"own_column_{i}" for i in range(extra)]
    for row in rows[1:]:
        row += ["1"] * extra
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return package


def measure(package: Path, timeout: float) -> tuple[str, str, str]:
    """``(seconds, peak memory, last line of output)`` of `pvreport validate PACKAGE`, in a
    process of its own (its peak memory from the kernel's rusage of that one child)."""
    command = [
        sys.executable,
        "-c",
        "import sys; from pvreport.cli import main; sys.exit(main())",
        "validate",
        str(package),
    ]
    env = {**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH", str(REPO))}
    with tempfile.TemporaryFile("w+") as output:
        started = time.perf_counter()
        child = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env=env, cwd=package.parent
        )
        while True:
            pid, _, usage = os.wait4(child.pid, os.WNOHANG)
            seconds = time.perf_counter() - started
            if pid:
                break
            if seconds > timeout:
                child.kill()
                os.wait4(child.pid, 0)
                return f"> {timeout:.0f} s", "-", "stopped"
            time.sleep(0.05)
        child.returncode = 0  # reaped above
        output.seek(0)
        lines = output.read().strip().splitlines()
    found = [m.group(0) for line in lines if (m := SUMMARY.search(line))]
    outcome = found[-1] if found else (lines[-1] if lines else "")
    return f"{seconds:.2f} s", f"{usage.ru_maxrss / 1024:,.0f} MB", outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--columns",
        default="1000,10000",
        help="numbers of extra columns, comma-separated (default 1000,10000)",
    )
    parser.add_argument(
        "--timeout", type=float, default=120, help="seconds before a run is stopped"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print("| columns in results.csv | validation | peak memory | outcome |")
        print("|---:|---:|---:|---|")
        for extra in (int(n) for n in args.columns.split(",")):
            package = wide_package(Path(folder), extra)
            seconds, peak, last = measure(package, args.timeout)
            print(f"| {extra + 10:,} | {seconds} | {peak} | {last} |", flush=True)


if __name__ == "__main__":
    main()
