"""Pages as Markdown: the Jinja environment, one context per page type, and the navigation.

Text is text. Every value from a package reaches a page through one escaping function,
:func:`escape_text`, which Jinja applies to every ``{{ ... }}`` (its ``finalize`` hook, with
autoescape on so nothing slips through as raw HTML). It turns each ASCII punctuation character that
Markdown or HTML could read as syntax into a numeric character reference (``[`` becomes ``&#91;``).
A reference means the same in every place a value can land - a paragraph, a heading, a table cell,
a link text, an HTML block, an attribute - and no Markdown extension reads it as syntax, so one
function is right everywhere. Line breaks are folded into spaces so a value cannot start a block of
its own, and invisible or direction-changing characters are shown as ``[U+202E]``.

Only template text and :class:`markupsafe.Markup` built here from checked slugs (links) bypass it.
Templates never join data to markup with ``~``: that would HTML-escape the data but not
Markdown-escape it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import html
import html.parser
import math
import operator
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import jinja2
import markdown
import markdown.postprocessors
import markdown.preprocessors
import nh3
from markupsafe import Markup

from .. import contract, messages
from ..messages import N_, _, ngettext, pgettext
from ..problems import CodeInfo, Problem, catalogue
from ..report import derive, formatting, history, model
from ..report.visibility import Withheld, WithheldNote
from . import document, svg, write

# ----------------------------------------------------------------------------------------------
# Escaping

# Harmless inside a value; at its start some of them open a block (``-`` a list, ``.`` after
# digits an ordered list), so the first character is always escaped.
_SAFE_INSIDE = frozenset(",.-'%/?;$!")
_INVISIBLE = re.compile(
    "[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u00ad\u061c\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)
_LINK_TARGET = re.compile(r"^[a-z0-9][a-z0-9/._-]*(#[a-z0-9-]+)?$")


def escape_text(value: object) -> str:
    """A value as literal text, safe in Markdown and HTML alike (see the module docstring)."""
    return _escape_str(str(value))


# A large report prints the same few thousand texts (numbers, periods, names) hundreds of
# thousands of times; the escaping depends on the text alone.
@functools.lru_cache(maxsize=65536)
def _escape_str(value: str) -> str:
    text = _INVISIBLE.sub(lambda m: f"[U+{ord(m.group()):04X}]", value)
    text = " ".join(text.split())
    out = []
    leading_digits = True
    for i, ch in enumerate(text):
        if ch.isascii() and not ch.isalnum() and ch != " ":
            opens_list = leading_digits and ch in ".)" and text[i + 1 : i + 2] in ("", " ")
            if i == 0 or ch not in _SAFE_INSIDE or opens_list:
                out.append(f"&#{ord(ch)};")
            else:
                out.append(ch)
        else:
            out.append(ch)
        leading_digits = leading_digits and ch.isdigit()
    return "".join(out)


def _finalize(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    if isinstance(value, model.Foreign):
        # An untranslated text (translations: warn) keeps its own language for screen readers.
        return Markup(f'<span lang="{html.escape(value.lang)}">{escape_text(value)}</span>')
    return Markup(escape_text(value))


def plain(value: object, *, quote: bool = True) -> str:
    """A value as plain text for places outside Markdown that the theme prints unescaped (nav
    titles, page titles): HTML-escaped, line breaks folded.

    ``quote=False`` leaves quotes alone, for navigation titles: the theme prints them as text, and
    escapes them itself in the one attribute it uses (the footer links' ``aria-label``), where an
    escaped apostrophe would be escaped twice and read out as "ampersand hash x 27"."""
    text = _INVISIBLE.sub(lambda m: f"[U+{ord(m.group()):04X}]", str(value))
    return html.escape(" ".join(text.split()), quote=quote)


# ----------------------------------------------------------------------------------------------
# Defence in depth: the HTML of every page is cleaned with an allowlist

# What the pages, the chart partial and Markdown's own extensions produce; anything else (script,
# style, iframe, form, event handlers, javascript: addresses) is removed. An extension rather than
# an MkDocs hook, so that any engine running Python-Markdown applies it (see engine_config_for).
# fmt: off
SAFE_TAGS = frozenset((
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div", "dl",
    "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u",
    "ul",
))
# fmt: on
SAFE_ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height", "loading"},
    "th": {"scope", "colspan", "rowspan", "style"},
    "td": {"colspan", "rowspan", "style"},
    "ol": {"start"},
    "details": {"open"},
}


def sanitise(fragment: str) -> str:
    """An HTML fragment with only the allowed tags, attributes and address schemes."""
    return nh3.clean(
        fragment,
        tags=set(SAFE_TAGS),
        attributes={k: set(v) for k, v in SAFE_ATTRIBUTES.items()},
        url_schemes={"http", "https", "mailto"},
        generic_attribute_prefixes={"data-", "aria-"},
        filter_style_properties={"text-align"},
        link_rel=None,
        strip_comments=True,
    )


class _Sanitise(markdown.postprocessors.Postprocessor):
    def run(self, text: str) -> str:
        return sanitise(text)


# The data tables a page writes as raw HTML blocks at its top level: a chart's data and the
# results tables. Python-Markdown would hand each of their thousands of tags to its HTML parser
# only to store the block unchanged; this opening line says the block may be stored at once.
# ``data-search-exclude`` also keeps the tables' figures out of the search index (Material's
# search plugin skips them and strips the attribute): a citizen searches for words, not cells.
_RAW_TABLE_OPENER = re.compile(r'<(table|details)\b[^<>]*\bdata-search-exclude="[a-z]+"[^<>]*>')


class _StashDataTables(markdown.preprocessors.Preprocessor):
    """Store each marked top-level table block in the HTML stash before the HTML parser runs.

    The result is what Python-Markdown makes of the block anyway (the block stored as it is, then
    put back in place of its paragraph), so another engine without this extension builds the same
    page, only slower. A block is taken only where the parser would also see one whole block:
    after a blank line, ending at the first line that closes its tag, before a blank line, and
    with no nested tag of the same name."""

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        i, n = 0, len(lines)
        while i < n:
            line = lines[i]
            opener = _RAW_TABLE_OPENER.fullmatch(line) if line[:1] == "<" else None
            if opener is not None and (not out or not out[-1].strip()):
                tag = opener.group(1)
                closer = f"</{tag}>"
                end = i + 1
                while end < n and lines[end] != closer:
                    end += 1
                block = lines[i : end + 1]
                if (
                    end < n
                    and (end + 1 == n or not lines[end + 1].strip())
                    and sum(b.count(f"<{tag}") for b in block) == 1
                ):
                    # The parser keeps the line end after a block followed by a blank line.
                    out.append(self.md.htmlStash.store("\n".join(block) + "\n"))
                    i = end + 1
                    continue
            out.append(line)
            i += 1
        return out


class SanitiseExtension(markdown.Extension):
    """``markdown_extensions: [pvreport.site.render]`` (or its old name, ``pvreport.render``):
    clean each page's HTML as the last step, and store the pages' data tables without parsing
    them (see :class:`_StashDataTables`)."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # After every other postprocessor, raw HTML put back included.
        md.postprocessors.register(_Sanitise(md), "pvreport_sanitise", -100)
        # After whitespace is normalised (30), before the HTML block parser (20).
        md.preprocessors.register(_StashDataTables(md), "pvreport_stash_tables", 25)


def makeExtension(**kwargs: Any) -> SanitiseExtension:
    return SanitiseExtension(**kwargs)


# ----------------------------------------------------------------------------------------------
# Pages and links


@dataclasses.dataclass(frozen=True)
class Page:
    """One Markdown page: ``src`` is its path under the docs folder, ``title`` plain text."""

    src: str
    title: str
    text: str


def address(src: str) -> str:
    """The public address of a docs file (``objectives/x.md`` -> ``objectives/x/``)."""
    if not src.endswith(".md"):
        return src
    stem = src[: -len(".md")]
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


def relative(from_src: str, to_src: str) -> str:
    """A link from one docs file to another, as MkDocs wants it: relative, to the ``.md`` file."""
    target, _, anchor = to_src.partition("#")
    if not _LINK_TARGET.match(to_src):
        raise ValueError(f"not a safe link target: {to_src!r}")
    rel = posixpath.relpath(target, posixpath.dirname(from_src) or ".")
    return rel + (f"#{anchor}" if anchor else "")


#: The latest periods of a measure's whole-population results listed in its page's results table
#: (its chart's data table lists every period, and the download every result).
RESULT_PERIODS = 8
#: Beyond this many measures, the measures' index page counts them per objective and each
#: objective's page lists its own, so that no page lists them all.
INDEX_PAGE_LIMIT = 100

SRC = {
    "home": "index.md",
    "objectives": "objectives/index.md",
    "accountability": "accountability/index.md",
    "decisions": "decisions/index.md",
    "indicators": "indicators/index.md",
    "rules": "how-we-judge-progress.md",
    "engagements": "engagements/index.md",
    "data": "data/index.md",
    "changes": "data/changes.md",
    "codes": "data/problem-codes.md",
    "accessibility": "accessibility.md",
    "archive": "archive/index.md",
    "what_changed": "what-changed.md",
}


def src_of(kind: str, id_: str) -> str:
    return f"{kind}/{id_}.md"


# ----------------------------------------------------------------------------------------------
# Words


# What a withheld note counts, one or many ("{n}" is the count in words).
_WHAT = {
    "objectives": lambda n: ngettext("one objective", "{n} objectives", n),
    "indicators": lambda n: ngettext("one measure", "{n} measures", n),
    "results": lambda n: ngettext("one result", "{n} results", n),
    "engagements": lambda n: ngettext("one engagement", "{n} engagements", n),
    "engagement_profile": lambda n: ngettext(
        "one row of who took part", "{n} rows of who took part", n
    ),
    "decisions": lambda n: ngettext("one decision", "{n} decisions", n),
    "options": lambda n: ngettext("one option", "{n} options", n),
    "responses": lambda n: ngettext("one response", "{n} responses", n),
    "revisions": lambda n: ngettext("one change to this account", "{n} changes to this account", n),
}


class Words(dict[str, str]):
    """A table of words kept in English at import time and written in the current language
    where a page reads them (``METHOD_WORDS[e.method]``)."""

    def __getitem__(self, key: str) -> str:
        return messages.gettext(super().__getitem__(key))


METHOD_WORDS = Words(
    statutory=N_("formal consultation or hearing"),
    information=N_("information (leaflets, website, media)"),
    customer_service=N_("feedback from people using the service"),
    market_research=N_("survey or focus groups"),
    deliberative=N_("deliberation (citizens' panel, jury or inquiry)"),
    devolved=N_("a decision handed to the public (such as participatory budgeting)"),
)
LEVEL_WORDS = Words(
    inform=N_("Inform: we told people what we were doing."),
    consult=N_("Consult: we asked for views and then decided."),
    involve=N_("Involve: people worked with us through the process."),
    collaborate=N_("Collaborate: we shaped the answer together with people."),
    empower=N_("Empower: people made the decision themselves."),
)
#: The rungs' names alone, as the engagements' table names them.
LEVEL_NAMES = Words(
    inform=N_("Inform"),
    consult=N_("Consult"),
    involve=N_("Involve"),
    collaborate=N_("Collaborate"),
    empower=N_("Empower"),
)
LEVELS = ("inform", "consult", "involve", "collaborate", "empower")
OUTCOME_WORDS = Words(done=N_("Done"), in_progress=N_("In progress"), not_doing=N_("Not doing"))
DIRECTION_WORDS = Words(
    upward=N_("Upward: elected members, ministers, regulators and courts"),
    outward=N_("Outward: the people we serve, service users and the media"),
    inward=N_("Inward: our staff and their unions"),
)
DIMENSION_WORDS = Words(
    outcome=N_("Better lives (social outcomes)"),
    service=N_("Good services"),
    trust=N_("Trust and fairness"),
)
SET_BY_WORDS = Words(
    local=N_("set by us"),
    national=N_("set nationally"),
    regulator=N_("set by a regulator"),
    public=N_("chosen with the public"),
)
DECISION_STATUS_WORDS = Words(
    proposed=N_("proposed, not yet decided"),
    decided=N_("decided"),
    implemented=N_("decided and put in place"),
    reviewed=N_("decided and since reviewed"),
    reversed=N_("reversed"),
)
#: The data dictionary's column types, as the contract names them.
TYPE_WORDS = Words(
    string=N_("string"),
    number=N_("number"),
    integer=N_("integer"),
    date=N_("date"),
    datetime=N_("datetime"),
    boolean=N_("boolean"),
)
TYPE_WORDS["list of ids, separated by ;"] = N_("list of ids, separated by ;")
#: The kinds of record, as a sentence names them ("This report does not include options.").
RESOURCE_WORDS = Words(
    accountability=N_("accountability"),
    objectives=N_("objectives"),
    indicators=N_("indicators"),
    results=N_("results"),
    engagements=N_("engagements"),
    engagement_profile=N_("engagement profile"),
    decisions=N_("decisions"),
    options=N_("options"),
    responses=N_("responses"),
    revisions=N_("revisions"),
)
SEVERITY_WORDS = Words(error=N_("error"), warning=N_("warning"))
RESULT_STATUS_WORDS = Words(
    final=N_("final"),
    provisional=N_("provisional: it may change"),
    revised=N_("revised since first published"),
    estimated=N_("estimated"),
)


def count_words(n: int, one: str, many: str) -> str:
    """A count and its English noun ("three measures"); pages use whole sentences through
    ``ngettext`` instead, which every language can translate."""
    words = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
    word = words[n] if n < len(words) else f"{n:,}"
    return f"{word} {one if n == 1 else many}"


def number_word(n: int) -> str:
    """A count as a sentence writes it: a word up to nine ("no", "two"), then figures
    ("1,234"), in the current language."""
    if n >= 10:
        return formatting.format_number(n)
    return (
        pgettext("count", "no"),
        pgettext("count", "one"),
        pgettext("count", "two"),
        pgettext("count", "three"),
        pgettext("count", "four"),
        pgettext("count", "five"),
        pgettext("count", "six"),
        pgettext("count", "seven"),
        pgettext("count", "eight"),
        pgettext("count", "nine"),
    )[n]


def and_list(items: Iterable[Any]) -> str:
    """Items as a sentence lists them: "a", "a and b", "a, b and c"."""
    words = [str(item) for item in items]
    if len(words) < 2:
        return "".join(words)
    # Welsh writes "ac" for "and" before a vowel: a language may say so in this message's
    # translation for the "vowel" context (English reads the same in both).
    vowel = words[-1][:1].lower() in "aeiouwyâêîôûŵŷ"
    sentence = pgettext("vowel", "{items} and {last}") if vowel else _("{items} and {last}")
    return sentence.format(items=_(", ").join(words[:-1]), last=words[-1])


def times(n: int) -> str:
    """How often, in words: once, twice, three times."""
    return ngettext("once", "{n} times", n).format(n=number_word(n)) if n != 2 else _("twice")


def sentence_start(text: str) -> str:
    """Text that opens a sentence: first letter in capitals, the rest as it was."""
    return text[:1].upper() + text[1:]


def withheld_sentence(note: WithheldNote) -> str:
    """A withheld note in words, with no trace of what was withheld."""
    n = note.count
    # The count as it reads inside a sentence; the sentence's first letter is made a capital
    # after, wherever the count lands (Welsh starts with its verb: "Ni ddangosir un amcan").
    count = _WHAT[note.what](n).format(n=number_word(n))
    if note.reason == "embargo" and note.role == "companion":
        others = ngettext("one other result", "{n} other results", n).format(n=number_word(n))
        return sentence_start(
            ngettext(
                "{count} for the same period is held back until the embargo ends, because it "
                "could give away a figure under embargo.",
                "{count} for the same period are held back until the embargo ends, because "
                "they could give away a figure under embargo.",
                n,
            ).format(count=others)
        )
    if note.reason == "embargo":
        sentence = ngettext(
            "{count} is not shown yet: it is under embargo until an announced date, and will "
            "appear after it.",
            "{count} are not shown yet: they are under embargo until an announced date, and "
            "will appear after it.",
            n,
        ).format(count=count)
        return sentence_start(sentence)
    if note.role == "parent":
        role = ngettext(
            "{count} this belongs to is not shown", "{count} this belongs to are not shown", n
        )
    elif note.role == "counterbalance":
        role = _("The measure read beside this one is not shown")
    elif note.role == "link":
        role = ngettext(
            "{count} linked to this is not shown", "{count} linked to this are not shown", n
        )
    else:
        role = ngettext("{count} is not shown", "{count} are not shown", n)
    return f"{sentence_start(role.format(count=count))} {because_confidential(n)}"


def not_counted(notes: Iterable[WithheldNote]) -> str:
    """What the statuses of a measure with results under embargo do not count, or ''."""
    held = [n for n in notes if n.what == "results" and n.reason == "embargo"]
    count = sum(n.count for n in held)
    if not count:
        return ""
    if any(n.role == "companion" for n in held):
        sentence = messages.ngettext(
            "One result is under embargo or held back with one: the direction of travel and the "
            "target are judged without it until it is published.",
            "{count} are under embargo or held back with one: the direction of travel and the "
            "target are judged without them until they are published.",
            count,
        )
    else:
        sentence = messages.ngettext(
            "One result is under embargo: the direction of travel and the target are judged "
            "without it until it is published.",
            "{count} are under embargo: the direction of travel and the target are judged "
            "without them until they are published.",
            count,
        )
    # The count as it reads inside a sentence; the sentence's first letter made a capital after.
    return sentence_start(
        sentence.format(count=_WHAT["results"](count).format(n=number_word(count)))
    )


def blanked_cells(withheld: Withheld, files: Mapping[str, str]) -> list[str]:
    """Sentences for the data page: the cells of public rows the downloads leave empty."""
    out = []
    for name, fields in sorted(withheld.blanked.items()):
        for field, lines in sorted(fields.items()):
            if name == "options" and field == "public_support" and lines:
                out.append(
                    messages.ngettext(
                        "In {file}, the public support of one option is left empty: with an "
                        "option of the same decision confidential, its share would give that "
                        "option's share away.",
                        "In {file}, the public support of {counted} is left empty: with an "
                        "option of the same decision confidential, their shares would give its "
                        "share away.",
                        len(lines),
                    ).format(
                        file=files.get(name, f"{name}.csv"),
                        counted=_WHAT["options"](len(lines)).format(n=number_word(len(lines))),
                    )
                )
    return out


def because_confidential(count: int) -> str:
    """Why ``count`` rows are not shown, as the end of a sentence (every page says it alike)."""
    return ngettext(
        "because it is confidential, for example commercially sensitive.",
        "because they are confidential, for example commercially sensitive.",
        count,
    )


# ----------------------------------------------------------------------------------------------
# The height of an embed card
#
# The iframe snippet must be as tall as the card, or the card is cut off (or ends in a blank
# box), and a card is a page with no script: its height is worked out here, from the card's
# own HTML and the style in embed.html.j2 (keep the two in step; tests/test_embed_card.py
# measures real cards in Chromium at 320 to 1280 px against the snippet).

#: The tallest a snippet is made (a card taller than this scrolls inside its frame).
CARD_MAX_HEIGHT = 2400
#: The widths a card is worked out at: a phone's 320 px up to the card's own 40rem (640 px).
_CARD_WIDTHS = (320, 360, 390, 480, 560, 640)
#: main's padding (1.25rem each side) and border.
_CARD_SIDES = 42
#: A character's width as a share of the font size, for the widest common sans-serif fonts
#: (DejaVu Sans, wider than most, measures 0.58 in words): a card worked out too tall ends in a little space, one
#: worked out too short is cut off.
_CHAR_EM = 0.55
_CARD_BLOCKS = {
    # tag: (font size px, line height px, margins px)
    "h1": (20.0, 29.0, 4.0),
    "p": (16.0, 23.2, 16.0),
    "dt": (16.0, 23.2, 8.0),
    "dd": (16.0, 23.2, 0.0),
    "figcaption": (14.4, 20.9, 0.0),
    "summary": (16.0, 23.2, 12.0),
}
_CARD_FIXED = 32 + 2 + 12 + 24 + 6  # main padding, border, dl, figure margins, image gap
_TABLE = re.compile(r"<table\b.*?</table>", re.DOTALL)


class _CardText(html.parser.HTMLParser):
    """The blocks of text of a card (tag, words), outside its closed <details> table."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str]] = []
        self._open: str | None = None
        self._text: list[str] = []
        self._in_details = 0
        self._in_main = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main":
            self._in_main = True
        elif tag == "details":
            self._in_details += 1
        elif self._in_main and tag in _CARD_BLOCKS and (tag == "summary" or not self._in_details):
            self._open, self._text = tag, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "details":
            self._in_details -= 1
        elif tag == self._open:
            self.blocks.append((tag, " ".join("".join(self._text).split())))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text.append(data)


def _lines(text: str, chars: int) -> int:
    """How many lines ``text`` takes, wrapped at spaces, ``chars`` characters to a line."""
    lines, used = 1, 0
    for word in text.split():
        need = len(word) if used == 0 else used + 1 + len(word)
        if need <= chars:
            used = need
        else:
            extra = max(0, (len(word) - 1) // chars)  # a word longer than a line breaks
            lines += 1 + extra if used else extra
            used = len(word) - extra * chars
    return lines


def svg_size(text: str) -> tuple[float, float] | None:
    """An SVG's width and height, from its opening tag."""
    found = re.search(r'<svg\b[^>]*?\bwidth="([\d.]+)"[^>]*?\bheight="([\d.]+)"', text)
    return (float(found[1]), float(found[2])) if found else None


def card_height(card: str, image: tuple[float, float] | None) -> int:
    """The height, in CSS pixels, an iframe needs to show the whole embed card ``card`` (its
    HTML) at every width from 320 px to its widest, ``image`` being its chart's natural size."""
    parser = _CardText()
    # The chart's data table (folded away in <details>) holds no block that is measured: the
    # parser is spared its rows (a national measure's are most of its card).
    parser.feed(_TABLE.sub("", card))
    tallest = 0.0
    for width in _CARD_WIDTHS:
        inner = min(width, 640) - _CARD_SIDES
        height = float(_CARD_FIXED)
        for tag, text in parser.blocks:
            font, line, margin = _CARD_BLOCKS[tag]
            chars = max(1, int(inner / (font * _CHAR_EM)))
            height += _lines(text, chars) * line + margin
        if image is not None:
            natural_width, natural_height = image
            height += min(natural_width, inner) * natural_height / natural_width
        tallest = max(tallest, height)
    # A little room for fonts wider still; rounded up to a tidy number.
    return min(CARD_MAX_HEIGHT, int(math.ceil((tallest + 16) / 10) * 10))


@dataclasses.dataclass(frozen=True)
class Weighed:
    """The options of a decision as its page tells them: those shown, how many are withheld, and
    whether the chosen one is among those shown, withheld, or (a proposed decision) none."""

    shown: tuple[model.Option, ...]
    withheld: int
    chosen: Literal["shown", "withheld", "none"]
    #: No option's public support is shown: a withheld option's share would follow from them.
    support_hidden: bool = False

    @property
    def total(self) -> int:
        return len(self.shown) + self.withheld


# ----------------------------------------------------------------------------------------------
# The environment


@functools.cache
def environment() -> jinja2.Environment:
    """The one Jinja environment (compiled templates are kept: compiling costs more than
    rendering)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("pvreport", "templates"),
        autoescape=True,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    # _(), gettext(), ngettext() and {% trans %} in templates: the current language's words,
    # with every value put into them escaped as any {{ value }} is (see _template_gettext).
    env.install_gettext_callables(  # type: ignore[attr-defined]
        messages.gettext, messages.ngettext, newstyle=True, pgettext=messages.pgettext
    )
    env.globals.update(
        gettext=_template_gettext,
        _=_template_gettext,
        ngettext=_template_ngettext,
        pgettext=_template_pgettext,
    )
    env.filters.update(
        number=formatting.format_number,
        difference=formatting.format_difference,
        interval=formatting.format_interval,
        date=formatting.format_date,
        period=formatting.format_period,
        in_period=formatting.period_phrase,
        by_period=formatting.by_period,
        number_word=number_word,
        and_list=and_list,
        times=times,
        sentence_start=sentence_start,
        withheld=withheld_sentence,
        because_confidential=because_confidential,
        safe_url=safe_url,
        money=formatting.format_money,
    )
    env.globals.update(
        METHOD_WORDS=METHOD_WORDS,
        LEVEL_WORDS=LEVEL_WORDS,
        LEVEL_NAMES=LEVEL_NAMES,
        LEVELS=LEVELS,
        OUTCOME_WORDS=OUTCOME_WORDS,
        DIRECTION_WORDS=DIRECTION_WORDS,
        DIMENSION_WORDS=DIMENSION_WORDS,
        SET_BY_WORDS=SET_BY_WORDS,
        DECISION_STATUS_WORDS=DECISION_STATUS_WORDS,
        RESULT_STATUS_WORDS=RESULT_STATUS_WORDS,
        SEVERITY_WORDS=SEVERITY_WORDS,
        TYPE_WORDS=TYPE_WORDS,
        RESOURCE_WORDS=RESOURCE_WORDS,
        language_code=messages.code,
        # A message as plain text, escaped as any value is (a rule's words hold ":" and "(").
        tr=messages.gettext,
        SRC=SRC,
        rule_for=derive.rule_for,
        compare=formatting.format_change,
    )
    return env


# Jinja's own new-style gettext would put values into a message with markupsafe's HTML escaping
# alone, which leaves Markdown syntax in data live; these escape them with escape_text, like
# every ``{{ value }}`` (links and status links, already Markup, go in as they are). A message
# is template text: it is trusted as the template is.
def _fill(message: str, variables: Mapping[str, Any]) -> Markup:
    if not variables and "%" not in message:
        return _markup(message)
    # Every value is escaped here (Markup, or ""), so plain formatting is safe and much cheaper
    # than Markup's own, which would escape each again.
    # Numbers go in as numbers ("%(num)d" formats them; their text holds no syntax).
    return Markup(
        message
        % {
            k: v if isinstance(v, int | float) and not isinstance(v, bool) else _finalize(v)
            for k, v in variables.items()
        }
    )


@functools.lru_cache(maxsize=4096)
def _markup(message: str) -> Markup:
    return Markup(message)


@jinja2.pass_context
def _template_gettext(context: Any, string: str, /, **variables: Any) -> Markup:
    return _fill(messages.gettext(string), variables)


@jinja2.pass_context
def _template_ngettext(
    context: Any, singular: str, plural: str, num: int, /, **variables: Any
) -> Markup:
    variables.setdefault("num", num)
    return _fill(messages.ngettext(singular, plural, num), variables)


@jinja2.pass_context
def _template_pgettext(context: Any, ctx: str, string: str, /, **variables: Any) -> Markup:
    return _fill(messages.pgettext(ctx, string), variables)


def safe_url(value: str | None) -> str | None:
    """An outside address from the data, only if it is a plain web or mail address."""
    if not value:
        return None
    value = value.strip()
    if re.match(r"^(https?://|mailto:)[^\s<>\"'`\\]+$", value, re.IGNORECASE):
        return value
    return None


# ----------------------------------------------------------------------------------------------
# The site


@dataclasses.dataclass(frozen=True)
class Download:
    """A file on the data page: its path under the docs folder and what it holds."""

    src: str
    title: str
    rows: int | None = None
    #: The file's size in bytes, where the page gives it.
    size: int | None = None


#: A section lists its pages in the navigation up to ``Inputs.nav_page_limit`` (the plugin option
#: ``nav_page_limit``, this by default). Material repeats the whole navigation on every page, so
#: beyond it a report of hundreds of measures would make every page huge and the build
#: quadratic; the section's index page lists them all anyway. 30 keeps the menu of a council's
#: report (the example's sections hold 5 to 20 pages) and leaves a national body's 50 objectives
#: to their index page: a menu of 50 links on every page is long to scan or tab through, and
#: made M's median page half as heavy again as S's.
NAV_PAGE_LIMIT = 30


@dataclasses.dataclass(frozen=True)
class Inputs:
    """Everything the pages are made from: the public report and what was worked out from it."""

    report: model.Report
    withheld: Withheld
    as_of: dt.date
    statuses: Mapping[str, derive.IndicatorStatus]
    #: chart objects (see :mod:`pvreport.site.charts`) by page key ("indicators/<id>", "home", ...)
    charts: Mapping[str, Sequence[Any]] = dataclasses.field(default_factory=dict)
    downloads: Sequence[Download] = ()
    warnings: Sequence[Problem] = ()
    #: Hand-written pages by address: a link to a generated page at one of these addresses goes
    #: to the hand-written page that replaces it.
    content: Mapping[str, str] = dataclasses.field(default_factory=dict)
    #: Sections with more pages than this list only their index page in the navigation.
    nav_page_limit: int = NAV_PAGE_LIMIT
    #: Equity gaps by indicator id (derive.report_gaps), where the caller worked them out.
    gaps: Mapping[str, Sequence[derive.EquityGap]] | None = None
    #: The site's public address (``site_url``, ending in ``/``), for the embed snippets; ""
    #: where the project gives none (the snippet then starts at the site's root, ``/``).
    site_url: str = ""
    #: Every statement of the project, newest first, where there is more than one: the site
    #: then has the archive's list (``/archive/``).
    statements: Sequence[Statement] = ()
    #: Where these are an earlier statement's pages: what each of them says about it.
    archived: Archived | None = None
    #: The earlier statements as the current one's pages speak of them, newest first: the
    #: what-changed page compares with the first, and each measure's page lists its status in each.
    history: Sequence[history.Then] = ()
    #: Make the PDF of the whole statement (the plugin option ``pdf``; it needs the charts' SVGs).
    pdf: bool = False
    #: Where made PDFs are kept by a digest of what they are made from (None: made afresh).
    pdf_cache: Path | None = None
    #: Told the addresses of every page (the document's included) once they are all known,
    #: just before the PDF is made: the build sets other work going while it is made.
    before_pdf: Callable[[frozenset[str]], None] | None = None
    #: The charts' files by path under the docs folder (their SVGs go into the PDF).
    chart_files: Mapping[str, str | bytes] = dataclasses.field(default_factory=dict)
    #: The moment the PDF says it was made (the run's clock).
    created: dt.datetime = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)
    #: The language of the pages (BCP 47: the PDF's /Lang).
    lang: str = "en"


@dataclasses.dataclass(frozen=True)
class PdfLink:
    """The PDF of the whole statement, as the pages link it: its address from the page and its
    size in words ("1.2 MB")."""

    href: Markup
    size: str


@dataclasses.dataclass(frozen=True)
class Statement:
    """One statement of a project, for the archive's list: its period, the day it was
    published, and where its home page is from the site's root (``""`` for the current one,
    ``archive/2024-25/`` for an earlier one)."""

    label: str
    published: dt.date | None
    address: str

    @property
    def current(self) -> bool:
        return self.address == ""


@dataclasses.dataclass(frozen=True)
class Archived:
    """What every page of an earlier statement says: which statement it belongs to, that a
    newer one exists, and where the same page is in the current statement (where it is)."""

    label: str
    published: dt.date | None
    #: Where this statement's pages are under the site's root: ``archive/2024-25/``.
    prefix: str
    current_label: str
    #: The current statement's page addresses (``indicators/x/``).
    current_addresses: frozenset[str]


def archived_banner(env: jinja2.Environment, archived: Archived, src: str) -> str:
    """The notice an archived page opens with (raw HTML: its links leave the statement's own
    pages, which the engine would otherwise take for broken links)."""
    here = address(src)
    depth = archived.prefix.count("/") + here.count("/")
    root = "../" * depth
    counterpart = here if here in archived.current_addresses else None
    return env.get_template("partials/_archived.md.j2").render(
        archived=archived,
        counterpart=(root + counterpart) if counterpart is not None else None,
        current_home=root or "./",
        archive=root + address(SRC["archive"]),
    )


def archived_href(page_src: str, prefix: str, target_src: str) -> str:
    """A link from a page of the current statement to a page of an earlier one (under
    ``prefix``), as an address relative to the page: the engine builds the two apart, so this is
    written as raw HTML, not as a link it would look for among its own pages."""
    return "../" * address(page_src).count("/") + prefix + address(target_src)


def _after_title(text: str, banner: str) -> str:
    """``banner`` put after a page's first heading (before everything where it has none)."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("# "):
            return "\n".join([*lines[: i + 1], "", banner.rstrip("\n"), *lines[i + 1 :]])
    return banner + "\n" + text


