"""The engine run: MkDocs builds the docs folder, in this process, with a page cache; or
Zensical does, as its own process with its own cache (:func:`run_zensical`, at the end).

The docs folder and ``build/mkdocs.yml`` are plain MkDocs input that any compatible engine builds
without pvreport. When pvreport runs the engine itself it adds one thing, in memory only: a cache
of the two costly steps per page, Python-Markdown's conversion and Material's search-index entry,
under ``.pvreport/cache/pages`` (JSON files named by a hash; safe to delete). A page whose
Markdown, address, set of site files and engine versions are all as they were in the last good
build is not converted again: its HTML, table of contents and anchors come from the cache. A
rebuild after one changed result row therefore converts only the pages that changed, while the
theme still lays out every page and the navigation, search index and sitemap are made afresh.

On a machine with more than one core, helper processes (forked) convert a share of the pages
at the same time and hand their entries over the same way (see :class:`_Helper`).

Charts and downloads reach the site as hard links to the docs folder's files rather than
copies (see :func:`_link_static_files`).

Entries are written only after a build that succeeded (MkDocs strict mode fails a build on any
warning, and a cached page would not warn again), and entries no page used are deleted then, so
the cache holds one build's pages.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import itertools
import json
import logging
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from .. import workers
from . import DEFAULT, ENGINES  # noqa: F401 (engine.ENGINES, engine.DEFAULT)

#: Bump when what an entry holds changes.
CACHE_FORMAT = "1"


# -- MkDocs internals ----------------------------------------------------------------------------
#
# The one place pvreport reaches past MkDocs' plugin events: the methods it replaces, the private
# function it calls and the attributes it reads and sets. A method is replaced on one object for
# one build (through ``_replace``), never on its class, so MkDocs stays as it was for any other
# build in the process. tests/test_engine_internals.py fails loudly when an upgrade of MkDocs or
# Material changes any of them.


@dataclasses.dataclass(frozen=True)
class Internal:
    """A function or method of MkDocs or Material that pvreport replaces or calls, with the
    parameters it relies on, and why."""

    module: str
    #: ``Class.method`` or ``function``.
    name: str
    parameters: tuple[str, ...]
    why: str


INTERNALS = (
    Internal(
        "mkdocs.structure.pages",
        "Page.render",
        ("self", "config", "files"),
        "replaced on each page: a cached page gets its HTML, table of contents, title and anchors "
        "from the cache instead of being converted (PageCache.page_markdown)",
    ),
    Internal(
        "material.plugins.search.plugin",
        "SearchIndex.add_entry_from_context",
        ("self", "page"),
        "replaced on the build's search index: a cached page's search entries come from the "
        "cache (PageCache.attach; with another theme than Material, the index is made afresh)",
    ),
    Internal(
        "mkdocs.structure.files",
        "File.copy_file",
        ("self", "dirty"),
        "replaced on each chart and download: a hard link instead of a copy (_link_static_files)",
    ),
    Internal(
        "mkdocs.commands.build",
        "_populate_page",
        ("page", "config", "files", "dirty"),
        "called in a helper process to convert its share of the pages as MkDocs does (_convert)",
    ),
    Internal(
        "mkdocs.plugins",
        "PluginCollection.__setitem__",
        ("self", "key", "value"),
        "adds the engine's plugin to a loaded config, registering its events (run)",
    ),
)

#: What the replacements read and set beyond the plugin API, by class: a cached page sets what
#: ``Page.render`` sets; a linked file reads where ``File.copy_file`` would copy from and to.
ATTRIBUTES = {
    "mkdocs.structure.pages.Page": (
        "content",
        "toc",
        "_title_from_render",
        "present_anchor_ids",
        "links_to_anchors",
    ),
    "mkdocs.structure.files.File": ("_content", "abs_src_path", "abs_dest_path"),
    "material.plugins.search.plugin.SearchIndex": ("entries",),
}


def _replace(owner: Any, name: str, replacement: Callable[..., Any]) -> None:
    """Replace ``owner``'s method ``name`` for this build: on the object, not its class."""
    if not callable(getattr(owner, name, None)):
        raise TypeError(f"{type(owner).__qualname__} has no method {name}: MkDocs has changed")
    setattr(owner, name, replacement)


