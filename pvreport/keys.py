"""Which row a revision names, and the closest existing id to one that names nothing.

A revision's ``row_id`` names a row of its ``resource``: by its ``id``, or, for the tables whose
rows are known by more than one column, by their key cells joined with ``;`` (the contract's
form): results ``indicator_id;period;group``, options ``decision_id;id``, responses
``engagement_id;id``, engagement_profile ``engagement_id;dimension;category``.
:func:`resolve` is the one reading of that cell: validation calls it to report a revision that
names no row, and :mod:`pvreport.report.visibility` calls it to withhold a revision of a withheld row.
It matches exactly (case included): a near miss is an error with a suggestion, never a guess.

Two older forms stay readable, because packages already use them and neither is ambiguous:
``decision_id/id`` (options, responses: ids have no ``/``) and the key cells separated by
spaces (``repairs-done 2026/27 all``; a group such as ``age: 16-24`` is the rest of the cell).
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

T = TypeVar("T")
Key = tuple[str, ...]

#: The cells that name one row of each resource a revision can change.
KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "accountability": ("id",),
    "objectives": ("id",),
    "indicators": ("id",),
    "results": ("indicator_id", "period", "group"),
    "engagements": ("id",),
    "engagement_profile": ("engagement_id", "dimension", "category"),
    "decisions": ("id",),
    "options": ("decision_id", "id"),
    "responses": ("engagement_id", "id"),
}

#: The key form as people read it in a hint.
KEY_FORMS: dict[str, str] = {
    "results": "indicator;period;group",
    "engagement_profile": "engagement;dimension;category",
    "options": "decision;id",
    "responses": "engagement;id",
}


def key_form(resource: str) -> str:
    """How a revision's row_id names a row of ``resource`` (``id`` or ``a;b;c``)."""
    return KEY_FORMS.get(resource, "id")


def key_of(resource: str, get: Callable[[str], Any]) -> Key | None:
    """A row's key (``get`` reads one of its cells), or None where a key cell is not text."""
    cells = tuple(get(field) for field in KEY_FIELDS[resource])
    if not all(isinstance(cell, str) and cell for cell in cells):
        return None
    return cells


def canonical(key: Key) -> str:
    """A key written as the contract asks: its cells joined by ``;``."""
    return ";".join(key)


def readings(resource: str, row_id: str) -> tuple[Key, ...]:
    """The keys a row_id can mean: the ``;`` form first, then the older forms."""
    text = row_id.strip()
    size = len(KEY_FIELDS.get(resource, ("id",)))
    if size == 1:
        return ((text,),) if text else ()
    if ";" in text:
        parts = tuple(part.strip() for part in text.split(";"))
        return (parts,) if len(parts) == size else ()
    out: list[Key] = []
    if size == 2 and text.count("/") == 1:
        first, _, second = text.partition("/")
        out.append((first.strip(), second.strip()))
    words = text.split()
    if len(words) >= size:
        out.append((*words[: size - 1], " ".join(words[size - 1 :])))
    return tuple(out)


def keyed(resource: str, rows: Iterable[T], get: Callable[[T, str], Any]) -> dict[Key, T]:
    """Rows by key; the first row wins where a key repeats (that is its own error)."""
    out: dict[Key, T] = {}
    for row in rows:
        key = key_of(resource, functools.partial(get, row))
        if key is not None:
            out.setdefault(key, row)
    return out


def resolve(resource: str, row_id: str, rows: Mapping[Key, T]) -> T | None:
    """The row of ``resource`` that a revision's ``row_id`` names, or None.

    ``rows`` holds rows by :func:`key_of` (see :func:`keyed`); it may hold only the rows that
    some reading of ``row_id`` could name.
    """
    if resource not in KEY_FIELDS:
        return None
    for key in readings(resource, row_id):
        if key in rows:
            return rows[key]
    return None


def wanted(resource: str, row_ids: Iterable[str]) -> frozenset[Key]:
    """Every key some row_id could name: enough to index only the rows revisions talk about."""
    return frozenset(key for row_id in row_ids for key in readings(resource, row_id))


def closest(value: str, candidates: Iterable[str]) -> str | None:
    """The existing id most like ``value``: the same but for case or spaces, else difflib's."""
    options = list(dict.fromkeys(candidates))
    folded = value.strip().casefold()
    for option in options:
        if option.strip().casefold() == folded:
            return option
    found = difflib.get_close_matches(value, options, n=1, cutoff=0.75)
    return found[0] if found else None


def did_you_mean(value: str, candidates: Iterable[str]) -> str:
    """`` Did you mean 'x'?`` (with its leading space), or nothing."""
    found = closest(value, candidates)
    return f" Did you mean '{found}'?" if found is not None and found != value else ""
