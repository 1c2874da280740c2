"""The whole build, in order, in one function (:func:`build`): validate, load, withhold, derive,
chart, render, write, engine, check, publish. One :class:`pvreport.tables.moments.Clock`, read once,
is passed through, so every stage judges an embargo at the same moment.

Nothing under the site folder is touched until the very end: pages are written to a build
folder that holds exactly this build's files (``build/docs`` and ``build/mkdocs.yml``, which any
MkDocs-compatible engine can build; files unchanged since the last build are left as they are),
MkDocs Material builds them into a fresh folder next to the site folder, the
result is checked, and only then swapped in (:func:`pvreport.site.write.publish`). Any failure before
that leaves the previous site byte for byte, and the build log in ``build/build.log`` says why.

The engine runs in-process (``mkdocs.commands.build.build``) rather than as a subprocess: it
saves a second interpreter start and the re-import of Material and Markdown (about a second a
build, which matters for ``serve`` and the tests), and its failures arrive as exceptions that can
be logged and turned into one message. Its log records go to the build log, not the terminal.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import re
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from . import contract
from .problems import Problem, PvreportError
from .progress import Progress, count
from .report import derive, load, model, visibility
from .site import charts, check, engine, render, write
from .tables.limits import Limits, LimitsError
from .tables.moments import Clock
from .validate import Validation, readability, validate_package

BUILD_FOLDER = "build"
#: The chart cache, under the project: SVGs by a hash of what they are drawn from. Safe to
#: delete; gitignored.
CACHE_FOLDER = ".pvreport/cache/charts"
#: The engine's page cache (see :mod:`pvreport.site.engine`); safe to delete, gitignored.
PAGE_CACHE_FOLDER = ".pvreport/cache/pages"
#: The final check's record of pages found clean (see :class:`pvreport.site.check.CheckCache`).
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
#: The allowlist sanitiser (pvreport.site.render.SanitiseExtension), always last.
SANITISER = "pvreport.site.render"


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
class Built:
    """What a build made and learnt: the docs folder and engine config it wrote, the package's
    validation (its warnings), the public report and what was withheld from it, the notices,
    the pages' addresses; and, once published, the number of pages in the site folder."""

    build_dir: Path
    site_dir: Path
    docs_dir: Path
    config: dict[str, Any]
    nav: list[Any]
    validation: Validation
    report: model.Report
    withheld: visibility.Withheld
    notices: list[str]
    addresses: list[str]
    pages: int = 0


# ----------------------------------------------------------------------------------------------
# The whole build


