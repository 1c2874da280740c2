"""The national-scale benchmark: validation, builds, rebuilds, memory and page weight, S to L.

Run from the repository, with the project's venv:

    .venv/bin/python bench/run.py                      # S, M, L; 3 runs (1 for L)
    .venv/bin/python bench/run.py --sizes S,M --runs 5
    .venv/bin/python bench/run.py --runs-large 2 --out BENCHMARKS.md

For each size it generates a seeded synthetic package (`pvreport generate`), puts it in a
throwaway project (the repository's mkdocs.yml and content/), and times whole processes, as a
person would run them:

- `pvreport validate PACKAGE` against `frictionless validate` of the same CSVs with the
  contract's own Table Schemas (foreign keys included) in the descriptor;
- a cold `pvreport build` (no caches under .pvreport/, no build folder, no site) against a bare
  engine build, `mkdocs build` of the build/ folder pvreport just wrote;
- a rebuild after changing one result row (caches warm, as after any earlier build);
- the peak memory (maximum resident set) of each process, from the kernel's rusage of the child;
- the HTML bytes of each page of the site (median and largest; shared assets, which every page
  shares and a browser caches, are not counted).

pvreport's bytecode is compiled first (`compileall`), as pip compiles frictionless' when it
installs it. Each figure is the median of the runs. The result is written as Markdown (BENCHMARKS.md), with
the machine and versions it ran on and the issue's targets, met or not.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ENV = {
    **os.environ,
    "NO_MKDOCS_2_WARNING": "1",
    "DISABLE_MKDOCS_2_WARNING": "true",
    # Fixed, so every run builds the same site.
    "SOURCE_DATE_EPOCH": "1774915200",  # 2026-03-31
}
AS_OF = "2026-09-30"
PACKAGE = "report"
NOTES = Path(__file__).with_name("notes.md")


@dataclass
class Run:
    seconds: float
    peak_mb: float
    returncode: int
    stdout: str = ""
    stderr: str = ""


def measured(args: list[str], cwd: Path, *, ok: tuple[int, ...] = (0,)) -> Run:
    """Run a whole process: its wall time, and its peak memory from ``/usr/bin/time -f %M``
    (GNU time: the maximum resident set of the process, in KB)."""
    marker = "PVREPORT-BENCH-MAXRSS="
    start = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", marker + "%M", *args],
        cwd=cwd,
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode not in ok:
        raise SystemExit(
            f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout[-2000:]}\n"
            f"{done.stderr[-2000:]}"
        )
    lines = done.stderr.splitlines()
    peak = next((float(x[len(marker) :]) / 1024 for x in lines if x.startswith(marker)), 0.0)
    err = "\n".join(x for x in lines if not x.startswith(marker))
    return Run(seconds, peak, done.returncode, done.stdout, err)


# Validation alone, inside a process that has already started and imported its library: what
# is left when interpreter start-up and imports are taken out of both sides.
IN_PROCESS = {
    "pvreport": (
        "import sys, time\n"
        "from pvreport.validate import validate_package\n"
        "t = time.perf_counter(); v = validate_package(sys.argv[1])\n"
        "print(time.perf_counter() - t)\n"
    ),
    "frictionless": (
        "import sys, time\n"
        "from frictionless import Package\n"
        "t = time.perf_counter(); Package(sys.argv[1]).validate()\n"
        "print(time.perf_counter() - t)\n"
    ),
}


def in_process(which: str, target: Path, cwd: Path) -> float:
    done = measured([str(BIN / "python"), "-c", IN_PROCESS[which], str(target)], cwd)
    return float(done.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------------------------
# The throwaway project


def make_project(root: Path, size: str, seed: int) -> Path:
    """A project folder like the repository's with a generated package in it."""
    project = root / size / "project"
    if project.exists():
        shutil.rmtree(project)
    project.mkdir(parents=True)
    package = project / "datapackages" / PACKAGE
    subprocess.run(
        [str(BIN / "pvreport"), "generate", "--size", size, "--seed", str(seed), str(package)],
        check=True,
        env=ENV,
        capture_output=True,
    )
    (project / "mkdocs.yml").write_text(project_config(), encoding="utf-8")
    shutil.copytree(REPO / "content", project / "content")
    return project


