"""What the public may see: confidential rows and results under embargo are removed here.

:func:`withhold` takes the whole report and returns the public report plus a :class:`Withheld`
record. Every later stage (derive, charts, render, downloads) reads only the public report, so a
withheld value cannot reach a page by accident. The record says *where* something was withheld
and *why*, as counts, so pages can say "one option is not shown because it is confidential"
without a trace of what it was. It also keeps the withheld texts (never rendered) so the build can
check, as defence in depth, that none of them ended up in the built site.

Withholding cascades down: the indicators of a withheld objective, the results of a withheld
indicator, the options of a withheld decision, and the responses and profile of a withheld
engagement are withheld with it. References from public rows to withheld rows are removed, and
counted on the page of the public row. Revisions of withheld rows are dropped too: a revision
would show the old and new value.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from . import contract, model

Reason = Literal["confidential", "embargo"]

# A withheld text shorter than this is too likely to occur by chance in a public page (a word,
# a short id) to be a useful canary for the final check.
_CANARY_MIN_LENGTH = 10
_TOKEN = re.compile(r"[a-z0-9][a-z0-9-]*")


@dataclasses.dataclass(frozen=True)
class WithheldNote:
    """``count`` rows of resource ``what`` were withheld from the page at ``place`` for ``reason``.

    ``place`` is a page key: ``"decisions/<id>"``, ``"objectives/<id>"``, ``"indicators/<id>"``,
    ``"engagements/<id>"``, or a resource name for the list page and downloads of that resource.
    ``role`` says how the withheld rows relate to the page (``"child"``: they belong to it, such as
    a decision's options; ``"parent"``, ``"counterbalance"``, ``"link"``: the page referred to them).
    """

    place: str
    what: str
    count: int
    reason: Reason
    role: str = "child"


@dataclasses.dataclass(frozen=True)
class Withheld:
    notes: tuple[WithheldNote, ...] = ()
    #: Rows withheld per resource (for the data page and downloads).
    rows: Mapping[str, int] = dataclasses.field(default_factory=dict)
    #: Physical CSV lines withheld per resource (downloads skip them).
    lines: Mapping[str, frozenset[int]] = dataclasses.field(default_factory=dict)
    #: Withheld ids per resource (downloads blank references to them).
    ids: Mapping[str, frozenset[str]] = dataclasses.field(default_factory=dict)
    #: Distinctive texts of withheld rows: the build checks none of them reached the site.
    canaries: tuple[str, ...] = ()
    #: Public decisions whose chosen option is withheld: their pages say a choice was made.
    chosen: frozenset[str] = frozenset()

    def at(self, place: str) -> tuple[WithheldNote, ...]:
        return tuple(n for n in self.notes if n.place == place)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _is_confidential(row: Any) -> bool:
    return getattr(row, "visibility", "public") == "confidential"


def _texts(row: Any, name: str) -> Iterable[str]:
    # Words from a fixed list (visibility, status, kind...) are not the row's content: the site
    # uses them itself ("confidential"), so they cannot serve as canaries.
    for field_name in _free_text_fields(type(row), name):
        value = getattr(row, field_name)
        if isinstance(value, str):
            yield value


# Looked up once per row type: a large report has a hundred thousand rows of a few types.
@functools.cache
def _free_text_fields(kind: type, name: str) -> tuple[str, ...]:
    schema_fields = contract.fields(name)
    return tuple(
        field.name
        for field in dataclasses.fields(kind)
        if "enum" not in schema_fields.get(field.name, {}).get("constraints", {})
    )


def withhold(report: model.Report, *, now: dt.datetime) -> tuple[model.Report, Withheld]:
    """The public report, and what was withheld from it, at the moment ``now`` (aware)."""
    notes: list[WithheldNote] = []
    dropped: dict[str, list[Any]] = {name: [] for name in model.ROW_TYPES}

    def note(place: str, what: str, count: int, reason: Reason, role: str = "child") -> None:
        if count:
            notes.append(WithheldNote(place, what, count, reason, role))

    # Which rows go, resource by resource, parents before children.
    gone_obj = {o.id for o in report.objectives if _is_confidential(o)}
    gone_ind = {
        i.id for i in report.indicators if _is_confidential(i) or i.objective_id in gone_obj
    }
    gone_eng = {e.id for e in report.engagements if _is_confidential(e)}
    gone_dec = {d.id for d in report.decisions if _is_confidential(d)}

    objectives = []
    for o in report.objectives:
        if o.id in gone_obj:
            dropped["objectives"].append(o)
            continue
        parent = o.parent_id if o.parent_id not in gone_obj else None
        note(
            f"objectives/{o.id}", "objectives", int(parent != o.parent_id), "confidential", "parent"
        )
        authorised = tuple(e for e in o.authorised_by if e not in gone_eng)
        note(
            f"objectives/{o.id}",
            "engagements",
            len(o.authorised_by) - len(authorised),
            "confidential",
            "link",
        )
        children = sum(1 for c in report.objectives if c.parent_id == o.id and c.id in gone_obj)
        note(f"objectives/{o.id}", "objectives", children, "confidential", "child")
        measures = sum(1 for i in report.indicators if i.objective_id == o.id and i.id in gone_ind)
        note(f"objectives/{o.id}", "indicators", measures, "confidential", "child")
        objectives.append(dataclasses.replace(o, parent_id=parent, authorised_by=authorised))

    embargoed: Counter[str] = Counter()
    results = []
    for r in report.results:
        if r.indicator_id in gone_ind:
            dropped["results"].append(r)
        elif r.embargo_until is not None and r.embargo_until > now:
            dropped["results"].append(r)
            embargoed[r.indicator_id] += 1
        else:
            results.append(r)

    indicators = []
    for i in report.indicators:
        if i.id in gone_ind:
            dropped["indicators"].append(i)
            continue
        counterbalance = i.counterbalance_id if i.counterbalance_id not in gone_ind else None
        note(
            f"indicators/{i.id}",
            "indicators",
            int(counterbalance != i.counterbalance_id),
            "confidential",
            "counterbalance",
        )
        note(f"indicators/{i.id}", "results", embargoed[i.id], "embargo")
        indicators.append(dataclasses.replace(i, counterbalance_id=counterbalance))

    engagements = []
    for e in report.engagements:
        if e.id in gone_eng:
            dropped["engagements"].append(e)
        else:
            engagements.append(e)
    profile = []
    for p in report.engagement_profile:
        if p.engagement_id in gone_eng:
            dropped["engagement_profile"].append(p)
        else:
            profile.append(p)

    decisions = []
    for d in report.decisions:
        if d.id in gone_dec:
            dropped["decisions"].append(d)
            continue
        objective_ids = tuple(x for x in d.objective_ids if x not in gone_obj)
        engagement_ids = tuple(x for x in d.engagement_ids if x not in gone_eng)
        note(
            f"decisions/{d.id}",
            "objectives",
            len(d.objective_ids) - len(objective_ids),
            "confidential",
            "link",
        )
        note(
            f"decisions/{d.id}",
            "engagements",
            len(d.engagement_ids) - len(engagement_ids),
            "confidential",
            "link",
        )
        decisions.append(
            dataclasses.replace(d, objective_ids=objective_ids, engagement_ids=engagement_ids)
        )

    options = []
    hidden_options: Counter[str] = Counter()
    chosen_hidden: set[str] = set()
    for opt in report.options:
        if opt.decision_id in gone_dec:
            dropped["options"].append(opt)
        elif _is_confidential(opt):
            dropped["options"].append(opt)
            hidden_options[opt.decision_id] += 1
            if opt.chosen:
                chosen_hidden.add(opt.decision_id)
        else:
            options.append(opt)
    for decision_id, count in hidden_options.items():
        note(f"decisions/{decision_id}", "options", count, "confidential")

    responses = []
    hidden_responses: Counter[str] = Counter()
    hidden_decision_links: Counter[str] = Counter()
    for resp in report.responses:
        if resp.engagement_id in gone_eng:
            dropped["responses"].append(resp)
        elif _is_confidential(resp):
            dropped["responses"].append(resp)
            hidden_responses[resp.engagement_id] += 1
        else:
            if resp.decision_id in gone_dec:
                hidden_decision_links[resp.engagement_id] += 1
                resp = dataclasses.replace(resp, decision_id=None)
            responses.append(resp)
    for engagement_id, count in hidden_responses.items():
        note(f"engagements/{engagement_id}", "responses", count, "confidential")
    for engagement_id, count in hidden_decision_links.items():
        note(f"engagements/{engagement_id}", "decisions", count, "confidential", "link")

    gone_ids = {
        "objectives": gone_obj,
        "indicators": gone_ind,
        "engagements": gone_eng,
        "decisions": gone_dec,
        "options": {o.id for o in dropped["options"]},
        "responses": {r.id for r in dropped["responses"]},
    }
    embargoed_periods = {(r.indicator_id, r.period) for r in dropped["results"]}
    revisions = []
    for rev in report.revisions:
        if _revision_is_withheld(rev, gone_ids, gone_ind, embargoed_periods):
            dropped["revisions"].append(rev)
        else:
            revisions.append(rev)

    # List pages and downloads say how many rows of each kind are not shown.
    for name in ("objectives", "indicators", "engagements", "decisions"):
        note(name, name, len(dropped[name]), "confidential")
    embargoed_total = sum(embargoed.values())
    note("results", "results", len(dropped["results"]) - embargoed_total, "confidential")
    note("results", "results", embargoed_total, "embargo")
    for name in ("options", "responses", "engagement_profile", "revisions"):
        note(name, name, len(dropped[name]), "confidential")

    public = dataclasses.replace(
        report,
        objectives=tuple(objectives),
        indicators=tuple(indicators),
        results=tuple(results),
        engagements=tuple(engagements),
        engagement_profile=tuple(profile),
        decisions=tuple(decisions),
        options=tuple(options),
        responses=tuple(responses),
        revisions=tuple(revisions),
    )
    withheld = Withheld(
        notes=tuple(notes),
        rows={name: len(rows) for name, rows in dropped.items() if rows},
        lines={name: frozenset(r.line for r in rows) for name, rows in dropped.items() if rows},
        ids={name: frozenset(ids) for name, ids in gone_ids.items() if ids},
        canaries=_canaries(public, dropped),
        chosen=frozenset(chosen_hidden),
    )
    return public, withheld


def _revision_is_withheld(
    rev: model.Revision,
    gone_ids: Mapping[str, set[str]],
    gone_ind: set[str],
    embargoed_periods: set[tuple[str, str]],
) -> bool:
    # row_id names a row by its id, or by its key for tables with a compound key
    # ("dec-01/opt-2", "ind-01 2025/26 all"): any withheld id among its words withholds it.
    tokens = set(_TOKEN.findall(rev.row_id.lower()))
    if rev.resource == "results":
        if tokens & gone_ind:
            return True
        return any(ind in tokens and period in rev.row_id for ind, period in embargoed_periods)
    if rev.resource in ("options", "responses"):
        parent = "decisions" if rev.resource == "options" else "engagements"
        return bool(tokens & gone_ids[rev.resource]) or bool(tokens & gone_ids[parent])
    return rev.row_id.strip() in gone_ids.get(rev.resource, set())


def _canaries(public: model.Report, dropped: Mapping[str, list[Any]]) -> tuple[str, ...]:
    candidates: set[str] = set()
    for name, rows in dropped.items():
        if name == "results":
            # An embargoed result's note may be shared with public results; its value is a
            # number, which no text check can tell apart. Notes only.
            texts: Iterable[str] = (r.note for r in rows if r.note)
        else:
            texts = (t for row in rows for t in _texts(row, name))
        for text in texts:
            text = " ".join(text.split())
            if len(text) >= _CANARY_MIN_LENGTH:
                candidates.add(text)
    if not candidates:
        # Nothing withheld has a text of its own: no need to gather a million public texts.
        return ()
    seen_public: list[str] = []
    for name in model.ROW_TYPES:
        for row in getattr(public, name):
            seen_public.extend(_texts(row, name))
    public_text = "\n".join(seen_public)
    return tuple(sorted(t for t in candidates if t not in public_text))
