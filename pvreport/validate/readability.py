"""Plain language: a warning for each text a citizen reads that is hard to read.

The measure is Flesch reading ease, computed here and offline (no tool that downloads a
dictionary at run time):

    206.835 - 1.015 * (words / sentences) - 84.6 * (syllables / words)

Higher is easier. 60 to 70 is plain English; GOV.UK content aims for a reading age of about nine,
which is 80 or more; below 50 is hard for most adults. Syllables are counted with the en_GB
hyphenation dictionary of pyphen, checked against a vowel-group count (hyphenation dictionaries
leave words like "area" or "people" whole, which would make every text look easier than it is);
the larger of the two counts is taken.

Rules (defaults; both set in mkdocs.yml, see :class:`Thresholds`):

- a text whose reading ease is below ``min_ease`` (50) gets ``hard-to-read``;
- otherwise a text with a sentence longer than ``max_sentence_words`` (25) gets ``long-sentence``.

Very short texts are not judged by Flesch: with fewer than :data:`MIN_WORDS_FOR_EASE` (12) words
one long word swings the score by tens of points, so a short label such as "Director of Adult
Social Care" would be called hard to read. They are still judged by sentence length (which they
cannot fail). Numbers (``45%``, ``2025/26``, ``£1.2m``) count as words of one syllable: figures are
read at a glance.

English only: reading ease is a measure made for English, and pyphen has no Welsh patterns. In a
package whose first language is English the fields themselves are judged; where English is
another of its languages, their English columns (``summary_en``); where it has no English, none.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pyphen

from .. import contract
from ..problems import Problem
from ..tables.read import Row, Table

#: Below this many words a text is not given a Flesch score (see the module's docstring).
MIN_WORDS_FOR_EASE = 12

#: The defaults of the two thresholds (set in mkdocs.yml: see :class:`Thresholds`).
DEFAULT_MIN_EASE = 50.0
DEFAULT_MAX_SENTENCE_WORDS = 25


class ThresholdsError(ValueError):
    """A readability threshold in the project's settings that is not a number pvreport can use."""


@dataclasses.dataclass(frozen=True)
class Thresholds:
    """When a text is hard to read: a reading ease below ``min_ease``, or a sentence longer
    than ``max_sentence_words``. Set with the options of the ``pvreport`` plugin in
    ``mkdocs.yml`` (``min_reading_ease``, ``max_sentence_words``), which ``validate`` and
    ``build`` both read."""

    min_ease: float = DEFAULT_MIN_EASE
    max_sentence_words: int = DEFAULT_MAX_SENTENCE_WORDS

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Thresholds:
        """The thresholds named in the ``pvreport`` plugin options; defaults for the rest."""
        found: dict[str, Any] = {}
        ease = options.get("min_reading_ease")
        if ease is not None:
            if (
                isinstance(ease, bool)
                or not isinstance(ease, int | float)
                or not -200 <= ease <= 121
            ):
                raise ThresholdsError(
                    f"min_reading_ease must be a number from -200 to 121 (Flesch reading ease; "
                    f"plain English is 60 or more), not {ease!r}."
                )
            found["min_ease"] = float(ease)
        words = options.get("max_sentence_words")
        if words is not None:
            if isinstance(words, bool) or not isinstance(words, int) or words <= 0:
                raise ThresholdsError(
                    f"max_sentence_words must be a whole number above 0, not {words!r}."
                )
            found["max_sentence_words"] = words
        return cls(**found)


#: The text fields people read on the site, by resource. Names, ids, codes and sources are left
#: out: they are labels, not prose.
TEXT_FIELDS: Mapping[str, tuple[str, ...]] = {
    "accountability": ("holds_us_to_account_for",),
    "objectives": ("summary", "why_it_matters"),
    "indicators": ("method", "context"),
    "results": ("note",),
    "engagements": ("question", "what_we_heard"),
    "decisions": ("summary", "rationale", "up_for_grabs", "review_trigger"),
    "options": ("benefits", "drawbacks", "who_gains", "who_loses"),
    "responses": ("you_said", "we_did", "explanation"),
    "revisions": ("reason",),
}

#: Prose in datapackage.json, as (path of keys, field name shown to the user).
DESCRIPTOR_FIELDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("organisation", "purpose"), "organisation.purpose"),
    (("description",), "description"),
)

# A sentence ends at . ! or ? followed by a space and a capital, digit or quote, or at a line
# break. "e.g. the" and "£1.5 million" do not end one.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9£])|\s*\n+\s*")
_WORD = re.compile(
    r"[A-Za-z\u00c0-\u024f]+(?:['\u2019-][A-Za-z\u00c0-\u024f]+)*|[£$€]?\d[\d,./:%-]*\w*"
)
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")


