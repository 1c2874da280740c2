"""A thin MkDocs plugin over :mod:`pvreport.build`, so that ``mkdocs serve`` shows the report.

``plugins: [search, pvreport: {package: datapackages/example}]`` in ``mkdocs.yml``. On every
(re)build it validates the package and writes the generated pages with the same library call as
``pvreport build`` (:func:`pvreport.build.build` with ``publish=False``, into ``build/serve/``), then hands them to
MkDocs as generated files next to the hand-written pages of ``docs_dir``; a hand-written page with
the same address wins. ``mkdocs serve`` also watches the package folder, so editing a CSV reloads
the site. Publishing goes through ``pvreport build``, which checks the site before swapping it in.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel
from pathspec.gitignore import GitIgnoreSpec

from .. import build
from . import render, write

log = logging.getLogger("mkdocs.plugins.pvreport")
#: Set by ``pvreport serve --package DIR``: the package to preview, over the ``package`` option.
PACKAGE_VARIABLE = "PVREPORT_PACKAGE"


class PvreportConfig(base.Config):
    package = c.Optional(c.Type(str))
    #: The earlier statements' packages, newest first (each published under /archive/<period>/
    #: by pvreport build; mkdocs serve previews the current statement).
    previous = c.ListOfItems(c.Type(str), default=[])
    strict = c.Type(bool, default=False)
    as_of = c.Optional(c.Type(str))
    #: Sections with more pages than this list only their index page in the navigation.
    nav_page_limit = c.Type(int, default=render.NAV_PAGE_LIMIT)
    #: The limits of pvreport.tables.limits (read by build.build from mkdocs.yml): named here so that
    #: MkDocs accepts them; a size may be a number of bytes or text such as "1GB".
    max_file_size = c.Optional(c.Type((int, str)))
    max_rows = c.Optional(c.Type(int))
    max_cell_length = c.Optional(c.Type(int))
    max_columns = c.Optional(c.Type(int))
    #: The readability thresholds of pvreport.validate.readability.Thresholds (read by build.build).
    min_reading_ease = c.Optional(c.Type((int, float)))
    max_sentence_words = c.Optional(c.Type(int))
    #: The engine pvreport build runs (pvreport.site.engine.ENGINES); the plugin itself runs in
    #: MkDocs whatever it says.
    engine = c.Optional(c.Choice(("mkdocs", "zensical")))
    #: A missing translation is an error (the default) or, with ``warn``, a warning (the text is
    #: shown in the first language, marked with its ``lang``).
    translations = c.Optional(c.Choice(("error", "warn")))
    #: The project's own message catalogues, ``<folder>/<lang>/LC_MESSAGES/pvreport.po``
    #: (default ``locale``): a language pvreport does not ship, or its own words for any string.
    catalogues = c.Optional(c.Type(str))
    #: The PDF of the whole statement in /print/ (``pdf: false`` leaves it out; read by
    #: build.build).
    pdf = c.Type(bool, default=True)


class PvreportPlugin(BasePlugin[PvreportConfig]):
    built: build.Built | None = None
    package_dir: Path | None = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        project = Path(config.config_file_path or ".").resolve().parent
        as_of = dt.date.fromisoformat(self.config.as_of) if self.config.as_of else None
        # `pvreport serve --package DIR` names the package for this run.
        named = os.environ.get(PACKAGE_VARIABLE) or self.config.package
        self.package_dir = (project / named).resolve() if named else None
        try:
            # MkDocs empties site_dir before it builds: the build refuses one that holds the
            # project's own folders or someone else's files, as `pvreport build` does.
            built = build.build(
                project,
                package_dir=self.package_dir,
                site_dir=Path(config.site_dir),
                site_dir_option="site_dir in mkdocs.yml",
                strict=self.config.strict,
                as_of=as_of,
                notify=log.info,
                # MkDocs builds the docs folder and reads the hand-written pages in place.
                publish=False,
                build_dir=project / build.BUILD_FOLDER / "serve",
            )
        except build.BuildError as error:
            lines = [str(error)]
            lines += [
                f"{p.location()}: [{p.field or ''}] {p.message} ({p.code})" for p in error.problems
            ]
            raise PluginError("\n".join(lines)) from error
        self.built = built
        self.package_dir = built.validation.package_dir
        engine: dict[str, Any] = built.config
        config.site_name = engine["site_name"]
        config.nav = built.nav
        config.extra_css = [*engine["extra_css"]]
        config.extra_javascript = [*engine["extra_javascript"]]
        config.theme.dirs.insert(0, str(built.docs_dir.parent / "overrides"))
        return config

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        # Marked as a site pvreport published, so that a build may replace it later.
        site = Path(config.site_dir)
        (site / write.SITE_MARKER).write_text(write.SITE_MARKER_TEXT, encoding="utf-8")

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        assert self.built is not None
        docs = self.built.docs_dir
        # Pages left out of a long navigation section (see render.NAV_PAGE_LIMIT).
        hidden = GitIgnoreSpec.from_lines(str(self.built.config.get("not_in_nav", "")).splitlines())
        for path in sorted(docs.rglob("*")):
            rel = path.relative_to(docs).as_posix()
            if path.is_file() and files.get_file_from_path(rel) is None:
                inclusion = (
                    InclusionLevel.NOT_IN_NAV
                    if hidden.match_file(rel)
                    else InclusionLevel.UNDEFINED
                )
                files.append(
                    File.generated(config, rel, abs_src_path=str(path), inclusion=inclusion)
                )
        return files

    def on_serve(self, server: Any, /, *, config: MkDocsConfig, builder: Any) -> Any:
        if self.package_dir is not None:
            server.watch(str(self.package_dir))
        return server
