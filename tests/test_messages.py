"""The words pvreport writes come from the current language's catalogue, in Python and in the
templates alike; outside any language they are the English as written."""

from __future__ import annotations

import gettext
from typing import ClassVar

from pvreport import messages
from pvreport.site import render


class _Welsh(gettext.NullTranslations):
    WORDS: ClassVar[dict[str, str]] = {
        "Met": "Wedi'i gyrraedd",
        "Latest result": "Y canlyniad diweddaraf",
    }

    def gettext(self, message: str) -> str:
        return self.WORDS.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return {"one page": "un dudalen"}.get(singular, singular if n == 1 else plural)


def test_english_as_written_outside_any_language() -> None:
    assert messages.gettext("Met") == "Met"
    assert messages.ngettext("one page", "{n} pages", 2) == "{n} pages"


def test_python_and_templates_follow_the_current_language() -> None:
    template = render.environment().from_string(
        "{{ _('Latest result') }} / {% trans %}Met{% endtrans %} / {{ ngettext('one page', '%(num)d pages', 1) }}"
    )
    with messages.language(_Welsh()):
        assert messages._("Met") == "Wedi'i gyrraedd"
        assert template.render() == "Y canlyniad diweddaraf / Wedi'i gyrraedd / un dudalen"
    assert template.render() == "Latest result / Met / one page"
