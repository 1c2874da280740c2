"""The engine's page cache: a rebuild converts only the pages that changed, and the site it
publishes is byte for byte the site a build without the cache publishes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import AS_OF, BASE, make_project

from pvreport import build, workers
from pvreport.site import engine


def site_bytes(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def entries(project: Path) -> set[str]:
    folder = project / build.PAGE_CACHE_FOLDER
    return {p.name for p in folder.glob("*.json")} if folder.is_dir() else set()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project built once with the cache, so its cache holds every page."""
    project = make_project(tmp_path_factory.mktemp("cache") / "project", BASE)
    build.build(project, as_of=AS_OF)
    return project


def test_a_cached_rebuild_publishes_the_same_bytes_as_an_uncached_build(
    built: Path, tmp_path: Path
) -> None:
    cached = entries(built)
    assert cached, "the build filled no page cache"
    first = site_bytes(built / "site")

    again = build.build(built, as_of=AS_OF)
    assert site_bytes(again.site_dir) == first
    assert entries(built) == cached

    uncached = build.build(built, as_of=AS_OF, cache=False, site_dir=tmp_path / "plain")
    assert site_bytes(uncached.site_dir) == first


def test_every_page_comes_from_the_cache_and_one_changed_page_is_converted_again(
    built: Path, tmp_path: Path
) -> None:
    cache_dir = built / build.PAGE_CACHE_FOLDER
    config = built / "build" / "mkdocs.yml"
    pages = len(list((built / "build" / "docs").rglob("*.md")))

    warm = engine.run(config, tmp_path / "warm", cache_dir)
    assert warm is not None and (warm.misses, warm.hits) == (0, pages)

    about = built / "build" / "docs" / "about.md"
    about.write_text(about.read_text(encoding="utf-8") + "\nOne more sentence.\n", "utf-8")
    changed = engine.run(config, tmp_path / "changed", cache_dir)
    assert changed is not None and (changed.misses, changed.hits) == (1, pages - 1)
    assert "One more sentence." in (tmp_path / "changed" / "about" / "index.html").read_text()
    index = json.loads((tmp_path / "changed" / "search" / "search_index.json").read_text())
    assert any("One more sentence." in doc["text"] for doc in index["docs"])


def test_a_damaged_entry_is_converted_again(built: Path, tmp_path: Path) -> None:
    cache_dir = built / build.PAGE_CACHE_FOLDER
    for path in cache_dir.glob("*.json"):
        path.write_text("{not json", encoding="utf-8")
    damaged = engine.run(built / "build" / "mkdocs.yml", tmp_path / "site", cache_dir)
    assert damaged is not None and damaged.hits == 0 and damaged.misses > 0
    assert (tmp_path / "site" / "index.html").is_file()


def test_a_failed_build_adds_nothing_to_the_cache(built: Path, tmp_path: Path) -> None:
    before = entries(built)
    page = built / "content" / "broken.md"
    page.write_text("# Broken\n\nA link to [nowhere](no-such-page.md).\n", encoding="utf-8")
    try:
        with pytest.raises(build.BuildError):
            build.build(built, as_of=AS_OF)
    finally:
        page.unlink()
        build.build(built, as_of=AS_OF, publish=False)  # the docs folder as it was
    assert entries(built) == before


def test_the_published_site_keeps_its_bytes_when_the_next_build_rewrites_the_docs(
    tmp_path: Path,
) -> None:
    project = make_project(tmp_path / "project", BASE)
    first = build.build(project, as_of=AS_OF)
    download = first.site_dir / "data" / "downloads" / "results.csv"
    published = download.read_bytes()
    docs_copy = project / "build" / "docs" / "data" / "downloads" / "results.csv"
    # The engine linked the download rather than copying it.
    assert download.stat().st_ino == docs_copy.stat().st_ino

    results = project / "datapackages" / BASE.name / "results.csv"
    lines = results.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    cells = lines[1].rstrip("\n").split(",")
    cells[header.index("note")] = "A note added for the rebuild."
    lines[1] = ",".join(cells) + "\n"
    results.write_text("".join(lines), encoding="utf-8")

    build.build(project, as_of=AS_OF, publish=False)
    assert b"A note added for the rebuild." in docs_copy.read_bytes()
    assert download.read_bytes() == published


def test_no_cache_builds_without_reading_or_writing_the_caches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pvreport import cli

    project = make_project(tmp_path / "project", BASE)
    monkeypatch.chdir(project)
    assert cli.main(["build", "--no-cache", "--quiet", "--as-of", AS_OF.isoformat()]) == 0
    assert "Built" in capsys.readouterr().out
    assert (project / "site" / "index.html").is_file()
    assert not (project / ".pvreport").exists()


