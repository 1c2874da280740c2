"""The national-scale benchmark: validation, builds, rebuilds, memory and page weight, S to L,
and each figure the open issues ask for, written into BENCHMARKS.md.

Run from the repository, with the project's venv:

    .venv/bin/python bench/run.py                      # the main tables: S, M, L; 3 runs (1 for L)
    .venv/bin/python bench/run.py --sizes S,M --runs 5
    .venv/bin/python bench/run.py --all --runs-large 2 --out BENCHMARKS.md   # everything
    .venv/bin/python bench/run.py --statements 5 --sizes M   # one section alone (also
    .venv/bin/python bench/run.py --languages                # --engines, --open-data)

For each size it generates a seeded synthetic package (`pvreport generate`), puts it in a
throwaway project (the repository's mkdocs.yml and content/), and times whole processes, as a
person would run them. The main tables:

- `pvreport validate PACKAGE` against `frictionless validate` of the same CSVs with the
  contract's own Table Schemas (foreign keys included) in the descriptor;
- a cold `pvreport build` (no caches under .pvreport/, no build folder, no site) against a bare
  engine build, `mkdocs build` of the build/ folder pvreport just wrote;
- a rebuild after changing one result row (caches warm, as after any earlier build);
- both builds again with `pdf: false` in the project's mkdocs.yml (the site alone, without the
  PDF of the whole statement): the PDF's own cost is the difference, and issue 13's ratios to
  the bare engine, set before the PDF existed, are judged on the site alone;
- the peak memory (maximum resident set) of each process, from the kernel's rusage of the child;
- the HTML bytes of each page of the site (median and largest; shared assets, which every page
  shares and a browser caches, are not counted);
- the package with planted errors, the package as other tools save its files, and the package
  as one workbook.

The sections, each measured by its own option (or all by ``--all``) and written between its own
HTML-comment markers in the output, so that one can be measured again without losing the
others (a run of the main tables rewrites the file and keeps the sections it did not measure):

- ``--statements N``: a project of N statements of the last size against one (issue 15), cold
  and after one row of the current statement changed, with the PDF and with ``pdf: false``;
- ``--languages``: the last size in one language against two, `pvreport generate --languages
  en,cy`, cold `--no-cache` builds without hand-written pages (issue 16);
- ``--engines``: each size under Zensical beside MkDocs, cold, bare engine, rebuild, peak
  (issue 18);
- ``--open-data``: the share of a cold build of the last size spent making each measure's
  data.json and embed card and /data/datapackage.json, timed inside one build process (issue 18).

pvreport's bytecode is compiled first (`compileall`), as pip compiles frictionless' when it
installs it. Each figure is the median of the runs. The result is written as Markdown
(BENCHMARKS.md), with the machine and versions it ran on and the issues' targets, met or not.
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


def make_project(
    root: Path,
    size: str,
    seed: int,
    *,
    pdf: bool = True,
    languages: str = "",
    content: bool = True,
) -> Path:
    """A project folder like the repository's with a generated package in it (``languages``:
    `pvreport generate --languages`; ``content=False``: no hand-written pages)."""
    project = root / size / "project"
    if project.exists():
        shutil.rmtree(project)
    project.mkdir(parents=True)
    package = project / "datapackages" / PACKAGE
    generate(package, size, seed, languages=languages)
    (project / "mkdocs.yml").write_text(project_config(pdf=pdf), encoding="utf-8")
    if content:
        shutil.copytree(REPO / "content", project / "content")
    return project


def generate(package: Path, size: str, seed: int, *, languages: str = "") -> None:
    """`pvreport generate` of one size and seed into ``package`` (a new folder)."""
    more = ["--languages", languages] if languages else []
    subprocess.run(
        [
            str(BIN / "pvreport"),
            "generate",
            "--size",
            size,
            "--seed",
            str(seed),
            *more,
            str(package),
        ],
        check=True,
        env=ENV,
        capture_output=True,
    )


def project_config(previous: list[str] | None = None, *, pdf: bool = True) -> str:
    """The repository's mkdocs.yml naming the generated package (and the earlier statements'
    packages ``previous``, newest first, in place of the example's); with ``pdf=False``, the
    plugin option ``pdf: false`` (no PDF of the whole statement: the site alone)."""
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    config = re.sub(
        r"\n *# The earlier statements[^\n]*\n *previous:\n( *- [^\n]*\n)+", "\n", config
    )
    named = "".join(f"        - datapackages/{p}\n" for p in previous or [])
    return config.replace(
        "package: datapackages/example\n",
        f"package: datapackages/{PACKAGE}\n"
        + ("" if pdf else "      pdf: false\n")
        + (f"      previous:\n{named}" if named else ""),
    )


def set_pdf(project: Path, pdf: bool, previous: list[str] | None = None) -> None:
    """Turn the PDF of the whole statement on (the default) or off in a project's mkdocs.yml."""
    (project / "mkdocs.yml").write_text(project_config(previous, pdf=pdf), encoding="utf-8")


