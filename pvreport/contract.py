"""The data contract made real: the resources, their Table Schemas, and which are required.

The schemas live in ``schemas/<resource>.json`` (standard Table Schema). One custom field property,
``pvreport:listOf`` (``"engagements.id"``), marks a cell holding a ``;``-separated list of ids;
it is removed before a schema is handed to frictionless.
"""

from __future__ import annotations

import copy
import functools
import json
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
