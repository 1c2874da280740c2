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

import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import json
import logging
import os
import re
import shutil
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

from . import contract, messages, workers
from .messages import _
from .problems import Problem, PvreportError, has_errors, sorted_problems
from .problems import strict as make_strict
from .progress import Progress, count
from .report import derive, load, model, visibility
from .report import history as history_
from .site import charts, check, engine, render, write, xlsx
from .tables import gate
from .tables.limits import Limits, LimitsError
from .tables.moments import Clock
from .validate import Validation, across, readability, validate_package
from .validate import translations as translation_checks

BUILD_FOLDER = "build"
#: The chart cache, under the project: SVGs by a hash of what they are drawn from. Safe to
#: delete; gitignored.
CACHE_FOLDER = ".pvreport/cache/charts"
#: The engine's page cache (see :mod:`pvreport.site.engine`); safe to delete, gitignored.
PAGE_CACHE_FOLDER = ".pvreport/cache/pages"
#: The PDFs of the statement, by a digest of what each is made from (site.document.cached_pdf).
PDF_CACHE_FOLDER = ".pvreport/cache/pdf"
#: The final check's record of pages found clean (see :class:`pvreport.site.check.CheckCache`).
CHECK_CACHE = ".pvreport/cache/check.json"
#: Each earlier statement's own page cache, under this folder by its archive folder's name.
PARTS_CACHE_FOLDER = ".pvreport/cache/parts"
#: Each earlier statement's docs folder and engine config, under the build folder by its address
#: (``build/parts/archive/2024-25/docs``), with the record of what was last published from it.
PARTS_FOLDER = "parts"
PART_RECORD = "built.json"
LOG_NAME = "build.log"
#: The name of each language in that language, for the switch between them.
LANGUAGE_NAMES = {
    "cy": "Cymraeg",
    "en": "English",
    "fr": "Français",
    "ga": "Gaeilge",
    "gd": "Gàidhlig",
    "de": "Deutsch",
    "es": "Español",
}
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
    #: The earlier statements' parts of the site (``archive/<period>/``), newest first.
    parts: tuple[Part, ...] = ()


@dataclasses.dataclass(frozen=True)
class Part:
    """An earlier statement's part of the site: where its pages go (``archive/2024-25/``), its
    docs folder and engine config (``build/parts/archive/2024-25/``), the public report as it was
    published and what was withheld from it then, its pages' addresses (under ``prefix``), a
    digest of everything the engine builds it from, and whether this build ran the engine for
    it (``False``: nothing changed since it was last published, and that output was kept)."""

    prefix: str
    build_dir: Path
    docs_dir: Path
    report: model.Report
    withheld: visibility.Withheld
    addresses: list[str]
    digest: str
    #: A digest of everything its pages are made from (:func:`part_inputs`).
    inputs: str = ""
    built: bool = True


@dataclasses.dataclass(frozen=True)
class Archive:
    """An earlier statement's part still to be made: where it goes (``prefix``: under a
    language's root for a language after the first), the statement, a digest of what it is made
    from, its public report as it was published, what its pages say about it, the language of
    its pages and their twins in the other languages."""

    prefix: str
    earlier: across.Earlier
    inputs: str
    public: Public
    notice: render.Archived
    language: str
    alternates: dict[str, Any] | None


@dataclasses.dataclass(frozen=True)
class Made:
    """What making an earlier statement's part gave (:func:`make_archived`), small enough to be
    sent back from the worker process that made it: the part's folders, pages and digest,
    whether the engine ran for it, the engine's summary, what the final check found wrong in it
    and the check's new record of clean files."""

    prefix: str
    build_dir: Path
    docs_dir: Path
    addresses: list[str]
    digest: str
    built: bool
    summary: str
    wrong: list[str]
    clean: frozenset[str]

    def part(self, job: Archive) -> Part:
        return Part(
            job.prefix,
            self.build_dir,
            self.docs_dir,
            job.public.report,
            job.public.withheld,
            self.addresses,
            self.digest,
            job.inputs,
            self.built,
        )


