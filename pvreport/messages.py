"""The words pvreport writes, in the language of the page being made.

Every sentence pvreport writes for a reader goes through :func:`gettext` (``_`` in Python, and
``_()`` / ``{% trans %}`` in the templates, which Jinja's i18n extension wires to the same
functions). Which catalogue answers is the current language, set for a stretch of work with
:func:`language`; outside one, the text comes back as written (English, the source language).

The catalogues are gettext ``.po`` files under ``pvreport/locale/<lang>/LC_MESSAGES/``
(``en``, the identity, and ``cy``), read with Babel when a language is first asked for
(:func:`translations`, cached): no compiled ``.mo`` files are committed, so the catalogue a
translator edits is the one that runs. A project may add a language or change any string with its
own ``<dir>/<lang>/LC_MESSAGES/pvreport.po``, which wins over the shipped one.

This module imports nothing of pvreport, so every stage may use it.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gettext as _gettext
import io
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel.support import Translations

#: The shipped catalogues: ``LOCALE_DIR/<lang>/LC_MESSAGES/pvreport.po``.
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "pvreport"
#: The language the messages are written in (the msgids).
SOURCE_LANGUAGE = "en"

#: The translations in force for the page being made (English, as written, by default).
_ENGLISH = _gettext.NullTranslations()
_CURRENT: contextvars.ContextVar[_gettext.NullTranslations | None] = contextvars.ContextVar(
    "pvreport_translations", default=None
)
#: Its language's code, kept beside it: formatting asks for it for every figure it writes.
_CODE: contextvars.ContextVar[str] = contextvars.ContextVar("pvreport_language", default="en")


def current() -> _gettext.NullTranslations:
    """The translations in force (English, as written, outside :func:`language`)."""
    return _CURRENT.get() or _ENGLISH


def gettext(message: str) -> str:
    """``message`` in the current language."""
    return current().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural of a message for ``n``, in the current language (whose own
    plural rules choose: Welsh has six forms)."""
    return current().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in the current language, where the same English word needs telling apart
    (``pgettext("status", "Met")``)."""
    return current().pgettext(context, message)


_ = gettext


def N_(message: str) -> str:
    """Marks ``message`` for the catalogue without translating it: for words kept in a table
    at import time and translated with :func:`gettext` where they are written."""
    return message


def code() -> str:
    """The language of the current translations (``"en"`` outside :func:`language`), as Babel
    names a locale: dates and numbers are written for it."""
    return _CODE.get()


def catalogue_path(lang: str, folder: Path | None = None) -> Path:
    """Where the catalogue of ``lang`` is, under ``folder`` (the shipped catalogues by default)."""
    return (folder or LOCALE_DIR) / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def _read(path: Path, lang: str) -> Translations:
    """A ``.po`` file as translations: fuzzy and untranslated entries are left out (their
    English shows), the catalogue's own Plural-Forms choose among plurals."""
    # Babel is imported when a catalogue is first read: a run in English never pays for it.
    from babel.messages import mofile, pofile
    from babel.support import Translations

    with path.open("rb") as fp:
        catalog = pofile.read_po(fp, locale=lang, domain=DOMAIN)
    buffer = io.BytesIO()
    mofile.write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


@functools.lru_cache(maxsize=32)
def translations(
    lang: str, project_catalogue_dir: Path | str | None = None
) -> _gettext.NullTranslations:
    """The words of ``lang``: the shipped catalogue, under a project's own catalogue where it has
    one (``<project_catalogue_dir>/<lang>/LC_MESSAGES/pvreport.po``: it adds a language, or
    overrides any string; what it does not hold comes from the shipped one, then English).

    A language with no catalogue anywhere raises LookupError: a page half in a language nobody
    translated would say it was in that language when it is not."""
    found: list[Translations] = []
    if project_catalogue_dir is not None:
        own = catalogue_path(lang, Path(project_catalogue_dir))
        if own.is_file():
            found.append(_read(own, lang))
    shipped = catalogue_path(lang)
    if shipped.is_file():
        found.append(_read(shipped, lang))
    if not found:
        raise LookupError(f"no catalogue for the language {lang!r}")
    first = found[0]
    for later in found[1:]:
        first.add_fallback(later)
    first.pvreport_language = lang  # type: ignore[attr-defined]
    return first


@contextlib.contextmanager
def language(translations: _gettext.NullTranslations) -> Iterator[None]:
    """Write in ``translations``' language for the stretch of the ``with`` block."""
    token = _CURRENT.set(translations)
    code_token = _CODE.set(getattr(translations, "pvreport_language", None) or SOURCE_LANGUAGE)
    try:
        yield
    finally:
        _CODE.reset(code_token)
        _CURRENT.reset(token)
