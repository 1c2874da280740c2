"""The bad-input build suite: one folder per case under fixtures/build/, each with its expectation.

A case folder changes fixtures/base/ in the style of fixtures/bad/ (see test_bad_inputs.py:
replacing or added files, ``remove.txt``, ``symlinks.txt``, ``outside/``), and may also hold:
- ``cells.yaml``: a list of cell changes, ``{file, row: {column: value}, field, value}`` to set a
  cell of the row matching ``row``, or ``{file, append: {column: value}}`` to add a row;
- ``options.yml``: options of the pvreport plugin in mkdocs.yml (limits, for example);
- ``as_of.txt``: the day to build as of (default conftest.AS_OF);
- ``site_dir.txt``: the site folder to build into, relative to the project folder (``outside/``
  sits beside the project, so ``../outside`` is a folder of someone else's files).
Its expectation is either
- ``refused.txt`` (with ``site_dir.txt``): words the refusal of the site folder must hold; the
  build must stop before it writes anything, every file beside and under the project as it was;
- ``expected.txt``: the build must stop at validation with exactly these problems
  (``FILE:LINE FIELD CODE``, as in fixtures/bad/), leaving no site; or
- ``absent.txt`` / ``present.txt``: the build must succeed. Each line of ``absent.txt`` is a string
  that must not be in any file of the built site nor of the docs folder left behind (the bytes of
  every file, .gz, .zip and .xlsx opened; the engine config and the chart cache too), nor in any
  file's name. Each line of ``present.txt`` must be in the readable text of a
  page (what a reader sees, spaces folded). A line ``[GLOB] STRING`` looks only in the files
  whose path under the site (or docs folder) matches GLOB, as bytes. ``#`` starts a comment line.

Builds take seconds, so cases that only change cells or add new files share one build: each is
then a field and value checked on that build. The others build on their own.
"""

from __future__ import annotations

import csv
import datetime as dt
import fnmatch
import gzip
import io
import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import AS_OF, BASE, ENGINES, FIXTURES, make_project, pdf_parts
from test_bad_inputs import parse_expected

from pvreport import build

pytestmark = pytest.mark.slow

CASES_DIR = FIXTURES / "build"
EXPECTATIONS = {"expected.txt", "absent.txt", "present.txt", "refused.txt", "README.md"}
OWN_BUILD = {"options.yml", "as_of.txt", "remove.txt", "symlinks.txt", "outside", "site_dir.txt"}
CASES = sorted(p.name for p in CASES_DIR.iterdir() if p.is_dir()) if CASES_DIR.is_dir() else []


def overlays(case: Path) -> list[Path]:
    return [p for p in case.iterdir() if p.name not in EXPECTATIONS | OWN_BUILD | {"cells.yaml"}]


def shares_the_build(case: Path) -> bool:
    """Cases that only change cells, or only add files the base does not have, share one build."""
    if (case / "expected.txt").exists() or any((case / n).exists() for n in OWN_BUILD):
        return False
    return all(not (BASE / p.relative_to(case)).exists() for p in overlays(case))


SHARED = [c for c in CASES if shares_the_build(CASES_DIR / c)]


def change_cells(package: Path, changes: list[dict[str, Any]], case: str) -> set[tuple[str, ...]]:
    """Apply a case's cell changes; return what it set, to catch two shared cases clashing."""
    touched: set[tuple[str, ...]] = set()
    for change in changes:
        path = package / change["file"]
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        header = rows[0]
        if "append" in change:
            unknown = set(change["append"]) - set(header)
            assert not unknown, f"{case}: {change['file']} has no column {unknown}"
            rows.append([str(change["append"].get(col, "")) for col in header])
        else:
            matches = [
                r
                for r in rows[1:]
                if all(r[header.index(k)] == v for k, v in change["row"].items())
            ]
            assert len(matches) == 1, f"{case}: {change['row']} matches {len(matches)} rows"
            matches[0][header.index(change["field"])] = str(change["value"])
            touched.add((change["file"], *change["row"].values(), change["field"]))
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        path.write_text(out.getvalue(), encoding="utf-8", newline="")
    return touched


def apply_case(case: Path, package: Path) -> set[tuple[str, ...]]:
    """Change the package as the case folder says (fixtures/bad style, then cells.yaml)."""
    remove = case / "remove.txt"
    if remove.exists():
        for name in remove.read_text(encoding="utf-8").split():
            (package / name).unlink()
    for item in overlays(case):
        if item.is_dir():
            shutil.copytree(item, package / item.name, dirs_exist_ok=True)
        else:
            shutil.copyfile(item, package / item.name)
    if (case / "outside").is_dir():
        shutil.copytree(case / "outside", package.parents[2] / "outside", dirs_exist_ok=True)
    links = case / "symlinks.txt"
    if links.exists():
        for raw in links.read_text(encoding="utf-8").splitlines():
            if "->" in raw:
                link, target = (part.strip() for part in raw.split("->", 1))
                (package / link).unlink(missing_ok=True)
                (package / link).symlink_to(target)
    cells = case / "cells.yaml"
    if not cells.exists():
        return set()
    return change_cells(package, yaml.safe_load(cells.read_text(encoding="utf-8")), case.name)


