"""The statement as a document: ``/print/``, every section on one page in reading order, and a PDF
of it (PDF/UA-1, made with WeasyPrint) for the papers a board or council is given.

The document is made of the site's own pages: each page's Markdown, its title a heading one level
down and its links turned into links within the document where the page is in it (to the page's
address on the site otherwise), so that it says what the pages say, word for word. The PDF is made
from HTML pvreport writes itself (:func:`document_html`, the same Markdown converted by the same
extensions and sanitiser, in a page of its own with its own print styles), not from a theme's page,
so it is the same whichever engine builds the site.

Same input, same bytes: the PDF's dates are the run's clock and its identifier a hash of its HTML.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import os
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import markdown
from markupsafe import Markup

#: The ``/print/`` page's source under the docs folder.
PRINT_SRC = "print/index.md"
#: A section with more pages than this is given in the document by its index page alone (a
#: national report's thousand measures as one line each, with a link to the measure's page),
#: not page by page: the whole of each would run to thousands of printed pages.
DOCUMENT_PAGE_LIMIT = 50
#: The extensions the document's Markdown is converted with (the build's own, less the theme's).
EXTENSIONS = ("tables", "attr_list", "md_in_html", "admonition", "toc")

# A Markdown link or image made by a template (``[text](target)``): values are escaped, so a
# bracket or parenthesis in the data never makes one.
_LINK = re.compile(r"(!?)\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]\(([^()\s]+)\)")
# A table's caption, for the PDF written as the paragraph before the table: WeasyPrint tags a
# caption left at the foot of a page as a table of its own, with no rows.
_CAPTION = re.compile(r"(<table\b[^<>]*>)\n<caption>(.*?)</caption>\n")
_HEADING = re.compile(r"^(#{1,6}) (.*?)\s*$")
_EXPLICIT_ID = re.compile(r"\{ *#([A-Za-z0-9_-]+)[^}]*\}\s*$")
_ONLINE_ONLY = re.compile(r"<!-- pvreport:online -->.*?<!-- /pvreport:online -->\n?", re.DOTALL)
_CHART_SPEC = re.compile(r' data-vega-spec="[^"]*"')
# A chart's data table, folded away on the site (``<details>``): always shown in the document,
# as a block of its own (a table inside ``<details>`` loses its rows' tags where a page breaks).
_CHART_DATA = re.compile(
    r'<details class="pv-chart-data"([^<>]*)>\n<summary>(.*?)</summary>\n(.*?)\n</details>',
    re.DOTALL,
)


def anchor(src: str) -> str:
    """The id of a page's heading in the document (``indicators/x.md`` -> ``pv-indicators-x``)."""
    stem = src.removesuffix(".md").removesuffix("/index").removesuffix("index")
    return "pv-" + (stem.replace("/", "-").strip("-") or "home")