@dataclasses.dataclass(frozen=True)
class Rendered:
    pages: tuple[Page, ...]
    nav: list[Any]
    #: gitignore-style lines for MkDocs' ``not_in_nav``: pages reached from their index page only.
    not_in_nav: tuple[str, ...] = ()
    #: Files that are not Markdown pages, by path under the docs folder: each measure's embed
    #: card (``embed/indicators/<id>/index.html``, a whole HTML page the engine copies as it is).
    #: And the PDF of the whole statement (``print/<name>.pdf``), where one is made.
    files: Mapping[str, str | bytes] = dataclasses.field(default_factory=dict)
    #: JSON files by path under the docs folder, as values for :func:`pvreport.site.write.json_bytes`:
    #: each measure's ``indicators/<id>/data.json``.
    data: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    #: The words pvreport's theme overrides print on every page (the footer's links), in the
    #: pages' language: the engine config carries them (``extra.pvreport_words``).
    words: Mapping[str, str] = dataclasses.field(default_factory=dict)


def theme_words() -> dict[str, str]:
    """The words of pvreport's theme overrides (templates/theme), in the current language."""
    return {
        "accessibility": _("Accessibility statement"),
        "data": _("Data and downloads"),
    }


def chart_src(chart_id: str) -> str:
    return f"charts/{chart_id}.svg"


