"""Shared fixtures: the minimal valid package, copied into a throwaway folder for each test."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Generator, Sequence
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
BASE = FIXTURES / "base"
BAD = FIXTURES / "bad"
#: The day fixture tests treat as today, so that date rules give the same answer every day.
AS_OF = dt.date(2026, 6, 1)

#: The project's own commands (the virtual environment's bin folder) and an environment
#: without MkDocs' banners.
BIN = Path(sys.executable).parent
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}


def run_pvreport(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``pvreport ARGS`` run as a user runs it, in ``cwd``."""
    return subprocess.run(
        [str(BIN / "pvreport"), *args],
        cwd=cwd,
        check=False,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=300,
    )


def copy_base(target: Path) -> Path:
    """A fresh copy of the base package at ``target``."""
    shutil.copytree(BASE, target)
    return target


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A fresh, writable copy of the minimal valid package."""
    return copy_base(tmp_path / "package")


@pytest.fixture
def write_csv(package: Path) -> Callable[[str, str | bytes], Path]:
    """Overwrite one file of the package copy with text (UTF-8) or bytes."""

    def write(name: str, content: str | bytes) -> Path:
        path = package / name
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8", newline="")
        else:
            path.write_bytes(content)
        return path

    return write


def pytest_addoption(parser: pytest.Parser) -> None:
    # `make golden` (pytest tests/test_render.py --update-golden) rewrites tests/golden/.
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite the golden files of generated pages instead of comparing with them",
    )


REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "datapackages" / "example"


#: The example body's earlier statement (2024/25), which the repository's mkdocs.yml names.
EXAMPLE_PREVIOUS = REPO / "datapackages" / "example-2024-25"


def make_project(
    target: Path, package: Path, *, content: bool = True, previous: Sequence[Path] = ()
) -> Path:
    """A project folder like the repository's: mkdocs.yml naming ``package`` (and the earlier
    statements ``previous``, newest first, where given), content/ pages."""
    target.mkdir(parents=True)
    shutil.copytree(package, target / "datapackages" / package.name)
    for earlier in previous:
        shutil.copytree(earlier, target / "datapackages" / earlier.name)
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    # The repository's earlier statements, replaced by those given (or none).
    config = re.sub(
        r"\n *# The earlier statements[^\n]*\n *previous:\n( *- [^\n]*\n)+", "\n", config
    )
    config = config.replace(
        "package: datapackages/example\n",
        f"package: datapackages/{package.name}\n"
        + (
            "      previous:\n" + "".join(f"        - datapackages/{p.name}\n" for p in previous)
            if previous
            else ""
        ),
    )
    (target / "mkdocs.yml").write_text(config, encoding="utf-8")
    (target / "content").mkdir()
    if content:
        shutil.copytree(REPO / "content", target / "content", dirs_exist_ok=True)
    return target


#: The engines every test of the example's site runs on (pvreport.site.engine.ENGINES).
ENGINES = ("mkdocs", "zensical")


@pytest.fixture(scope="session")
def example_builds(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Any]:
    """The example report built with `pvreport build`'s library call, as of AS_OF, at most once
    per session and engine (whichever module asks first): a build.Built (site_dir, build_dir,
    report, validation, ...). Tests read these sites and never change them."""
    from pvreport import build

    built: dict[str, Any] = {}

    def get(engine: str) -> Any:
        if engine not in built:
            project = make_project(tmp_path_factory.mktemp("example") / "project", EXAMPLE)
            built[engine] = build.build(project, as_of=AS_OF, engine_name=engine)
        return built[engine]

    return get


@pytest.fixture(scope="session", params=ENGINES)
def example_site(request: pytest.FixtureRequest, example_builds: Callable[[str], Any]) -> Any:
    """The example report built by each engine (see example_builds)."""
    return example_builds(request.param)


@pytest.fixture(scope="session")
def example_mkdocs(example_builds: Callable[[str], Any]) -> Any:
    """The example report built by MkDocs, the default engine: example_site's own build."""
    return example_builds("mkdocs")