def _digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def versions() -> str:
    """Everything outside the page that shapes its HTML: the engine's packages and pvreport's own
    Markdown extension (its source, so an edit to the sanitiser invalidates every page)."""
    # Here, not at the top: importlib.metadata costs 20 ms, and `pvreport validate` imports
    # this module for its --engine choices.
    from importlib import metadata

    names = ("mkdocs", "markdown", "mkdocs-material", "pymdown-extensions", "nh3")
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} -")
    source = (resources.files("pvreport") / "site" / "render.py").read_bytes()
    return _digest(CACHE_FORMAT, *found, source)


def _toc_tokens(items: Any) -> list[dict[str, Any]]:
    return [
        {"level": a.level, "id": a.id, "name": a.title, "children": _toc_tokens(a.children)}
        for a in items
    ]


#: An element the search index leaves out (``data-search-exclude``: a page's data tables).
_EXCLUDED = re.compile(r"<(table|details|div|figure|section)\b[^<>]*\bdata-search-exclude\b[^<>]*>")
_HEADING = re.compile(r"<h[1-6][\s>]")


def searchable(html: str) -> str:
    """A page's HTML without the elements Material's search plugin leaves out of its index
    (``data-search-exclude``: the data tables, most of a measure's page), so the plugin's HTML
    parser does not walk their thousands of cells only to skip them. The index it makes is the
    same (``tests/test_engine_cache.py`` compares the two indexes of a built project): the
    plugin skips everything inside such an element, and an element is cut only where it closes
    and holds no heading, which would open a section of the index."""
    out: list[str] = []
    at = 0
    for opener in _EXCLUDED.finditer(html):
        if opener.start() < at:
            continue  # inside an element already cut
        tag = opener.group(1)
        tags = re.compile(rf"<(/?){tag}\b[^<>]*>")
        depth, end = 1, -1
        for found in tags.finditer(html, opener.end()):
            depth += -1 if found.group(1) else 1
            if depth == 0:
                end = found.end()
                break
        if end < 0 or _HEADING.search(html, opener.end(), end):
            continue
        out.append(html[at : opener.start()])
        at = end
    out.append(html[at:])
    return "".join(out)