def shown_columns(chart: Any) -> list[int]:
    """The indexes of a chart's data columns worth a table column: the first, and each that holds
    anything (a range of uncertainty the data does not give says nothing)."""
    return [i for i in range(len(chart.columns)) if i == 0 or any(row[i] for row in chart.rows)]


def data_src(indicator_id: str) -> str:
    """A measure's open data: its metadata, statuses and public results (``data.json``)."""
    return f"indicators/{indicator_id}/data.json"


def embed_src(indicator_id: str) -> str:
    """A measure's embed card: a whole HTML page for an iframe, with no site menu."""
    return f"embed/indicators/{indicator_id}/index.html"


#: Bumped when a key of ``data.json`` changes meaning or goes (new keys may be added).
DATA_FORMAT = "pvreport-indicator-data/1"


def _data_value(value: Any) -> Any:
    """A model value as ``data.json`` holds it: dates in ISO 8601, moments in UTC, lists for
    tuples; numbers stay numbers (:func:`pvreport.site.write.json_bytes` writes them as the package
    wrote them)."""
    if value is None or isinstance(value, (str, float, int)):
        return value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def _derived(value: float | None) -> float | None:
    """A number pvreport worked out (a change, a threshold), without the float's noise in its
    last digits (``0.12200000000000001`` is ``0.122``)."""
    return None if value is None else round(value, 10)


