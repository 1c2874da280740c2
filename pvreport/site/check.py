"""The final check of a freshly built site, before it is published.

What must never be in a page (event-handler attributes, script addresses, scripts that are not
the theme's or pvreport's, a second title), every page the build rendered is there, and no file a
reader gets (pages, SVGs, the search index, CSVs, zips, the workbook, the docs folder's sources)
holds a text of a withheld row (a :class:`pvreport.report.visibility.Canary`), found whole in what
a reader gets.

It knows nothing of the build: it is given the folders, the addresses, the canaries and the
allowed scripts. :class:`CheckCache` remembers what it found clean, so that a rebuild after one
changed row reads only the files that changed.
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import hashlib
import html
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..progress import count
from ..report import visibility

_ADDRESS_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href")


_ACTIVE_ADDRESS = re.compile(r"^[\x00-\x20]*(javascript|vbscript|data):", re.IGNORECASE)
# A browser drops tabs and line breaks anywhere in an address before reading its scheme.
_URL_IGNORED = re.compile(r"[\t\n\r]")
# The theme's own inline scripts (Material's, and Zensical's, which also restores the reader's
# colour palette on each page), by how they begin; any other inline script fails the check.
_THEME_INLINE_SCRIPTS = (
    "__md_scope=",
    "var target=document.getElementById(location.hash",
    'var palette=__md_get("__palette");',
)


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
    site: Path,
    seen: set[bytes] | None = None,
    skip: Callable[[bytes], bool] | None = None,
    within: Callable[[Path], bool] = lambda _: True,
) -> Iterator[tuple[Path, str, bytes, str]]:
    """Every file of a site as its readable text (for the withheld-values check; see
    :func:`readable_text`), compressed ones opened: ``(path, member, digest, text)``, where
    ``member`` names the file inside a zip ("" otherwise) and ``digest`` is of the file's bytes.

    Files whose bytes are in ``seen`` are skipped (and new ones added): the engine copies charts
    and downloads from the docs folder as they are, and the same bytes need checking once.
    Files whose digest ``skip`` accepts are not read as text at all.
    """
    for path in sorted(site.rglob("*")):
        if not path.is_file() or not within(path):
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
        # A workbook (.xlsx) is a zip of XML files: its cells are read like any other file's.
        if path.suffix in (".zip", ".xlsx"):
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


def pdf_texts(data: bytes) -> list[str]:
    """What a reader gets from a PDF: the text of its pages as a reader copies it (all pages as
    one text, so a text running over a page break is found: pdfium's extraction), and every
    string and decoded stream in the file (the title, the outline, the figures' text
    alternatives, the metadata, the pages' content), font programs and images left out."""
    import pikepdf
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        pages = []
        for page in document:
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range())
            textpage.close()
            page.close()
    finally:
        document.close()
    texts = [_fold(" ".join(pages))]
    with pikepdf.Pdf.open(io.BytesIO(data)) as pdf:
        drawing = {
            c.objgen
            for page in pdf.pages
            for c in (
                page.obj.Contents
                if isinstance(page.obj.Contents, pikepdf.Array)
                else [page.obj.Contents]
            )
        }
        for obj in pdf.objects:
            _pdf_strings(obj, texts, top=True, skip=drawing)
    return texts


#: Streams whose bytes are no reader's words (besides object streams, whose objects are read one
#: by one, and the cross-reference stream): drawing (pages, forms and patterns with a /BBox; its words are the pages' text, read
#: above; its numbers are coordinates), font programs and images.
_PDF_BINARY = frozenset(("/Form", "/Image", "/Type1C", "/CIDFontType0C", "/OpenType"))


def _pdf_strings(
    obj: Any, out: list[str], top: bool = False, skip: frozenset[Any] | set[Any] = frozenset()
) -> None:
    import pikepdf

    if not top and getattr(obj, "is_indirect", False):
        return  # read where it is listed itself
    if isinstance(obj, pikepdf.String):
        out.append(_fold(str(obj)))
    elif isinstance(obj, pikepdf.Stream):
        binary = (
            obj.objgen in skip or "/Length1" in obj or str(obj.get("/Subtype", "")) in _PDF_BINARY
        )
        if not binary:
            try:
                raw = obj.read_bytes()
            except pikepdf.PdfError:
                raw = obj.read_raw_bytes()
            out.append(_fold(raw.decode("utf-8", "replace")))
        for value in obj.stream_dict.values():
            _pdf_strings(value, out)
    elif isinstance(obj, pikepdf.Dictionary):
        for value in obj.values():
            _pdf_strings(value, out)
    elif isinstance(obj, pikepdf.Array):
        for value in obj:
            _pdf_strings(value, out)


def readable_text(name: str, data: bytes) -> str:
    """What a reader gets from a file, as the withheld-values check compares it: the words of
    pages, SVGs and the search index (markup and addresses left out), the cells of CSVs, the
    strings of JSON, the text of Markdown with its escapes undone, the text and strings of a PDF
    (see :func:`pdf_texts`); texts apart, spaces folded."""
    suffix = Path(name).suffix.lower()
    if suffix == ".pdf":
        return _APART.join(pdf_texts(data))
    text = data.decode("utf-8", "replace")
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
    if member and path.suffix == ".xlsx":
        return f"{where} (a cell of the workbook)"
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
    *,
    docs_dir: Path,
    addresses: Sequence[str] = (),
    canaries: Sequence[visibility.Canary] = (),
    allowed_scripts: Sequence[str] = (),
    cache: CheckCache | None = None,
    skip: Sequence[str] = (),
    only: str = "",
) -> list[str]:
    """What is wrong with a freshly built site; empty when it may be published.

    ``docs_dir`` is the folder the site was built from (its sources are searched for withheld
    texts too), ``addresses`` the pages that must be there (``decisions/x/``), ``canaries`` the
    withheld rows' texts, ``allowed_scripts`` the scripts a page may load besides the theme's.
    With ``cache``, pages and files it knows to be clean under the same rules are not read
    again, and the clean ones are added to it (save it only once the site is published).

    A site made of parts is checked a part at a time: ``only`` (``archive/2024-25/``) checks the
    files under that folder alone, and ``skip`` leaves the parts' folders out of the check of
    the rest (each part has its own withheld texts: what one statement withheld another may have
    published).
    """
    cache = cache or CheckCache(None)
    wrong = []
    for addr in addresses:
        if not (site / addr / "index.html").is_file():
            wrong.append(f"the page /{addr} is missing")
    rules = hashlib.blake2b(
        json.dumps(
            [_CHECK_VERSION, list(allowed_scripts), [dataclasses.astuple(c) for c in canaries]]
        ).encode("utf-8"),
        digest_size=20,
    ).hexdigest()

    def within(path: Path) -> bool:
        rel = path.relative_to(site).as_posix()
        return rel.startswith(only) and not any(rel.startswith(s) for s in skip)

    for path in [p for p in site.rglob("*.html") if within(p)]:
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

        for root in (site, docs_dir):
            found: dict[Path, bytes] = {}
            for path, member, digest, text in _site_texts(
                root, seen, skip=known, within=within if root == site else lambda _: True
            ):
                found.setdefault(path, digest)
                leaked = visibility.find_canaries(canaries, text)
                if leaked:
                    where = _address(root, path, member, root != site)
                    wrong.append(_leak_message(where, leaked))
                    found[path] = b""
            cache.clean.update("file " + rules + d.hex() for d in found.values() if d)
    return wrong
