"""The places pvreport reaches past MkDocs' plugin events (``pvreport.site.engine.INTERNALS`` and
``ATTRIBUTES``) still have the shape pvreport relies on, and each replacement takes effect in a
real build, on the one object it is made on and never on MkDocs' classes. When an upgrade of
MkDocs or Material breaks one, these tests name it."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import Any

import pytest

from pvreport import workers
from pvreport.site import engine

CONFIG = """\
site_name: Internals
theme:
  name: material
  font: false
plugins:
  - search
validation:
  anchors: warn
"""

PAGES = {
    "index.md": "# Home\n\nSee [the part that matters](about.md#part).\n\n![A chart](chart.svg)\n",
    "about.md": "# About us\n\nWho we are.\n\n## Part\n\nThe part that matters.\n",
}


def resolve(module: str, name: str) -> Any:
    found: Any = importlib.import_module(module)
    for part in name.split("."):
        found = getattr(found, part)
    return found


def project(folder: Path) -> Path:
    docs = folder / "docs"
    docs.mkdir(parents=True)
    for name, text in PAGES.items():
        (docs / name).write_text(text, encoding="utf-8")
    (docs / "chart.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', encoding="utf-8")
    config = folder / "mkdocs.yml"
    config.write_text(CONFIG, encoding="utf-8")
    return config


def site_bytes(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


@pytest.fixture(autouse=True)
def quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    monkeypatch.setenv("DISABLE_MKDOCS_2_WARNING", "true")


@pytest.mark.parametrize("internal", engine.INTERNALS, ids=lambda i: f"{i.module}.{i.name}")
def test_each_internal_still_has_the_parameters_pvreport_relies_on(
    internal: engine.Internal,
) -> None:
    found = resolve(internal.module, internal.name)
    assert callable(found), f"{internal.module}.{internal.name} is gone: {internal.why}"
    parameters = tuple(inspect.signature(found).parameters)
    assert parameters == internal.parameters, f"{internal.module}.{internal.name}: {internal.why}"


def test_a_page_and_a_file_have_the_attributes_the_replacements_read_and_set(
    tmp_path: Path,
) -> None:
    """A page MkDocs renders has every attribute a cached page sets, and a file every attribute
    a linked file reads: an attribute renamed upstream would otherwise be set in vain."""
    from material.plugins.search.plugin import SearchIndex as MaterialIndex
    from mkdocs.config import load_config
    from mkdocs.structure.files import File, Files
    from mkdocs.structure.pages import Page

    config = load_config(config_file=str(project(tmp_path)), site_dir=str(tmp_path / "site"))
    file = File("about.md", config.docs_dir, config.site_dir, config.use_directory_urls)
    page = Page(None, file, config)
    page.read_source(config)
    page.render(config, Files([file]))
    made = {
        "mkdocs.structure.pages.Page": page,
        "mkdocs.structure.files.File": file,
        "material.plugins.search.plugin.SearchIndex": MaterialIndex(),
    }
    assert set(made) == set(engine.ATTRIBUTES)
    for kind, names in engine.ATTRIBUTES.items():
        for name in names:
            set_by_init_or_render = name in vars(made[kind])
            assert set_by_init_or_render or name in dir(made[kind]), f"{kind}.{name} is gone"
    assert page.present_anchor_ids and "part" in page.present_anchor_ids
    assert page._title_from_render == "About us"


def test_each_replacement_takes_effect_in_a_real_build_and_on_its_object_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = project(tmp_path / "project")
    cache_dir = tmp_path / "cache"
    originals = {i: resolve(i.module, i.name) for i in engine.INTERNALS}

    first = engine.run(config, tmp_path / "first", cache_dir, parallel=False)
    assert (first.hits, first.misses, first.indexed) == (0, len(PAGES), 0)

    # Page.render and SearchIndex.add_entry_from_context: every page from the cache, the same site.
    again = engine.run(config, tmp_path / "again", cache_dir, parallel=False)
    assert (again.hits, again.misses, again.indexed) == (len(PAGES), 0, len(PAGES))
    assert site_bytes(tmp_path / "again") == site_bytes(tmp_path / "first")

    # File.copy_file: the chart is the docs folder's file, linked.
    docs_chart = tmp_path / "project" / "docs" / "chart.svg"
    assert (tmp_path / "again" / "chart.svg").stat().st_ino == docs_chart.stat().st_ino

    # _populate_page: a helper process converts a share of the pages, and the site is the same.
    monkeypatch.setattr(engine, "PARALLEL_PAGES", 1)
    monkeypatch.setattr(workers, "cores", lambda: 2)
    shared = engine.run(config, tmp_path / "shared", None, parallel=True)
    assert len(shared.helpers) == 1 and shared.helped
    assert site_bytes(tmp_path / "shared") == site_bytes(tmp_path / "first")

    # MkDocs itself is as it was: no class was changed.
    assert {i: resolve(i.module, i.name) for i in engine.INTERNALS} == originals


def test_a_method_that_is_gone_is_named_not_skipped() -> None:
    with pytest.raises(TypeError, match="object has no method add_entry_from_context"):
        engine._replace(object(), "add_entry_from_context", print)