@functools.cache
def _data_fields(name: str, skip: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f for f in contract.fields(name) if f not in skip)


def _contract_row(name: str, row: Any, skip: tuple[str, ...]) -> dict[str, Any]:
    """A row's contract fields by name (every field, None where empty), as ``data.json``
    holds them."""
    return {field: _data_value(getattr(row, field, None)) for field in _data_fields(name, skip)}


#: Contract types whose values ``data.json`` holds as text (:func:`_data_value`).
_AS_TEXT = frozenset({"date", "datetime"})


def _contract_rows(name: str, rows: Sequence[Any], skip: tuple[str, ...]) -> write.JsonRows:
    """:func:`_contract_row` of many rows, made column by column (a national report's measure
    holds a thousand results, a million in all): only dates and moments are converted one by
    one, and numbers made as JSON writes them (:func:`pvreport.site.write.json_column`)."""
    fields = _data_fields(name, skip)
    types = contract.fields(name)
    columns = []
    for field in fields:
        kind = types[field]["type"]
        column = list(map(operator.attrgetter(field), rows))
        if kind in _AS_TEXT:
            column = [None if v is None else _data_value(v) for v in column]
        elif kind == "number":
            column = write.json_column(column)
        columns.append(column)
    return write.json_rows(fields, columns)