@pytest.fixture(scope="session")
def archive_site(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The example project with its earlier statement, built as of AS_OF with MkDocs, once per
    session (tests/test_archive.py reads it, tests/test_browser.py checks it in Chromium)."""
    from pvreport import build

    project = make_project(
        tmp_path_factory.mktemp("archive") / "project", EXAMPLE, previous=[EXAMPLE_PREVIOUS]
    )
    return build.build(project, as_of=AS_OF, engine_name="mkdocs")


#: The Welsh example (contract v1.1): its project folder and its package, in two languages.
WELSH_PROJECT = REPO / "examples" / "example-cy"
WELSH_PACKAGE = REPO / "datapackages" / "example-cy"


def copy_welsh_project(target: Path) -> Path:
    """The Welsh example's project with its package beside it, as the repository has them."""
    shutil.copytree(WELSH_PROJECT, target / "examples" / "example-cy")
    shutil.copytree(WELSH_PACKAGE, target / "datapackages" / "example-cy")
    return target / "examples" / "example-cy"


@pytest.fixture(scope="session")
def welsh_site(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The Welsh example built as a user builds it, as of AS_OF, once per session
    (tests/test_languages_site.py reads it, tests/test_browser.py checks it in Chromium)."""
    from pvreport import build

    return build.build(copy_welsh_project(tmp_path_factory.mktemp("welsh")), as_of=AS_OF)


# --- running the suite in parallel ------------------------------------------------------------
# `make test` runs the tests on every core with pytest-xdist, `--dist loadgroup`: the tests of an
# xdist_group run on one worker, the others wherever a worker is free. A site built once and
# read by many tests (a session fixture above, or a module's own) must not be built again on
# each worker, so every test that uses one is put in the group of what it uses: the example by
# engine, the archive, the Welsh example; else its module, where it uses a fixture of the
# module's (or class's) scope. Every worker has its own temporary folder (tmp_path_factory).

#: The session fixtures that build a site, each with the group of the tests that use it.
SHARED_SITES = {
    "example_mkdocs": "example-mkdocs",
    "archive_site": "archive",
    "welsh_site": "welsh",
}


def xdist_group(item: pytest.Item) -> str | None:
    """The group of the worker a test must share, or None where any worker will do."""
    names = getattr(item, "fixturenames", ())
    if "example_site" in names:
        return "example-" + item.callspec.params["example_site"]  # type: ignore[attr-defined]
    for name, group in SHARED_SITES.items():
        if name in names:
            return group
    info = getattr(item, "_fixtureinfo", None)
    for name in names:
        defs = info.name2fixturedefs.get(name) if info else None
        if defs and defs[-1].scope in ("module", "class", "package"):
            return item.nodeid.split("::", 1)[0]
    return None


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> Generator[None, None, None]:
    # Before every other plugin's hook: pytest-xdist reads the marks in its own.
    for item in items:
        if group := xdist_group(item):
            item.add_marker(pytest.mark.xdist_group(group))
    result = yield
    # On a worker under --dist loadgroup, pytest-xdist's hook puts the group's name after the
    # test's id (tests/test_site.py::test_x[mkdocs]@example-mkdocs), which is what sends the test
    # to its group's worker. On pytest 9.2 that no longer takes (the id became a structured one,
    # pytest-xdist issue 1386) and every test would go to any worker: the id is changed here.
    if config.getoption("loadgroup", default=False):
        for item in items:
            if (group := xdist_group(item)) and not item.nodeid.endswith("@" + group):
                from _pytest.nodeid import NodeId

                item._id = NodeId.parse(f"{item.nodeid}@{group}")  # type: ignore[attr-defined]
    return result


def search_entries(site_dir: Path) -> list[dict[str, str]]:
    """The site's search index as entries with a location, title and text, whichever engine
    wrote it: MkDocs Material's ``search/search_index.json`` (``docs``), or Zensical's
    ``search.json`` (``items``)."""
    material = site_dir / "search" / "search_index.json"
    if material.is_file():
        return list(json.loads(material.read_text(encoding="utf-8"))["docs"])
    return list(json.loads((site_dir / "search.json").read_text(encoding="utf-8"))["items"])


def pdf_parts(data: bytes) -> list[tuple[str, str]]:
    """A PDF as a reader gets it, read apart from the final check's own reader: ``!text``, its
    pages' words (pdfium); ``!strings``, every string in the file wherever it is nested (title,
    outline, text alternatives, link addresses), decoded by qpdf; ``!raw``, every stream decoded
    that is neither drawing (pages, forms, patterns), a font or image, nor the file's own
    index (object streams, whose objects are read one by one, and the cross-reference stream): the metadata and any embedded
    file. The drawing streams' text is the pages' words; their numbers are coordinates."""
    import pikepdf
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    words = " ".join(" ".join(page.get_textpage().get_text_range().split()) for page in pdf)
    strings: list[str] = []
    raw: list[str] = []

    def walk(value: object, top: bool = False) -> None:
        if not top and getattr(value, "is_indirect", False):
            return
        if isinstance(value, pikepdf.String):
            strings.append(str(value))
        elif isinstance(value, (pikepdf.Dictionary, pikepdf.Stream)):
            for item in value.values():
                walk(item)
        elif isinstance(value, pikepdf.Array):
            for item in value:
                walk(item)

    drawing = ("/Form", "/Image", "/Type1C", "/CIDFontType0C", "/OpenType")
    with pikepdf.Pdf.open(io.BytesIO(data)) as opened:
        contents = {
            c.objgen
            for page in opened.pages
            for c in (
                page.obj.Contents
                if isinstance(page.obj.Contents, pikepdf.Array)
                else [page.obj.Contents]
            )
        }
        for obj in opened.objects:
            walk(obj, top=True)
            if (
                isinstance(obj, pikepdf.Stream)
                and obj.objgen not in contents
                and "/Length1" not in obj
                and "/BBox" not in obj
                and str(obj.get("/Subtype", "")) not in drawing
                and str(obj.get("/Type", "")) not in ("/ObjStm", "/XRef")
            ):
                raw.append(obj.read_bytes().decode("utf-8", "replace"))
    return [("!text", words), ("!strings", "\n".join(strings)), ("!raw", "\n".join(raw))]