def build(
    project_dir: Path,
    *,
    package_dir: Path | None = None,
    site_dir: Path | None = None,
    strict: bool = False,
    as_of: dt.date | None = None,
    clock: Clock | None = None,
    notify: Callable[[str], None] = lambda _: None,
    progress: Progress | None = None,
    cache: bool = True,
    publish: bool = True,
    build_dir: Path | None = None,
    site_dir_option: str = "--site-dir",
    engine_name: str | None = None,
) -> Built:
    """Build the project's site and put it in place, or leave the previous site as it was.

    ``clock`` is the run's one "now" (default ``Clock.make(as_of)``): validation, withholding
    and statuses all judge by it. ``progress`` hears each stage with its counts;
    ``cache=False`` draws every chart, converts every page and checks every file afresh.
    ``publish=False`` stops once the docs folder is written, for ``mkdocs serve`` (the plugin
    lets MkDocs build it); ``build_dir`` is where the docs folder goes (default ``build/``),
    ``site_dir_option`` where the site folder was given, for messages. ``engine_name`` is the
    engine that builds the docs folder (:data:`pvreport.site.engine.ENGINES`; default the plugin
    option ``engine``, else MkDocs).
    """
    progress = progress or Progress.quiet()
    clock = clock or Clock.make(as_of)
    project_dir = project_dir.resolve()
    build_dir = build_dir or project_dir / BUILD_FOLDER
    caches = project_dir if cache else None

    # 0. The project, read only: its config and settings, the package, and whether publishing
    # may replace the site folder.
    config = project_config(project_dir)
    options = plugin_options(config)
    package_dir = (package_dir or find_package(project_dir, config)).resolve()
    given = site_dir if site_dir is not None else project_dir / "site"
    check_site_dir(given, project_dir, config, package_dir, option=site_dir_option)
    site_dir = Path(os.path.abspath(given))
    try:
        limits = Limits.from_options(options)
        thresholds = readability.Thresholds.from_options(options)
        nav_page_limit = int(options.get("nav_page_limit", render.NAV_PAGE_LIMIT))
        engine_name = choose_engine(engine_name, options)
    except (LimitsError, readability.ThresholdsError, EngineChoiceError) as error:
        raise BuildError(f"mkdocs.yml, the pvreport plugin's options: {error}") from None
    content_dir = project_dir / str(config.get("docs_dir") or "content")

    build_dir.mkdir(parents=True, exist_ok=True)
    log = _Log(build_dir / LOG_NAME)
    with _one_build_at_a_time(build_dir):
        log.start()
        if publish:
            # What a killed build left beside the site (where it was killed between the two
            # renames of publishing, the old site is put back first).
            for leftover in write.clear_leftovers(site_dir):
                log(f"Removed {leftover.name}, left beside the site by a build that was stopped")
        with log.failures("pvreport could not write the pages"):
            # 1. Validate: errors stop the build here, with the previous site as it was.
            validation = validate_package(
                package_dir, clock=clock, strict=strict, limits=limits, thresholds=thresholds
            )
            if not validation.ok or validation.descriptor is None:
                raise BuildError(
                    f"The data package {package_dir.name} has errors, so the site was not built.",
                    validation.problems,
                )
            for problem in validation.warnings:
                log.problem(problem)
            rows = sum(t.row_count for t in validation.tables.values())
            progress.stage(
                f"validated {count(rows, 'row')} in {count(len(validation.tables), 'file')} "
                f"({count(len(validation.warnings), 'warning')})"
            )

            # 2 to 6. Load, withhold, derive, chart, render: in memory (render_report), the
            # charts drawn on the way (the chart cache is kept).
            chart_cache = caches / CACHE_FOLDER if caches else None
            site = render_report(
                validation,
                clock,
                content=hand_written(content_dir),
                nav_page_limit=nav_page_limit,
                site_url=site_url(config),
                draw=lambda by_page: chart_files(by_page, cache_dir=chart_cache, progress=progress),
            )
            report, withheld, rendered = site.report, site.withheld, site.rendered
            progress.stage(f"pages: {count(len(rendered.pages), 'page')} rendered")

            # ---- Nothing has been written above this line but the build log, the chart cache
            # and the clearing of a stopped build's leftovers. Below it: the docs folder, the
            # engine's fresh site, then the site itself. ----

            # 7. Write the docs folder and the engine config (files unchanged since the last
            # build are left as they are).
            docs = write_docs(
                build_dir,
                config,
                report,
                rendered,
                {**site.charts, **site.downloads},
                content_dir,
                progress=progress,
                engine_name=engine_name,
            )
            built = Built(build_dir, site_dir, validation=validation, withheld=withheld, **docs)
            for notice in built.notices:
                notify(notice)
                log(notice)
            if not publish:
                return built

        # 8. Engine: MkDocs or Zensical builds the docs folder into a fresh folder beside the
        # site; everything after this is the same whichever engine ran.
        fresh = write.sibling_folder(site_dir, "new")
        try:
            with log.failures(ENGINE_FAILED[engine_name], engine=True):
                progress.update(f"engine: {ENGINE_NAMES[engine_name]} is building the site")
                summary = ENGINE_RUNS[engine_name](build_dir, fresh, caches, clock, log.path)
            progress.stage(
                f"engine: {ENGINE_NAMES[engine_name]} built {count(len(built.addresses), 'page')}"
                f"{summary}"
            )

            # 9. Check: every page there, nothing active, no withheld text anywhere.
            checks = check.CheckCache(caches / CHECK_CACHE if caches else None)
            wrong = check.check_site(
                fresh,
                docs_dir=built.docs_dir,
                addresses=built.addresses,
                canaries=withheld.canaries,
                allowed_scripts=[
                    s for s in built.config.get("extra_javascript", []) if isinstance(s, str)
                ],
                cache=checks,
            )
            progress.stage(f"checked the built site ({count(len(wrong), 'problem')})")
            if wrong:
                for line in wrong:
                    log(f"check: {line}")
                raise BuildError(
                    f"The built site failed its final check ({count(len(wrong), 'problem')}, "
                    f"the first: {wrong[0]}).",
                    log=log.path,
                )

            # 10. Publish: one swap of folders; the check cache is kept only now.
            write.publish(fresh, site_dir)
            checks.save()
        finally:
            write.remove(fresh)
        pages = sum(1 for _ in site_dir.rglob("index.html"))
        log(f"Published {pages} pages to {site_dir}")
        progress.stage(f"published {count(pages, 'page')}")
        return dataclasses.replace(built, pages=pages)