def test_helper_processes_give_the_site_one_process_gives(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "PARALLEL_PAGES", 1)
    monkeypatch.setattr(workers, "cores", lambda: 2)
    config = built / "build" / "mkdocs.yml"
    pages = len(list((built / "build" / "docs").rglob("*.md")))
    alone = engine.run(config, tmp_path / "alone", None, parallel=False)
    shared = engine.run(config, tmp_path / "shared", None, parallel=True)
    assert not alone.helpers and len(shared.helpers) == 1
    # The helper converted its share (the last pages), the main process the rest.
    helped = [k for k, v in shared.helped.items() if "content" in v]
    assert 0 < len(helped) < pages and shared.misses == pages
    assert site_bytes(tmp_path / "shared") == site_bytes(tmp_path / "alone")


def test_a_broken_link_on_a_helpers_page_still_fails_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "PARALLEL_PAGES", 1)
    monkeypatch.setattr(workers, "cores", lambda: 2)
    project = make_project(tmp_path / "project", BASE)
    # Last in build order, so in the helper's share.
    (project / "content" / "zz-broken.md").write_text(
        "# Broken\n\nA link to [nowhere](no-such-page.md).\n", encoding="utf-8"
    )
    with pytest.raises(build.BuildError) as failed:
        build.build(project, as_of=AS_OF, cache=False)
    assert failed.value.log is not None
    assert "no-such-page.md" in failed.value.log.read_text(encoding="utf-8")


def test_a_helper_that_fails_leaves_its_pages_to_the_main_process(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "PARALLEL_PAGES", 1)
    monkeypatch.setattr(workers, "cores", lambda: 2)

    def broken(*args: object) -> None:
        raise RuntimeError("the helper breaks")

    monkeypatch.setattr(engine, "_convert", broken)
    config = built / "build" / "mkdocs.yml"
    pages = len(list((built / "build" / "docs").rglob("*.md")))
    alone = engine.run(config, tmp_path / "alone", None, parallel=False)
    failed = engine.run(config, tmp_path / "failed", None, parallel=True)
    assert len(failed.helpers) == 1 and not failed.helped
    assert failed.misses == pages
    assert site_bytes(tmp_path / "failed") == site_bytes(tmp_path / "alone")
    assert alone.misses == pages


def test_a_rebuild_after_a_changed_row_is_the_site_a_fresh_build_makes(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", BASE)
    before = site_bytes(build.build(project, as_of=AS_OF).site_dir)
    results = project / "datapackages" / BASE.name / "results.csv"
    lines = results.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    cells = lines[-1].rstrip("\n").split(",")
    at = header.index("value")
    cells[at] = str(float(cells[at]) + 1.5)
    lines[-1] = ",".join(cells) + "\n"
    results.write_text("".join(lines), encoding="utf-8")

    rebuilt = build.build(project, as_of=AS_OF)
    fresh = make_project(tmp_path / "fresh", project / "datapackages" / BASE.name)
    scratch = build.build(fresh, as_of=AS_OF, cache=False)
    assert site_bytes(rebuilt.site_dir) != before
    assert site_bytes(rebuilt.site_dir) == site_bytes(scratch.site_dir)
    assert site_bytes(rebuilt.build_dir / "docs") == site_bytes(scratch.build_dir / "docs")


def test_the_search_index_is_the_same_without_the_excluded_tables(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The search plugin is given each page without its data tables (engine.searchable), which
    it would skip anyway: the index it writes is the one it writes from the whole page."""
    config = built / "build" / "mkdocs.yml"
    real = engine.searchable
    cut_out: list[int] = []

    def counted(html: str) -> str:
        shorter = real(html)
        cut_out.append(len(html) - len(shorter))
        return shorter

    monkeypatch.setattr(engine, "searchable", counted)
    engine.run(config, tmp_path / "cut", None, parallel=False)
    # The pages do have tables to cut (each measure's chart data).
    assert sum(1 for n in cut_out if n > 0) >= 5
    monkeypatch.setattr(engine, "searchable", lambda html: html)
    engine.run(config, tmp_path / "whole", None, parallel=False)
    cut, whole = (
        (tmp_path / name / "search" / "search_index.json").read_bytes() for name in ("cut", "whole")
    )
    assert cut == whole


def test_searchable_cuts_only_whole_excluded_elements_without_headings() -> None:
    table = '<table data-search-exclude="data"><tr><td>12.5</td></tr></table>'
    nested = (
        '<details class="pv-chart-data" data-search-exclude="data"><summary>Data</summary>'
        "<details><summary>More</summary>x</details><table><tr><td>9</td></tr></table></details>"
    )
    page = f"<p>Before</p>{table}<p>Between</p>{nested}<p>After</p>"
    assert engine.searchable(page) == "<p>Before</p><p>Between</p><p>After</p>"
    # A heading inside would open a section of the index: left for the plugin to judge.
    heading = '<div data-search-exclude><h2 id="x">Heading</h2></div>'
    assert engine.searchable(heading) == heading
    # An element that does not close is left as it is.
    unclosed = '<p>a</p><table data-search-exclude="data"><tr><td>1</td></tr>'
    assert engine.searchable(unclosed) == unclosed