@dataclasses.dataclass(frozen=True)
class Composer:
    """Turns the site's pages into parts of one document at :data:`PRINT_SRC`.

    ``pages``: every rendered page's Markdown by its source; ``included``: the sources the
    document holds. :meth:`part` gives a page as a part (headings moved down, links made relative
    to the document); :meth:`finish` points the document's links into itself where it holds their
    page, and elsewhere as the caller says (the site's pages, or the site's addresses for the
    PDF)."""

    pages: Mapping[str, str]
    included: frozenset[str]

    def part(self, src: str, level: int, title: str | None = None) -> str:
        """A page as a part of the document: its title (or ``title``, escaped text) a heading of
        ``level`` with the page's anchor, its other headings moved down alike, what only a
        website can do (embed snippets, interactive charts) left out, its charts' data shown."""
        text = _ONLINE_ONLY.sub("", self.pages[src])
        text = _CHART_SPEC.sub("", text)
        # Its caption names it: the site's "show the data" line is not needed.
        text = _CHART_DATA.sub(r'<div class="pv-chart-data"\1>\n\3\n</div>', text)

        def relink(match: re.Match[str]) -> str:
            bang, words, target = match.groups()
            if ":" in target.split("/")[0]:
                return match.group(0)
            path, hash_, fragment = target.partition("#")
            full = _resolve(src, path) if path else src
            return f"{bang}[{words}]({relative_to_document(full + hash_ + fragment)})"

        out = []
        titled = False
        for line in text.splitlines():
            match = _HEADING.match(line)
            if match:
                depth = len(match.group(1))
                if depth == 1 and not titled:
                    titled = True
                    words = title if title is not None else _EXPLICIT_ID.sub("", match.group(2))
                    kind = " .pv-part" if level == 2 else ""
                    line = f"{'#' * level} {words.rstrip()} {{ #{anchor(src)}{kind} }}"
                else:
                    line = "#" * min(6, depth + level - 1) + " " + match.group(2)
            out.append(line)
        return _LINK.sub(relink, "\n".join(out)).strip() + "\n"

    def ids(self, text: str) -> frozenset[str]:
        """The explicit heading ids of a document that name one heading only."""
        found: dict[str, int] = {}
        for line in text.splitlines():
            if _HEADING.match(line):
                explicit = _EXPLICIT_ID.search(line)
                if explicit:
                    found[explicit.group(1)] = found.get(explicit.group(1), 0) + 1
        return frozenset(name for name, n in found.items() if n == 1)

    def _unrepeated(self, text: str, ids: frozenset[str]) -> str:
        """The document without the explicit ids that several of its pages give a heading (each
        objective's ``{ #how-we-know }``): one page would hold the same id twice; those headings
        get ids of their own, and links to them go to their page's part."""
        lines = []
        for line in text.splitlines(keepends=True):
            explicit = _EXPLICIT_ID.search(line) if _HEADING.match(line) else None
            if explicit and explicit.group(1) not in ids:
                line = _EXPLICIT_ID.sub("", line.rstrip("\n")).rstrip() + "\n"
            lines.append(line)
        return "".join(lines)

    def finish(
        self,
        text: str,
        outside: Callable[[str, str], str | None],
        image: Callable[[str], str | None],
    ) -> str:
        """The document with its links into itself where it holds their page; ``outside`` gives
        the link to a page or file it does not hold (``None`` leaves the link's words alone),
        from its path under the docs folder and its fragment, ``image`` an image's address."""
        ids = self.ids(text)
        text = self._unrepeated(text, ids)

        def relink(match: re.Match[str]) -> str:
            bang, words, target = match.groups()
            if ":" in target.split("/")[0] or target.startswith("#"):
                return match.group(0)
            path, _, fragment = target.partition("#")
            full = _resolve(PRINT_SRC, path)
            if bang:
                where = image(full)
                return f"![{words}]({where})" if where else words
            if full in self.included:
                return f"[{words}](#{fragment if fragment in ids else anchor(full)})"
            where = outside(full, fragment)
            return f"[{words}]({where})" if where else words

        return _LINK.sub(relink, text)


def _resolve(from_src: str, path: str) -> str:
    return posixpath.normpath(posixpath.join(posixpath.dirname(from_src), path))


def relative_to_document(target: str) -> str:
    """A docs path (with its fragment) as a link from the document's page."""
    path, hash_, fragment = target.partition("#")
    return posixpath.relpath(path, posixpath.dirname(PRINT_SRC)) + hash_ + fragment


# ----------------------------------------------------------------------------------------------
# The PDF


def document_html(
    text: str,
    *,
    env: Any,
    extensions: Sequence[Any],
    title: str,
    lang: str,
    created: dt.datetime,
) -> str:
    """The document's Markdown as a standalone HTML page for the PDF: the same extensions and
    sanitiser as the site's pages, the document's own print styles, its title, language and
    dates in the head (WeasyPrint reads them)."""
    text = _CAPTION.sub(r'<p class="pv-caption">\2</p>\n\n\1\n', text)
    body = markdown.markdown(text, extensions=[*EXTENSIONS, *extensions], output_format="html")
    return env.get_template("print.html.j2").render(
        body=Markup(body),
        title=title,
        lang=lang,
        created=created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        css=Markup(_stylesheet()),
    )


def _stylesheet() -> str:
    return (resources.files("pvreport") / "templates" / "print.css").read_text(encoding="utf-8")


#: Where the PDF's HTML is said to be, so that its images' relative addresses resolve; nothing
#: is read from there: the fetcher serves the build's own files from memory.
_BASE = "file:///pvreport-document/"