def make_case_project(root: Path, cases: list[str]) -> Path:
    """A project whose package is the base with the cases' changes; ``outside/`` sits beside the
    project, so that a symlink ``../../../outside/x`` from the package leads out of it."""
    project = make_project(root / "project", BASE)
    package = project / "datapackages" / "base"
    touched: dict[tuple[str, ...], str] = {}
    for name in cases:
        for key in apply_case(CASES_DIR / name, package):
            assert key not in touched, f"{name} and {touched[key]} change the same cell {key}"
            touched[key] = name
    options = CASES_DIR / cases[0] / "options.yml" if len(cases) == 1 else None
    if options and options.exists():
        config = project / "mkdocs.yml"
        extra = yaml.safe_load(options.read_text(encoding="utf-8"))
        lines = "".join(f"\n      {k}: {v}" for k, v in extra.items())
        text = config.read_text(encoding="utf-8")
        assert "package: datapackages/base" in text
        config.write_text(
            text.replace("package: datapackages/base", "package: datapackages/base" + lines),
            encoding="utf-8",
        )
    return project


def as_of(case: Path) -> dt.date:
    written = case / "as_of.txt"
    return dt.date.fromisoformat(written.read_text().strip()) if written.exists() else AS_OF


# ----------------------------------------------------------------------------------------------
# What a built site holds


class Built:
    """A built site and its docs folder, read once: raw bytes of every file and each page's text."""

    def __init__(self, result: build.Built) -> None:
        self.files: dict[str, str] = {}
        # Besides the site: the docs folder and engine config left in build/, and the chart
        # cache; only the build log (for the publisher, never published) may name withheld rows.
        project = result.build_dir.parent
        for label, root in (
            ("site", result.site_dir),
            ("docs", result.build_dir / "docs"),
            ("engine", result.build_dir / "mkdocs.yml"),
            ("cache", project / build.CACHE_FOLDER),
        ):
            for path in sorted(root.rglob("*")) if root.is_dir() else [root]:
                if path.is_file():
                    for inner, text in _opened(path):
                        rel = path.relative_to(root).as_posix() if root.is_dir() else path.name
                        self.files[f"{label}/{rel}{inner}"] = text
        self.pages: dict[str, str] = {}
        for path in sorted(result.site_dir.rglob("*.html")):
            soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
            self.pages[path.relative_to(result.site_dir).as_posix()] = " ".join(
                soup.get_text(" ").split()
            )


def _opened(path: Path) -> list[tuple[str, str]]:
    data = path.read_bytes()
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            return [
                (f"!{n}", archive.read(n).decode("utf-8", "replace")) for n in archive.namelist()
            ]
    if path.suffix == ".xlsx":
        # A workbook: each sheet's cells as a spreadsheet reads them, a line per row.
        book = openpyxl.load_workbook(path, read_only=True)
        return [
            (
                f"!{sheet.title}",
                "\n".join(
                    ",".join("" if v is None else str(v) for v in row)
                    for row in sheet.iter_rows(values_only=True)
                ),
            )
            for sheet in book.worksheets
        ]
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    if path.suffix == ".pdf":
        return pdf_parts(data)
    return [("", data.decode("utf-8", "replace"))]