def indicator_data(
    ind: model.Indicator,
    status: derive.IndicatorStatus,
    results: Iterable[model.Result],
    as_of: dt.date,
) -> dict[str, Any]:
    """One measure's ``data.json``: its metadata (the contract's fields), where it stands (the
    derived statuses, the sentences and rules behind them, the threshold used) and its public
    results, in period order. Documented in CONTRACT.md; the keys are stable."""
    # Each distinct period ordered once (a measure has a thousand results over a few periods);
    # the sort is stable, so results of one period stay in file order, as before.
    rows = list(results)
    periods = sorted({r.period for r in rows}, key=lambda p: (derive.period_start(p), p))
    rank = {period: i for i, period in enumerate(periods)}
    ordered = sorted(rows, key=lambda r: rank[r.period])
    latest = status.latest
    compared = None
    if status.reference_period is not None:
        compared = {
            "period": status.reference_period,
            "value": status.reference_value,
            "lower": status.reference_lower,
            "upper": status.reference_upper,
            "is_baseline": status.reference_is_baseline,
        }
    return {
        "format": DATA_FORMAT,
        "id": ind.id,
        "as_of": as_of.isoformat(),
        "address": address(src_of("indicators", ind.id)),
        "embed": embed_src(ind.id).removesuffix("index.html"),
        "indicator": _contract_row("indicators", ind, skip=("visibility",)),
        "status": {
            "latest": None
            if latest is None
            else {"period": latest.period, "value": latest.value, "status": latest.status},
            "compared_with": compared,
            "change": _derived(status.change),
            "direction_of_travel": status.direction,
            "direction_of_travel_reason": status.reason,
            "direction_of_travel_rule": _(derive.rule_for(status.direction).rule),
            "decided_by": status.decided_by,
            "threshold": _derived(status.threshold),
            "relative_threshold_percent": status.relative_threshold,
            "target_status": status.target,
            "target_reason": status.target_reason,
            "target_rule": _(derive.rule_for(status.target).rule),
            "target_value": status.target_value,
            "target_period": status.target_period,
            "overdue": status.overdue,
            "overdue_reason": status.overdue_reason,
            "next_update": _data_value(status.next_update),
            "proxy": status.proxy,
        },
        "results": _contract_rows("results", ordered, skip=("indicator_id",)),
    }