def project_config(previous: list[str] | None = None) -> str:
    """The repository's mkdocs.yml naming the generated package (and the earlier statements'
    packages ``previous``, newest first, in place of the example's)."""
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    config = re.sub(
        r"\n *# The earlier statements[^\n]*\n *previous:\n( *- [^\n]*\n)+", "\n", config
    )
    named = "".join(f"        - datapackages/{p}\n" for p in previous or [])
    return config.replace(
        "package: datapackages/example\n",
        f"package: datapackages/{PACKAGE}\n" + (f"      previous:\n{named}" if named else ""),
    )


def bench_statements(root: Path, size: str, seed: int, count: int, log: list[str]) -> list[str]:
    """A project of ``count`` statements of one size (the generated package as the current one,
    copies of it as the earlier years, each with its own period and published date) against
    one statement: cold builds of each, then a rebuild of the project after one result row of
    the current statement changed, and how many archived parts that rebuild ran the engine for
    (from the build log: none, where they were kept as published). Markdown lines."""
    one = make_project(root / "statements-1", size, seed)
    many = make_project(root / f"statements-{count}", size, seed)
    earlier = []
    source = many / "datapackages" / PACKAGE
    for back in range(1, count):
        start = 2025 - back
        name = f"{PACKAGE}-{start}-{str(start + 1)[2:]}"
        target = many / "datapackages" / name
        shutil.copytree(source, target)
        descriptor = json.loads((target / "datapackage.json").read_text(encoding="utf-8"))
        descriptor["reporting_period"] = {
            "label": f"{start}/{str(start + 1)[2:]}",
            "start": f"{start}-04-01",
            "end": f"{start + 1}-03-31",
        }
        descriptor["published"] = f"{start + 1}-06-30"
        (target / "datapackage.json").write_text(json.dumps(descriptor, indent=2), "utf-8")
        earlier.append(name)
    (many / "mkdocs.yml").write_text(project_config(earlier), encoding="utf-8")
    build = [str(BIN / "pvreport"), "build", "--quiet", "--as-of", AS_OF]
    single = measured(build, one)
    log.append(f"one {size} statement, cold: {single.seconds:.1f} s")
    change_one_result(one)
    single_again = measured(build, one)
    several = measured(build, many)
    log.append(f"{count} {size} statements, cold: {several.seconds:.1f} s")
    change_one_result(many)
    again = measured(build, many)
    text = (many / "build" / "build.log").read_text(encoding="utf-8")
    rebuilt = sum(
        1
        for line in text.splitlines()
        if "Building documentation to directory" in line and "/archive/" in line
    )
    pages = sum(1 for _ in (many / "site").rglob("index.html"))
    return [
        (
            f"| {size} | 1 | {sum(1 for _ in (one / 'site').rglob('index.html')):,} | "
            f"{single.seconds:.1f} | {single_again.seconds:.1f} | {single.peak_mb:.0f} |"
        ),
        (
            f"| {size} | {count} | {pages:,} | {several.seconds:.1f} "
            f"({several.seconds / single.seconds:.2f}x one) | {again.seconds:.1f} "
            f"({again.seconds / single_again.seconds:.2f}x one; {rebuilt} of {count - 1} "
            f"archived parts built again) | {several.peak_mb:.0f} |"
        ),
    ]