def _nested(prefix: str, prefixes: Sequence[str]) -> list[str]:
    """The parts inside the part at ``prefix`` (a language's earlier statements,
    ``en/archive/2024-25/`` inside ``en/``)."""
    return [p for p in prefixes if p != prefix and p.startswith(prefix)]


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
    previous: Sequence[Path] | None = None,
    translations: str | None = None,
) -> Built:
    """Build the project's site and put it in place, or leave the previous site as it was.

    ``clock`` is the run's one "now" (default ``Clock.make(as_of)``): validation, withholding
    and statuses all judge by it. ``progress`` hears each stage with its counts;
    ``cache=False`` draws every chart, converts every page and checks every file afresh.
    ``publish=False`` stops once the docs folder is written, for ``mkdocs serve`` (the plugin
    lets MkDocs build it); ``build_dir`` is where the docs folder goes (default ``build/``),
    ``site_dir_option`` where the site folder was given, for messages. ``engine_name`` is the
    engine that builds the docs folder (:data:`pvreport.site.engine.ENGINES`; default the plugin
    option ``engine``, else MkDocs). ``previous`` are the earlier statements' packages, newest
    first (default: the plugin option ``previous``): each is published under
    ``archive/<period>/`` as a part of the site of its own (:class:`Part`). ``translations``
    is ``error`` or ``warn`` for a missing translation (default: the plugin option
    ``translations``, else ``error``); each language after the package's first is a part of the
    site at ``<lang>/``, its earlier statements at ``<lang>/archive/<period>/``.
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
    previous_dirs = find_previous(project_dir, options, previous)
    given = site_dir if site_dir is not None else project_dir / "site"
    check_site_dir(given, project_dir, config, package_dir, option=site_dir_option)
    site_dir = Path(os.path.abspath(given))
    try:
        limits = Limits.from_options(options)
        thresholds = readability.Thresholds.from_options(options)
        nav_page_limit = int(options.get("nav_page_limit", render.NAV_PAGE_LIMIT))
        engine_name = choose_engine(engine_name, options)
        translations = translations or options.get("translations")
        untranslated = translation_checks.severity_of(translations)
        # The project's own catalogues (a language pvreport does not ship, or its own words).
        catalogue_dir = project_dir / str(options.get("catalogues") or "locale")
        make_pdf = options.get("pdf", True)
        if not isinstance(make_pdf, bool):
            raise EngineChoiceError(
                f"pdf is {make_pdf!r}: write true (the PDF of the whole statement is made, the "
                "default) or false (it is not)."
            )
        # How many earlier statements' parts are made at once, each by a worker process (its
        # memory its own): by default one per core; 0 makes them in this process.
        slots = options.get("workers")
        if slots is not None and (
            isinstance(slots, bool) or not isinstance(slots, int) or slots < 0
        ):
            raise EngineChoiceError(
                f"workers is {slots!r}: write a whole number, 0 or more (how many earlier "
                "statements are made at once, each in a process of its own; 0: one after "
                "another in the build's own process), or leave it out (one per core)."
            )
    except (
        LimitsError,
        readability.ThresholdsError,
        EngineChoiceError,
        translation_checks.TranslationsError,
    ) as error:
        raise BuildError(f"mkdocs.yml, the pvreport plugin's options: {error}") from None
    content_dir = project_dir / str(config.get("docs_dir") or "content")

    build_dir.mkdir(parents=True, exist_ok=True)
    log = _Log(build_dir / LOG_NAME)
    # (Leaving the block stops any worker still making an earlier statement's part, and removes
    # the folder the workers build into.)
    with _one_build_at_a_time(build_dir), contextlib.ExitStack() as cleanup:
        log.start()
        if publish:
            # What a killed build left beside the site (where it was killed between the two
            # renames of publishing, the old site is put back first).
            for leftover in write.clear_leftovers(site_dir):
                log(f"Removed {leftover.name}, left beside the site by a build that was stopped")
        with log.failures("pvreport could not write the pages"):
            # 1. Validate: errors stop the build here, with the previous site as it was.
            validation = validate_package(
                package_dir,
                clock=clock,
                strict=strict,
                limits=limits,
                thresholds=thresholds,
                translations_mode=translations,
            )
            if validation.descriptor is not None:
                # A hand-written page without its translation, judged like a missing cell.
                pages = translation_checks.missing_pages(
                    content_dir, contract.languages(validation.descriptor), untranslated
                )
                if strict:
                    pages = [dataclasses.replace(p, severity="error") for p in pages]
                validation = dataclasses.replace(
                    validation, problems=sorted_problems([*validation.problems, *pages])
                )
            # 1b. The earlier statements, each validated as of its own published day, and the
            # rules across statements: their errors stop the build here too.
            # (An earlier statement is checked as it was published: --strict makes the rules
            # across statements strict, not the warnings of a statement already published.)
            earlier, problems = across.validate_earlier(
                validation,
                previous_dirs,
                lambda folder, own: validate_package(
                    folder,
                    clock=own,
                    limits=limits,
                    thresholds=thresholds,
                    translations_mode=translations,
                ),
                clock,
            )
            problems = make_strict(problems) if strict else problems
            own_errors = not validation.ok or validation.descriptor is None
            if problems:
                validation = dataclasses.replace(
                    validation, problems=sorted_problems([*validation.problems, *problems])
                )
            if own_errors or has_errors(problems):
                raise BuildError(
                    f"The data package {package_dir.name} has errors, so the site was not built."
                    if own_errors
                    else "An earlier statement has errors, or the statements disagree, so the "
                    "site was not built.",
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
            # charts drawn on the way (the chart cache is kept). In a package of more than one
            # language (contract v1.1), once for each: the first at the root of the site, each
            # other at <lang>/ with the same paths, each a part of the site of its own (its
            # earlier statements at <lang>/archive/<period>/).
            def draw(
                by_page: Mapping[str, Any], part: str = "", shown: Progress | None = None
            ) -> Mapping[str, str | bytes]:
                # Each part of the site keeps its own charts' cache (a cache holds one report's).
                where = (
                    PARTS_CACHE_FOLDER + "/" + _cache_name(part) + "/charts"
                    if part
                    else CACHE_FOLDER
                )
                return chart_files(
                    by_page,
                    cache_dir=caches / where if caches else None,
                    progress=shown or progress,
                )

            languages = contract.languages(validation.descriptor)
            url = site_url(config)
            # The parts of the site in order: each a Part, or an earlier statement's part being
            # made by a worker (an Archive, see 6b).
            parts: list[Part | Archive] = []
            # The workers making the earlier statements' parts (one set per language), and the
            # folder beside the site they build into, each part then moved into the fresh site.
            sides: list[workers.Workers] = []
            staged = write.sibling_folder(site_dir, "new") if publish and earlier else None
            if staged is not None:
                cleanup.callback(write.remove, staged)
            scripts = [s for s in page_scripts(config) if isinstance(s, str)]

            def make_archive(job: Archive) -> Made:
                assert staged is not None
                return make_archived(
                    job,
                    staged,
                    draw=functools.partial(draw, part=job.prefix, shown=Progress.quiet()),
                    build_dir=build_dir,
                    config=config,
                    url=url,
                    nav_page_limit=nav_page_limit,
                    catalogue_dir=catalogue_dir,
                    engine_name=engine_name,
                    site_dir=site_dir,
                    caches=caches,
                    clock=clock,
                    log=log,
                    scripts=scripts,
                )

            for language in languages:
                primary = language == languages[0]
                # Where this language's part is (its pages' addresses below it).
                home = "" if primary else f"{language}/"
                part_dir = build_dir if primary else build_dir / PARTS_FOLDER / home
                part_content = content_for(content_dir, languages, language, part_dir)
                with in_language(language, catalogue_dir):
                    # The earlier statements' public reports and statuses, each as of its own
                    # published day: the current pages say what changed since them.
                    then = {
                        e.prefix: public_report(e.validation, e.clock, _known(e, language))
                        for e in earlier
                    }
                    history = history_of(earlier, then)
                    public = public_report(validation, clock, language)
                    label = public.report.reporting_period.label
                    # 6b. Each earlier statement's part (an Archive: its pages come from its own
                    # package, judged as of its own published day, each page saying which
                    # statement it belongs to), made whole by a worker process on a core of its
                    # own (make_archived) from the moment the current statement's pages are
                    # known: while its PDF is made, or else while it is written and built. Not
                    # even rendered where nothing it is made from changed since the part was
                    # last published: that part is kept as it is.
                    archived: dict[str, Archive] = {}
                    kept: dict[str, Part] = {}
                    known: list[frozenset[str]] = []

                    def start_archive(
                        current: frozenset[str],
                        language: str = language,
                        home: str = home,
                        then: Mapping[str, Public] = then,
                        label: str = label,
                        archived: dict[str, Archive] = archived,
                        kept: dict[str, Part] = kept,
                        known: list[frozenset[str]] = known,
                    ) -> None:
                        if known:
                            return  # started already, before the PDF
                        known.append(current)
                        # (`mkdocs serve`, publish=False, previews the current statement only.)
                        for e in earlier if publish else ():
                            # Where this part is in the site: under this language's root.
                            placed = home + e.prefix
                            inputs = part_inputs(
                                e, config, current, f"{label} {language} {' '.join(languages)}"
                            )
                            found = kept_part(
                                build_dir, e, inputs, site_dir, then[e.prefix], placed
                            )
                            if found is not None and caches:
                                kept[placed] = found
                                continue
                            archived[placed] = Archive(
                                placed,
                                e,
                                inputs,
                                then[e.prefix],
                                render.Archived(e.label, e.published, e.prefix, label, current),
                                language,
                                language_links(languages, language, url, e.prefix),
                            )
                        if archived:
                            sides.append(
                                cleanup.enter_context(
                                    workers.Workers(
                                        [
                                            functools.partial(make_archive, job)
                                            for job in archived.values()
                                        ],
                                        slots,
                                    )
                                )
                            )

                    site = render_report(
                        validation,
                        clock,
                        content=hand_written(part_content),
                        nav_page_limit=nav_page_limit,
                        site_url=url + home if url else "",
                        draw=functools.partial(draw, part=home) if home else draw,
                        statements=statements(validation, earlier),
                        history=history,
                        public=public,
                        language=language,
                        # (`mkdocs serve`'s preview is made without it: it takes seconds.)
                        pdf=make_pdf and publish,
                        pdf_cache=caches / PDF_CACHE_FOLDER if caches else None,
                        before_pdf=start_archive,
                    )
                    rendered = site.rendered
                    current = frozenset(render.address(p.src) for p in rendered.pages)
                    start_archive(current)
                    if known[0] != current:
                        raise RuntimeError(
                            "the pages known before the PDF are not the pages rendered"
                        )
                in_words = "" if len(languages) == 1 else f" in {language}"
                progress.stage(f"pages: {count(len(rendered.pages), 'page')} rendered{in_words}")
                if earlier:
                    progress.stage(
                        f"archive: {count(len(archived), 'earlier statement')} to build, "
                        f"{len(kept)} unchanged{in_words}"
                    )

                # ---- Nothing has been written above this line but the build log, the chart
                # cache, the clearing of a stopped build's leftovers and what the workers write
                # for the earlier statements' parts (their own folders under build/parts/ and
                # the staging folder beside the site). Below it: the docs folders, the engine's
                # fresh site, then the site itself. ----

                # 7. Write the docs folder and the engine config (files unchanged since the
                # last build are left as they are): the first language's at the root of the
                # build folder, every other part's under build/parts/<its address>.
                if primary:
                    docs = write_docs(
                        build_dir,
                        config,
                        site.report,
                        site.rendered,
                        {**site.charts, **site.downloads},
                        part_content,
                        progress=progress,
                        alternates=language_links(languages, language, url),
                        engine_name=engine_name,
                    )
                    docs.pop("digest")
                    withheld = site.withheld
                else:
                    parts.append(
                        write_part(
                            build_dir,
                            config,
                            home,
                            site,
                            "",
                            url,
                            content_dir=part_content,
                            alternates=language_links(languages, language, url),
                            engine_name=engine_name,
                        )
                    )
                for e in earlier:
                    prefix = home + e.prefix
                    if prefix in kept:
                        parts.append(kept[prefix])
                    elif prefix in archived:
                        parts.append(archived[prefix])
            built = Built(
                build_dir,
                site_dir,
                validation=validation,
                withheld=withheld,
                parts=tuple(p for p in parts if isinstance(p, Part)),
                **docs,
            )
            for notice in built.notices:
                notify(notice)
                log(notice)
            if not publish:
                return built

        # 8. Engine: MkDocs or Zensical builds the docs folder into a fresh folder beside the
        # site; everything after this is the same whichever engine ran. Meanwhile the workers
        # make the earlier statements' parts (6b): this process leaves the other cores to them.
        fresh = write.sibling_folder(site_dir, "new")
        jobs = [p for p in parts if isinstance(p, Archive)]
        prefixes = [p.prefix for p in parts]
        alone = not any(side.forked for side in sides)
        try:
            with log.failures(ENGINE_FAILED[engine_name], engine=True):
                progress.update(f"engine: {ENGINE_NAMES[engine_name]} is building the site")
                summary = ENGINE_RUNS[engine_name](
                    build_dir,
                    fresh,
                    caches / PAGE_CACHE_FOLDER if caches else None,
                    clock,
                    log.path,
                    parallel=alone,
                )
            progress.stage(
                f"engine: {ENGINE_NAMES[engine_name]} built "
                f"{count(len(built.addresses), 'page')}{summary}"
            )
            # 8b. Each other part (another language's statement, an unchanged earlier one),
            # built by the engine into its own folder of the fresh site (its own navigation and
            # search), unless nothing it is built from changed since it was last published: then
            # that output is kept as it is.
            done: dict[str, Part] = {}
            for part in built.parts:
                target = fresh / part.prefix
                nested = _nested(part.prefix, prefixes)
                if reuse_part(part, site_dir, target, nested):
                    done[part.prefix] = dataclasses.replace(part, built=False)
                    progress.stage(f"engine: /{part.prefix} unchanged, kept as published")
                    continue
                summary = run_part_engine(
                    part, target, engine_name, caches, clock, log, parallel=alone
                )
                done[part.prefix] = part
                progress.stage(f"engine: /{part.prefix} built{summary}")
            if jobs:
                progress.update(f"archive: building {count(len(jobs), 'earlier statement')}")
            made: list[Made] = []
            with log.failures("pvreport could not make an earlier statement's part"):
                for side in sides:
                    made += side.results()
            # Each earlier statement's part into its place in the fresh site (a language's
            # part, built above, holds its earlier statements' folders).
            by_place = {m.prefix: m for m in made}
            for job in jobs:
                assert staged is not None
                result = by_place[job.prefix]
                target = fresh / job.prefix
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged / job.prefix, target)
                done[job.prefix] = result.part(job)
                progress.stage(
                    f"engine: /{job.prefix} "
                    + (f"built{result.summary}" if result.built else "unchanged, kept as published")
                )
            built = dataclasses.replace(built, parts=tuple(done[p] for p in prefixes))

            # 9. Check: every page there, nothing active, no withheld text anywhere.
            # The whole composed folder: the current statement's pages (the parts left to their
            # own check), then each part with what was withheld from it (an earlier statement's
            # part was checked where it was made, its findings in ``made``).
            checks = check.CheckCache(caches / CHECK_CACHE if caches else None)
            wrong = check.check_site(
                fresh,
                docs_dir=built.docs_dir,
                addresses=built.addresses,
                canaries=withheld.canaries,
                allowed_scripts=scripts,
                cache=checks,
                skip=prefixes,
            )
            for part in built.parts:
                if part.prefix not in {j.prefix for j in jobs}:
                    # A language's part holds its earlier statements' parts: each its own check.
                    wrong += check_part(
                        fresh, part, scripts, checks, _nested(part.prefix, prefixes)
                    )
            for result in made:
                wrong += result.wrong
                checks.clean.update(result.clean)
            progress.stage(f"checked the built site ({count(len(wrong), 'problem')})")
            if wrong:
                for line in wrong:
                    log(f"check: {line}")
                raise BuildError(
                    f"The built site failed its final check ({count(len(wrong), 'problem')}, "
                    f"the first: {wrong[0]}).",
                    log=log.path,
                )

            # 10. Publish: one swap of folders; the check cache and the parts' records are kept
            # only now.
            write.publish(fresh, site_dir)
            checks.save()
            for part in built.parts:
                record_part(part, site_dir)
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


def _run_mkdocs(
    build_dir: Path,
    fresh: Path,
    page_cache_dir: Path | None,
    clock: Clock,
    log: Path,
    parallel: bool = True,
) -> str:
    """MkDocs, in this process, with pvreport's page cache (in ``page_cache_dir``); with
    ``parallel``, helper processes convert a share of the pages on the other cores."""
    with _engine_environment(clock, log):
        page_cache = engine.run(build_dir / "mkdocs.yml", fresh, page_cache_dir, parallel=parallel)
    return f" ({page_cache.misses:,} converted, {page_cache.hits:,} from the page cache)"


def _run_zensical(
    build_dir: Path,
    fresh: Path,
    page_cache_dir: Path | None,
    clock: Clock,
    log: Path,
    parallel: bool = True,
) -> str:
    """Zensical, as its own process, with its own cache (``build/.cache``; cleared first where
    the build runs without caches). (It shares out its own work: ``parallel`` changes
    nothing.)"""
    try:
        version = engine.run_zensical(
            build_dir / "mkdocs.yml",
            fresh,
            log=log,
            clean=page_cache_dir is None,
            epoch=clock.epoch,
        )
    except engine.EngineMissing as error:
        raise BuildError(str(error)) from None
    return f" (Zensical {version})"


#: One function per engine: each builds a docs folder into a folder of the fresh site (with the
#: page cache in the folder given, or none; ``parallel=False`` where other parts of the site are
#: being built on the other cores) and returns what the progress line adds.
ENGINE_RUNS: dict[str, Callable[..., str]] = {
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


def find_previous(
    project_dir: Path, options: Mapping[str, Any], given: Sequence[Path] | None
) -> list[Path]:
    """The earlier statements' packages, newest first: those given (``--previous``), else the
    plugin option ``previous`` (a list of folders from the project folder)."""
    if given:
        return [Path(p).resolve() for p in given]
    named = options.get("previous") or []
    if isinstance(named, str):
        named = [named]
    if not isinstance(named, list) or not all(isinstance(p, str) for p in named):
        raise BuildError(
            "mkdocs.yml, the pvreport plugin's options: previous is a list of the earlier "
            "statements' package folders, newest first (previous: [datapackages/example-2024-25])."
        )
    return [(project_dir / p).resolve() for p in named]


def history_of(
    earlier: Sequence[across.Earlier], then: Mapping[str, Public] | None = None
) -> list[history_.Then]:
    """The earlier statements as the current statement's pages speak of them, newest first:
    each one's public report and statuses as of its own published day (``then``, by prefix,
    where they are worked out already)."""
    then = then or {e.prefix: public_report(e.validation, e.clock) for e in earlier}
    return [
        history_.Then(
            e.label, e.published, e.prefix, then[e.prefix].report, then[e.prefix].statuses
        )
        for e in earlier
    ]


def statements(validation: Validation, earlier: Sequence[across.Earlier]) -> list[render.Statement]:
    """Every statement of the site, newest first, for the archive's list (none where there is
    only the current one)."""
    if not earlier:
        return []
    descriptor = validation.descriptor or {}
    current = render.Statement(
        across.statement_label(descriptor), gate.published_date(descriptor), ""
    )
    return [current, *(render.Statement(e.label, e.published, e.prefix) for e in earlier)]


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


def page_scripts(project: Mapping[str, Any], scripts: Sequence[str] | None = None) -> list[Any]:
    """The scripts a page loads besides the theme's (the engine config's ``extra_javascript``):
    the project's own, then pvreport's (``scripts``, default :func:`asset_files`' list). The final
    check allows these (those given by their path) and no others."""
    return [
        *(project.get("extra_javascript") or []),
        *(asset_files()[1] if scripts is None else scripts),
    ]


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
    others = report.languages[1:]
    for name in sorted(validation.tables, key=_resource_order):
        data, rows = write.public_csv(validation.tables[name], withheld, others)
        csvs[f"{name}.csv"] = data
        headers[name] = write.public_header(validation.tables[name], others)
        links.append(render.Download(f"data/downloads/{name}.csv", f"{name}.csv", rows))
    csvs["datapackage.json"] = write.public_descriptor(validation.descriptor, headers)
    # The package's name becomes a file name: keep it to a plain slug whatever it holds.
    zip_name = (re.sub(r"[^a-z0-9-]+", "-", report.name.lower()).strip("-") or "report") + ".zip"
    links.append(
        render.Download(
            f"data/downloads/{zip_name}", _("The whole package ({name})").format(name=zip_name)
        )
    )
    stamp = dt.datetime.fromtimestamp(clock.epoch or 315532800, tz=dt.UTC)
    files: dict[str, str | bytes] = {
        f"data/downloads/{zip_name}": write.zip_bytes(csvs, timestamp=stamp)
    }
    # The same public rows as one workbook, for readers who open downloads in a spreadsheet;
    # none for data too large for one.
    book = xlsx.public_workbook(
        validation.descriptor,
        {name: csvs[f"{name}.csv"] for name in headers},
        created=stamp,
    )
    if book is not None:
        book_name = zip_name.removesuffix(".zip") + ".xlsx"
        files[f"data/downloads/{book_name}"] = book
        links.append(
            render.Download(
                f"data/downloads/{book_name}",
                _("All the data as one Excel workbook ({name})").format(name=book_name),
                size=len(book),
            )
        )
    for name, data in csvs.items():
        files[f"data/downloads/{name}"] = data
    # The same descriptor published beside the downloads (/data/datapackage.json), its paths
    # relative to where it is: a Frictionless tool reads the package straight from the site.
    files["data/datapackage.json"] = write.public_descriptor(
        validation.descriptor, headers, folder="downloads/"
    )
    return links, files


class Public(NamedTuple):
    """Stages 2 to 4 of a report: the public report, what was withheld, statuses, gaps."""

    report: model.Report
    withheld: visibility.Withheld
    statuses: Mapping[str, derive.IndicatorStatus]
    gaps: Mapping[str, Sequence[derive.EquityGap]]


def public_report(validation: Validation, clock: Clock, language: str | None = None) -> Public:
    """The build's stages 2 to 4: the public report of a valid package (its texts in
    ``language``, default its first), what was withheld from it at the clock's moment, and its
    statuses and equity gaps as of that day."""
    assert validation.descriptor is not None
    # 2. Load: the tables into the report model, its texts in the language.
    full = load.to_report(validation.descriptor, validation.tables, language)

    # 3. Withhold, at the clock's moment: nothing after this sees a confidential or embargoed
    # row.
    files = {name: table.file for name, table in validation.tables.items()}
    report, withheld = visibility.withhold(full, now=clock.now, files=files)

    # 4. Derive: statuses and equity gaps, from the public report only.
    statuses = derive.report_statuses(report, as_of=clock.today)
    gaps = derive.report_gaps(report)
    return Public(report, withheld, statuses, gaps)


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
    statements: Sequence[render.Statement] = (),
    archived: render.Archived | None = None,
    history: Sequence[history_.Then] = (),
    public: Public | None = None,
    language: str | None = None,
    pdf: bool = False,
    pdf_cache: Path | None = None,
    before_pdf: Callable[[frozenset[str]], None] | None = None,
) -> Site:
    """The build's stages 2 to 6, in memory: the pages a valid package gives. ``draw`` makes
    the chart files from the charts of each page (the build draws them; the page tests need
    none). ``statements`` are every statement of the site, for the archive's list;
    ``archived`` says the pages are an earlier statement's, and what they say about it;
    ``history`` are the earlier statements as these pages speak of them (what changed). Stages
    2 to 4 are :func:`public_report`, done already where ``public`` is given. With ``pdf``
    (and ``draw``), the PDF of the whole statement is made from the ``/print/`` page's text and
    the charts' SVGs; ``before_pdf`` hears the addresses of every page, once they are known,
    just before the PDF is made (the build starts its other work then)."""
    assert validation.descriptor is not None
    # 2 to 4. Load, withhold, derive: the texts in ``language`` (default the package's first;
    # the words pvreport writes are the current one's, see in_language).
    report, withheld, statuses, gaps = public or public_report(validation, clock, language)

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
            statements=tuple(statements),
            archived=archived,
            history=tuple(history),
            pdf=pdf and draw is not None,
            pdf_cache=pdf_cache,
            before_pdf=before_pdf,
            chart_files=charts,
            created=clock.now.replace(microsecond=0),
            lang=language or contract.languages(validation.descriptor)[0],
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
    alternates: Mapping[str, Any] | None = None,
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
    engine_config = engine_config_for(
        config, nav, report, scripts, styles, alternates, rendered.words
    )
    if rendered.not_in_nav:
        engine_config["not_in_nav"] = "\n".join(rendered.not_in_nav)
    config_text = write.config_text(engine_config)
    (build_dir / "mkdocs.yml").write_text(config_text, encoding="utf-8")
    # Everything the engine builds from, as one digest: the same digest, the same site.
    theme = write.tree_files(overrides)
    digest = hashlib.blake2b(config_text.encode("utf-8"), digest_size=20)
    for rel, data in sorted([*docs.items(), *((f"overrides/{k}", v) for k, v in theme.items())]):
        raw = data.encode("utf-8") if isinstance(data, str) else data
        digest.update(f"{rel}\0{len(raw)}\0".encode())
        digest.update(raw)
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
        "digest": digest.hexdigest(),
    }


def write_part(
    build_dir: Path,
    config: Mapping[str, Any],
    prefix: str,
    part: Site,
    inputs: str,
    url: str,
    *,
    content_dir: Path | None = None,
    alternates: Mapping[str, Any] | None = None,
    engine_name: str = engine.DEFAULT,
) -> Part:
    """A part's docs folder and engine config, under ``build/parts/<prefix>``: the project's
    config with the part's own address (``site_url`` + ``archive/2024-25/``). An earlier
    statement's part has no hand-written pages (they belong to the current statement); another
    language's current statement has them in its language (``content_dir``). ``alternates``
    (:func:`language_links`) are the part's twins in the other languages."""
    folder = build_dir / PARTS_FOLDER / prefix
    folder.mkdir(parents=True, exist_ok=True)
    own = {k: v for k, v in config.items() if k != "site_url"}
    if url:
        own["site_url"] = url + prefix
    docs = write_docs(
        folder,
        own,
        part.report,
        part.rendered,
        {**part.charts, **part.downloads},
        content_dir or folder / "no-content",
        alternates=alternates,
        engine_name=engine_name,
    )
    return Part(
        prefix,
        folder,
        docs["docs_dir"],
        part.report,
        part.withheld,
        [prefix + a for a in docs["addresses"]],
        docs["digest"],
        inputs,
    )