class PageCache:
    """The cache, attached to one MkDocs config for one build (see the module's docstring)."""

    def __init__(self, folder: Path | None) -> None:
        #: None: nothing is read or written, but helpers still share the conversion.
        self.folder = folder
        self.used: set[str] = set()
        self.pending: dict[str, dict[str, Any]] = {}
        self.hits = 0
        self.misses = 0
        #: Pages whose search entries came from the cache.
        self.indexed = 0
        #: Entries a helper process made during this build, by key (see :class:`_Helper`).
        self.helped: dict[str, dict[str, Any]] = {}
        self.helpers: list[_Helper] = []
        self.index: Any = None
        self._base = ""
        self._files = ""

    # -- storage ---------------------------------------------------------------------------------

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / f"{key}.json"

    def _load(self, key: str) -> dict[str, Any] | None:
        if key in self.helped:
            # Made by a helper in this build: new to the cache, so saved with the build.
            entry = self.helped[key]
            self.pending[key] = entry
            self.misses += "content" in entry
            return entry
        if self.folder is None:
            return None
        try:
            entry = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # absent, or a damaged entry: convert the page again
        if isinstance(entry, dict):
            self.used.add(key)
            self.hits += "content" in entry
            return entry
        return None

    def save(self) -> None:
        """After a good build: write the new entries, delete the ones no page used."""
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        for key, entry in self.pending.items():
            fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(entry, handle, ensure_ascii=False, separators=(",", ":"))
            os.replace(tmp, self._path(key))
        keep = self.used | set(self.pending)
        for path in self.folder.iterdir():
            if path.suffix in (".json", ".tmp") and path.stem not in keep:
                path.unlink(missing_ok=True)
        self.pending.clear()

    # -- the hooks -------------------------------------------------------------------------------

    def attach(self, config: Any) -> None:
        """Wrap the config's search index, once Material's search plugin has made it
        (``on_config``). MkDocs' own search plugin makes its index later and keeps its entries
        elsewhere: with another theme, search entries are made afresh on every build."""
        md = json.dumps(
            [config.get("markdown_extensions"), config.get("mdx_configs")],
            sort_keys=True,
            default=repr,
        )
        self._base = _digest(versions(), md, repr(config.get("use_directory_urls")))
        index = getattr(config.plugins.get("material/search"), "search_index", None)
        if index is not None:
            _replace(index, "add_entry_from_context", self._search_entries(index))
            self.index = index

    def files_changed(self, files: Any) -> None:
        """Links are resolved against the site's files: a page's entry holds while they hold."""
        listing = "\n".join(sorted(f"{f.src_uri}\t{f.dest_uri}\t{f.url}" for f in files))
        self._files = _digest(listing)

    def page_markdown(self, markdown: str, page: Any, files: Any) -> None:
        """Give this page a render that reads the cache, or fills it."""
        for helper in self.helpers:
            if page.file.src_uri in helper.pages:
                self.helped.update(helper.results())
        key = _digest("page", self._base, self._files, page.file.src_uri, page.url, markdown)
        entry = self._load(key)
        original: Callable[..., None] = page.render

        def cached(config: Any, files: Any) -> None:
            from mkdocs.structure.toc import get_toc

            assert entry is not None
            page.content = entry["content"]
            page.toc = get_toc(entry["toc"])
            page._title_from_render = entry["title"]
            page.present_anchor_ids = set(entry["anchors"])
            if logging.getLogger("mkdocs").getEffectiveLevel() > logging.DEBUG:
                links = {}
                for src, anchors in entry["links"].items():
                    target = files.get_file_from_path(src)
                    if target is not None:
                        links[target] = anchors
                page.links_to_anchors = links

        def filling(config: Any, files: Any) -> None:
            original(config, files)
            self.misses += 1
            self.pending[key] = {
                "content": page.content,
                "toc": _toc_tokens(page.toc),
                "title": page._title_from_render,
                "anchors": sorted(page.present_anchor_ids or ()),
                "links": {
                    f.src_uri: dict(anchors)
                    for f, anchors in (getattr(page, "links_to_anchors", None) or {}).items()
                },
            }

        _replace(page, "render", cached if entry is not None else filling)

    def _search_entries(self, index: Any) -> Callable[[Any], None]:
        original = index.add_entry_from_context

        def add(page: Any) -> None:
            key = _digest(
                "search",
                self._base,
                page.url,
                str(page.title),
                json.dumps(page.meta, sort_keys=True, default=repr),
                json.dumps(_toc_tokens(page.toc or [])),
                page.content or "",
            )
            entry = self._load(key)
            if entry is not None:
                index.entries.extend(entry["entries"])
                self.indexed += 1
                return
            before = len(index.entries)
            content = page.content
            page.content = searchable(content or "")
            try:
                original(page)
            finally:
                page.content = content
            self.pending[key] = {"entries": index.entries[before:]}

        return add


#: Below this many pages, starting a helper costs more than it saves.
PARALLEL_PAGES = 200
#: How a helper's share is cut: a helper converts and indexes its pages, while the main process
#: converts its own, then indexes them and lays out every page, so a helper can take more than
#: an even share and still be done when the main process reaches its pages. On L with one
#: helper (46% of the Markdown): the main process spends 15 s of CPU instead of 23 s and waits
#: for the helper under half a second, on a machine busy with other work.
_HELPER_WEIGHT = 6.0


class _Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