def frictionless_copy(source: Path, target: Path) -> Path:
    """The same CSVs (hard links) with a descriptor that carries the contract's Table Schemas,
    so that frictionless checks the same types, constraints and foreign keys as pvreport."""
    sys.path.insert(0, str(REPO))
    from pvreport import contract

    if target.exists():
        shutil.rmtree(target)
    target.mkdir()
    descriptor = json.loads((source / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        os.link(source / resource["path"], target / resource["path"])
        resource["format"] = "csv"
        resource["encoding"] = "utf-8"
        if resource["name"] in contract.RESOURCES:
            resource["schema"] = contract.for_frictionless(contract.schema(resource["name"]))
    (target / "datapackage.json").write_text(json.dumps(descriptor, indent=1), encoding="utf-8")
    return target


def change_one_result(project: Path) -> None:
    """Change one result row's figures (value and interval together, so it stays valid)."""
    path = project / "datapackages" / PACKAGE / "results.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    value, lower, upper = (header.index(n) for n in ("value", "lower", "upper"))
    # The last row: the latest result of the last indicator, so its charts really change.
    row = rows[-1]
    bump = 0.1 if row[value] != "" and float(row[value]) < 50 else -0.1
    for i in (value, lower, upper):
        if row[i] != "":
            row[i] = f"{float(row[i]) + bump:.1f}"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def html_sizes(site: Path) -> list[int]:
    return sorted(p.stat().st_size for p in site.rglob("*.html") if p.name != "404.html")


# ----------------------------------------------------------------------------------------------
# One size


@dataclass
class Result:
    size: str
    rows: int = 0
    pages: int = 0
    charts: int = 0
    validate: list[float] = field(default_factory=list)
    frictionless: list[float] = field(default_factory=list)
    validate_inside: list[float] = field(default_factory=list)
    frictionless_inside: list[float] = field(default_factory=list)
    cold: list[float] = field(default_factory=list)
    engine: list[float] = field(default_factory=list)
    rebuild: list[float] = field(default_factory=list)
    peak_build_mb: list[float] = field(default_factory=list)
    peak_validate_mb: list[float] = field(default_factory=list)
    html_median: int = 0
    html_max: int = 0


def bench_size(root: Path, size: str, seed: int, runs: int, log: list[str]) -> Result:
    project = make_project(root, size, seed)
    package = project / "datapackages" / PACKAGE
    plain = frictionless_copy(package, project.parent / "frictionless")
    result = Result(size)
    with (package / "results.csv").open(encoding="utf-8") as handle:
        result.rows = sum(1 for _ in handle) - 1
    pvreport = str(BIN / "pvreport")
    for n in range(runs):
        say = f"{size} run {n + 1}/{runs}:"
        v = measured([pvreport, "validate", str(package)], project)
        result.validate.append(v.seconds)
        result.peak_validate_mb.append(v.peak_mb)
        # frictionless exits 1 when it finds a problem; the package is valid, so 0 is expected.
        f = measured([str(BIN / "frictionless"), "validate", "datapackage.json"], plain, ok=(0, 1))
        if f.returncode != 0:
            log.append(f"{size}: frictionless found problems: {f.stdout[-400:]}")
        result.frictionless.append(f.seconds)
        result.validate_inside.append(in_process("pvreport", package, project))
        result.frictionless_inside.append(
            in_process("frictionless", Path("datapackage.json"), plain)
        )

        for folder in ("build", "site", ".pvreport"):
            shutil.rmtree(project / folder, ignore_errors=True)
        build = [pvreport, "build", "--quiet", "--as-of", AS_OF, "--package", str(package)]
        cold = measured(build, project)
        result.cold.append(cold.seconds)
        result.peak_build_mb.append(cold.peak_mb)

        # The bare engine on the very docs pvreport wrote, into a folder of its own.
        engine_site = project.parent / "engine-site"
        shutil.rmtree(engine_site, ignore_errors=True)
        engine = measured(
            [str(BIN / "mkdocs"), "build", "-q", "-f", "build/mkdocs.yml", "-d", str(engine_site)],
            project,
        )
        result.engine.append(engine.seconds)

        sizes = html_sizes(project / "site")
        result.pages = len(sizes)
        result.html_median = int(statistics.median(sizes))
        result.html_max = sizes[-1]
        result.charts = len(list((project / "site" / "charts").glob("*.svg")))

        change_one_result(project)
        again = measured(build, project)
        result.rebuild.append(again.seconds)
        log.append(
            f"{say} validate {v.seconds:.2f}s (inside {result.validate_inside[-1]:.2f}s), "
            f"frictionless {f.seconds:.2f}s (inside {result.frictionless_inside[-1]:.2f}s), cold build "
            f"{cold.seconds:.1f}s ({cold.peak_mb:.0f} MB), engine {engine.seconds:.1f}s, "
            f"rebuild {again.seconds:.1f}s"
        )
        print(log[-1], flush=True)
        # Back to the generated package for the next run.
        shutil.rmtree(package)
        subprocess.run(
            [pvreport, "generate", "--size", size, "--seed", str(seed), str(package)],
            check=True,
            env=ENV,
            capture_output=True,
        )
    return result


# ----------------------------------------------------------------------------------------------
# The same package as one workbook


@dataclass
class Workbook:
    size: str
    convert: float = 0.0
    workbook_mb: float = 0.0
    unpacked_mb: float = 0.0
    validate: float = 0.0
    peak_mb: float = 0.0
    csv_validate: float = 0.0
    csv_peak_mb: float = 0.0


def bench_workbook(root: Path, size: str, seed: int, log: list[str]) -> Workbook:
    """`pvreport validate report.xlsx` beside `pvreport validate` of the same CSV folder: the
    generated package converted once (`pvreport convert`), then one run of each."""
    import zipfile

    folder = root / f"workbook-{size}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    package = folder / PACKAGE
    pvreport = str(BIN / "pvreport")
    subprocess.run(
        [pvreport, "generate", "--size", size, "--seed", str(seed), str(package)],
        check=True,
        env=ENV,
        capture_output=True,
    )
    book = folder / f"{PACKAGE}.xlsx"
    result = Workbook(size)
    converted = measured([pvreport, "convert", str(package), str(book)], folder)
    result.convert = converted.seconds
    result.workbook_mb = book.stat().st_size / 2**20
    with zipfile.ZipFile(book) as archive:
        result.unpacked_mb = sum(i.file_size for i in archive.infolist()) / 2**20
    as_book = measured([pvreport, "validate", "--as-of", AS_OF, str(book)], folder)
    as_csv = measured([pvreport, "validate", "--as-of", AS_OF, str(package)], folder)
    result.validate, result.peak_mb = as_book.seconds, as_book.peak_mb
    result.csv_validate, result.csv_peak_mb = as_csv.seconds, as_csv.peak_mb
    log.append(
        f"{size} as a workbook ({result.workbook_mb:.0f} MB, {result.unpacked_mb:.0f} MB unpacked; "
        f"convert {result.convert:.1f}s): validate {as_book.seconds:.2f}s ({as_book.peak_mb:.0f} "
        f"MB), the CSV folder {as_csv.seconds:.2f}s ({as_csv.peak_mb:.0f} MB)"
    )
    print(log[-1], flush=True)
    return result


# ----------------------------------------------------------------------------------------------
# The package with planted errors


# The Table Schema problems both ways (frictionless itself, and the vectorised checks), as
# (code, file, line, field, value, message, hint), and whether they are the same.
BOTH_WAYS = (
    "import json, sys\n"
    "from pathlib import Path\n"
    "from pvreport.validate import tabular\n"
    "slow, fast = tabular.both_ways(Path(sys.argv[1]))\n"
    "key = lambda p: (p.code, p.file, p.line, p.field, p.value, p.message, p.hint)\n"
    "print(json.dumps({'same': sorted(map(key, slow), key=repr) == sorted(map(key, fast), "
    "key=repr), 'problems': len(fast)}))\n"
)


@dataclass
class Planted:
    size: str
    validate: float = 0.0
    frictionless: float = 0.0
    planted: int = 0
    found: int = 0  # of the planted problems, those pvreport reported
    reported: int = 0  # problems pvreport reported in all
    table_schema: int = 0  # Table Schema problems, each way
    same: bool = False


def bench_planted(root: Path, size: str, seed: int, log: list[str]) -> Planted:
    """One run on the package with planted errors: pvreport's and frictionless' times, whether
    pvreport reports every planted problem, and whether its vectorised checks find exactly the
    Table Schema problems frictionless finds (code, file, line, field, value, message, hint)."""
    sys.path.insert(0, str(REPO))
    from pvreport import synthetic

    folder = root / size / "planted"
    shutil.rmtree(folder, ignore_errors=True)
    package = synthetic.generate(folder / PACKAGE, size, seed)
    expected = set(synthetic.plant_errors(package, seed))
    plain = frictionless_copy(package, folder / "frictionless")
    result = Planted(size, planted=len(expected))
    v = measured(
        [str(BIN / "pvreport"), "validate", "--format", "json", str(package)], folder, ok=(1,)
    )
    result.validate = v.seconds
    problems = json.loads(v.stdout)
    result.reported = len(problems)
    found = {(p["file"], p["line"], p["field"], p["code"]) for p in problems}
    result.found = len(expected & found)
    f = measured([str(BIN / "frictionless"), "validate", "datapackage.json"], plain, ok=(1,))
    result.frictionless = f.seconds
    both = measured([str(BIN / "python"), "-c", BOTH_WAYS, str(package)], folder)
    answer = json.loads(both.stdout.strip().splitlines()[-1])
    result.same, result.table_schema = answer["same"], answer["problems"]
    log.append(
        f"{size} with planted errors: validate {v.seconds:.2f}s, frictionless {f.seconds:.2f}s; "
        f"{result.found} of {result.planted} planted problems reported ({result.reported} in all); "
        f"Table Schema problems both ways: {result.table_schema}, "
        f"{'identical' if result.same else 'DIFFERENT'}"
    )
    print(log[-1], flush=True)
    return result


# ----------------------------------------------------------------------------------------------
# The same package as other tools save it


def _one_pound(data: bytes) -> bytes:
    """One result's note with a pound sign, an en dash and a Welsh place name: results.csv is
    no longer all ASCII (other files, whose last column is not a note, stay as they are)."""
    head, _, rest = data.partition(b"\n")
    if not head.endswith(b",note"):
        return data
    first, _, rest = rest.partition(b"\n")
    cells = first.split(b",")
    cells[-1] = "Cost £2m – Ynys Môn".encode()
    return b"\n".join([head, b",".join(cells), rest])


def bench_variants(root: Path, size: str, seed: int, log: list[str]) -> list[tuple[str, float]]:
    """One run of `pvreport validate` on each variant of the generated package (all valid)."""
    sys.path.insert(0, str(REPO))
    from pvreport import synthetic

    # Ways real files differ from the generated ones, each applied to every file.
    variants = {
        "saved by Excel as CSV UTF-8 (byte-order mark, CR LF)": synthetic.as_excel_saves,
        "every cell quoted": synthetic.every_cell_quoted,
        "one cell not ASCII (£, en dash, ô)": _one_pound,
    }
    source = root / size / "project" / "datapackages" / PACKAGE
    generated = measured([str(BIN / "pvreport"), "validate", str(source)], root)
    out = [("as generated", generated.seconds)]
    for name, change in variants.items():
        folder = root / size / "variant"
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(source, folder)
        for path in folder.glob("*.csv"):
            path.write_bytes(change(path.read_bytes()))
        v = measured([str(BIN / "pvreport"), "validate", str(folder)], root)
        out.append((name, v.seconds))
        shutil.rmtree(folder)
    log.append(f"{size} as other tools save it: " + "; ".join(f"{n} {s:.2f}s" for n, s in out))
    print(log[-1], flush=True)
    return out


# ----------------------------------------------------------------------------------------------
# The report


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def machine() -> list[str]:
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
    except OSError:
        pass
    versions = []
    for dist in (
        "frictionless",
        "mkdocs",
        "mkdocs-material",
        "vl-convert-python",
        "altair",
        "pyarrow",
        "pandas",
    ):
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            pass
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return [
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; commit {commit or '?'}",
        (
            f"- Machine: {os.cpu_count()} cores (shared: other work may run at the same time), {mem} memory, {platform.machine()}, "
            f"{platform.system()} {platform.release()}"
        ),
        f"- Python {platform.python_version()}; " + ", ".join(versions),
    ]


def ok(flag: bool) -> str:
    return "met" if flag else "**not met**"


def report(
    results: list[Result],
    planted: list[Planted],
    variants: list[tuple[str, float]],
    variant_size: str,
    runs: dict[str, int],
    log: list[str],
    command: str,
    workbooks: Sequence[Workbook] = (),
) -> str:
    by = {r.size: r for r in results}
    planted_by = {p.size: p for p in planted}
    out = [
        "# Benchmarks",
        "",
        "Written by `bench/run.py`; do not edit by hand. To measure again, from the repository:",
        "",
        "```",
        command,
        "```",
        "",
        (
            "(`--sizes S,M,L`, `--runs N` for S and M, `--runs-large N` for L, `--seed N`, "
            "`--workdir DIR`). Every time is a whole process, start-up included, and the median of "
            'the runs, except the two validation times "inside": validation alone, timed in a '
            "process that has already started and imported its library (pvreport's "
            "`validate_package`, frictionless' `Package(...).validate()`). Synthetic packages "
            "come from `pvreport generate --size S|M|L --seed 1`. Peak memory is GNU time's "
            "maximum resident set: the largest single process (the build's engine helper is a "
            "forked copy of the build process). pvreport's bytecode is compiled first, as pip "
            "compiles that of an installed package such as frictionless."
        ),
        "",
        "## The machine",
        "",
        *machine(),
        "- Runs: " + ", ".join(f"{s} {n}" for s, n in runs.items()),
        "",
        "## Side by side",
        "",
        (
            "| size | result rows | pages | charts | pvreport validate (s) | frictionless validate "
            "(s) | speed-up | cold build (s) | bare engine (s) | cold / engine | rebuild after one "
            "row (s) | rebuild / engine | peak memory of build (MB) | median HTML per page (KB) | "
            "largest page (KB) |"
        ),
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        v, f, c, e, b = (med(x) for x in (r.validate, r.frictionless, r.cold, r.engine, r.rebuild))
        out.append(
            f"| {r.size} | {r.rows:,} | {r.pages:,} | {r.charts:,} | {v:.2f} | {f:.2f} | "
            f"{f / v:.1f}x | {c:.1f} | {e:.1f} | {c / e:.2f} | {b:.1f} | {b / e:.2f} | "
            f"{med(r.peak_build_mb):.0f} | {r.html_median / 1024:.1f} | {r.html_max / 1024:.1f} |"
        )
    out += [
        "",
        "## Validation with and without start-up",
        "",
        (
            "| size | pvreport, whole process (s) | pvreport, inside (s) | frictionless, whole "
            "process (s) | frictionless, inside (s) | speed-up, whole | speed-up, inside |"
        ),
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        v, vi, f, fi = (
            med(x) for x in (r.validate, r.validate_inside, r.frictionless, r.frictionless_inside)
        )
        out.append(
            f"| {r.size} | {v:.2f} | {vi:.2f} | {f:.2f} | {fi:.2f} | {f / v:.1f}x | {fi / vi:.1f}x |"
        )
    out += ["", "## Growth from S", ""]
    if "S" in by:
        s = by["S"]
        out += [
            "| size | rows / S | pages / S | cold build / S | engine / S | validate / S |",
            "|---|--:|--:|--:|--:|--:|",
        ]
        for r in results:
            out.append(
                f"| {r.size} | {r.rows / s.rows:.0f} | {r.pages / s.pages:.1f} | "
                f"{med(r.cold) / med(s.cold):.1f} | {med(r.engine) / med(s.engine):.1f} | "
                f"{med(r.validate) / med(s.validate):.1f} |"
            )
    out += [
        "",
        "## The package with planted errors",
        "",
        (
            "The same package with known errors planted (`pvreport generate --plant-errors`), one run "
            "of each: pvreport's and frictionless' whole-process times, how many of the planted "
            "problems `pvreport validate` reports, and the Table Schema problems found by "
            "frictionless itself and by pvreport's vectorised checks (`tabular.both_ways`), "
            "compared by code, file, line, field, value, message and hint."
        ),
        "",
        (
            "| size | pvreport validate (s) | frictionless validate (s) | speed-up | planted problems "
            "reported | problems reported in all | Table Schema problems | frictionless and "
            "vectorised checks |"
        ),
        "|---|--:|--:|--:|--:|--:|--:|---|",
    ]
    for p in planted:
        out.append(
            f"| {p.size} | {p.validate:.2f} | {p.frictionless:.2f} | "
            f"{p.frictionless / p.validate:.1f}x | {p.found} of {p.planted} | {p.reported} | "
            f"{p.table_schema} | {'identical' if p.same else '**different**'} |"
        )
    out += [
        "",
        f"## {variant_size} as other tools save it",
        "",
        (
            "The same valid package with every file changed as real exports differ from the generated "
            "ones; one run of `pvreport validate` each, whole process."
        ),
        "",
        "| files | pvreport validate (s) |",
        "|---|--:|",
        *[f"| {name} | {seconds:.2f} |" for name, seconds in variants],
    ]
    if workbooks:
        out += [
            "",
            "## As one workbook",
            "",
            (
                "The same generated package converted to one .xlsx workbook (`pvreport convert`) "
                "and validated from it, beside the CSV folder; one run each, whole process."
            ),
            "",
            (
                "| size | workbook (MB) | unpacked (MB) | validate workbook (s) | peak (MB) | "
                "validate CSV (s) | peak (MB) | target < 15 s, < 1.5 GB |"
            ),
            "|---|--:|--:|--:|--:|--:|--:|---|",
            *[
                f"| {w.size} | {w.workbook_mb:.0f} | {w.unpacked_mb:.0f} | {w.validate:.2f} | "
                f"{w.peak_mb:.0f} | {w.csv_validate:.2f} | {w.csv_peak_mb:.0f} | "
                f"{ok(w.validate < 15 and w.peak_mb < 1536) if w.size == 'L' else ''} |"
                for w in workbooks
            ],
        ]
    out += ["", "## The issue's targets", ""]
    if "L" in by:
        big = by["L"]
        e = med(big.engine)
        out += [
            "| target | measured | |",
            "|---|---|---|",
            (
                f"| L validates >= 20x faster than frictionless | "
                f"{med(big.frictionless) / med(big.validate):.1f}x | "
                f"{ok(med(big.frictionless) / med(big.validate) >= 20)} |"
            ),
            (
                "| L's planted-error package: the identical problem set both ways | "
                + (
                    f"{planted_by['L'].table_schema} problems, "
                    f"{'identical' if planted_by['L'].same else 'different'} | "
                    f"{ok(planted_by['L'].same)} |"
                    if "L" in planted_by
                    else "not run | **not met** |"
                )
            ),
            f"| cold build of L < 60 s | {med(big.cold):.1f} s | {ok(med(big.cold) < 60)} |",
            (
                f"| cold build of L <= 2x bare engine | {med(big.cold) / e:.2f}x | "
                f"{ok(med(big.cold) <= 2 * e)} |"
            ),
            (
                f"| rebuild of L after one row <= 1.2x bare engine | {med(big.rebuild) / e:.2f}x | "
                f"{ok(med(big.rebuild) <= 1.2 * e)} |"
            ),
            (
                f"| median HTML per page of L < 60 KB | {big.html_median / 1024:.1f} KB | "
                f"{ok(big.html_median < 60 * 1024)} |"
            ),
        ]
        if "S" in by:
            ratio = big.html_median / by["S"].html_median
            out.append(
                f"| median HTML per page of L <= 1.1x S's | {ratio:.2f}x | {ok(ratio <= 1.1)} |"
            )
        out.append(
            f"| peak memory of building L < 1.5 GB | {med(big.peak_build_mb):.0f} MB | "
            f"{ok(med(big.peak_build_mb) < 1536)} |"
        )
    else:
        out.append("L was not run, so the targets (all about L) were not checked.")
    out += ["", "## Every run", "", *[f"- {line}" for line in log], ""]
    return "\n".join(out) + notes_section()


#: Where the copy of bench/notes.md begins in BENCHMARKS.md (``--notes-only`` replaces it).
NOTES_MARK = "<!-- bench/notes.md, copied by bench/run.py -->"


def notes_section() -> str:
    """What the numbers mean and what is left to do, written by people (bench/notes.md)."""
    if not NOTES.is_file():
        return ""
    return f"\n{NOTES_MARK}\n\n{NOTES.read_text(encoding='utf-8').strip()}\n"


def compile_bytecode() -> None:
    """Compile pvreport's bytecode, as pip does when it installs a package.

    frictionless, like every package pip installs, comes with its bytecode compiled. pvreport is
    installed editable, from the repository, and a machine with ``PYTHONDONTWRITEBYTECODE`` set
    (this one) never saves its bytecode, so every process would compile pvreport's sources
    again (about 0.07 s). The comparison is of two installed tools.
    """
    import compileall

    compileall.compile_dir(REPO / "pvreport", quiet=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="S,M,L", help="comma-separated, from S, M, L")
    parser.add_argument("--runs", type=int, default=3, help="runs of S and M (median)")
    parser.add_argument("--runs-large", type=int, default=1, help="runs of L (median)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", default="/tmp/pvreport-bench", help="throwaway projects")
    parser.add_argument("--out", default=str(REPO / "BENCHMARKS.md"))
    parser.add_argument(
        "--statements",
        type=int,
        metavar="N",
        help="measure only a project of N statements of the last size against one statement "
        "(cold builds, then a rebuild after one row of the current one changed); print the rows",
    )
    parser.add_argument(
        "--notes-only",
        action="store_true",
        help="measure nothing: copy bench/notes.md again into the existing --out file",
    )
    parser.add_argument(
        "--workbook-only",
        action="store_true",
        help="measure only the largest size as one workbook beside its CSV folder, and print it",
    )
    args = parser.parse_args(argv)
    if args.workbook_only:
        compile_bytecode()
        size = [s.strip().upper() for s in args.sizes.split(",") if s.strip()][-1]
        bench_workbook(Path(args.workdir), size, args.seed, [])
        return 0
    if args.notes_only:
        out = Path(args.out)
        text = out.read_text(encoding="utf-8")
        if NOTES_MARK not in text:
            raise SystemExit(f"{out} has no notes section to replace; run the benchmark")
        out.write_text(text.split(NOTES_MARK)[0].rstrip("\n") + "\n" + notes_section(), "utf-8")
        print(f"wrote the notes into {out}")
        return 0
    compile_bytecode()
    root = Path(args.workdir)
    root.mkdir(parents=True, exist_ok=True)
    sizes = [s.strip().upper() for s in args.sizes.split(",") if s.strip()]
    log: list[str] = []
    if args.statements:
        rows = bench_statements(root, sizes[-1], args.seed, args.statements, log)
        print(
            "| size | statements | pages | cold build (s) | rebuild after one row (s) | peak MB |"
        )
        print("|---|--:|--:|--:|--:|--:|")
        print("\n".join(rows))
        return 0
    results = []
    runs = {}
    for size in sizes:
        runs[size] = args.runs_large if size == "L" else args.runs
        results.append(bench_size(root, size, args.seed, runs[size], log))
    planted = [bench_planted(root, size, args.seed, log) for size in sizes]
    variants = bench_variants(root, sizes[-1], args.seed, log)
    command = ".venv/bin/python bench/run.py " + " ".join(
        a for a in (sys.argv[1:] if argv is None else argv)
    )
    workbooks = [bench_workbook(root, sizes[-1], args.seed, log)]
    text = report(results, planted, variants, sizes[-1], runs, log, command.strip(), workbooks)
    Path(args.out).write_text(text + "\n", "utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