def expectations(case: Path, name: str) -> list[tuple[str | None, str]]:
    """``(glob or None, string)`` for each line of absent.txt or present.txt."""
    path = case / name
    found: list[tuple[str | None, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("[") and "] " in line:
            glob, _, text = line[1:].partition("] ")
            found.append((glob, text))
        else:
            found.append((None, line))
    return found


def check_strings(case: str, built: Built) -> None:
    folder = CASES_DIR / case
    absent, present = expectations(folder, "absent.txt"), expectations(folder, "present.txt")
    assert absent or present, f"{case} states no expectation"
    for glob, text in absent:
        where = [
            path
            for path, body in built.files.items()
            if (glob is None or _matches(path, glob)) and text in body
        ]
        assert not where, f"{case}: {text!r} must not appear, but is in {where}"
        if glob is None:
            named = [path for path in built.files if text in path]
            assert not named, f"{case}: {text!r} must not name a file, but names {named}"
    for glob, text in present:
        if glob is None:
            assert any(text in page for page in built.pages.values()), (
                f"{case}: {text!r} is in no page's text"
            )
        else:
            scoped = [body for path, body in built.files.items() if _matches(path, glob)]
            assert scoped, f"{case}: no file matches {glob}"
            assert any(text in body for body in scoped), f"{case}: {text!r} is in no {glob}"


def _listing(folder: Path) -> dict[str, bytes | str]:
    """Every entry under a folder: files by their bytes, folders and links by what they are."""
    return {
        p.relative_to(folder).as_posix(): (
            f"link {p.readlink()}" if p.is_symlink() else "folder" if p.is_dir() else p.read_bytes()
        )
        for p in sorted(folder.rglob("*"))
    }


def _matches(path: str, glob: str) -> bool:
    return fnmatch.fnmatch(path.split("/", 1)[1], glob)


@pytest.fixture(scope="module", params=ENGINES)
def shared_build(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The shared cases built once by each engine: the final check and what reaches the site
    must hold whichever engine made it."""
    project = make_case_project(tmp_path_factory.mktemp("shared"), SHARED)
    return Built(build.build(project, as_of=AS_OF, engine_name=request.param))


# ----------------------------------------------------------------------------------------------
# The cases


def test_the_suite_covers_the_issue() -> None:
    assert len(CASES) >= 40
    kinds = {c.split("-")[0] for c in CASES}
    assert {"inject", "withheld", "limit", "path"} <= kinds


def test_the_site_is_read_whole(shared_build: Built) -> None:
    """The expectations see every file: pages, search index, sitemap, charts, downloads, the
    members of the zip, the open data (the published descriptor, each measure's data.json and
    embed card), and the docs folder; absent strings would otherwise pass unseen."""
    paths = list(shared_build.files)
    # MkDocs Material's search index and gzipped sitemap, or Zensical's search index.
    own = (
        ("site/search/search_index.json", "site/sitemap.xml.gz")
        if "site/search/search_index.json" in paths
        else ("site/search.json",)
    )
    for wanted in (
        *own,
        "site/sitemap.xml",
        "site/data/downloads/options.csv",
        "site/data/datapackage.json",
        "site/indicators/damp-homes/data.json",
        "site/embed/indicators/damp-homes/index.html",
        "docs/index.md",
        "docs/indicators/damp-homes/data.json",
        "docs/embed/indicators/damp-homes/index.html",
        "engine/mkdocs.yml",
    ):
        assert wanted in paths, wanted
    # The PDF of the whole statement: its text, its strings and its raw streams.
    for part in ("!text", "!strings", "!raw"):
        assert any(p.startswith("site/print/") and p.endswith(".pdf" + part) for p in paths)
    assert any(".zip!options.csv" in p for p in paths)
    # The public data's workbook, its cells read from its XML.
    assert any(p.endswith(".xlsx!options") for p in paths)
    assert any(p.startswith("cache/") for p in paths)
    assert any(p.endswith(".svg") for p in paths) and any(p.endswith(".json") for p in paths)
    assert len(shared_build.pages) > 15


@pytest.mark.parametrize("case", SHARED)
def test_shared_build_case(case: str, shared_build: Built) -> None:
    check_strings(case, shared_build)


@pytest.mark.parametrize("case", [c for c in CASES if c not in SHARED])
def test_own_build_case(case: str, tmp_path: Path) -> None:
    folder = CASES_DIR / case
    project = make_case_project(tmp_path, [case])
    if (folder / "site_dir.txt").exists():
        site_dir = project / (folder / "site_dir.txt").read_text(encoding="utf-8").strip()
        words = (folder / "refused.txt").read_text(encoding="utf-8").strip()
        before = _listing(tmp_path)
        with pytest.raises(build.SiteDirError) as refused:
            build.build(project, site_dir=site_dir, as_of=as_of(folder))
        assert words in str(refused.value)
        assert _listing(tmp_path) == before
        return
    if (folder / "expected.txt").exists():
        expected = parse_expected((folder / "expected.txt").read_text(encoding="utf-8"))
        with pytest.raises(build.BuildError) as failed:
            build.build(project, as_of=as_of(folder))
        actual = {
            (p.file or "datapackage.json", p.line, p.field, p.code) for p in failed.value.problems
        }
        assert actual == expected, (
            f"{case}: missing {sorted(expected - actual, key=str)}, "
            f"unexpected {sorted(actual - expected, key=str)}"
        )
        assert all(p.message and p.hint for p in failed.value.problems)
        assert not (project / "site").exists()
        return
    check_strings(case, Built(build.build(project, as_of=as_of(folder))))