class _Helper:
    """A forked copy of the engine that converts a share of the pages (Markdown and search
    entries) while the main process converts the rest, and hands back cache entries.

    The share is the last pages in build order, so the main process reaches them last. A page
    whose conversion warned is left out: the main process converts it again, so the warning is
    logged and fails a strict build as usual. If the helper fails or hangs, the main process
    converts its pages itself. Linux only (fork).
    """

    def __init__(self, pid: int, out: Path, pages: frozenset[str], budget: float) -> None:
        self.pid, self.out, self.pages, self.budget = pid, out, pages, budget
        self._done: dict[str, dict[str, Any]] | None = None

    def results(self) -> dict[str, dict[str, Any]]:
        if self._done is None:
            self._done = self._collect()
        return self._done

    def _collect(self) -> dict[str, dict[str, Any]]:
        import time

        deadline = time.monotonic() + self.budget
        status = None
        while status is None:
            pid, code = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                status = code
            elif time.monotonic() > deadline:
                self.stop()
                return {}
            else:
                time.sleep(0.005)
        try:
            found = json.loads(self.out.read_text(encoding="utf-8")) if status == 0 else {}
        except (OSError, ValueError):
            found = {}
        finally:
            self.out.unlink(missing_ok=True)
        return found if isinstance(found, dict) else {}

    def stop(self) -> None:
        """Kill and reap the helper if it is still running (a failed build, a hang)."""
        import signal

        with contextlib.suppress(ChildProcessError, ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        self.out.unlink(missing_ok=True)
        self._done = self._done or {}


def _start_helpers(cache: PageCache, config: Any, files: Any) -> None:
    """Fork helpers for a share of the pages, where there are cores and pages enough."""
    import sys

    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return
    pages = list(files.documentation_pages())
    helpers = min(workers.cores(), 4) - 1
    if helpers < 1 or len(pages) < PARALLEL_PAGES:
        return
    sizes = [os.path.getsize(f.abs_src_path) if f.abs_src_path else 0 for f in pages]
    total = sum(sizes) or 1
    share = _HELPER_WEIGHT / (_HELPER_WEIGHT * (helpers + 1) + 1)
    # Cut the pages, in build order, into the main process's share and one share per helper.
    cuts, running, goal = [], 0, total * (1 - share * helpers)
    for i, size in enumerate(sizes):
        if running >= goal and len(cuts) < helpers:
            cuts.append(i)
            goal += total * share
        running += size
    bounds = [*cuts, len(pages)]
    for start, end in itertools.pairwise(bounds):
        chunk = pages[start:end]
        if not chunk:
            continue
        fd, name = tempfile.mkstemp(prefix="pvreport-pages-", suffix=".json")
        os.close(fd)
        out = Path(name)
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the helper's side, measured by its results
            code = 1
            try:
                _convert(cache, config, files, chunk, out)
                code = 0
            finally:
                os._exit(code)
        # A hung helper is given up on after a generous time: its pages are converted here.
        cache.helpers.append(_Helper(pid, out, frozenset(f.src_uri for f in chunk), 600.0))


def _convert(cache: PageCache, config: Any, files: Any, chunk: Sequence[Any], out: Path) -> None:
    """In the helper: convert the pages as MkDocs would and write the new cache entries."""
    import gc

    from mkdocs.commands.build import _populate_page
    from mkdocs.structure.pages import Page

    gc.disable()  # a short-lived copy: collecting would only touch the parent's pages
    logger = logging.getLogger("mkdocs")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    counter = _Counter()
    logger.addHandler(counter)
    logger.propagate = False
    cache.helpers = []
    cache.pending = {}
    index = cache.index
    kept: dict[str, dict[str, Any]] = {}
    for file in chunk:
        page = file.page if file.page is not None else Page(None, file, config)
        counter.count = 0
        before = set(cache.pending)
        _populate_page(page, config, files)
        if index is not None:
            index.entries = []
            index.add_entry_from_context(page)
        if counter.count == 0:
            kept.update({k: v for k, v in cache.pending.items() if k not in before})
    out.write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")


def _link_static_files(files: Any, docs_dir: str) -> None:
    """The engine copies every chart and download into the site; a hard link to the docs
    folder's file gives the same bytes without reading and writing them (a national report has
    ten thousand). Safe because pvreport never rewrites a docs file in place
    (:func:`pvreport.site.write.sync_folder` writes a new file and renames it); where a link cannot be
    made (another file system), the file is copied as before."""
    root = os.path.realpath(docs_dir) + os.sep
    for file in files:
        source = file.abs_src_path
        if file.is_documentation_page() or not source or not source.startswith(root):
            continue
        if getattr(file, "_content", None) is not None:
            continue  # made in memory by a plugin: nothing on disk to link to
        original = file.copy_file

        def linked(dirty: bool = False, *, file: Any = file, original: Any = original) -> None:
            dest = file.abs_dest_path
            try:
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                if os.path.lexists(dest):
                    os.unlink(dest)
                os.link(file.abs_src_path, dest)
            except OSError:
                original(dirty)

        _replace(file, "copy_file", linked)


def _plugin(cache: PageCache | None, parallel: bool) -> Any:
    from mkdocs.plugins import BasePlugin

    class EnginePlugin(BasePlugin):  # type: ignore[type-arg]
        # Last of all: the search plugin's index exists, and every other plugin has changed the
        # Markdown before the page's key is taken.
        def on_config(self, config: Any) -> Any:
            if cache is not None:
                cache.attach(config)
            return config

        def on_files(self, files: Any, *, config: Any) -> Any:
            if cache is not None:
                cache.files_changed(files)
            _link_static_files(files, config.docs_dir)
            return files

        def on_nav(self, nav: Any, *, config: Any, files: Any) -> Any:
            if cache is not None and parallel:
                _start_helpers(cache, config, files)
            return nav

        def on_page_markdown(self, markdown: str, *, page: Any, config: Any, files: Any) -> str:
            if cache is not None:
                cache.page_markdown(markdown, page, files)
            return markdown

    return EnginePlugin()


def run(
    config_file: Path, site_dir: Path, cache_dir: Path | None = None, *, parallel: bool = True
) -> PageCache:
    """MkDocs builds the docs folder into ``site_dir``, strict: any warning fails it.

    With ``cache_dir``, pages are taken from and added to the page cache there. With
    ``parallel``, helper processes convert a share of the pages on the other cores. Returns the
    cache with its counts.
    """
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    config = load_config(config_file=str(config_file), site_dir=str(site_dir), strict=True)
    cache = PageCache(cache_dir)
    config.plugins["pvreport/engine"] = _plugin(cache, parallel)
    try:
        mkdocs_build(config)
    finally:
        for helper in cache.helpers:
            helper.stop()
    cache.save()
    return cache


# ----------------------------------------------------------------------------------------------
# Zensical

# ENGINES and DEFAULT (the engines pvreport can run, and the default) are defined in the
# package, pvreport.site, so that the command line lists them without importing this module;
# imported at the top, they are this module's too (engine.ENGINES).
#: Where Zensical writes the site (it accepts only a folder beside its config file): the
#: ``site_dir`` of ``build/mkdocs.yml``, emptied before and after each run.
ZENSICAL_SITE = "site"


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class EngineMissing(Exception):
    """The chosen engine is not installed in this environment."""


@dataclasses.dataclass(frozen=True)
class TemplateFix:
    """One change to a template of Zensical's own theme: ``old`` replaced by ``new`` in
    ``template``, for the reason given (what a browser check found)."""

    template: str
    old: str
    new: str
    reason: str


_HOME_HREF = 'href="{{ config.extra.homepage | d(nav.homepage.url, true) | url }}"'
# On the home page Zensical's url filter makes the home page's address "", and an empty href
# is no link to HTML_CodeSniffer (pa11y: H91.A.EmptyNoId); "./" is the same page.
_HOME_HREF_FIXED = (
    "href=\"{{ (config.extra.homepage | d(nav.homepage.url, true) | url) or './' }}\""
)

#: Where Zensical's theme (0.0.73) fails the browser checks that Material with pvreport's fixes
#: passes, and what pvreport changes. The templates are written into the theme overrides of a
#: Zensical build only (Material has its own); ``tests/test_engines.py`` fails when a newer
#: Zensical no longer has the text a fix replaces, and a build leaves that template as it is.
ZENSICAL_TEMPLATE_FIXES = (
    TemplateFix(
        "base.html",
        '<label class="md-overlay" for="__drawer" aria-hidden="true"></label>',
        '<label class="md-overlay" for="__drawer"></label>',
        "Nu: aria-hidden must not be used on a label associated with a form control (the "
        "overlay that closes the drawer; Material writes it without)",
    ),
    TemplateFix(
        "partials/header.html",
        _HOME_HREF,
        _HOME_HREF_FIXED,
        "pa11y H91.A.EmptyNoId: the logo's link to the home page has an empty address there",
    ),
    TemplateFix(
        "partials/nav.html",
        _HOME_HREF,
        _HOME_HREF_FIXED,
        "pa11y H91.A.EmptyNoId: the drawer logo's link to the home page has an empty address",
    ),
)


def zensical_templates() -> dict[str, str]:
    """The templates of Zensical's installed theme that :data:`ZENSICAL_TEMPLATE_FIXES` change,
    changed, by path under the theme; a template whose fix no longer applies is left out (kept
    as Zensical has it). Empty where Zensical is not installed."""
    import importlib.util

    # Found, not imported: Zensical runs as its own process.
    spec = importlib.util.find_spec("zensical")
    if spec is None or not spec.submodule_search_locations:
        return {}
    theme = Path(next(iter(spec.submodule_search_locations))) / "templates"
    texts: dict[str, str] = {}
    for fix in ZENSICAL_TEMPLATE_FIXES:
        path = theme / fix.template
        text = texts.get(fix.template) or (path.read_text("utf-8") if path.is_file() else "")
        if fix.old in text:
            texts[fix.template] = text.replace(fix.old, fix.new)
    return texts


def zensical_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("zensical") is not None


def run_zensical(
    config_file: Path, site_dir: Path, *, log: Path, clean: bool = False, epoch: int | None = None
) -> str:
    """Zensical builds the docs folder into ``site_dir`` (an existing, empty folder), strict.

    Zensical runs as its own process (``python -m zensical build``): it is a Rust program that
    calls back into Python for the Markdown, so pvreport (the ``pvreport.site.render`` extension) must
    be importable in this environment. It keeps its own cache in ``.cache`` beside the config
    (``clean`` clears it first) and runs no MkDocs plugin, which pvreport does not need: the
    pages are files. Its output goes to the build log. Returns its version.
    """
    import shutil
    import subprocess
    import sys

    if not zensical_installed():
        raise EngineMissing(
            "Zensical is not installed here. Install it with: pip install 'pvreport[zensical]' "
            "(or build with --engine mkdocs)."
        )
    from importlib import metadata

    version = metadata.version("zensical")
    out = config_file.parent / ZENSICAL_SITE
    _empty(out)
    env = dict(os.environ)
    if epoch is not None:
        env["SOURCE_DATE_EPOCH"] = str(epoch)
    command = [sys.executable, "-m", "zensical", "build", "-f", str(config_file), "--strict"]
    if clean:
        command.append("--clean")
    try:
        done = subprocess.run(
            command,
            cwd=config_file.parent,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            check=False,
        )
        # Zensical colours its report whatever the terminal: the log gets plain text.
        said = _ANSI.sub("", done.stdout.decode("utf-8", "replace"))
        with log.open("a", encoding="utf-8") as handle:
            handle.write(f"zensical {version}: {' '.join(command[1:])}\n{said}")
        if done.returncode != 0:
            raise RuntimeError(f"zensical build exited with code {done.returncode}")
        if not (out / "index.html").is_file():
            raise RuntimeError(f"zensical build wrote no home page into {out}")
        for entry in out.iterdir():
            shutil.move(str(entry), str(site_dir / entry.name))
    finally:
        _empty(out)
    return version


def _empty(folder: Path) -> None:
    import shutil

    if folder.is_dir() and not folder.is_symlink():
        shutil.rmtree(folder)
    elif folder.exists() or folder.is_symlink():
        folder.unlink()