def _prose(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


class Hyphenation:
    """Where a word may be hyphenated, by pyphen's dictionary and pyphen's rule (Liang's
    patterns; no break within two letters of either end), as ``pyphen.Pyphen.positions`` gives.

    pyphen parses all 14,000 patterns of a dictionary before the first word (0.1-0.2 s, a tenth
    of validating a million-row package); a report's prose needs a few hundred of them. Here the
    patterns are only indexed by their letters when the file is read, and each is parsed the
    first time a word needs it. A dictionary with pyphen's rarer syntax (``^^`` escapes,
    non-standard breaks) is left to pyphen itself; tests compare the two word by word.
    """

    _DIGITS = str.maketrans("", "", "0123456789")
    _IGNORED = (
        "%",
        "#",
        "LEFTHYPHENMIN",
        "RIGHTHYPHENMIN",
        "COMPOUNDLEFTHYPHENMIN",
        "COMPOUNDRIGHTHYPHENMIN",
    )

    def __init__(self, lang: str, left: int = 2, right: int = 2) -> None:
        self.left, self.right = left, right
        path = pyphen.LANGUAGES[pyphen.language_fallback(lang)]
        with path.open("rb") as handle:
            encoding = handle.readline().decode().strip()
        lines = path.read_text("cp1251" if encoding.lower() == "microsoft-cp1251" else encoding)
        self._pyphen: pyphen.Pyphen | None = None
        if "^^" in lines or "/" in lines:
            self._pyphen = pyphen.Pyphen(filename=path, left=left, right=right)
            return
        raw: dict[str, str] = {}
        for line in lines.split("\n")[1:]:
            line = line.strip()
            # A pattern of zeros only breaks nothing; pyphen skips it, and so does this.
            if line and not line.startswith(self._IGNORED) and _BREAK_DIGIT.search(line):
                raw[line.translate(self._DIGITS)] = line
        self._raw = raw
        self._parsed: dict[str, tuple[int, tuple[int, ...]]] = {}
        self._longest = max(map(len, raw), default=0)

    def _pattern(self, letters: str) -> tuple[int, tuple[int, ...]] | None:
        found = self._parsed.get(letters)
        if found is None:
            line = self._raw.get(letters)
            if line is None:
                return None
            # "a2ch4": a digit before a letter (or at the end) is that gap's value.
            values = [int(d or 0) for d, _ in _PATTERN_PART.findall(line)]
            start, end = 0, len(values)
            while not values[start]:
                start += 1
            while not values[end - 1]:
                end -= 1
            found = self._parsed[letters] = (start, tuple(values[start:end]))
        return found

    def positions(self, word: str) -> list[int]:
        """The places (character offsets) where ``word`` may be hyphenated."""
        if self._pyphen is not None:
            return [int(p) for p in self._pyphen.positions(word)]
        last = len(word) - self.right
        word = word.lower()
        pointed = f".{word}."
        points = [0] * (len(pointed) + 1)
        for i in range(len(pointed) - 1):
            for j in range(i + 1, min(i + self._longest, len(pointed)) + 1):
                pattern = self._pattern(pointed[i:j])
                if pattern is not None:
                    offset, values = pattern
                    for k, value in enumerate(values, start=i + offset):
                        points[k] = max(points[k], value)
        return [i - 1 for i, point in enumerate(points) if point % 2 and self.left <= i - 1 <= last]


_BREAK_DIGIT = re.compile(r"[1-9]")
_PATTERN_PART = re.compile(r"(\d?)(\D?)")


@functools.cache
def _dictionary() -> Hyphenation:
    return Hyphenation("en_GB")


@functools.cache
def syllables(word: str) -> int:
    """Syllables in one word: pyphen's en_GB hyphenation, or a vowel-group count if larger."""
    if word[0].isdigit() or word[0] in "£$€":
        return 1
    lower = word.lower().replace("\u2019", "'")
    hyphenated = len(_dictionary().positions(lower)) + 1
    return max(hyphenated, _vowel_group_syllables(lower))


def _vowel_group_syllables(word: str) -> int:
    word = word.removesuffix("'s")
    count = len(_VOWEL_GROUPS.findall(word))
    # A silent final e (make, whole), but not in "table" or "people".
    if re.search(r"[^aeiouy]e$", word) and not re.search(r"[^aeiouy]le$", word):
        count -= 1
    # Silent e before -s and -d (homes, moved), but not in "changes" or "waited".
    if re.search(r"[^aeiouy]es$", word) and not re.search(r"(s|x|z|ch|sh|c|g)es$", word):
        count -= 1
    if re.search(r"[^aeiouy]ed$", word) and not re.search(r"[td]ed$", word):
        count -= 1
    # Silent e before a suffix (safely, engagement).
    if re.search(r"[^aeiouy]e(ly|ty|ment|ful|less|ness)$", word):
        count -= 1
    # Two syllables in one vowel group (priority, idea, quiet), but not in -tion or -cial.
    count += len(re.findall(r"(?<![tsc])i[aou](?!us)", word))
    count += len(re.findall(r"ea$|iet|oem|uou", word))
    return max(1, count)


def sentences(text: str) -> list[str]:
    """The sentences of a text, stripped; a text without end punctuation is one sentence."""
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s and _WORD.search(s)]