class _Renderer:
    def __init__(self, inputs: Inputs) -> None:
        self.env = environment()
        self.inputs = inputs
        self.report = inputs.report
        r = inputs.report
        self.objective = {o.id: o for o in r.objectives}
        self.indicator = {i.id: i for i in r.indicators}
        self.engagement = {e.id: e for e in r.engagements}
        self.decision = {d.id: d for d in r.decisions}
        self.accountable = {a.id: a for a in r.accountability}
        self.outputs_only = {o.id for o in derive.objectives_measured_only_by_outputs(r)}
        self.pages: list[Page] = []
        self.not_in_nav: list[str] = []
        self.files: dict[str, str | bytes] = {}
        self.data: dict[str, Any] = {}

    def render(self, template: str, src: str, title: str, **context: Any) -> None:
        """Render a page (in place of an earlier rendering of the same page)."""
        self.keep(Page(src, title, self.text(template, src, **context)))

    def keep(self, page: Page) -> None:
        for i, old in enumerate(self.pages):
            if old.src == page.src:
                self.pages[i] = page
                return
        self.pages.append(page)

    def text(self, template: str, src: str, **context: Any) -> str:
        """A template's Markdown for the page ``src``."""

        def to(target: str) -> str:
            page, hash_, anchor = target.partition("#")
            page = self.inputs.content.get(address(page), page)
            return relative(src, page + hash_ + anchor)

        def link(target: str) -> Markup:
            return Markup(to(target))

        def status_link(word: str) -> Markup:
            rule = derive.rule_for(word)
            return Markup(f"[{_(rule.word)}]({to(SRC['rules'] + '#' + rule.anchor)})")

        def chart(c: Any, data: Markup | None = None) -> Markup:
            """A chart; ``data`` is the page's own table of the same figures (a breakdown's
            latest period), shown in place of the chart's data table so they are not printed
            twice."""
            part = self.env.get_template("partials/_chart.md.j2")
            columns = shown_columns(c)
            return Markup(
                part.render(chart=c, src=relative(src, chart_src(c.id)), columns=columns, data=data)
            )

        return self.env.get_template(template).render(
            report=self.report,
            as_of=self.inputs.as_of,
            page_src=src,
            link=link,
            status_link=status_link,
            chart=chart,
            withheld=self.inputs.withheld.at,
            archived_link=lambda prefix, target: Markup(archived_href(src, prefix, target)),
            **context,
        )

    # -- the pages ---------------------------------------------------------------------------

    def weighed(self, decision: model.Decision) -> Weighed:
        shown = tuple(o for o in self.report.options if o.decision_id == decision.id)
        place = f"decisions/{decision.id}"
        hidden = sum(
            n.count
            for n in self.inputs.withheld.at(place)
            if n.what == "options" and n.role == "child"
        )
        if any(o.chosen for o in shown):
            chosen: Literal["shown", "withheld", "none"] = "shown"
        elif decision.id in self.inputs.withheld.chosen:
            chosen = "withheld"
        else:
            chosen = "none"
        support_hidden = any(
            n.what == "options" and n.role == "support" for n in self.inputs.withheld.at(place)
        )
        return Weighed(shown, hidden, chosen, support_hidden)

    def indicator_view(self, ind: model.Indicator) -> dict[str, Any]:
        status = self.inputs.statuses[ind.id]
        counter = self.indicator.get(ind.counterbalance_id or "")
        counter_status = self.inputs.statuses.get(counter.id) if counter else None
        # The caution shows on both pages: on the one whose target is met, and on the
        # counterbalance that is worsening meanwhile.
        cautions = []
        if derive.counterbalance_caution(ind, status, counter_status) and counter:
            cautions.append((ind, counter))
        for other in self.report.indicators:
            if other.counterbalance_id == ind.id and derive.counterbalance_caution(
                other, self.inputs.statuses[other.id], status
            ):
                cautions.append((other, ind))
        results = sorted(
            self.report.results_for(ind.id), key=lambda r: (derive.period_start(r.period), r.period)
        )
        overall = [r for r in results if r.is_all]
        by_dimension: dict[str, list[model.Result]] = {}
        for r in results:
            split = r.breakdown
            if split is not None:
                by_dimension.setdefault(split[0], []).append(r)
        # A page shows each breakdown for its latest period only: the period its chart shows, so
        # the table beside the chart holds the chart's own figures. A national report has
        # thousands of rows per measure; the results download holds every one.
        # From the results in file order, as the charts have them (ties go to the first row).
        gaps = (self.inputs.gaps or {}).get(ind.id)
        if gaps is None:
            gaps = derive.equity_gaps(ind, self.report.results_for(ind.id))
        gap_period = {g.dimension: g.period for g in gaps}
        breakdowns: dict[str, list[model.Result]] = {}
        periods_of: dict[str, int] = {}
        for dim, rows in by_dimension.items():
            periods = list(dict.fromkeys(r.period for r in rows))
            periods_of[dim] = len(periods)
            shown = gap_period.get(dim, periods[-1])
            breakdowns[dim] = [r for r in rows if r.period == shown]
        return {
            "indicator": ind,
            "status": status,
            "objective": self.objective.get(ind.objective_id),
            "counter": counter,
            "counter_status": counter_status,
            "cautions": cautions,
            "overall": overall[-RESULT_PERIODS:],
            "overall_periods": len(overall),
            "RESULT_PERIODS": RESULT_PERIODS,
            "breakdowns": breakdowns,
            "breakdown_periods": periods_of,
            "gaps": gaps,
            "has_intervals": any(r.lower is not None for r in results),
            "not_counted": not_counted(self.inputs.withheld.at(f"indicators/{ind.id}")),
        }

    def run(self, accessibility_template: str) -> Rendered:
        r = self.report
        statuses = self.inputs.statuses
        counts = derive.status_counts(statuses.values())
        by_objective: dict[str, list[model.Indicator]] = {}
        for ind in r.indicators:
            by_objective.setdefault(ind.objective_id, []).append(ind)
        decisions_for: dict[str, list[model.Decision]] = {}
        for d in r.decisions:
            for oid in d.objective_ids:
                decisions_for.setdefault(oid, []).append(d)
        responses = derive.responses_by_engagement(r)
        represent: dict[str, list[derive.Representativeness]] = {}
        for rep in derive.representativeness(r.engagement_profile):
            represent.setdefault(rep.engagement_id, []).append(rep)
        common = {
            "statuses": statuses,
            "counts": counts,
            "objective_of": self.objective,
            "indicator_of": self.indicator,
            "engagement_of": self.engagement,
            "decision_of": self.decision,
            "accountable_of": self.accountable,
            "outputs_only": self.outputs_only,
            "by_objective": by_objective,
            "decisions_for": decisions_for,
            "responses": responses,
            "represent": represent,
            "charts_for": lambda key: self.inputs.charts.get(key, ()),
            "statements": self.inputs.statements,
            "archived": self.inputs.archived,
            "history": self.inputs.history,
        }
        org = r.organisation.name

        self.render("home.md.j2", SRC["home"], _("Home"), pdf=None, **common)
        if self.inputs.history:
            previous = self.inputs.history[0]
            self.render(
                "what_changed.md.j2",
                SRC["what_changed"],
                _("What changed since {period}").format(period=previous.label),
                changes=history.compare(previous, r, statuses),
                **common,
            )

        self.render("objectives.md.j2", SRC["objectives"], _("What we're for"), **common)
        children: dict[str | None, list[model.Objective]] = {}
        for o in r.objectives:
            children.setdefault(o.parent_id if o.parent_id in self.objective else None, []).append(
                o
            )
        for o in r.objectives:
            self.render(
                "objective.md.j2",
                src_of("objectives", o.id),
                o.title,
                objective=o,
                parent=self.objective.get(o.parent_id or ""),
                children=children.get(o.id, []),
                **common,
            )

        self.render("accountability.md.j2", SRC["accountability"], _("Who we answer to"), **common)
        self.render("decisions.md.j2", SRC["decisions"], _("Decisions"), **common)
        for d in r.decisions:
            self.render(
                "decision.md.j2",
                src_of("decisions", d.id),
                d.title,
                decision=d,
                weighed=self.weighed(d),
                answered=[x for x in r.responses if x.decision_id == d.id],
                **common,
            )

        self.render(
            "indicators.md.j2",
            SRC["indicators"],
            _("How we know"),
            index_page_limit=INDEX_PAGE_LIMIT,
            objectives_with_measures=[
                (o, by_objective[o.id]) for o in r.objectives if o.id in by_objective
            ],
            objective_counts={
                oid: derive.status_counts(statuses[i.id] for i in inds)
                for oid, inds in by_objective.items()
            },
            **common,
        )
        for ind in r.indicators:
            view = self.indicator_view(ind)
            snippet = self.embed_snippet(ind, self.open_data(ind, view))
            self.render(
                "indicator.md.j2",
                src_of("indicators", ind.id),
                ind.title,
                embed_snippet=snippet,
                data_file=data_src(ind.id),
                earlier=history.indicator_history(ind.id, self.inputs.history),
                **view,
                **common,
            )
        self.render(
            "rules.md.j2", SRC["rules"], _("How we judge progress"), rules=derive.RULES, **common
        )

        self.render("engagements.md.j2", SRC["engagements"], _("How we listened"), **common)
        for e in r.engagements:
            self.render(
                "engagement.md.j2",
                src_of("engagements", e.id),
                e.title,
                engagement=e,
                closure=derive.loop_closure(responses.get(e.id, ())),
                profile=[p for p in r.engagement_profile if p.engagement_id == e.id],
                shaped=[o for o in r.objectives if e.id in o.authorised_by],
                informed=[d for d in r.decisions if e.id in d.engagement_ids],
                **common,
            )

        self.render(
            "data.md.j2",
            SRC["data"],
            _("Data"),
            downloads=self.inputs.downloads,
            blanked=blanked_cells(self.inputs.withheld, {}),
            dictionary=_dictionary(),
            pdf=None,
            **common,
        )
        self.render("changes.md.j2", SRC["changes"], _("Changes to this account"), **common)
        self.render(
            "problem_codes.md.j2",
            SRC["codes"],
            _("Problem codes"),
            codes=sorted(catalogue().values(), key=_code_key),
            **common,
        )
        self.render(
            accessibility_template, SRC["accessibility"], _("Accessibility"), org=org, **common
        )
        if self.inputs.statements:
            self.render("archive.md.j2", SRC["archive"], _("Every statement"), **common)
        self.document(common)
        nav = self.nav()
        if self.inputs.archived is not None:
            self.pages = [
                dataclasses.replace(
                    p,
                    text=_after_title(
                        p.text, archived_banner(self.env, self.inputs.archived, p.src)
                    ),
                )
                for p in self.pages
            ]
        return Rendered(
            tuple(self.pages),
            nav,
            tuple(self.not_in_nav),
            dict(self.files),
            dict(self.data),
            theme_words(),
        )

    def embed_snippet(self, ind: model.Indicator, height: int = CARD_MAX_HEIGHT) -> str:
        """The HTML another website pastes to show a measure's embed card, ``height`` pixels
        tall (:func:`card_height`: the card's whole content at every width from 320 px)."""
        where = (self.inputs.site_url or "/") + embed_src(ind.id).removesuffix("index.html")
        # The title as plain words that need no escaping in the attribute: the snippet is shown
        # as code, where an escaped "&amp;" would be shown as it is and pasted escaped twice.
        title = " ".join(re.sub(r"[<>\"`]", "", ind.title.replace("&", " and ")).split())
        return (
            f'<iframe src="{html.escape(where, quote=True)}" title="{title}" '
            f'width="100%" height="{height}" style="border:0;max-width:40rem" loading="lazy">'
            "</iframe>"
        )

    def open_data(self, ind: model.Indicator, view: Mapping[str, Any]) -> int:
        """A measure's data.json and its embed card; returns the height the card needs."""
        status = view["status"]
        self.data[data_src(ind.id)] = indicator_data(
            ind, status, self.report.results_for(ind.id), self.inputs.as_of
        )
        src = embed_src(ind.id)
        root = posixpath.relpath(".", posixpath.dirname(src)) + "/"
        trend = [c for c in self.inputs.charts.get(f"indicators/{ind.id}", ()) if c.topic is None]
        self.files[src] = self.env.get_template("embed.html.j2").render(
            indicator=ind,
            status=status,
            org=self.report.organisation.name,
            chart=trend[0] if trend else None,
            columns=shown_columns(trend[0]) if trend else [],
            chart_src=Markup(root + chart_src(trend[0].id)) if trend else None,
            full_page=Markup(root + address(src_of("indicators", ind.id))),
            rules_page=Markup(root + address(SRC["rules"])),
            not_counted=view["not_counted"],
        )
        image = None
        if trend and trend[0].drawing is not None:
            # The chart as the build drew it (or kept it from the chart cache); drawn here only
            # where nothing was drawn (the page tests).
            drawn = self.inputs.chart_files.get(chart_src(trend[0].id))
            if isinstance(drawn, bytes):
                drawn = drawn.decode("utf-8")
            image = svg_size(drawn if drawn is not None else svg.draw(trend[0].drawing))
        return card_height(self.files[src], image)

    # -- the statement as a document -----------------------------------------------------------

    def document(self, common: Mapping[str, Any]) -> None:
        """``/print/``: every section of the statement on one page, in reading order, made of
        the pages rendered so far; the PDF of it (where asked for); then the home page and the
        data page again, with the PDF's link and size."""
        r = self.report
        pages = {p.src: p.text for p in self.pages}
        titles = {p.src: p.title for p in self.pages}
        limit = document.DOCUMENT_PAGE_LIMIT
        whole = {
            "objectives": len(r.objectives) <= limit,
            "indicators": len(r.indicators) <= limit,
            "decisions": len(r.decisions) <= limit,
            "engagements": len(r.engagements) <= limit,
        }
        ids = {
            "objectives": [o.id for o in r.objectives],
            "indicators": [i.id for i in r.indicators],
            "decisions": [d.id for d in r.decisions],
            "engagements": [e.id for e in r.engagements],
        }
        three = _("The three questions")
        plan: list[tuple[str, str, list[tuple[str, int, str | None]]]] = [
            ("questions", three, [(SRC["home"], 2, escape_text(three))])
        ]
        for key, index in (
            ("objectives", "objectives"),
            ("accountability", "accountability"),
            ("indicators", "indicators"),
            ("decisions", "decisions"),
            ("engagements", "engagements"),
        ):
            parts: list[tuple[str, int, str | None]] = [(SRC[index], 2, None)]
            if whole.get(key):
                parts += [(src_of(key, i), 3, None) for i in ids[key]]
            plan.append((key, titles[SRC[index]], parts))
        # Another stage may add /what-changed/ (what changed since earlier statements): the
        # document holds it where the site has it.
        changed = [s for s in ("what-changed/index.md", "what-changed.md") if s in pages]
        if changed:
            plan.append(("what-changed", titles[changed[0]], [(changed[0], 2, None)]))
        plan.append(("changes", titles[SRC["changes"]], [(SRC["changes"], 2, None)]))
        plan.append(("withheld", _("What was withheld, and why"), []))
        plan.append(("rules", titles[SRC["rules"]], [(SRC["rules"], 2, None)]))

        included = frozenset(src for _k, _t, parts in plan for src, _l, _w in parts)
        composer = document.Composer(pages, included)
        sections = []
        for key, title, parts in plan:
            text = "\n".join(composer.part(src, level, words) for src, level, words in parts)
            sections.append(
                {
                    "key": key,
                    "title": title,
                    "anchor": Markup(document.anchor(parts[0][0]) if parts else "pv-" + key),
                    "text": Markup(text),
                    "whole": whole.get(key, True),
                }
            )
        notes: dict[str, list[str]] = {}
        for note in self.inputs.withheld.notes:
            said = notes.setdefault(note.place, [])
            sentence = withheld_sentence(note)
            if sentence not in said:
                said.append(sentence)
        withheld_all = []
        for place, sentences in notes.items():
            where = next((s for s in (f"{place}.md", f"{place}/index.md") if s in pages), None)
            shown = {"src": where, "title": titles[where]} if where else None
            withheld_all.append((shown, sentences))
        context = {
            **common,
            "sections": sections,
            "withheld_all": withheld_all,
            "withheld_total": self.inputs.withheld.total,
            "index_page_limit": INDEX_PAGE_LIMIT,
            "objectives_with_measures": [
                (o, common["by_objective"][o.id])
                for o in r.objectives
                if o.id in common["by_objective"]
            ],
        }
        site_url = self.inputs.site_url

        def on_site(path: str, fragment: str) -> str | None:
            if not site_url:
                return None
            return site_url + address(path) + (f"#{fragment}" if fragment else "")

        def chart_image(path: str) -> str | None:
            return document.relative_to_document(path) if path in self.inputs.chart_files else None

        pdf = None
        if self.inputs.pdf:
            if self.inputs.before_pdf is not None:
                # Every page is rendered but this one (kept below) and the home and data pages
                # (rendered again below, at the same addresses).
                self.inputs.before_pdf(
                    frozenset(address(p.src) for p in self.pages) | {address(document.PRINT_SRC)}
                )
            text = self.text("print.md.j2", document.PRINT_SRC, pdf=None, for_pdf=True, **context)
            html_page = document.document_html(
                composer.finish(text, on_site, chart_image),
                env=self.env,
                extensions=[SanitiseExtension()],
                title=r.title or r.organisation.name,
                lang=self.inputs.lang,
                created=self.inputs.created,
            )
            data = document.cached_pdf(html_page, self.inputs.chart_files, self.inputs.pdf_cache)
            name = re.sub(r"[^a-z0-9-]+", "-", r.name.lower()).strip("-") or "report"
            pdf_src = f"print/{name}.pdf"
            self.files[pdf_src] = data
            pdf = (pdf_src, document.size_words(len(data)))

        def pdf_link(src: str) -> PdfLink | None:
            if pdf is None:
                return None
            return PdfLink(Markup(relative(src, pdf[0])), pdf[1])

        text = self.text(
            "print.md.j2",
            document.PRINT_SRC,
            pdf=pdf_link(document.PRINT_SRC),
            for_pdf=False,
            **context,
        )
        finished = composer.finish(
            text,
            lambda path, fragment: document.relative_to_document(
                path + (f"#{fragment}" if fragment else "")
            ),
            document.relative_to_document,
        )
        self.keep(Page(document.PRINT_SRC, _("The whole statement"), finished))
        # The home and data pages again, now that the document's PDF and its size are known.
        self.render("home.md.j2", SRC["home"], _("Home"), pdf=pdf_link(SRC["home"]), **common)
        self.render(
            "data.md.j2",
            SRC["data"],
            _("Data"),
            downloads=self.inputs.downloads,
            blanked=blanked_cells(self.inputs.withheld, {}),
            dictionary=_dictionary(),
            pdf=pdf_link(SRC["data"]),
            **common,
        )

    def nav(self) -> list[Any]:
        titles = {p.src: plain(p.title, quote=False) for p in self.pages}

        def section(index: str, kind: str, ids: Sequence[str], extra: Sequence[str] = ()) -> Any:
            entries: list[Any] = [index]
            if len(ids) > self.inputs.nav_page_limit:
                self.not_in_nav += [f"/{kind}/*.md", f"!/{index}"]
            else:
                entries += [{titles[src_of(kind, i)]: src_of(kind, i)} for i in ids]
            entries += [{titles[s]: s} for s in extra]
            return entries

        r = self.report
        return [
            {_("Home"): SRC["home"]},
            {
                _("What we're for"): section(
                    SRC["objectives"], "objectives", [o.id for o in r.objectives]
                )
            },
            {
                _("Who we answer to"): [
                    SRC["accountability"],
                    {
                        _("Decisions"): section(
                            SRC["decisions"], "decisions", [d.id for d in r.decisions]
                        )
                    },
                ]
            },
            {
                _("How we know"): section(
                    SRC["indicators"], "indicators", [i.id for i in r.indicators], [SRC["rules"]]
                )
            },
            {
                _("How we listened"): section(
                    SRC["engagements"], "engagements", [e.id for e in r.engagements]
                )
            },
            {
                _("Data"): [
                    SRC["data"],
                    {titles[SRC["changes"]]: SRC["changes"]},
                    *(
                        [{titles[SRC["what_changed"]]: SRC["what_changed"]}]
                        if SRC["what_changed"] in titles
                        else []
                    ),
                    {titles[document.PRINT_SRC]: document.PRINT_SRC},
                    {titles[SRC["codes"]]: SRC["codes"]},
                    {titles[SRC["accessibility"]]: SRC["accessibility"]},
                    *(
                        [{titles[SRC["archive"]]: SRC["archive"]}]
                        if SRC["archive"] in titles
                        else []
                    ),
                ]
            },
        ]


def _code_key(info: CodeInfo) -> tuple[int, str]:
    return (0 if info.severity == "error" else 1, info.code)


@dataclasses.dataclass(frozen=True)
class DictionaryField:
    name: str
    type: str
    required: bool
    description: str
    allowed: tuple[str, ...]


def _dictionary() -> list[tuple[str, list[DictionaryField]]]:
    out = []
    for name in contract.RESOURCES:
        fields = []
        for f in contract.schema(name)["fields"]:
            constraints = f.get("constraints", {})
            kind = f.get("type", "string")
            if contract.LIST_OF in f:
                kind = "list of ids, separated by ;"
            fields.append(
                DictionaryField(
                    name=f["name"],
                    type=kind,
                    required=bool(constraints.get("required")),
                    description=f.get("description", ""),
                    allowed=tuple(str(v) for v in constraints.get("enum", ())),
                )
            )
        out.append((name, fields))
    return out


def render_site(inputs: Inputs) -> Rendered:
    """Every generated page of a report, as Markdown, and the navigation that lists them."""
    renderer = _Renderer(inputs)
    return renderer.run("accessibility.md.j2")