def _fetcher(files: Mapping[str, str | bytes]) -> Any:
    import weasyprint

    class _Files(weasyprint.URLFetcher):  # type: ignore[misc]
        """The build's files (the charts' SVGs) from memory; nothing else, and no network."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            path = url.removeprefix(_BASE)
            data = files.get(path) if url.startswith(_BASE) else None
            if data is None:
                raise ValueError(f"the document reads only the build's own files, not {url}")
            body = data.encode("utf-8") if isinstance(data, str) else data
            kind = "image/svg+xml" if path.endswith(".svg") else "application/octet-stream"
            return weasyprint.urls.URLFetcherResponse(url, body, {"Content-Type": kind})

    return _Files()


def make_pdf(html: str, files: Mapping[str, str | bytes]) -> bytes:
    """The PDF of a document's HTML, its images read from ``files`` (paths under the docs
    folder): PDF/UA-1 (tagged, its language and title set and shown, an outline from the
    headings), fonts embedded; the same HTML gives the same bytes (its identifier is the HTML's
    hash, its dates come from the HTML)."""
    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    identifier = hashlib.blake2b(html.encode("utf-8"), digest_size=16).hexdigest().encode("ascii")
    page = weasyprint.HTML(
        string=html,
        base_url=_BASE + PRINT_SRC.removesuffix(".md") + ".html",
        url_fetcher=_fetcher(files),
    )
    return page.write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=identifier)


def make_pdf_apart(html: str, files: Mapping[str, str | bytes]) -> bytes:
    """:func:`make_pdf` in a Python process of its own, started afresh (``spawn``): WeasyPrint's
    layout of a national report's document holds a few hundred megabytes, which would otherwise
    come on top of everything the build holds at that moment (the model, the pages, the charts).
    The same bytes as :func:`make_pdf`; its error, if it fails, is raised here."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            return pool.submit(make_pdf, html, dict(files)).result()
    except BrokenProcessPool as error:
        raise RuntimeError(
            "the process making the PDF stopped before it finished (was it out of memory?); "
            "set pdf: false in the pvreport plugin's options to build the site without it"
        ) from error


def shown_files(html: str, files: Mapping[str, str | bytes]) -> dict[str, str | bytes]:
    """The files a document's HTML may show: the charts' drawings (SVG) whose path is in it.
    Nothing else is read by the PDF (:func:`_fetcher` serves only these)."""
    return {path: body for path, body in files.items() if path.endswith(".svg") and path in html}


def cached_pdf(html: str, files: Mapping[str, str | bytes], cache_dir: Path | None) -> bytes:
    """:func:`make_pdf`, kept in ``cache_dir`` by a digest of everything it is made from (the
    HTML, the files it may show, the versions of WeasyPrint and pvreport): a rebuild whose
    document did not change does not make it again (a national report's takes half a minute).
    Safe to delete; the few most recent documents are kept. The PDF is made in a process of its
    own (:func:`make_pdf_apart`)."""
    files = shown_files(html, files)
    if cache_dir is None:
        return make_pdf_apart(html, files)
    from importlib import metadata

    digest = hashlib.blake2b(digest_size=20)
    for name in ("weasyprint", "pvreport"):
        try:
            digest.update(f"{name} {metadata.version(name)}\n".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name} ?\n".encode())
    digest.update(html.encode("utf-8"))
    for path in sorted(files):
        body = files[path]
        digest.update(b"\0" + path.encode("utf-8") + b"\0")
        digest.update(body.encode("utf-8") if isinstance(body, str) else body)
    kept = cache_dir / f"{digest.hexdigest()}.pdf"
    if kept.is_file():
        os.utime(kept)
        return kept.read_bytes()
    data = make_pdf_apart(html, files)
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = kept.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(kept)
    # One document per language and statement is in use at a time: keep the most recent few.
    older = sorted(cache_dir.glob("*.pdf"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in older[_KEPT_DOCUMENTS:]:
        stale.unlink(missing_ok=True)
    return data


#: How many documents the PDF cache keeps (each language's and a few earlier builds').
_KEPT_DOCUMENTS = 8


def size_words(n: int) -> str:
    """A file's size as a reader is told it: "PDF, 1.2 MB", "PDF, 340 KB"."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} MB"
    return f"{max(1, round(n / 1000))} KB"


def sections_shown(counts: Iterable[tuple[str, int]]) -> dict[str, bool]:
    """For each section, whether the document gives its pages one by one (at most
    :data:`DOCUMENT_PAGE_LIMIT`) or its index page alone."""
    return {name: n <= DOCUMENT_PAGE_LIMIT for name, n in counts}