def words(text: str) -> list[str]:
    return _WORD.findall(text)


@dataclasses.dataclass(frozen=True)
class Readability:
    """How readable one text is."""

    words: int
    sentences: int
    syllables: int
    longest_sentence: str
    longest_sentence_words: int

    @property
    def flesch(self) -> float:
        """Flesch reading ease, whatever the text's length."""
        if self.words == 0:
            raise ValueError("no words to measure")
        return (
            206.835 - 1.015 * (self.words / self.sentences) - 84.6 * (self.syllables / self.words)
        )

    @property
    def ease(self) -> float | None:
        """Flesch reading ease, or None for a text too short to judge by it."""
        return self.flesch if self.words >= MIN_WORDS_FOR_EASE else None


# Pure, and texts repeat (a note used on many results): one measure per distinct text.
@functools.lru_cache(maxsize=16384)
def measure(text: str) -> Readability:
    """Words, sentences, syllables and the longest sentence of a text."""
    parts = sentences(text) or [text.strip()]
    counts = [len(words(part)) for part in parts]
    all_words = words(text)
    longest = max(range(len(parts)), key=lambda i: counts[i])
    return Readability(
        words=len(all_words),
        sentences=max(1, len(parts)),
        syllables=sum(syllables(w) for w in all_words),
        longest_sentence=parts[longest],
        longest_sentence_words=counts[longest],
    )


def _quote(sentence: str, limit: int = 300) -> str:
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


def judge(
    text: str,
    *,
    file: str,
    line: int | None,
    field: str,
    min_ease: float = DEFAULT_MIN_EASE,
    max_sentence_words: int = DEFAULT_MAX_SENTENCE_WORDS,
) -> Problem | None:
    """The warning one text deserves, or None."""
    r = measure(text)
    if r.words == 0:
        return None
    ease = r.ease
    longest = (
        f'its longest sentence has {r.longest_sentence_words} words: "{_quote(r.longest_sentence)}"'
    )
    if ease is not None and ease < min_ease:
        return Problem(
            code="hard-to-read",
            message=(
                f"This text scores {ease:.0f} for reading ease, below {min_ease:.0f}; {longest}."
            ),
            file=file,
            line=line,
            field=field,
            value=_quote(r.longest_sentence),
        )
    if r.longest_sentence_words > max_sentence_words:
        score = f" Its reading ease is {ease:.0f}." if ease is not None else ""
        return Problem(
            code="long-sentence",
            message=(
                f"A sentence has {r.longest_sentence_words} words, more than "
                f'{max_sentence_words}: "{_quote(r.longest_sentence)}".{score}'
            ),
            file=file,
            line=line,
            field=field,
            value=_quote(r.longest_sentence),
        )
    return None


def check(
    tables: Mapping[str, Table],
    *,
    descriptor: Mapping[str, Any] | None = None,
    min_ease: float = DEFAULT_MIN_EASE,
    max_sentence_words: int = DEFAULT_MAX_SENTENCE_WORDS,
) -> Iterator[Problem]:
    """Warnings for every hard-to-read text in the package's tables (and its descriptor's prose).

    Rows marked confidential are checked too: they are still written by someone, and may be
    published one day.
    """
    limits = {"min_ease": min_ease, "max_sentence_words": max_sentence_words}
    languages = contract.languages(descriptor)
    if "en" not in languages:
        return
    # The English of each field: the field itself, or its translation column.
    english = "" if languages[0] == "en" else "_en"
    if descriptor is not None:
        for keys, name in DESCRIPTOR_FIELDS:
            keys, name = (*keys[:-1], keys[-1] + english), name + english
            value: Any = descriptor
            for key in keys:
                value = value.get(key) if isinstance(value, Mapping) else None
            if isinstance(value, str):
                found = judge(value, file="datapackage.json", line=None, field=name, **limits)
                if found:
                    yield found
    for name, originals in TEXT_FIELDS.items():
        table = tables.get(name)
        if table is None:
            continue
        fields = tuple(f + english for f in originals)
        rows: Sequence[Row]
        if table.columns is not None:
            # A large table by column: only the rows with some prose to judge.
            columns = table.columns
            rows = table.rows_where(
                np.logical_or.reduce([columns.where(f, _prose) for f in fields])
            )
        else:
            rows = table.rows
        for row in rows:
            for field in fields:
                value = row.get(field)
                if isinstance(value, str) and value.strip():
                    found = judge(value, file=table.file, line=row.line, field=field, **limits)
                    if found:
                        yield found
