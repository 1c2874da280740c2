"""The data contract made real: the resources, their Table Schemas, and which are required.

The schemas live in ``schemas/<resource>.json`` (standard Table Schema). One custom field property,
``pvreport:listOf`` (``"engagements.id"``), marks a cell holding a ``;``-separated list of ids;
it is removed before a schema is handed to frictionless.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Sequence
from importlib import resources
from typing import Any

#: Every resource of the contract, in the order of the three questions.
RESOURCES: tuple[str, ...] = (
    "accountability",
    "objectives",
    "indicators",
    "results",
    "engagements",
    "engagement_profile",
    "decisions",
    "options",
    "responses",
    "revisions",
    "labels",
)

#: Resources that must be present and hold at least one row.
REQUIRED_RESOURCES: tuple[str, ...] = ("accountability", "objectives", "indicators", "results")

#: Resources whose rows may carry ``visibility``.
WITH_VISIBILITY: tuple[str, ...] = (
    "objectives",
    "indicators",
    "decisions",
    "options",
    "engagements",
    "responses",
)

#: Resources whose rows each get a page at ``/<resource>/<id>/``.
WITH_PAGES: tuple[str, ...] = ("objectives", "indicators", "decisions", "engagements")

#: Names an id of a row with a page may not take: every name pvreport writes, or keeps for
#: itself, in a section's folder or at the top of the site. ``index`` is a section's own list
#: page; the others are the addresses of the site's own pages and folders (and a few kept for
#: pages a site may gain), so that a row's page never replaces one of them.
RESERVED_IDS: frozenset[str] = frozenset(
    {
        "index",
        "404",
        "about",
        "accessibility",
        "accountability",
        "all",
        "archive",
        "assets",
        "changes",
        "charts",
        "data",
        "decisions",
        "downloads",
        "embed",
        "engagements",
        "feed",
        "how-we-judge-progress",
        "indicators",
        "objectives",
        "print",
        "problem-codes",
        "search",
        "sitemap",
        "what-changed",
    }
)

#: The largest size of a number in any number field (and of the funding amount): a thousand
#: million million, beyond any figure a public body reports (a national budget is about 10^12
#: pounds), and well within what a chart's axis, a rounded figure and a spreadsheet hold.
LARGEST_NUMBER = 10**15

#: The text fields citizens read, by resource: each takes its text in every language after the
#: first in a column ``<field>_<lang>`` beside it (contract v1.1, "more than one language").
TRANSLATABLE: dict[str, tuple[str, ...]] = {
    "accountability": ("name", "holds_us_to_account_for", "mechanism"),
    "objectives": ("title", "summary", "why_it_matters", "owner"),
    "indicators": ("title", "unit", "context", "method", "source"),
    "results": ("note",),
    "engagements": ("title", "audience", "question", "what_we_heard"),
    "decisions": ("title", "summary", "rationale", "up_for_grabs", "review_trigger"),
    "options": ("title", "cost_unit", "benefits", "drawbacks", "who_gains", "who_loses"),
    "responses": ("you_said", "we_did", "explanation"),
    "revisions": ("reason",),
    "labels": ("text",),
}

#: The properties of datapackage.json that take a translation (``organisation.name_cy``).
TRANSLATABLE_PROPERTIES: tuple[str, ...] = (
    "title",
    "description",
    "organisation.name",
    "organisation.purpose",
    "organisation.funding.sources",
)

#: A language code as a translation column's suffix: BCP 47's common forms (``cy``, ``fr-CA``).
LANGUAGE_PATTERN = r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*"
_TRANSLATION_COLUMN = re.compile(rf"(?P<field>[a-z_]+?)_(?P<lang>{LANGUAGE_PATTERN})")
DEFAULT_LANGUAGES: tuple[str, ...] = ("en",)


def languages(descriptor: Any) -> tuple[str, ...]:
    """The package's languages, the primary first (``languages`` of datapackage.json; the gate
    has refused one that is not a list of language codes)."""
    found = descriptor.get("languages") if isinstance(descriptor, dict) else None
    if isinstance(found, list) and found and all(isinstance(x, str) for x in found):
        return tuple(dict.fromkeys(found))
    return DEFAULT_LANGUAGES


def translation_of(name: str, label: str) -> tuple[str, str] | None:
    """``("title", "cy")`` for a heading ``title_cy`` of a resource whose ``title`` takes a
    translation; None for any other heading."""
    found = _TRANSLATION_COLUMN.fullmatch(label)
    if found is None or found["field"] not in TRANSLATABLE.get(name, ()) or label in fields(name):
        return None
    return found["field"], found["lang"]


def translation_fields(name: str, others: Sequence[str]) -> list[dict[str, Any]]:
    """The Table Schema fields of a resource's translations into the languages ``others``
    (every language after the first): optional text, one per translatable field and language."""
    return [
        {
            "name": f"{field}_{lang}",
            "type": "string",
            "description": f"{field}, in the language {lang}.",
        }
        for lang in others
        for field in TRANSLATABLE.get(name, ())
    ]


LIST_OF = "pvreport:listOf"
SLUG_PATTERN = r"[a-z0-9][a-z0-9-]{0,63}"


@functools.cache
def _schema(name: str) -> str:
    return (resources.files("pvreport") / "schemas" / f"{name}.json").read_text(encoding="utf-8")


def schema(name: str) -> dict[str, Any]:
    """The contract's Table Schema of a resource (a fresh copy, safe to change)."""
    if name not in RESOURCES:
        raise KeyError(name)
    return json.loads(_schema(name))


def fields(name: str) -> dict[str, dict[str, Any]]:
    """The fields of a resource's schema by name, in schema order."""
    return {f["name"]: f for f in schema(name)["fields"]}


def required_fields(name: str) -> list[str]:
    return [n for n, f in fields(name).items() if f.get("constraints", {}).get("required")]


def list_references(name: str) -> dict[str, tuple[str, str]]:
    """List-of-ids fields of a resource: ``{field: (resource, field)}``."""
    out = {}
    for n, f in fields(name).items():
        if LIST_OF in f:
            resource, _, target = f[LIST_OF].partition(".")
            out[n] = (resource, target)
    return out


def single_references(name: str) -> dict[str, tuple[str, str]]:
    """Single-id foreign keys of a resource: ``{field: (resource, field)}`` (self-references named)."""
    out = {}
    for fk in schema(name).get("foreignKeys", []):
        resource = fk["reference"]["resource"] or name
        out[fk["fields"][0]] = (resource, fk["reference"]["fields"][0])
    return out


def for_frictionless(table_schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of a schema without pvreport's own field properties.

    Moments (``datetime`` fields) are handed over as text: pvreport reads them itself, with the
    one reader loading uses (:mod:`pvreport.tables.moments`), and reports those it cannot read.
    """
    out = copy.deepcopy(table_schema)
    for f in out.get("fields", []):
        f.pop(LIST_OF, None)
        if f.get("type") == "datetime":
            f["type"] = "string"
    return out


def number_fields(name: str) -> list[str]:
    """The fields of a resource whose cells are numbers (type ``number`` or ``integer``)."""
    return [n for n, f in fields(name).items() if f.get("type") in ("number", "integer")]