def clear(project: Path) -> None:
    """What a cold build must not find: build/ (the docs folder and Zensical's cache), site/
    and pvreport's caches (.pvreport/)."""
    for folder in ("build", "site", ".pvreport"):
        shutil.rmtree(project / folder, ignore_errors=True)


@dataclass
class Statements:
    """One configuration of the statements benchmark: one statement against ``count``."""

    size: str
    count: int
    pdf: bool
    one_pages: int = 0
    one_cold: float = 0.0
    one_rebuild: float = 0.0
    one_peak_mb: float = 0.0
    pages: int = 0
    cold: float = 0.0
    rebuild: float = 0.0
    peak_mb: float = 0.0
    archived_rebuilt: int = 0


def bench_statements(
    root: Path, size: str, seed: int, count: int, log: list[str], *, pdf: bool = True
) -> Statements:
    """A project of ``count`` statements of one size (the generated package as the current one,
    copies of it as the earlier years, each with its own period and published date) against
    one statement: cold builds of each, then a rebuild of the project after one result row of
    the current statement changed, and how many archived parts that rebuild ran the engine for
    (from the build log: none, where they were kept as published). ``pdf=False`` builds both
    projects with ``pdf: false`` (the site alone)."""
    tag = "" if pdf else "-nopdf"
    one = make_project(root / f"statements-1{tag}", size, seed, pdf=pdf)
    many = make_project(root / f"statements-{count}{tag}", size, seed, pdf=pdf)
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
    set_pdf(many, pdf, earlier)
    build = [str(BIN / "pvreport"), "build", "--quiet", "--as-of", AS_OF]
    result = Statements(size, count, pdf)
    single = measured(build, one)
    result.one_cold, result.one_peak_mb = single.seconds, single.peak_mb
    result.one_pages = sum(1 for _ in (one / "site").rglob("index.html"))
    change_one_result(one)
    result.one_rebuild = measured(build, one).seconds
    several = measured(build, many)
    result.cold, result.peak_mb = several.seconds, several.peak_mb
    result.pages = sum(1 for _ in (many / "site").rglob("index.html"))
    change_one_result(many)
    result.rebuild = measured(build, many).seconds
    text = (many / "build" / "build.log").read_text(encoding="utf-8")
    result.archived_rebuilt = sum(
        1
        for line in text.splitlines()
        if "Building documentation to directory" in line and "/archive/" in line
    )
    log.append(
        f"{count} {size} statements ({'PDF made' if pdf else 'pdf: false'}): one cold "
        f"{result.one_cold:.1f}s, rebuilt {result.one_rebuild:.1f}s; {count} cold "
        f"{result.cold:.1f}s, rebuilt {result.rebuild:.1f}s ({result.archived_rebuilt} of "
        f"{count - 1} archived parts built again)"
    )
    print(log[-1], flush=True)
    return result


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
    # The same project with ``pdf: false`` (the site alone): cold, one-row rebuild, peak.
    cold_site: list[float] = field(default_factory=list)
    rebuild_site: list[float] = field(default_factory=list)
    peak_site_mb: list[float] = field(default_factory=list)
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

        clear(project)
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

        # The site alone: the same project with `pdf: false`, cold, then after one more row.
        set_pdf(project, False)
        clear(project)
        site_cold = measured(build, project)
        result.cold_site.append(site_cold.seconds)
        result.peak_site_mb.append(site_cold.peak_mb)
        change_one_result(project)
        site_again = measured(build, project)
        result.rebuild_site.append(site_again.seconds)
        set_pdf(project, True)
        log.append(
            f"{say} validate {v.seconds:.2f}s (inside {result.validate_inside[-1]:.2f}s), "
            f"frictionless {f.seconds:.2f}s (inside {result.frictionless_inside[-1]:.2f}s), cold build "
            f"{cold.seconds:.1f}s ({cold.peak_mb:.0f} MB), engine {engine.seconds:.1f}s, "
            f"rebuild {again.seconds:.1f}s; pdf: false: cold {site_cold.seconds:.1f}s "
            f"({site_cold.peak_mb:.0f} MB), rebuild {site_again.seconds:.1f}s"
        )
        print(log[-1], flush=True)
        # Back to the generated package for the next run.
        shutil.rmtree(package)
        generate(package, size, seed)
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
    generate(package, size, seed)
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
# Two languages


@dataclass
class Languages:
    size: str
    one: list[float] = field(default_factory=list)
    two: list[float] = field(default_factory=list)
    one_peak_mb: list[float] = field(default_factory=list)
    two_peak_mb: list[float] = field(default_factory=list)
    one_pages: int = 0
    two_pages: int = 0


