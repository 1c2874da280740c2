"""The words pvreport writes, in the language of the page being made.

Every sentence pvreport writes for a reader goes through :func:`gettext` (``_`` in Python, and
``_()`` / ``{% trans %}`` in the templates, which Jinja's i18n extension wires to the same
functions). Which catalogue answers is the current language, set for a stretch of work with
:func:`language`; outside one, the text comes back as written (English, the source language).

This module imports nothing of pvreport, so every stage may use it.
"""

from __future__ import annotations

import contextlib
import contextvars
import gettext as _gettext
from collections.abc import Iterator

#: The translations in force for the page being made (English, as written, by default).
_ENGLISH = _gettext.NullTranslations()
_CURRENT: contextvars.ContextVar[_gettext.NullTranslations | None] = contextvars.ContextVar(
    "pvreport_translations", default=None
)


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


@contextlib.contextmanager
def language(translations: _gettext.NullTranslations) -> Iterator[None]:
    """Write in ``translations``' language for the stretch of the ``with`` block."""
    token = _CURRENT.set(translations)
    try:
        yield
    finally:
        _CURRENT.reset(token)