def make_archived(
    job: Archive,
    staged: Path,
    *,
    draw: Callable[[Mapping[str, Any]], Mapping[str, str | bytes]],
    build_dir: Path,
    config: Mapping[str, Any],
    url: str,
    nav_page_limit: int,
    catalogue_dir: Path,
    engine_name: str,
    site_dir: Path,
    caches: Path | None,
    clock: Clock,
    log: _Log,
    scripts: Sequence[str],
) -> Made:
    """Make an earlier statement's part, whole: its pages (stages 5 and 6, from its public
    report, in its language), its docs folder (7), the engine's run into ``staged`` (8; or the
    part as last published, where it was built from exactly this) and the final check of it
    (9). The build runs one in a worker process per core while it builds the current
    statement (:class:`pvreport.workers.Workers`), so it shares nothing but files: its own
    chart and page caches, its own folders, lines appended to the build log."""
    with log.failures("pvreport could not write the pages"):
        with in_language(job.language, catalogue_dir):
            site = render_report(
                job.earlier.validation,
                job.earlier.clock,
                nav_page_limit=nav_page_limit,
                site_url=url + job.prefix if url else "",
                draw=draw,
                public=job.public,
                archived=job.notice,
            )
        part = write_part(
            build_dir,
            config,
            job.prefix,
            site,
            job.inputs,
            url,
            alternates=job.alternates,
            engine_name=engine_name,
        )
    target = staged / job.prefix
    built = not reuse_part(part, site_dir, target)
    summary = ""
    if built:
        summary = run_part_engine(part, target, engine_name, caches, clock, log, parallel=False)
    checks = check.CheckCache(caches / CHECK_CACHE if caches else None)
    wrong = check_part(staged, part, scripts, checks)
    return Made(
        job.prefix,
        part.build_dir,
        part.docs_dir,
        part.addresses,
        part.digest,
        built,
        summary,
        wrong,
        frozenset(checks.clean),
    )