def bench_languages(root: Path, size: str, seed: int, runs: int, log: list[str]) -> Languages:
    """The package in one language against the same in two (`pvreport generate --languages
    en,cy`: every text of every row translated, and a labels file), each a cold `pvreport
    build --no-cache --quiet` in a project with no hand-written pages (they would need their
    own translations), the PDF made as by default. The two are run one after the other in each
    run, so that both meet the same load."""
    result = Languages(size)
    one = make_project(root / "languages-1", size, seed, content=False)
    two = make_project(root / "languages-2", size, seed, languages="en,cy", content=False)
    build = [str(BIN / "pvreport"), "build", "--no-cache", "--quiet", "--as-of", AS_OF]
    for n in range(runs):
        for project, times, peaks in (
            (one, result.one, result.one_peak_mb),
            (two, result.two, result.two_peak_mb),
        ):
            clear(project)
            done = measured(build, project)
            times.append(done.seconds)
            peaks.append(done.peak_mb)
        log.append(
            f"{size} languages run {n + 1}/{runs}: one {result.one[-1]:.1f}s "
            f"({result.one_peak_mb[-1]:.0f} MB), two {result.two[-1]:.1f}s "
            f"({result.two_peak_mb[-1]:.0f} MB)"
        )
        print(log[-1], flush=True)
    result.one_pages = sum(1 for _ in (one / "site").rglob("index.html"))
    result.two_pages = sum(1 for _ in (two / "site").rglob("index.html"))
    return result


# ----------------------------------------------------------------------------------------------
# Zensical beside MkDocs


@dataclass
class Engine:
    size: str
    engine: str
    pages: int = 0
    cold: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)
    rebuild: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)


def bare_engine(project: Path, engine: str) -> Run:
    """The engine alone on the docs folder and config pvreport just wrote (build/), into a
    folder of its own for MkDocs; for Zensical, as pvreport runs it (`python -m zensical build
    -f build/mkdocs.yml`, which writes build/site/), with its cache (build/.cache) deleted and
    `--clean`."""
    if engine == "mkdocs":
        engine_site = project.parent / "engine-site"
        shutil.rmtree(engine_site, ignore_errors=True)
        return measured(
            [str(BIN / "mkdocs"), "build", "-q", "-f", "build/mkdocs.yml", "-d", str(engine_site)],
            project,
        )
    shutil.rmtree(project / "build" / ".cache", ignore_errors=True)
    shutil.rmtree(project / "build" / "site", ignore_errors=True)
    done = measured(
        [str(BIN / "python"), "-m", "zensical", "build", "-f", "build/mkdocs.yml", "--clean"],
        project,
    )
    shutil.rmtree(project / "build" / "site", ignore_errors=True)
    return done


def bench_engine(
    root: Path, size: str, seed: int, runs: int, engine: str, log: list[str]
) -> Engine:
    """`pvreport build --engine ENGINE` of one size as configured (the PDF made): cold (no
    caches, no build folder, no site), the bare engine on the docs folder it wrote, then a
    rebuild after one result row changed; the peak memory of the cold build."""
    project = make_project(root / f"engine-{engine}", size, seed)
    package = project / "datapackages" / PACKAGE
    result = Engine(size, engine)
    build = [str(BIN / "pvreport"), "build", "--quiet", "--as-of", AS_OF, "--engine", engine]
    for n in range(runs):
        clear(project)
        cold = measured(build, project)
        result.cold.append(cold.seconds)
        result.peak_mb.append(cold.peak_mb)
        result.pages = sum(1 for _ in (project / "site").rglob("index.html"))
        # The bare engine removes nothing pvreport needs: its caches stay as the cold build
        # left them (Zensical's own is written again by the bare run).
        result.bare.append(bare_engine(project, engine).seconds)
        change_one_result(project)
        result.rebuild.append(measured(build, project).seconds)
        log.append(
            f"{size} {engine} run {n + 1}/{runs}: cold {cold.seconds:.1f}s "
            f"({cold.peak_mb:.0f} MB), bare engine {result.bare[-1]:.1f}s, rebuild "
            f"{result.rebuild[-1]:.1f}s"
        )
        print(log[-1], flush=True)
        shutil.rmtree(package)
        generate(package, size, seed)
    return result


def engine_from_main(result: Result) -> Engine:
    """MkDocs' figures of the main table (the same project, measured in the same run)."""
    return Engine(
        result.size,
        "mkdocs",
        pages=result.pages,
        cold=result.cold,
        bare=result.engine,
        rebuild=result.rebuild,
        peak_mb=result.peak_build_mb,
    )


# ----------------------------------------------------------------------------------------------
# The open data's share of a cold build