ENGINE_NAMES = {"mkdocs": "MkDocs", "zensical": "Zensical"}
ENGINE_FAILED = {
    name: f"{label} could not build the site (a broken link, a missing anchor or another "
    "warning fails the build)."
    for name, label in ENGINE_NAMES.items()
}


class EngineChoiceError(ValueError):
    """An engine pvreport does not know, named on the command line or in mkdocs.yml."""


def choose_engine(given: str | None, options: Mapping[str, Any]) -> str:
    """The engine to run: the one given (``--engine``), else the plugin option ``engine``, else
    MkDocs."""
    name = given or options.get("engine") or engine.DEFAULT
    if name not in engine.ENGINES:
        raise EngineChoiceError(
            f"engine is {name!r}, which pvreport does not know. Use one of: "
            f"{', '.join(engine.ENGINES)}."
        )
    return str(name)


def _run_mkdocs(build_dir: Path, fresh: Path, caches: Path | None, clock: Clock, log: Path) -> str:
    """MkDocs, in this process, with pvreport's page cache."""
    with _engine_environment(clock, log):
        page_cache = engine.run(
            build_dir / "mkdocs.yml", fresh, caches / PAGE_CACHE_FOLDER if caches else None
        )
    return f" ({page_cache.misses:,} converted, {page_cache.hits:,} from the page cache)"


def _run_zensical(
    build_dir: Path, fresh: Path, caches: Path | None, clock: Clock, log: Path
) -> str:
    """Zensical, as its own process, with its own cache (``build/.cache``)."""
    try:
        version = engine.run_zensical(
            build_dir / "mkdocs.yml", fresh, log=log, clean=caches is None, epoch=clock.epoch
        )
    except engine.EngineMissing as error:
        raise BuildError(str(error)) from None
    return f" (Zensical {version})"


#: One function per engine: each builds the docs folder into the fresh folder and returns what
#: the progress line adds.
ENGINE_RUNS: dict[str, Callable[[Path, Path, Path | None, Clock, Path], str]] = {
    "mkdocs": _run_mkdocs,
    "zensical": _run_zensical,
}


