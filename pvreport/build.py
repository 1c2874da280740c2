"""The whole build, in order: validate, load, withhold, derive, chart, render, write, engine,
check, publish.

Nothing under the site folder is touched until the very end: pages are written to a build
folder that holds exactly this build's files (``build/docs`` and ``build/mkdocs.yml``, which any
MkDocs-compatible engine can build; files unchanged since the last build are left as they are),
MkDocs Material builds them into a fresh folder next to the site folder, the
result is checked, and only then swapped in (:func:`pvreport.write.publish`). Any failure before
that leaves the previous site byte for byte, and the build log in ``build/build.log`` says why.

The engine runs in-process (``mkdocs.commands.build.build``) rather than as a subprocess: it
saves a second interpreter start and the re-import of Material and Markdown (about a second a
build, which matters for ``serve`` and the tests), and its failures arrive as exceptions that can
be logged and turned into one message. Its log records go to the build log, not the terminal.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import gzip
import hashlib
import html
import io
import json
import logging
import os
import re
import traceback
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from . import (
    charts,
    contract,
    derive,
    engine,
    load,
    model,
    readability,
    render,
    visibility,
    write,
)
from .limits import Limits, LimitsError
from .problems import Problem, PvreportError
from .progress import Progress, count
from .validate import Validation, current_moment, validate_package

BUILD_FOLDER = "build"
#: The chart cache, under the project: SVGs by a hash of what they are drawn from. Safe to
#: delete; gitignored.
CACHE_FOLDER = ".pvreport/cache/charts"
#: The engine's page cache (see :mod:`pvreport.engine`); safe to delete, gitignored.
PAGE_CACHE_FOLDER = ".pvreport/cache/pages"
#: The final check's record of pages found clean (see :class:`CheckCache`).
CHECK_CACHE = ".pvreport/cache/check.json"
LOG_NAME = "build.log"
CSS_SRC = "assets/stylesheets/pvreport.css"
# What the engine config must say whatever the project's mkdocs.yml says: broken links and
# anchors fail the build, and no page asks another server for fonts.
VALIDATION = {
    "omitted_files": "warn",
    "absolute_links": "warn",
    "unrecognized_links": "warn",
    "anchors": "warn",
}
MARKDOWN_EXTENSIONS = ("tables", "attr_list", "md_in_html", "admonition", "toc")
#: The allowlist sanitiser (pvreport.render.SanitiseExtension), always last.
SANITISER = "pvreport.render"


class BuildError(PvreportError):
    """A build that did not publish; the previous site is untouched.

    ``problems`` are the package's problems where validation stopped it; ``log`` is the build log.
    """

    def __init__(self, message: str, problems: Sequence[Problem] = (), log: Path | None = None):
        super().__init__(message, problems)
        self.log = log


class SiteDirError(BuildError):
    """The site folder cannot be published to (it is or holds the project, the package, ...):
    refused before anything is written."""


@dataclasses.dataclass(frozen=True)
class Clock:
    """The build's "now": embargoes compare with ``now``, statuses with ``today``; ``epoch`` is
    the SOURCE_DATE_EPOCH the engine uses, where one is fixed."""

    now: dt.datetime
    today: dt.date
    epoch: int | None

    @classmethod
    def make(cls, as_of: dt.date | None = None) -> Clock:
        env = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
        if as_of is not None:
            now = dt.datetime(as_of.year, as_of.month, as_of.day, tzinfo=dt.UTC)
            return cls(now, as_of, int(env) if env.isdigit() else int(now.timestamp()))
        now, epoch = current_moment()
        return cls(now, now.date(), epoch)


@dataclasses.dataclass(frozen=True)
class Prepared:
    """The docs folder is written: what is in it, and what the build learnt on the way."""

    docs_dir: Path
    config: dict[str, Any]
    nav: list[Any]
    validation: Validation
    withheld: visibility.Withheld
    report: model.Report
    notices: list[str]
    addresses: list[str]


@dataclasses.dataclass(frozen=True)
class BuildResult:
    site_dir: Path
    build_dir: Path
    prepared: Prepared
    pages: int


# ----------------------------------------------------------------------------------------------
# The project


def project_config(project_dir: Path) -> dict[str, Any]:
    path = project_dir / "mkdocs.yml"
    if not path.is_file():
        raise BuildError(
            f"There is no mkdocs.yml in {project_dir}. Run pvreport build in the project folder."
        )
    return write.read_config(path)


plugin_options = write.plugin_options


def find_package(project_dir: Path, config: Mapping[str, Any]) -> Path:
    """The package the project names (plugin option ``package``), else the only one there is."""
    named = plugin_options(config).get("package")
    if named:
        return (project_dir / str(named)).resolve()
    folder = project_dir / "datapackages"
    found = sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
    if len(found) == 1:
        return found[0].resolve()
    raise BuildError(
        "Name the data package to build with --package (or as the package option of the pvreport "
        f"plugin in mkdocs.yml): found {len(found)} folders under datapackages/."
    )


def _shown(path: Path, project_dir: Path) -> str:
    """A folder as the message names it: from the project folder where it is inside it."""
    if path != project_dir and path.is_relative_to(project_dir):
        return path.relative_to(project_dir).as_posix() + "/"
    return str(path)


def check_site_dir(
    site_dir: Path,
    project_dir: Path,
    config: Mapping[str, Any],
    package_dir: Path,
    *,
    option: str = "--site-dir",
) -> None:
    """Refuse a site folder that publishing would destroy something in, before anything is
    written: publishing replaces the whole folder (:func:`pvreport.write.publish`).

    Refused: a file or a link; a folder that is, holds, or is inside the project's own folders
    (the package, ``content/``, ``build/``, the caches) or that is or holds the project; and a
    folder with files in it that is not a site pvreport published
    (:func:`pvreport.write.is_published_site`). ``option`` names where the folder was given.
    """
    project = project_dir.resolve()
    lexical = Path(os.path.abspath(site_dir))
    shown = str(site_dir)
    fix = (
        f"Give another folder with {option}: a new or empty one, or a site pvreport "
        "published before (the default is site/ in the project folder)."
    )
    if lexical.is_symlink():
        raise SiteDirError(
            f"The site folder {shown} is a link to {os.readlink(lexical)}: publishing would "
            f"replace the link with a folder. {fix}"
        )
    probe = lexical
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        where = "" if probe == lexical else f" is inside {probe}, which"
        raise SiteDirError(
            f"The site folder {shown}{where} is a file, not a folder: publishing would replace "
            f"it. {fix}"
        )
    real = lexical.resolve()
    docs = str(config.get("docs_dir") or "content")
    own = [
        ("the package folder", package_dir.resolve()),
        ("the folder of hand-written pages", (project / docs).resolve()),
        ("the build folder", project / BUILD_FOLDER),
        ("the cache folder", project / Path(CACHE_FOLDER).parts[0]),
    ]
    for label, folder in [("the project folder", project), *own]:
        if real == folder:
            raise SiteDirError(
                f"The site folder {shown} is {label}: publishing replaces the whole site folder, "
                f"so everything in it would be deleted. {fix}"
            )
        if folder.is_relative_to(real):
            raise SiteDirError(
                f"The site folder {shown} holds {label} ({_shown(folder, project)}): publishing "
                f"replaces the whole site folder, so it would be deleted. {fix} Keep the "
                "package and the project's folders outside the site folder."
            )
    for label, folder in own:
        if real.is_relative_to(folder):
            raise SiteDirError(
                f"The site folder {shown} is inside {label} ({_shown(folder, project)}): the "
                f"site would be mixed with the files pvreport reads or writes there. {fix}"
            )
    if lexical.is_dir() and any(lexical.iterdir()) and not write.is_published_site(lexical):
        raise SiteDirError(
            f"The site folder {shown} holds files but is not a site pvreport published (it "
            f"has no {write.SITE_MARKER} file, nor MkDocs' {', '.join(write.SITE_FILES)}): "
            "publishing would delete them. Give a new or empty folder with "
            f"{option}, or empty this one yourself if nothing in it is needed."
        )


# ----------------------------------------------------------------------------------------------
# Charts


def page_charts(
    report: model.Report,
    statuses: Mapping[str, derive.IndicatorStatus],
    today: dt.date,
    gaps: Mapping[str, Sequence[derive.EquityGap]] | None = None,
) -> dict[str, list[charts.Chart]]:
    """The charts of each page, by page key (pure: specs, no rendering)."""
    by_page: dict[str, list[charts.Chart]] = {}
    by_page["home"] = [charts.status_chart(list(statuses.values()))]
    for ind in report.indicators:
        by_page[f"indicators/{ind.id}"] = charts.indicator_charts(
            report,
            ind,
            as_of=today,
            status=statuses.get(ind.id),
            gaps=(gaps or {}).get(ind.id),
        )
    for eng in report.engagements:
        by_page[f"engagements/{eng.id}"] = list(charts.engagement_charts(report, eng))
    return by_page


def chart_files(
    by_page: Mapping[str, Sequence[charts.Chart]],
    *,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
) -> dict[str, str | bytes]:
    """Every chart's SVG, data (CSV) and spec (JSON), by path under the docs folder.

    SVGs are drawn on every core, and taken from ``cache_dir`` where the same spec was drawn
    before (a rebuild after one changed row redraws only that indicator's charts).
    """
    every = [c for page in by_page.values() for c in page]
    files: dict[str, str | bytes] = {}
    progress = progress or Progress.quiet()
    total = len(every)
    drawn = charts.render_cached(
        every,
        cache_dir=cache_dir,
        on_chart=lambda n: progress.update(f"charts: {n:,} of {total:,}"),
    )
    progress.stage(
        f"charts: {count(total, 'chart')} ({drawn.from_cache:,} from the cache, "
        f"{total - drawn.from_cache:,} drawn)"
    )
    for chart_id, svg in drawn.svgs.items():
        files[render.chart_src(chart_id)] = svg
    for c in every:
        base = render.chart_src(c.id).removesuffix(".svg")
        files[base + ".csv"] = c.csv
        files[base + ".json"] = charts.spec_json(c)
    return files


def asset_files() -> tuple[dict[str, str | bytes], list[str], list[str]]:
    """pvreport's own scripts and styles, with the lists for extra_javascript and extra_css."""
    files: dict[str, str | bytes] = {}
    scripts: list[str] = []
    styles: list[str] = []
    assets = resources.files("pvreport") / "assets"
    for entry in sorted(assets.iterdir(), key=lambda e: e.name):
        if entry.is_file():
            files[f"assets/pvreport/{entry.name}"] = entry.read_bytes()
            if entry.name.endswith(".js"):
                scripts.append(f"assets/pvreport/{entry.name}")
            elif entry.name.endswith(".css"):
                styles.append(f"assets/pvreport/{entry.name}")
    files[CSS_SRC] = (
        resources.files("pvreport") / "templates" / "theme" / "pvreport.css"
    ).read_bytes()
    return files, scripts, [*styles, CSS_SRC]


@dataclasses.dataclass(frozen=True)
class Site:
    """The pages of a report and every other file of its docs folder, before anything is
    written."""

    report: model.Report
    withheld: visibility.Withheld
    rendered: render.Rendered
    files: dict[str, str | bytes]


def render_report(
    validation: Validation,
    clock: Clock,
    *,
    with_files: bool = True,
    content: Mapping[str, str] | None = None,
    nav_page_limit: int = render.NAV_PAGE_LIMIT,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
) -> Site:
    """From a valid package to its pages: load, withhold, derive, chart, downloads, render.

    ``with_files=False`` skips the chart SVGs and downloads (the golden tests compare pages).
    """
    assert validation.descriptor is not None
    # Withhold first: nothing after this line sees a confidential or embargoed row.
    full = load.to_report(validation.descriptor, validation.tables)
    files = {name: table.file for name, table in validation.tables.items()}
    report, withheld = visibility.withhold(full, now=clock.now, files=files)

    # Derive and chart, from the public report only.
    statuses = derive.report_statuses(report, as_of=clock.today)
    gaps = derive.report_gaps(report)
    by_page = page_charts(report, statuses, clock.today, gaps)
    files: dict[str, str | bytes] = (
        chart_files(by_page, cache_dir=cache_dir, progress=progress) if with_files else {}
    )

    # Downloads: public CSVs and a zip of the public package.
    downloads: list[render.Download] = []
    csvs: dict[str, bytes] = {}
    for name in sorted(validation.tables, key=_resource_order):
        data, rows = write.public_csv(validation.tables[name], withheld)
        csvs[f"{name}.csv"] = data
        downloads.append(render.Download(f"data/downloads/{name}.csv", f"{name}.csv", rows))
    csvs["datapackage.json"] = write.public_descriptor(
        validation.descriptor, [n.removesuffix(".csv") for n in csvs]
    )
    # The package's name becomes a file name: keep it to a plain slug whatever it holds.
    zip_name = (re.sub(r"[^a-z0-9-]+", "-", report.name.lower()).strip("-") or "report") + ".zip"
    downloads.append(
        render.Download(f"data/downloads/{zip_name}", f"The whole package ({zip_name})")
    )
    if with_files:
        stamp = dt.datetime.fromtimestamp(clock.epoch or 315532800, tz=dt.UTC)
        files[f"data/downloads/{zip_name}"] = write.zip_bytes(csvs, timestamp=stamp)
        for name, data in csvs.items():
            files[f"data/downloads/{name}"] = data

    rendered = render.render_site(
        render.Inputs(
            report=report,
            withheld=withheld,
            as_of=clock.today,
            statuses=statuses,
            charts=by_page,
            downloads=downloads,
            warnings=validation.warnings,
            content=dict(content or {}),
            nav_page_limit=nav_page_limit,
            gaps=gaps,
        )
    )
    if progress is not None:
        progress.stage(f"pages: {count(len(rendered.pages), 'page')} rendered")
    return Site(report, withheld, rendered, files)


# ----------------------------------------------------------------------------------------------
# Stage by stage


def prepare(
    project_dir: Path,
    build_dir: Path,
    *,
    package_dir: Path | None = None,
    strict: bool = False,
    as_of: dt.date | None = None,
    copy_content: bool = True,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
) -> Prepared:
    """Validate the package and write the docs folder and engine config under ``build_dir``.

    Raises :class:`BuildError` with the package's problems where validation finds errors.
    ``copy_content=False`` lists the hand-written pages but does not copy them (the plugin lets
    MkDocs read them in place). ``cache_dir`` keeps chart SVGs between builds.
    """
    progress = progress or Progress.quiet()
    project_dir = project_dir.resolve()
    config = project_config(project_dir)
    package_dir = (package_dir or find_package(project_dir, config)).resolve()
    clock = Clock.make(as_of)

    # 1. Validate: errors stop everything here, before a file is written.
    try:
        limits = Limits.from_options(plugin_options(config))
        thresholds = readability.Thresholds.from_options(plugin_options(config))
    except (LimitsError, readability.ThresholdsError) as error:
        raise BuildError(f"mkdocs.yml, the pvreport plugin's options: {error}") from None
    validation = validate_package(
        package_dir, as_of=clock.today, strict=strict, limits=limits, thresholds=thresholds
    )
    if not validation.ok or validation.descriptor is None:
        raise BuildError(
            f"The data package {package_dir.name} has errors, so the site was not built.",
            validation.problems,
        )
    rows = sum(t.row_count for t in validation.tables.values())
    progress.stage(
        f"validated {count(rows, 'row')} in {count(len(validation.tables), 'file')} "
        f"({count(len(validation.warnings), 'warning')})"
    )

    # 2. Load, withhold, derive, chart and render, all in memory.
    project_docs = project_dir / str(config.get("docs_dir") or "content")
    content = hand_written(project_docs)
    limit = int(plugin_options(config).get("nav_page_limit", render.NAV_PAGE_LIMIT))
    site = render_report(
        validation,
        clock,
        content=content,
        nav_page_limit=limit,
        cache_dir=cache_dir,
        progress=progress,
    )
    report, withheld, rendered = site.report, site.withheld, site.rendered
    assets, scripts, styles = asset_files()
    files = {**site.files, **assets}

    # 3. The docs folder: pages, charts, downloads, then hand-written pages over them. It ends
    # up holding exactly these files; ones unchanged since the last build are not rewritten.
    docs_dir = build_dir / "docs"
    files.update({p.src: p.text for p in rendered.pages})
    notices: list[str] = []
    nav = list(rendered.nav)
    if project_docs.is_dir():
        generated = {render.address(src): src for src in files if src.endswith(".md")}
        for path in sorted(project_docs.rglob("*.md")):
            rel = path.relative_to(project_docs).as_posix()
            replaced = generated.get(render.address(rel))
            if replaced:
                notices.append(f"content/{rel} replaces the generated page /{render.address(rel)}")
                del files[replaced]
                nav = _rename_in_nav(nav, replaced, rel)
            elif rel not in files:
                nav.append(rel)
    if copy_content and project_docs.is_dir():
        files.update(write.tree_files(project_docs))
    written = write.sync_folder(docs_dir, files)
    overrides = write.fresh_folder(build_dir / "overrides")
    write.copy_tree(
        Path(str(resources.files("pvreport") / "templates" / "theme")),
        overrides,
        skip=["pvreport.css"],
    )

    # 4. The engine config, derived from the project's.
    engine_config = engine_config_for(config, nav, report, scripts, styles)
    if rendered.not_in_nav:
        engine_config["not_in_nav"] = "\n".join(rendered.not_in_nav)
    (build_dir / "mkdocs.yml").write_text(write.config_text(engine_config), encoding="utf-8")
    addresses = [render.address(p.src) for p in rendered.pages]
    progress.stage(
        f"docs: {count(len(files), 'file')} in {docs_dir.parent.name}/docs "
        f"({written:,} written, the rest unchanged)"
    )
    return Prepared(docs_dir, engine_config, nav, validation, withheld, report, notices, addresses)


def hand_written(folder: Path) -> dict[str, str]:
    """The Markdown pages of ``content/`` by address (``about/`` -> ``about.md``)."""
    if not folder.is_dir():
        return {}
    pages = (p.relative_to(folder).as_posix() for p in sorted(folder.rglob("*.md")))
    return {render.address(rel): rel for rel in pages}


def _resource_order(name: str) -> int:
    return contract.RESOURCES.index(name) if name in contract.RESOURCES else 99


def _rename_in_nav(nav: Any, old: str, new: str) -> Any:
    if isinstance(nav, list):
        return [_rename_in_nav(item, old, new) for item in nav]
    if isinstance(nav, dict):
        return {k: _rename_in_nav(v, old, new) for k, v in nav.items()}
    return new if nav == old else nav


def engine_config_for(
    project: Mapping[str, Any],
    nav: list[Any],
    report: model.Report,
    scripts: Sequence[str],
    styles: Sequence[str],
) -> dict[str, Any]:
    """The engine config: the project's mkdocs.yml, with what the build needs put over it."""
    config = {k: v for k, v in project.items() if k not in ("docs_dir", "site_dir", "nav")}
    # The site is the report's: its title comes from the package, so that one project config
    # serves any package. The project's site_name is only what `mkdocs serve` needs to start.
    config["site_name"] = render.plain(report.title or report.organisation.name)
    config["docs_dir"] = "docs"
    config["site_dir"] = "site"
    config["nav"] = nav
    theme = project.get("theme") or {"name": "material"}
    theme = {"name": theme} if isinstance(theme, str) else dict(theme)
    theme["font"] = False
    # Pruned navigation: a page carries its own section's links and the top level, not every
    # section's, so page weight does not grow with the report (not compatible with expand).
    features = list(theme.get("features") or [])
    if "navigation.expand" not in features and "navigation.prune" not in features:
        features.append("navigation.prune")
    theme["features"] = features
    theme["custom_dir"] = "overrides"
    config["theme"] = theme
    # The engine config is built by engines that do not know pvreport: leave its plugin out.
    plugins = [
        p
        for p in (project.get("plugins") or ["search"])
        if not (p == "pvreport" or (isinstance(p, Mapping) and "pvreport" in p))
    ]
    config["plugins"] = plugins
    extensions = list(project.get("markdown_extensions") or [])
    named = {e if isinstance(e, str) else next(iter(e)) for e in extensions}
    extensions += [e for e in MARKDOWN_EXTENSIONS if e not in named]
    extensions = [e for e in extensions if e != SANITISER] + [SANITISER]
    config["markdown_extensions"] = extensions
    config["validation"] = dict(VALIDATION)
    own = project.get("extra_css") or []
    config["extra_css"] = [*own, *[s for s in styles if s not in own]]
    config["extra_javascript"] = [*(project.get("extra_javascript") or []), *scripts]
    config["strict"] = True
    return config


# ----------------------------------------------------------------------------------------------
# The engine


@contextmanager
def _engine_environment(clock: Clock, log: Path) -> Iterator[None]:
    """Quiet MkDocs 2 banners, a fixed SOURCE_DATE_EPOCH where the clock has one, and MkDocs'
    log records in the build log rather than on the terminal."""
    saved = {
        k: os.environ.get(k)
        for k in ("SOURCE_DATE_EPOCH", "NO_MKDOCS_2_WARNING", "DISABLE_MKDOCS_2_WARNING")
    }
    os.environ["NO_MKDOCS_2_WARNING"] = "1"
    os.environ["DISABLE_MKDOCS_2_WARNING"] = "true"
    if clock.epoch is not None:
        os.environ["SOURCE_DATE_EPOCH"] = str(clock.epoch)
    logger = logging.getLogger("mkdocs")
    handler = logging.FileHandler(log, mode="a", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    old_level, old_propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        handler.close()
        logger.setLevel(old_level)
        logger.propagate = old_propagate
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_engine(
    config_file: Path, site_dir: Path, cache_dir: Path | None = None
) -> engine.PageCache:
    """MkDocs builds the docs folder into ``site_dir``, strict: any warning fails it; pages
    unchanged since the last good build come from the page cache in ``cache_dir``."""
    return engine.run(config_file, site_dir, cache_dir)


# ----------------------------------------------------------------------------------------------
# The check before publishing


_ADDRESS_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href")


# Material's own inline scripts, by how they begin; any other inline script fails the check.
_ACTIVE_ADDRESS = re.compile(r"^[\x00-\x20]*(javascript|vbscript|data):", re.IGNORECASE)
# A browser drops tabs and line breaks anywhere in an address before reading its scheme.
_URL_IGNORED = re.compile(r"[\t\n\r]")
_THEME_INLINE_SCRIPTS = ("__md_scope=", "var target=document.getElementById(location.hash")


@dataclasses.dataclass
class _Scan:
    """What must never be in a page: event-handler attributes, script addresses, scripts that
    are not the theme's or pvreport's, and more than one title.

    The page is parsed as a browser parses it (HTML5, by the Lexbor engine through selectolax),
    so markup that breaks out of its place is seen where a browser would put it; and it is fast
    enough to read every page of a national report (about 20 times Python's html.parser).
    """

    bad: list[str] = dataclasses.field(default_factory=list)
    scripts: list[str] = dataclasses.field(default_factory=list)
    titles: int = 0

    @classmethod
    def of(cls, page: bytes | str) -> _Scan:
        from selectolax.lexbor import LexborHTMLParser

        scan = cls()
        tree = LexborHTMLParser(page)
        for node in tree.root.traverse(include_text=False) if tree.root else ():
            tag = (node.tag or "").lower()
            attrs = node.attributes
            for name, value in attrs.items():
                lowered = name.lower()
                if lowered.startswith("on"):
                    scan.bad.append(f"<{tag} {name}=...>")
                address = _URL_IGNORED.sub("", value or "")
                active = _ACTIVE_ADDRESS.match(address)
                is_image = tag == "img" and address.lstrip().startswith("data:image/")
                if lowered in _ADDRESS_ATTRIBUTES and active and not is_image:
                    scan.bad.append(f"<{tag} {name}={(value or '')[:40]!r}>")
            if tag == "title":
                scan.titles += 1
            if tag == "script":
                if attrs.get("src"):
                    scan.scripts.append(attrs.get("src") or "")
                    continue
                body = (node.text(deep=True) or "").strip()
                is_config = attrs.get("id") == "__config" and (
                    attrs.get("type") == "application/json"
                )
                if not is_config and not body.startswith(_THEME_INLINE_SCRIPTS):
                    scan.bad.append(f"an inline script that is not the theme's: {body[:40]!r}")
        return scan


def _site_texts(
    site: Path, seen: set[bytes] | None = None, skip: Callable[[bytes], bool] | None = None
) -> Iterator[tuple[Path, str, bytes, str]]:
    """Every file of a site as its readable text (for the withheld-values check; see
    :func:`readable_text`), compressed ones opened: ``(path, member, digest, text)``, where
    ``member`` names the file inside a zip ("" otherwise) and ``digest`` is of the file's bytes.

    Files whose bytes are in ``seen`` are skipped (and new ones added): the engine copies charts
    and downloads from the docs folder as they are, and the same bytes need checking once.
    Files whose digest ``skip`` accepts are not read as text at all.
    """
    for path in sorted(site.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        digest = hashlib.blake2b(data, digest_size=20).digest()
        if seen is not None:
            if digest in seen:
                continue
            seen.add(digest)
        if skip is not None and skip(digest):
            continue
        name = path.name
        if path.suffix == ".gz":
            data, name = gzip.decompress(data), path.stem
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    yield path, member, digest, readable_text(member, archive.read(member))
            continue
        if Path(name).suffix in (".png", ".jpg", ".jpeg", ".gif", ".woff", ".woff2", ".ico"):
            continue
        yield path, "", digest, readable_text(name, data)


#: Attributes that hold addresses and markup, not words a reader is given.
_MARKUP_ATTRIBUTES = frozenset(
    {
        "id", "class", "style", "href", "src", "srcset", "rel", "for", "name", "type", "role",
        "action", "formaction", "poster", "cite", "xmlns", "xmlns:xlink", "xlink:href", "d",
        "points", "transform", "viewbox", "headers", "aria-labelledby", "aria-describedby",
        "aria-controls", "aria-owns", "form", "list", "width", "height", "x", "y",
    }
)  # fmt: skip
#: Between two readable texts of a file: a text found whole never runs across it.
_APART = "\x00"
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _fold(text: str) -> str:
    return " ".join(text.split())


def _html_text(page: str | bytes) -> list[str]:
    """A page's (or an SVG's) readable texts as a browser has them: the text of the page with
    spaces folded, and each attribute value that is words (alt, title, aria-label, content),
    not an address or markup."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(page)
    if tree.root is None:
        return []
    texts = [_fold(tree.root.text(deep=True, separator=" "))]
    for node in tree.root.traverse(include_text=False):
        for name, value in node.attributes.items():
            if value and name.lower() not in _MARKUP_ATTRIBUTES:
                texts.append(_fold(value))
    return texts


def _json_strings(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.extend(_html_text(value) if "<" in value else [_fold(value)])
    elif isinstance(value, dict):
        for key, item in value.items():
            if key != "location":  # the search index's addresses
                _json_strings(item, out)
    elif isinstance(value, list):
        for item in value:
            _json_strings(item, out)


def readable_text(name: str, data: bytes) -> str:
    """What a reader gets from a file, as the withheld-values check compares it: the words of
    pages, SVGs and the search index (markup and addresses left out), the cells of CSVs, the
    strings of JSON, the text of Markdown with its escapes undone; texts apart, spaces folded."""
    text = data.decode("utf-8", "replace")
    suffix = Path(name).suffix.lower()
    texts: list[str]
    if suffix in (".html", ".htm", ".svg", ".xml"):
        texts = _html_text(text)
    elif suffix == ".json":
        texts = []
        try:
            _json_strings(json.loads(text), texts)
        except ValueError:
            texts = [_fold(text)]
    elif suffix == ".csv":
        texts = [_fold(cell) for record in csv.reader(io.StringIO(text)) for cell in record]
    elif suffix == ".md":
        texts = [_fold(html.unescape(_MARKDOWN_ESCAPE.sub(r"\1", text)))]
    else:
        texts = [_fold(html.unescape(text))]
    return _APART.join(texts)


def _address(site: Path, path: Path, member: str, docs: bool) -> str:
    """Where a reader finds a file: a page's address (``/decisions/x/``), a file's (with the
    member of a zip), or a page source of the docs folder."""
    rel = path.relative_to(site).as_posix()
    if docs:
        return f"the page source {rel} (in the build folder's docs)"
    if rel == "index.html":
        where = "/"
    elif rel.endswith("/index.html"):
        where = "/" + rel[: -len("index.html")]
    else:
        where = "/" + rel
    return f"{where} ({member} inside it)" if member else where


def _leak_message(where: str, found: Sequence[visibility.Canary]) -> str:
    first = found[0]
    shown = first.text if len(first.text) <= 60 else first.text[:57] + "..."
    more = f" (and {count(len(found) - 1, 'other withheld text')})" if len(found) > 1 else ""
    return (
        f'{where}: holds "{shown}" from a withheld row ({first.row}){more}. '
        "The new site was not published. pvreport leaves withheld rows out of every page, so look for "
        "this text in your own pages (content/), templates and overrides and remove it there, "
        "or mark the row public if it is meant to be seen"
    )


#: Changes when what the final check compares changes (its cache then starts afresh).
_CHECK_VERSION = 2


class CheckCache:
    """What the final check found clean in the last published build: digests of pages (and,
    where rows were withheld, of files) under a key of what the check compares them with. A
    rebuild after one changed row checks the few pages that changed. Safe to delete."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.known: set[str] = set()
        self.clean: set[str] = set()
        if path is not None:
            try:
                found = json.loads(path.read_text(encoding="utf-8"))
                self.known = set(found) if isinstance(found, list) else set()
            except (OSError, ValueError):
                self.known = set()

    def seen(self, key: str) -> bool:
        if key in self.known:
            self.clean.add(key)
            return True
        return False

    def save(self) -> None:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(sorted(self.clean)), encoding="utf-8")


def check_site(
    site: Path,
    prepared: Prepared,
    allowed_scripts: Sequence[str],
    cache: CheckCache | None = None,
) -> list[str]:
    """What is wrong with a freshly built site; empty when it may be published.

    With ``cache``, pages and files it knows to be clean under the same rules are not read
    again, and the clean ones are added to it (save it only once the site is published).
    """
    cache = cache or CheckCache(None)
    wrong = []
    for addr in prepared.addresses:
        if not (site / addr / "index.html").is_file():
            wrong.append(f"the page /{addr} is missing")
    canaries = prepared.withheld.canaries
    rules = hashlib.blake2b(
        json.dumps(
            [_CHECK_VERSION, list(allowed_scripts), [dataclasses.astuple(c) for c in canaries]]
        ).encode("utf-8"),
        digest_size=20,
    ).hexdigest()
    for path in [*site.rglob("*.html")]:
        data = path.read_bytes()
        key = "page " + rules + hashlib.blake2b(data, digest_size=20).hexdigest()
        if cache.seen(key):
            continue
        scan = _Scan.of(data)
        rel = path.relative_to(site).as_posix()
        problems = len(wrong)
        for bad in scan.bad:
            wrong.append(f"{rel}: an active attribute or address that is not allowed: {bad}")
        if scan.titles > 1:
            wrong.append(f"{rel}: more than one page title (a title broke out of its tag)")
        for src in scan.scripts:
            name = src.split("?")[0].split("#")[0]
            if (
                not any(name.endswith(a) for a in allowed_scripts)
                and "assets/javascripts/" not in name
            ):
                wrong.append(f"{rel}: a script that is neither the theme's nor pvreport's: {src}")
        if len(wrong) == problems:
            cache.clean.add(key)
    if canaries:
        seen: set[bytes] = set()

        def known(digest: bytes) -> bool:
            return cache.seen("file " + rules + digest.hex())

        for root in (site, prepared.docs_dir):
            found: dict[Path, bytes] = {}
            for path, member, digest, text in _site_texts(root, seen, skip=known):
                found.setdefault(path, digest)
                leaked = visibility.find_canaries(canaries, text)
                if leaked:
                    where = _address(root, path, member, root != site)
                    wrong.append(_leak_message(where, leaked))
                    found[path] = b""
            cache.clean.update("file " + rules + d.hex() for d in found.values() if d)
    return wrong


# ----------------------------------------------------------------------------------------------
# The whole build


def build(
    project_dir: Path,
    *,
    package_dir: Path | None = None,
    site_dir: Path | None = None,
    strict: bool = False,
    as_of: dt.date | None = None,
    notify: Callable[[str], None] = lambda _: None,
    progress: Progress | None = None,
    cache: bool = True,
) -> BuildResult:
    """Build the project's site and put it in place, or leave the previous site as it was.

    ``progress`` hears each stage with its counts; ``cache=False`` draws every chart and
    converts every page afresh (the caches under ``.pvreport/`` are otherwise read and
    refreshed).
    """
    progress = progress or Progress.quiet()
    project_dir = project_dir.resolve()
    given = site_dir if site_dir is not None else project_dir / "site"
    # Before anything is written: where the package is, and whether publishing may replace
    # the site folder.
    config = project_config(project_dir)
    package_dir = (package_dir or find_package(project_dir, config)).resolve()
    check_site_dir(given, project_dir, config, package_dir)
    site_dir = Path(os.path.abspath(given))
    build_dir = project_dir / BUILD_FOLDER
    build_dir.mkdir(parents=True, exist_ok=True)
    log = build_dir / LOG_NAME
    clock = Clock.make(as_of)

    def record(line: str) -> None:
        with log.open("a", encoding="utf-8") as handle:
            handle.write(line.rstrip() + "\n")

    with _one_build_at_a_time(build_dir):
        log.write_text("", encoding="utf-8")
        # What a killed build left beside the site; where it was killed between the two renames
        # of publishing, the old site is put back first, so a failed build leaves it as it was.
        for leftover in write.clear_leftovers(site_dir):
            record(f"Removed {leftover.name}, left beside the site by a build that was stopped")
        return _build(
            project_dir,
            build_dir,
            site_dir,
            package_dir,
            clock=clock,
            strict=strict,
            record=record,
            log=log,
            notify=notify,
            progress=progress,
            cache=cache,
        )


@contextmanager
def _one_build_at_a_time(build_dir: Path) -> Iterator[None]:
    """Hold the project's build lock: a second build started meanwhile would take the first's
    half-built site for a leftover (and both write build/docs)."""
    try:
        import fcntl
    except ImportError:  # not on Windows
        yield
        return
    with (build_dir / "build.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise BuildError(
                "Another pvreport build is running in this project: wait for it to end, then "
                "build again."
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build(
    project_dir: Path,
    build_dir: Path,
    site_dir: Path,
    package_dir: Path,
    *,
    clock: Clock,
    strict: bool,
    record: Callable[[str], None],
    log: Path,
    notify: Callable[[str], None],
    progress: Progress,
    cache: bool,
) -> BuildResult:
    try:
        prepared = prepare(
            project_dir,
            build_dir,
            package_dir=package_dir,
            strict=strict,
            as_of=clock.today,
            cache_dir=project_dir / CACHE_FOLDER if cache else None,
            progress=progress,
        )
    except BuildError as exc:
        exc.log = log
        record(str(exc))
        for p in exc.problems:
            record(f"{p.location()}: [{p.field or ''}] {p.message} ({p.code})")
        raise
    except Exception as exc:
        # A crash while rendering is a bug in pvreport, not in the data: keep the traceback
        # in the log for the report, and fail like any other build.
        record("pvreport crashed while writing the pages:\n" + traceback.format_exc())
        raise BuildError(
            f"pvreport could not write the pages ({type(exc).__name__}: {exc}).", log=log
        ) from exc
    for problem in prepared.validation.warnings:
        record(f"{problem.location()}: [{problem.field or ''}] {problem.message} ({problem.code})")
    for notice in prepared.notices:
        notify(notice)
        record(notice)

    fresh = write.sibling_folder(site_dir, "new")
    try:
        try:
            with _engine_environment(clock, log):
                progress.update("engine: MkDocs is building the site")
                page_cache = run_engine(
                    build_dir / "mkdocs.yml",
                    fresh,
                    project_dir / PAGE_CACHE_FOLDER if cache else None,
                )
            progress.stage(
                f"engine: MkDocs built {count(len(prepared.addresses), 'page')} "
                f"({page_cache.misses:,} converted, {page_cache.hits:,} from the page cache)"
            )
        except BaseException as exc:
            record(f"The engine failed: {type(exc).__name__}: {exc}")
            record(traceback.format_exc())
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise BuildError(
                "MkDocs could not build the site (a broken link, a missing anchor or another "
                "warning fails the build).",
                log=log,
            ) from exc
        allowed = [s for s in prepared.config.get("extra_javascript", []) if isinstance(s, str)]
        checks = CheckCache(project_dir / CHECK_CACHE if cache else None)
        wrong = check_site(fresh, prepared, allowed, checks)
        progress.stage(f"checked the built site ({count(len(wrong), 'problem')})")
        if wrong:
            for line in wrong:
                record(f"check: {line}")
            raise BuildError(
                f"The built site failed its final check ({count(len(wrong), 'problem')}, the "
                "first: "
                f"{wrong[0]}).",
                log=log,
            )
        write.publish(fresh, site_dir)
        checks.save()
    finally:
        write.remove(fresh)
    pages = sum(1 for _ in site_dir.rglob("index.html"))
    record(f"Published {pages} pages to {site_dir}")
    progress.stage(f"published {count(pages, 'page')}")
    return BuildResult(site_dir, build_dir, prepared, pages)