def run_part_engine(
    part: Part,
    target: Path,
    engine_name: str,
    caches: Path | None,
    clock: Clock,
    log: _Log,
    *,
    parallel: bool,
) -> str:
    """The engine builds a part's docs folder into ``target`` (its own navigation and search),
    with the part's own page cache; returns what the progress line adds."""
    target.mkdir(parents=True, exist_ok=True)
    with log.failures(ENGINE_FAILED[engine_name], engine=True):
        return ENGINE_RUNS[engine_name](
            part.build_dir,
            target,
            caches / PARTS_CACHE_FOLDER / _cache_name(part.prefix) / "pages" if caches else None,
            clock,
            log.path,
            parallel=parallel,
        )


def check_part(
    site: Path,
    part: Part,
    scripts: Sequence[str],
    checks: check.CheckCache,
    nested: Sequence[str] = (),
) -> list[str]:
    """The final check of a part's folder of ``site`` against what its own statement withheld
    (the ``nested`` parts inside it left to their own check)."""
    return check.check_site(
        site,
        docs_dir=part.docs_dir,
        addresses=part.addresses,
        canaries=part.withheld.canaries,
        allowed_scripts=scripts,
        cache=checks,
        only=part.prefix,
        skip=nested,
    )


def reuse_part(part: Part, site_dir: Path, target: Path, nested: Sequence[str] = ()) -> bool:
    """Put the part as it was last published into ``target`` (hard links to the published
    site's files), where it was built from exactly what it is built from now; False (and
    nothing done) otherwise. The ``nested`` parts' folders inside it (a language's earlier
    statements, ``en/archive/2024-25/``) are left out: each is a part of its own."""
    published = site_dir / part.prefix
    record = _record(part.build_dir)
    if (record.get("digest"), record.get("site")) != (part.digest, str(site_dir)) or not (
        published / "index.html"
    ).is_file():
        return False
    inside = {(site_dir / p).resolve() for p in nested}

    def ignore(folder: str, names: list[str]) -> set[str]:
        return {n for n in names if (Path(folder) / n).resolve() in inside}

    shutil.copytree(published, target, copy_function=_link_or_copy, symlinks=True, ignore=ignore)
    return True