# A cold build in one process (`pvreport.build.build`, as `pvreport build --as-of` runs it),
# with timers around what makes the open data, and around the two later steps that handle
# those files again (the engine's copy of each file into the site, the final check of them).
OPEN_DATA = """
import datetime as dt, json, os, sys, time
from pathlib import Path
import mkdocs.structure.files as files
from pvreport import build
from pvreport.site import check, render, write

spent = {}
embed_pages = set()

def timed(name, function, keep=None):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            value = function(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - start
        if keep is not None:
            keep(args, kwargs, value)
        return value
    return wrapper

def kept_card(args, kwargs, value):
    ind = args[1]
    embed_pages.add(args[0].files[render.embed_src(ind.id)].encode("utf-8"))

render._Renderer.open_data = timed("open_data", render._Renderer.open_data, kept_card)
render.indicator_data = timed("indicator_data", render.indicator_data)
write.json_bytes = timed("json_bytes", write.json_bytes)
public_descriptor = write.public_descriptor

def descriptor(*args, **kwargs):
    if kwargs.get("folder") != "downloads/":  # the zip's copy, not /data/datapackage.json
        return public_descriptor(*args, **kwargs)
    return timed("data_package", public_descriptor)(*args, **kwargs)

write.public_descriptor = descriptor

def ours(path):
    path = str(path)
    return path.endswith("/data.json") or "/embed/indicators/" in path or path.endswith(
        "/data/datapackage.json"
    )

copy_file = files.File.copy_file

def copy(self, dirty=False):
    if not ours(self.abs_src_path):
        return copy_file(self, dirty)
    return timed("engine_copy", copy_file)(self, dirty)

files.File.copy_file = copy
link = os.link

def linked(source, target, *args, **kwargs):
    if not ours(source):
        return link(source, target, *args, **kwargs)
    return timed("engine_copy", link)(source, target, *args, **kwargs)

os.link = linked
scan_of = check._Scan.of.__func__

def scan(cls, page):
    if bytes(page if isinstance(page, bytes) else page.encode("utf-8")) not in embed_pages:
        return scan_of(cls, page)
    return timed("check_pages", scan_of)(cls, page)

check._Scan.of = classmethod(scan)
readable_text = check.readable_text

def text(name, data):
    if name not in ("data.json", "datapackage.json") and data not in embed_pages:
        return readable_text(name, data)
    return timed("check_texts", readable_text)(name, data)

check.readable_text = text
start = time.perf_counter()
built = build.build(Path(sys.argv[1]), as_of=dt.date.fromisoformat(sys.argv[2]))
spent["build"] = time.perf_counter() - start
site = built.site_dir
data = list(site.glob("indicators/*/data.json"))
cards = list(site.glob("embed/indicators/*/index.html"))
spent["files"] = len(data) + len(cards) + 1
spent["bytes"] = sum(p.stat().st_size for p in [*data, *cards, site / "data/datapackage.json"])
print(json.dumps(spent))
"""


@dataclass
class OpenData:
    size: str
    whole: float = 0.0  # the process, start-up included
    peak_mb: float = 0.0
    spent: dict[str, float] = field(default_factory=dict)


def bench_open_data(root: Path, size: str, seed: int, log: list[str]) -> OpenData:
    """One cold build in its own process with timers around the open data's makers: the share
    of the build's wall time they take. Built with ``pdf: false`` (the site alone), the
    build the 10% target was set against; the PDF's time would only make the share smaller."""
    project = make_project(root / "open-data", size, seed, pdf=False)
    done = measured([str(BIN / "python"), "-c", OPEN_DATA, str(project), AS_OF], project)
    result = OpenData(size, done.seconds, done.peak_mb)
    result.spent = json.loads(done.stdout.strip().splitlines()[-1])
    made = sum(result.spent.get(k, 0.0) for k in ("open_data", "json_bytes", "data_package"))
    log.append(
        f"{size} open data: build {result.spent['build']:.1f}s in-process "
        f"({done.seconds:.1f}s whole process); made in {made:.2f}s "
        f"({100 * made / result.spent['build']:.1f}%): "
        + ", ".join(
            f"{k} {v:.3f}s"
            for k, v in sorted(result.spent.items())
            if k not in ("build", "files", "bytes")
        )
    )
    print(log[-1], flush=True)
    return result


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


