"""Choosing the engine: ``pvreport build --engine mkdocs|zensical`` and the plugin option
``engine``; what each leaves in the site (the search index each writes), and the plain-words
refusals (an engine pvreport does not know, Zensical not installed, ``serve`` with Zensical).

Real builds of the minimal package; the example's site on both engines is tested in
test_site.py, test_build_cases.py and test_browser.py through the ``example_site`` fixture.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import AS_OF, BASE, make_project, run_pvreport, search_entries
from mkdocs.config import load_config

from pvreport import build
from pvreport.site import engine

pytestmark = pytest.mark.slow


run = run_pvreport


def set_engine(project: Path, name: str) -> None:
    """The project's mkdocs.yml names the engine among the pvreport plugin's options."""
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    marker = "      package: datapackages/base\n"
    assert marker in text
    config.write_text(text.replace(marker, f"{marker}      engine: {name}\n"), encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project", BASE)


def test_the_plugin_option_chooses_zensical_and_the_flag_overrides_it(project: Path) -> None:
    set_engine(project, "zensical")
    done = run(project, "build", "--as-of", AS_OF.isoformat())
    assert done.returncode == 0, done.stderr
    site = project / "site"
    # Zensical's search index, not Material's; and it finds a page by its title.
    assert (site / "search.json").is_file() and not (site / "search").exists()
    entries = search_entries(site)
    assert any(e["title"] == "Council homes with damp or mould" for e in entries)
    assert "zensical" in (project / "build" / "build.log").read_text(encoding="utf-8")
    # MkDocs still accepts the option (pvreport serve runs the plugin in MkDocs).
    assert load_config(config_file=str(project / "mkdocs.yml")).plugins["pvreport"]

    done = run(project, "build", "--as-of", AS_OF.isoformat(), "--engine", "mkdocs")
    assert done.returncode == 0, done.stderr
    assert (site / "search" / "search_index.json").is_file()
    assert not (site / "search.json").exists()
    entries = search_entries(site)
    assert any(e["title"] == "Council homes with damp or mould" for e in entries)


def test_an_engine_pvreport_does_not_know_is_refused_in_plain_words(project: Path) -> None:
    set_engine(project, "hugo")
    with pytest.raises(build.BuildError) as refused:
        build.build(project, as_of=AS_OF)
    message = str(refused.value)
    assert "mkdocs.yml" in message and "'hugo'" in message and "mkdocs, zensical" in message
    assert not (project / "site").exists()

    done = run(project, "build", "--engine", "hugo")
    assert done.returncode == 2
    assert "invalid choice: 'hugo'" in done.stderr


def test_without_zensical_installed_the_build_says_how_to_install_it(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = build.build(project, as_of=AS_OF)
    before = sorted(p.relative_to(first.site_dir) for p in first.site_dir.rglob("*"))
    monkeypatch.setattr(engine, "zensical_installed", lambda: False)
    with pytest.raises(build.BuildError) as failed:
        build.build(project, as_of=AS_OF, engine_name="zensical")
    assert "pip install 'pvreport[zensical]'" in str(failed.value)
    assert failed.value.log is not None
    assert sorted(p.relative_to(first.site_dir) for p in first.site_dir.rglob("*")) == before


def test_the_final_check_runs_on_what_zensical_built(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Everything after the engine is common: a script in Zensical's output fails the check
    and the previous site stays."""
    first = build.build(project, as_of=AS_OF, engine_name="zensical")
    home = (first.site_dir / "index.html").read_bytes()
    real = engine.run_zensical

    def tampered(config_file: Path, site_dir: Path, **kwargs: object) -> str:
        version = real(config_file, site_dir, **kwargs)  # type: ignore[arg-type]
        page = site_dir / "index.html"
        page.write_text(
            page.read_text(encoding="utf-8").replace("</body>", "<script>alert(1)</script></body>"),
            encoding="utf-8",
        )
        return version

    monkeypatch.setattr(engine, "run_zensical", tampered)
    with pytest.raises(build.BuildError, match="final check"):
        build.build(project, as_of=AS_OF, engine_name="zensical")
    assert (first.site_dir / "index.html").read_bytes() == home


def test_serve_with_zensical_says_why_not_and_what_to_do(project: Path) -> None:
    done = run(project, "serve", "--engine", "zensical")
    assert done.returncode == 2
    assert "Zensical runs no MkDocs plugin" in done.stderr
    assert "pvreport build --engine zensical" in done.stderr


def test_each_fix_of_zensicals_theme_applies_to_the_zensical_installed() -> None:
    """The text each fix replaces is in Zensical's own template: an upgrade that changes one
    fails here, loudly, rather than quietly building pages the browser checks would fail."""
    import zensical

    theme = Path(zensical.__file__).parent / "templates"
    for fix in engine.ZENSICAL_TEMPLATE_FIXES:
        assert fix.old in (theme / fix.template).read_text(encoding="utf-8"), fix
    fixed = engine.zensical_templates()
    assert set(fixed) == {fix.template for fix in engine.ZENSICAL_TEMPLATE_FIXES}
    for fix in engine.ZENSICAL_TEMPLATE_FIXES:
        assert fix.old not in fixed[fix.template] and fix.new in fixed[fix.template]


def test_zensicals_pages_carry_the_fixes_and_materials_do_not_need_them(project: Path) -> None:
    """Built by Zensical: the home page's logo links to "./", not "" (pa11y H91), and the
    drawer's overlay label carries no aria-hidden (Nu); MkDocs' build gets no Zensical
    template in its overrides."""
    zensical = build.build(project, as_of=AS_OF, engine_name="zensical")
    home = (zensical.site_dir / "index.html").read_text(encoding="utf-8")
    assert home.count('class="md-header__button md-logo"') == 1
    assert 'href="" title=' not in home and '<a href="./" title=' in home
    assert '<label class="md-overlay" for="__drawer"></label>' in home
    assert "aria-hidden" not in home.split('class="md-overlay"', 1)[1].split(">", 1)[0]
    overrides = project / "build" / "overrides"
    assert (overrides / "base.html").is_file()
    build.build(project, as_of=AS_OF, engine_name="mkdocs")
    assert not (overrides / "base.html").exists()
    assert not (overrides / "partials" / "header.html").exists()