def _known(earlier: across.Earlier, language: str) -> str | None:
    """``language`` where an earlier statement has it; else None (its own first language)."""
    known = contract.languages(earlier.validation.descriptor)
    return language if language in known else None


def _cache_name(prefix: str) -> str:
    """A part's folder under the caches: ``archive/2024-25/`` -> ``archive-2024-25``."""
    return prefix.strip("/").replace("/", "-")


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def record_part(part: Part, site_dir: Path) -> None:
    """Remember what a published part was built from (see :func:`reuse_part` and
    :func:`kept_part`)."""
    record = {
        "digest": part.digest,
        "inputs": part.inputs,
        "site": str(site_dir),
        "addresses": part.addresses,
    }
    (part.build_dir / PART_RECORD).write_text(json.dumps(record), encoding="utf-8")


def _record(folder: Path) -> dict[str, Any]:
    try:
        found = json.loads((folder / PART_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


@functools.cache
def _pvreport_digest() -> str:
    """pvreport's own code, templates and assets, and the engines' versions: a part made by
    another pvreport is made again."""
    digest = hashlib.blake2b(engine.versions().encode("utf-8"), digest_size=20)
    root = Path(str(resources.files("pvreport")))
    kinds = (".py", ".j2", ".html", ".css", ".js", ".json", ".yaml")
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in kinds:
            digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def part_inputs(
    earlier: across.Earlier, config: Mapping[str, Any], current: frozenset[str], label: str
) -> str:
    """A digest of everything an earlier statement's part is made from: its package's files,
    the moment it is judged at and the build's fixed epoch, the project's config, the current
    statement's period and page addresses (its pages link to them), and pvreport itself."""
    digest = hashlib.blake2b(digest_size=20)
    folder = earlier.validation.package_dir
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
            digest.update(path.read_bytes())
    moment = f"{earlier.clock.now.isoformat()} {earlier.clock.epoch} {label}"
    digest.update(moment.encode("utf-8"))
    digest.update(write.config_text(config).encode("utf-8"))
    digest.update("\n".join(sorted(current)).encode("utf-8"))
    digest.update(_pvreport_digest().encode("utf-8"))
    return digest.hexdigest()


def kept_part(
    build_dir: Path,
    earlier: across.Earlier,
    inputs: str,
    site_dir: Path,
    public: Public,
    prefix: str | None = None,
) -> Part | None:
    """The part as it was last published, where everything it is made from is as it was then
    (its docs folder still in the build folder, its pages in the site): it need not be rendered
    again. None otherwise. ``prefix`` is where the part is in the site, where that is not the
    earlier statement's own folder (``en/archive/2024-25/``: under another language's root)."""
    prefix = prefix or earlier.prefix
    folder = build_dir / PARTS_FOLDER / prefix
    record = _record(folder)
    addresses = record.get("addresses")
    if (
        record.get("inputs") != inputs
        or record.get("site") != str(site_dir)
        or not isinstance(addresses, list)
        or not isinstance(record.get("digest"), str)
        or not (folder / "docs").is_dir()
        or not (site_dir / prefix / "index.html").is_file()
    ):
        return None
    return Part(
        prefix,
        folder,
        folder / "docs",
        public.report,
        public.withheld,
        [str(a) for a in addresses],
        record["digest"],
        inputs,
    )


#: The languages whose words Material's search (lunr) stems; any other is indexed as written.
STEMMED = frozenset(
    ("en", "ar", "da", "de", "du", "el", "es", "fi", "fr", "he", "hi", "hu", "hy", "it", "ja")
    + ("jp", "kn", "ko", "nl", "no", "pt", "ro", "ru", "sa", "sv", "ta", "te", "th", "tr", "vi")
    + ("zh",)
)


def _search_without_stemmer(plugin: Any) -> Any:
    if plugin == "search":
        return {"search": {"pipeline": ["trimmer"]}}
    if isinstance(plugin, Mapping) and "search" in plugin:
        options = dict(plugin["search"] or {})
        options["pipeline"] = ["trimmer"]
        options.pop("lang", None)
        return {"search": options}
    return plugin


def language_links(
    languages: Sequence[str], language: str, url: str, inner: str = ""
) -> dict[str, Any] | None:
    """What a part's pages need to point to the same page in every language: its language, and
    for each language its code, its name in that language, the path from this part's root to
    that language's (``en/`` from the first's root, ``../`` back; ``inner`` is an earlier
    statement's folder, ``archive/2024-25/``, under each language's root) and its full address
    where the site has one. None for a package of one language."""
    if len(languages) < 2:
        return None
    here = ("" if language == languages[0] else f"{language}/") + inner
    up = "../" * here.count("/")
    links = []
    for other in languages:
        there = ("" if other == languages[0] else f"{other}/") + inner
        links.append(
            {
                "lang": other,
                "name": LANGUAGE_NAMES.get(other.split("-")[0], other),
                "path": up + there,
                "url": url + there if url else "",
                "current": other == language,
            }
        )
    return {"language": language, "links": links}


def content_for(content_dir: Path, languages: Sequence[str], language: str, part_dir: Path) -> Path:
    """The hand-written pages of one language's part: ``content/`` itself for a package of one
    language; else a copy under the part's build folder holding each page in that language
    (``about.cy.md`` as ``about.md``; in the first language the pages without a language), the
    other files as they are. A page with no translation (``translations: warn``) is kept in its
    own language, marked as such."""
    if len(languages) < 2 or not content_dir.is_dir():
        return content_dir
    files = write.tree_files(content_dir)
    others = set(languages[1:])
    chosen: dict[str, str | bytes] = {}
    translated: dict[str, bytes] = {}
    for rel, data in files.items():
        stem, _, rest = rel.rpartition("/")[2].partition(".")
        folder = rel.rpartition("/")[0]
        lang = rest.removesuffix(".md") if rest.endswith(".md") and rest != "md" else None
        if lang in others:
            if lang == language:
                translated[(folder + "/" if folder else "") + stem + ".md"] = data
            continue
        chosen[rel] = data
    if language != languages[0]:
        for rel, data in list(chosen.items()):
            if not rel.endswith(".md"):
                continue
            if rel in translated:
                chosen[rel] = translated[rel]
            else:
                text = data.decode("utf-8") if isinstance(data, bytes) else data
                chosen[rel] = f'<div lang="{languages[0]}" markdown="1">\n\n{text}\n\n</div>\n'
    folder = part_dir / "content"
    write.sync_folder(folder, chosen)
    return folder


@contextmanager
def in_language(language: str, catalogue_dir: Path | None = None) -> Iterator[None]:
    """The words pvreport writes in ``language``, for the stretch of the block: its message
    catalogue (:func:`pvreport.messages.translations`), under the project's own in
    ``catalogue_dir`` (``<dir>/<lang>/LC_MESSAGES/pvreport.po``) where it has one."""
    try:
        words = messages.translations(language, catalogue_dir)
    except LookupError:
        # A page that says it is in a language but whose words nobody translated would lie.
        raise BuildError(
            f"pvreport has no catalogue of its words in {language!r}, one of the package's "
            "languages: add one, or remove the language from languages in datapackage.json."
        ) from None
    with messages.language(words):
        yield


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
    alternates: Mapping[str, Any] | None = None,
    words: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The engine config: the project's mkdocs.yml, with what the build needs put over it.
    ``words`` are what pvreport's theme overrides print (the footer's links), in the pages'
    language (``extra.pvreport_words``; :func:`pvreport.site.render.theme_words`).

    In a package of more than one language, ``alternates`` (:func:`language_links`) gives each
    part its language (``theme.language``: ``<html lang>`` and the theme's own words), the
    links to the same page in the other languages (the theme override prints them), and a
    search index that does not stem words of a language lunr has no stemmer for."""
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
    config["extra_javascript"] = page_scripts(project, scripts)
    config["strict"] = True
    if words:
        config["extra"] = {**(config.get("extra") or {}), "pvreport_words": dict(words)}
    if alternates:
        language = str(alternates["language"])
        theme["language"] = language
        extra = dict(config.get("extra") or {})
        extra["pvreport_languages"] = dict(alternates)
        config["extra"] = extra
        if language not in STEMMED:
            # No stemmer (an English one would cut Welsh words wrongly) and no stop words
            # (English ones would drop Welsh words): every word is indexed as written.
            config["plugins"] = [_search_without_stemmer(p) for p in config["plugins"]]
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