def shown(flag: bool) -> str:
    """A target shown for a build it was not set on: what it would say, not judged."""
    return f"shown, not judged ({'within the limit' if flag else 'beyond the limit'})"


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
        (
            'Written by `bench/run.py`; do not edit by hand. The main tables (up to "Every '
            f'run") were measured on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by, from the '
            "repository:"
        ),
        "",
        "```",
        command,
        "```",
        "",
        (
            "Each section after them (a project of several statements, two languages, the "
            "engines, the open data) names the command that measured it and when: `--statements "
            "N`, `--languages`, `--engines` or `--open-data` measures that section alone and "
            "replaces it in this file, keeping the rest; a run of the main tables keeps the "
            "sections it did not measure; `--all` measures everything."
        ),
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
            "Each build twice: as configured, the PDF of the whole statement made (the plugin "
            "option `pdf`, true by default), and the same project with `pdf: false` in its "
            "mkdocs.yml, the site alone (a cold build, then a rebuild after one more row). The "
            "PDF's cost is the one minus the other. The bare engine is MkDocs on the docs folder "
            "of the build with the PDF (the PDF is one more file to copy)."
        ),
        "",
        (
            "| size | result rows | pages | charts | pvreport validate (s) | frictionless validate "
            "(s) | speed-up | cold build, PDF made (s) | cold build, site alone (s) | the PDF's "
            "cost, cold (s) | bare engine (s) | cold / engine, site alone | cold / engine, PDF "
            "made | rebuild after one row, PDF made (s) | rebuild after one row, site alone (s) | "
            "the PDF's cost, rebuild (s) | rebuild / engine, site alone | rebuild / engine, PDF "
            "made | peak memory of build, PDF made (MB) | peak memory of build, site alone (MB) | "
            "median HTML per page (KB) | largest page (KB) |"
        ),
        "|---|" + "--:|" * 21,
    ]
    for r in results:
        v, f, c, e, b = (med(x) for x in (r.validate, r.frictionless, r.cold, r.engine, r.rebuild))
        cs, bs = med(r.cold_site), med(r.rebuild_site)
        out.append(
            f"| {r.size} | {r.rows:,} | {r.pages:,} | {r.charts:,} | {v:.2f} | {f:.2f} | "
            f"{f / v:.1f}x | {c:.1f} | {cs:.1f} | {c - cs:.1f} | {e:.1f} | {cs / e:.2f} | "
            f"{c / e:.2f} | {b:.1f} | {bs:.1f} | {b - bs:.1f} | {bs / e:.2f} | {b / e:.2f} | "
            f"{med(r.peak_build_mb):.0f} | {med(r.peak_site_mb):.0f} | "
            f"{r.html_median / 1024:.1f} | {r.html_max / 1024:.1f} |"
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
        e, c, b = med(big.engine), med(big.cold), med(big.rebuild)
        cs, bs = med(big.cold_site), med(big.rebuild_site)
        out += [
            (
                "Issue 13's ratios to the bare engine were set when a build made the site alone: "
                "they are judged on the build with `pdf: false`, the like-for-like, and shown "
                "with the PDF beside them (not judged). Peak memory is judged on the build with "
                "the PDF: the whole build must stay under 1.5 GB."
            ),
            "",
        ]
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
            (
                f"| cold build of L < 60 s, the site alone (pdf: false) | {cs:.1f} s | "
                f"{ok(cs < 60)} |"
            ),
            (
                f"| cold build of L < 60 s, with the PDF (shown; the guard rail was set on the "
                f"site alone) | {c:.1f} s | {shown(c < 60)} |"
            ),
            (
                f"| cold build of L <= 2x bare engine, the site alone (pdf: false) | "
                f"{cs / e:.2f}x | {ok(cs <= 2 * e)} |"
            ),
            (
                f"| cold build of L <= 2x bare engine, with the PDF (shown) | {c / e:.2f}x | "
                f"{shown(c <= 2 * e)} |"
            ),
            (
                f"| rebuild of L after one row <= 1.2x bare engine, the site alone (pdf: false) | "
                f"{bs / e:.2f}x | {ok(bs <= 1.2 * e)} |"
            ),
            (
                f"| rebuild of L after one row <= 1.2x bare engine, with the PDF (shown) | "
                f"{b / e:.2f}x | {shown(b <= 1.2 * e)} |"
            ),
            (
                f"| the PDF of L made in < 2 min (issue 17: cold build with the PDF minus the "
                f"site alone) | {c - cs:.1f} s | {ok(c - cs < 120)} |"
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
            f"| peak memory of building L < 1.5 GB, with the PDF | {med(big.peak_build_mb):.0f} "
            f"MB | {ok(med(big.peak_build_mb) < 1536)} |"
        )
    else:
        out.append("L was not run, so the targets (all about L) were not checked.")
    out += ["", "## Every run", "", *[f"- {line}" for line in log], ""]
    return "\n".join(out)


# ----------------------------------------------------------------------------------------------
# The optional sections, each between its own markers in BENCHMARKS.md

#: The optional sections in the order they stand in BENCHMARKS.md, after the main tables.
SECTIONS = ("statements", "languages", "engines", "open-data")


def begin_mark(name: str) -> str:
    return f"<!-- bench/run.py section {name}: begin -->"


def end_mark(name: str) -> str:
    return f"<!-- bench/run.py section {name}: end -->"


def stamp(command: str) -> str:
    """The line under a section's heading: the command that measured it, when, and the load."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return (
        f"Measured by `{command}` on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, commit "
        f"{commit or '?'} (load average {os.getloadavg()[0]:.1f} when the section was written)."
    )


def section(name: str, heading: str, command: str, lines: list[str], log: list[str]) -> str:
    """One optional section, markers included, ending with each of its runs as it went."""
    runs = ["", "Every run of this section:", "", *[f"- {line}" for line in log]] if log else []
    body = [
        begin_mark(name),
        f"## {heading}",
        "",
        stamp(command),
        "",
        *lines,
        *runs,
        end_mark(name),
    ]
    return "\n".join(body)


def sections_of(text: str) -> dict[str, str]:
    """The optional sections found in an earlier BENCHMARKS.md, by name, markers included."""
    found = {}
    for name in SECTIONS:
        begin, end = begin_mark(name), end_mark(name)
        if begin in text and end in text.split(begin, 1)[1]:
            found[name] = begin + text.split(begin, 1)[1].split(end, 1)[0] + end
    return found


def put_section(text: str, name: str, block: str) -> str:
    """``text`` with section ``name`` replaced by ``block``, or added where it belongs (after
    the sections before it in :data:`SECTIONS`, before the copy of bench/notes.md)."""
    old = sections_of(text).get(name)
    if old is not None:
        return text.replace(old, block)
    present = sections_of(text)
    later = [present[n] for n in SECTIONS[SECTIONS.index(name) + 1 :] if n in present]
    if later:
        at = text.index(later[0])
    elif NOTES_MARK in text:
        at = text.index(NOTES_MARK)
    else:
        at = len(text.rstrip("\n")) + 1
        text = text.rstrip("\n") + "\n"
    return text[:at] + block + "\n\n" + text[at:]


def statements_section(found: Sequence[Statements], command: str, log: list[str]) -> str:
    size, count = found[0].size, found[0].count
    lines = [
        (
            f"A project of {count} statements of size {size} (the generated package as the "
            f"current statement, {count - 1} {'copy' if count == 2 else 'copies'} of it as the "
            "years before, each with its "
            "own period and `published` date, each an archived part under `/archive/<period>/`) "
            "against one statement: cold `pvreport build --quiet` of each, then a rebuild after "
            "one result row of the current statement changed, and how many archived parts that "
            "rebuild ran the engine for again (from build/build.log). Measured twice: as "
            "configured (the current statement's PDF made) and with `pdf: false` (the sites "
            "alone). Whole processes, one run each."
        ),
        "",
        (
            "| size | statements | config | pages | cold build (s) | rebuild after one row (s) | "
            "archived parts built again | peak memory (MB) |"
        ),
        "|---|--:|---|--:|--:|--:|--:|--:|",
    ]
    for f in found:
        config = "PDF made" if f.pdf else "pdf: false"
        lines += [
            (
                f"| {size} | 1 | {config} | {f.one_pages:,} | {f.one_cold:.1f} | "
                f"{f.one_rebuild:.1f} | | {f.one_peak_mb:.0f} |"
            ),
            (
                f"| {size} | {count} | {config} | {f.pages:,} | {f.cold:.1f} "
                f"({f.cold / f.one_cold:.2f}x one) | {f.rebuild:.1f} "
                f"({f.rebuild / f.one_rebuild:.2f}x one) | {f.archived_rebuilt} of {count - 1} | "
                f"{f.peak_mb:.0f} |"
            ),
        ]
    lines += ["", "| target (issue 15) | measured | |", "|---|---|---|"]
    for f in found:
        config = "as configured, PDF made" if f.pdf else "pdf: false"
        ratio = f.cold / f.one_cold
        verdict = (
            ok(ratio < 2.5)
            if (size, count) == ("M", 5)
            else f"not judged: the target is for 5 of M, this is {count} of {size}"
        )
        lines.append(
            f"| 5 statements of M build in under 2.5x one M ({config}) | {ratio:.2f}x | {verdict} |"
        )
        lines.append(
            f"| a one-row change builds no archived part again ({config}) | "
            f"{f.archived_rebuilt} of {count - 1} | {ok(f.archived_rebuilt == 0)} |"
        )
    return section("statements", "Every statement on the record", command, lines, log)


def languages_section(found: Languages, command: str, log: list[str]) -> str:
    one, two = med(found.one), med(found.two)
    ratio = two / one
    size = found.size
    lines = [
        (
            f"{size} in one language against the same package in two (`pvreport generate --size "
            f"{size} --languages en,cy`, the same seed: every text of every row translated, a labels "
            "file), each a cold `pvreport build --no-cache --quiet` (whole process, the PDF made "
            "as by default) in a project with no hand-written pages; the two built one after "
            f"the other in each of {len(found.one)} run(s), median."
        ),
        "",
        ("| size | languages | pages | cold build (s), each run | median (s) | peak memory (MB) |"),
        "|---|--:|--:|---|--:|--:|",
        (
            f"| {size} | 1 | {found.one_pages:,} | {', '.join(f'{x:.1f}' for x in found.one)} | "
            f"{one:.1f} | {med(found.one_peak_mb):.0f} |"
        ),
        (
            f"| {size} | 2 | {found.two_pages:,} | {', '.join(f'{x:.1f}' for x in found.two)} | "
            f"{two:.1f} | {med(found.two_peak_mb):.0f} |"
        ),
        "",
        "| target (issue 16) | measured | |",
        "|---|---|---|",
        (
            f"| L in two languages builds in < 2.2x L in one | {ratio:.2f}x ({size}) | "
            + (ok(ratio < 2.2) if size == "L" else f"not judged: measured on {size}, not L")
            + " |"
        ),
    ]
    return section("languages", "Two languages", command, lines, log)


def engines_section(found: Sequence[Engine], command: str, from_main: bool, log: list[str]) -> str:
    lines = [
        (
            "The same project under both engines, per size: a cold `pvreport build --engine "
            "ENGINE` (no caches, no build folder, no site; the PDF made as configured), the bare "
            "engine on the docs folder pvreport wrote (`mkdocs build -f build/mkdocs.yml`; "
            "`python -m zensical build -f build/mkdocs.yml --clean` with its cache, "
            "build/.cache, deleted), a rebuild after one result row changed, and the cold "
            "build's peak memory. Whole processes, median of the runs. Both engines' builds "
            "make the PDF, whose cost (the main table) is the same under either: the engines "
            "differ by the bare engine's time and what pvreport adds around it. "
            + (
                "MkDocs' figures are the main table's, measured in the same run."
                if from_main
                else "MkDocs was measured here too."
            )
        ),
        "",
        (
            "| size | engine | pages | cold build (s) | bare engine (s) | cold / engine | rebuild "
            "after one row (s) | rebuild / engine | peak memory of build (MB) |"
        ),
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for f in found:
        c, e, b = med(f.cold), med(f.bare), med(f.rebuild)
        lines.append(
            f"| {f.size} | {f.engine} | {f.pages:,} | {c:.1f} | {e:.1f} | {c / e:.2f} | "
            f"{b:.1f} | {b / e:.2f} | {med(f.peak_mb):.0f} |"
        )
    return section("engines", "Engines: MkDocs and Zensical", command, lines, log)


#: The timers of the open-data section: (key, what it times), in the order shown.
OPEN_DATA_TIMERS = (
    (
        "open_data",
        (
            "`_Renderer.open_data` (render.py): each measure's data.json as values and its embed "
            "card rendered (`embed.html.j2`, the card's height worked out from its chart)"
        ),
    ),
    ("indicator_data", "of which `indicator_data`: the values of each data.json"),
    ("json_bytes", "`write.json_bytes` (build.py, the docs folder): each data.json's bytes"),
    (
        "data_package",
        '`write.public_descriptor(..., folder="downloads/")`: /data/datapackage.json',
    ),
)
#: What handles the same files again later in the build (timed too, outside the target).
OPEN_DATA_AFTER = (
    ("engine_copy", "the engine's copy of them into the site (a hard link each, `os.link`)"),
    ("check_pages", "the final check's scan of the embed cards' HTML (`check._Scan.of`)"),
    (
        "check_texts",
        (
            "the final check's reading of their text for withheld values (`check.readable_text`; "
            "only where the package withholds something)"
        ),
    ),
)


def open_data_section(found: OpenData, command: str, log: list[str]) -> str:
    spent, build = found.spent, found.spent["build"]
    made = sum(spent.get(k, 0.0) for k in ("open_data", "json_bytes", "data_package"))
    later = sum(spent.get(k, 0.0) for k, _ in OPEN_DATA_AFTER)

    def row(key: str, what: str) -> str:
        value = spent.get(key, 0.0)
        return f"| {what} | {value:.3f} | {100 * value / build:.1f}% |"

    lines = [
        (
            f"One cold build of {found.size} with `pdf: false` (the site alone: the build the "
            "target was set on, which the PDF would only make longer and the share smaller), "
            "run as `pvreport.build.build` in a process of its own with timers wrapped around "
            "the functions that make the open data: each measure's `data.json`, its embed "
            "card (`/embed/indicators/<id>/`) and `/data/datapackage.json` "
            f"({int(spent.get('files', 0)):,} files, {spent.get('bytes', 0) / 2**20:.1f} MB in "
            f"the site). The build took {build:.1f} s inside the process "
            f"({found.whole:.1f} s as a whole process, start-up and imports included; peak "
            f"{found.peak_mb:.0f} MB)."
        ),
        "",
        "| timed | seconds | share of the build |",
        "|---|--:|--:|",
        *[row(k, w) for k, w in OPEN_DATA_TIMERS],
        (
            f"| **made in all** (the first, third and fourth rows) | {made:.3f} | "
            f"{100 * made / build:.1f}% |"
        ),
        *[row(k, w) for k, w in OPEN_DATA_AFTER],
        (
            f"| **made and handled again** | {made + later:.3f} | "
            f"{100 * (made + later) / build:.1f}% |"
        ),
        "",
        (
            "What the timers miss: writing those files into the docs folder "
            "(`write.sync_folder` writes every file of the docs folder in one pass), the final "
            "check's search of the docs folder's copies (the same bytes, skipped by their "
            "digest) and of withheld values in the texts read (`find_canaries`, one pass per "
            "text), the search index and sitemap (the embed cards are in neither), and the "
            "publish (renaming one folder). Each is a share of a pass over every file of the "
            "site, of which these files are a part."
        ),
        "",
        "| target (issue 18) | measured | |",
        "|---|---|---|",
        (
            f"| the JSON files and embed pages add < 10% to a cold L build | "
            f"{100 * made / build:.1f}% made ({100 * (made + later) / build:.1f}% with the "
            f"copy and check) on {found.size} | "
            + (ok(made / build < 0.10) if found.size == "L" else f"not judged on {found.size}")
            + " |"
        ),
    ]
    return section("open-data", "The open data's share of a cold build", command, lines, log)


#: The start of a BENCHMARKS.md whose main tables were not measured yet (a section run alone).
NO_MAIN_TABLES = (
    "# Benchmarks\n\nWritten by `bench/run.py`; do not edit by hand. The main tables were not "
    "measured into this file yet (run `bench/run.py` without a section option, or with "
    "`--all`); each section below names the command that measured it and when.\n"
)

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
        help="a project of N statements of the last size against one statement (cold builds, "
        "then a rebuild after one row of the current one changed), with the PDF and with pdf: "
        "false: its section of --out",
    )
    parser.add_argument(
        "--languages",
        action="store_true",
        help="the last size in one language against two (cold builds, --runs-large runs): its "
        "section of --out",
    )
    parser.add_argument(
        "--engines",
        action="store_true",
        help="each size under Zensical beside MkDocs (cold, bare engine, rebuild, peak): its "
        "section of --out",
    )
    parser.add_argument(
        "--open-data",
        action="store_true",
        help="the open data's share of a cold build of the last size, timed in-process: its "
        "section of --out",
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="everything: the main tables, then 5 statements of M (else of the last size), two "
        "languages, engines and open data",
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
    runs = {size: args.runs_large if size == "L" else args.runs for size in sizes}
    command = (
        ".venv/bin/python bench/run.py " + " ".join(sys.argv[1:] if argv is None else argv)
    ).strip()
    out = Path(args.out)
    earlier = out.read_text(encoding="utf-8") if out.is_file() else ""
    alone = bool(args.statements or args.languages or args.engines or args.open_data)
    blocks: dict[str, str] = {}
    results: list[Result] = []
    main_text = ""

    def save() -> None:
        """Write what is measured so far (after each part, so a later failure loses nothing):
        the main tables afresh, with each section measured now or kept from before; or, for a
        section run alone, the earlier file with that section replaced."""
        if main_text:
            kept = sections_of(earlier)
            text = main_text.rstrip("\n") + "\n"
            for name in SECTIONS:
                block = blocks.get(name) or kept.get(name)
                if block:
                    text += "\n" + block + "\n"
            text += notes_section()
        else:
            text = earlier or NO_MAIN_TABLES
            for name, block in blocks.items():
                text = put_section(text, name, block)
        out.write_text(text.rstrip("\n") + "\n", "utf-8")
        print(f"wrote {out}", flush=True)

    if args.all or not alone:
        log: list[str] = []
        results = [bench_size(root, size, args.seed, runs[size], log) for size in sizes]
        planted = [bench_planted(root, size, args.seed, log) for size in sizes]
        variants = bench_variants(root, sizes[-1], args.seed, log)
        workbooks = [bench_workbook(root, sizes[-1], args.seed, log)]
        main_text = report(results, planted, variants, sizes[-1], runs, log, command, workbooks)
        save()
    if args.all or args.statements:
        count = args.statements or 5
        size = "M" if args.all and "M" in sizes else sizes[-1]
        log = []
        found = [
            bench_statements(root, size, args.seed, count, log, pdf=pdf) for pdf in (True, False)
        ]
        blocks["statements"] = statements_section(found, command, log)
        save()
    if args.all or args.languages:
        log = []
        found_languages = bench_languages(root, sizes[-1], args.seed, args.runs_large, log)
        blocks["languages"] = languages_section(found_languages, command, log)
        save()
    if args.all or args.engines:
        log = []
        by_size = {r.size: r for r in results}
        engines = []
        for size in sizes:
            if size in by_size:
                engines.append(engine_from_main(by_size[size]))
            else:
                engines.append(bench_engine(root, size, args.seed, runs[size], "mkdocs", log))
            engines.append(bench_engine(root, size, args.seed, runs[size], "zensical", log))
        blocks["engines"] = engines_section(engines, command, bool(results), log)
        save()
    if args.all or args.open_data:
        log = []
        found_open = bench_open_data(root, sizes[-1], args.seed, log)
        blocks["open-data"] = open_data_section(found_open, command, log)
        save()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