class _Log:
    """The build log (``build/build.log``): started afresh by each build, appended to by each
    stage; a failure is recorded in it and carries its path."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def start(self) -> None:
        self.path.write_text("", encoding="utf-8")

    def __call__(self, line: str) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line.rstrip() + "\n")

    def problem(self, p: Problem) -> None:
        self(f"{p.location()}: [{p.field or ''}] {p.message} ({p.code})")

    @contextmanager
    def failures(self, message: str, *, engine: bool = False) -> Iterator[None]:
        """A :class:`BuildError` in the block is recorded and names the log; any other failure
        (a bug in pvreport, or the engine's) is recorded with its traceback and becomes one
        with ``message``."""
        try:
            yield
        except BuildError as exc:
            exc.log = self.path
            self(str(exc))
            for problem in exc.problems:
                self.problem(problem)
            raise
        except BaseException as exc:
            if engine:
                self(f"The engine failed: {type(exc).__name__}: {exc}")
                self(traceback.format_exc())
                if isinstance(exc, KeyboardInterrupt):
                    raise
                raise BuildError(message, log=self.path) from exc
            if not isinstance(exc, Exception):
                raise
            # A crash here is a bug in pvreport, not in the data: the traceback is kept in the
            # log for the report, and the build fails like any other.
            self(f"pvreport crashed ({message}):\n" + traceback.format_exc())
            raise BuildError(f"{message} ({type(exc).__name__}: {exc}).", log=self.path) from exc


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
    written: publishing replaces the whole folder (:func:`pvreport.site.write.publish`).

    Refused: a file or a link; a folder that is, holds, or is inside the project's own folders
    (the package, ``content/``, ``build/``, the caches) or that is or holds the project; and a
    folder with files in it that is not a site pvreport published
    (:func:`pvreport.site.write.is_published_site`). ``option`` names where the folder was given.
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


# ----------------------------------------------------------------------------------------------
# Stage by stage


def downloads(
    validation: Validation,
    report: model.Report,
    withheld: visibility.Withheld,
    clock: Clock,
) -> tuple[list[render.Download], dict[str, str | bytes]]:
    """The downloads: each resource's public CSV and a zip of the public package, as links for
    the pages and as files by path under the docs folder."""
    assert validation.descriptor is not None
    links: list[render.Download] = []
    csvs: dict[str, bytes] = {}
    headers: dict[str, list[str]] = {}
    for name in sorted(validation.tables, key=_resource_order):
        data, rows = write.public_csv(validation.tables[name], withheld)
        csvs[f"{name}.csv"] = data
        headers[name] = write.public_header(validation.tables[name])
        links.append(render.Download(f"data/downloads/{name}.csv", f"{name}.csv", rows))
    csvs["datapackage.json"] = write.public_descriptor(validation.descriptor, headers)
    # The package's name becomes a file name: keep it to a plain slug whatever it holds.
    zip_name = (re.sub(r"[^a-z0-9-]+", "-", report.name.lower()).strip("-") or "report") + ".zip"
    links.append(render.Download(f"data/downloads/{zip_name}", f"The whole package ({zip_name})"))
    stamp = dt.datetime.fromtimestamp(clock.epoch or 315532800, tz=dt.UTC)
    files: dict[str, str | bytes] = {
        f"data/downloads/{zip_name}": write.zip_bytes(csvs, timestamp=stamp)
    }
    for name, data in csvs.items():
        files[f"data/downloads/{name}"] = data
    # The same descriptor published beside the downloads (/data/datapackage.json), its paths
    # relative to where it is: a Frictionless tool reads the package straight from the site.
    files["data/datapackage.json"] = write.public_descriptor(
        validation.descriptor, headers, folder="downloads/"
    )
    return links, files


@dataclasses.dataclass(frozen=True)
class Site:
    """A report's pages in memory (:func:`render_report`), with the files drawn and made for
    them: the charts (where drawn) and the downloads."""

    report: model.Report
    withheld: visibility.Withheld
    rendered: render.Rendered
    charts: Mapping[str, str | bytes] = dataclasses.field(default_factory=dict)
    downloads: Mapping[str, str | bytes] = dataclasses.field(default_factory=dict)


def render_report(
    validation: Validation,
    clock: Clock,
    *,
    content: Mapping[str, str] | None = None,
    nav_page_limit: int = render.NAV_PAGE_LIMIT,
    site_url: str = "",
    draw: Callable[[Mapping[str, Any]], Mapping[str, str | bytes]] | None = None,
) -> Site:
    """The build's stages 2 to 6, in memory: the pages a valid package gives. ``draw`` makes
    the chart files from the charts of each page (the build draws them; the page tests need
    none)."""
    assert validation.descriptor is not None
    # 2. Load: the tables into the report model.
    full = load.to_report(validation.descriptor, validation.tables)

    # 3. Withhold, at the clock's moment: nothing after this sees a confidential or embargoed
    # row.
    files = {name: table.file for name, table in validation.tables.items()}
    report, withheld = visibility.withhold(full, now=clock.now, files=files)

    # 4. Derive: statuses and equity gaps, from the public report only.
    statuses = derive.report_statuses(report, as_of=clock.today)
    gaps = derive.report_gaps(report)

    # 5. Chart: each page's chart specs, then (in a build) SVGs, data and specs as files.
    by_page = page_charts(report, statuses, clock.today, gaps)
    charts = draw(by_page) if draw is not None else {}

    # 6. Render: the downloads, then every page.
    links, download_files = downloads(validation, report, withheld, clock)
    rendered = render.render_site(
        render.Inputs(
            report=report,
            withheld=withheld,
            as_of=clock.today,
            statuses=statuses,
            charts=by_page,
            downloads=links,
            warnings=validation.warnings,
            content=dict(content or {}),
            nav_page_limit=nav_page_limit,
            gaps=gaps,
            site_url=site_url,
        )
    )
    return Site(report, withheld, rendered, charts, download_files)


def write_docs(
    build_dir: Path,
    config: Mapping[str, Any],
    report: model.Report,
    rendered: render.Rendered,
    files: Mapping[str, str | bytes],
    content_dir: Path,
    *,
    progress: Progress | None = None,
    engine_name: str = engine.DEFAULT,
) -> dict[str, Any]:
    """Write the docs folder (pages, charts, downloads, pvreport's assets, then the
    hand-written pages over them), the theme overrides (for Zensical, also the templates of its
    own that pvreport fixes) and the engine config under ``build_dir``. The docs folder ends up
    holding exactly these files; ones unchanged since the last build are not rewritten.

    Returns the :class:`Built` fields it learnt: docs_dir, config, nav, report, notices,
    addresses.
    """
    assets, scripts, styles = asset_files()
    docs = {
        **files,
        **assets,
        **rendered.files,
        **{src: write.json_bytes(value) for src, value in rendered.data.items()},
        **{p.src: p.text for p in rendered.pages},
    }
    notices: list[str] = []
    nav = list(rendered.nav)
    if content_dir.is_dir():
        generated = {render.address(src): src for src in docs if src.endswith(".md")}
        for path in sorted(content_dir.rglob("*.md")):
            rel = path.relative_to(content_dir).as_posix()
            replaced = generated.get(render.address(rel))
            if replaced:
                notices.append(f"content/{rel} replaces the generated page /{render.address(rel)}")
                del docs[replaced]
                nav = _rename_in_nav(nav, replaced, rel)
            elif rel not in docs:
                nav.append(rel)
        docs.update(write.tree_files(content_dir))
    docs_dir = build_dir / "docs"
    written = write.sync_folder(docs_dir, docs)
    overrides = write.fresh_folder(build_dir / "overrides")
    write.copy_tree(
        Path(str(resources.files("pvreport") / "templates" / "theme")),
        overrides,
        skip=["pvreport.css"],
    )
    if engine_name == "zensical":
        for name, text in engine.zensical_templates().items():
            (overrides / name).parent.mkdir(parents=True, exist_ok=True)
            (overrides / name).write_text(text, encoding="utf-8")
    engine_config = engine_config_for(config, nav, report, scripts, styles)
    if rendered.not_in_nav:
        engine_config["not_in_nav"] = "\n".join(rendered.not_in_nav)
    (build_dir / "mkdocs.yml").write_text(write.config_text(engine_config), encoding="utf-8")
    if progress is not None:
        progress.stage(
            f"docs: {count(len(docs), 'file')} in {docs_dir.parent.name}/docs "
            f"({written:,} written, the rest unchanged)"
        )
    return {
        "docs_dir": docs_dir,
        "config": engine_config,
        "nav": nav,
        "report": report,
        "notices": notices,
        "addresses": [render.address(p.src) for p in rendered.pages],
    }


def site_url(config: Mapping[str, Any]) -> str:
    """The site's public address from the project's ``site_url`` (``!ENV [NAME, default]`` read
    as MkDocs reads it), ending in ``/``; "" where there is none."""
    value = config.get("site_url")
    if isinstance(value, write.Tagged) and value.tag == "!ENV":
        names = value.value if isinstance(value.value, list) else [value.value]
        found = None
        for name in names[:-1] if len(names) > 1 else names:
            found = os.environ.get(str(name))
            if found:
                break
        value = found or (names[-1] if len(names) > 1 else None)
    if not isinstance(value, str) or not value.strip():
        return ""
    return value.strip().rstrip("/") + "/"


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
